"""The console's small dialogs: a confirmation before anything destructive, and the keys of a screen."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cin7_shopify.tui.lean import LeanScreen

# One keymap: a key means the same thing on every screen that has it (README "The console", F1).
KEYMAP = """\
## Keys everywhere

| Key | Means |
|---|---|
| **?** | the keys of this screen · **F1** what this screen is for · **Ctrl+P** every action |
| **j / k**, ↓ / ↑ | move down / up in a list |
| **Enter** | open the highlighted row: go where it is fixed, or choose its target |
| **Escape** | back; it first stops a read, clears a search, or asks about unsaved changes |
| **/** | search |
| **r** | read again (both sides, the audit, the shipments) |
| **t** | retry what failed (an order, a group of orders, a pilot) |
| **f** | accept the proposed fix (SKU review, mapping) |
| **d** | decided: mark resolved, or accept the risk (**u** undoes) |
| **u** | undo the last resolve, decision or mapping change |
| **x** / **X** | export: the report or sign-off / the Shopify fix CSV |
| **y** / **Y** | copy the Shopify / Cin7 Core web-admin link of the highlighted order |
| **c** | clean up pilot test orders (lists them and asks first) |
| **Ctrl+S** | save a form or the mapping · **Ctrl+T** test a connection |
| **q** | quit (asks while work is running; in a form it types q) |

On home: **a** SKU review (the audit) · **m** mapping · **l** error log · **p** pilot · **g** settings ·
**s** one sync pass (says what it writes and asks first) · **n** new store · **e** edit the store's connection.
"""


def keys_binding(screen: str) -> Binding:
    """`?` first in every screen's footer: at 80 columns the footer is cut, and `?` lists every key."""
    return Binding("question_mark", "app.keys", "Keys", id=f"{screen}.keys")


class ConfirmScreen(LeanScreen, ModalScreen[bool]):
    """Says exactly what will be touched before anything is: y goes ahead, Escape or n does nothing."""

    BINDINGS = [
        Binding("y", "answer(True)", "Go ahead", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > VerticalScroll { width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $warning; background: $panel; padding: 0 1; }
    ConfirmScreen Static { padding: 1 1; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        # One widget for the text, as help draws it (tui/widgets/help_text.py): Textual's Markdown made one of every
        # paragraph and list item. markdown-it loads when a dialog first opens, not at start-up.
        from cin7_shopify.tui.widgets.help_text import help_document

        with VerticalScroll() as scroll:
            scroll.border_title = self.title_text
            scroll.border_subtitle = "y: go ahead · n/Escape: cancel"
            yield Static(help_document(self.text))

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class KeysScreen(LeanScreen, ModalScreen[None]):
    """`?`: every key the screen underneath answers to, including the ones the footer had no room for."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="keys.close")]
    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > VerticalScroll { width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    """

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.keys), default=4) + 2
        lines = "\n".join(f"[b]{key.ljust(width)}[/b]{what}" for key, what in self.keys)
        with VerticalScroll() as scroll:
            scroll.border_title = f"Keys · {self.title_text}"
            scroll.border_subtitle = "Escape closes · F1 explains the screen"
            yield Static(lines)


def leave_if_confirmed(screen: Screen[Any], text: str) -> None:
    """Ask before leaving a screen with unsaved changes; leave only on yes."""

    def answered(leave: bool | None) -> None:
        if leave:
            screen.app.pop_screen()

    screen.app.push_screen(ConfirmScreen("Leave without saving?", text), answered)
