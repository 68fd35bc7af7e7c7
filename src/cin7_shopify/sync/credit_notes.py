"""Credit notes: money and goods back in Cin7 Core after a cancellation past picking, or a refund.

A cancelled order whose goods have moved cannot be voided; a refund changes what the customer paid.
Either way Cin7 Core needs a credit note against the sale's invoice (no stand-alone credit notes):
the invoice is made first when there is none, for the whole order, then the credit note for what
Shopify gave back, priced as the sale was (the same unit price, discount and tax rule), with the
goods restocked to the sale's location when they came back.

By default the consultant is told exactly which credit note to raise; a store that enables
`credit_note_on_cancel` / `credit_note_on_refund` gets it made. A credit note Cin7 refuses is never
dropped: the order stays due, the journal says why (once), and the next pass tries again, so an
authorised invoice is never left without its credit note.

Cin7 Core holds one credit note per simple sale (APIB:L20044): a second refund on a sale already
credited is named in the journal to raise by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from cin7_shopify.cin7.errors import Cin7Error
from cin7_shopify.cin7.models import AdditionalCharge, PickPackLine, Sale, SaleLine
from cin7_shopify.shopify.models import Refund, ShopifyOrder
from cin7_shopify.sync.write_step import MAYBE_APPLIED

if TYPE_CHECKING:
    from cin7_shopify.sync.orders import OrderSync

CENT = Decimal("0.01")
SHIPPED = {"SHIPPED", "PARTIALLY SHIPPED"}
CAME_BACK = {"RETURN", "LEGACY_RESTOCK"}  # Shopify's restock types for goods that returned to stock


@dataclass
class CreditPlan:
    """What one credit note gives back."""

    lines: list[SaleLine]
    charges: list[AdditionalCharge]
    restock: list[PickPackLine]
    memo: str

    def describe(self) -> str:
        parts = [f"{line.Quantity:g} × {line.SKU} at {line.Price} ({line.TaxRule})" for line in self.lines]
        parts += [f"{charge.Description} {charge.Price}" for charge in self.charges]
        return ", ".join(parts) or "nothing"

    @property
    def total(self) -> Decimal:
        return sum((line.Total for line in self.lines), Decimal(0)) + sum(
            (charge.Total for charge in self.charges), Decimal(0)
        )


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _authorised_invoice(sale: Sale) -> dict[str, object] | None:
    return next((i for i in sale.Invoices if i.get("Status") in {"AUTHORISED", "PAID"}), None)


def _credited(sale: Sale) -> bool:
    return any(note.Status == "AUTHORISED" for note in sale.CreditNotes)


async def raise_credit_note(sync: OrderSync, order: ShopifyOrder, sale: Sale, subject: str, plan: CreditPlan) -> str:
    """Invoice (when there is none) then the credit note, each once through the write step.
    Returns the credit note's number; raises Cin7Error when Cin7 refuses."""
    assert sale.Order is not None
    order_lines, order_charges, sale_id = sale.Order.Lines, sale.Order.AdditionalCharges, sale.ID
    invoice = _authorised_invoice(sale)

    async def make_invoice() -> dict[str, str]:
        made = await sync.cin7.create_invoice(
            sale_id, order_lines, additional_charges=order_charges, invoice_date=_today()
        )
        return {"invoice_number": str(made.get("InvoiceNumber") or "")}

    async def invoiced() -> dict[str, str] | None:
        found = _authorised_invoice(await sync.cin7.get_sale(sale_id))
        return {"invoice_number": str(found.get("InvoiceNumber") or "")} if found else None

    if invoice is None:
        done = await sync.writes.write(
            "invoice", order.id, send=make_invoice, look_up=invoiced, detail={"sale_id": sale_id}
        )
        invoice_number = str(done.get("invoice_number") or "")
    else:
        invoice_number = str(invoice.get("InvoiceNumber") or "")

    async def credit() -> dict[str, str]:
        note = await sync.cin7.create_credit_note(
            sale_id,
            plan.lines,
            invoice_number=invoice_number,
            credit_date=_today(),
            restock=plan.restock,
            restock_location=sale.Location,
            additional_charges=plan.charges,
            memo=plan.memo,
        )
        return {"credit_note": note.CreditNoteNumber or ""}

    async def credited() -> dict[str, str] | None:
        found = await sync.cin7.get_sale(sale_id)
        note = next((n for n in found.CreditNotes if n.Status == "AUTHORISED" and n.Memo == plan.memo), None)
        return {"credit_note": note.CreditNoteNumber or ""} if note else None

    done = await sync.writes.write("credit_note", subject, send=credit, look_up=credited, detail={"sale_id": sale_id})
    return str(done.get("credit_note") or "")


def _record_refusal(sync: OrderSync, order: ShopifyOrder, exc: Cin7Error, what: str) -> None:
    """Once while it stays open: the pass retries the credit note until Cin7 takes it."""
    message = f"Cin7 Core refused the credit note for {what} of {order.name}: {exc.cin7_message}"
    if any(
        e.kind == "credit_note_failed" and e.order_id == order.id and e.status == "open" and e.message == message
        for e in sync.journal.entries()
    ):
        return
    sync.journal.record(
        "credit_note_failed",
        order.name,
        message,
        "Fix what Cin7 Core names; the sync tries again on every pass until the credit note is made.",
        order_id=order.id,
    )


# -- cancellations ----------------------------------------------------------------------


async def credit_cancelled_sale(sync: OrderSync, order: ShopifyOrder, sale: Sale) -> bool:
    """Cancelled after picking: credit the whole sale, or ask for it. True when nothing is left to retry."""
    settings = sync.settings()
    stage = "shipped" if sale.CombinedShippingStatus in SHIPPED else "picked"
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
        return True
    assert sale.Order is not None
    plan = CreditPlan(
        lines=list(sale.Order.Lines),
        charges=list(sale.Order.AdditionalCharges),
        restock=[PickPackLine(SKU=line.SKU or "", Quantity=line.Quantity) for line in sale.Order.Lines],
        memo=f"Shopify {order.name} cancelled",
    )
    try:
        number = await raise_credit_note(sync, order, sale, order.id, plan)
    except MAYBE_APPLIED:
        raise  # the intent stays open: the next pass looks before it writes again
    except Cin7Error as exc:
        _record_refusal(sync, order, exc, "the cancellation")
        return False
    sync.journal.record(
        "credit_note_created",
        order.name,
        f"Order {order.name} was cancelled after it was {stage}: credit note {number} restocked its goods to "
        f"{sale.Location}.",
        "Nothing to do.",
        order_id=order.id,
        notice=True,
    )
    return True


# -- refunds ----------------------------------------------------------------------------


def refund_plan(order: ShopifyOrder, refund: Refund, sale: Sale, shipping_product: str) -> CreditPlan:
    """The refund as a credit note priced as the sale was: each refunded unit at its sale line's unit
    price, discount and tax rule; refunded shipping as a charge on the shipping service product; the
    units Shopify says came back restocked."""
    assert sale.Order is not None
    skus = {line.id: line.sku or "" for line in order.lines}
    wanted: dict[str, int] = {}
    back: dict[str, int] = {}
    for refunded in refund.lines:
        sku = skus.get(refunded.line_item_id or "", "")
        wanted[sku] = wanted.get(sku, 0) + refunded.quantity
        if refunded.restock_type in CAME_BACK:
            back[sku] = back.get(sku, 0) + refunded.quantity
    lines: list[SaleLine] = []
    for sku, quantity in wanted.items():
        left = Decimal(quantity)
        for line in sale.Order.Lines:
            if line.SKU != sku or left <= 0 or line.Quantity <= 0:
                continue
            take = min(left, line.Quantity)
            total = (take * line.Price * (1 - line.Discount / 100)).quantize(CENT, ROUND_HALF_UP)
            tax = (line.Tax * take / line.Quantity).quantize(CENT, ROUND_HALF_UP)
            lines.append(line.model_copy(update={"Quantity": take, "Total": total, "Tax": tax}))
            left -= take
    charges: list[AdditionalCharge] = []
    if refund.shipping or refund.shipping_tax:
        shipping = next((c for c in sale.Order.AdditionalCharges if c.Description == shipping_product), None)
        inclusive = bool(sale.tax_inclusive)
        price = refund.shipping + refund.shipping_tax if inclusive else refund.shipping
        charges.append(
            AdditionalCharge(
                Description=shipping_product,
                Price=price,
                Quantity=Decimal(1),
                Tax=refund.shipping_tax,
                Total=price,
                TaxRule=(shipping.TaxRule if shipping else None) or sale.TaxRule,
            )
        )
    restock = [PickPackLine(SKU=sku, Quantity=Decimal(quantity)) for sku, quantity in back.items()]
    return CreditPlan(lines=lines, charges=charges, restock=restock, memo=f"Shopify {order.name} refund {refund.id}")


async def credit_refunds(sync: OrderSync, order: ShopifyOrder, reported: list[str]) -> None:
    """Each new refund of an imported order: its credit note made (credit_note_on_refund), or named."""
    new = [r for r in order.refunds if r.id not in reported and (r.lines or r.shipping or r.shipping_tax)]
    if not new:
        return
    entry = sync.ledger.order(order.id)
    assert entry is not None and entry.sale_id
    settings = sync.settings()
    sale = await sync.cin7.get_sale(entry.sale_id)
    done: list[str] = []
    for refund in new:
        plan = refund_plan(order, refund, sale, settings.shipping_product)
        restocked = ", ".join(f"{line.Quantity:g} × {line.SKU}" for line in plan.restock)
        restock_words = f", restocking {restocked} to {sale.Location}" if restocked else " with no restock"
        shipped = sale.CombinedShippingStatus in SHIPPED or _authorised_invoice(sale) is not None
        if not shipped:
            sync.journal.record(
                "refund_before_shipping",
                order.name,
                f"Order {order.name} was refunded in Shopify before Cin7 Core shipped it: {plan.describe()}.",
                f"Before the warehouse picks it, take these items off the Cin7 Core sale for {order.name} (undo its "
                "authorisation, edit the lines, authorise again), so they are neither shipped nor invoiced.",
                order_id=order.id,
            )
            done.append(refund.id)
            continue
        by_hand = not settings.credit_note_on_refund or (sale.Type != "Advanced Sale" and _credited(sale))
        if by_hand:
            invoice = _authorised_invoice(sale)
            against = f"invoice {invoice.get('InvoiceNumber')}" if invoice else "its invoice (authorise it first)"
            why = (
                " Cin7 Core holds one credit note per simple sale and this one has it: add these lines to that "
                "credit note, or raise the refund as a payment adjustment."
                if settings.credit_note_on_refund
                else ""
            )
            sync.journal.record(
                "refund_needs_credit_note",
                order.name,
                f"Order {order.name} was refunded in Shopify: {plan.describe()} (total {plan.total}).",
                f"In Cin7 Core create a credit note on the sale for {order.name} against {against}: "
                f"{plan.describe()}{restock_words}.{why}",
                order_id=order.id,
            )
            done.append(refund.id)
            continue
        try:
            number = await raise_credit_note(sync, order, sale, f"{order.id}/{refund.id}", plan)
        except MAYBE_APPLIED:
            break  # the intent stays open: the next pass looks before it writes again
        except Cin7Error as exc:
            _record_refusal(sync, order, exc, "a refund")
            break  # not marked done: retried on the next pass
        sync.journal.record(
            "credit_note_created",
            order.name,
            f"Order {order.name} was refunded in Shopify: credit note {number} gives back {plan.describe()}"
            f"{restock_words}.",
            "Nothing to do.",
            order_id=order.id,
            notice=True,
        )
        done.append(refund.id)
        sale = await sync.cin7.get_sale(sale.ID)  # the invoice and the credit note are on it now
    left = [r for r in new if r.id not in done]  # refused or unsure: due again on the next pass
    due = {"credit_due": True, "order": order.model_dump(mode="json")} if left else {"credit_due": False, "order": None}
    if done or left or entry.credit_due:
        sync.ledger.update_order(order.id, refunds=[*reported, *done], **due)
