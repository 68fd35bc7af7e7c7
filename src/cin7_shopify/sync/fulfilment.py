"""Fulfilment back: what Cin7 Core ships becomes a Shopify fulfilment with every tracking number.

Only what truly left is sent: the boxes of a shipment Cin7 authorised, or partly authorised (a
PARTIALLY AUTHORISED ship has sent some of its packed boxes). Each pass sends the boxes not sent
before as one Shopify fulfilment of exactly what they held, with every box's tracking number. A
warehouse often authorises first and adds tracking later (Cin7's `AddTrackingNumbers`): when a sent
box's tracking changes in Cin7, the Shopify fulfilment's tracking is updated to match.

Lines at a location run by a fulfillment service (a 3PL's Shopify app) are fulfilled by that app,
never by us (Shopify: only the service creates fulfilments for its fulfillment orders).

Every write goes through the one write step: a crash or a lost answer leaves an intent that the
next pass resolves by looking at the Shopify order before sending anything again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import Fulfilment, ShipLine
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.errors import ShopifyError
from cin7_shopify.shopify.models import FulfillmentOrder, FulfilmentState
from cin7_shopify.shopify.tracking import tracking_input
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.ledger import Ledger, OrderEntry
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.write_step import MAYBE_APPLIED, WriteSteps

SHIPPED = {"SHIPPED", "PARTIALLY SHIPPED"}
SHIP_SENT = {"AUTHORISED", "PARTIALLY AUTHORISED"}


@dataclass
class FulfilmentResult:
    sent: list[str] = field(default_factory=list)  # "#1001 (AP123)"
    tracking_updated: list[str] = field(default_factory=list)
    left_to_service: list[str] = field(default_factory=list)  # lines a 3PL's app fulfils in Shopify
    failed: list[str] = field(default_factory=list)
    cin7_calls: int = 0
    shopify_calls: int = 0


class NothingToFulfil(ShopifyError):
    """Every unit of the shipment is at a fulfillment service's location (or already fulfilled)."""


async def push_fulfilments(
    cin7: Cin7Client, shopify: ShopifyClient, ledger: Ledger, journal: Journal, *, crash: CrashPoints | None = None
) -> FulfilmentResult:
    writes = WriteSteps(ledger, crash or CrashPoints())
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
            if task.Ship.Status not in SHIP_SENT:
                continue
            entry = ledger.order(entry.order_id) or entry
            try:
                await _sync_task(task, entry, shopify, ledger, writes, result)
            except MAYBE_APPLIED:
                result.failed.append(entry.name)  # the intent stays open: the next pass looks before resending
            except ShopifyError as exc:
                result.failed.append(entry.name)
                journal.record(
                    "fulfilment_failed",
                    entry.name,
                    exc.shopify_message,
                    "Check the order in Shopify: it may be cancelled, on hold or already fulfilled.",
                    order_id=entry.order_id,
                )
    if newest and newest != since:
        ledger.set_meta(fulfilment_watermark=newest)
    result.cin7_calls, result.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    return result


def _box_key(task: Fulfilment, box: str) -> str:
    return f"{task.TaskID}/{box}"


async def _sync_task(
    task: Fulfilment,
    entry: OrderEntry,
    shopify: ShopifyClient,
    ledger: Ledger,
    writes: WriteSteps,
    result: FulfilmentResult,
) -> None:
    if task.TaskID in entry.shipments:
        return  # sent whole before boxes were tracked one by one
    shipped = {line.Box or "Box 1": line for line in task.ship_lines if line.IsShipped}
    new_boxes = sorted(box for box in shipped if _box_key(task, box) not in entry.shipments)
    state: FulfilmentState | None = None
    if new_boxes:
        state = await shopify.fulfilment_state(entry.order_id)
        await _send_boxes(task, new_boxes, shipped, entry, state, shopify, ledger, writes, result)
        entry = ledger.order(entry.order_id) or entry
    for fulfillment_id, sent in entry.fulfilments.items():
        boxes = [key.split("/", 1)[1] for key in sent.get("boxes", []) if key.startswith(f"{task.TaskID}/")]
        if not boxes or any(box not in shipped for box in boxes):
            continue
        lines = [shipped[box] for box in boxes]
        wanted = tracking_input(_carrier(lines), [(line.TrackingNumber or "", line.TrackingURL) for line in lines])
        numbers = _numbers(wanted)
        if not numbers or numbers == sent.get("numbers", []):
            continue
        await _update_tracking(fulfillment_id, wanted or {}, numbers, entry, shopify, ledger, writes)
        result.tracking_updated.append(f"{entry.name} ({', '.join(numbers)})")


async def _send_boxes(
    task: Fulfilment,
    boxes: list[str],
    shipped: dict[str, ShipLine],
    entry: OrderEntry,
    state: FulfilmentState,
    shopify: ShopifyClient,
    ledger: Ledger,
    writes: WriteSteps,
    result: FulfilmentResult,
) -> None:
    lines = [shipped[box] for box in boxes]
    tracking = tracking_input(_carrier(lines), [(line.TrackingNumber or "", line.TrackingURL) for line in lines])
    numbers = _numbers(tracking)
    plan, at_service = _match_lines(task, boxes, state.fulfillment_orders)
    keys = [_box_key(task, box) for box in boxes]
    if not plan:
        if at_service:
            # The 3PL's app fulfils these in Shopify (with its own tracking): nothing for us to send.
            ledger.update_order(entry.order_id, shipments=[*entry.shipments, *keys])
            result.left_to_service.append(f"{entry.name} ({', '.join(sorted(at_service))})")
            return
        raise NothingToFulfil("nothing in this shipment matches an open line of the Shopify order")
    sent_ids = [f.id for f in state.fulfillments]
    made: list[str] = []

    async def send() -> dict[str, Any]:
        for fulfillment_order_id, fo_lines in plan.items():
            made.append((await shopify.create_fulfillment(fulfillment_order_id, fo_lines, tracking=tracking))["id"])
        return {"fulfillment_ids": made, "numbers": numbers}

    async def look_up() -> dict[str, Any] | None:
        # The state was read just now: a fulfilment that landed before a crash shows its numbers, or,
        # without numbers, a fulfilment the earlier reading did not have.
        before = ledger.pending.get(f"fulfil:{subject}")
        known = set((before.detail if before else {}).get("fulfillments_before", sent_ids))
        landed = [
            f.id for f in state.fulfillments if f.id not in known and (not numbers or set(numbers) & set(f.numbers))
        ]
        return {"fulfillment_ids": landed, "numbers": numbers} if landed else None

    subject = "+".join(keys)
    done = await writes.write(
        "fulfil",
        subject,
        send=send,
        look_up=look_up,
        detail={"order_id": entry.order_id, "fulfillments_before": sent_ids},
    )
    fulfilments = dict(entry.fulfilments)
    for fulfillment_id in done.get("fulfillment_ids", []):
        fulfilments[fulfillment_id] = {"boxes": keys, "numbers": numbers}
    ledger.update_order(entry.order_id, shipments=[*entry.shipments, *keys], fulfilments=fulfilments)
    result.sent.append(f"{entry.name} ({', '.join(numbers)})" if numbers else entry.name)
    if at_service:
        result.left_to_service.append(f"{entry.name} ({', '.join(sorted(at_service))})")


async def _update_tracking(
    fulfillment_id: str,
    tracking: dict[str, Any],
    numbers: list[str],
    entry: OrderEntry,
    shopify: ShopifyClient,
    ledger: Ledger,
    writes: WriteSteps,
) -> None:
    async def send() -> dict[str, Any]:
        await shopify.update_tracking(fulfillment_id, tracking)
        return {"numbers": numbers}

    async def look_up() -> dict[str, Any] | None:
        state = await shopify.fulfilment_state(entry.order_id)
        now = next((f.numbers for f in state.fulfillments if f.id == fulfillment_id), [])
        return {"numbers": numbers} if sorted(now) == sorted(numbers) else None

    await writes.write(
        "tracking",
        f"{fulfillment_id}:{'+'.join(numbers)}",
        send=send,
        look_up=look_up,
        detail={"order_id": entry.order_id},
    )
    fulfilments = dict(entry.fulfilments)
    fulfilments[fulfillment_id] = {**fulfilments[fulfillment_id], "numbers": numbers}
    ledger.update_order(entry.order_id, fulfilments=fulfilments)


def _carrier(lines: list[ShipLine]) -> str | None:
    return next((line.Carrier for line in lines if line.Carrier and line.Carrier != "DEFAULT Carrier"), None)


def _numbers(tracking: dict[str, Any] | None) -> list[str]:
    if not tracking:
        return []
    return list(tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else []))


def _match_lines(
    task: Fulfilment, boxes: list[str], fulfillment_orders: list[FulfillmentOrder]
) -> tuple[dict[str, list[tuple[str, int]]], set[str]]:
    """What the shipped boxes held, laid onto open fulfillment-order lines with the same SKU; and the
    fulfillment services whose lines we leave to them."""
    packed: dict[str, int] = defaultdict(int)
    for packed_line in task.Pack.Lines:
        if (packed_line.get("Box") or "Box 1") in boxes:
            packed[str(packed_line.get("SKU"))] += int(float(packed_line.get("Quantity") or 0))
    plan: dict[str, list[tuple[str, int]]] = defaultdict(list)
    at_service: set[str] = set()
    for fulfillment_order in fulfillment_orders:
        if fulfillment_order.status not in {"OPEN", "IN_PROGRESS"}:
            continue
        for line in fulfillment_order.lines:
            wanted = packed.get(line.sku or "", 0)
            take = min(wanted, line.remaining_quantity)
            if take <= 0:
                continue
            packed[line.sku or ""] -= take
            if fulfillment_order.fulfillment_service:
                at_service.add(fulfillment_order.location_name)
            else:
                plan[fulfillment_order.id].append((line.id, take))
    return dict(plan), at_service
