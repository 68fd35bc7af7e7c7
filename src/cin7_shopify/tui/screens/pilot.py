"""Pilot order tracing: test orders as rows, the seven steps as columns filling in live, a timeline per order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Header, Label

from cin7_shopify.pilot.cleanup import CleanupItem, plan_cleanup, run_cleanup
from cin7_shopify.pilot.engine import Pilot, PilotOrder, PilotReport, which_orders
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.sync.runner import StoreSync
from cin7_shopify.sync.triage import cin7_sale_url, fix_target, shopify_order_url
from cin7_shopify.text import markup, md_text, safe_text
from cin7_shopify.tui.dialogs import ConfirmScreen, keys_binding
from cin7_shopify.tui.lean import LeanScreen
from cin7_shopify.tui.messages import Failed, Loaded
from cin7_shopify.tui.widgets.detail_text import DetailText
from cin7_shopify.tui.widgets.footer import Footer
from cin7_shopify.tui.widgets.virtual_table import Column, VirtualTable
from cin7_shopify.tui.work import budget_note, report
from cin7_shopify.workspace import StoreSession

if TYPE_CHECKING:
    from cin7_shopify.tui.app import ConsoleApp

PLACE_COUNT = 4  # one order per product kind: simple, variant, kit, multi-location
STEP_HEADERS = ("Imp", "Line", "Cust", "Tax", "Stck", "Ship", "Fulf")
MARKS = {True: "✓", False: "✗", None: "·"}


@dataclass
class PilotUpdated(Message):
    order: PilotOrder


class PilotScreen(LeanScreen, Screen[None]):
    SCREEN_CSS = """
    PilotScreen #pilot-status { height: 1; width: 1fr; padding: 0 1; color: $text-muted; }
    PilotScreen #orders { height: 1fr; }
    PilotScreen #detail { height: 10; border-top: solid $secondary; padding: 0 1; }
    """
    BINDINGS = [
        keys_binding("pilot"),
        Binding("n", "place", "New tests", id="pilot.place"),
        Binding("i", "trace", "Trace store", id="pilot.trace"),
        Binding("w", "why", "Why", id="pilot.why"),
        Binding("enter", "jump", "Go fix", id="pilot.jump"),
        Binding("t", "retry", "Retry", id="pilot.retry"),
        Binding("r", "follow_up", "Look again", id="pilot.follow_up"),
        Binding("x", "export", "Sign-off", id="pilot.export"),
        Binding("c", "clean_up", "Clean up", id="pilot.clean_up"),
        Binding("y", "copy_link('shopify')", "Copy Shopify link", show=False, id="pilot.copy_shopify"),
        Binding("Y", "copy_link('cin7')", "Copy Cin7 link", show=False, id="pilot.copy_cin7"),
        Binding("escape", "app.pop_screen", "Back", id="pilot.back"),
    ]
    HELP = (
        "## Pilot\n\n"
        "Test orders traced from Shopify through Cin7 Core and back, one row per order and one column per "
        "step: **Imp**orted, **Line**s match, **Cust**omer, **Tax**, **St**oc**k** allocated, **Ship**ped in "
        "Cin7 Core, **Fulf**illed in Shopify. ✓ passed, ✗ failed, · not reached or waiting.\n\n"
        f"- **n** places {PLACE_COUNT} new test orders in Shopify (a simple product, one with variants, a kit, a "
        "multi-location item), tagged so the sync imports them, and traces them.\n"
        "- **i** traces the store's own orders since go-live instead.\n"
        "- **Enter** goes where the highlighted order's problem is fixed; **t** retries after the fix.\n"
        "- In the sandbox the pilot plays the warehouse (pick, pack, ship). On a real account ship the test "
        "sales in Cin7 Core yourself, then **r** looks again.\n"
        "- **y** copies the order's Shopify admin link, **Y** its Cin7 Core sale link (both are links in the "
        "detail).\n"
        "- **w** shows the highlighted order's whole story across both systems, ending in one sentence.\n"
        "- **x** writes the Markdown sign-off for the client.\n"
        "- **c** cleans up: lists the test orders and what happens to each, then (only if you say yes) cancels "
        "them in Shopify and voids their Cin7 Core sales (a shipped sale needs a credit note instead)."
    )

    def __init__(self, entry: StoreSession) -> None:
        super().__init__()
        self.entry = entry
        self.report: PilotReport | None = None
        self.busy = ""

    @property
    def console(self) -> ConsoleApp:
        return self.app  # type: ignore[return-value]

    @property
    def plays_warehouse(self) -> bool:
        return self.entry.kind == "sandbox"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="pilot-status")
        yield VirtualTable(
            [Column("Order", 7), *(Column(h, 5) for h in STEP_HEADERS), Column("Outcome", 8), Column("Tests", 0)],
            id="orders",
        )
        with VerticalScroll(id="detail"):
            yield DetailText("", id="detail-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"Pilot · {safe_text(self.entry.label)}"
        self._show()
        self.query_one(VirtualTable).focus()
        self.set_interval(0.5, self._show_budget)

    def _show_budget(self) -> None:
        """While busy, say when the Cin7 call budget is what we wait for: the screen never looks stuck."""
        if self.busy:
            note = budget_note(self.entry.pacer())
            self.query_one("#pilot-status", Label).update(f"{self.busy} {note}".strip())

    # -- drawing ---------------------------------------------------------------------------

    def _show(self) -> None:
        orders = self.report.orders if self.report else []
        rows = [
            (
                o.name,
                *(MARKS[s.ok] for s in o.steps),
                o.outcome if self._settled(o) or not self.busy else "…",
                o.kind or "store order",
            )
            for o in orders
        ]
        tones = ["" if o.outcome == "passed" else ("warning" if self._waiting(o) else "blocker") for o in orders]
        self.query_one(VirtualTable).set_rows(rows, tones)
        passed = sum(o.outcome == "passed" for o in orders)
        mode = "sandbox: the pilot plays the warehouse" if self.plays_warehouse else "you ship in Cin7; r looks again"
        status = self.busy or (f"{passed} of {len(orders)} passed every step · {mode}" if orders else mode)
        self.query_one("#pilot-status", Label).update(status)
        # With rows, the table posts the highlighted one (VirtualTable.Highlighted) and the detail follows it: drawn
        # here too, each update built the detail twice (10 kB names: 100 kB of text, made safe and laid out).
        if not rows:
            self._detail()

    def _settled(self, order: PilotOrder) -> bool:
        observed = bool(order.matched_by)  # observe mode: traced once, the warehouse is not ours to wait for
        return observed or order.held or any(s.ok is False for s in order.steps) or all(s.ok for s in order.steps)

    def _waiting(self, order: PilotOrder) -> bool:
        return order.steps[0].ok is True and not any(s.ok is False for s in order.steps) and order.outcome != "passed"

    @property
    def current(self) -> PilotOrder | None:
        orders = self.report.orders if self.report else []
        index = self.query_one(VirtualTable).cursor
        return orders[index] if 0 <= index < len(orders) else None

    def _detail(self) -> None:
        order = self.current
        text = self.query_one("#detail-text", DetailText)
        if order is None:
            text.update(
                f"No pilot yet. n places {PLACE_COUNT} test orders covering each product kind; i traces the "
                "store's orders since go-live. F1 explains the columns."
            )
            return
        outcome = order.outcome if self._settled(order) or not self.busy else "in progress"
        # Content with the order's text as variables: inserted literally, whatever it holds.
        lines = [
            Content.from_markup(
                "[b]$name[/b] · $kind · $outcome",
                name=safe_text(order.name),
                kind=safe_text(order.kind or "store order"),
                outcome=outcome,
            )
        ]
        for error in order.errors:
            lines.append(
                Content.from_markup(
                    "[b]$kind[/b]: $message\n[b]Fix:[/b] $fix",
                    kind=safe_text(error["kind"]),
                    message=safe_text(error["message"]),
                    fix=safe_text(error["fix"]),
                )
            )
            if fix_target(error["kind"], error["message"]):
                lines.append(Content("Enter goes where this is fixed; t retries once it is."))
        unreached = [s.step.replace("_", " ") for s in order.steps if s.ok is None and not s.detail]
        for step in order.steps:
            if (step.ok is not None or step.detail) and not (order.errors and step.ok is False):
                lines.append(Content(f"{MARKS[step.ok]} {step.step.replace('_', ' ')}: {safe_text(step.detail)}"))
        if unreached:
            lines.append(Content(f"· not reached yet: {', '.join(unreached)}"))
        shopify_url, cin7_url = self._links(order)
        for side, url, key in (("Shopify", shopify_url, "y"), ("Cin7 Core", cin7_url, "Y")):
            if url:
                lines.append(Content(f"{side}: ") + Content(url).stylize(Style(link=url)) + Content(f" ({key} copies)"))
        if order.timeline:
            lines.append(Content.from_markup("[b]Timeline[/b]"))
            lines += [Content(f"  {safe_text(when)}  {safe_text(what)}") for when, what in order.timeline]
        text.update(Content("\n").join(lines))

    @on(VirtualTable.Highlighted)
    def _highlighted(self, _: VirtualTable.Highlighted) -> None:
        self._detail()

    @on(PilotUpdated)
    def _updated(self, _: PilotUpdated) -> None:
        self._show()

    # -- actions ---------------------------------------------------------------------------

    def _pilot(self, sync: StoreSync, *, live: bool = False) -> Pilot:
        """The pilot for one piece of work; `live`: a new run whose orders show up as rows as they come."""
        if live:
            self.report = PilotReport(self.entry.name)

        def updated(order: PilotOrder) -> None:
            if live and self.report is not None and order not in self.report.orders:
                self.report.orders.append(order)
            self.post_message(PilotUpdated(order))

        return Pilot(sync, plays_warehouse=self.plays_warehouse, on_update=updated)

    def _start(self, what: str) -> bool:
        if self.busy:
            self.notify(f"Still {self.busy.lower()}", title="Busy")
            return False
        self.busy = what
        self._show()
        return True

    def action_place(self) -> None:
        if self.entry.kind == "sandbox":
            self._place()
            return
        self.app.push_screen(
            ConfirmScreen(
                "Place test orders",
                f"This places **{PLACE_COUNT} real test orders** in the Shopify store **{md_text(self.entry.label)}** "
                "(customer pilot@cin7-shopify-console.test, tagged `cin7-shopify-pilot`, not paid), and the sync "
                "imports them into Cin7 Core as sales.\n\nUse a development store, or clean up afterwards.",
            ),
            self._answered_place,
        )

    def _answered_place(self, yes: bool | None) -> None:
        if yes:
            self._place()

    def _answered_clean_up(self, items: list[CleanupItem], yes: bool | None) -> None:
        if yes:
            self._clean_up(items)

    @work(exclusive=True, group="pilot")
    async def _place(self) -> None:
        if not self._start("Placing test orders…"):
            return

        async def job() -> PilotReport:
            async with self.entry.open_sync() as sync:
                return await self._pilot(sync, live=True).place_and_trace(PLACE_COUNT)

        await report(self, "placing test orders", job)

    @work(exclusive=True, group="pilot")
    async def action_trace(self) -> None:
        if not self._start("Tracing the store's orders…"):
            return

        async def job() -> PilotReport:
            async with self.entry.open_sync() as sync:
                return await self._pilot(sync, live=True).trace_existing()

        await report(self, "tracing orders", job)

    @work(exclusive=True, group="pilot")
    async def action_retry(self) -> None:
        current = self.report
        if current is None or not current.orders:
            self.notify("Nothing to retry yet: n places test orders, i traces the store's orders.")
            return
        if not self._start("Retrying what failed…"):
            return

        async def job() -> PilotReport:
            async with self.entry.open_sync() as sync:
                await self._pilot(sync).retry(current)
            return current

        await report(self, "retrying", job)

    @work(exclusive=True, group="pilot")
    async def action_follow_up(self) -> None:
        current = self.report
        if current is None or not current.orders:
            return
        if not self._start("Looking for shipments…"):
            return

        async def job() -> PilotReport:
            async with self.entry.open_sync() as sync:
                waiting = await self._pilot(sync).follow_up(current)
            if waiting:
                self.notify(f"{len(waiting)} order(s) not shipped in Cin7 Core yet.", title="Still waiting")
            return current

        await report(self, "looking for shipments", job)

    def action_why(self) -> None:
        """The selected order's story across both systems, in the why pane."""
        from cin7_shopify.tui.screens.why import WhyScreen

        order = self.current
        if order is None:
            self.notify("Trace or place orders first (i or n).", severity="warning")
            return
        self.app.push_screen(WhyScreen(self.entry, "order", order.name))

    def action_jump(self) -> None:
        order = self.current
        if order is None:
            return
        if not order.errors:
            failed = next((step for step in order.steps if step.ok is False), None)
            if failed is None:
                self.notify("Nothing to fix on this order.", title="Go fix")
            else:
                self.notify(
                    f"{failed.step.replace('_', ' ').capitalize()} is fixed in Cin7 Core or Shopify, not here: "
                    f"{markup(failed.detail)}. Then t retries.",
                    title="Go fix",
                    timeout=10,
                )
            return
        error = order.errors[0]
        target = fix_target(error["kind"], error["message"])
        if target is None:
            self.notify("This one is fixed outside the console: follow the fix in the detail.", title="Go fix")
            return
        where, focus = target
        self.console.open_screen(where, self.entry, focus=focus)

    def _links(self, order: PilotOrder) -> tuple[str | None, str | None]:
        return shopify_order_url(self.entry.profile.shop_domain, order.order_id), cin7_sale_url(order.sale_id)

    def action_copy_link(self, side: str) -> None:
        order = self.current
        if order is None:
            self.notify("No order highlighted yet.", title="Copy link")
            return
        shopify, cin7 = self._links(order)
        url = shopify if side == "shopify" else cin7
        if url is None:
            why = "no Cin7 Core sale yet: the order is not imported" if side == "cin7" else "no Shopify order id"
            self.notify(f"Nothing to copy: {why}.", title="Copy link")
            return
        self.app.copy_to_clipboard(url)
        self.notify(markup(url), title="Copied")

    def action_export(self) -> None:
        if self.report is None or not self.report.orders:
            self.notify("Nothing to sign off yet: run a pilot first (n or i).")
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        path = self.console.workspace.export_dir / f"pilot-signoff-{self.entry.name}-{stamp}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, self.report.markdown())
        self.notify(markup(path), title="Sign-off written")

    @work(exclusive=True, group="pilot")
    async def action_clean_up(self) -> None:
        if not self._start("Listing the test orders to clean up…"):
            return

        async def job() -> list[CleanupItem]:
            async with self.entry.open_sync() as sync:
                return await plan_cleanup(sync)

        await report(self, "listing the test orders", job)

    def _confirm_clean_up(self, items: list[CleanupItem]) -> None:
        if not items:
            self.notify("No open pilot test orders: nothing to clean up.", title="Clean up")
            return
        listing = "\n".join(f"- {md_text(item.line())}" for item in items)
        self.app.push_screen(
            ConfirmScreen(
                f"Clean up {len(items)} test order(s)",
                f"Exactly these are touched, nothing else:\n\n{listing}\n\nCancelling in Shopify cannot be undone.",
            ),
            partial(self._answered_clean_up, items),
        )

    @work(exclusive=True, group="pilot")
    async def _clean_up(self, items: list[CleanupItem]) -> None:
        if not self._start("Cleaning up…"):
            return

        async def job() -> str:
            async with self.entry.open_sync() as sync:
                done = await run_cleanup(sync, items)
            return f"Cancelled {len(done)} test order(s) in Shopify; the error log lists anything left to do."

        await report(self, "cleaning up", job)

    @on(Loaded)
    def _done(self, message: Loaded) -> None:
        self.busy = ""
        if isinstance(message.result, list):
            self._show()
            self._confirm_clean_up(message.result)
            return
        if isinstance(message.result, str):
            self._show()
            self.notify(markup(message.result), title="Clean up")
            return
        if isinstance(message.result, PilotReport):
            self.report = message.result
        self._show()
        if self.report is not None:
            passed = sum(o.outcome == "passed" for o in self.report.orders)
            placed = which_orders(self.report.orders)
            self.entry.note_pilot(passed, len(self.report.orders), test_orders=placed)
            # The result is in the status line above the table (_show): a toast here would cover the
            # right of the detail pane, the part a client is reading, for its few seconds.

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.busy = ""
        self._show()
        self.notify(markup(message.explanation), title=f"Pilot stopped {message.what}", severity="error", timeout=10)
