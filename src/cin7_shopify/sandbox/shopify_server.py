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

import hashlib
import json
import re
import secrets
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    default_field_resolver,
    execute,
    get_named_type,
    parse,
    validate,
    value_from_ast,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.net import json_loads
from cin7_shopify.sandbox.asgi import JsonAnswer, RequestApp
from cin7_shopify.sandbox.faults import Faults
from cin7_shopify.sandbox.shopify_execute import execute_direct
from cin7_shopify.sandbox.shopify_mutations import ShopifyMutations
from cin7_shopify.sandbox.shopify_query import (
    MAX_PAGE_SIZE,
    MAX_QUERY_COST,
    actual_cost,
    decode_cursor,
    encode_cursor,
    parse_search,
    requested_cost,
)

SANDBOX_SHOPIFY_TOKEN = "shpat_sandbox_demo_token"
SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
SANDBOX_SCOPES = (
    "read_products,read_inventory,write_inventory,read_locations,read_orders,read_all_orders,write_orders,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders,read_customers"
)
# What each root field needs (any one of the scopes listed), as the 2026-10 schema's descriptions and
# shopify.dev's scope list say ("Requires `read_orders` access scope", reference/shopify_admin_api.md §1.3).
# Without it Shopify answers the field with an ACCESS_DENIED error.
FIELD_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("QueryRoot", "productVariants"): ("read_products",),
    ("QueryRoot", "orders"): ("read_orders",),
    ("QueryRoot", "order"): ("read_orders",),
    ("QueryRoot", "ordersCount"): ("read_orders",),
    ("QueryRoot", "productsCount"): ("read_products",),
    ("QueryRoot", "productVariantsCount"): ("read_products",),
    ("QueryRoot", "locations"): ("read_locations", "read_inventory"),
    ("QueryRoot", "location"): ("read_locations", "read_inventory"),
    ("QueryRoot", "inventoryItem"): ("read_inventory",),
    ("Mutation", "inventorySetQuantities"): ("write_inventory",),
    ("Mutation", "orderCreate"): ("write_orders",),
    ("Mutation", "orderCancel"): ("write_orders",),
    ("Mutation", "fulfillmentCreate"): (
        "write_merchant_managed_fulfillment_orders",
        "write_third_party_fulfillment_orders",
        "write_assigned_fulfillment_orders",
    ),
}
# Without read_all_orders an app sees the last 60 days of orders only; older ones are silently absent,
# not an error (schema: Order "…only the last 60 days' worth of orders from a store are accessible from
# the Order object by default. If you want to access older orders, then you need to request access to
# all orders"; reference/shopify_admin_api.md §7).
ORDER_WINDOW_DAYS = 60
INVALID_TOKEN_BODY = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
_VERSION = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")


def load_sdl() -> str:
    return resources.files("cin7_shopify.sandbox").joinpath("shopify_schema.graphql").read_text()


_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _parse_url(value: Any) -> str:
    """Schema (URL): "an RFC 3986 and RFC 3987-compliant URI string … It includes a scheme (`https`)
    and a host". A value without a scheme, with spaces or control characters, or a web URL without a
    host fails the whole variable, as Shopify answers."""
    if not isinstance(value, str):
        raise GraphQLError(f"URL cannot represent a non-string value: {value!r}")
    if not _URI_SCHEME.match(value) or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise GraphQLError(f"Invalid url '{value}', missing scheme or not a valid URI")
    scheme, _, rest = value.partition(":")
    if (scheme.lower() in {"http", "https"} and not rest.startswith("//")) or rest in {"//", ""}:
        raise GraphQLError(f"Invalid url '{value}', missing host")
    return value


def strict_url_scalar(schema: GraphQLSchema) -> None:
    url = schema.type_map.get("URL")
    if isinstance(url, GraphQLScalarType):
        # graphql-core 3.2 calls parse_*, 3.3 coerce_input_*: set both.
        literal = lambda node, variables=None: _parse_url(getattr(node, "value", None))  # noqa: E731
        for name, function in [
            ("parse_value", _parse_url),
            ("coerce_input_value", _parse_url),
            ("parse_literal", literal),
            ("coerce_input_literal", literal),
        ]:
            setattr(url, name, function)


@cache
def sandbox_schema() -> GraphQLSchema:
    """The sandbox's schema, built once a process: every resolver finds its store in `info.context`.

    Building it costs about 0.2 s; a test run opens hundreds of sandboxes, so they share one.
    """
    schema = build_schema(load_sdl())
    strict_url_scalar(schema)
    _wire_resolvers(schema)
    return schema


@lru_cache(maxsize=512)
def parsed_document(query: str) -> DocumentNode | tuple[GraphQLError, ...]:
    """A request's document parsed and validated against the sandbox schema, or why it is not valid.

    Shopify answers an invalid document with its errors and no data; the same query text always gets
    the same answer, so it is worked out once (documents are never mutated by execution).
    """
    try:
        document = parse(query)
    except GraphQLError as exc:
        return (exc,)
    problems = validate(sandbox_schema(), document)
    return tuple(problems) if problems else document


def _counted(count: int, limit: int | None) -> dict[str, Any]:
    """A Count as Shopify answers it: `limit` is "The upper bound on count value before returning a result. Use
    `null` to have no limit"; past it the count is the limit, precision AT_LEAST ("A limit was imposed and
    reached"), else EXACT (admin 2026-10 ordersCount, productsCount, productVariantsCount; CountPrecision).
    The schema's default limit is 10000: the resolvers' own default, as the SDL is written without defaults."""
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


_STATUS_LIST = re.compile(r"(?<![\w.])(-?)status:([A-Za-z_]+(?:,[A-Za-z_]+)+)", re.IGNORECASE)


def _status_lists(query: str | None) -> str | None:
    """`status:active,draft` ("Filter by a comma-separated list of statuses", the products search) as the
    OR of its statuses, which the search syntax already reads; `-status:a,b` as neither."""
    if not query:
        return query

    def either(match: re.Match[str]) -> str:
        statuses = " OR ".join(f"status:{status}" for status in match.group(2).split(","))
        return f"{'NOT ' if match.group(1) else ''}({statuses})"

    return _STATUS_LIST.sub(either, query)


def _on_store(method: str) -> Any:
    """A resolver that calls the store method `method` of the sandbox serving this request."""

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        return getattr(info.context["sandbox"], method)(source, info, **args)

    return resolve


def _connection_resolver(field_name: str) -> Any:
    def resolve(source: dict[str, Any], info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        return info.context["sandbox"].page(source.get(field_name) or [], info, **args)  # type: ignore[no-any-return]

    return resolve


def _wire_resolvers(schema: GraphQLSchema) -> None:
    for type_ in schema.type_map.values():
        fields = getattr(type_, "fields", None)
        if type_.name.startswith("__") or not fields or not hasattr(type_, "interfaces"):
            continue
        for name, field in fields.items():
            if get_named_type(field.type).name.endswith("Connection"):
                field.resolve = _connection_resolver(name)
    query = schema.type_map["QueryRoot"].fields  # type: ignore[attr-defined]
    query["shop"].resolve = lambda _, info: info.context["sandbox"].shop
    query["currentAppInstallation"].resolve = lambda _, info: {
        "accessScopes": [{"handle": h} for h in info.context["scopes"]]
    }
    query["locations"].resolve = _on_store("_resolve_locations")
    query["location"].resolve = lambda _, info, id=None: info.context["sandbox"]._location(id)
    query["productVariants"].resolve = _on_store("_resolve_variants")
    query["orders"].resolve = _on_store("_resolve_orders")
    query["order"].resolve = lambda _, info, id: info.context["sandbox"]._order(id, info)
    query["ordersCount"].resolve = _on_store("_count_orders")
    query["productsCount"].resolve = _on_store("_count_products")
    query["productVariantsCount"].resolve = _on_store("_count_variants")
    query["inventoryItem"].resolve = lambda _, info, id: info.context["sandbox"].items_by_id.get(id)
    query["bulkOperation"].resolve = lambda _, info, id: info.context["sandbox"]._poll_bulk(id)
    query["job"].resolve = lambda _, info, id: info.context["sandbox"].job(id)
    schema.type_map["InventoryLevel"].fields["quantities"].resolve = (  # type: ignore[attr-defined]
        lambda level, info, names: [{"name": n, "quantity": level["_quantities"].get(n, 0)} for n in names]
    )
    schema.type_map["Order"].fields["refunds"].resolve = (  # type: ignore[attr-defined]
        lambda order, info, first=None: order["refunds"][:first] if first else order["refunds"]
    )
    schema.type_map["Order"].fields["fulfillments"].resolve = (  # type: ignore[attr-defined]
        lambda order, info, first=None, query=None: order["fulfillments"][:first] if first else order["fulfillments"]
    )
    schema.type_map["InventoryItem"].fields["inventoryLevel"].resolve = (  # type: ignore[attr-defined]
        lambda item, info, locationId: info.context["sandbox"].levels.get((item["id"], locationId))
    )
    mutation = schema.type_map["Mutation"].fields  # type: ignore[attr-defined]
    mutation["inventorySetQuantities"].resolve = _on_store("_inventory_set_quantities")
    mutation["fulfillmentCreate"].resolve = _on_store("_fulfillment_create")
    mutation["fulfillmentTrackingInfoUpdate"].resolve = _on_store("_fulfillment_tracking_update")
    mutation["bulkOperationRunQuery"].resolve = _on_store("_bulk_run")
    mutation["orderCreate"].resolve = _on_store("_order_create")
    mutation["orderCancel"].resolve = _on_store("_order_cancel")
    for (type_name, field_name), needed in FIELD_SCOPES.items():
        field = schema.type_map[type_name].fields[field_name]  # type: ignore[attr-defined]
        field.resolve = _needs_scope(field_name, needed, field.resolve)


class ShopifySandbox(ShopifyMutations, RequestApp):
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
        hand_over: bool = False,
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
        self.schema = sandbox_schema()
        self.request_log: list[dict[str, Any]] = []
        # Operation name → the reason Shopify gives in `X-Shopify-API-Deprecated-Reason` when a request
        # uses something deprecated in the pinned version. Since 2025-04 the header lists the deprecated
        # fields used (e.g. "Shop.plan.displayName"); see https://shopify.dev/docs/api/usage/versioning and
        # https://shopify.dev/changelog/graphql-return-actual-deprecation-reasons. Empty: no header sent.
        self.deprecated_operations: dict[str, str] = {}
        # The scopes the app was granted (every token of this store has them; tests take some away).
        self.scopes: list[str] = SANDBOX_SCOPES.split(",")
        # False: every request through graphql-core's executor (the reference the direct one is tested against).
        self.execute_directly = True
        super().__init__(shopify, hand_over=hand_over)

    # -- resolvers ----------------------------------------------------------------------

    def _location(self, id: str | None) -> dict[str, Any] | None:
        return self.locations_by_id.get(id) if id else (self.locations[0] if self.locations else None)

    def _order(self, id: str, info: GraphQLResolveInfo[Any]) -> dict[str, Any] | None:
        """One order, if the app may see it (without read_all_orders, only the last 60 days)."""
        if id not in self.orders_by_id:
            return None
        return next(iter(self._visible_orders([self.orders_by_id[id]], info)), None)

    def page(self, items: list[Any], info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
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
            indexed = indexed[position + 1 :] if position is not None else []
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
        return {
            "edges": edges,
            "nodes": [e["node"] for e in edges],
            "pageInfo": {
                "hasNextPage": has_next,
                "hasPreviousPage": has_previous,
                "startCursor": edges[0]["cursor"] if edges else None,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }

    def _resolve_locations(self, _: Any, info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        rows = (
            self.locations if args.pop("includeInactive", False) else [loc for loc in self.locations if loc["isActive"]]
        )
        args.pop("includeLegacy", None)
        matches = parse_search(
            args.pop("query", None),
            {"name": lambda r: r["name"], "active": lambda r: r["isActive"]},
        )
        args.pop("sortKey", None)
        return self.page([r for r in rows if matches(r)], info, **args)

    def _resolve_variants(self, _: Any, info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        matches = parse_search(
            args.pop("query", None),
            {
                "sku": lambda v: v.get("sku"),
                "barcode": lambda v: v.get("barcode"),
                "product_status": lambda v: v["product"].get("status"),
                "title": lambda v: v.get("title"),
                "updated_at": lambda v: v.get("updatedAt"),
            },
        )
        args.pop("sortKey", None)
        args.pop("savedSearchId", None)
        return self.page([v for v in self.variants if matches(v)], info, **args)

    def _visible_orders(self, rows: list[dict[str, Any]], info: GraphQLResolveInfo[Any]) -> list[dict[str, Any]]:
        """Orders this app may see: without read_all_orders, only those created in the last 60 days."""
        if "read_all_orders" in info.context["scopes"]:
            return rows
        cutoff = (datetime.now(UTC) - timedelta(days=ORDER_WINDOW_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [o for o in rows if _utc_text(o["createdAt"]) >= cutoff]

    def _count_orders(
        self,
        _: Any,
        info: GraphQLResolveInfo[Any],
        query: str | None = None,
        limit: int | None = 10000,
        savedSearchId: str | None = None,
    ) -> dict[str, Any]:
        return _counted(len(self._visible_orders(self._matching_orders(query), info)), limit)

    def _count_products(
        self,
        _: Any,
        info: GraphQLResolveInfo[Any],
        query: str | None = None,
        limit: int | None = 10000,
        savedSearchId: str | None = None,
    ) -> dict[str, Any]:
        """productsCount: "Count of products. Limited to a maximum of 10000 by default" (admin 2026-10).

        Its query is the products search; a few of its fields are served. Without a `status` term every status
        is counted: the filter table gives `active` as that term's default value, but the unfiltered products
        query lists archived products too (community.shopify.com/t/why-is-this-product-query-filter-not-working/
        336624), and what the count does there is [U]; the sandbox counts what it lists."""
        variants_of: dict[str, list[dict[str, Any]]] = {}
        if query and re.search(r"\b(sku|barcode):", query):
            for variant in self.variants:
                variants_of.setdefault(variant["product"]["id"], []).append(variant)
        matches = parse_search(
            _status_lists(query),
            {
                "status": lambda p: p.get("status"),
                "title": lambda p: p.get("title"),
                "handle": lambda p: p.get("handle"),
                "vendor": lambda p: p.get("vendor"),
                "product_type": lambda p: p.get("productType"),
                "tag": lambda p: p.get("tags") or [],
                "sku": lambda p: [v.get("sku") for v in variants_of.get(p["id"], [])],
                "barcode": lambda p: [v.get("barcode") for v in variants_of.get(p["id"], [])],
                "updated_at": lambda p: p.get("updatedAt"),
                "created_at": lambda p: p.get("createdAt"),
            },
        )
        return _counted(sum(1 for product in self.products if matches(product)), limit)

    def _count_variants(
        self, _: Any, info: GraphQLResolveInfo[Any], query: str | None = None, limit: int | None = 10000
    ) -> dict[str, Any]:
        """productVariantsCount: "Count of product variants. Limited to a maximum of 10000 by default"; its
        query has "No supported search fields", so no term narrows it (an unknown field matches everything)."""
        return _counted(len(self.variants), limit)

    def _resolve_orders(self, _: Any, info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        rows = self._visible_orders(self._matching_orders(args.pop("query", None)), info)
        sort_key = args.pop("sortKey", None) or "ID"
        key = {
            "UPDATED_AT": "updatedAt",
            "CREATED_AT": "createdAt",
            "PROCESSED_AT": "processedAt",
        }.get(sort_key)
        if key:
            rows.sort(key=lambda o: o[key])
        args.pop("savedSearchId", None)
        return self.page(rows, info, **args)

    # -- HTTP ---------------------------------------------------------------------------

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
            return JsonAnswer({"errors": "Not Found"}, status_code=404)
        token = request.headers.get("x-shopify-access-token", "")
        if not self._token_valid(token):
            return JsonAnswer(INVALID_TOKEN_BODY, status_code=401)
        chaos = self.faults.chaos(after_work=False)
        if self.faults.take("server_error_next") or chaos == "server_error":
            status = self.faults.server_error_status
            return JsonAnswer({"errors": "Internal Server Error"}, status_code=status)
        if self.faults.take("malformed_next"):
            return Response(b'{"data": {"productVariants": {"nodes": [', 200, media_type="application/json")
        try:
            payload = json_loads(await request.body() or b"{}")
        except ValueError:
            return JsonAnswer({"errors": "Unable to parse the JSON body."}, status_code=400)
        result, status = self.run(payload, base_url=base_url, throttle=chaos == "throttle")
        self.request_log.append(
            {
                "operation": payload.get("operationName"),
                "status": status,
                "throttled": _is_throttled(result),
            }
        )
        headers = {"X-Request-Id": secrets.token_hex(8)}
        if status == 429:
            headers["Retry-After"] = "2.0"
        deprecated = self.deprecated_operations.get(str(payload.get("operationName")))
        if deprecated and status == 200:
            headers["X-Shopify-API-Deprecated-Reason"] = deprecated
        return JsonAnswer(result, status_code=status, headers=headers)

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
            return JsonAnswer({"error": "unsupported_grant_type"}, status_code=400)
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret") or not form.get("client_secret"):
            return JsonAnswer(
                {"error": "invalid_client", "error_description": "Client authentication failed."},
                status_code=401,
            )
        token = f"shpat_{secrets.token_hex(16)}"
        self.tokens[token] = self.clock.now() + self.token_lifetime_seconds
        return JsonAnswer(
            {
                "access_token": token,
                "scope": SANDBOX_SCOPES,
                "expires_in": self.token_lifetime_seconds,
            }
        )

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
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": int(self._available),
            "restoreRate": self.restore_rate,
        }

    def _refill(self) -> None:
        now = self.clock.now()
        self._available = min(self.maximum_available, self._available + (now - self._bucket_time) * self.restore_rate)
        self._bucket_time = now

    def run(
        self, payload: dict[str, Any], *, base_url: str = "http://shopify.sandbox", throttle: bool = False
    ) -> tuple[dict[str, Any], int]:
        """Execute one GraphQL request as Shopify would; returns (body, HTTP status)."""
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            return {"errors": [{"message": "No query string was present"}]}, 200
        variables = payload.get("variables") or {}
        document = parsed_document(query)
        if not isinstance(document, DocumentNode):
            return {"errors": [p.formatted for p in document]}, 200
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        operation = next(
            (op for op in operations if op.name and op.name.value == payload.get("operationName")),
            operations[0],
        )
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        coerced = _coerce_variables(self.schema, operation, variables)
        too_long = _longest_list(variables)
        if too_long > 250:
            return {
                "errors": [
                    {
                        "message": f"The input array size of {too_long} is greater than the maximum allowed of 250.",
                        "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                    }
                ]
            }, 200
        try:
            cost = requested_cost(self.schema, operation, fragments, coerced)
        except (GraphQLError, TypeError, ValueError):
            cost = 1
        self._refill()
        if cost > MAX_QUERY_COST:
            return {
                "errors": [
                    {
                        "message": f"Query cost is {cost}, which exceeds the single query max cost limit "
                        f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/"
                        "rate-limits for more information on how the\ncost of a query is "
                        "calculated.\n\nTo query larger amounts of data with fewer limits, bulk "
                        "operations should be used instead.\nSee https://shopify.dev/tutorials/"
                        "perform-bulk-operations-with-admin-api for usage details.\n",
                        "extensions": {
                            "code": "MAX_COST_EXCEEDED",
                            "cost": cost,
                            "maxCost": MAX_QUERY_COST,
                        },
                    }
                ]
            }, 200
        if throttle or self.faults.take("throttle_next") or cost > self._available:
            throttled: dict[str, Any] = {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": None,
                        "throttleStatus": self._throttle_status(),
                    }
                },
            }
            return throttled, 429 if self.throttle_as_429 else 200
        self._available -= cost
        self.run_due_jobs()
        context: dict[str, Any] = {
            "sandbox": self,
            "bulk": False,
            "scopes": list(self.scopes),
            "base_url": base_url,
            "raw_input": variables.get("input") if isinstance(variables.get("input"), dict) else {},
        }
        arguments: dict[str, Any] = {
            "variable_values": variables,
            "context_value": context,
            "operation_name": payload.get("operationName"),
            "is_awaitable": _never_awaitable,
        }
        # The direct executor gives graphql-core's answer at a fraction of its cost, or None for a document it
        # leaves to graphql-core (shopify_execute.py; tests/test_shopify_execute.py compares the two).
        result = execute_direct(self.schema, document, **arguments) if self.execute_directly else None
        if result is None:
            executed = execute(self.schema, document, **arguments)
            assert isinstance(executed, ExecutionResult)
            result = executed
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
        body["extensions"] = {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": actual,
                "throttleStatus": self._throttle_status(),
            }
        }
        return body, 200


def _never_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """Every resolver here is a plain function: graphql-core need not ask each of a response's values whether
    it is awaitable (4.4 million asks in the suite, 10 s of its CPU)."""
    return False


def _needs_scope(field_name: str, needed: tuple[str, ...], resolve: Any) -> Any:
    def guarded(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        if not any(scope in info.context["scopes"] for scope in needed):
            required = " or ".join(f"`{scope}`" for scope in needed)
            raise GraphQLError(
                f"Access denied for {field_name} field. Required access: {required} access scope.",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"{required} access scope.",
                },
            )
        return resolve(source, info, **args) if resolve is not None else default_field_resolver(source, info, **args)

    return guarded


def _utc_text(stamp: str) -> str:
    """An ISO time as UTC text that sorts as time does."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_throttled(body: dict[str, Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in body.get("errors") or [])


def _coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> dict[str, Any]:
    from graphql import is_input_type, type_from_ast

    coerced: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if name in variables:
            coerced[name] = variables[name]
        elif definition.default_value is not None and is_input_type(type_):
            coerced[name] = value_from_ast(definition.default_value, type_)
    return coerced


def _longest_list(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest_list(v) for v in value)])
    if isinstance(value, dict):
        return max([0, *(_longest_list(v) for v in value.values())])
    return 0
