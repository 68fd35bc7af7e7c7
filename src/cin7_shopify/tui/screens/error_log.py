"""Live error log: the stores' error journals as they grow, each entry with its cause, fix and way there."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Header, Label, Select, Sparkline

from cin7_shopify.state.ledger import OrderEntry
from cin7_shopify.sync.journal import JournalEntry, entry_from_record, fold, parse_line, read_records
from cin7_shopify.sync.triage import (
    CauseGroup,
    group_by_cause,
    kind_words,
    local_time,
    shop_zone,
    shopify_order_url,
    subject,
    zone_label,
)
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.dialogs import keys_binding
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.widgets.detail_text import DetailText
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.widgets.select import LeanSelect
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
Row = JournalEntry | CauseGroup


class ErrorLogScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    ErrorLogScreen #filters { height: 1; padding: 0 1; }
    ErrorLogScreen #zone { height: 1; padding: 0 1; color: $text-muted; }
    ErrorLogScreen #filters Select { width: 1fr; margin-right: 1; }
    ErrorLogScreen #spark-row { height: 1; padding: 0 1; }
    ErrorLogScreen #spark-label { width: 18; color: $text-muted; }
    ErrorLogScreen #spark { width: 1fr; }
    ErrorLogScreen #badge { width: 16; content-align: right middle; color: $warning; text-style: bold; }
    ErrorLogScreen #entries { height: 1fr; }
    ErrorLogScreen #detail { height: 8; border-top: solid $secondary; padding: 0 1; }
    """
    BINDINGS = [
        keys_binding("errors"),
        Binding("enter", "jump", "Go fix", id="errors.jump"),
        Binding("t", "retry", "Retry", id="errors.retry"),
        Binding("d", "resolve", "Resolved", id="errors.resolve"),
        Binding("u", "undo", "Undo", id="errors.undo"),
        Binding("w", "why", "Why", id="errors.why"),
        Binding("v", "toggle_view", "By cause/entry", id="errors.view"),
        Binding("space", "toggle_follow", "Follow", id="errors.follow"),
        Binding("y", "copy_link('shopify')", "Copy Shopify link", show=False, id="errors.copy_shopify"),
        Binding("Y", "copy_link('cin7')", "Copy Cin7 link", show=False, id="errors.copy_cin7"),
        Binding("escape", "app.pop_screen", "Back", id="errors.back"),
    ]
    HELP = (
        "## Error log\n\n"
        "Everything the sync could not do, as it happens: which order or SKU, what Cin7 Core or Shopify said, and "
        "the fix in plain words. Check it every week. Times are in the shop's own time zone (named above the "
        "list).\n\n"
        '- It opens **by cause**: one row per cause with its count ("unknown SKU TOTE-CANVAS — 14 orders"); '
        "**v** shows every entry instead.\n"
        "- The log follows new entries (**space** pauses); scrolled up, new entries show as **+N new**.\n"
        "- **Enter** goes where the error is fixed, on its row (unknown SKU → its finding in the SKU review, "
        "unmapped tax or location → its row in the mapping), or says why it cannot.\n"
        "- **t** retries the highlighted order, or every order of the highlighted cause (held orders are also "
        "retried by themselves on each pass once their cause is fixed).\n"
        "- **d** marks the entry (or the whole cause) resolved: it stays in the journal, marked; **u** undoes.\n"
        "- **y** copies the order's Shopify admin link, **Y** its Cin7 Core sale link (the detail shows both as "
        "links your terminal can open)."
    )

    def __init__(self, entry: StoreSession) -> None:
        super().__init__()
        self.entry = entry
        self.entries: list[JournalEntry] = []
        self.shown: list[Row] = []
        self.offsets: dict[str, int] = {}
        self.follow = True
        self.unseen = 0
        self.by_cause = True
        self.zone: ZoneInfo | None = None
        self.zone_name = ""
        self.undo: list[tuple[str, list[str]]] = []  # (store, entry ids) of each resolve, newest last

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield LeanSelect(
                [("Open only", "open"), ("Everything", "all")],
                value="open",
                allow_blank=False,
                id="status",
                compact=True,
            )
            yield LeanSelect([], prompt="All kinds", id="kind", compact=True)
            yield LeanSelect(
                [(markup(s.label), s.name) for s in self.console.workspace.stores()],
                value=self.entry.name,
                prompt="All stores",
                id="store",
                compact=True,
            )
        with Horizontal(id="spark-row"):
            yield Label("Errors/hour, 24 h", id="spark-label")
            yield Sparkline([0] * 24, id="spark")
            yield Label("", id="badge")
        yield Label("", id="zone")
        yield VirtualTable(self._columns(), id="entries")
        with VerticalScroll(id="detail"):
            yield DetailText("", id="detail-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Error log"
        self.reload()
        self.set_interval(0.5, self.tail)
        self.query_one(VirtualTable).focus()
        self._read_zone()

    # -- the shop's time zone --------------------------------------------------------------

    @work(exclusive=True, group="zone")
    async def _read_zone(self) -> None:
        async def job() -> str:
            cin7, shopify = self.entry.open_clients()
            async with cin7, shopify:
                return (await shopify.shop_info()).timezone

        await report(self, "reading the shop's time zone", job)

    def _show_zone(self) -> None:
        label = zone_label(self.zone, self.console.now())
        whose = "" if len(self._stores()) == 1 else f", the zone of {markup(self.entry.label)}'s shop"
        self.query_one("#zone", Label).update(f"Times in {markup(label)}{whose}")

    # -- reading ---------------------------------------------------------------------------

    def _stores(self) -> list[StoreSession]:
        chosen = self.query_one("#store", Select).value
        return [s for s in self.console.workspace.stores() if chosen is Select.NULL or s.name == chosen]

    def _columns(self) -> list[Column]:
        several = len(self._stores()) > 1 if self.is_mounted else False  # Store only when it tells rows apart
        store = [Column("Store", 12)] if several else []
        if self.by_cause:
            return [Column("Last", 11), Column("Cause", 0), Column("Open", 4), *store]
        return [Column("Time", 11), Column("Kind", 14), Column("Ref", 6), Column("What happened", 0), *store]

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
        kind.set_options([(markup(kind_words(k)), k) for k in kinds])
        if current in kinds:
            kind.value = current
        self._show_zone()
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
            elif record.get("event") in {"resolved", "reopened"} and record.get("id") in by_id:
                by_id[str(record["id"])].status = "resolved" if record["event"] == "resolved" else "open"
        self.entries = self.entries[-MAX_ENTRIES:]
        table = self.query_one(VirtualTable)
        at_end = not self.shown or table.cursor >= len(self.shown) - 1
        before = len(self.shown)
        self.apply_filters(to_end=self.follow and at_end and not self.by_cause)
        if not (self.follow and at_end) and not self.by_cause:
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
        matching = [
            e
            for e in self.entries
            if (status == "all" or e.status == "open") and (kind is Select.NULL or e.kind == kind)
        ]
        table = self.query_one(VirtualTable)
        table.columns = self._columns()
        several = table.columns[-1].label == "Store"
        keep = self.current
        if self.by_cause:
            groups = group_by_cause(matching)
            self.shown = list(groups)
            table.set_rows(
                [
                    (
                        local_time(g.latest, self.zone),
                        g.title,
                        str(sum(e.status == "open" for e in g.entries)),
                        *([g.store] if several else []),
                    )
                    for g in groups
                ],
                ["blocker" if any(e.status == "open" for e in g.entries) else "info" for g in groups],
            )
            if isinstance(keep, CauseGroup):
                same = next((i for i, g in enumerate(groups) if _same_cause(g, keep)), None)
                if same is not None:
                    table.cursor = same
        else:
            self.shown = list(matching)
            table.set_rows(
                [
                    (
                        local_time(e.time, self.zone),
                        kind_words(e.kind),
                        e.ref,
                        e.message,
                        *([e.store] if several else []),
                    )
                    for e in matching
                ],
                ["info" if e.status == "resolved" else "blocker" for e in matching],
            )
            if to_end and matching:
                table.cursor = len(matching) - 1
                self.unseen = 0
        self.query_one("#spark", Sparkline).data = errors_per_hour(self.entries)
        self._badge()
        if not self.shown:
            self.query_one("#detail-text", DetailText).update(
                "No errors to show. The sync adds them here as they happen."
            )
        else:
            self._detail()

    def _badge(self) -> None:
        text = f"+{self.unseen} new ↓" if self.unseen else ("following" if self.follow else "paused")
        self.query_one("#badge", Label).update(text)

    # -- the highlighted row ---------------------------------------------------------------

    @on(VirtualTable.Highlighted)
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        if 0 <= message.index < len(self.shown):
            if message.index == len(self.shown) - 1:
                self.unseen = 0
                self._badge()
            self._detail()

    def _detail(self) -> None:
        row = self.current
        text = self.query_one("#detail-text", DetailText)
        if row is None:
            return
        where = _where(row.kind)
        if isinstance(row, CauseGroup):
            first = row.entries[-1]
            orders = ", ".join(row.orders[:12]) + (f" and {len(row.orders) - 12} more" if len(row.orders) > 12 else "")
            text.update(
                Content.from_markup(
                    "[b]$title[/b] · $store\n[b]Fix:[/b] $fix\n$orders\n$where",
                    title=safe_text(row.title),
                    store=safe_text(row.store),
                    fix=safe_text(first.fix),
                    orders=f"Orders: {safe_text(orders)}" if orders else safe_text(first.message),
                    where=f"{where} t retries these orders; d marks them resolved; v lists each entry.".strip(),
                )
            )
            return
        shopify_url = shopify_order_url(self._domain(row.store), row.order_id)
        # The journal's text as Content variables: inserted literally, whatever it holds.
        content = Content.from_markup(
            "[b]$kind[/b] · $ref · $store · $time · $status\n$message\n[b]Fix:[/b] $fix\n$where\n",
            **{
                name: safe_text(value)
                for name, value in {
                    "kind": kind_words(row.kind),
                    "ref": row.ref,
                    "store": row.store,
                    "time": local_time(row.time, self.zone),
                    "status": row.status,
                    "message": row.message,
                    "fix": row.fix,
                    "where": where,
                }.items()
            },
        )
        if shopify_url:
            content += Content("Shopify: ") + Content(shopify_url).stylize(Style(link=shopify_url)) + Content(" (y)")
        content += Content("\nCin7 Core: no sale yet — the order is held before import (Y has nothing to copy)")
        text.update(content)

    def _domain(self, store: str) -> str:
        try:
            return self.console.workspace.session(store).profile.shop_domain
        except Exception:  # a store removed while the log is open: no link, never a crash
            return ""

    @property
    def current(self) -> Row | None:
        index = self.query_one(VirtualTable).cursor
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def action_why(self) -> None:
        """The order's story (or the SKU's, for an entry about a SKU) in the why pane."""
        from cin7_shopify.tui.screens.why import WhyScreen

        row = self.current
        if row is None:
            self.notify("No entry selected.", severity="warning")
            return
        entry = self._entries_of(row)[0]
        store = next((s for s in self.console.workspace.stores() if s.name == entry.store), self.entry)
        self.app.push_screen(WhyScreen(store, "order" if entry.order_id else "sku", entry.ref))

    def _entries_of(self, row: Row) -> list[JournalEntry]:
        return list(row.entries) if isinstance(row, CauseGroup) else [row]

    # -- actions ---------------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        self.by_cause = not self.by_cause
        self.query_one(VirtualTable).cursor = 0
        self.apply_filters(to_end=not self.by_cause)
        self.notify("Every entry, newest last." if not self.by_cause else "By cause, the most orders first.")

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.apply_filters(to_end=not self.by_cause)
        self._badge()

    def action_jump(self) -> None:
        row = self.current
        if row is None:
            return
        where = JUMPS.get(row.kind)
        if where is None:
            self.notify(
                f"A {markup(kind_words(row.kind))} is fixed outside the console: follow the fix in the detail.",
                title="Go fix",
            )
            return
        found = row.subject if isinstance(row, CauseGroup) else subject(row)
        focus = None
        if where == "sku" and found:
            focus = found
        elif where == "mapping" and found:
            focus = ("taxes" if row.kind == "unmapped_tax" else "locations") + ":" + found
        elif where == "mapping" and not found:
            self.notify("The order names no location or tax line: the mapping opens at the top.", title="Go fix")
        self.console.open_screen(where, self.console.workspace.session(row.store), focus=focus)

    def action_resolve(self) -> None:
        row = self.current
        if row is None:
            return
        entries = [e for e in self._entries_of(row) if e.status == "open"]
        if not entries:
            self.notify("Already resolved.", title="Resolved")
            return
        store = self.console.workspace.session(entries[0].store)
        for item in entries:
            store.journal().resolve(item.id, note="marked resolved in the console")
        self.undo.append((store.name, [e.id for e in entries]))
        self.notify(f"{len(entries)} marked resolved; u undoes.", title="Resolved")
        self.tail()

    def action_undo(self) -> None:
        if not self.undo:
            self.notify("Nothing to undo.", title="Undo")
            return
        store_name, ids = self.undo.pop()
        journal = self.console.workspace.session(store_name).journal()
        for entry_id in ids:
            journal.reopen(entry_id, note="undone in the console")
        self.notify(f"{len(ids)} open again.", title="Undone")
        self.tail()

    def action_copy_link(self, side: str) -> None:
        row = self.current
        if row is None or isinstance(row, CauseGroup):
            self.notify("Links are per order: v lists each entry.", title="Copy link")
            return
        if side == "cin7":
            self.notify("No Cin7 Core sale yet: the order is held before import.", title="Copy link")
            return
        url = shopify_order_url(self._domain(row.store), row.order_id)
        if url is None:
            self.notify("This entry names no Shopify order.", title="Copy link")
            return
        self.app.copy_to_clipboard(url)
        self.notify(markup(url), title="Copied")

    @work(exclusive=True, group="retry")
    async def action_retry(self) -> None:
        row = self.current
        store = self.console.workspace.session(row.store) if row else self.entry
        orders = {e.order_id: e.ref for e in self._entries_of(row) if e.order_id} if row else {}

        async def job() -> str:
            async with store.open_sync() as sync:
                result = await sync.orders_pass()
                if not orders:
                    return f"{len(result.imported)} imported, {len(result.held)} still held."
                done = [ref for order_id, ref in orders.items() if _imported(sync.ledger.order(order_id))]
            still = len(orders) - len(done)
            return f"{len(done)} of {len(orders)} imported" + (f", {still} still held." if still else ".")

        what = f"{len(orders)} order(s)" if orders else f"the held orders of {markup(store.label)}"
        self.notify(f"Retrying {what}…")
        await report(self, "retrying", job)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "reading the shop's time zone":
            self.zone_name = str(message.result)
            self.zone = shop_zone(self.zone_name)
            self._show_zone()
            self.apply_filters()
            return
        self.notify(markup(message.result), title="Retry done")
        self.tail()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.what == "reading the shop's time zone":
            self.query_one("#zone", Label).update(
                f"Times in UTC (the shop's zone could not be read: {markup(message.explanation)})"
            )
            return
        self.notify(markup(message.explanation), title="Retry failed", severity="error", timeout=10)


def _imported(entry: OrderEntry | None) -> bool:
    return entry is not None and entry.status == "imported"


def _same_cause(a: CauseGroup, b: CauseGroup) -> bool:
    return (a.store, a.kind, a.subject) == (b.store, b.kind, b.subject)


def _where(kind: str) -> str:
    return {"sku": "Enter opens the SKU review on it.", "mapping": "Enter opens its mapping row."}.get(
        JUMPS.get(kind, ""), ""
    )


def read_lines(chunk: bytes) -> list[dict[str, object]]:
    """The journal records in new complete lines; a line that is not one is left out."""
    records = []
    for line in chunk.decode("utf-8", errors="replace").splitlines():
        try:
            records.append(parse_line(line))
        except ValueError:
            continue
    return records
