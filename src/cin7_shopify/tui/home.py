"""Home: the store profiles, who each is connected to, and how much each side holds."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static

from cin7_shopify.connections import StoreConnection
from cin7_shopify.errors import ConsoleError
from cin7_shopify.overview import OVERVIEW_STEPS, StoreOverview, load_overview
from cin7_shopify.tui.messages import OverviewFailed, OverviewLoaded, OverviewProgress


class HomeScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("home.tcss")
    BINDINGS = [
        Binding("r", "refresh_store", "Refresh", id="home.refresh"),
        Binding("escape", "cancel_loading", "Cancel", id="home.cancel"),
    ]
    HELP = (
        "## Home\n\n"
        "Each row is a store profile: one Shopify store and the Cin7 Core account it syncs with.\n\n"
        "The panel below reads both sides through their APIs and counts what each holds: products, "
        "variants, locations and orders since go-live. Large differences between the two columns are "
        "the first thing to ask the merchant about.\n\n"
        "- **r** reads both sides again.\n- **Escape** stops a read in progress."
    )

    def __init__(self, connection: StoreConnection) -> None:
        super().__init__()
        self.connection = connection

    def compose(self) -> ComposeResult:
        yield Header()
        stores: DataTable[str] = DataTable(id="stores", cursor_type="row", zebra_stripes=True)
        stores.border_title = "Store profiles"
        yield stores
        with Horizontal(id="loading"):
            yield Label("", id="loading-label")
            yield ProgressBar(total=len(OVERVIEW_STEPS), show_eta=False, id="progress")
        with Vertical(id="details") as details:
            details.border_title = self.connection.label
            yield Static("", id="identity")
            counts: DataTable[str] = DataTable(id="counts", show_cursor=False)
            yield counts
            yield Static("", id="budget")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Cin7 Core ↔ Shopify"
        self.sub_title = self.connection.label
        stores = self.query_one("#stores", DataTable)
        stores.add_columns("Profile", "Shopify", "Cin7 Core", "Status")
        stores.add_row(self.connection.profile, "…", "…", "reading", key=self.connection.profile)
        counts = self.query_one("#counts", DataTable)
        orders_label = "Orders since go-live" if self.connection.orders_since else "Orders"
        counts.add_columns("", "Products", "Variants", "Active locations", orders_label)
        self.load()

    def action_refresh_store(self) -> None:
        self.load()

    def action_cancel_loading(self) -> None:
        if self.workers.cancel_group(self, "overview"):
            self._set_loading(False)
            self._set_status("cancelled")
            self.notify("Stopped reading the store.", title="Cancelled")

    def load(self) -> None:
        self._set_loading(True)
        self._set_status("reading")
        self.query_one("#progress", ProgressBar).update(progress=0)
        self._read_store()

    @work(exclusive=True, group="overview")
    async def _read_store(self) -> None:
        cin7, shopify = self.connection.open_clients()
        try:
            overview = await load_overview(
                cin7,
                shopify,
                orders_since=self.connection.orders_since,
                on_step=lambda step, done, total: self.post_message(OverviewProgress(step, done, total)),
            )
        except ConsoleError as exc:
            self.post_message(OverviewFailed(exc.explain()))
        except Exception as exc:  # never a traceback on screen: say what broke, keep the console alive
            self.post_message(OverviewFailed(f"Unexpected error while reading the store ({type(exc).__name__})."))
        else:
            self.post_message(OverviewLoaded(overview))
        finally:
            await cin7.aclose()
            await shopify.aclose()

    @on(OverviewProgress)
    def _progress(self, message: OverviewProgress) -> None:
        self.query_one("#progress", ProgressBar).update(progress=message.done)
        if message.done < message.total:
            self.query_one("#loading-label", Label).update(f"Reading {message.step}…")

    @on(OverviewLoaded)
    def _loaded(self, message: OverviewLoaded) -> None:
        self._set_loading(False)
        self._show(message.overview)

    @on(OverviewFailed)
    def _failed(self, message: OverviewFailed) -> None:
        self._set_loading(False)
        self._set_status("failed")
        self.notify(message.explanation, title="Could not read the store", severity="error", timeout=10)

    def _show(self, overview: StoreOverview) -> None:
        stores = self.query_one("#stores", DataTable)
        row = self.connection.profile
        stores.update_cell(row, stores.ordered_columns[1].key, overview.shop_domain, update_width=True)
        stores.update_cell(row, stores.ordered_columns[2].key, overview.cin7_company, update_width=True)
        self._set_status("connected")
        self.query_one("#identity", Static).update(
            f"[b]Shopify[/b]    {overview.shop_name} · {overview.shop_domain} · {overview.shop_currency}\n"
            f"[b]Cin7 Core[/b]  {overview.cin7_company} · {overview.cin7_currency}"
        )
        counts = self.query_one("#counts", DataTable)
        counts.clear()
        counts.add_row(
            "Shopify",
            str(overview.shopify_products),
            str(overview.shopify_variants),
            str(overview.shopify_locations),
            str(overview.shopify_orders),
        )
        counts.add_row("Cin7 Core", str(overview.cin7_products), "—", str(overview.cin7_locations), "—")
        self.query_one("#budget", Static).update(
            f"Read with {overview.cin7_calls} Cin7 calls (of 60 a minute) and {overview.shopify_calls} Shopify calls."
        )

    def _set_status(self, status: str) -> None:
        stores = self.query_one("#stores", DataTable)
        stores.update_cell(self.connection.profile, stores.ordered_columns[3].key, status, update_width=True)

    def _set_loading(self, loading: bool) -> None:
        self.query_one("#loading").set_class(not loading, "-hidden")
