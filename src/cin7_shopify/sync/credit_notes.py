"""Cancelled after picking or shipping: the goods have moved, so a void is no longer possible.

By default the consultant is told to raise the credit note (an error entry with the exact steps);
a store that enables `credit_note_on_cancel` gets it made: invoice (if none) and credit note, with
the goods restocked to the sale's location.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cin7_shopify.cin7.errors import Cin7Error
from cin7_shopify.cin7.models import PickPackLine, Sale
from cin7_shopify.shopify.models import ShopifyOrder

if TYPE_CHECKING:
    from cin7_shopify.sync.orders import OrderSync


async def credit_cancelled_sale(sync: OrderSync, order: ShopifyOrder, sale: Sale) -> None:
    settings = sync.settings()
    shipped = sale.CombinedShippingStatus in {"SHIPPED", "PARTIALLY SHIPPED"}
    stage = "shipped" if shipped else "picked"
    if not settings.credit_note_on_cancel:
        sync.journal.record(
            "credit_note_needed",
            order.name,
            f"Order {order.name} was cancelled in Shopify after it was {stage} in Cin7 Core, so its sale cannot be "
            "voided.",
            f"In Cin7 Core open the sale for {order.name}, authorise its invoice if it has none, then create a credit "
            f"note restocking the goods to {sale.Location}.",
            order_id=order.id,
        )
        return
    assert sale.Order is not None
    lines = sale.Order.Lines
    key = f"credit_note:{order.id}"
    sync.ledger.begin(key, sale_id=sale.ID)
    try:
        if not sale.CreditNotes:
            today = datetime.now(UTC).strftime("%Y-%m-%d")
            sync.crash.hit("before invoice")
            await sync.cin7.create_invoice(sale.ID, lines, invoice_date=today)
            restock = [PickPackLine(SKU=line.SKU or "", Quantity=line.Quantity) for line in lines]
            sync.crash.hit("before credit_note")
            await sync.cin7.create_credit_note(
                sale.ID, lines, restock=restock, restock_location=sale.Location, memo=f"Shopify {order.name} cancelled"
            )
            sync.crash.hit("after credit_note")
    except Cin7Error as exc:
        sync.ledger.finish(key, failed=True)
        sync.journal.record(
            "credit_note_failed",
            order.name,
            exc.cin7_message,
            f"Raise the credit note for {order.name} by hand in Cin7 Core.",
            order_id=order.id,
        )
        return
    sync.ledger.finish(key)
    sync.journal.record(
        "credit_note_created",
        order.name,
        f"Order {order.name} was cancelled after it was {stage}: a credit note restocked its goods to {sale.Location}.",
        "Nothing to do.",
        order_id=order.id,
        notice=True,
    )
