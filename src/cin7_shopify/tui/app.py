"""The console app, and the one factory that builds it for the CLI and the tests."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen

from cin7_shopify.paths import cache_dir
from cin7_shopify.text import markup
from cin7_shopify.tui.dialogs import KEYMAP
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.styles_kept import KeptStylesheet
from cin7_shopify.tui.themes import DEFAULT_THEME, load_themes, remember_theme, remembered_theme
from cin7_shopify.tui.work import explain
from cin7_shopify.workspace import StoreSession, Workspace

# Work that writes to a store: quitting in the middle of it asks first (reads just stop).
WRITING_GROUPS = {"sync", "retry", "pilot"}
# While a job talks to the APIs the header's icon turns: a read that waits on Cin7's budget looks
# alive on every screen, not only where it started.
BUSY_FRAMES, IDLE_ICON = "◐◓◑◒", "⭘"

# Stores that arrive after home's first paint: run off the event loop (the slow part, writing nothing),
# it returns what adds them to the workspace, run on the event loop.
StoresLoader = Callable[[], Callable[[], object]]


def keep_out_of_the_collector(*, start_collecting: bool = False) -> None:
    """What the console has loaded so far (Textual, the models, the demo's sandboxes) lives as long as it
    does: frozen out of the cycle collector's walks. A full collection walked all of it, about 0.3 s on
    the demo's heap, and came due at random, often while a screen opened (the SKU review 0.65 → 0.38-0.53 s).

    `start_collecting`: after the first frame, the collector `cin7-shopify demo` paused while it started
    (importing builds only objects that stay) runs again."""
    import gc

    gc.freeze()
    if start_collecting:
        gc.enable()


@dataclass
class StoresArrived(Message):
    """The stores loader finished: `register` adds them; `problem` says in one line why it could not."""

    register: Callable[[], object] | None
    problem: str | None = None


class HelpScreen(LeanScreen, ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    HelpScreen Static { padding: 1 1; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        from textual.widgets import Static

        from cin7_shopify.tui.widgets.help_text import help_document

        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = "Escape closes"
            yield Static(help_document(f"{self.text}\n\n{KEYMAP}"))


class ConsoleApp(App[None]):
    TITLE = "Cin7 Core ↔ Shopify"
    CSS_PATH = "console.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "keys", "Keys", show=False, id="app.keys"),
        Binding("j", "move(1)", "Down", show=False, id="app.down"),
        Binding("k", "move(-1)", "Up", show=False, id="app.up"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        remember: bool = True,
        theme: str | None = None,
        arriving: StoresLoader | None = None,
        read_ahead: bool = False,
    ) -> None:
        super().__init__()
        if remember:  # the styles parsed at an earlier start (a test's console parses its own)
            self.stylesheet = KeptStylesheet(cache_dir() / "styles")
        self.workspace = workspace
        self.arriving = arriving  # home says "reading the stores…" until they are here
        self.read_ahead = read_ahead  # a sandbox store's audit is read while home shows it (the demo)
        self.remember = remember  # tests switch it off so they never touch the user's settings
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests fix it: snapshots show dates
        self.wanted_theme = theme
        self.busy_jobs = 0  # jobs reading or writing the APIs now (tui.work.report counts them)
        themes, self.theme_problems = load_themes()
        for loaded in themes:
            self.register_theme(loaded)
        self._start_with_theme(self._usable(self._wanted_theme()))

    def _wanted_theme(self) -> str:
        return self.wanted_theme or (remembered_theme() if self.remember else None) or DEFAULT_THEME

    def _usable(self, theme: str) -> str:
        return theme if theme in self.available_themes else DEFAULT_THEME

    def _start_with_theme(self, name: str) -> None:
        """The theme in place before the stylesheet is first parsed. Setting `theme` once running parses every
        rule again with the theme's colours, and its watcher saves the choice (a file written and synced to
        disk): both before home's first frame. What Textual 8.2.8's `_watch_theme` does, less those two."""
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        self.set_class(True, f"-theme-{name}", update=False)
        self.set_class(dark, "-dark-mode", update=False)
        self.set_class(not dark, "-light-mode", update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def on_mount(self) -> None:
        if not self.is_headless:
            from cin7_shopify.tui.terminal_watch import guard_terminal

            guard_terminal(self, before_exit=self.workspace.close)  # type: ignore[arg-type]  # any app: it only exits it
        wanted = self._wanted_theme()
        if self._usable(wanted) != self.theme:  # `remember` switched on after the app was made (a test)
            self.theme = self._usable(wanted)
        problems = self.theme_problems
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
        self.set_interval(0.25, self.show_busy, name="busy-indicator")
        self.call_after_refresh(partial(keep_out_of_the_collector, start_collecting=True))
        if isinstance(self.stylesheet, KeptStylesheet):
            self.call_after_refresh(self.stylesheet.keep)
        if self.arriving is not None:
            self.call_after_refresh(self._load_arriving_stores, self.arriving)

    def _load_arriving_stores(self, loader: StoresLoader) -> None:
        """After home's first frame, the stores' slow part in a thread: the event loop keeps answering keys.

        A daemon thread, not a worker: a worker's thread is waited for when the console exits, and leaving
        (a key, or the terminal hanging up) must not wait for a sandbox being seeded."""
        import threading

        def load() -> None:
            try:
                arrived = StoresArrived(loader())
            except Exception as exc:
                arrived = StoresArrived(None, explain(exc, "reading the stores"))
            with contextlib.suppress(RuntimeError):  # the console left meanwhile (its event loop is closed)
                self.post_message(arrived)

        threading.Thread(target=load, name="stores-arriving", daemon=True).start()

    def on_stores_arrived(self, message: StoresArrived) -> None:
        self.arriving = None
        try:
            if message.register is not None:
                message.register()
        except Exception as exc:
            message.problem = explain(exc, "reading the stores")
        if message.problem is not None:
            self.notify(markup(message.problem), title="Could not read the stores", severity="error", timeout=10)
        keep_out_of_the_collector()  # the demo's sandboxes, seeded in the thread, live as long as the console
        from cin7_shopify.tui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.reload_stores()

    def _load_screen_css(self, screen: Screen[object]) -> None:
        super()._load_screen_css(screen)
        css = screen.SCREEN_CSS if isinstance(screen, LeanScreen) else ""
        if not css:
            return
        read_from = (inspect.getfile(type(screen)), f"{type(screen).__name__}.SCREEN_CSS")  # a console screen: a file
        if not self.stylesheet.has_source(*read_from):
            # Parsed alone (the others' parses are cached) when the rules are next read: as the screen's widgets
            # are styled, as they mount. The screen itself was styled as it was made.
            self.stylesheet.add_source(css, read_from=read_from, is_default_css=False)
            self.stylesheet.apply(screen)

    def _end_batch(self) -> None:
        super()._end_batch()
        # A screen's update made in the batch was kept for after it (LeanScreen._compositor_refresh); Textual prompts
        # only the app when a batch ends, and the screen painted it at its next message, which may be a key press.
        if not self._batch_count and self._running and self.screen_stack:
            self.screen.check_idle()

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        # A widget that is not mounted yet is styled as it is mounted: a class it is given before then (an Input
        # marks its value valid as it is made) restyled it, and its children, for nothing.
        if node is not self and (not node.is_attached or self._on_a_screen_going(node)):
            return
        super().update_styles(node, animate)

    def _on_a_screen_going(self, node: DOMNode) -> bool:
        # A popped screen is removed, and its focused widget blurs as it goes: restyling it showed nothing (help's
        # scroll and its 71 widgets, ~50 ms a close). A screen pushed again is restyled when it resumes.
        screen = node if isinstance(node, Screen) else node.screen
        return not self.is_screen_installed(screen) and all(
            screen not in stack for stack in self._screen_stacks.values()
        )

    def show_busy(self, turn: bool = True) -> None:
        """The header's icon turns while anything reads or writes, on whichever screen is shown."""
        if not self.screen_stack:  # leaving: the screens are gone before the timer is
            return
        busy = self.arriving is not None or self.busy_jobs > 0
        self._busy_tick = (getattr(self, "_busy_tick", 0) + turn) % len(BUSY_FRAMES) if busy else 0
        from textual.widgets import Header

        for header in self.screen.query(Header):
            header.icon = BUSY_FRAMES[self._busy_tick] if busy else IDLE_ICON

    def watch_theme(self, theme: str) -> None:
        if self.remember and theme in self.available_themes:
            remember_theme(theme)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "HELP", None) or "No help for this screen yet."))

    def action_keys(self) -> None:
        """Every key the screen answers to, the footer's and the ones it had no room for."""
        from cin7_shopify.tui.dialogs import KeysScreen

        if isinstance(self.screen, KeysScreen | HelpScreen):
            return

        # The screen's own keys first (the footer's order), then the console's, then Textual's own.
        def rank(binding: Binding) -> int:
            return 2 if not binding.id else (1 if binding.id.startswith("app.") else 0)

        shown: dict[tuple[str, str], list[str]] = {}
        actives = sorted(self.screen.active_bindings.values(), key=lambda a: rank(a.binding))
        for active in actives:
            binding = active.binding
            if binding.description:  # one line an action: "q, ^q  Quit"
                shown.setdefault((binding.action, binding.description), []).append(self.get_key_display(binding))
        keys = [(markup(", ".join(displays)), markup(what)) for (_, what), displays in shown.items()]
        title = str(self.screen.sub_title or self.screen.title or type(self.screen).__name__)
        self.push_screen(KeysScreen(markup(title), keys))

    def action_move(self, delta: int) -> None:
        """j/k move in whatever list has focus, as the arrows do."""
        from textual.widgets import DataTable, OptionList

        from cin7_shopify.tui.widgets.virtual_table import VirtualTable

        focused = self.focused
        if isinstance(focused, VirtualTable):
            focused.action_move(delta)
        elif isinstance(focused, DataTable | OptionList):
            (focused.action_cursor_down if delta > 0 else focused.action_cursor_up)()

    async def action_quit(self) -> None:
        running = [w for w in self.workers if not w.is_finished and w.group in WRITING_GROUPS]
        if not running:
            self.exit()
            return
        from cin7_shopify.tui.dialogs import ConfirmScreen

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                "Quit while work runs?",
                "The console is still writing to the store (a sync pass, a retry or the pilot). Quitting stops it "
                "after the call in flight; the ledger makes sure nothing is sent twice when it runs again.\n\n"
                "**y** quits now · **n** keeps working.",
            ),
            answered,
        )

    # -- navigation -------------------------------------------------------------------------

    def open_screen(self, what: str, entry: StoreSession, *, focus: str | None = None) -> None:
        """Open a store's screen; `focus`: the SKU, or "taxes:<line>" / "locations:<name>", to land on."""
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
        factory: Callable[..., Screen[None]] = screens[what]  # each takes the store's session
        self.push_screen(factory(entry, focus=focus) if focus and what in {"sku", "mapping"} else factory(entry))

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


def make_app(
    workspace: Workspace | None = None,
    *,
    remember: bool = True,
    theme: str | None = None,
    arriving: StoresLoader | None = None,
    read_ahead: bool = False,
) -> ConsoleApp:
    """Build the console; by default on the bundled demo store plus any saved profiles. `arriving`: stores
    that join the workspace after home's first paint (the demo's sandboxes); `read_ahead`: a sandbox store's
    audit is read while home shows it, so the SKU review and mapping open on data already read."""
    if workspace is None:
        from cin7_shopify.sandbox.store import sandbox_workspace

        workspace, _ = sandbox_workspace()
    return ConsoleApp(workspace, remember=remember, theme=theme, arriving=arriving, read_ahead=read_ahead)
