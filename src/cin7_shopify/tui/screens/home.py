"""Home: every store with its live status, and what each side of the selected store holds."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from cin7_shopify.overview import OVERVIEW_STEPS, StoreOverview, figure
from cin7_shopify.text import markup, safe_text
from cin7_shopify.tui.dialogs import ConfirmScreen, keys_binding
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded, Progress
from cin7_shopify.tui.widgets.detail_text import show
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.work import budget_note, report
from cin7_shopify.workspace import ChecklistStep, StoreSession

if TYPE_CHECKING:
    from textual.widget import Widget

    from cin7_shopify.tui.app import ConsoleApp

log = logging.getLogger("cin7_shopify.tui")
ARRIVING = "Reading the stores…"  # until the stores that arrive after the first paint are here


class HomeScreen(LeanScreen, Screen[None]):
    # On a short terminal the checklist matters more than the spacing and the sparkline.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        keys_binding("home"),
        Binding("a", "open('sku')", "SKUs", id="home.sku_review"),
        Binding("m", "open('mapping')", "Mapping", id="home.mapping"),
        Binding("l", "open('errors')", "Errors", id="home.error_log"),
        Binding("p", "open('pilot')", "Pilot", id="home.pilot"),
        Binding("s", "sync_now", "Sync", id="home.sync_now"),
        Binding("g", "settings", "Settings", id="home.settings"),
        Binding("n", "add_store", "New store", id="home.add_store"),
        Binding("e", "edit_store", "Edit", id="home.edit_store"),
        Binding("r", "refresh_store", "Refresh", id="home.refresh"),
        Binding("escape", "cancel_loading", "Cancel", show=False, id="home.cancel"),
    ]
    HELP = (
        "## Home\n\n"
        "Each row is a store profile: one Shopify store and the Cin7 Core account it syncs with. The sandbox "
        "store is the bundled demo, ready to use without credentials.\n\n"
        "The columns say how the sync is doing: when it last imported an order and pushed stock, how many "
        "orders are held and how many errors are open. Below, both sides of the selected store are read "
        "through their APIs and counted; large differences are the first thing to ask the merchant about. A Cin7 "
        "Core product is one SKU, so Cin7's count stands under Shopify's variants.\n\n"
        "- **a** SKU review (the pre-go-live audit) · **m** location and tax mapping · **l** error log\n"
        "- **p** pilot: place test orders and trace each one from Shopify to Cin7 Core and back\n"
        "- **s** runs one sync pass now (orders, fulfilment, stock) · **r** reads the store again\n"
        "- **g** the store's settings: go-live date, order trigger, customers, unknown SKUs, buffer…\n"
        "- The **go-live checklist** on the right is what to show the client: each step, whether it holds "
        "now, the date it was first reached, and the key that goes where it is done.\n"
        "- **n** adds a new store, **e** edits the selected one's connection · **Escape** stops a read in "
        "progress.\n"
        "- **Ctrl+P** opens the command palette: every action, and the colour theme."
    )

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[StoreSession] = []
        self._details_later = False  # the details join with the arriving stores (set in compose)

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        stores: DataTable[str] = DataTable(id="stores", cursor_type="row", zebra_stripes=True)
        stores.border_title = "Stores"
        yield stores
        # While the demo's stores are still arriving and no store is saved, there is no store to show details
        # of: the first frame is the store list, the checklist and "Reading the stores…", and the details'
        # widgets (a third of what the frame cost to build, style and paint) join with the stores.
        self._details_later = self.console.arriving is not None and not self.console.workspace.stores()
        loading, details = (None, []) if self._details_later else self._details()
        if loading is not None:
            yield loading
        with Vertical(id="details"):
            yield Static("", id="identity")
            yield from details
        checklist = Static("", id="checklist")
        checklist.border_title = "Go-live checklist"
        yield checklist
        yield Footer(compact=True, show_command_palette=False)

    def _details(self) -> tuple[Widget, list[Widget]]:
        """The reading progress (above the details), and the details of the store read (below its identity)."""
        # Here: the demo's first frame has none of them (they join with its stores), nor waits for their modules.
        from textual.widgets import Label, ProgressBar, Sparkline

        loading = Horizontal(
            Label("", id="loading-label"),
            ProgressBar(total=len(OVERVIEW_STEPS), show_eta=False, id="progress"),
            id="loading",
        )
        errors = Horizontal(
            Label("Open errors, last 24 h", id="errors-label"), Sparkline([0] * 24, id="errors-spark"), id="errors-row"
        )
        counts: DataTable[str] = DataTable(id="counts", show_cursor=False)
        return loading, [counts, errors, Static("", id="budget"), Static("", id="api-health")]

    def _details_here(self) -> None:
        counts = self.query_one("#counts", DataTable)
        counts.add_columns(*map(Text, ["", "Products", "Variants", "Active locations", "Orders since go-live"]))
        self.set_interval(1.0, self._show_step)

    async def _details_then_stores(self) -> None:
        loading, details = self._details()
        await self.mount(loading, before="#details")
        await self.query_one("#details").mount_all(details)
        self._details_here()
        self.reload_stores()

    def on_mount(self) -> None:
        self.title = "Cin7 Core ↔ Shopify"
        stores = self.query_one("#stores", DataTable)
        # Text, not markup: a label given as a string is parsed as Rich markup, and its emoji codes (a table of
        # thousands, loaded on first use) were loaded for these five before home's first frame.
        stores.add_columns(*map(Text, ["Store", "Last import", "Stock push", "Held", "Errors"]))
        if not self._details_later:
            self._details_here()
        self.reload_stores()

    def on_screen_resume(self) -> None:
        if self.entries:
            self.refresh_status()

    @property
    def selected(self) -> StoreSession | None:
        stores = self.query_one("#stores", DataTable)
        if not self.entries:
            return None
        return self.entries[min(stores.cursor_row, len(self.entries) - 1)]

    def reload_stores(self) -> None:
        if self._details_later and self.console.arriving is None:  # the stores are here: so are the details
            self._details_later = False
            self.call_later(self._details_then_stores)
            return
        self.entries = self.console.workspace.stores()
        stores = self.query_one("#stores", DataTable)
        stores.clear()
        for entry in self.entries:
            stores.add_row(Text(safe_text(entry.label)), "—", "—", "0", "0", key=entry.name)
        self.refresh_status()
        identity = self.query_one("#identity", Static)
        if self.console.arriving is not None:  # the demo's sandboxes: read once they are here
            identity.update(ARRIVING)
        elif self.entries:
            if identity.content == ARRIVING:
                identity.update("")
            self.load()
        else:
            identity.update("No store yet: press [b]n[/b] to add one.")

    def refresh_status(self) -> None:
        stores = self.query_one("#stores", DataTable)
        for entry in self.entries:
            status = entry.status()
            for column, value in zip(
                stores.ordered_columns[1:],
                [_when(status.last_import), _when(status.last_stock_push), str(status.held), str(status.open_errors)],
                strict=True,
            ):
                stores.update_cell(entry.name, column.key, value, update_width=True)
            if entry is self.selected:
                from textual.widgets import Sparkline  # loaded with the details (see _details)

                self.query_one("#errors-spark", Sparkline).data = status.errors_by_hour or [0] * 24
                # The API health badge: read from what the sync recorded (no call); `health` has the detail.
                from cin7_shopify.reports.api_health import api_health_summary  # here: home paints before its models

                show(self.query_one("#api-health", Static), markup(api_health_summary(entry)))
                show(
                    self.query_one("#checklist", Static),
                    checklist_text(entry.checklist(now=self.console.now(), status=status)),
                )

    @on(DataTable.RowHighlighted, "#stores")
    def _store_changed(self) -> None:
        if self.selected is not None and getattr(self, "_shown", None) != self.selected.name:
            self.load()

    def action_refresh_store(self) -> None:
        self.load()

    def action_cancel_loading(self) -> None:
        if self.workers.cancel_group(self, "overview"):
            self._set_loading(False)
            self.notify("Stopped reading the store.", title="Cancelled")

    def action_open(self, what: str) -> None:
        if self.selected is not None:
            self.console.open_screen(what, self.selected)

    def action_settings(self) -> None:
        if self.selected is not None:
            from cin7_shopify.tui.screens.settings import SettingsScreen

            self.app.push_screen(SettingsScreen(self.selected))

    def action_add_store(self) -> None:
        self.console.open_connection(None)

    def action_edit_store(self) -> None:
        entry = self.selected
        # Only while home is what the consultant looks at: gone to another screen (the pilot, the error log),
        # the read ahead would take the event loop from it.
        if entry is not None and entry.kind == "sandbox" and self.console.read_ahead and self.is_active:
            self.notify("The sandbox store needs no credentials.", title="Nothing to edit")
        elif entry is not None:
            self.console.open_connection(entry)

    def load(self) -> None:
        entry = self.selected
        if entry is None:
            return
        self._shown = entry.name
        self.query_one("#details").border_title = markup(entry.label)
        self._set_loading(True)
        from textual.widgets import ProgressBar  # loaded with the details (see _details)

        self.query_one("#progress", ProgressBar).update(progress=0)
        self._read(entry)

    @work(exclusive=True, group="overview")
    async def _read(self, entry: StoreSession) -> None:
        async def job() -> StoreOverview:
            def step(what: str, done: int, total: int) -> None:
                self.post_message(Progress(what, done, total))

            return await entry.overview(on_step=step)

        await report(self, "reading the store", job)

    def action_sync_now(self) -> None:
        """One pass writes to both live systems: say what it will do, and what the checklist still lacks."""
        entry = self.selected
        if entry is None:
            return
        settings = entry.settings()
        steps = {step.key: step for step in entry.checklist(now=self.console.now())}
        missing = [
            f"- **{steps[key].title}** not yet: {markup(steps[key].detail)}"
            for key in ("mapping", "audit", "pilot")
            if key in steps and not steps[key].done
        ]
        go_live = f"{settings.go_live:%Y-%m-%d %H:%M %Z}" if settings.go_live else "no go-live date: none"
        text = (
            f"One sync pass for **{markup(entry.label)}** writes to Cin7 Core and Shopify:\n\n"
            f"- imports the orders created since go-live ({markup(go_live)}) once they are "
            f"{markup(settings.order_trigger)}, into Cin7 Core sales;\n"
            "- sends Cin7 Core's shipments back to Shopify as fulfilments;\n"
            f"- pushes Cin7 Core's stock to the {len(settings.location_map)} mapped Shopify locations.\n\n"
        )
        if missing:
            text += "The go-live checklist is not done:\n\n" + "\n".join(missing) + "\n\n"
        self.app.push_screen(
            ConfirmScreen("Run one sync pass?", text + "**y** runs it · **n** does nothing."),
            lambda go: self._answered(entry, go),
        )

    def _answered(self, entry: StoreSession, go: bool | None) -> None:
        if go:
            self._sync_now(entry)

    @work(exclusive=True, group="sync")
    async def _sync_now(self, entry: StoreSession) -> None:
        self.notify(f"Running one sync pass for {markup(entry.label)}…", title="Sync")

        async def job() -> str:
            async with entry.open_sync() as sync:
                orders = await sync.orders_pass()
                shipped = await sync.fulfilment_pass()
                plan, pushed = await sync.stock_push()
            return (
                f"{len(orders.imported)} orders imported, {len(orders.held)} held; {len(shipped.sent)} "
                f"fulfilments sent; {pushed.applied} stock levels updated of {len(plan.changes)}."
            )

        await report(self, "running the sync", job)

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        from textual.widgets import ProgressBar  # loaded with the details (see _details)

        self.query_one("#progress", ProgressBar).update(progress=message.done)
        if message.done < message.total:
            self._step = message.step
            self._show_step()

    def _show_step(self) -> None:
        entry = self.selected
        note = budget_note(entry.pacer()) if entry else ""
        from textual.widgets import Label  # loaded with the details (see _details)

        show(self.query_one("#loading-label", Label), note or f"Reading {getattr(self, '_step', '…')}…")

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "running the sync":
            self.notify(message.result, title="Sync pass done")
            self.refresh_status()
            return
        self._set_loading(False)
        self._show(message.result)
        entry = self.selected
        # Only while home is what the consultant looks at: gone to another screen (the pilot, the error log),
        # the read ahead would take the event loop from it.
        if entry is not None and entry.kind == "sandbox" and self.console.read_ahead and self.is_active:
            self._read_ahead(entry)

    @work(group="read-ahead")
    async def _read_ahead(self, entry: StoreSession) -> None:
        """A sandbox store's audit read while the consultant looks at home: its reads cost no Cin7 budget and no
        real time, so the SKU review and mapping open on data already read. A live store's audit reads when
        asked (it spends the client's Cin7 budget, shared with a running sync)."""
        try:
            await entry.read_ahead()
        except Exception:  # the SKU review reads again when opened, and says what went wrong
            log.info("reading ahead for the audit of %s failed", entry.name, exc_info=True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._set_loading(False)
        self.notify(markup(message.explanation), title=f"Could not finish {message.what}", severity="error", timeout=10)

    def _show(self, overview: StoreOverview) -> None:
        self.query_one("#identity", Static).update(
            f"[b]Shopify[/b]    {markup(overview.shop_name)} · {markup(overview.shop_domain)} · "
            f"{markup(overview.shop_currency)}\n"
            f"[b]Cin7 Core[/b]  {markup(overview.cin7_company)} · {markup(overview.cin7_currency)}"
        )
        counts = self.query_one("#counts", DataTable)
        counts.clear()
        counts.add_row(
            "Shopify",
            figure(overview.shopify_products),
            figure(overview.shopify_variants),
            str(overview.shopify_locations),
            figure(overview.shopify_orders),
        )
        # A Cin7 Core product is one SKU (variant-level): it is counted beside Shopify's variants.
        counts.add_row("Cin7 Core", "—", figure(overview.cin7_products), str(overview.cin7_locations), "—")
        entry = self.selected
        pacer = entry.pacer() if entry else None
        budget = f"; {pacer.in_use()} of {pacer.calls_per_minute} Cin7 calls used this minute" if pacer else ""
        self.query_one("#budget", Static).update(
            f"Read with {overview.cin7_calls} Cin7 calls and {overview.shopify_calls} Shopify calls{budget}."
        )

    def _set_loading(self, loading: bool) -> None:
        self.query_one("#loading").set_class(not loading, "-hidden")


def checklist_text(steps: list[ChecklistStep]) -> Text:
    """One line a step: ✓ or ·, the step, the date it was first reached, the key that goes there, what holds now."""
    text = Text()
    for number, step in enumerate(steps, start=1):
        if number > 1:
            text.append("\n")
        text.append("✓ " if step.done else "· ", style="bold green" if step.done else "dim")
        text.append(f"{number}. {step.title:<18}", style="bold" if step.done else "")
        text.append(f"{_when(step.reached):<12}", style="dim")
        text.append(f"{'' if step.done else step.action:<2}", style="bold")
        text.append(safe_text(step.detail))
    text.no_wrap = True
    return text


def _when(stamp: str | None) -> str:
    return stamp[5:16].replace("T", " ") if stamp else "—"
