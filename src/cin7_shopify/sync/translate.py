"""From a Shopify order to a Cin7 Core sale: pure decisions, no I/O.

Which orders to import (trigger, go-live, test orders, excluded tags), and how: location from the
mapped fulfilment location, tax rule from the tax map, lines priced as Shopify charged them with the
discount kept, shipping as an additional charge. An order that cannot be imported gets one error per
cause, in the merchant's words with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from cin7_shopify.cin7.models import AdditionalCharge, Product, SaleAddress, SaleCreate, SaleLine, TaxRule
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.models import ShopifyOrder, TaxLine

CENT = Decimal("0.01")
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
    location = _location(order, settings, reference, errors)
    lines: list[SaleLine] = []
    for line in order.lines:
        if line.current_quantity <= 0:
            continue  # removed by an edit or refunded before import
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
        rule = _tax_rule(order, line.tax_lines, settings, reference, errors)
        if rule is None:
            continue
        lines.append(
            _sale_line(
                line.current_quantity, line.unit_price, line.discounted_unit_price, line.tax_lines, product, rule
            )
        )
    charges = []
    for shipping in order.shipping:
        if shipping.price <= 0:
            continue
        rule = _tax_rule(order, shipping.tax_lines, settings, reference, errors)
        if rule is None:
            continue
        tax = sum((t.price for t in shipping.tax_lines), Decimal(0))
        charges.append(
            AdditionalCharge(
                Description=settings.shipping_product,
                Price=shipping.price,
                Quantity=Decimal(1),
                Tax=tax,
                TaxRule=rule,
                Total=shipping.price,
            )
        )
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


def _sale_line(
    quantity: int, unit_price: Decimal, charged: Decimal, tax_lines: list[TaxLine], product: Product, rule: str
) -> SaleLine:
    """Priced as Shopify charged it; the discount is kept as Cin7's Discount % when that reproduces the total."""
    total = (charged * quantity).quantize(CENT, ROUND_HALF_UP)
    tax = sum((t.price for t in tax_lines), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    price, discount = unit_price, Decimal(0)
    if unit_price > 0 and charged < unit_price:
        discount = ((1 - charged / unit_price) * 100).quantize(CENT, ROUND_HALF_UP)
        cin7_total = (unit_price * quantity * (1 - discount / 100)).quantize(CENT, ROUND_HALF_UP)
        if abs(cin7_total - total) > CENT:
            price, discount = charged, Decimal(0)  # a discount % cannot say it exactly: charge the net price
        else:
            total = cin7_total
    elif charged != unit_price:
        price = charged
    return SaleLine(
        ProductID=product.ID,
        SKU=product.SKU,
        Name=product.Name,
        Quantity=Decimal(quantity),
        Price=price,
        Discount=discount,
        Tax=tax,
        TaxRule=rule,
        Total=total,
    )


def _dedupe(errors: list[HeldError]) -> list[HeldError]:
    seen: dict[tuple[str, str], HeldError] = {}
    for error in errors:
        seen.setdefault((error.kind, error.message), error)
    return list(seen.values())
