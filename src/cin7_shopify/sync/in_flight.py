"""Units Shopify has sold that Cin7 Core does not hold yet, so the stock push does not sell them again.

Shopify takes an order's units off its own stock when the order is placed; Cin7 Core allocates them
only once the sync has created the sale. In between (the order waits for its trigger, is held for
review, failed and waits for a retry, or was placed since the last order pass) Cin7's Available
still counts those units, and pushing it would offer them to a second customer.

Which orders: the ledger keeps held and failed orders with their content and knows the waiting
ones by id (re-read from Shopify, a few ids a call); orders changed since the last order pass are
read from Shopify. An order counts while the sync would still import it (the rules of
`waiting_reason`); one skipped for good (test order, excluded tag, placed before go-live, cancelled)
never reaches Cin7 Core, so it is not counted.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cin7_shopify.cin7.models import BomComponent
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.sync.orders import OVERLAP
from cin7_shopify.sync.translate import waiting_reason

IDS_PER_SEARCH = 50  # waiting orders re-read by id, this many to a search
IN_CIN7 = {"imported", "cancelled_after_pick", "voided"}  # Cin7 Core holds (or released) these orders' units


@dataclass
class OrderInFlight:
    name: str
    why: str  # "held", "waiting for payment", "to retry", "not imported yet"
    shopify_location_id: str | None
    lines: list[tuple[str, int]]  # (SKU, units still on the order)


@dataclass
class UnitsOnOrders:
    """Units held back from one SKU at one Cin7 Core location, and the orders that hold them."""

    sku: str
    location: str  # Cin7 Core location
    units: int = 0
    orders: list[str] = field(default_factory=list)


async def orders_not_in_cin7(shopify: ShopifyClient, settings: StoreSettings, ledger: Ledger) -> list[OrderInFlight]:
    fresh: dict[str, ShopifyOrder] = {}
    watermark = ledger.meta.get("orders_watermark")
    # As the order pass does: re-read a little before the watermark, as Shopify's updated_at can lag.
    since = (
        datetime.fromisoformat(watermark.replace("Z", "+00:00")) - OVERLAP
        if watermark
        else (settings.go_live or datetime.now(UTC))
    )
    search = f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    for order in await shopify.orders(search):
        fresh[order.id] = order
    waiting = sorted(e.order_id for e in ledger.orders.values() if e.status == "waiting" and e.order_id not in fresh)
    for start in range(0, len(waiting), IDS_PER_SEARCH):
        ids = waiting[start : start + IDS_PER_SEARCH]
        search = " OR ".join(f"id:{order_id.rsplit('/', 1)[-1]}" for order_id in ids)
        for order in await shopify.orders(search):
            fresh[order.id] = order
    found: list[OrderInFlight] = []
    for order in fresh.values():
        entry = ledger.order(order.id)
        if entry is not None and (entry.status in IN_CIN7 or entry.status == "skipped"):
            continue
        reason = waiting_reason(order, settings, backfill=bool(entry and entry.reason == "backfill"))
        if reason is not None and not reason.startswith("waiting"):
            continue  # never imported: Cin7 Core will not be asked for these units
        if entry is not None and entry.status in {"held", "retry"}:
            why = "held" if entry.status == "held" else "to retry"
        else:
            why = reason or "not imported yet"
        found.append(_in_flight(order, why))
    for entry in ledger.orders.values():
        if entry.status in {"held", "retry"} and entry.order and entry.order_id not in fresh:
            order = ShopifyOrder.model_validate(entry.order)
            if not order.cancelled_at:
                found.append(_in_flight(order, "held" if entry.status == "held" else "to retry"))
    return sorted(found, key=lambda o: o.name)


def _in_flight(order: ShopifyOrder, why: str) -> OrderInFlight:
    located = next((fo.location_id for fo in order.fulfillment_orders if fo.location_id), None)
    lines = [(line.sku, line.current_quantity) for line in order.lines if line.sku and line.current_quantity > 0]
    return OrderInFlight(order.name, why, located, lines)


def units_on_orders(
    orders: list[OrderInFlight],
    location_map: Mapping[str, str],
    kits: Mapping[str, list[BomComponent]],
) -> tuple[dict[tuple[str, str], UnitsOnOrders], list[str]]:
    """Units per (SKU, Cin7 Core location), a kit's line counted as its components (as Cin7 allocates it)."""
    held: dict[tuple[str, str], UnitsOnOrders] = {}
    notes: list[str] = []
    for order in orders:
        location = location_map.get(order.shopify_location_id or "")
        if location is None:
            notes.append(
                f"{order.name} ({order.why}) has no mapped fulfilment location: its units are not held back "
                "from any location."
            )
            continue
        units: dict[str, int] = defaultdict(int)
        for sku, quantity in order.lines:
            parts = kits.get(sku)
            if parts:
                for part in parts:
                    units[part.ProductCode or ""] += math.ceil(quantity * part.Quantity)
            else:
                units[sku] += quantity
        for sku, count in units.items():
            entry = held.setdefault((sku, location), UnitsOnOrders(sku, location))
            entry.units += count
            entry.orders.append(f"{order.name} ({order.why})")
    return held, notes
