"""Fulfilment back: when Cin7 Core authorises a shipment, Shopify gets the fulfilment and tracking.

Only truly despatched shipments (Ship authorised) are sent. Each Cin7 fulfilment task is one
Shopify fulfilment of exactly what it packed, so a partial shipment is a partial fulfilment. A task
is sent once, through the one write step: if a crash or a lost answer leaves its intent open, the next
run looks for the tracking number on the Shopify order before sending anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import Fulfilment
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.errors import ShopifyError
from cin7_shopify.shopify.models import FulfillmentOrder
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.write_step import MAYBE_APPLIED, WriteSteps

SHIPPED = {"SHIPPED", "PARTIALLY SHIPPED"}


@dataclass
class FulfilmentResult:
    sent: list[str] = field(default_factory=list)  # "#1001 (AP123)"
    failed: list[str] = field(default_factory=list)
    cin7_calls: int = 0
    shopify_calls: int = 0


async def push_fulfilments(
    cin7: Cin7Client, shopify: ShopifyClient, ledger: Ledger, journal: Journal, *, crash: CrashPoints | None = None
) -> FulfilmentResult:
    crash = crash or CrashPoints()
    result = FulfilmentResult()
    cin7_before, shopify_before = cin7.calls, shopify.calls
    since = ledger.meta.get("fulfilment_watermark")
    sales = await cin7.list_sales(updated_since=since)
    newest = since
    for row in sales:
        newest = max(newest or "", row.Updated or "") or newest
        entry = ledger.order(row.ExternalID or "")
        if entry is None or entry.status != "imported" or row.CombinedShippingStatus not in SHIPPED:
            continue
        for task in await cin7.get_fulfilments(row.SaleID):
            if task.Ship.Status != "AUTHORISED" or task.TaskID in entry.shipments:
                continue
            try:
                label = await _send(task, entry.order_id, entry.name, shopify, ledger, crash)
            except MAYBE_APPLIED:
                result.failed.append(entry.name)  # the intent stays open; the next pass checks before resending
                continue
            except ShopifyError as exc:
                result.failed.append(entry.name)
                journal.record(
                    "fulfilment_failed",
                    entry.name,
                    exc.shopify_message,
                    "Check the order in Shopify: it may be cancelled, on hold or already fulfilled.",
                    order_id=entry.order_id,
                )
                continue
            ledger.update_order(entry.order_id, shipments=[*entry.shipments, task.TaskID])
            result.sent.append(label)
    if newest and newest != since:
        ledger.set_meta(fulfilment_watermark=newest)
    result.cin7_calls, result.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    return result


async def _send(
    task: Fulfilment, order_id: str, name: str, shopify: ShopifyClient, ledger: Ledger, crash: CrashPoints
) -> str:
    ship = task.ship_lines[0] if task.ship_lines else None
    number = ship.TrackingNumber if ship and ship.TrackingNumber else None
    fulfillment_orders, sent_numbers = await shopify.fulfilment_state(order_id)

    async def send() -> dict[str, str]:
        for fulfillment_order_id, lines in _match_lines(task, fulfillment_orders).items():
            await shopify.create_fulfillment(
                fulfillment_order_id,
                lines,
                company=ship.Carrier if ship else None,
                number=number,
                url=ship.TrackingURL if ship and ship.TrackingURL else None,
            )
        return {"tracking": number or ""}

    async def look_up() -> dict[str, str] | None:
        # fulfilment_state was read just now: a shipment that landed before a crash shows its number
        return {"tracking": number} if number and number in sent_numbers else None

    await WriteSteps(ledger, crash).write(
        "fulfil", task.TaskID, send=send, look_up=look_up, detail={"order_id": order_id}
    )
    return f"{name} ({number})" if number else name


def _match_lines(task: Fulfilment, fulfillment_orders: list[FulfillmentOrder]) -> dict[str, list[tuple[str, int]]]:
    """What this shipment packed, laid onto the open fulfillment-order lines with the same SKU."""
    packed: dict[str, int] = defaultdict(int)
    for packed_line in task.Pack.Lines:
        packed[str(packed_line.get("SKU"))] += int(float(packed_line.get("Quantity") or 0))
    plan: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for fulfillment_order in fulfillment_orders:
        if fulfillment_order.status not in {"OPEN", "IN_PROGRESS"}:
            continue
        for line in fulfillment_order.lines:
            wanted = packed.get(line.sku or "", 0)
            take = min(wanted, line.remaining_quantity)
            if take > 0:
                plan[fulfillment_order.id].append((line.id, take))
                packed[line.sku or ""] -= take
    if not plan:
        raise ShopifyError("nothing in this shipment matches an open line of the Shopify order")
    return dict(plan)
