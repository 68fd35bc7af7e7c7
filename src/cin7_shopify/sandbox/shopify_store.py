"""The data of one sandboxed Shopify store, seeded from a scenario's shopify.json.

Records are shaped like the GraphQL types (camelCase, gid ids, nested objects), so graphql-core's
default resolver serves them; connections are plain lists paged by the server.
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from cin7_shopify.sandbox.shopify_query import parse_search


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Any, currency: str) -> dict[str, Any]:
    value = f"{float(amount or 0):.2f}"
    return {
        "shopMoney": {"amount": value, "currencyCode": currency},
        "presentmentMoney": {"amount": value, "currencyCode": currency},
    }


class ShopifyStore:
    """Shop, locations, variants with stock per item × location, orders with fulfillment orders."""

    def __init__(self, shopify: dict[str, Any]) -> None:
        self._ids = itertools.count(900_000)
        self._load(copy.deepcopy(shopify))

    def _load(self, data: dict[str, Any]) -> None:
        shop = data["shop"]
        currency = shop.get("currencyCode", "USD")
        self.currency = currency
        self.shop = {
            "id": "gid://shopify/Shop/1",
            "ianaTimezone": "Australia/Sydney",
            "plan": {"displayName": "Basic", "partnerDevelopment": True, "shopifyPlus": False},
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
        self.items_by_id: dict[str, dict[str, Any]] = {}
        self.levels: dict[tuple[str, str], dict[str, Any]] = {}
        for product in data.get("products", []):
            product_record = {
                "handle": re.sub(r"[^a-z0-9]+", "-", product["title"].lower()).strip("-"),
                "status": "ACTIVE",
                **{k: v for k, v in product.items() if k != "variants"},
            }
            for variant in product.get("variants", []):
                item = {
                    "sku": variant.get("sku"),
                    "tracked": True,
                    **variant["inventoryItem"],
                    "inventoryLevels": [],
                }
                record = {
                    "title": " / ".join(o["value"] for o in variant.get("selectedOptions", [])) or "Default Title",
                    "barcode": None,
                    "price": "0.00",
                    "selectedOptions": [],
                    **{k: v for k, v in variant.items() if k not in {"inventoryItem", "inventoryLevels"}},
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
                    "discountedUnitPriceSet": _money(line.get("discountedUnitPrice") or original, currency),
                    "taxLines": tax_lines(line.get("taxLines", [])),
                    "variant": variant,
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
                }
            },
            "currencyCode": currency,
            "customer": customer,
            "lineItems": line_items,
            "shippingLines": [
                {
                    "title": s["title"],
                    "originalPriceSet": _money(s.get("price"), currency),
                    "taxLines": tax_lines(s.get("taxLines", [])),
                }
                for s in order.get("shippingLines", [])
            ],
            "fulfillments": [],
        }
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
            if line_items
            else []
        )
        return record

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
                "tag": lambda o: " ".join(o.get("tags", [])),
                "email": lambda o: o.get("email"),
                "id": lambda o: o["id"].rsplit("/", 1)[-1],
            },
        )
        return [o for o in self.orders if matches(o)]

    # -- what a merchant does in the Shopify admin (tests and the pilot drive these) ---------

    def add_order(self, order: dict[str, Any]) -> dict[str, Any]:
        """A new order, in the scenario's shopify.json shape."""
        record = self._order_record({"updatedAt": order.get("createdAt"), **copy.deepcopy(order)})
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

    def refund(self, order_id: str, lines: list[tuple[str, int]], *, restock_type: str = "RETURN") -> dict[str, Any]:
        """Refund (line item id, quantity) pairs of an order."""
        order = self.orders_by_id[order_id]
        refund = self._refund_record(
            {
                "refundLineItems": [
                    {"lineItemId": lid, "quantity": qty, "restockType": restock_type} for lid, qty in lines
                ]
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
