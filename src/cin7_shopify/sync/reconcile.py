"""Reconciliation: do Shopify and Cin7 Core agree about orders and stock since a date?

Shopify orders with no Cin7 sale, Cin7 sales pointing at no Shopify order, orders with more than one
sale, totals that differ, and stock that drifted per SKU and location. Reads only; fixes nothing.

A total is what the customer paid (Shopify's totalPrice) against the Cin7 Core sale order's own Total,
read from the sale: saleList's InvoiceAmount is invoices less credit notes (APIB:L20118), 0 until the
sale is invoiced, so it cannot say what was ordered. Each difference names its cause.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import Sale
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.sync.matching import SaleIndex
from cin7_shopify.sync.money import cents, line_charged
from cin7_shopify.sync.stock import plan_stock
from cin7_shopify.sync.translate import waiting_reason
from cin7_shopify.text import json_text, md_text

SHOPIFY_ORDER = "gid://shopify/Order/"


@dataclass
class Mismatch:
    kind: str  # missing_in_cin7, not_in_shopify, duplicate_sales, total_differs, stock_drift
    ref: str
    shopify: str
    cin7: str
    detail: str
    cause: str = ""  # for total_differs: discount, shipping, tax, tip, duty, gift_card, refund, rounding, lines


@dataclass
class ReconcileReport:
    since: str
    orders_checked: int = 0
    sales_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.mismatches

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = defaultdict(int)
        for m in self.mismatches:
            counts[m.kind] += 1
        return {
            "since": self.since,
            "orders_checked": self.orders_checked,
            "sales_checked": self.sales_checked,
            "summary": dict(counts),
            "mismatches": [asdict(m) for m in self.mismatches],
        }


def shopify_total(order: ShopifyOrder) -> Decimal:
    """What the customer paid: Shopify's totalPrice, or (not read) the lines, shipping and tax it is made of."""
    if order.total_price is not None:
        return order.total_price
    lines = sum((line_charged(line) for line in order.lines), Decimal(0))
    shipping = sum((s.charged for s in order.shipping), Decimal(0))
    total = lines + shipping + order.tip + order.duties
    if order.taxes_included:
        return total
    tax = sum((t.price for line in order.lines for t in line.tax_lines), Decimal(0))
    tax += sum((t.price for s in order.shipping for t in s.tax_lines), Decimal(0))
    return total + tax


def total_causes(order: ShopifyOrder, sale: Sale, settings: StoreSettings) -> list[tuple[str, str]]:
    """Why Shopify's and Cin7's totals differ: (cause, what each side has), part by part."""
    causes: list[tuple[str, str]] = []
    booked = sale.Order
    lines = booked.Lines if booked else []
    charges = booked.AdditionalCharges if booked else []

    def charged_on(name: str | None) -> Decimal:
        return sum((c.Total for c in charges if name and c.Description == name), Decimal(0))

    if order.refunds or any(line.current_quantity != line.quantity for line in order.lines):
        causes.append(("refund", "items were refunded or removed in Shopify; Cin7 Core still holds them"))
    goods = sum((line_charged(line) for line in order.lines if not line.is_gift_card), Decimal(0))
    in_cin7 = sum((line.Total for line in lines), Decimal(0))
    if cents(goods) != cents(in_cin7):
        discounted = any(line.discount_total for line in order.lines)
        causes.append(
            (
                "discount" if discounted else "lines",
                f"lines after discounts: Shopify {goods:.2f}, Cin7 Core {in_cin7:.2f}",
            )
        )
    parts = [
        ("shipping", sum((s.charged for s in order.shipping), Decimal(0)), charged_on(settings.shipping_product)),
        ("tip", order.tip, charged_on(settings.tip_product)),
        ("duty", order.duties, charged_on(settings.duty_product)),
        (
            "gift_card",
            sum((line_charged(line) for line in order.lines if line.is_gift_card), Decimal(0)),
            charged_on(settings.gift_card_product),
        ),
    ]
    for cause, shopify, cin7 in parts:
        if cents(shopify) != cents(cin7):
            causes.append((cause, f"{cause.replace('_', ' ')}: Shopify {shopify:.2f}, Cin7 Core {cin7:.2f}"))
    shopify_tax = order.total_tax
    if (
        shopify_tax is not None
        and booked is not None
        and booked.Tax is not None
        and cents(shopify_tax) != cents(booked.Tax)
    ):
        causes.append(("tax", f"tax: Shopify {shopify_tax:.2f}, Cin7 Core {booked.Tax:.2f}"))
    if not causes:
        causes.append(("rounding", "every part agrees: the difference is rounding"))
    return causes


async def reconcile(
    cin7: Cin7Client, shopify: ShopifyClient, settings: StoreSettings, since: datetime, *, stock: bool = True
) -> ReconcileReport:
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    report = ReconcileReport(since=stamp)
    await shopify.require_order_history(since, what="A reconcile")
    orders = await shopify.orders(f"created_at:>='{stamp}'")
    sales = await cin7.list_sales(created_since=since.strftime("%Y-%m-%dT%H:%M:%S"))
    report.orders_checked, report.sales_checked = len(orders), len(sales)
    by_order: dict[str, list[Any]] = defaultdict(list)
    if settings.mode == "observe":  # another integration's sales, matched by the store's rule
        index = SaleIndex(sales)
        for order in orders:
            found = index.match(order, settings)[1]
            if found:
                by_order[order.id] = found
    else:
        for sale in sales:
            if sale.ExternalID and sale.ExternalID.startswith(SHOPIFY_ORDER) and sale.Status != "VOIDED":
                by_order[sale.ExternalID].append(sale)
    order_ids = {o.id for o in orders}
    for order in orders:
        found = by_order.get(order.id, [])
        # Before go-live an order is only ever imported by a backfill on request: never "eligible".
        reason = waiting_reason(order, settings)
        if not found:
            if reason is None:
                report.mismatches.append(
                    Mismatch(
                        "missing_in_cin7",
                        order.name,
                        order.id,
                        "—",
                        "eligible for import but no Cin7 Core sale has this order",
                    )
                )
            continue
        if len(found) > 1:
            numbers = ", ".join(s.OrderNumber or s.SaleID for s in found)
            report.mismatches.append(
                Mismatch(
                    "duplicate_sales", order.name, order.id, numbers, f"{len(found)} Cin7 Core sales for one order"
                )
            )
        booked_sale = await cin7.get_sale(found[0].SaleID)
        order_total = booked_sale.Order.Total if booked_sale.Order is not None else None
        paid, booked = shopify_total(order), order_total or Decimal(0)
        if cents(paid) != cents(booked):
            causes = total_causes(order, booked_sale, settings)
            report.mismatches.append(
                Mismatch(
                    "total_differs",
                    order.name,
                    f"{paid:.2f}",
                    f"{booked:.2f}",
                    f"differs by {abs(paid - booked):.2f}: " + "; ".join(text for _, text in causes),
                    cause=", ".join(cause for cause, _ in causes),
                )
            )
    for external_id, found in by_order.items():
        if external_id not in order_ids:
            for sale in found:
                report.mismatches.append(
                    Mismatch(
                        "not_in_shopify",
                        sale.OrderNumber or sale.SaleID,
                        external_id,
                        sale.SaleID,
                        "a Cin7 Core sale for a Shopify order not found",
                    )
                )
    if stock:
        plan = await plan_stock(cin7, shopify, settings)
        for change in plan.changes:
            report.mismatches.append(
                Mismatch(
                    "stock_drift",
                    change.sku,
                    str(change.current),
                    str(change.target),
                    f"at {change.location}: Shopify shows {change.current}, Cin7 Core has {change.target} to sell",
                )
            )
    return report


def report_markdown(report: ReconcileReport) -> str:
    lines = [
        f"# Reconciliation since {md_text(report.since)}",
        "",
        f"{report.orders_checked} Shopify orders and {report.sales_checked} Cin7 Core sales checked: "
        + ("everything agrees." if report.clean else f"{len(report.mismatches)} differences."),
        "",
    ]
    if report.mismatches:
        lines += ["| What | Order / SKU | Shopify | Cin7 Core | Detail |", "|---|---|---|---|---|"]
        lines += [
            f"| {m.kind} | {md_text(m.ref)} | {md_text(m.shopify)} | {md_text(m.cin7)} | {md_text(m.detail)} |"
            for m in report.mismatches
        ]
    return "\n".join(lines) + "\n"


def report_csv(report: ReconcileReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["kind", "ref", "shopify", "cin7", "detail"])
    writer.writerows([m.kind, m.ref, m.shopify, m.cin7, m.detail] for m in report.mismatches)
    return out.getvalue()


def report_json_text(report: ReconcileReport) -> str:
    return json_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False)) + "\n"
