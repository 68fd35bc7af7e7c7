"""The console app and the one factory that builds it for the CLI and the tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from cin7_shopify.connections import StoreConnection
from cin7_shopify.tui.home import HomeScreen


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = "Escape closes"
            yield Markdown(self.text)


class ConsoleApp(App[None]):
    TITLE = "Cin7 Core ↔ Shopify"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, connection: StoreConnection) -> None:
        super().__init__()
        self.connection = connection

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.connection))

    def action_help(self) -> None:
        text = getattr(self.screen, "HELP", None) or "No help for this screen yet."
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(text))


def make_app(connection: StoreConnection | None = None) -> ConsoleApp:
    """Build the console; by default on the bundled demo store."""
    if connection is None:
        from cin7_shopify.connections import demo_connection

        connection = demo_connection()
    return ConsoleApp(connection)
