"""Live error log: the stores' error journals as they grow, each entry with its cause, fix and way there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select, Sparkline, Static

from cin7_shopify.sync.journal import JournalEntry, entry_from_record, fold, parse_line, read_records
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.widgets.virtual_table import Column, VirtualTable
from cin7_shopify.tui.work import report
from cin7_shopify.workspace import StoreSession, errors_per_hour

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp

MAX_ENTRIES = 10_000  # bounded: a year of a busy store's errors stays responsive
JUMPS = {
    "unknown_sku": "sku",
    "missing_sku": "sku",
    "cin7_rejected": "sku",
    "unmapped_tax": "mapping",
    "unmapped_location": "mapping",
}


class ErrorLogScreen(Screen[None]):
    BINDINGS = [
        Binding("f", "toggle_follow", "Follow", id="errors.follow"),
        Binding("enter", "jump", "Go fix", id="errors.jump"),
        Binding("t", "retry", "Retry now", id="errors.retry"),
        Binding("x", "resolve", "Resolved", id="errors.resolve"),
        Binding("w", "why", "Why", id="errors.why"),
        Binding("escape", "app.pop_screen", "Back", id="errors.back"),
    ]
    HELP = (
        "## Error log\n\n"
        "Everything the sync could not do, newest at the bottom, as it happens: which order or SKU, what Cin7 "
        "Core or Shopify said, and the fix in plain words. Check it every week.\n\n"
        "- The log follows new entries (**f** pauses); scrolled up, new entries show as **+N new**.\n"
        "- **Enter** goes where the error is fixed (unknown SKU → SKU review, unmapped tax or location → "
        "mapping).\n- **t** runs a sync pass now: held orders are retried by themselves once their cause is "
        "fixed.\n- **x** marks an entry resolved (it stays in the journal, marked)."
    )

    def __init__(self, entry: StoreSession) -> None:
        super().__init__()
        self.entry = entry
        self.entries: list[JournalEntry] = []
        self.shown: list[JournalEntry] = []
        self.offsets: dict[str, int] = {}
        self.follow = True
        self.unseen = 0

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Select([("Open only", "open"), ("Everything", "all")], value="open", allow_blank=False, id="status")
            yield Select([], prompt="All kinds", id="kind")
            yield Select(
                [(markup(s.label), s.name) for s in self.console.workspace.stores()],
                value=self.entry.name,
                prompt="All stores",
                id="store",
            )
        with Horizontal(id="spark-row"):
            yield Label("Errors per hour, last 24 h", id="spark-label")
            yield Sparkline([0] * 24, id="spark")
            yield Label("", id="badge")
        yield VirtualTable(
            [Column("Time", 11), Column("Kind", 17), Column("Ref", 6), Column("What happened", 0), Column("Store", 12)],
            id="entries",
        )
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Error log"
        self.reload()
        self.set_interval(0.5, self.tail)
        self.query_one(VirtualTable).focus()

    def _stores(self) -> list[StoreSession]:
        chosen = self.query_one("#store", Select).value
        return [s for s in self.console.workspace.stores() if chosen is Select.NULL or s.name == chosen]

    def reload(self) -> None:
        self.entries = []
        self.offsets = {}
        for store in self._stores():
            path = store.journal_path
            self.entries += list(fold(read_records(path, warn=self._skipped)))
            self.offsets[store.name] = path.stat().st_size if path.exists() else 0
        self.entries.sort(key=lambda e: e.time)
        self.entries = self.entries[-MAX_ENTRIES:]
        self.unseen = 0
        kinds = sorted({e.kind for e in self.entries})
        kind = self.query_one("#kind", Select)
        current = kind.value
        kind.set_options([(markup(k), k) for k in kinds])
        if current in kinds:
            kind.value = current
        self.apply_filters(to_end=True)

    def _skipped(self, warning: str) -> None:
        self.notify(markup(warning), title="Journal line skipped", severity="warning", timeout=10)

    def tail(self) -> None:
        """New journal lines since the last look (the journal is append-only: read from the last offset)."""
        added: list[dict[str, object]] = []
        for store in self._stores():
            path = store.journal_path
            size = path.stat().st_size if path.exists() else 0
            start = self.offsets.get(store.name, 0)
            if size <= start:
                continue
            with path.open("rb") as stream:
                stream.seek(start)
                chunk = stream.read(size - start)
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offsets[store.name] = start + len(complete)
            added += list(read_lines(complete))
        if not added:
            return
        by_id = {e.id: e for e in self.entries}
        for record in added:
            if record.get("event") == "error":
                entry = entry_from_record(record)
                by_id[entry.id] = entry
                self.entries.append(entry)
            elif record.get("event") == "resolved" and record.get("id") in by_id:
                by_id[str(record["id"])].status = "resolved"
        self.entries = self.entries[-MAX_ENTRIES:]
        table = self.query_one(VirtualTable)
        at_end = not self.shown or table.cursor >= len(self.shown) - 1
        before = len(self.shown)
        self.apply_filters(to_end=self.follow and at_end)
        if not (self.follow and at_end):
            self.unseen += max(0, len(self.shown) - before)
        self._badge()

    @on(Select.Changed)
    def _filters(self, event: Select.Changed) -> None:
        if event.select.id == "store":
            self.reload()
        else:
            self.apply_filters(to_end=True)

    def apply_filters(self, *, to_end: bool = False) -> None:
        status = self.query_one("#status", Select).value
        kind = self.query_one("#kind", Select).value
        self.shown = [
            e
            for e in self.entries
            if (status == "all" or e.status == "open") and (kind is Select.NULL or e.kind == kind)
        ]
        table = self.query_one(VirtualTable)
        table.set_rows(
            [(e.time[5:16].replace("T", " "), e.kind, e.ref, e.message, e.store) for e in self.shown],
            ["info" if e.status == "resolved" else "blocker" for e in self.shown],
        )
        if to_end and self.shown:
            table.cursor = len(self.shown) - 1
            self.unseen = 0
        self.query_one("#spark", Sparkline).data = errors_per_hour(self.entries)
        self._badge()
        if not self.shown:
            self.query_one("#detail-text", Static).update("No errors to show. The sync adds them here as they happen.")

    def _badge(self) -> None:
        text = f"+{self.unseen} new ↓" if self.unseen else ("following" if self.follow else "paused")
        self.query_one("#badge", Label).update(text)

    @on(VirtualTable.Highlighted)
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        if 0 <= message.index < len(self.shown):
            entry = self.shown[message.index]
            if message.index == len(self.shown) - 1:
                self.unseen = 0
                self._badge()
            where = {"sku": "Enter opens the SKU review.", "mapping": "Enter opens the mapping."}.get(
                JUMPS.get(entry.kind, ""), ""
            )
            # The journal's text as Content variables: inserted literally, whatever it holds.
            self.query_one("#detail-text", Static).update(
                Content.from_markup(
                    "[b]$kind[/b] · $ref · $store · $time · $status\n$message\n[b]Fix:[/b] $fix\n$where",
                    **{
                        name: safe_text(value)
                        for name, value in {
                            "kind": entry.kind,
                            "ref": entry.ref,
                            "store": entry.store,
                            "time": entry.time,
                            "status": entry.status,
                            "message": entry.message,
                            "fix": entry.fix,
                            "where": where,
                        }.items()
                    },
                )
            )

    @property
    def current(self) -> JournalEntry | None:
        index = self.query_one(VirtualTable).cursor
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def action_why(self) -> None:
        """The order's story (or the SKU's, for an entry about a SKU) in the why pane."""
        from cin7_shopify.tui.screens.why import WhyScreen

        entry = self.current
        if entry is None:
            self.notify("No entry selected.", severity="warning")
            return
        store = next((s for s in self.console.workspace.stores() if s.name == entry.store), self.entry)
        self.app.push_screen(WhyScreen(store, "order" if entry.order_id else "sku", entry.ref))

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.apply_filters(to_end=True)
        self._badge()

    def action_jump(self) -> None:
        entry = self.current
        if entry is None:
            return
        where = JUMPS.get(entry.kind)
        if where is None:
            self.notify("This one is fixed outside the console: follow the fix in the detail.", title="Fix")
            return
        self.console.open_screen(where, self.console.workspace.session(entry.store))

    def action_resolve(self) -> None:
        entry = self.current
        if entry is None or entry.status == "resolved":
            return
        store = self.console.workspace.session(entry.store)
        store.journal().resolve(entry.id, note="marked resolved in the console")
        self.tail()

    @work(exclusive=True, group="retry")
    async def action_retry(self) -> None:
        entry = self.current
        store = self.console.workspace.session(entry.store) if entry else self.entry

        async def job() -> str:
            async with store.open_sync() as sync:
                result = await sync.orders_pass()
            return f"{len(result.imported)} imported, {len(result.held)} still held."

        self.notify(f"Retrying held orders of {markup(store.label)}…")
        await report(self, "retrying", job)

    @on(Loaded)
    def _retried(self, message: Loaded) -> None:
        self.notify(markup(message.result), title="Sync pass done")
        self.tail()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(markup(message.explanation), title="Retry failed", severity="error", timeout=10)


def read_lines(chunk: bytes) -> list[dict[str, object]]:
    """The journal records in new complete lines; a line that is not one is left out."""
    records = []
    for line in chunk.decode("utf-8", errors="replace").splitlines():
        try:
            records.append(parse_line(line))
        except ValueError:
            continue
    return records
