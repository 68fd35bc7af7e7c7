"""The pilot: test orders traced from Shopify through Cin7 Core and back, step by step.

Each order is followed through `imported`, `lines_match`, `customer`, `tax`, `stock_allocated`,
`shipped_in_cin7` and `fulfilled_in_shopify`. A failed step names its cause and the fix; an order
the sync could not import is `held` with the sync's own error kinds. In a sandbox the pilot also
plays the warehouse (pick, pack, ship with a tracking number); against a real account it reports
the shipment steps as waiting until someone ships in Cin7 Core.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cin7_shopify.cin7.models import PickPackLine, Sale, ShipLine
from cin7_shopify.errors import ConsoleError
from cin7_shopify.shopify.models import ShopifyOrder, ShopifyVariant
from cin7_shopify.sync.order_checks import check_lines, check_tax
from cin7_shopify.sync.runner import StoreSync
from cin7_shopify.text import md_text

STEPS = ("imported", "lines_match", "customer", "tax", "stock_allocated", "shipped_in_cin7", "fulfilled_in_shopify")
PILOT_TAG = "cin7-shopify-pilot"
PILOT_EMAIL = "pilot@cin7-shopify-console.test"
Outcome = Literal["passed", "held", "failed", "waiting"]
# SCENARIO.md: a held order's error kinds come from this list. Finer causes the sync knows (an order
# whose charge has no Cin7 service product, a total Cin7 could not hold, lines not all read) are
# orders Cin7 Core would refuse as they stand: reported as cin7_rejected, the finer kind kept as `cause`.
HELD_KINDS = {"unknown_sku", "missing_sku", "unmapped_tax", "unmapped_location", "missing_customer", "cin7_rejected"}


@dataclass
class PilotStep:
    step: str
    ok: bool | None  # None: not reached, or still waiting
    detail: str = ""


@dataclass
class PilotOrder:
    order_id: str
    name: str
    kind: str = ""  # what the pilot placed it to test: simple, variant, kit, multi-location
    steps: list[PilotStep] = field(default_factory=lambda: [PilotStep(s, None) for s in STEPS])
    errors: list[dict[str, str]] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (time, what happened)
    held: bool = False
    sale_id: str | None = None  # the Cin7 Core sale, once imported (its web-admin link)
    # Once imported: what the customer paid against the Cin7 Core sale's own Total, and line counts.
    totals: dict[str, str] | None = None
    line_counts: dict[str, int] | None = None
    matched_by: str = ""  # observe mode: the rule that matched the other integration's sale

    @property
    def outcome(self) -> Outcome:
        """held: not imported; failed: a step went wrong; waiting: right so far, waiting on a person
        (the warehouse has not shipped yet); passed: every step done."""
        if self.held:
            return "held"
        if any(s.ok is False for s in self.steps) or (self.matched_by and self.errors):
            return "failed"  # observed: a problem (e.g. two sales) can stand beside steps that passed
        return "passed" if all(s.ok for s in self.steps) else "waiting"

    def set(self, step: str, ok: bool | None, detail: str) -> None:
        self.steps[STEPS.index(step)] = PilotStep(step, ok, detail)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "order": self.name,
            "outcome": self.outcome,
            "steps": [{"step": s.step, "ok": s.ok, "detail": s.detail} for s in self.steps],
            # Observed orders were imported (or not) by another integration: their problems keep their own
            # kinds (README, observe mode); SCENARIO.md's held kinds are our sync's.
            "errors": [error if self.matched_by else _contract_error(error) for error in self.errors],
        }
        if self.totals is not None and self.line_counts is not None:
            data["totals"] = self.totals
            data["lines"] = self.line_counts
        if self.matched_by:
            data["matched_by"] = self.matched_by
        return data


def _contract_error(error: dict[str, str]) -> dict[str, str]:
    if error.get("kind") in HELD_KINDS:
        return error
    return {**error, "kind": "cin7_rejected", "cause": error.get("kind", "")}


def which_orders(orders: list[PilotOrder]) -> bool | None:
    """Test orders the pilot placed (True), the store's own (False), or both (None): the checklist says which."""
    placed = {bool(order.kind) for order in orders}
    return None if len(placed) > 1 else placed != {False}


@dataclass
class PilotReport:
    store: str
    orders: list[PilotOrder] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.orders) and all(o.outcome == "passed" for o in self.orders)

    def to_json(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "orders": [o.to_json() for o in self.orders],
            "skipped": [{"order": name, "reason": reason} for name, reason in self.skipped],
        }

    def markdown(self) -> str:
        from cin7_shopify.sync.triage import KIND_WORDS

        placed = [o for o in self.orders if o.kind]
        store = [o for o in self.orders if not o.kind]
        counts = [
            f"{sum(o.outcome == 'passed' for o in group)} of {len(group)} {what} passed"
            for group, what in ((placed, "test orders"), (store, "store orders"))
            if group
        ]
        lines = [
            f"# Pilot sign-off: {md_text(self.store)}",
            "",
            " and ".join(counts) + " every step from Shopify through Cin7 Core and back.",
            "",
            "| Order | Kind | " + " | ".join(s.replace("_", " ") for s in STEPS) + " | Outcome |",
            "|---|---|" + "---|" * (len(STEPS) + 1),
        ]
        mark = {True: "✓", False: "✗", None: "…"}
        for order in self.orders:
            kind = f"test: {order.kind}" if order.kind else "store order"
            lines.append(
                f"| {md_text(order.name)} | {md_text(kind)} | "
                + " | ".join(mark[s.ok] for s in order.steps)
                + f" | {order.outcome} |"
            )
        problems = [o for o in self.orders if o.outcome in {"held", "failed"}]
        if problems:
            lines += ["", "## What to fix", ""]
            for order in problems:
                for error in order.errors:
                    words = KIND_WORDS.get(error["kind"], error["kind"].replace("_", " "))
                    lines.append(
                        f"- **{md_text(order.name)}** ({md_text(words)}): {md_text(error['message'])} — "
                        f"{md_text(error['fix'])}"
                    )
                for step in order.steps:
                    if step.ok is False and not order.errors:
                        lines.append(
                            f"- **{md_text(order.name)}** ({step.step.replace('_', ' ')}): {md_text(step.detail)}"
                        )
        waiting = [o for o in self.orders if o.outcome == "waiting"]
        if waiting:  # right so far: what each waits on, so nobody takes it for a failure
            lines += ["", "## Waiting (right so far)", ""]
            for order in waiting:
                on = next((s.detail for s in order.steps if s.ok is None and s.detail), "the next step")
                lines.append(f"- **{md_text(order.name)}**: {md_text(on)}")
        lines += ["", "Signed off by: ______________________   Date: ____________", ""]
        return "\n".join(lines)


class Pilot:
    def __init__(
        self, sync: StoreSync, *, plays_warehouse: bool, on_update: Callable[[PilotOrder], None] | None = None
    ) -> None:
        self.sync = sync
        self.plays_warehouse = plays_warehouse
        self.on_update = on_update or (lambda _: None)

    # -- the two ways in --------------------------------------------------------------------

    async def trace_existing(self) -> PilotReport:
        """Import what the store already has (its orders since go-live), then trace each order.

        In observe mode nothing is imported: each order is traced to the sale another integration made.
        """
        if self.sync.observing:
            return await self.trace_observed()
        await self.sync.orders_pass()
        orders = {o.id: o for o in await self.sync.shopify.orders(self._since())}
        report = PilotReport(self.sync.store)
        for order_id, entry in sorted(self.sync.ledger.orders.items(), key=lambda item: item[1].name):
            if entry.status in {"skipped", "waiting"}:
                report.skipped.append((entry.name, entry.reason))
            elif order_id in orders:
                # a test order an earlier pilot placed is told from the store's own (the sign-off counts each)
                placed = PILOT_TAG in orders[order_id].tags
                report.orders.append(PilotOrder(order_id, entry.name, kind="placed earlier" if placed else ""))
                self.on_update(report.orders[-1])
        await self._trace(report, orders)
        return report

    async def trace_observed(self) -> PilotReport:
        """Observe mode: each order since go-live with the other integration's sale, checked step by step."""
        observed = await self.sync.observe_pass()
        report = PilotReport(self.sync.store, skipped=list(observed.skipped))
        for order in observed.orders:
            pilot_order = PilotOrder(order.order_id, order.name, matched_by=order.rule or "none")
            for step in STEPS:
                ok, detail = order.step(step)
                pilot_order.set(step, ok, detail)
            pilot_order.errors = [problem.to_json() for problem in order.problems]
            pilot_order.totals, pilot_order.line_counts = order.totals, order.line_counts
            report.orders.append(pilot_order)
            self.on_update(pilot_order)
        return report

    async def place_and_trace(self, count: int) -> PilotReport:
        """Place `count` test orders covering simple, variant, kit and multi-location products; trace them."""
        self.sync.must_write("place test orders")
        if self.sync.orders.reference is None:
            await self.sync.orders.load_reference()
        picks = await self.pick_products()
        if not picks:
            raise ConsoleError(
                "No product is ready for a pilot order: every SKU has an open audit problem.",
                hint="Run the audit (SKU review) and fix its blockers first.",
            )
        settings = self.sync.settings()
        shop = await self.sync.shopify.shop_info()
        tax = next(
            (
                (key.rsplit(" ", 1)[0], float(key.rsplit(" ", 1)[1].rstrip("%")) / 100)
                for key in settings.tax_map
                if key.rsplit(" ", 1)[-1].endswith("%")
            ),
            None,
        )
        report = PilotReport(self.sync.store)
        for index in range(count):
            kind, variant = picks[index % len(picks)]
            order_id, name = await self.sync.shopify.place_order(
                [(variant.id, 1, variant.price)],
                email=PILOT_EMAIL,
                currency=shop.currency,
                tax=tax,
                taxes_included=shop.taxes_included,
                tags=[PILOT_TAG],
            )
            pilot_order = PilotOrder(order_id, name, kind=kind)
            pilot_order.timeline.append((_now(), f"placed test order {name} for 1 × {variant.sku} ({kind}) in Shopify"))
            self.sync.orders.pilot_orders.add(order_id)
            report.orders.append(pilot_order)
            self.on_update(pilot_order)
        await self.sync.orders.pilot_pass([o.order_id for o in report.orders])
        orders = {o.id: o for o in await self.sync.shopify.orders(f"tag:{PILOT_TAG}")}
        await self._trace(report, orders)
        return report

    async def pick_products(self) -> list[tuple[str, ShopifyVariant]]:
        """One product of each kind the pilot should cover, from SKUs that match Cin7 exactly."""
        reference = self.sync.orders.reference
        assert reference is not None
        settings = self.sync.settings()
        variants = await self.sync.shopify.bulk_variants()
        counts: dict[str, int] = {}
        for v in variants:
            counts[v.sku or ""] = counts.get(v.sku or "", 0) + 1
        mapped = set(settings.location_map)

        def ready(v: ShopifyVariant) -> bool:
            product = reference.products.get(v.sku or "")
            return (
                bool(v.sku)
                and counts[v.sku or ""] == 1
                and v.tracked
                and product is not None
                and product.is_active
                and v.product_status == "ACTIVE"
            )

        candidates = [v for v in variants if ready(v)]
        kinds: list[tuple[str, Callable[[ShopifyVariant], bool]]] = [
            ("simple", lambda v: not v.option_values and not reference.products[v.sku or ""].BillOfMaterial),
            ("variant", lambda v: bool(v.option_values)),
            ("kit", lambda v: reference.products[v.sku or ""].BillOfMaterial),
            ("multi-location", lambda v: len({lvl.location_id for lvl in v.levels if lvl.available > 0} & mapped) >= 2),
        ]
        picks: list[tuple[str, ShopifyVariant]] = []
        for kind, test in kinds:
            found = next((v for v in candidates if test(v) and v not in [p for _, p in picks]), None)
            if found is not None:
                picks.append((kind, found))
        return picks

    # -- tracing ------------------------------------------------------------------------

    async def _trace(self, report: PilotReport, orders: dict[str, ShopifyOrder]) -> None:
        for pilot_order in report.orders:
            order = orders.get(pilot_order.order_id)
            if order is not None:
                await self._trace_import(pilot_order, order)
            self.on_update(pilot_order)
        shipped = [o for o in report.orders if self._imported(o)]
        for pilot_order in shipped:
            await self._ship(pilot_order)
            self.on_update(pilot_order)
        await self.sync.fulfilment_pass()
        for pilot_order in shipped:
            await self._check_fulfilment(pilot_order)
        self._timelines(report.orders)
        for pilot_order in report.orders:
            self.on_update(pilot_order)

    async def retry(self, report: PilotReport) -> None:
        """After a fix: one order pass (held orders are retried by the sync itself), then trace again what failed."""
        if self.sync.observing:
            fresh = await self.trace_observed()
            report.orders[:] = fresh.orders
            return
        placed = [o.order_id for o in report.orders if o.kind]
        if placed and len(placed) == len(report.orders):  # the pilot's own test orders: them alone
            await self.sync.orders.pilot_pass(placed)
        else:
            self.sync.orders.pilot_orders.update(placed)
            await self.sync.orders_pass()
        again = [o for o in report.orders if o.outcome != "passed"]
        for pilot_order in again:
            pilot_order.held, pilot_order.errors = False, []
            pilot_order.steps = [PilotStep(s, None) for s in STEPS]
            self.on_update(pilot_order)
        orders = {o.id: o for o in await self.sync.shopify.orders_by_id([o.order_id for o in again])}
        await self._trace(PilotReport(report.store, again), orders)

    def waiting(self, report: PilotReport) -> list[PilotOrder]:
        """Imported orders whose shipment has not yet shown up in Shopify (observe mode: not ours to wait for)."""
        if self.sync.observing:
            return []
        return [o for o in report.orders if self._imported(o) and not o.steps[STEPS.index("fulfilled_in_shopify")].ok]

    async def follow_up(self, report: PilotReport) -> list[PilotOrder]:
        """Look again at orders still waiting for the warehouse; return those still waiting.

        Against a real account the consultant ships in Cin7 Core; this watches for it (one sale read per
        waiting order, then one fulfilment pass) without placing or importing anything again.
        """
        waiting = self.waiting(report)
        if not waiting or self.sync.observing:
            return []
        for pilot_order in waiting:
            await self._ship(pilot_order)
        await self.sync.fulfilment_pass()
        for pilot_order in waiting:
            await self._check_fulfilment(pilot_order)
        self._timelines(waiting)
        for pilot_order in waiting:
            self.on_update(pilot_order)
        return [o for o in waiting if not o.steps[STEPS.index("fulfilled_in_shopify")].ok]

    def _imported(self, pilot_order: PilotOrder) -> bool:
        return pilot_order.steps[0].ok is True

    async def _trace_import(self, pilot_order: PilotOrder, order: ShopifyOrder) -> None:
        entry = self.sync.ledger.order(order.id)
        if entry is None or entry.status != "imported" or not entry.sale_id:
            pilot_order.held = entry is not None and entry.status in {"held", "retry"}
            pilot_order.errors = list(entry.errors) if entry else []
            cause = pilot_order.errors[0]["message"] if pilot_order.errors else (entry.reason if entry else "not seen")
            pilot_order.set("imported", False, cause)
            return
        sale = await self.sync.cin7.get_sale(entry.sale_id)
        pilot_order.sale_id = entry.sale_id
        pilot_order.set("imported", True, f"Cin7 Core sale {sale.OrderNumber or sale.ID[:8]} at {sale.Location}")
        pilot_order.set("lines_match", *self._lines(pilot_order, order, sale))
        pilot_order.set("customer", *self._customer(order, sale))
        pilot_order.set("tax", *self._tax(order, sale))
        allocated = sale.Order is not None and sale.Order.Status == "AUTHORISED" and sale.Status != "BACKORDERED"
        pilot_order.set(
            "stock_allocated",
            allocated,
            f"allocated at {sale.Location}"
            if allocated
            else f"backordered at {sale.Location}: Cin7 Core has too little stock there",
        )

    def _lines(self, pilot_order: PilotOrder, order: ShopifyOrder, sale: Sale) -> tuple[bool, str]:
        """Lines and total, as sync/order_checks.py checks every order (observe mode's too)."""
        ok, detail, pilot_order.totals, pilot_order.line_counts = check_lines(
            order, sale, self.sync.settings().gift_card_product
        )
        return ok, detail

    def _customer(self, order: ShopifyOrder, sale: Sale) -> tuple[bool, str]:
        settings = self.sync.settings()
        email = (order.contact_email or "").strip().lower()
        if settings.customer_mode == "default_customer" or not email:
            ok = sale.Customer == settings.default_customer
            return (
                ok,
                f"default customer {sale.Customer}"
                if ok
                else f"{sale.Customer} instead of default customer {settings.default_customer}",
            )
        known = self.sync.ledger.customers.get(email)
        ok = known is not None and known["id"] == sale.CustomerID
        if not ok:
            return False, f"{sale.Customer} does not hold {email}"
        # A customer the sync created is named after the email: say so once, not twice.
        return True, f"{sale.Customer} (matched by email)" if sale.Customer == email else f"{sale.Customer} ({email})"

    def _tax(self, order: ShopifyOrder, sale: Sale) -> tuple[bool, str]:
        return check_tax(order, sale, self.sync.settings())

    async def _ship(self, pilot_order: PilotOrder) -> None:
        entry = self.sync.ledger.order(pilot_order.order_id)
        assert entry is not None and entry.sale_id
        sale = await self.sync.cin7.get_sale(entry.sale_id)
        if sale.Status == "BACKORDERED" and sale.CombinedShippingStatus not in {"SHIPPED", "PARTIALLY SHIPPED"}:
            # Cin7 will not pick a backorder (its PickStatus is NOT AVAILABLE): no warehouse can ship it yet
            pilot_order.set(
                "shipped_in_cin7", None, f"backordered: nothing can be picked at {sale.Location} until stock arrives"
            )
            return
        if sale.CombinedShippingStatus not in {"SHIPPED", "PARTIALLY SHIPPED"} and self.plays_warehouse:
            tracking = f"PILOT{pilot_order.name.lstrip('#')}"
            await play_warehouse(self.sync, sale, tracking)
            pilot_order.timeline.append(
                (_now(), f"warehouse (played by the pilot): picked, packed, shipped with tracking {tracking}")
            )
            sale = await self.sync.cin7.get_sale(entry.sale_id)
        if sale.CombinedShippingStatus in {"SHIPPED", "PARTIALLY SHIPPED"}:
            numbers = [
                line.TrackingNumber for task in sale.Fulfilments for line in task.ship_lines if line.TrackingNumber
            ]
            pilot_order.set("shipped_in_cin7", True, f"shipped, tracking {', '.join(numbers) or 'none'}")
        else:
            pilot_order.set("shipped_in_cin7", None, "waiting for the warehouse to ship it in Cin7 Core")

    async def _check_fulfilment(self, pilot_order: PilotOrder) -> None:
        if not pilot_order.steps[STEPS.index("shipped_in_cin7")].ok:
            return
        state = await self.sync.shopify.fulfilment_state(pilot_order.order_id)
        if state.numbers:
            pilot_order.set("fulfilled_in_shopify", True, f"fulfilled with tracking {', '.join(state.numbers)}")
        elif state.fulfillments:
            pilot_order.set("fulfilled_in_shopify", True, "fulfilled; no tracking number yet")
        elif at_service := [
            fo.location_name
            for fo in state.fulfillment_orders
            if fo.fulfillment_service and fo.status in {"OPEN", "IN_PROGRESS"}
        ]:
            # A 3PL's app fulfils orders at its location in Shopify itself (the sync leaves them to it).
            pilot_order.set(
                "fulfilled_in_shopify",
                None,
                f"waiting for the fulfillment service at {at_service[0]} to fulfil it in Shopify (its app does, "
                "not the sync)",
            )
        else:
            pilot_order.set(
                "fulfilled_in_shopify",
                False,
                "Cin7 Core shipped it but Shopify shows no fulfilment: see the error log for why",
            )

    def _timelines(self, pilot_orders: list[PilotOrder]) -> None:
        """What the sync sent and what came back, from its ledger (time, intent, result): one read for all orders."""
        labels = {
            "create_sale": "POST /sale",
            "authorise_order": "POST /sale/order (AUTHORISED)",
            "fulfil": "fulfillmentCreate in Shopify",
        }
        owner: dict[str, PilotOrder] = {}
        for pilot_order in pilot_orders:
            for step in ("create_sale", "authorise_order"):
                owner[f"{step}:{pilot_order.order_id}"] = pilot_order
            for task in (self.sync.ledger.order(pilot_order.order_id) or _NO_ENTRY).shipments:
                owner[f"fulfil:{task}"] = pilot_order
        seen: dict[str, list[tuple[str, str]]] = {o.order_id: [] for o in pilot_orders}
        path = self.sync.ledger.path
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            sender = owner.get(event.get("key", ""))
            if sender is None:
                continue
            label = labels[event["key"].split(":", 1)[0]]
            when = event.get("t", "")[11:19]
            if event["e"] == "begin":
                seen[sender.order_id].append((when, f"sent {label}"))
            else:
                result = event.get("result") or {}
                answer = (
                    "refused"
                    if result.get("failed")
                    else (f"answered: sale {result['sale_id'][:8]}" if result.get("sale_id") else "answered: done")
                )
                seen[sender.order_id].append((when, f"{label} {answer}"))
        for pilot_order in pilot_orders:
            events = seen[pilot_order.order_id]
            events += [("held", f"{error['kind']}: {error['message']}") for error in pilot_order.errors]
            # Called again on each follow-up: add only what is new, keep the order of events.
            pilot_order.timeline += [event for event in events if event not in pilot_order.timeline]
            pilot_order.timeline.sort(key=lambda event: (event[0] == "held", event[0]))

    def _since(self) -> str:
        go_live = self.sync.settings().go_live
        return f"created_at:>='{go_live.strftime('%Y-%m-%dT%H:%M:%SZ')}'" if go_live else ""


def _now() -> str:
    return datetime.now(UTC).strftime("%H:%M:%S")


class _NoEntry:
    shipments: list[str] = []


_NO_ENTRY = _NoEntry()


async def play_warehouse(sync: StoreSync, sale: Sale, tracking: str) -> None:
    """Sandbox only: pick, pack and ship the whole sale, as a warehouse would."""
    assert sale.Order is not None
    task = sale.Fulfilments[0].TaskID if sale.Fulfilments else (await sync.cin7.get_fulfilments(sale.ID))[0].TaskID
    lines = [(line.SKU or "", line.Quantity) for line in sale.Order.Lines]
    await sync.cin7.pick(task, [PickPackLine(SKU=sku, Quantity=qty, Location=sale.Location) for sku, qty in lines])
    await sync.cin7.pack(task, [PickPackLine(SKU=sku, Quantity=qty, Box="Box 1") for sku, qty in lines])
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    await sync.cin7.ship(
        task,
        [
            ShipLine(
                ShipmentDate=today,
                Carrier="Australia Post",
                Box="Box 1",
                TrackingNumber=tracking,
                TrackingURL=f"https://auspost.com.au/mypost/track/#/details/{tracking}",
            )
        ],
    )
