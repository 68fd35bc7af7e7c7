"""Cut-over from another integration (Cin7 Core's built-in Shopify connector) to our sync at one moment.

At TIME the old connector's "Load orders from Shopify" and "Update stock levels in Shopify" are
switched off and our sync goes from observe to sync with go-live at TIME. Afterwards every order from
TIME on must have exactly one Cin7 Core sale (by any match rule) and every order before it must have
been left to the old connector. `check` lists each exception with its fix: a double (two sales: the
one not to keep is voided), a gap (no sale: our sync imports it, or the old connector loads it by
hand), and orders still in flight (placed before TIME, not yet at the trigger: once they are, nobody
loads them by themselves). Reads only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import SaleListRow
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.sync.matching import SaleIndex
from cin7_shopify.sync.translate import parse_time, waiting_reason

LOOK_BACK = timedelta(days=1)  # orders placed this long before TIME are checked too: the old connector's side


@dataclass
class CutoverSale:
    number: str
    sale_id: str
    made_by: str  # "our sync" (ExternalID = the order's id) or "the other integration"


@dataclass
class CutoverException:
    kind: str  # double, gap, imported_by_us
    order: str
    order_id: str
    placed: str
    sales: list[CutoverSale]
    detail: str
    fix: str
    # What the fix does, for a machine: {"void_sale": SaleID} or {"load_in_old_connector": order name} or
    # {"sync_once": order name}.
    actions: list[dict[str, str]] = field(default_factory=list)


@dataclass
class InFlight:
    order: str
    placed: str
    why: str


@dataclass
class CutoverReport:
    at: str
    orders_checked: int = 0
    exceptions: list[CutoverException] = field(default_factory=list)
    in_flight: list[InFlight] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # plan only: what must happen at TIME

    @property
    def clean(self) -> bool:
        return not self.exceptions

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "orders_checked": self.orders_checked,
            "steps": self.steps,
            "exceptions": [asdict(e) for e in self.exceptions],
            "in_flight": [asdict(o) for o in self.in_flight],
        }


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _read(cin7: Cin7Client, shopify: ShopifyClient, at: datetime) -> tuple[list[ShopifyOrder], SaleIndex]:
    since = at - LOOK_BACK
    orders = await shopify.orders(f"created_at:>='{_stamp(since)}'")
    rows = await cin7.list_sales(created_since=(since - LOOK_BACK).strftime("%Y-%m-%dT%H:%M:%S"))
    return sorted(orders, key=lambda o: (o.created_at, o.name)), SaleIndex(rows)


def _made_by(order: ShopifyOrder, row: SaleListRow) -> str:
    return "our sync" if (row.ExternalID or "") == order.id else "the other integration"


def _in_flight(order: ShopifyOrder, settings: StoreSettings, at: datetime) -> InFlight | None:
    """Placed before TIME and not yet at the trigger: the old connector, switched off, will not load it."""
    reason = waiting_reason(order, settings, backfill=True)
    if reason is None or not reason.startswith("waiting") or parse_time(order.created_at) >= at:
        return None
    return InFlight(
        order.name,
        order.created_at,
        f"{reason}: placed before {_stamp(at)}, so our sync leaves it to the old connector, which is off by then. "
        "Load it by hand in Cin7 Core's Shopify integration once it is paid.",
    )


async def cutover_plan(
    cin7: Cin7Client, shopify: ShopifyClient, settings: StoreSettings, at: datetime, *, store: str
) -> CutoverReport:
    """What must happen at TIME, and the orders in flight around it."""
    stamp = _stamp(at)
    report = CutoverReport(at=stamp)
    report.steps = [
        f"Before {stamp}: keep this store in observe mode (now: {settings.mode}) and its error log clean.",
        f"At {stamp}, in Cin7 Core → Integrations → Shopify: switch off 'Load orders from Shopify' and "
        "'Update stock levels in Shopify'.",
        f"At {stamp}: `cin7-shopify store set {store} mode=sync go_live={stamp}`, then start the sync "
        f"(`cin7-shopify sync run --store {store}`).",
        f"After the old connector's last import: `cin7-shopify cutover check --store {store} --at {stamp}`, and "
        "apply each fix it lists until it shows none.",
    ]
    orders, index = await _read(cin7, shopify, at)
    report.orders_checked = len(orders)
    for order in orders:
        if index.every_match(order, settings):
            continue
        flight = _in_flight(order, settings, at)
        if flight is not None:
            report.in_flight.append(flight)
    return report


async def cutover_check(
    cin7: Cin7Client, shopify: ShopifyClient, settings: StoreSettings, at: datetime, *, store: str
) -> CutoverReport:
    """Every order from TIME on has exactly one sale; every order before it, one from the old connector."""
    stamp = _stamp(at)
    report = CutoverReport(at=stamp)
    orders, index = await _read(cin7, shopify, at)
    report.orders_checked = len(orders)
    for order in orders:
        found = [row for _, row in index.every_match(order, settings)]
        sales = [CutoverSale(r.OrderNumber or r.SaleID, r.SaleID, _made_by(order, r)) for r in found]
        after = parse_time(order.created_at) >= at
        reason = waiting_reason(order, settings, backfill=True)
        if not found:
            if reason is not None and reason.startswith("waiting"):
                flight = _in_flight(order, settings, at)
                if flight is not None:
                    report.in_flight.append(flight)
                continue
            if reason is not None:
                continue  # left out by the rules: cancelled, a test order, an excluded tag
            report.exceptions.append(_gap(order, after, stamp, store, settings))
        elif len(found) > 1:
            report.exceptions.append(_double(order, sales, after, stamp))
        elif not after and sales[0].made_by == "our sync":
            report.exceptions.append(
                CutoverException(
                    "imported_by_us",
                    order.name,
                    order.id,
                    order.created_at,
                    sales,
                    f"placed before {stamp} but imported by our sync (sale {sales[0].number})",
                    f"Void sale {sales[0].number} in Cin7 Core, then load {order.name} by hand in Cin7 Core's "
                    "Shopify integration, as every order before the cut-over is.",
                    [{"void_sale": sales[0].sale_id}, {"load_in_old_connector": order.name}],
                )
            )
    return report


def _gap(order: ShopifyOrder, after: bool, stamp: str, store: str, settings: StoreSettings) -> CutoverException:
    if after:
        late_go_live = settings.go_live is not None and parse_time(order.created_at) < settings.go_live
        fix = (
            f"Set go-live to the cut-over (`cin7-shopify store set {store} go_live={stamp}`), then "
            f"`cin7-shopify sync run --store {store} --once`."
            if late_go_live
            else f"Run `cin7-shopify sync run --store {store} --once`; if the order is held, the error log says why."
        )
        return CutoverException(
            "gap",
            order.name,
            order.id,
            order.created_at,
            [],
            f"placed at or after {stamp}: our sync should have imported it, and no sale has it",
            fix,
            [{"sync_once": order.name}],
        )
    return CutoverException(
        "gap",
        order.name,
        order.id,
        order.created_at,
        [],
        f"placed before {stamp}: the old connector should have loaded it, and no sale has it",
        f"Load {order.name} by hand in Cin7 Core → Integrations → Shopify (orders before the switch stay with it).",
        [{"load_in_old_connector": order.name}],
    )


def _double(order: ShopifyOrder, sales: list[CutoverSale], after: bool, stamp: str) -> CutoverException:
    """Two sales or more: from TIME on ours stays, before it the old connector's does."""
    keep_maker = "our sync" if after else "the other integration"
    keep = next((s for s in sales if s.made_by == keep_maker), sales[0])
    extra = [s for s in sales if s is not keep]
    words = ", ".join(f"{s.number} ({s.made_by})" for s in sales)
    return CutoverException(
        "double",
        order.name,
        order.id,
        order.created_at,
        sales,
        f"placed {'at or after' if after else 'before'} {stamp}, and {len(sales)} sales have it: {words}",
        "Void "
        + ", ".join(f"sale {s.number} ({s.made_by})" for s in extra)
        + f" in Cin7 Core; {keep.number} ({keep.made_by}) stays.",
        [{"void_sale": s.sale_id} for s in extra],
    )


def report_text(report: CutoverReport, *, plan: bool) -> str:
    lines: list[str] = []
    if plan:
        lines += ["What must happen:", *(f"  {n}. {step}" for n, step in enumerate(report.steps, start=1)), ""]
    if report.in_flight:
        lines.append(f"{len(report.in_flight)} order(s) in flight around {report.at}:")
        lines += [f"  {o.order} (placed {o.placed}): {o.why}" for o in report.in_flight]
        lines.append("")
    if not plan:
        if report.exceptions:
            lines.append(f"{len(report.exceptions)} exception(s) in {report.orders_checked} orders:")
            for e in report.exceptions:
                lines += [f"  {e.order} {e.kind}: {e.detail}", f"    fix: {e.fix}"]
        else:
            lines.append(
                f"{report.orders_checked} orders checked: every order from {report.at} on has exactly one sale, "
                "and every order before it was left to the old connector."
            )
    return "\n".join(lines).rstrip() + "\n"
