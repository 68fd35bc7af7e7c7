"""The mutations the sandbox supports, with Shopify's rules and error codes.

- inventorySetQuantities: absolute quantities per item × location, `changeFromQuantity` present on
  every quantity (2026-04+), stale values refused with CHANGE_FROM_QUANTITY_STALE, the whole input
  applied or none of it, and a mandatory `@idempotent` key (same key, same input → same answer).
- fulfillmentCreate: lines of open fulfillment orders of one order and location, tracking rules.
- fulfillmentTrackingInfoUpdate: replaces a fulfilment's tracking (the same rules as at creation).
- bulkOperationRunQuery: runs the query over everything and writes JSONL with `__parentId` children.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    execute,
    get_named_type,
    visit,
)
from graphql.execution.values import get_directive_values

from cin7_shopify.clock import Clock
from cin7_shopify.sandbox.faults import Faults
from cin7_shopify.sandbox.shopify_bulk import BulkResult, bulk_jsonl
from cin7_shopify.sandbox.shopify_store import ShopifyStore, _now_iso

VALID_REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}


# Messages of the user errors that name no quantity, as the schema describes each code.
BATCH_ERROR_MESSAGES = {
    "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED": "A previous request with this idempotency key failed. "
    "Retry with a new idempotency key.",
    "IDEMPOTENCY_CONCURRENT_REQUEST": "This request is currently in progress, please try again.",
}


# Shopify cancels an order in a background job (schema: OrderCancelPayload.job "The job that asynchronously
# cancels the order"); how long it takes is not documented [U]: a couple of seconds here.
ORDER_CANCEL_JOB_SECONDS = 2.0
MAX_BULK_CONNECTIONS = 5
MAX_BULK_DEPTH = 2


class ShopifyMutations(ShopifyStore):
    schema: GraphQLSchema
    faults: Faults
    clock: Clock

    def __init__(self, shopify: dict[str, Any], *, hand_over: bool = False) -> None:
        super().__init__(shopify, hand_over=hand_over)
        # Asynchronous jobs: id → (when it will have run, what it does); run when due, by any request.
        self.jobs: dict[str, tuple[float, Callable[[], None]]] = {}
        self.jobs_done: set[str] = set()
        self._job_orders: dict[str, str] = {}  # a cancel job → its order
        # How long a cancel job takes; a served sandbox for tests shortens it, as it raises the restore rate.
        self.order_cancel_job_seconds = ORDER_CANCEL_JOB_SECONDS
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.bulk_operations: dict[str, dict[str, Any]] = {}
        self.bulk_results: dict[str, str] = {}

    def _idempotency_key(self, info: GraphQLResolveInfo[Any]) -> str | None:
        directive = self.schema.get_directive("idempotent")
        assert directive is not None
        values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
        return values["key"] if values else None

    def _inventory_set_quantities(self, _: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]) -> dict[str, Any]:
        key = self._idempotency_key(info)
        if not key:
            raise GraphQLError(
                "The @idempotent directive is required for this mutation.",
                extensions={"code": "BAD_REQUEST"},
            )
        raw_input = info.context["raw_input"]
        fingerprint = hashlib.sha256(json.dumps(raw_input, sort_keys=True, default=str).encode()).hexdigest()
        if key in self.idempotency:
            seen_fingerprint, earlier = self.idempotency[key]
            if seen_fingerprint != fingerprint:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        {
                            "field": ["input"],
                            "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                            "message": "The same idempotency key was used with different parameters.",
                        }
                    ],
                }
            return earlier
        if self.faults.take("stock_user_error_next"):
            # Nothing applied, and the error names the request, not a quantity [U: the field path of
            # these codes is not documented; Shopify gives null for request-level user errors].
            code = self.faults.stock_user_error_code
            failed = {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {"field": None, "code": code, "message": BATCH_ERROR_MESSAGES.get(code, "Something went wrong.")}
                ],
            }
            # The same key keeps failing: the schema says to retry with a new key.
            self.idempotency[key] = (fingerprint, failed)
            return failed
        errors: list[dict[str, Any]] = []
        name = input["name"]
        if name not in {"available", "on_hand"}:
            errors.append(
                {
                    "field": ["input", "name"],
                    "code": "INVALID_NAME",
                    "message": "The quantity name must be either 'available' or 'on_hand'.",
                }
            )
        if input["reason"] not in VALID_REASONS:
            errors.append(
                {
                    "field": ["input", "reason"],
                    "code": "INVALID_REASON",
                    "message": f"The reason '{input['reason']}' is not valid.",
                }
            )
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
                errors.append(
                    {
                        "field": [*path, "changeFromQuantity"],
                        "code": None,
                        "message": "changeFromQuantity must be provided on every quantity; "
                        "pass null to skip the check.",
                    }
                )
            elif item is None:
                errors.append(
                    {
                        "field": [*path, "inventoryItemId"],
                        "code": "INVALID_INVENTORY_ITEM",
                        "message": "The specified inventory item could not be found.",
                    }
                )
            elif location is None:
                errors.append(
                    {
                        "field": [*path, "locationId"],
                        "code": "INVALID_LOCATION",
                        "message": "The specified location could not be found.",
                    }
                )
            elif pair in seen:
                errors.append(
                    {
                        "field": [*path],
                        "code": "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                        "message": "The combination of inventoryItemId and locationId must be unique.",
                    }
                )
            elif pair not in self.levels:
                # 2026-10's InventorySetQuantitiesUserErrorCode has no ITEM_NOT_STOCKED_AT_LOCATION; the
                # code it has for a location the item cannot be set at is INVALID_LOCATION [U: which code
                # Shopify picks for an existing location the item is not stocked at is not documented].
                errors.append(
                    {
                        "field": [*path, "locationId"],
                        "code": "INVALID_LOCATION",
                        "message": "The specified inventory item is not stocked at the location.",
                    }
                )
            elif quantity["quantity"] < 0:
                errors.append(
                    {
                        "field": [*path, "quantity"],
                        "code": "INVALID_QUANTITY_NEGATIVE",
                        "message": "The quantity can't be negative.",
                    }
                )
            elif quantity["quantity"] > 1_000_000_000:
                errors.append(
                    {
                        "field": [*path, "quantity"],
                        "code": "INVALID_QUANTITY_TOO_HIGH",
                        "message": "The quantity can't be higher than 1,000,000,000.",
                    }
                )
            else:
                level = self.levels[pair]
                current = level["_quantities"].get(name, 0)
                expected = quantity.get("changeFromQuantity")
                if expected is not None and expected != current:
                    errors.append(
                        {
                            "field": [*path, "changeFromQuantity"],
                            "code": "CHANGE_FROM_QUANTITY_STALE",
                            "message": "The specified changeFromQuantity does not match the current "
                            f"quantity ({current}).",
                        }
                    )
                else:
                    planned.append((level, quantity["quantity"]))
            seen.add(pair)
        result: dict[str, Any]
        if errors:
            result = {"inventoryAdjustmentGroup": None, "userErrors": errors}
        else:
            changes = []
            for level, target in planned:
                quantities = level["_quantities"]
                delta = target - quantities.get(name, 0)
                other = "on_hand" if name == "available" else "available"
                quantities[name] = target
                quantities[other] = quantities.get(other, 0) + delta
                for changed in (name, other):
                    changes.append(
                        {
                            "name": changed,
                            "delta": delta,
                            "quantityAfterChange": quantities[changed],
                            "item": level["item"],
                            "location": level["location"],
                        }
                    )
            result = {
                "inventoryAdjustmentGroup": {
                    "id": f"gid://shopify/InventoryAdjustmentGroup/{next(self._ids)}",
                    "reason": input["reason"],
                    "referenceDocumentUri": input.get("referenceDocumentUri"),
                    "createdAt": _now_iso(),
                    "changes": changes,
                },
                "userErrors": [],
            }
        self.idempotency[key] = (fingerprint, result)
        return result

    def _fulfillment_create(
        self,
        _: Any,
        info: GraphQLResolveInfo[Any],
        fulfillment: dict[str, Any],
        message: str | None = None,
    ) -> dict[str, Any]:
        def fail(field: list[str], text: str) -> dict[str, Any]:
            return {"fulfillment": None, "userErrors": [{"field": field, "message": text}]}

        tracking = fulfillment.get("trackingInfo") or {}
        problem = _tracking_problem(tracking)
        if problem:
            return fail(["fulfillment", "trackingInfo"], problem)
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        if not groups:
            return fail(
                ["fulfillment", "lineItemsByFulfillmentOrder"],
                "At least one fulfillment order is required.",
            )
        orders_by_fo = {fo["id"]: (order, fo) for order in self.orders for fo in order["fulfillmentOrders"]}
        plan: list[tuple[dict[str, Any], int]] = []
        order_seen = location_seen = None
        for index, group in enumerate(groups):
            found = orders_by_fo.get(group["fulfillmentOrderId"])
            if found is None:
                return fail(
                    [
                        "fulfillment",
                        "lineItemsByFulfillmentOrder",
                        str(index),
                        "fulfillmentOrderId",
                    ],
                    "Fulfillment order does not exist.",
                )
            order, fo = found
            if order_seen not in (None, order["id"]) or location_seen not in (
                None,
                fo["assignedLocation"]["name"],
            ):
                return fail(
                    ["fulfillment"],
                    "All fulfillment orders must belong to the same order and location.",
                )
            order_seen, location_seen = order["id"], fo["assignedLocation"]["name"]
            if fo["status"] not in {"OPEN", "IN_PROGRESS"}:
                return fail(
                    ["fulfillment", "lineItemsByFulfillmentOrder", str(index)],
                    f"Fulfillment order {fo['id']} is {fo['status'].lower()} and can't be fulfilled.",
                )
            assigned = (fo["assignedLocation"] or {}).get("location") or {}
            if assigned.get("isFulfillmentService"):
                # Schema (FulfillmentOrder): at a location managed by a fulfillment service, a merchant or
                # order management app sends a fulfillment request; the service creates the fulfilments.
                # [U] the exact refusal text: Shopify's is not documented.
                return fail(
                    ["fulfillment", "lineItemsByFulfillmentOrder", str(index), "fulfillmentOrderId"],
                    f"Fulfillment order {fo['id']} is assigned to a fulfillment service location; only the "
                    "fulfillment service can create its fulfillments.",
                )
            wanted = group.get("fulfillmentOrderLineItems")
            lines_by_id = {line["id"]: line for line in fo["lineItems"]}
            if wanted is None:
                plan.extend((line, line["remainingQuantity"]) for line in fo["lineItems"] if line["remainingQuantity"])
            else:
                for w_index, want in enumerate(wanted):
                    line = lines_by_id.get(want["id"])
                    if line is None:
                        return fail(
                            [
                                "fulfillment",
                                "lineItemsByFulfillmentOrder",
                                str(index),
                                "fulfillmentOrderLineItems",
                                str(w_index),
                                "id",
                            ],
                            "Fulfillment order line item does not exist on this fulfillment order.",
                        )
                    if not 0 < want["quantity"] <= line["remainingQuantity"]:
                        return fail(
                            [
                                "fulfillment",
                                "lineItemsByFulfillmentOrder",
                                str(index),
                                "fulfillmentOrderLineItems",
                                str(w_index),
                                "quantity",
                            ],
                            f"Quantity {want['quantity']} is more than the {line['remainingQuantity']} "
                            "remaining to fulfil.",
                        )
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
        record = {
            "id": f"gid://shopify/Fulfillment/{next(self._ids)}",
            "status": "SUCCESS",
            "createdAt": _now_iso(),
            "trackingInfo": _tracking_info(tracking),
            "lines": [(line["id"], quantity) for line, quantity in plan],
        }
        order["fulfillments"].append(record)
        return {"fulfillment": record, "userErrors": []}

    def _fulfillment_tracking_update(
        self,
        _: Any,
        info: GraphQLResolveInfo[Any],
        fulfillmentId: str,
        trackingInfoInput: dict[str, Any],
        notifyCustomer: bool | None = None,
    ) -> dict[str, Any]:
        """Schema (Mutation.fulfillmentTrackingInfoUpdate): "Updates tracking information for a
        fulfillment, including the carrier name, tracking numbers, and tracking URLs"; the input obeys
        FulfillmentTrackingInput's rules, as at creation."""
        problem = _tracking_problem(trackingInfoInput)
        if problem:
            return {"fulfillment": None, "userErrors": [{"field": ["trackingInfoInput"], "message": problem}]}
        record = next(
            (f for order in self.orders for f in order["fulfillments"] if f["id"] == fulfillmentId),
            None,
        )
        if record is None:
            missing = {"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}
            return {"fulfillment": None, "userErrors": [missing]}
        record["trackingInfo"] = _tracking_info(trackingInfoInput)
        owner = next(order for order in self.orders if record in order["fulfillments"])
        owner["updatedAt"] = _now_iso()
        return {"fulfillment": record, "userErrors": []}

    def _order_create(
        self, _: Any, info: GraphQLResolveInfo[Any], order: dict[str, Any], options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """orderCreate: a new order from line items (by variant), assigned to a location that stocks them."""
        errors = []
        lines = order.get("lineItems") or []
        if not lines:
            errors.append({"field": ["order", "lineItems"], "message": "Line items can't be empty.", "code": "INVALID"})
        variants: list[dict[str, Any]] = []
        for index, line in enumerate(lines):
            variant = self.variants_by_id.get(line.get("variantId") or "")
            if variant is None:
                errors.append(
                    {
                        "field": ["order", "lineItems", str(index), "variantId"],
                        "message": "The variant does not exist.",
                        "code": "PRODUCT_DOES_NOT_EXIST",
                    }
                )
            else:
                variants.append(variant)
        if errors:
            return {"order": None, "userErrors": errors}
        stocking = [
            loc
            for loc in self.locations
            if loc["isActive"]
            and loc["fulfillsOnlineOrders"]
            and all((v["inventoryItem"]["id"], loc["id"]) in self.levels for v in variants)
        ]
        location = (stocking or self.locations)[0]
        number = 9000 + len(self.orders)
        now = _now_iso()

        def amount(money: dict[str, Any] | None, fallback: str) -> str:
            return str(((money or {}).get("shopMoney") or {}).get("amount") or fallback)

        record = {
            "id": f"gid://shopify/Order/{next(self._ids)}",
            "name": f"#{number}",
            "createdAt": now,
            "processedAt": now,
            "updatedAt": now,
            "email": order.get("email"),
            "test": bool(order.get("test")),
            "tags": order.get("tags") or [],
            "displayFinancialStatus": order.get("financialStatus") or "PENDING",
            "currencyCode": order.get("currency") or self.currency,
            # OrderCreateOrderInput.taxesIncluded defaults to false (schema): not the shop's setting.
            "taxesIncluded": bool(order.get("taxesIncluded", False)),
            "customer": {"id": f"gid://shopify/Customer/{next(self._ids)}", "email": order.get("email")}
            if order.get("email")
            else None,
            "lineItems": [
                {
                    "id": f"gid://shopify/LineItem/{next(self._ids)}",
                    "sku": variant["sku"],
                    "variantId": variant["id"],
                    "quantity": line["quantity"],
                    "originalUnitPrice": amount(line.get("priceSet"), variant["price"]),
                    "taxLines": [
                        {"title": t["title"], "rate": float(t["rate"]), "price": amount(t.get("priceSet"), "0")}
                        for t in line.get("taxLines") or []
                    ],
                }
                for line, variant in zip(lines, variants, strict=True)
            ],
            "fulfillmentLocationId": location["id"],
        }
        created = self.add_order(record)
        # OrderCreateOptionsInput.inventoryBehaviour defaults to BYPASS, "Do not claim inventory" (schema):
        # only an order placed with a DECREMENT_* behaviour commits stock.
        behaviour = (options or {}).get("inventoryBehaviour") or "BYPASS"
        for line, variant in zip(lines, variants, strict=True):
            level = self.levels.get((variant["inventoryItem"]["id"], location["id"]))
            if level is not None and behaviour != "BYPASS":
                level["_quantities"]["available"] -= line["quantity"]
                level["_quantities"]["committed"] = level["_quantities"].get("committed", 0) + line["quantity"]
        return {"order": created, "userErrors": []}

    def _order_cancel(
        self,
        _: Any,
        info: GraphQLResolveInfo[Any],
        orderId: str,
        reason: str,
        restock: bool,
        **_options: Any,
    ) -> dict[str, Any]:
        """orderCancel: queued as a job, as Shopify does; when it has run, the order is cancelled and its
        unfulfilled quantities go back on restock. Until then the order reads as before."""
        order = self.orders_by_id.get(orderId)
        if order is None:
            error = {"field": ["orderId"], "message": "Order does not exist.", "code": "NOT_FOUND"}
            return {"job": None, "orderCancelUserErrors": [error]}
        if order.get("cancelledAt") or any(orderId == pending for pending in self._cancelling()):
            error = {"field": ["orderId"], "message": "Order has already been cancelled.", "code": "INVALID"}
            return {"job": None, "orderCancelUserErrors": [error]}
        job_id = f"gid://shopify/Job/{next(self._ids)}"
        self.jobs[job_id] = (
            self.clock.now() + self.order_cancel_job_seconds,
            lambda: self._cancel_now(orderId, reason, restock),
        )
        self._job_orders[job_id] = orderId
        return {"job": {"id": job_id, "done": False}, "orderCancelUserErrors": []}

    def _cancelling(self) -> list[str]:
        return [self._job_orders[j] for j in self.jobs if j in self._job_orders]

    def run_due_jobs(self) -> None:
        """Every queued job whose time has come has run (called before each request is answered)."""
        now = self.clock.now()
        for job_id, (due, action) in list(self.jobs.items()):
            if due <= now:
                del self.jobs[job_id]
                action()
                self.jobs_done.add(job_id)

    def job(self, job_id: str) -> dict[str, Any] | None:
        self.run_due_jobs()
        if job_id in self.jobs_done:
            return {"id": job_id, "done": True}
        if job_id in self.jobs:
            return {"id": job_id, "done": False}
        return None

    def _cancel_now(self, orderId: str, reason: str, restock: bool) -> None:
        order = self.orders_by_id[orderId]
        if order.get("cancelledAt"):
            return
        open_lines = [
            (fo["assignedLocation"]["location"], line)
            for fo in order["fulfillmentOrders"]
            if fo["status"] in {"OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD"}
            for line in fo["lineItems"]
            if line["remainingQuantity"] > 0
        ]
        self.cancel_order(orderId, reason)
        for location, line in open_lines:
            variant = line["lineItem"].get("variant")
            level = self.levels.get((variant["inventoryItem"]["id"], location["id"])) if variant and location else None
            if restock and level is not None:
                quantities = level["_quantities"]
                back = min(line["remainingQuantity"], quantities.get("committed", 0))
                quantities["committed"] = quantities.get("committed", 0) - back
                quantities["available"] += back
            line["remainingQuantity"] = 0

    def _bulk_run(self, _: Any, info: GraphQLResolveInfo[Any], query: str, groupObjects: bool) -> dict[str, Any]:
        def fail(text: str, code: str = "INVALID") -> dict[str, Any]:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["query"], "message": text, "code": code}],
            }

        if (
            any(op["status"] in {"CREATED", "RUNNING"} for op in self.bulk_operations.values() if op["type"] == "QUERY")
            and sum(op["status"] in {"CREATED", "RUNNING"} for op in self.bulk_operations.values()) >= 5
        ):
            return fail(
                "A bulk query operation for this app and shop is already in progress.",
                "OPERATION_IN_PROGRESS",
            )
        from cin7_shopify.sandbox.shopify_server import parsed_document

        document = parsed_document(query)
        if not isinstance(document, DocumentNode):
            return fail(f"Invalid bulk query: {document[0].message}")
        if "edges" not in query and "nodes" not in query:
            return fail("Bulk queries must contain at least one connection.")
        # "The query must include at least one connection field and supports up to five connections with
        # a maximum nesting depth of two levels" (schema: Mutation.bulkOperationRunQuery; shopify.dev bulk
        # operations guide, "Operation restrictions"). The exact words of the refusals are [U].
        connections = _connections(self.schema, document)
        if len(connections) > MAX_BULK_CONNECTIONS:
            return fail(f"Bulk queries cannot contain more than {MAX_BULK_CONNECTIONS} connections.")
        deepest = max((depth for _, depth in connections), default=0)
        if deepest > MAX_BULK_DEPTH:
            return fail(f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_BULK_DEPTH}.")
        context = {"sandbox": self, "bulk": True, "scopes": info.context["scopes"]}
        try:
            direct = bulk_jsonl(self.schema, document, context)
        except GraphQLError as exc:
            return fail(f"Invalid bulk query: {exc.message}")
        # What the direct writer leaves to graphql-core (directives, abstract types, page info).
        written = direct if direct is not None else self._bulk_by_graphql_core(document, context)
        if isinstance(written, str):
            return fail(f"Invalid bulk query: {written}")
        op_id = f"gid://shopify/BulkOperation/{next(self._ids)}"
        self.bulk_results[op_id] = "".join(line + "\n" for line in written.lines)
        operation = {
            "id": op_id,
            "status": "CREATED",
            "type": "QUERY",
            "query": query,
            "createdAt": _now_iso(),
            "completedAt": None,
            "errorCode": None,
            "objectCount": "0",
            "rootObjectCount": "0",
            "fileSize": None,
            "url": None,
            "partialDataUrl": None,
            "_polls": 0,
            "_objects": written.objects,
            "_roots": written.roots,
            "_base": info.context["base_url"],
        }
        self.bulk_operations[op_id] = operation
        return {"bulkOperation": operation, "userErrors": []}

    def _bulk_by_graphql_core(self, document: DocumentNode, context: dict[str, Any]) -> BulkResult | str:
        """The same lines through graphql-core's executor (slower: field by field), or its first error."""
        result = execute(self.schema, document, context_value=context)
        assert isinstance(result, ExecutionResult)  # every resolver here is synchronous
        if result.errors:
            return result.errors[0].message
        lines = _jsonl_lines(result.data or {})
        return BulkResult(
            [json.dumps(line).replace("/", "\\/") for line in lines],
            len(lines),
            sum(1 for line in lines if "__parentId" not in line),
        )

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
            operation.update(
                status="COMPLETED",
                completedAt=_now_iso(),
                objectCount=str(operation["_objects"]),
                rootObjectCount=str(operation["_roots"]),
                fileSize=str(len(self.bulk_results[op_id].encode())),
                url=f"{operation['_base']}/bulk-results/{number}.jsonl?signature={token}",
            )
        return operation


def _tracking_problem(tracking: dict[str, Any]) -> str | None:
    """FulfillmentTrackingInput's rules (schema description): not both url and urls, not both number
    and numbers, a url needs a number and urls need numbers."""
    if tracking.get("url") and tracking.get("urls"):
        return "Don't send both url and urls."
    if tracking.get("number") and tracking.get("numbers"):
        return "Don't send both number and numbers."
    if tracking.get("url") and not tracking.get("number"):
        return "A tracking url requires a tracking number."
    if tracking.get("urls") and not tracking.get("numbers"):
        return "Tracking urls require tracking numbers."
    return None


def _tracking_info(tracking: dict[str, Any]) -> list[dict[str, Any]]:
    numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
    urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
    return [
        {"company": tracking.get("company"), "number": number, "url": urls[i] if i < len(urls) else None}
        for i, number in enumerate(numbers)
    ]


def _connections(schema: GraphQLSchema, document: DocumentNode) -> list[tuple[str, int]]:
    """Each connection field a query selects, with how many connections deep it is (1 at the top)."""
    type_info = TypeInfo(schema)
    found: list[tuple[str, int]] = []
    inside: list[bool] = []

    class Connections(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            field_type = type_info.get_type()
            is_connection = field_type is not None and get_named_type(field_type).name.endswith("Connection")
            inside.append(is_connection)
            if is_connection:
                found.append((node.name.value, sum(inside)))

        def leave_field(self, *_: Any) -> None:
            inside.pop()

    visit(document, TypeInfoVisitor(type_info, Connections()))
    return found


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
