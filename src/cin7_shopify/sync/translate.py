"""From a Shopify order to a Cin7 Core sale: pure decisions, no I/O.

Which orders to import (trigger, go-live, test orders, excluded tags), and how: location from the
mapped fulfilment location, tax rule from the tax map, lines priced as Shopify charged them after
every discount (sync/money.py), shipping, tips, duties and gift cards as additional charges on the
service products the settings name, so the sale totals what the customer paid. An order that
cannot be imported gets one error per cause, in the merchant's words with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from cin7_shopify.cin7.models import AdditionalCharge, Product, SaleAddress, SaleCreate, SaleLine, TaxRule
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.models import ShopifyOrder, TaxLine
from cin7_shopify.sync.money import CENT, cents, expected_cin7_total, line_charged, line_tax, price_rows

PAID = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}
FULFILLED = {"FULFILLED", "PARTIALLY_FULFILLED"}


@dataclass(frozen=True)
class HeldError:
    kind: str
    message: str
    fix: str


@dataclass
class Cin7Reference:
    """What the sync knows of the Cin7 Core account, read once and refreshed now and then."""

    products: dict[str, Product]  # exact SKU → product, deprecated included (Cin7 refuses those itself)
    locations: set[str]  # active location names
    tax_rules: dict[str, TaxRule]

    def service(self, name: str) -> Product | None:
        """The active Service product an additional charge names (charges name products by Name)."""
        return next(
            (p for p in self.products.values() if p.Name == name and (p.Type or "") == "Service" and p.is_active),
            None,
        )


@dataclass
class SalePlan:
    header: SaleCreate
    lines: list[SaleLine]
    charges: list[AdditionalCharge] = field(default_factory=list)
    email: str | None = None
    customer_name: str = ""


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def waiting_reason(
    order: ShopifyOrder, settings: StoreSettings, *, backfill: bool = False, allow_test: bool = False
) -> str | None:
    """Why this order is not imported now (None: import it). Never an error: these are the rules."""
    if order.cancelled_at:
        return "cancelled before it was imported"
    if not backfill and settings.go_live and parse_time(order.created_at) < settings.go_live:
        return "placed before go-live"
    if order.test and settings.skip_test_orders and not allow_test:
        return "a test order"
    excluded = sorted(set(order.tags) & set(settings.exclude_tags))
    if excluded:
        return f"tagged {', '.join(excluded)}"
    if settings.order_trigger == "paid" and (order.financial_status or "") not in PAID:
        return "waiting for payment"
    if settings.order_trigger == "fulfilled" and order.fulfillment_status not in FULFILLED:
        return "waiting for fulfilment"
    return None


def plan_sale(order: ShopifyOrder, settings: StoreSettings, reference: Cin7Reference) -> SalePlan | list[HeldError]:
    errors: list[HeldError] = []
    if order.lines_truncated:
        errors.append(
            HeldError(
                "partial_order",
                f"Order {order.name}: only {len(order.lines)} of its lines were read from Shopify.",
                "Nothing to do: the order is read again in full on the next pass.",
            )
        )
    location = _location(order, settings, reference, errors)
    rows: list[_Row] = []
    for line in order.lines:
        if line.current_quantity <= 0:
            continue  # removed by an edit or refunded before import
        if line.is_gift_card:
            # A gift card is no stock: it is charged on the gift-card service product.
            service = _service(order, "a gift card", settings.gift_card_product, "gift_card_product", reference, errors)
            rule = _service_rule(order, line.tax_lines, service, settings, reference, errors)
            if service is not None and rule is not None:
                rows.append(
                    _Row(
                        None,
                        service.Name,
                        line.current_quantity,
                        line.unit_price,
                        line_charged(line),
                        line_tax(line),
                        rule,
                    )
                )
            continue
        if line.sku is None or not line.sku.strip():
            errors.append(
                HeldError(
                    "missing_sku",
                    f"Order {order.name}: '{line.name}' has no SKU in Shopify.",
                    "Give the Shopify variant the SKU of its Cin7 Core product; the order is retried by itself.",
                )
            )
            continue
        product = reference.products.get(line.sku)
        if product is None:
            errors.append(
                HeldError(
                    "unknown_sku",
                    f"Order {order.name}: SKU {line.sku} ('{line.name}') is not a Cin7 Core product.",
                    f"Create {line.sku} in Cin7 Core or correct the Shopify SKU; the order is retried by itself.",
                )
            )
            continue
        if not product.is_active:
            # Cin7 Core refuses a deprecated product on a sale's lines, after the sale itself is made:
            # held here, before any call, so no DRAFT sale is left behind for the warehouse to see.
            errors.append(
                HeldError(
                    "cin7_rejected",
                    f"Order {order.name}: SKU {line.sku} ('{line.name}') is "
                    f"{(product.Status or 'not active').lower()} in Cin7 Core, which refuses it on a sale.",
                    f"Make {line.sku} active in Cin7 Core, or correct the Shopify SKU; the order is retried by itself.",
                )
            )
            continue
        rule = _tax_rule(order, line.tax_lines, settings, reference, errors)
        if rule is None:
            continue
        rows.append(
            _Row(product, None, line.current_quantity, line.unit_price, line_charged(line), line_tax(line), rule)
        )
    for shipping in order.shipping:
        if shipping.charged <= 0:
            continue  # free, or made free by a shipping discount
        service = _service(order, "shipping", settings.shipping_product, "shipping_product", reference, errors)
        rule = _tax_rule(order, shipping.tax_lines, settings, reference, errors)
        if service is None or rule is None:
            continue
        tax = cents(sum((t.price for t in shipping.tax_lines), Decimal(0)))
        rows.append(_Row(None, service.Name, 1, shipping.price, cents(shipping.charged), tax, rule))
    for amount, what, name, setting in (
        (order.tip, "a tip", settings.tip_product, "tip_product"),
        (order.duties, "duties", settings.duty_product, "duty_product"),
    ):
        if amount <= 0:
            continue
        service = _service(order, what, name, setting, reference, errors)
        rule = _service_rule(order, [], service, settings, reference, errors)
        if service is not None and rule is not None:
            rows.append(_Row(None, service.Name, 1, cents(amount), cents(amount), Decimal(0), rule))
    # With a row already missing, the totals cannot agree: that cause is reported, not a mismatch.
    rounding = Decimal(0) if errors else _rounding(order, rows, errors)
    email = order.contact_email
    if settings.customer_mode == "default_customer" and not settings.default_customer:
        errors.append(
            HeldError(
                "missing_customer",
                f"Order {order.name}: the store imports to a default customer but none is set.",
                "Set default_customer in the store's settings to an existing Cin7 Core customer.",
            )
        )
    elif not email and not settings.default_customer:
        errors.append(
            HeldError(
                "missing_customer",
                f"Order {order.name} has no customer email and the store has no default customer.",
                "Set a default Cin7 Core customer for the store (settings: default_customer), or add the customer's "
                "email to the order in Shopify.",
            )
        )
    if errors:
        return _dedupe(errors)
    assert location is not None
    lines, charges = _priced(rows, rounding)
    header_rule = next((line.TaxRule for line in lines if line.TaxRule), None) or next(
        (c.TaxRule for c in charges if c.TaxRule), None
    )
    address = order.shipping_address
    header = SaleCreate(
        SkipQuote=True,
        Location=location,
        TaxRule=header_rule,
        TaxInclusive=order.taxes_included,
        CustomerReference=order.name,
        ExternalID=order.id,
        SaleOrderDate=order.created_at[:19],
        Email=email,
        ShippingAddress=SaleAddress(
            Line1=address.address1,
            Line2=address.address2,
            City=address.city,
            State=address.province_code,
            Postcode=address.zip,
            Country=address.country_code,
            Contact=address.name,
            Company=address.company,
            ShipToOther=True,
        )
        if address
        else None,
    )
    name = " ".join(p for p in (order.customer_first_name, order.customer_last_name) if p) or (email or order.name)
    return SalePlan(header=header, lines=lines, charges=charges, email=email, customer_name=name)


@dataclass
class _Row:
    """One Cin7 row to be: a product line, or an additional charge on a service product."""

    product: Product | None  # None: an additional charge on the service product `description`
    description: str | None
    quantity: int
    list_price: Decimal
    target: Decimal  # what the customer paid for it, to the cent (tax included when the shop includes it)
    tax: Decimal
    rule: str


def _rounding(order: ShopifyOrder, rows: list[_Row], errors: list[HeldError]) -> Decimal:
    """Cents by which Shopify's totalPrice differs from the rows: spread over them, or the order is held.

    Only an order whose lines are all still on it is held to totalPrice ("before returns"); a few
    cents are rounding (Shopify rounds per line and per order), anything more is money we cannot place.
    """
    if order.total_price is None or any(line.current_quantity != line.quantity for line in order.lines):
        return Decimal(0)
    computed = expected_cin7_total(
        order, sum((r.target for r in rows), Decimal(0)), sum((r.tax for r in rows), Decimal(0))
    )
    difference = order.total_price - computed
    if abs(difference) <= CENT * max(1, len(rows)):
        return difference
    errors.append(
        HeldError(
            "total_mismatch",
            f"Order {order.name}: Shopify's total is {order.total_price:.2f} but its lines, shipping, tax, tips and "
            f"duties come to {computed:.2f}; {difference:.2f} cannot be placed on a Cin7 Core line.",
            "Look at the order's discounts and charges in Shopify; import it by hand if it is right there.",
        )
    )
    return Decimal(0)


def _priced(rows: list[_Row], rounding: Decimal) -> tuple[list[SaleLine], list[AdditionalCharge]]:
    priced = price_rows([(Decimal(r.quantity), r.list_price, r.target) for r in rows], rounding=rounding)
    lines: list[SaleLine] = []
    charges: list[AdditionalCharge] = []
    for row, money in zip(rows, priced, strict=True):
        if row.product is not None:
            lines.append(
                SaleLine(
                    ProductID=row.product.ID,
                    SKU=row.product.SKU,
                    Name=row.product.Name,
                    Quantity=Decimal(row.quantity),
                    Price=money.price,
                    Discount=money.discount,
                    Tax=row.tax,
                    TaxRule=row.rule,
                    Total=money.total,
                )
            )
        else:
            assert row.description is not None
            charges.append(
                AdditionalCharge(
                    Description=row.description,
                    Price=money.price,
                    Quantity=Decimal(row.quantity),
                    Discount=money.discount,
                    Tax=row.tax,
                    TaxRule=row.rule,
                    Total=money.total,
                )
            )
    return lines, charges


def _service(
    order: ShopifyOrder,
    what: str,
    name: str | None,
    setting: str,
    reference: Cin7Reference,
    errors: list[HeldError],
) -> Product | None:
    """The Cin7 service product a charge goes on (APIB:L29892: a charge's Description names one)."""
    if not name:
        errors.append(
            HeldError(
                "missing_service_product",
                f"Order {order.name} has {what}, and the store names no Cin7 Core service product for it.",
                f"Set {setting} in the store's settings to an active Cin7 Core Service product; the order is "
                "retried by itself.",
            )
        )
        return None
    service = reference.service(name)
    if service is None:
        errors.append(
            HeldError(
                "missing_service_product",
                f"Order {order.name} has {what}, charged on Cin7 Core service product '{name}', which is not an "
                "active Service product.",
                f"Create an active Service product named '{name}' in Cin7 Core (or set {setting} to one); the "
                "order is retried by itself.",
            )
        )
    return service


def _service_rule(
    order: ShopifyOrder,
    tax_lines: list[TaxLine],
    service: Product | None,
    settings: StoreSettings,
    reference: Cin7Reference,
    errors: list[HeldError],
) -> str | None:
    """A taxed charge follows the tax map; an untaxed one (tips, duties, gift cards) its product's rule."""
    if tax_lines or service is None:
        return _tax_rule(order, tax_lines, settings, reference, errors) if tax_lines else None
    if service.SaleTaxRule and service.SaleTaxRule in reference.tax_rules:
        return service.SaleTaxRule
    return _tax_rule(order, [], settings, reference, errors)


def _location(
    order: ShopifyOrder, settings: StoreSettings, reference: Cin7Reference, errors: list[HeldError]
) -> str | None:
    fulfilment = next((fo for fo in order.fulfillment_orders if fo.location_id), None)
    if fulfilment is None or fulfilment.location_id is None:
        errors.append(
            HeldError(
                "unmapped_location",
                f"Order {order.name} has no fulfilment location in Shopify.",
                "Assign the order to a location in Shopify; it is retried by itself.",
            )
        )
        return None
    mapped = settings.location_map.get(fulfilment.location_id)
    if mapped is None:
        errors.append(
            HeldError(
                "unmapped_location",
                f"Order {order.name} ships from Shopify location '{fulfilment.location_name}', which has no Cin7 Core "
                "location.",
                f"Map '{fulfilment.location_name}' to a Cin7 Core location (audit → mapping); the order is retried by "
                "itself.",
            )
        )
        return None
    if mapped not in reference.locations:
        errors.append(
            HeldError(
                "unmapped_location",
                f"Order {order.name} ships from '{fulfilment.location_name}', mapped to Cin7 Core location '{mapped}', "
                "which does not exist or is deprecated.",
                f"Map '{fulfilment.location_name}' to an active Cin7 Core location; the order is retried by itself.",
            )
        )
        return None
    return mapped


def _tax_rule(
    order: ShopifyOrder,
    tax_lines: list[TaxLine],
    settings: StoreSettings,
    reference: Cin7Reference,
    errors: list[HeldError],
) -> str | None:
    keys = [t.key for t in tax_lines] or ["no tax 0%"]
    for key in keys:
        rule = settings.tax_map.get(key)
        if rule is None or rule not in reference.tax_rules:
            what = "has no Cin7 Core tax rule" if rule is None else f"maps to '{rule}', which Cin7 Core does not have"
            errors.append(
                HeldError(
                    "unmapped_tax",
                    f"Order {order.name}: tax line '{key}' {what}.",
                    f"Map '{key}' to a Cin7 Core sale tax rule (audit → mapping); the order is retried by itself.",
                )
            )
            return None
    # Cin7 takes one rule per line: with several Shopify tax lines the first mapped one carries the line.
    return settings.tax_map[keys[0]]


def _dedupe(errors: list[HeldError]) -> list[HeldError]:
    seen: dict[tuple[str, str], HeldError] = {}
    for error in errors:
        seen.setdefault((error.kind, error.message), error)
    return list(seen.values())
