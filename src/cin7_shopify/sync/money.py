"""What the customer paid, line by line, and how Cin7 Core is told it to the cent. Pure, no I/O.

Shopify's `discountedUnitPriceSet` leaves out order-level and code discounts (schema:
LineItem.discountedUnitPriceSet), so a line is priced from its unit price less every discount
allocated to it (`discountAllocations`, each over the line's whole quantity). Cin7 Core computes a
row's Total itself from Quantity × Price less Discount % (Price to 4 decimals, Discount to 2,
APIB:L29804–L29811), so each row is priced to land on its cent, and what a row cannot land on is
carried to the next so the rows add up to Shopify's figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cin7_shopify.shopify.models import OrderLine, ShopifyOrder

CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")  # Cin7 keeps a Price to 4 decimals
PERCENT_PLACES = Decimal("0.01")  # and a Discount % to 2


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def cin7_row_total(quantity: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    """Quantity × Price less Discount %, to the cent: the Total Cin7 Core computes for a row."""
    return cents(quantity * price * (1 - discount / 100))


def line_charged(line: OrderLine) -> Decimal:
    """What the customer paid for the units still on the line, after every discount."""
    full = line.unit_price * line.quantity - line.discount_total
    if line.current_quantity == line.quantity or line.quantity == 0:
        return cents(full)
    return cents(full * line.current_quantity / line.quantity)  # removed or refunded units leave their share


def line_tax(line: OrderLine) -> Decimal:
    tax = sum((t.price for t in line.tax_lines), Decimal(0))
    if line.current_quantity == line.quantity or line.quantity == 0:
        return cents(tax)
    return cents(tax * line.current_quantity / line.quantity)


def expected_cin7_total(order: ShopifyOrder, rows_total: Decimal, tax: Decimal) -> Decimal:
    """Tax-inclusive, Cin7's rows already hold their tax; tax-exclusive, it is added on top (APIB:L29795)."""
    return rows_total if order.taxes_included else rows_total + tax


@dataclass
class PricedRow:
    price: Decimal
    discount: Decimal
    total: Decimal


def price_row(quantity: Decimal, list_price: Decimal, target: Decimal) -> PricedRow:
    """A Price and Discount % whose Cin7 Total is `target` when one exists.

    The list price with a Discount % keeps the discount visible in Cin7 Core; when no 2-decimal
    percent reproduces the target, the row is charged at its net unit price (4 decimals). Only a
    quantity of 100 or more can miss a cent, and then the returned total says by how much.
    """
    if quantity <= 0:
        return PricedRow(list_price, Decimal(0), Decimal(0))
    if cin7_row_total(quantity, list_price, Decimal(0)) == target:
        return PricedRow(list_price, Decimal(0), target)
    if list_price > 0 and 0 <= target < list_price * quantity:
        discount = ((1 - target / (list_price * quantity)) * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)
        if cin7_row_total(quantity, list_price, discount) == target:
            return PricedRow(list_price, discount, target)
    price = (target / quantity).quantize(PRICE_PLACES, ROUND_HALF_UP)
    return PricedRow(price, Decimal(0), cin7_row_total(quantity, price, Decimal(0)))


def price_rows(rows: list[tuple[Decimal, Decimal, Decimal]], *, rounding: Decimal = Decimal(0)) -> list[PricedRow]:
    """Price (quantity, list price, target) rows so their Cin7 totals add up to the targets' sum.

    `rounding` (cents Shopify's own total has that the rows lack) is spread over the rows too.
    Rows are priced largest quantity first; a cent one cannot land on is carried to the next, so
    the smallest-quantity rows, which can land on any cent, take up the rounding.
    """
    priced: list[PricedRow | None] = [None] * len(rows)
    carry = rounding
    for index in sorted(range(len(rows)), key=lambda i: -rows[i][0]):
        quantity, list_price, target = rows[index]
        row = price_row(quantity, list_price, target + carry)
        carry = target + carry - row.total
        priced[index] = row
    return [row for row in priced if row is not None]
