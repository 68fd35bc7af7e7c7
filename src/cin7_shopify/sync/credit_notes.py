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
from cin7_shopify.sync.write_step import MAYBE_APPLIED

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
    sale_id = sale.ID

    async def invoice() -> dict[str, str]:
        await sync.cin7.create_invoice(sale_id, lines, invoice_date=datetime.now(UTC).strftime("%Y-%m-%d"))
        return {}

    async def credit() -> dict[str, str]:
        restock = [PickPackLine(SKU=line.SKU or "", Quantity=line.Quantity) for line in lines]
        note = await sync.cin7.create_credit_note(
            sale_id, lines, restock=restock, restock_location=sale.Location, memo=f"Shopify {order.name} cancelled"
        )
        return {"credit_note": note.CreditNoteNumber or ""}

    async def invoiced() -> dict[str, str] | None:
        found = await sync.cin7.get_sale(sale_id)
        return {} if any(i.get("Status") in {"AUTHORISED", "PAID"} for i in found.Invoices) else None

    async def credited() -> dict[str, str] | None:
        found = await sync.cin7.get_sale(sale_id)
        return {"credit_note": found.CreditNotes[0].CreditNoteNumber or ""} if found.CreditNotes else None

    try:
        if not sale.CreditNotes:  # a credit note needs an invoice to credit
            if not any(i.get("Status") in {"AUTHORISED", "PAID"} for i in sale.Invoices):
                await sync.writes.write(
                    "invoice", order.id, send=invoice, look_up=invoiced, detail={"sale_id": sale_id}
                )
            await sync.writes.write("credit_note", order.id, send=credit, look_up=credited, detail={"sale_id": sale_id})
    except Cin7Error as exc:
        if isinstance(exc, MAYBE_APPLIED):
            raise  # the intent stays open: the next pass looks before it writes again
        sync.journal.record(
            "credit_note_failed",
            order.name,
            exc.cin7_message,
            f"Raise the credit note for {order.name} by hand in Cin7 Core.",
            order_id=order.id,
        )
        return
    sync.journal.record(
        "credit_note_created",
        order.name,
        f"Order {order.name} was cancelled after it was {stage}: a credit note restocked its goods to {sale.Location}.",
        "Nothing to do.",
        order_id=order.id,
        notice=True,
    )
