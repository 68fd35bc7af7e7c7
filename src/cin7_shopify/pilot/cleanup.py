"""After a pilot: cancel the test orders in Shopify and undo their sales in Cin7 Core, listed before touched.

Only orders the pilot placed are candidates (tagged cin7-shopify-pilot and marked test in Shopify). The
Cin7 side goes through the sync's own cancellation rules, so a clean-up does what a real cancellation
would: the sale is voided while nothing is picked; once picked or shipped Cin7 Core refuses a void and a
credit note is made (or asked for, when the store has credit_note_on_cancel off).
"""

from __future__ import annotations

from dataclasses import dataclass

from cin7_shopify.pilot.engine import PILOT_TAG
from cin7_shopify.sync.runner import StoreSync


@dataclass(frozen=True)
class CleanupItem:
    order_id: str
    order: str  # the Shopify order name, e.g. #9030
    sale: str  # the Cin7 Core sale number, or "" when the order never became a sale
    cin7_action: str  # what happens in Cin7 Core, in words

    def line(self) -> str:
        where = f"Cin7 Core sale {self.sale}: {self.cin7_action}" if self.sale else self.cin7_action
        return f"{self.order}: cancel in Shopify (restock, refund, customer not told); {where}"


async def plan_cleanup(sync: StoreSync) -> list[CleanupItem]:
    """The test orders still open and what will happen to each: read only, nothing is touched."""
    items = []
    orders = await sync.shopify.orders(f"tag:{PILOT_TAG}")
    credit_notes = sync.settings().credit_note_on_cancel
    for order in sorted(orders, key=lambda o: o.name):
        if order.cancelled_at or not order.test or PILOT_TAG not in order.tags:
            continue  # never a real order, whatever its tags say
        entry = sync.ledger.order(order.id)
        if entry is None or not entry.sale_id or entry.status != "imported":
            items.append(CleanupItem(order.id, order.name, "", "no Cin7 Core sale to undo"))
            continue
        sale = await sync.cin7.get_sale(entry.sale_id)
        picked = any(task.Pick.Status == "AUTHORISED" for task in sale.Fulfilments)
        if not picked:
            action = "voided, its stock released"
        elif credit_notes:
            action = f"picked or shipped, so a credit note restocks it to {sale.Location}"
        else:
            action = "picked or shipped, so Cin7 Core will not void it: the error log says how to credit it"
        items.append(CleanupItem(order.id, order.name, sale.OrderNumber or sale.ID[:8], action))
    return items


async def run_cleanup(sync: StoreSync, items: list[CleanupItem]) -> list[str]:
    """Cancel each listed order in Shopify, then one order pass applies the cancellations in Cin7 Core."""
    sync.must_write("cancel test orders")
    done = []
    for item in items:
        await sync.shopify.cancel_order(item.order_id, staff_note="cin7-shopify pilot clean-up")
        done.append(item.order)
    if done:  # those orders alone, go-live or not: clean-up must not start importing the store
        await sync.orders.pilot_pass([item.order_id for item in items])
    return done
