"""How one Shopify order and the Cin7 Core sale made for it are checked against each other. Pure, no I/O.

The pilot checks the sales our sync made with these, and observe mode the sales another integration
made, so both judge an order the same way.
"""

from __future__ import annotations

from decimal import Decimal

from cin7_shopify.cin7.models import Sale
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.sync.money import CENT, line_charged
from cin7_shopify.sync.reconcile import shopify_total


def check_lines(
    order: ShopifyOrder, sale: Sale, gift_card_product: str | None
) -> tuple[bool, str, dict[str, str], dict[str, int]]:
    """Every Shopify line in Cin7 Core with its SKU, quantity and what was paid; and the sale's total.

    Returns (ok, detail, totals, line counts). A gift card is a charge on the gift-card service product,
    so it is matched there. Totals are compared within a cent a line: a sync may move a cent between
    lines so they add up.
    """
    gift_card = gift_card_product or ""
    sent = sorted(
        (gift_card if line.is_gift_card else line.sku or "", line.current_quantity, line_charged(line))
        for line in order.lines
        if line.current_quantity > 0
    )
    booked_order = sale.Order
    rows = [(line.SKU or "", int(line.Quantity), line.Total) for line in (booked_order.Lines if booked_order else [])]
    rows += [
        (c.Description, int(c.Quantity), c.Total)
        for c in (booked_order.AdditionalCharges if booked_order else [])
        if gift_card and c.Description == gift_card
    ]
    booked = sorted(rows)
    paid = shopify_total(order)
    total = booked_order.Total if booked_order is not None and booked_order.Total is not None else Decimal(0)
    totals = {"shopify": f"{paid:.2f}", "cin7": f"{total:.2f}"}
    counts = {"shopify": len(sent), "cin7": len(booked)}
    unmatched = list(booked)
    missing = []
    for sku, quantity, charged in sent:
        twin = next(
            (row for row in unmatched if row[0] == sku and row[1] == quantity and abs(row[2] - charged) <= CENT),
            None,
        )
        if twin is None:
            missing.append((sku, quantity, charged))
        else:
            unmatched.remove(twin)
    if missing or unmatched:
        lacks = ", ".join(f"{q} × {s} ({t:.2f})" for s, q, t in missing) or "—"
        extra = ", ".join(f"{q} × {s} ({t:.2f})" for s, q, t in unmatched) or "—"
        detail = f"Shopify has {lacks} that Cin7 Core lacks; Cin7 Core has {extra} that Shopify lacks"
        return False, detail, totals, counts
    if abs(paid - total) > CENT:
        return False, f"Shopify's total is {paid:.2f} but the Cin7 Core sale totals {total:.2f}", totals, counts
    return True, f"{len(booked)} line(s): SKUs, quantities and totals agree; total {total:.2f} in both", totals, counts


def check_tax(order: ShopifyOrder, sale: Sale, settings: StoreSettings) -> tuple[bool, str]:
    """The sale's tax rule is the one the tax map gives Shopify's tax line, inclusive as Shopify's prices are."""
    keys = [t.key for line in order.lines for t in line.tax_lines] or ["no tax 0%"]
    wanted = settings.tax_map.get(keys[0])
    inclusive = "Inclusive" if order.taxes_included else "Exclusive"
    if sale.TaxRule == wanted and sale.TaxCalculation == inclusive:
        return True, f"{sale.TaxRule}, tax {inclusive.lower()} (Shopify: {keys[0]})"
    return False, f"sale has {sale.TaxRule} ({sale.TaxCalculation}); Shopify's {keys[0]} maps to {wanted} ({inclusive})"
