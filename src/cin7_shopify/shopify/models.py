"""Shopify records as the rest of the tool uses them: flat, typed, money as Decimal.

`from_graphql` turns the nested GraphQL shapes (nodes, priceSet.shopMoney.amount, …) into these.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ShopifyModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _amount(money_bag: dict[str, Any] | None) -> Decimal:
    if not money_bag:
        return Decimal(0)
    return Decimal(str((money_bag.get("shopMoney") or {}).get("amount") or "0"))


def _optional_amount(money_bag: dict[str, Any] | None) -> Decimal | None:
    """A money field that may be absent (not asked for, or null in Shopify) stays None."""
    return _amount(money_bag) if money_bag else None


def _discounts(allocations: list[dict[str, Any]] | None) -> list[Discount]:
    return [
        Discount(
            amount=_amount(a.get("allocatedAmountSet")),
            code=(a.get("discountApplication") or {}).get("code"),
        )
        for a in allocations or []
    ]


def _nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not connection:
        return []
    if "nodes" in connection:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection.get("edges", [])]


class ShopInfo(ShopifyModel):
    name: str
    domain: str
    currency: str
    taxes_included: bool
    plan: str = ""
    development_store: bool = False
    scopes: list[str] = Field(default_factory=list)
    timezone: str = ""  # shop.ianaTimezone: the console shows times in the shop's own zone


class Count(ShopifyModel):
    """Shopify's Count: how many, and whether exactly (precision EXACT) or at least that many ("AT_LEAST: The
    count is at least the value. A limit was imposed and reached", admin 2026-10 CountPrecision)."""

    count: int
    exact: bool

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> Count:
        return cls(count=int(node["count"]), exact=node["precision"] == "EXACT")


class StoreCounts(ShopifyModel):
    """How many products, variants and orders a store holds, counted by Shopify in one call."""

    products: Count
    variants: Count
    orders: Count


class ShopifyLocation(ShopifyModel):
    id: str
    name: str
    is_active: bool = True
    fulfills_online_orders: bool = True
    is_fulfillment_service: bool = False
    service_name: str | None = None  # the fulfillment service (a 3PL's app) that runs the location
    # Schema (FulfillmentService.inventoryManagement): "Whether the fulfillment service tracks product
    # inventory and provides updates to Shopify": its app keeps the stock there, not us.
    service_keeps_stock: bool = False

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> ShopifyLocation:
        service = node.get("fulfillmentService") or {}
        return cls(
            id=node["id"],
            name=node["name"],
            is_active=node.get("isActive", True),
            fulfills_online_orders=node.get("fulfillsOnlineOrders", True),
            is_fulfillment_service=node.get("isFulfillmentService", False),
            service_name=service.get("serviceName"),
            service_keeps_stock=bool(service.get("inventoryManagement")),
        )


class StockLevel(ShopifyModel):
    location_id: str
    available: int = 0
    on_hand: int = 0

    @classmethod
    def from_quantities(cls, location_id: str, quantities: list[dict[str, Any]]) -> StockLevel:
        named = {q["name"]: int(q["quantity"]) for q in quantities}
        return cls(
            location_id=location_id,
            available=named.get("available", 0),
            on_hand=named.get("on_hand", 0),
        )


class ShopifyVariant(ShopifyModel):
    id: str
    sku: str | None = None
    barcode: str | None = None
    title: str = ""
    price: Decimal = Decimal(0)
    options: dict[str, str] = Field(default_factory=dict)  # option name → value, when Shopify named them
    option_values: list[str] = Field(default_factory=list)  # values in option order
    inventory_item_id: str
    tracked: bool = True
    product_id: str
    product_title: str = ""
    product_handle: str = ""
    product_status: str = "ACTIVE"
    levels: list[StockLevel] = Field(default_factory=list)

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> ShopifyVariant:
        product = node.get("product") or {}
        item = node.get("inventoryItem") or {}
        selected = node.get("selectedOptions")
        title = node.get("title") or ""
        if selected is not None:
            values = [o["value"] for o in selected if o["value"] != "Default Title"]
        else:
            values = [] if title == "Default Title" else [part.strip() for part in title.split(" / ") if part.strip()]
        return cls(
            id=node["id"],
            sku=node.get("sku"),
            barcode=node.get("barcode"),
            title=node.get("title") or "",
            price=Decimal(str(node.get("price") or "0")),
            options={o["name"]: o["value"] for o in selected or []},
            option_values=values,
            inventory_item_id=item.get("id", ""),
            tracked=bool(item.get("tracked", True)),
            product_id=product.get("id", ""),
            product_title=product.get("title", ""),
            product_handle=product.get("handle", ""),
            product_status=product.get("status", "ACTIVE"),
        )


class TaxLine(ShopifyModel):
    title: str
    rate: float | None = None
    price: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        """How the tax map names this line: "GST 10%"."""
        percent = round((self.rate or 0) * 100, 4)
        return f"{self.title} {percent:g}%"

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> TaxLine:
        return cls(title=node["title"], rate=node.get("rate"), price=_amount(node.get("priceSet")))


class Discount(ShopifyModel):
    """One discount allocated to a line, as the amount over the line's whole quantity."""

    amount: Decimal
    code: str | None = None


class OrderLine(ShopifyModel):
    id: str
    sku: str | None = None
    name: str = ""
    quantity: int
    current_quantity: int
    unit_price: Decimal
    discounted_unit_price: Decimal  # line-level discounts only: Shopify leaves order and code discounts out
    discounts: list[Discount] | None = None  # every discount on the line; None when not read
    is_gift_card: bool = False
    requires_shipping: bool = True
    tax_lines: list[TaxLine] = Field(default_factory=list)
    variant_id: str | None = None

    @property
    def discount_total(self) -> Decimal:
        """Every discount on the line (over its whole quantity), order-level and code ones included."""
        if self.discounts is None:
            return (self.unit_price - self.discounted_unit_price) * self.quantity
        return sum((d.amount for d in self.discounts), Decimal(0))

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> OrderLine:
        return cls(
            id=node["id"],
            sku=node.get("sku"),
            name=node.get("name") or "",
            quantity=node["quantity"],
            current_quantity=node.get("currentQuantity", node["quantity"]),
            unit_price=_amount(node.get("originalUnitPriceSet")),
            discounted_unit_price=_amount(node.get("discountedUnitPriceSet") or node.get("originalUnitPriceSet")),
            discounts=_discounts(node["discountAllocations"]) if "discountAllocations" in node else None,
            is_gift_card=bool(node.get("isGiftCard")),
            requires_shipping=bool(node.get("requiresShipping", True)),
            tax_lines=[TaxLine.from_graphql(t) for t in node.get("taxLines") or []],
            variant_id=(node.get("variant") or {}).get("id"),
        )


class ShippingCharge(ShopifyModel):
    title: str
    price: Decimal
    discounted_price: Decimal | None = None  # after shipping discounts (a free-shipping code makes it 0)
    discounts: list[Discount] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(default_factory=list)

    @property
    def charged(self) -> Decimal:
        return self.price if self.discounted_price is None else self.discounted_price


class RefundLine(ShopifyModel):
    line_item_id: str | None
    quantity: int
    restock_type: str


class Refund(ShopifyModel):
    id: str
    created_at: str | None = None
    lines: list[RefundLine] = Field(default_factory=list)
    shipping: Decimal = Decimal(0)  # shipping refunded, before tax
    shipping_tax: Decimal = Decimal(0)


class FulfillmentOrderLine(ShopifyModel):
    id: str
    sku: str | None = None
    line_item_id: str
    remaining_quantity: int
    total_quantity: int


class FulfillmentOrder(ShopifyModel):
    id: str
    status: str
    location_id: str | None = None
    location_name: str = ""
    # Assigned to a fulfillment service (a 3PL's app): only that app creates its fulfilments.
    fulfillment_service: bool = False
    lines: list[FulfillmentOrderLine] = Field(default_factory=list)

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> FulfillmentOrder:
        assigned = node.get("assignedLocation") or {}
        return cls(
            id=node["id"],
            status=node["status"],
            location_id=(assigned.get("location") or {}).get("id"),
            location_name=assigned.get("name") or "",
            fulfillment_service=bool((assigned.get("location") or {}).get("isFulfillmentService")),
            lines=[
                FulfillmentOrderLine(
                    id=n["id"],
                    sku=n.get("sku"),
                    line_item_id=n["lineItem"]["id"],
                    remaining_quantity=n["remainingQuantity"],
                    total_quantity=n["totalQuantity"],
                )
                for n in _nodes(node.get("lineItems"))
            ],
        )


class SentFulfilment(ShopifyModel):
    id: str
    numbers: list[str] = Field(default_factory=list)


class FulfilmentState(ShopifyModel):
    """What Shopify holds of an order's fulfilment: the open work and the fulfilments made."""

    fulfillment_orders: list[FulfillmentOrder] = Field(default_factory=list)
    fulfillments: list[SentFulfilment] = Field(default_factory=list)

    @property
    def numbers(self) -> list[str]:
        return [number for fulfilment in self.fulfillments for number in fulfilment.numbers]


class Address(ShopifyModel):
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    country_code: str | None = None
    zip: str | None = None
    phone: str | None = None


class ShopifyOrder(ShopifyModel):
    id: str
    name: str
    created_at: str
    processed_at: str | None = None
    updated_at: str
    cancelled_at: str | None = None
    cancel_reason: str | None = None
    test: bool = False
    tags: list[str] = Field(default_factory=list)
    email: str | None = None
    currency: str = ""
    taxes_included: bool = False
    financial_status: str | None = None
    fulfillment_status: str = ""
    customer_id: str | None = None
    customer_first_name: str | None = None
    customer_last_name: str | None = None
    customer_email: str | None = None
    shipping_address: Address | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    lines_truncated: bool = False  # more lines than the first page: read the rest before using the order
    lines_cursor: str | None = None
    shipping: list[ShippingCharge] = Field(default_factory=list)
    # What the customer paid (Shopify's totalPriceSet) and its parts; None where not read.
    total_price: Decimal | None = None
    subtotal_price: Decimal | None = None
    total_tax: Decimal | None = None
    total_discounts: Decimal | None = None
    total_shipping: Decimal | None = None
    tip: Decimal = Decimal(0)
    duties: Decimal = Decimal(0)
    discount_codes: list[str] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    fulfillment_orders: list[FulfillmentOrder] = Field(default_factory=list)

    @property
    def contact_email(self) -> str | None:
        return self.customer_email or self.email

    @classmethod
    def from_graphql(cls, node: dict[str, Any]) -> ShopifyOrder:
        customer = node.get("customer") or {}
        address = node.get("shippingAddress")
        line_items = node.get("lineItems") or {}
        return cls(
            id=node["id"],
            name=node["name"],
            created_at=node["createdAt"],
            processed_at=node.get("processedAt"),
            updated_at=node.get("updatedAt") or node["createdAt"],
            cancelled_at=node.get("cancelledAt"),
            cancel_reason=node.get("cancelReason"),
            test=bool(node.get("test")),
            tags=node.get("tags") or [],
            email=node.get("email"),
            currency=node.get("currencyCode") or "",
            taxes_included=bool(node.get("taxesIncluded")),
            financial_status=node.get("displayFinancialStatus"),
            fulfillment_status=node.get("displayFulfillmentStatus") or "",
            customer_id=customer.get("id"),
            customer_first_name=customer.get("firstName"),
            customer_last_name=customer.get("lastName"),
            customer_email=(customer.get("defaultEmailAddress") or {}).get("emailAddress"),
            shipping_address=Address(
                name=address.get("name"),
                company=address.get("company"),
                address1=address.get("address1"),
                address2=address.get("address2"),
                city=address.get("city"),
                province_code=address.get("provinceCode"),
                country_code=address.get("countryCodeV2"),
                zip=address.get("zip"),
                phone=address.get("phone"),
            )
            if address
            else None,
            lines=[OrderLine.from_graphql(n) for n in _nodes(line_items)],
            lines_truncated=bool((line_items.get("pageInfo") or {}).get("hasNextPage")),
            lines_cursor=(line_items.get("pageInfo") or {}).get("endCursor"),
            shipping=[
                ShippingCharge(
                    title=s["title"],
                    price=_amount(s.get("originalPriceSet")),
                    discounted_price=_optional_amount(s.get("discountedPriceSet")),
                    discounts=_discounts(s.get("discountAllocations")),
                    tax_lines=[TaxLine.from_graphql(t) for t in s.get("taxLines") or []],
                )
                for s in _nodes(node.get("shippingLines"))
            ],
            total_price=_optional_amount(node.get("totalPriceSet")),
            subtotal_price=_optional_amount(node.get("subtotalPriceSet")),
            total_tax=_optional_amount(node.get("totalTaxSet")),
            total_discounts=_optional_amount(node.get("totalDiscountsSet")),
            total_shipping=_optional_amount(node.get("totalShippingPriceSet")),
            tip=_amount(node.get("totalTipReceivedSet")),
            duties=_amount(node.get("originalTotalDutiesSet")),
            discount_codes=list(node.get("discountCodes") or []),
            refunds=[
                Refund(
                    id=r["id"],
                    created_at=r.get("createdAt"),
                    lines=[
                        RefundLine(
                            line_item_id=(x.get("lineItem") or {}).get("id"),
                            quantity=x["quantity"],
                            restock_type=x["restockType"],
                        )
                        for x in _nodes(r.get("refundLineItems"))
                    ],
                    shipping=sum(
                        (_amount(x.get("subtotalAmountSet")) for x in _nodes(r.get("refundShippingLines"))),
                        Decimal(0),
                    ),
                    shipping_tax=sum(
                        (_amount(x.get("taxAmountSet")) for x in _nodes(r.get("refundShippingLines"))),
                        Decimal(0),
                    ),
                )
                for r in node.get("refunds") or []
            ],
            fulfillment_orders=[FulfillmentOrder.from_graphql(f) for f in _nodes(node.get("fulfillmentOrders"))],
        )


class StockSet(ShopifyModel):
    """One absolute stock value to write, with the value we read (compare-and-set)."""

    inventory_item_id: str
    location_id: str
    quantity: int
    change_from: int | None


class StockConflict(ShopifyModel):
    inventory_item_id: str | None
    location_id: str | None
    code: str | None
    message: str


class SetStockResult(ShopifyModel):
    applied: list[StockSet] = Field(default_factory=list)
    conflicts: list[StockConflict] = Field(default_factory=list)
    calls: int = 0
