"""The console app, and the one factory that builds it for the CLI and the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen

from cin7_shopify.text import markup
from cin7_shopify.tui.themes import DEFAULT_THEME, load_themes, remember_theme, remembered_theme
from cin7_shopify.workspace import StoreSession, Workspace


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # here: markdown-it loads when help is first opened

        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = "Escape closes"
            yield Markdown(self.text)


class ConsoleApp(App[None]):
    TITLE = "Cin7 Core ↔ Shopify"
    CSS_PATH = "console.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, workspace: Workspace, *, remember: bool = True, theme: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.remember = remember  # tests switch it off so they never touch the user's settings
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests fix it: snapshots show dates
        self.wanted_theme = theme

    def on_mount(self) -> None:
        if not self.is_headless:
            from cin7_shopify.tui.terminal_watch import guard_terminal

            guard_terminal(self)  # type: ignore[arg-type]  # any app: it only exits it
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wanted = self.wanted_theme or (remembered_theme() if self.remember else None) or DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME
        if problems:
            self.notify(
                markup("\n".join(problems), multiline=True),
                title=f"{len(problems)} theme file(s) not loaded",
                severity="warning",
            )
        if wanted not in self.available_themes:
            self.notify(f"Theme '{markup(wanted)}' is not available; using {DEFAULT_THEME}.", severity="warning")
        from cin7_shopify.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())

    def watch_theme(self, theme: str) -> None:
        if self.remember and theme in self.available_themes:
            remember_theme(theme)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "HELP", None) or "No help for this screen yet."))

    # -- navigation -------------------------------------------------------------------------

    def open_screen(self, what: str, entry: StoreSession) -> None:
        from cin7_shopify.tui.screens.error_log import ErrorLogScreen
        from cin7_shopify.tui.screens.mapping import MappingScreen
        from cin7_shopify.tui.screens.pilot import PilotScreen
        from cin7_shopify.tui.screens.sku_review import SkuReviewScreen

        screens: dict[str, type[Screen[None]]] = {
            "sku": SkuReviewScreen,
            "mapping": MappingScreen,
            "errors": ErrorLogScreen,
            "pilot": PilotScreen,
        }
        self.push_screen(screens[what](entry))  # type: ignore[arg-type]  # each takes the store's session

    def open_connection(self, entry: StoreSession | None) -> None:
        from cin7_shopify.tui.screens.connection import ConnectionScreen

        self.push_screen(ConnectionScreen(entry))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from cin7_shopify.tui.screens.home import HomeScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is None or home.selected is None:
            return
        entry = home.selected
        for title, what, help_text in [
            ("Go: SKU review", "sku", "The pre-go-live audit of the selected store"),
            ("Go: Mapping", "mapping", "Location and tax mapping of the selected store"),
            ("Go: Error log", "errors", "The live error journal of the selected store"),
            ("Go: Pilot", "pilot", "Place test orders and trace each one end to end"),
        ]:
            yield SystemCommand(title, help_text, partial(self.open_screen, what, entry))
        yield SystemCommand("Store: Add", "Set up a new store profile", partial(self.open_connection, None))
        yield SystemCommand("Store: Sync now", "One sync pass for the selected store", home.action_sync_now)


def make_app(workspace: Workspace | None = None, *, remember: bool = True, theme: str | None = None) -> ConsoleApp:
    """Build the console; by default on the bundled demo store plus any saved profiles."""
    if workspace is None:
        from cin7_shopify.sandbox.store import sandbox_workspace

        workspace, _ = sandbox_workspace()
    return ConsoleApp(workspace, remember=remember, theme=theme)
