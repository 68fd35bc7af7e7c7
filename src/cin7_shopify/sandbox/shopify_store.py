"""The data of one sandboxed Shopify store, seeded from a scenario's shopify.json.

Records are shaped like the GraphQL types (camelCase, gid ids, nested objects), so graphql-core's
default resolver serves them; connections are plain lists paged by the server.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from cin7_shopify.sandbox.records import copied_except, json_copy, owned
from cin7_shopify.sandbox.shopify_query import parse_search


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Any, currency: str) -> dict[str, Any]:
    value = f"{Decimal(str(amount or 0)):.2f}"
    return {
        "shopMoney": {"amount": value, "currencyCode": currency},
        "presentmentMoney": {"amount": value, "currencyCode": currency},
    }


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value or 0))


# The order's money as a scenario writes it (SCENARIO.md) → the MoneyBag field Shopify serves it as.
ORDER_MONEY = {
    "totalPrice": "totalPriceSet",
    "subtotalPrice": "subtotalPriceSet",
    "totalTax": "totalTaxSet",
    "totalDiscounts": "totalDiscountsSet",
    "totalShippingPrice": "totalShippingPriceSet",
    "totalTipReceived": "totalTipReceivedSet",
    "totalDuties": "originalTotalDutiesSet",
}


def _allocations(given: list[dict[str, Any]] | None, derived: Decimal, currency: str) -> list[dict[str, Any]]:
    """DiscountAllocation records: as the scenario wrote them, else the one line-level discount implied.

    Shopify's discountAllocations hold every discount on a line, order-level and code ones included
    (schema: LineItem.discountAllocations), each as the amount over the line's whole quantity.
    """
    if given is None:
        given = [{"amount": str(derived)}] if derived > 0 else []
    records = []
    for index, allocation in enumerate(given):
        code = allocation.get("code")
        application: dict[str, Any] = (
            {"__typename": "DiscountCodeApplication", "code": code, "index": index}
            if code
            else {
                "__typename": "ManualDiscountApplication",
                "title": allocation.get("title") or "Discount",
                "index": index,
            }
        )
        records.append(
            {"allocatedAmountSet": _money(allocation["amount"], currency), "discountApplication": application}
        )
    return records


def _allocated(records: list[dict[str, Any]]) -> Decimal:
    return sum((_decimal(a["allocatedAmountSet"]["shopMoney"]["amount"]) for a in records), Decimal(0))


class ShopifyStore:
    """Shop, locations, variants with stock per item × location, orders with fulfillment orders."""

    def __init__(self, shopify: dict[str, Any], *, hand_over: bool = False) -> None:
        self._ids = itertools.count(900_000)
        # Products are rebuilt record by record below (their nested values copied), so not copied first.
        self._load(copied_except(shopify, {"products"}, hand_over=hand_over))

    def _load(self, data: dict[str, Any]) -> None:
        shop = data["shop"]
        currency = shop.get("currencyCode", "USD")
        self.currency = currency
        self.shop = {
            "id": "gid://shopify/Shop/1",
            "ianaTimezone": "Australia/Sydney",
            "plan": {"publicDisplayName": "Basic", "partnerDevelopment": True, "shopifyPlus": False},
            "currencyCode": currency,
            "taxesIncluded": False,
            **shop,
        }
        self.locations: list[dict[str, Any]] = []
        for loc in data.get("locations", []):
            self.locations.append(
                {
                    "isActive": True,
                    "fulfillsOnlineOrders": True,
                    "isFulfillmentService": False,
                    "shipsInventory": True,
                    "address": loc.get("address") or {"countryCode": "AU"},
                    **loc,
                    "inventoryLevels": [],
                }
            )
        self.locations_by_id = {loc["id"]: loc for loc in self.locations}
        self.variants: list[dict[str, Any]] = []
        # Every product, those with no variant too: productsCount counts products, not their variants.
        self.products: list[dict[str, Any]] = []
        self.items_by_id: dict[str, dict[str, Any]] = {}
        self.levels: dict[tuple[str, str], dict[str, Any]] = {}
        for product in data.pop("products", []):
            product_record = {
                "handle": re.sub(r"[^a-z0-9]+", "-", product["title"].lower()).strip("-"),
                "status": "ACTIVE",
                **owned({k: v for k, v in product.items() if k != "variants"}),
            }
            self.products.append(product_record)
            for variant in product.get("variants", []):
                item = {
                    "sku": variant.get("sku"),
                    "tracked": True,
                    **owned(variant["inventoryItem"]),
                    "inventoryLevels": [],
                }
                record = {
                    "title": " / ".join(o["value"] for o in variant.get("selectedOptions", [])) or "Default Title",
                    "barcode": None,
                    "price": "0.00",
                    "selectedOptions": [],
                    **owned({k: v for k, v in variant.items() if k not in {"inventoryItem", "inventoryLevels"}}),
                    "product": product_record,
                    "inventoryItem": item,
                }
                item["variant"] = record
                self.items_by_id[item["id"]] = item
                self.variants.append(record)
                for level in variant.get("inventoryLevels", []):
                    available = int(level.get("available", 0))
                    on_hand = int(level.get("onHand", available) if level.get("onHand") is not None else available)
                    self._add_level(
                        item,
                        self.locations_by_id[level["locationId"]],
                        {
                            "available": available,
                            "on_hand": on_hand,
                            "committed": max(0, on_hand - available),
                            "incoming": 0,
                            "reserved": 0,
                        },
                    )
        self.variants_by_id = {v["id"]: v for v in self.variants}
        self.orders: list[dict[str, Any]] = []
        self.adjustments: list[dict[str, Any]] = []  # stock changed by hand in the admin (`adjust_by_hand`)
        for order in data.get("orders", []):
            self.orders.append(self._order_record(order))
        self.orders_by_id = {o["id"]: o for o in self.orders}

    def _add_level(self, item: dict[str, Any], location: dict[str, Any], quantities: dict[str, int]) -> None:
        level_id = f"gid://shopify/InventoryLevel/{next(self._ids)}?inventory_item_id={item['id'].rsplit('/', 1)[-1]}"
        level = {"id": level_id, "item": item, "location": location, "_quantities": quantities}
        self.levels[(item["id"], location["id"])] = level
        item["inventoryLevels"].append(level)
        location["inventoryLevels"].append(level)

    def _order_record(self, order: dict[str, Any]) -> dict[str, Any]:
        currency = order.get("currencyCode", self.currency)

        def tax_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                {
                    "title": t["title"],
                    "rate": t.get("rate"),
                    "priceSet": _money(t.get("price"), currency),
                }
                for t in lines
            ]

        line_items = []
        for line in order.get("lineItems", []):
            variant = self.variants_by_id.get(line.get("variantId") or "")
            original = line.get("originalUnitPrice", "0")
            discounted = line.get("discountedUnitPrice") or original
            # discountedUnitPrice carries only line-level discounts (schema: LineItem.discountedUnitPriceSet).
            line_off = (_decimal(original) - _decimal(discounted)) * int(line["quantity"])
            line_items.append(
                {
                    "id": line["id"],
                    "sku": line.get("sku"),
                    "name": line.get("name")
                    or (
                        (
                            variant["product"]["title"]
                            if variant["title"] == "Default Title"
                            else f"{variant['product']['title']} - {variant['title']}"
                        )
                        if variant
                        else line.get("sku") or "Item"
                    ),
                    "quantity": line["quantity"],
                    "currentQuantity": line.get("currentQuantity", line["quantity"]),
                    "originalUnitPriceSet": _money(original, currency),
                    "discountedUnitPriceSet": _money(discounted, currency),
                    "discountAllocations": _allocations(line.get("discountAllocations"), line_off, currency),
                    "isGiftCard": bool(line.get("isGiftCard", False)),
                    # A gift card is not shipped; everything else in these scenarios is.
                    "requiresShipping": line.get("requiresShipping", not line.get("isGiftCard", False)),
                    "taxLines": tax_lines(line.get("taxLines", [])),
                    "variant": variant,
                }
            )
        shipping_lines = []
        for shipping in order.get("shippingLines", []):
            price = _decimal(shipping.get("price"))
            given = shipping.get("discountAllocations")
            if shipping.get("discountedPrice") is not None:
                discounted_shipping = _decimal(shipping["discountedPrice"])
            else:
                discounted_shipping = price - sum((_decimal(a["amount"]) for a in given or []), Decimal(0))
            shipping_lines.append(
                {
                    "title": shipping["title"],
                    "originalPriceSet": _money(price, currency),
                    # A free-shipping code leaves the price at 0 here (schema: ShippingLine.discountedPriceSet).
                    "discountedPriceSet": _money(discounted_shipping, currency),
                    "discountAllocations": _allocations(given, price - discounted_shipping, currency),
                    "taxLines": tax_lines(shipping.get("taxLines", [])),
                }
            )
        customer = order.get("customer")
        if customer:
            customer = {
                "firstName": None,
                "lastName": None,
                **customer,
                "defaultEmailAddress": {"emailAddress": customer["email"]} if customer.get("email") else None,
            }
        location = self.locations_by_id.get(order.get("fulfillmentLocationId") or "") or (
            self.locations[0] if self.locations else None
        )
        record: dict[str, Any] = {
            "processedAt": order["createdAt"],
            "updatedAt": order.get("processedAt") or order["createdAt"],
            "cancelledAt": None,
            "cancelReason": None,
            "test": False,
            "tags": [],
            "email": None,
            "taxesIncluded": self.shop["taxesIncluded"],
            "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "UNFULFILLED",
            "shippingAddress": None,
            "refunds": [],
            **{
                k: v
                for k, v in order.items()
                if k
                not in {
                    "lineItems",
                    "shippingLines",
                    "customer",
                    "fulfillmentLocationId",
                    "refunds",
                    *ORDER_MONEY,
                }
            },
            "currencyCode": currency,
            "customer": customer,
            "lineItems": line_items,
            "shippingLines": shipping_lines,
            "fulfillments": [],
        }
        record.update(self._order_money(order, record, currency))
        address = order.get("shippingAddress")
        if address:
            # Scenarios write countryCode (as webhooks and REST do); GraphQL serves it as countryCodeV2.
            record["shippingAddress"] = {"countryCodeV2": address.get("countryCode"), **address}
        record["refunds"] = [self._refund_record(r, record) for r in order.get("refunds", [])]
        closed = record["displayFulfillmentStatus"] == "FULFILLED" or record["cancelledAt"]
        fo_lines = [
            {
                "id": f"gid://shopify/FulfillmentOrderLineItem/{next(self._ids)}",
                "sku": li["sku"],
                "lineItem": li,
                "totalQuantity": li["quantity"],
                "remainingQuantity": 0 if closed else li["currentQuantity"],
            }
            for li in line_items
            if li["requiresShipping"]  # a gift card is fulfilled when bought: nothing for a location to ship
        ]
        record["fulfillmentOrders"] = (
            [
                {
                    "id": f"gid://shopify/FulfillmentOrder/{next(self._ids)}",
                    "status": "CANCELLED" if record["cancelledAt"] else ("CLOSED" if closed else "OPEN"),
                    "assignedLocation": {
                        "name": location["name"] if location else "",
                        "location": location,
                        "countryCode": "AU",
                    },
                    "lineItems": fo_lines,
                    "order": record,
                }
            ]
            if fo_lines
            else []
        )
        return record

    def _order_money(self, order: dict[str, Any], record: dict[str, Any], currency: str) -> dict[str, Any]:
        """The order's figures as the scenario gives them, else derived from its lines as Shopify does.

        Schema: subtotalPriceSet is the lines after every discount (tax included when taxesIncluded);
        totalPriceSet adds shipping after discounts, tax when it is not included, tips and duties.
        """
        lines = record["lineItems"]
        shipping = record["shippingLines"]
        subtotal = sum(
            (
                _decimal(li["originalUnitPriceSet"]["shopMoney"]["amount"]) * li["quantity"]
                - _allocated(li["discountAllocations"])
                for li in lines
            ),
            Decimal(0),
        )
        shipping_total = sum((_decimal(s["discountedPriceSet"]["shopMoney"]["amount"]) for s in shipping), Decimal(0))
        tax = sum(
            (_decimal(t["priceSet"]["shopMoney"]["amount"]) for item in [*lines, *shipping] for t in item["taxLines"]),
            Decimal(0),
        )
        discounts = sum((_allocated(item["discountAllocations"]) for item in [*lines, *shipping]), Decimal(0))
        tip = _decimal(order.get("totalTipReceived"))
        duties = _decimal(order.get("totalDuties"))
        derived = {
            "subtotalPrice": subtotal,
            "totalShippingPrice": shipping_total,
            "totalTax": tax,
            "totalDiscounts": discounts,
            "totalTipReceived": tip,
            "totalDuties": duties,
            "totalPrice": subtotal + shipping_total + (0 if record["taxesIncluded"] else tax) + tip + duties,
        }
        money: dict[str, Any] = {
            field: _money(order[name] if order.get(name) is not None else derived[name], currency)
            for name, field in ORDER_MONEY.items()
        }
        if order.get("totalDuties") is None:
            money["originalTotalDutiesSet"] = None  # Shopify: null when the order has no duties
        money["currentTotalDutiesSet"] = money["originalTotalDutiesSet"]
        codes = order.get("discountCodes") or [
            a["discountApplication"]["code"]
            for item in [*lines, *shipping]
            for a in item["discountAllocations"]
            if a["discountApplication"].get("code")
        ]
        money["discountCodes"] = list(dict.fromkeys(codes))
        return money

    def _refund_record(self, refund: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
        by_id = {li["id"]: li for li in order["lineItems"]}
        return {
            "id": refund.get("id") or f"gid://shopify/Refund/{next(self._ids)}",
            "createdAt": refund.get("createdAt", order["updatedAt"]),
            "refundLineItems": [
                {
                    "quantity": r["quantity"],
                    "restockType": r.get("restockType", "NO_RESTOCK"),
                    "lineItem": by_id.get(r.get("lineItemId", "")),
                }
                for r in refund.get("refundLineItems", [])
            ],
            "refundShippingLines": [
                {
                    "subtotalAmountSet": _money(r.get("subtotal") or 0, self.currency),
                    "taxAmountSet": _money(r.get("tax") or 0, self.currency),
                }
                for r in refund.get("refundShippingLines", [])
            ],
        }

    def _matching_orders(self, search: str | None) -> list[dict[str, Any]]:
        matches = parse_search(
            search,
            {
                "updated_at": lambda o: o["updatedAt"],
                "created_at": lambda o: o["createdAt"],
                "processed_at": lambda o: o["processedAt"],
                "name": lambda o: o["name"],
                "financial_status": lambda o: (o.get("displayFinancialStatus") or "").lower(),
                "fulfillment_status": lambda o: (o.get("displayFulfillmentStatus") or "").lower(),
                "test": lambda o: o["test"],
                # `tag:x` matches an order with x among its tags (shopify.dev "Search syntax"), not the list.
                "tag": lambda o: list(o.get("tags", [])),
                "email": lambda o: o.get("email"),
                "id": lambda o: o["id"].rsplit("/", 1)[-1],
            },
        )
        return [o for o in self.orders if matches(o)]

    # -- what a merchant does in the Shopify admin (tests and the pilot drive these) ---------

    def add_order(self, order: dict[str, Any]) -> dict[str, Any]:
        """A new order, in the scenario's shopify.json shape."""
        record = self._order_record({"updatedAt": order.get("createdAt"), **json_copy(order)})
        self.orders.append(record)
        self.orders_by_id[record["id"]] = record
        return record

    def update_order(self, order_id: str, **fields: Any) -> dict[str, Any]:
        order = self.orders_by_id[order_id]
        order.update(fields)
        order["updatedAt"] = _later_than(order["updatedAt"])
        return order

    def cancel_order(self, order_id: str, reason: str = "CUSTOMER") -> dict[str, Any]:
        order = self.update_order(order_id, cancelReason=reason)
        order["cancelledAt"] = order["updatedAt"]
        for fulfillment_order in order["fulfillmentOrders"]:
            if fulfillment_order["status"] in {"OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD"}:
                fulfillment_order["status"] = "CANCELLED"
        return order

    def adjust_by_hand(
        self, sku: str, location_id: str, delta: int, *, reason: str = "correction", staff: str = "Store staff"
    ) -> dict[str, Any]:
        """Someone adjusts stock in the Shopify admin (Products → Inventory → Available → Adjust by), not our
        app: Available and On hand move by `delta` together, as the admin's "Adjust by" does (the schema's
        inventoryAdjustQuantities: "modifies the quantity by a delta value rather than setting an absolute
        amount", "with a reason code"; `reason` one of its reasons).
        Shopify keeps this in the item's adjustment history, which the Admin API does not serve: the
        sync can only see that the figure moved."""
        (variant,) = [v for v in self.variants if v.get("sku") == sku]
        level = self.levels[(variant["inventoryItem"]["id"], location_id)]
        quantities = level["_quantities"]
        quantities["available"] = quantities.get("available", 0) + delta
        quantities["on_hand"] = quantities.get("on_hand", 0) + delta
        record = {"sku": sku, "location_id": location_id, "delta": delta, "reason": reason, "staff": staff}
        record["createdAt"] = _now_iso()
        self.adjustments.append(record)
        return record

    def refund(
        self,
        order_id: str,
        lines: list[tuple[str, int]],
        *,
        restock_type: str = "RETURN",
        shipping: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """Refund (line item id, quantity) pairs of an order, and shipping as (subtotal, tax)."""
        order = self.orders_by_id[order_id]
        refund = self._refund_record(
            {
                "refundLineItems": [
                    {"lineItemId": lid, "quantity": qty, "restockType": restock_type} for lid, qty in lines
                ],
                "refundShippingLines": [{"subtotal": shipping[0], "tax": shipping[1]}] if shipping else [],
            },
            order,
        )
        order["refunds"].append(refund)
        self.update_order(order_id, displayFinancialStatus="PARTIALLY_REFUNDED")
        return refund


def _later_than(timestamp: str) -> str:
    """Now, or a second after `timestamp` if that is later (scenario dates may be in the future)."""
    now = datetime.now(UTC)
    then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return max(now, then + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
