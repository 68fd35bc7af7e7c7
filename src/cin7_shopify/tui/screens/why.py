"""The why pane: `why sku` or `why order` over whatever row the screen behind it has selected."""

from __future__ import annotations

from typing import Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cin7_shopify.reports.why_order import OrderStory, order_text
from cin7_shopify.reports.why_sku import SkuStory, story_text
from cin7_shopify.text import markup
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.work import report
from cin7_shopify.workspace import StoreSession

WhyKind = Literal["sku", "order"]


class WhyScreen(LeanScreen, ModalScreen[None]):
    """Reads both systems and what the sync kept (a few calls), then shows the story ending in one sentence."""

    BINDINGS = [Binding("escape,w", "dismiss", "Close", id="why.close")]
    DEFAULT_CSS = """
    WhyScreen { align: center middle; }
    WhyScreen > VerticalScroll { width: 100; max-width: 96%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1; }
    WhyScreen #why-answer { margin-top: 1; text-style: bold; color: $text-accent; }
    """

    def __init__(self, session: StoreSession, kind: WhyKind, subject: str) -> None:
        super().__init__()
        self.session = session
        self.kind = kind
        self.subject = subject
        self.story: SkuStory | OrderStory | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = f"Why · {markup(self.subject)}"
            scroll.border_subtitle = "Escape closes"
            yield Static(f"Reading Shopify, Cin7 Core and the sync's ledger for {markup(self.subject)}…", id="why-body")
            yield Static("", id="why-answer")

    def on_mount(self) -> None:
        self.explain()

    @work(exclusive=True, group="why")
    async def explain(self) -> None:
        if self.kind == "sku":
            await report(self, "why", lambda: self.session.why_sku(self.subject))
        else:
            await report(self, "why", lambda: self.session.why_order(self.subject))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.story = message.result
        story = message.result
        text = story_text(story) if isinstance(story, SkuStory) else order_text(story)
        body = text.rstrip("\n").rsplit("\n", 1)[0].rstrip()  # the last line is the sentence, shown apart
        self.query_one("#why-body", Static).update(markup(body, multiline=True))
        self.query_one("#why-answer", Static).update(markup(story.sentence))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#why-body", Static).update("")
        self.query_one("#why-answer", Static).update(markup(message.explanation))
