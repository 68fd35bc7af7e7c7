"""A faithful local emulator of the Shopify Admin GraphQL API (ASGI), seeded from shopify.json.

It executes real GraphQL with graphql-core against `shopify_schema.graphql`, a strict subset of
Shopify's 2026-10 schema, and reproduces what our clients must cope with: the 401 body for a bad
token, the client-credentials grant with expiring tokens, the leaky-bucket cost model with
`extensions.cost.throttleStatus`, THROTTLED inside an HTTP 200, the 1000-point single-query
limit, the 250-item input cap, cursors, the search filters we use, per item × location stock with
compare-and-set (`changeFromQuantity`) and mandatory idempotency keys, fulfillment orders and
fulfillmentCreate, and bulk operations that write JSONL with `__parentId` children.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import secrets
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    get_named_type,
    parse,
    validate,
    value_from_ast,
)
from graphql.execution.values import get_directive_values
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.sandbox.faults import Faults
from cin7_shopify.sandbox.shopify_query import (
    MAX_PAGE_SIZE,
    actual_cost,
    MAX_QUERY_COST,
    decode_cursor,
    encode_cursor,
    parse_search,
    requested_cost,
)

SANDBOX_SHOPIFY_TOKEN = "shpat_sandbox_demo_token"
SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
SANDBOX_SCOPES = (
    "read_products,read_inventory,write_inventory,read_locations,read_orders,read_all_orders,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders,read_customers"
)
INVALID_TOKEN_BODY = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
VALID_REASONS = {"correction", "cycle_count_available", "damaged", "movement_created", "movement_updated",
                 "movement_received", "movement_canceled", "other", "promotion", "quality_control", "received",
                 "reservation_created", "reservation_deleted", "reservation_updated", "restock", "safety_stock",
                 "shrinkage"}
_VERSION = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
_IDEMPOTENT_FIELDS = {"inventorySetQuantities"}


def load_sdl() -> str:
    return resources.files("cin7_shopify.sandbox").joinpath("shopify_schema.graphql").read_text()


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Any, currency: str) -> dict[str, Any]:
    value = f"{float(amount or 0):.2f}"
    return {"shopMoney": {"amount": value, "currencyCode": currency},
            "presentmentMoney": {"amount": value, "currencyCode": currency}}


class ShopifySandbox:
    """One Shopify store plus the API's rules."""

    def __init__(
        self,
        shopify: dict[str, Any],
        *,
        clock: Clock | None = None,
        tokens: set[str] | None = None,
        maximum_available: float = 2000.0,
        restore_rate: float = 100.0,
        faults: Faults | None = None,
        token_lifetime_seconds: int = 86399,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.faults = faults or Faults()
        self.tokens: dict[str, float | None] = {t: None for t in (tokens or {SANDBOX_SHOPIFY_TOKEN})}
        self.clients = {SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET}
        self.token_lifetime_seconds = token_lifetime_seconds
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self._available = maximum_available
        self._bucket_time = self.clock.now()
        self.throttle_as_429 = False
        self.schema: GraphQLSchema = build_schema(load_sdl())
        self._wire_resolvers()
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.bulk_operations: dict[str, dict[str, Any]] = {}
        self.bulk_results: dict[str, str] = {}
        self.request_log: list[dict[str, Any]] = []
        self._ids = itertools.count(900_000)
        self._load(copy.deepcopy(shopify))

    # -- seeding ------------------------------------------------------------------------

    def _load(self, data: dict[str, Any]) -> None:
        shop = data["shop"]
        currency = shop.get("currencyCode", "USD")
        self.currency = currency
        self.shop = {"id": "gid://shopify/Shop/1", "ianaTimezone": "Australia/Sydney",
                     "plan": {"displayName": "Basic", "partnerDevelopment": True, "shopifyPlus": False},
                     "currencyCode": currency, "taxesIncluded": False, **shop}
        self.locations: list[dict[str, Any]] = []
        for loc in data.get("locations", []):
            self.locations.append({"isActive": True, "fulfillsOnlineOrders": True, "isFulfillmentService": False,
                                   "shipsInventory": True, "address": loc.get("address") or {"countryCode": "AU"},
                                   **loc, "inventoryLevels": []})
        self.locations_by_id = {loc["id"]: loc for loc in self.locations}
        self.variants: list[dict[str, Any]] = []
        self.items_by_id: dict[str, dict[str, Any]] = {}
        self.levels: dict[tuple[str, str], dict[str, Any]] = {}
        for product in data.get("products", []):
            product_record = {"handle": re.sub(r"[^a-z0-9]+", "-", product["title"].lower()).strip("-"),
                              "status": "ACTIVE", **{k: v for k, v in product.items() if k != "variants"}}
            for variant in product.get("variants", []):
                item = {"sku": variant.get("sku"), "tracked": True, **variant["inventoryItem"],
                        "inventoryLevels": []}
                record = {"title": " / ".join(o["value"] for o in variant.get("selectedOptions", [])) or
                          "Default Title", "barcode": None, "price": "0.00", "selectedOptions": [],
                          **{k: v for k, v in variant.items() if k not in {"inventoryItem", "inventoryLevels"}},
                          "product": product_record, "inventoryItem": item}
                item["variant"] = record
                self.items_by_id[item["id"]] = item
                self.variants.append(record)
                for level in variant.get("inventoryLevels", []):
                    available = int(level.get("available", 0))
                    on_hand = int(level.get("onHand", available) if level.get("onHand") is not None else available)
                    self._add_level(item, self.locations_by_id[level["locationId"]],
                                    {"available": available, "on_hand": on_hand, "committed": max(0, on_hand - available),
                                     "incoming": 0, "reserved": 0})
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
            return [{"title": t["title"], "rate": t.get("rate"), "priceSet": _money(t.get("price"), currency)}
                    for t in lines]

        line_items = []
        for line in order.get("lineItems", []):
            variant = self.variants_by_id.get(line.get("variantId") or "")
            original = line.get("originalUnitPrice", "0")
            line_items.append({
                "id": line["id"], "sku": line.get("sku"), "name": line.get("name") or (
                    f"{variant['product']['title']} - {variant['title']}" if variant else line.get("sku") or "Item"),
                "quantity": line["quantity"], "currentQuantity": line.get("currentQuantity", line["quantity"]),
                "originalUnitPriceSet": _money(original, currency),
                "discountedUnitPriceSet": _money(line.get("discountedUnitPrice") or original, currency),
                "taxLines": tax_lines(line.get("taxLines", [])), "variant": variant,
            })
        customer = order.get("customer")
        if customer:
            customer = {"firstName": None, "lastName": None, **customer,
                        "defaultEmailAddress": {"emailAddress": customer["email"]} if customer.get("email") else None}
        location = self.locations_by_id.get(order.get("fulfillmentLocationId") or "") or (
            self.locations[0] if self.locations else None)
        record: dict[str, Any] = {
            "processedAt": order["createdAt"], "updatedAt": order.get("processedAt") or order["createdAt"],
            "cancelledAt": None, "cancelReason": None, "test": False, "tags": [], "email": None,
            "taxesIncluded": self.shop["taxesIncluded"], "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "UNFULFILLED", "shippingAddress": None, "refunds": [],
            **{k: v for k, v in order.items() if k not in {"lineItems", "shippingLines", "customer",
                                                          "fulfillmentLocationId", "refunds"}},
            "currencyCode": currency, "customer": customer, "lineItems": line_items,
            "shippingLines": [{"title": s["title"], "originalPriceSet": _money(s.get("price"), currency),
                               "taxLines": tax_lines(s.get("taxLines", []))} for s in order.get("shippingLines", [])],
            "fulfillments": [],
        }
        record["refunds"] = [self._refund_record(r, record) for r in order.get("refunds", [])]
        closed = record["displayFulfillmentStatus"] == "FULFILLED" or record["cancelledAt"]
        fo_lines = [{"id": f"gid://shopify/FulfillmentOrderLineItem/{next(self._ids)}", "sku": li["sku"],
                     "lineItem": li, "totalQuantity": li["quantity"],
                     "remainingQuantity": 0 if closed else li["currentQuantity"]} for li in line_items]
        record["fulfillmentOrders"] = [{
            "id": f"gid://shopify/FulfillmentOrder/{next(self._ids)}",
            "status": "CANCELLED" if record["cancelledAt"] else ("CLOSED" if closed else "OPEN"),
            "assignedLocation": {"name": location["name"] if location else "", "location": location,
                                 "countryCode": "AU"},
            "lineItems": fo_lines, "order": record,
        }] if line_items else []
        return record

    def _refund_record(self, refund: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
        by_id = {li["id"]: li for li in order["lineItems"]}
        return {"id": refund.get("id") or f"gid://shopify/Refund/{next(self._ids)}",
                "createdAt": refund.get("createdAt", order["updatedAt"]),
                "refundLineItems": [{"quantity": r["quantity"], "restockType": r.get("restockType", "NO_RESTOCK"),
                                     "lineItem": by_id.get(r.get("lineItemId", ""))}
                                    for r in refund.get("refundLineItems", [])]}

    # -- resolvers ----------------------------------------------------------------------

    def _wire_resolvers(self) -> None:
        for type_ in self.schema.type_map.values():
            fields = getattr(type_, "fields", None)
            if type_.name.startswith("__") or not fields or not hasattr(type_, "interfaces"):
                continue
            for name, field in fields.items():
                if get_named_type(field.type).name.endswith("Connection"):
                    field.resolve = self._connection_resolver(name)
        query = self.schema.type_map["QueryRoot"].fields  # type: ignore[attr-defined]
        query["shop"].resolve = lambda _, info: self.shop
        query["currentAppInstallation"].resolve = lambda _, info: {
            "accessScopes": [{"handle": h} for h in info.context["scopes"]]}
        query["locations"].resolve = self._resolve_locations
        query["location"].resolve = lambda _, info, id=None: (
            self.locations_by_id.get(id) if id else (self.locations[0] if self.locations else None))
        query["productVariants"].resolve = self._resolve_variants
        query["orders"].resolve = self._resolve_orders
        query["order"].resolve = lambda _, info, id: self.orders_by_id.get(id)
        query["ordersCount"].resolve = self._count_orders
        query["inventoryItem"].resolve = lambda _, info, id: self.items_by_id.get(id)
        query["bulkOperation"].resolve = lambda _, info, id: self._poll_bulk(id)
        self.schema.type_map["InventoryLevel"].fields["quantities"].resolve = (  # type: ignore[attr-defined]
            lambda level, info, names: [{"name": n, "quantity": level["_quantities"].get(n, 0)} for n in names])
        self.schema.type_map["Order"].fields["refunds"].resolve = (  # type: ignore[attr-defined]
            lambda order, info, first=None: order["refunds"][:first] if first else order["refunds"])
        self.schema.type_map["Order"].fields["fulfillments"].resolve = (  # type: ignore[attr-defined]
            lambda order, info, first=None, query=None: order["fulfillments"][:first] if first
            else order["fulfillments"])
        self.schema.type_map["InventoryItem"].fields["inventoryLevel"].resolve = (  # type: ignore[attr-defined]
            lambda item, info, locationId: self.levels.get((item["id"], locationId)))
        mutation = self.schema.type_map["Mutation"].fields  # type: ignore[attr-defined]
        mutation["inventorySetQuantities"].resolve = self._inventory_set_quantities
        mutation["fulfillmentCreate"].resolve = self._fulfillment_create
        mutation["bulkOperationRunQuery"].resolve = self._bulk_run

    def _connection_resolver(self, field_name: str) -> Any:
        def resolve(source: dict[str, Any], info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
            return self.page(source.get(field_name) or [], info, **args)

        return resolve

    def page(self, items: list[Any], info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        first, last = args.get("first"), args.get("last")
        if not info.context.get("bulk"):
            if first is None and last is None:
                raise GraphQLError("you must provide one of first or last")
            for size in (first, last):
                if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
                    raise GraphQLError(f"The page size {size} exceeds the maximum of {MAX_PAGE_SIZE}.")
        indexed = list(enumerate(items))
        if args.get("reverse"):
            indexed.reverse()
        if args.get("after"):
            try:
                after = decode_cursor(args["after"])
            except ValueError as exc:
                raise GraphQLError(str(exc)) from None
            position = next((i for i, (index, _) in enumerate(indexed) if index == after), None)
            indexed = indexed[position + 1:] if position is not None else []
        if args.get("before"):
            before = decode_cursor(args["before"])
            position = next((i for i, (index, _) in enumerate(indexed) if index == before), len(indexed))
            indexed = indexed[:position]
        has_next = has_previous = False
        if first is not None:
            has_next = len(indexed) > first
            has_previous = bool(args.get("after"))
            indexed = indexed[:first]
        elif last is not None:
            has_previous = len(indexed) > last
            indexed = indexed[-last:] if last else []
        edges = [{"cursor": encode_cursor(index), "node": node} for index, node in indexed]
        return {"edges": edges, "nodes": [e["node"] for e in edges], "pageInfo": {
            "hasNextPage": has_next, "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None, "endCursor": edges[-1]["cursor"] if edges else None}}

    def _resolve_locations(self, _: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        rows = self.locations if args.pop("includeInactive", False) else [loc for loc in self.locations
                                                                           if loc["isActive"]]
        args.pop("includeLegacy", None)
        matches = parse_search(args.pop("query", None), {"name": lambda r: r["name"],
                                                          "active": lambda r: r["isActive"]})
        args.pop("sortKey", None)
        return self.page([r for r in rows if matches(r)], info, **args)

    def _resolve_variants(self, _: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        matches = parse_search(args.pop("query", None), {
            "sku": lambda v: v.get("sku"), "barcode": lambda v: v.get("barcode"),
            "product_status": lambda v: v["product"].get("status"), "title": lambda v: v.get("title"),
            "updated_at": lambda v: v.get("updatedAt"),
        })
        args.pop("sortKey", None)
        args.pop("savedSearchId", None)
        return self.page([v for v in self.variants if matches(v)], info, **args)

    def _matching_orders(self, search: str | None) -> list[dict[str, Any]]:
        matches = parse_search(search, {
            "updated_at": lambda o: o["updatedAt"], "created_at": lambda o: o["createdAt"],
            "processed_at": lambda o: o["processedAt"], "name": lambda o: o["name"],
            "financial_status": lambda o: (o.get("displayFinancialStatus") or "").lower(),
            "fulfillment_status": lambda o: (o.get("displayFulfillmentStatus") or "").lower(),
            "test": lambda o: o["test"], "tag": lambda o: " ".join(o.get("tags", [])),
            "email": lambda o: o.get("email"), "id": lambda o: o["id"].rsplit("/", 1)[-1],
        })
        return [o for o in self.orders if matches(o)]

    def _count_orders(self, _: Any, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = 10000,
                      savedSearchId: str | None = None) -> dict[str, Any]:
        count = len(self._matching_orders(query))
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def _resolve_orders(self, _: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        rows = self._matching_orders(args.pop("query", None))
        sort_key = args.pop("sortKey", None) or "ID"
        key = {"UPDATED_AT": "updatedAt", "CREATED_AT": "createdAt", "PROCESSED_AT": "processedAt"}.get(sort_key)
        if key:
            rows.sort(key=lambda o: o[key])
        args.pop("savedSearchId", None)
        return self.page(rows, info, **args)

    # -- mutations ----------------------------------------------------------------------

    def _idempotency_key(self, info: GraphQLResolveInfo) -> str | None:
        directive = self.schema.get_directive("idempotent")
        assert directive is not None
        values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
        return values["key"] if values else None

    def _inventory_set_quantities(self, _: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        key = self._idempotency_key(info)
        if not key:
            raise GraphQLError("The @idempotent directive is required for this mutation.",
                               extensions={"code": "BAD_REQUEST"})
        raw_input = info.context["raw_input"]
        fingerprint = hashlib.sha256(json.dumps(raw_input, sort_keys=True, default=str).encode()).hexdigest()
        if key in self.idempotency:
            seen_fingerprint, result = self.idempotency[key]
            if seen_fingerprint != fingerprint:
                return {"inventoryAdjustmentGroup": None, "userErrors": [{
                    "field": ["input"], "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key was used with different parameters."}]}
            return result
        errors: list[dict[str, Any]] = []
        name = input["name"]
        if name not in {"available", "on_hand"}:
            errors.append({"field": ["input", "name"], "code": "INVALID_NAME",
                           "message": "The quantity name must be either 'available' or 'on_hand'."})
        if input["reason"] not in VALID_REASONS:
            errors.append({"field": ["input", "reason"], "code": "INVALID_REASON",
                           "message": f"The reason '{input['reason']}' is not valid."})
        seen: set[tuple[str, str]] = set()
        raw_quantities = raw_input.get("quantities") or []
        planned: list[tuple[dict[str, Any], int]] = []
        for index, quantity in enumerate(input["quantities"]):
            path = ["input", "quantities", str(index)]
            raw = raw_quantities[index] if index < len(raw_quantities) else {}
            pair = (quantity["inventoryItemId"], quantity["locationId"])
            item = self.items_by_id.get(pair[0])
            location = self.locations_by_id.get(pair[1])
            if "changeFromQuantity" not in raw:
                errors.append({"field": [*path, "changeFromQuantity"], "code": None,
                               "message": "changeFromQuantity must be provided on every quantity; "
                                          "pass null to skip the check."})
            elif item is None:
                errors.append({"field": [*path, "inventoryItemId"], "code": "INVALID_INVENTORY_ITEM",
                               "message": "The specified inventory item could not be found."})
            elif location is None:
                errors.append({"field": [*path, "locationId"], "code": "INVALID_LOCATION",
                               "message": "The specified location could not be found."})
            elif pair in seen:
                errors.append({"field": [*path], "code": "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                               "message": "The combination of inventoryItemId and locationId must be unique."})
            elif pair not in self.levels:
                errors.append({"field": [*path, "locationId"], "code": "ITEM_NOT_STOCKED_AT_LOCATION",
                               "message": "The specified inventory item is not stocked at the location."})
            elif quantity["quantity"] < 0:
                errors.append({"field": [*path, "quantity"], "code": "INVALID_QUANTITY_NEGATIVE",
                               "message": "The quantity can't be negative."})
            elif quantity["quantity"] > 1_000_000_000:
                errors.append({"field": [*path, "quantity"], "code": "INVALID_QUANTITY_TOO_HIGH",
                               "message": "The quantity can't be higher than 1,000,000,000."})
            else:
                level = self.levels[pair]
                current = level["_quantities"].get(name, 0)
                expected = quantity.get("changeFromQuantity")
                if expected is not None and expected != current:
                    errors.append({"field": [*path, "changeFromQuantity"], "code": "CHANGE_FROM_QUANTITY_STALE",
                                   "message": "The specified changeFromQuantity does not match the current "
                                              f"quantity ({current})."})
                else:
                    planned.append((level, quantity["quantity"]))
            seen.add(pair)
        if errors:
            result: dict[str, Any] = {"inventoryAdjustmentGroup": None, "userErrors": errors}
        else:
            changes = []
            for level, target in planned:
                quantities = level["_quantities"]
                delta = target - quantities.get(name, 0)
                other = "on_hand" if name == "available" else "available"
                quantities[name] = target
                quantities[other] = quantities.get(other, 0) + delta
                for changed in (name, other):
                    changes.append({"name": changed, "delta": delta, "quantityAfterChange": quantities[changed],
                                    "item": level["item"], "location": level["location"]})
            result = {"inventoryAdjustmentGroup": {
                "id": f"gid://shopify/InventoryAdjustmentGroup/{next(self._ids)}", "reason": input["reason"],
                "referenceDocumentUri": input.get("referenceDocumentUri"), "createdAt": _now_iso(),
                "changes": changes}, "userErrors": []}
        self.idempotency[key] = (fingerprint, result)
        return result

    def _fulfillment_create(self, _: Any, info: GraphQLResolveInfo, fulfillment: dict[str, Any],
                            message: str | None = None) -> dict[str, Any]:
        def fail(field: list[str], text: str) -> dict[str, Any]:
            return {"fulfillment": None, "userErrors": [{"field": field, "message": text}]}

        tracking = fulfillment.get("trackingInfo") or {}
        if tracking.get("url") and tracking.get("urls"):
            return fail(["fulfillment", "trackingInfo"], "Don't send both url and urls.")
        if tracking.get("number") and tracking.get("numbers"):
            return fail(["fulfillment", "trackingInfo"], "Don't send both number and numbers.")
        if tracking.get("url") and not tracking.get("number"):
            return fail(["fulfillment", "trackingInfo", "url"], "A tracking url requires a tracking number.")
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        if not groups:
            return fail(["fulfillment", "lineItemsByFulfillmentOrder"], "At least one fulfillment order is required.")
        orders_by_fo = {fo["id"]: (order, fo) for order in self.orders for fo in order["fulfillmentOrders"]}
        plan: list[tuple[dict[str, Any], int]] = []
        order_seen = location_seen = None
        for index, group in enumerate(groups):
            found = orders_by_fo.get(group["fulfillmentOrderId"])
            if found is None:
                return fail(["fulfillment", "lineItemsByFulfillmentOrder", str(index), "fulfillmentOrderId"],
                            "Fulfillment order does not exist.")
            order, fo = found
            if order_seen not in (None, order["id"]) or location_seen not in (None, fo["assignedLocation"]["name"]):
                return fail(["fulfillment"], "All fulfillment orders must belong to the same order and location.")
            order_seen, location_seen = order["id"], fo["assignedLocation"]["name"]
            if fo["status"] not in {"OPEN", "IN_PROGRESS"}:
                return fail(["fulfillment", "lineItemsByFulfillmentOrder", str(index)],
                            f"Fulfillment order {fo['id']} is {fo['status'].lower()} and can't be fulfilled.")
            wanted = group.get("fulfillmentOrderLineItems")
            lines_by_id = {line["id"]: line for line in fo["lineItems"]}
            if wanted is None:
                plan.extend((line, line["remainingQuantity"]) for line in fo["lineItems"] if line["remainingQuantity"])
            else:
                for w_index, want in enumerate(wanted):
                    line = lines_by_id.get(want["id"])
                    if line is None:
                        return fail(["fulfillment", "lineItemsByFulfillmentOrder", str(index),
                                     "fulfillmentOrderLineItems", str(w_index), "id"],
                                    "Fulfillment order line item does not exist on this fulfillment order.")
                    if not 0 < want["quantity"] <= line["remainingQuantity"]:
                        return fail(["fulfillment", "lineItemsByFulfillmentOrder", str(index),
                                     "fulfillmentOrderLineItems", str(w_index), "quantity"],
                                    f"Quantity {want['quantity']} is more than the {line['remainingQuantity']} "
                                    "remaining to fulfil.")
                    plan.append((line, want["quantity"]))
        if not plan:
            return fail(["fulfillment"], "Nothing is left to fulfil on these fulfillment orders.")
        assert order_seen is not None
        order = self.orders_by_id[order_seen]
        for line, quantity in plan:
            line["remainingQuantity"] -= quantity
            variant = line["lineItem"].get("variant")
            fo_location = next(fo for fo in order["fulfillmentOrders"] if line in fo["lineItems"])["assignedLocation"]
            if variant and fo_location["location"]:
                level = self.levels.get((variant["inventoryItem"]["id"], fo_location["location"]["id"]))
                if level:
                    level["_quantities"]["committed"] = max(0, level["_quantities"]["committed"] - quantity)
                    level["_quantities"]["on_hand"] -= quantity
        for fo in order["fulfillmentOrders"]:
            if fo["status"] in {"OPEN", "IN_PROGRESS"}:
                remaining = sum(line["remainingQuantity"] for line in fo["lineItems"])
                fo["status"] = "CLOSED" if remaining == 0 else "IN_PROGRESS"
        all_done = all(fo["status"] in {"CLOSED", "CANCELLED"} for fo in order["fulfillmentOrders"])
        order["displayFulfillmentStatus"] = "FULFILLED" if all_done else "PARTIALLY_FULFILLED"
        order["updatedAt"] = _now_iso()
        numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
        urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
        record = {"id": f"gid://shopify/Fulfillment/{next(self._ids)}", "status": "SUCCESS", "createdAt": _now_iso(),
                  "trackingInfo": [{"company": tracking.get("company"), "number": number,
                                    "url": urls[i] if i < len(urls) else None} for i, number in enumerate(numbers)],
                  "lines": [(line["id"], quantity) for line, quantity in plan]}
        order["fulfillments"].append(record)
        return {"fulfillment": record, "userErrors": []}

    def _bulk_run(self, _: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool) -> dict[str, Any]:
        def fail(text: str, code: str = "INVALID") -> dict[str, Any]:
            return {"bulkOperation": None, "userErrors": [{"field": ["query"], "message": text, "code": code}]}

        if any(op["status"] in {"CREATED", "RUNNING"} for op in self.bulk_operations.values()
               if op["type"] == "QUERY") and sum(op["status"] in {"CREATED", "RUNNING"}
                                                  for op in self.bulk_operations.values()) >= 5:
            return fail("A bulk query operation for this app and shop is already in progress.",
                        "OPERATION_IN_PROGRESS")
        try:
            document = parse(query)
        except GraphQLError as exc:
            return fail(f"Invalid bulk query: {exc.message}")
        problems = validate(self.schema, document)
        if problems:
            return fail(f"Invalid bulk query: {problems[0].message}")
        if "edges" not in query and "nodes" not in query:
            return fail("Bulk queries must contain at least one connection.")
        result = execute(self.schema, document, context_value={"bulk": True, "scopes": []})
        if result.errors:
            return fail(f"Invalid bulk query: {result.errors[0].message}")
        lines = _jsonl_lines(result.data or {})
        op_id = f"gid://shopify/BulkOperation/{next(self._ids)}"
        self.bulk_results[op_id] = "".join(json.dumps(line).replace("/", "\\/") + "\n" for line in lines)
        operation = {"id": op_id, "status": "CREATED", "type": "QUERY", "query": query, "createdAt": _now_iso(),
                     "completedAt": None, "errorCode": None, "objectCount": "0", "rootObjectCount": "0",
                     "fileSize": None, "url": None, "partialDataUrl": None, "_polls": 0,
                     "_objects": len(lines), "_roots": sum(1 for line in lines if "__parentId" not in line),
                     "_base": info.context["base_url"]}
        self.bulk_operations[op_id] = operation
        return {"bulkOperation": operation, "userErrors": []}

    def _poll_bulk(self, op_id: str) -> dict[str, Any] | None:
        operation = self.bulk_operations.get(op_id)
        if operation is None:
            return None
        operation["_polls"] += 1
        if operation["status"] == "CREATED":
            operation["status"] = "RUNNING"
            operation["objectCount"] = str(operation["_objects"] // 2)
        elif operation["status"] == "RUNNING":
            token = hashlib.sha256(op_id.encode()).hexdigest()[:16]
            number = op_id.rsplit("/", 1)[-1]
            operation.update(status="COMPLETED", completedAt=_now_iso(), objectCount=str(operation["_objects"]),
                             rootObjectCount=str(operation["_roots"]),
                             fileSize=str(len(self.bulk_results[op_id].encode())),
                             url=f"{operation['_base']}/bulk-results/{number}.jsonl?signature={token}")
        return operation

    # -- HTTP ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        base_url = f"{request.url.scheme}://{request.url.netloc}"
        if path == "/admin/oauth/access_token" and request.method == "POST":
            return await self._grant(request)
        if path.startswith("/bulk-results/"):
            number = path.rsplit("/", 1)[-1].removesuffix(".jsonl")
            op_id = f"gid://shopify/BulkOperation/{number}"
            expected = hashlib.sha256(op_id.encode()).hexdigest()[:16]
            if op_id not in self.bulk_results or request.query_params.get("signature") != expected:
                return PlainTextResponse("AccessDenied: the signed URL is not valid.", status_code=403)
            return Response(self.bulk_results[op_id], media_type="application/jsonl")
        if not _VERSION.match(path) or request.method != "POST":
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        token = request.headers.get("x-shopify-access-token", "")
        if not self._token_valid(token):
            return JSONResponse(INVALID_TOKEN_BODY, status_code=401)
        if self.faults.take("server_error_next"):
            status = self.faults.server_error_status
            return JSONResponse({"errors": "Internal Server Error"}, status_code=status)
        if self.faults.take("malformed_next"):
            return Response(b'{"data": {"productVariants": {"nodes": [', 200, media_type="application/json")
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"errors": "Unable to parse the JSON body."}, status_code=400)
        result, status = self.run(payload, base_url=base_url)
        self.request_log.append({"operation": payload.get("operationName"), "status": status,
                                 "throttled": _is_throttled(result)})
        headers = {"X-Request-Id": secrets.token_hex(8)}
        if status == 429:
            headers["Retry-After"] = "2.0"
        return JSONResponse(result, status_code=status, headers=headers)

    async def _grant(self, request: Request) -> Response:
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            try:
                form = {k: str(v) for k, v in json.loads(raw or b"{}").items()}
            except ValueError:
                form = {}
        else:
            from urllib.parse import parse_qsl

            form = dict(parse_qsl(raw.decode()))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret") or not form.get("client_secret"):
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client authentication failed."}, status_code=401)
        token = f"shpat_{secrets.token_hex(16)}"
        self.tokens[token] = self.clock.now() + self.token_lifetime_seconds
        return JSONResponse({"access_token": token, "scope": SANDBOX_SCOPES,
                             "expires_in": self.token_lifetime_seconds})

    def _token_valid(self, token: str) -> bool:
        if token not in self.tokens:
            return False
        expires = self.tokens[token]
        return expires is None or self.clock.now() < expires

    def expire_all_tokens(self) -> None:
        """Fault knob: every granted token stops working now (static tokens stay)."""
        for token, expires in self.tokens.items():
            if expires is not None:
                self.tokens[token] = self.clock.now() - 1

    def _throttle_status(self) -> dict[str, Any]:
        return {"maximumAvailable": self.maximum_available, "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate}

    def _refill(self) -> None:
        now = self.clock.now()
        self._available = min(self.maximum_available, self._available + (now - self._bucket_time) * self.restore_rate)
        self._bucket_time = now

    def run(self, payload: dict[str, Any], *, base_url: str = "http://shopify.sandbox") -> tuple[dict[str, Any], int]:
        """Execute one GraphQL request as Shopify would; returns (body, HTTP status)."""
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            return {"errors": [{"message": "No query string was present"}]}, 200
        variables = payload.get("variables") or {}
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {"errors": [exc.formatted]}, 200
        problems = validate(self.schema, document)
        if problems:
            return {"errors": [p.formatted for p in problems]}, 200
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        operation = next((op for op in operations if op.name and op.name.value == payload.get("operationName")),
                         operations[0])
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        coerced = _coerce_variables(self.schema, operation, variables)
        too_long = _longest_list(variables)
        if too_long > 250:
            return {"errors": [{"message": f"The input array size of {too_long} is greater than the maximum allowed "
                                           "of 250.", "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]}, 200
        try:
            cost = requested_cost(self.schema, operation, fragments, coerced)
        except (GraphQLError, TypeError, ValueError):
            cost = 1
        self._refill()
        if cost > MAX_QUERY_COST:
            return {"errors": [{"message": f"Query cost is {cost}, which exceeds the single query max cost limit "
                                           f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/"
                                           "rate-limits for more information on how the\ncost of a query is "
                                           "calculated.\n\nTo query larger amounts of data with fewer limits, bulk "
                                           "operations should be used instead.\nSee https://shopify.dev/tutorials/"
                                           "perform-bulk-operations-with-admin-api for usage details.\n",
                                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost,
                                               "maxCost": MAX_QUERY_COST}}]}, 200
        if self.faults.take("throttle_next") or cost > self._available:
            body = {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None,
                                        "throttleStatus": self._throttle_status()}}}
            return body, 429 if self.throttle_as_429 else 200
        self._available -= cost
        context = {"bulk": False, "scopes": SANDBOX_SCOPES.split(","), "base_url": base_url,
                   "raw_input": variables.get("input") if isinstance(variables.get("input"), dict) else {}}
        result = execute(self.schema, document, variable_values=variables, context_value=context,
                         operation_name=payload.get("operationName"))
        assert isinstance(result, ExecutionResult)
        try:
            actual = min(cost, actual_cost(self.schema, operation, fragments, result.data))
        except (TypeError, ValueError, AttributeError):
            actual = cost
        self._available = min(self.maximum_available, self._available + (cost - actual))
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        if result.data is not None:
            body["data"] = result.data
        body["extensions"] = {"cost": {"requestedQueryCost": cost, "actualQueryCost": actual,
                                       "throttleStatus": self._throttle_status()}}
        return body, 200


def _is_throttled(body: dict[str, Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in body.get("errors") or [])


def _coerce_variables(schema: GraphQLSchema, operation: OperationDefinitionNode,
                      variables: dict[str, Any]) -> dict[str, Any]:
    from graphql import type_from_ast

    coerced: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)  # type: ignore[call-overload]
        if name in variables:
            coerced[name] = variables[name]
        elif definition.default_value is not None and type_ is not None:
            coerced[name] = value_from_ast(definition.default_value, type_)
    return coerced


def _longest_list(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest_list(v) for v in value)])
    if isinstance(value, dict):
        return max([0, *(_longest_list(v) for v in value.values())])
    return 0


def _jsonl_lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten a bulk result as Shopify does: nested connection nodes become lines with __parentId."""
    lines: list[dict[str, Any]] = []

    def strip(obj: Any, parent_id: str | None) -> Any:
        if isinstance(obj, dict):
            kept: dict[str, Any] = {}
            for key, value in obj.items():
                if isinstance(value, dict) and "edges" in value:
                    for edge in value["edges"]:
                        emit(edge["node"], parent_id)
                elif isinstance(value, dict) and "nodes" in value and "pageInfo" not in value:
                    for node in value["nodes"]:
                        emit(node, parent_id)
                else:
                    kept[key] = strip(value, parent_id)
            return kept
        if isinstance(obj, list):
            return [strip(v, parent_id) for v in obj]
        return obj

    def emit(node: dict[str, Any], parent_id: str | None) -> None:
        line: dict[str, Any] = {}
        position = len(lines)
        lines.append(line)
        line.update(strip(node, node.get("id") or parent_id))
        if parent_id is not None:
            line["__parentId"] = parent_id
        lines[position] = line

    for root in data.values():
        if isinstance(root, dict):
            for edge in root.get("edges", []):
                emit(edge["node"], None)
            for node in root.get("nodes", []) if "edges" not in root else []:
                emit(node, None)
    return lines
