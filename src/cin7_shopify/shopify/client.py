"""Async client for the Shopify Admin GraphQL API.

- tokens: an admin-created token, or the client-credentials grant (renewed 5 minutes before it
  expires and once on a 401), both as an `httpx.Auth`;
- pacing from `extensions.cost.throttleStatus`: before a call we wait until the bucket, refilled at
  the restore rate, holds what that operation cost last time; THROTTLED (an HTTP 200) and 429 are
  retried after the wait the restore rate implies;
- 5xx and dropped connections are retried for queries and for idempotent mutations only;
- cursor pages of 250 and bulk operations (run, poll, download JSONL, rebuild children).
"""

from __future__ import annotations

import json
import math
import re
import ssl
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.net import build_request, describe_transport_error, json_loads, parsed_url, send, tls_context
from cin7_shopify.retry import with_retries
from cin7_shopify.shopify.documents import bulk_orders_query, document
from cin7_shopify.shopify.domain import DEFAULT_API_VERSION as DEFAULT_API_VERSION  # re-exported
from cin7_shopify.shopify.domain import normalize_shop_domain as normalize_shop_domain
from cin7_shopify.shopify.errors import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyBulkFailed,
    ShopifyConnectionError,
    ShopifyError,
    ShopifyQueryTooCostly,
    ShopifyServerError,
    ShopifyThrottled,
    ShopifyUnexpectedResponse,
)
from cin7_shopify.shopify.models import (
    Count,
    FulfillmentOrder,
    FulfilmentState,
    OrderLine,
    SentFulfilment,
    SetStockResult,
    ShopifyLocation,
    ShopifyOrder,
    ShopifyVariant,
    ShopInfo,
    StockConflict,
    StockLevel,
    StockSet,
    StoreCounts,
)

PAGE_SIZE = 250
ORDERS_PAGE_SIZE = 3  # keeps the order document's requested cost under Shopify's 1000 per query
BATCH_TRIES = 3  # sends of one batch Shopify refused as a whole before its items are reported
MAX_INPUT_ITEMS = 250

Progress = Callable[[int, int | None], None]


ORDER_WINDOW_DAYS = 60  # without read_all_orders Shopify shows this many days of orders
READ_ALL_ORDERS = "read_all_orders"


class AccessToken:
    """An Admin API access token created in the Shopify admin (shpat_…)."""

    renewable = False

    def __init__(self, token: str | SecretStr) -> None:
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)

    def token(self) -> str:
        return self._token.get_secret_value()


class ClientCredentials:
    """Client id + secret exchanged for a token that expires (Dev Dashboard apps on stores you own)."""

    renewable = True
    RENEW_BEFORE_SECONDS = 300.0

    def __init__(self, client_id: str, client_secret: str | SecretStr, *, clock: Clock | None = None) -> None:
        self.client_id = client_id
        self._secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        self.clock: Clock = clock or SystemClock()
        self._token: SecretStr | None = None
        self._expires_at = 0.0
        self.scopes: list[str] = []
        self.grants = 0

    def needs_grant(self) -> bool:
        return self._token is None or self.clock.now() >= self._expires_at - self.RENEW_BEFORE_SECONDS

    def grant_request(self, shop_url: str) -> httpx.Request:
        return httpx.Request(
            "POST",
            f"{shop_url}/admin/oauth/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret.get_secret_value(),
            },
            headers={"Accept": "application/json"},
        )

    def accept(self, response: httpx.Response) -> None:
        """Take the token from the grant's answer, or say why there is none."""
        if response.status_code in (400, 401, 403):
            raise ShopifyAuthError("the app's client id or client secret was refused", status=response.status_code)
        if response.status_code != 200:
            raise ShopifyServerError(
                f"token request failed with HTTP {response.status_code}", status=response.status_code
            )
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ShopifyUnexpectedResponse("the token answer had no access_token") from None
        self.grants += 1
        self._token = SecretStr(token)
        self._expires_at = self.clock.now() + float(body.get("expires_in") or 86399)
        self.scopes = [s for s in str(body.get("scope") or "").split(",") if s]

    def token(self) -> str:
        assert self._token is not None, "grant first"
        return self._token.get_secret_value()


class ShopifyAuth(httpx.Auth):
    """The access token on every request. A client-credentials token is granted before it is needed
    (5 minutes before it expires) and once more when Shopify answers 401 (it was revoked or rotated)."""

    requires_response_body = True  # the grant's answer is read inside the flow (httpx reads it for us)

    def __init__(self, credentials: AccessToken | ClientCredentials, shop_url: str) -> None:
        self.credentials = credentials
        self.shop_url = shop_url

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = self.credentials
        if isinstance(credentials, ClientCredentials) and credentials.needs_grant():
            credentials.accept((yield credentials.grant_request(self.shop_url)))
        request.headers["X-Shopify-Access-Token"] = credentials.token()
        response = yield request
        if response.status_code == 401 and isinstance(credentials, ClientCredentials):
            credentials.accept((yield credentials.grant_request(self.shop_url)))
            request.headers["X-Shopify-Access-Token"] = credentials.token()
            yield request


class ShopifyClient:
    def __init__(
        self,
        shop_domain: str,
        credentials: AccessToken | ClientCredentials,
        *,
        api_version: str = DEFAULT_API_VERSION,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str | None = None,
        clock: Clock | None = None,
        max_retries: int = 6,
        timeout: float = 60.0,
    ) -> None:
        self.shop_domain = normalize_shop_domain(shop_domain)
        self.api_version = api_version
        self.credentials = credentials
        self.clock: Clock = clock or SystemClock()
        self.max_retries = max_retries
        self.shop_url = (base_url or f"https://{self.shop_domain}").rstrip("/")
        self._transport = transport
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=self._verify(),
            timeout=timeout,
        )
        self._auth = ShopifyAuth(credentials, self.shop_url)
        self._headers = httpx.Headers(self._http.headers)
        self._headers.update({"Content-Type": "application/json", "Accept": "application/json"})
        self._extensions = {"timeout": self._http.timeout.as_dict()}
        self.calls = 0
        self.retries = 0
        self.throttle_waits: list[float] = []
        self._bucket: tuple[float, float, float, float] | None = None  # available, max, rate, observed at
        self._last_cost: dict[str, float] = {}
        # (operation, reason) for each answer that carried X-Shopify-API-Deprecated-Reason: the session
        # keeps them in the store's api-health.json, so a field going away is seen before it is removed.
        self.deprecations: list[tuple[str, str]] = []

    async def __aenter__(self) -> ShopifyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _verify(self) -> ssl.SSLContext | bool:
        return tls_context() if self._transport is None else True

    @property
    def endpoint(self) -> str:
        return f"{self.shop_url}/admin/api/{self.api_version}/graphql.json"

    # -- transport ------------------------------------------------------------------------

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Send one GraphQL document; returns `data` or raises a typed ShopifyError."""
        name = operation_name or _operation_name(query)
        payload = {"query": query, "variables": variables or {}, "operationName": name}
        body_bytes = json.dumps(payload).encode()
        try:
            return await with_retries(
                lambda _: self._attempt(name, body_bytes, idempotent=idempotent),
                retries=self.max_retries,
                clock=self.clock,
                wait=_planned_wait,
                retry_on=_TryAgain,
                on_retry=self._count_retry,
            )
        except _TryAgain as exhausted:
            raise exhausted.error from None

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _TryAgain) and error.wait is not None:
            self.throttle_waits.append(error.wait)

    def _build(self, body_bytes: bytes) -> httpx.Request:
        """The request `AsyncClient.post(self.endpoint, ...)` builds, the same on the wire (URL, headers,
        timeout), from headers merged once: httpx re-parsed the endpoint and merged the headers again for
        every call (a third of a call's CPU against the sandbox). The token is added by the auth."""
        return build_request("POST", parsed_url(self.endpoint), self._headers, body_bytes, self._extensions)

    async def _attempt(self, name: str, body_bytes: bytes, *, idempotent: bool) -> dict[str, Any]:
        """One send: the answer's data, a typed error, or _TryAgain for what a retry may cure."""
        await self._wait_for_budget(name)
        self.calls += 1
        try:
            response = await send(self._http, self._build(body_bytes), self._auth)
        except httpx.TransportError as exc:
            what = describe_transport_error(exc)
            if idempotent:
                raise _TryAgain(ShopifyConnectionError(what)) from None
            raise ShopifyConnectionError(what + "; the change may or may not have been made") from None
        status = response.status_code
        if status == 401:
            raise ShopifyAuthError(_rest_error(response) or "invalid API key or access token", status=401)
        if status == 429:
            wait = _float(response.headers.get("Retry-After")) or 1.0
            raise _TryAgain(ShopifyThrottled("too many requests (HTTP 429)", status=429), wait=wait)
        if status >= 500:
            error = ShopifyServerError(f"HTTP {status}", status=status)
            raise _TryAgain(error) if idempotent else error
        if status == 402:
            raise ShopifyError(
                "the shop is frozen (payment required)",
                status=402,
                hint="The merchant must settle the Shopify bill before the API answers.",
            )
        if status == 423:
            raise ShopifyError("the shop is locked", status=423, hint="Ask Shopify support why the shop is locked.")
        if status == 403:
            raise ShopifyAccessDenied(_rest_error(response) or "access denied", status=403)
        if status == 404:
            raise ShopifyError(
                f"{self.shop_domain} has no Admin API at version {self.api_version}",
                status=404,
                hint="Check the shop domain and the API version in the store profile.",
            )
        if status != 200:
            raise ShopifyUnexpectedResponse(_rest_error(response) or f"HTTP {status}", status=status)
        reason = response.headers.get("X-Shopify-API-Deprecated-Reason")
        if reason and (name, reason) not in self.deprecations:
            self.deprecations.append((name, reason))
        try:
            body = json_loads(response.content)  # response.json(), parsed faster
        except ValueError:
            raise ShopifyUnexpectedResponse("answered with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise ShopifyUnexpectedResponse("answered with JSON that is not an object")
        cost = (body.get("extensions") or {}).get("cost") or {}
        self._observe(name, cost)
        errors = body.get("errors") or []
        codes = {str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}
        if "THROTTLED" in codes:
            raise _TryAgain(ShopifyThrottled("Throttled", code="THROTTLED"), wait=_throttle_wait(cost))
        if errors:
            message = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
            if "ACCESS_DENIED" in codes or "Access denied" in message:
                raise ShopifyAccessDenied(message, code="ACCESS_DENIED")
            if "MAX_COST_EXCEEDED" in codes or "max cost limit" in message:
                raise ShopifyQueryTooCostly(message.splitlines()[0], code="MAX_COST_EXCEEDED")
            raise ShopifyError(message, code=next(iter(codes - {"None"}), None))
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopifyUnexpectedResponse("the answer had no data")
        return data

    async def _wait_for_budget(self, operation: str) -> None:
        """Wait until the bucket holds what the operation cost last time, then take it from our reading:
        Shopify charges a query when it arrives, so queries sent together would otherwise each see the
        same points and all but the first come back THROTTLED."""
        while self._bucket is not None:
            available, maximum, rate, observed = self._bucket
            # One point more than the cost: throttleStatus reports currentlyAvailable in whole points.
            needed = min(self._last_cost.get(operation, 50.0) + 1, maximum)
            now = self.clock.now()
            now_available = min(maximum, available + (now - observed) * rate)
            # A thousandth of a point of slack: after sleeping exactly the wait, float rounding can leave
            # the sum a hair short, and a clock at 1e6 s does not move for a wait of 1e-12 s.
            if now_available + 0.001 >= needed or rate <= 0:
                self._bucket = (now_available - needed, maximum, rate, now)
                return
            await self.clock.sleep((needed - now_available) / rate)

    def _observe(self, operation: str, cost: dict[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        if status:
            self._bucket = (
                float(status.get("currentlyAvailable", 0)),
                float(status.get("maximumAvailable", 1000)),
                float(status.get("restoreRate", 50)),
                self.clock.now(),
            )
        if cost.get("requestedQueryCost") is not None:
            self._last_cost[operation] = float(cost["requestedQueryCost"])

    async def paginate(
        self,
        query: str,
        variables: dict[str, Any],
        path: tuple[str, ...],
        *,
        on_page: Progress | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every node of the connection at `path`, following endCursor."""
        after: str | None = None
        seen = 0
        while True:
            data = await self.execute(query, {**variables, "after": after})
            connection: Any = data
            for key in path:
                connection = (connection or {}).get(key)
            if connection is None:
                return
            for node in connection.get("nodes", []):
                seen += 1
                yield node
            if on_page:
                on_page(seen, None)
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage"):
                return
            after = page_info.get("endCursor")

    # -- reads ----------------------------------------------------------------------------

    async def shop_info(self) -> ShopInfo:
        data = await self.execute(document("shop"))
        shop = data["shop"]
        scopes = [s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes") or []]
        return ShopInfo(
            name=shop["name"],
            domain=shop["myshopifyDomain"],
            currency=shop["currencyCode"],
            taxes_included=bool(shop["taxesIncluded"]),
            plan=(shop.get("plan") or {}).get("publicDisplayName", ""),  # displayName is deprecated in 2026-10
            development_store=bool((shop.get("plan") or {}).get("partnerDevelopment")),
            timezone=shop.get("ianaTimezone") or "",
            scopes=scopes,
        )

    async def require_order_history(self, since: datetime, *, what: str) -> None:
        """Refuse, in words, to read orders older than 60 days without `read_all_orders`: Shopify would
        leave them out without a word (schema: Order; reference/shopify_admin_api.md §7), and `what`
        (a backfill, a reconcile) would report nothing where there is something. One call, only when
        `since` reaches that far back."""
        oldest_visible = datetime.now(UTC) - timedelta(days=ORDER_WINDOW_DAYS)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        if since >= oldest_visible:
            return
        if READ_ALL_ORDERS in (await self.shop_info()).scopes:
            return
        raise ShopifyAccessDenied(
            f"{what} since {since:%Y-%m-%d} needs orders older than {ORDER_WINDOW_DAYS} days, and Shopify shows "
            f"those only to apps granted the {READ_ALL_ORDERS} scope, which this store's app lacks: "
            "it would miss them without a word.",
            code="ACCESS_DENIED",
            hint=(
                f"Grant {READ_ALL_ORDERS}: in Shopify admin, Settings → Apps and sales channels → Develop apps → "
                "the app → Configuration → Admin API access scopes, tick read_all_orders, save and reinstall "
                "the app (a public app requests it in the Partner Dashboard first). Or choose a date within "
                f"the last {ORDER_WINDOW_DAYS} days ({oldest_visible:%Y-%m-%d} or later)."
            ),
        )

    async def locations(self) -> list[ShopifyLocation]:
        return [
            ShopifyLocation.from_graphql(node)
            async for node in self.paginate(document("locations"), {}, ("locations",))
        ]

    async def variants(self, *, search: str | None = None, on_page: Progress | None = None) -> list[ShopifyVariant]:
        """Every variant (250 a call), without stock levels; see location_stock and bulk_variants."""
        return [
            ShopifyVariant.from_graphql(node)
            async for node in self.paginate(
                document("variants"), {"query": search}, ("productVariants",), on_page=on_page
            )
        ]

    async def location_stock(self, location_id: str) -> dict[str, StockLevel]:
        """Stock at one location by inventory item id (250 items a call)."""
        levels: dict[str, StockLevel] = {}
        async for node in self.paginate(
            document("inventory_levels"),
            {"locationId": location_id},
            ("location", "inventoryLevels"),
        ):
            levels[node["item"]["id"]] = StockLevel.from_quantities(location_id, node["quantities"])
        return levels

    async def orders(self, search: str, *, on_page: Progress | None = None) -> list[ShopifyOrder]:
        """Orders matching a search, e.g. "updated_at:>'2026-11-20T00:00:00Z'", oldest change first.

        Every order comes with all its lines: one past the first page is read to its end (B2B orders
        run to hundreds of lines), so nothing downstream ever sees part of an order.
        """
        orders = [
            ShopifyOrder.from_graphql(node)
            async for node in self.paginate(
                document("orders"),
                {"query": search, "first": ORDERS_PAGE_SIZE},
                ("orders",),
                on_page=on_page,
            )
        ]
        for order in orders:
            if order.lines_truncated:
                await self._read_remaining_lines(order)
        return orders

    async def order_stamps(self, search: str) -> dict[str, str]:
        """Order id → updatedAt of the orders matching a search, 250 a call (ids and times only)."""
        return {
            node["id"]: node["updatedAt"]
            async for node in self.paginate(
                document("order_stamps"), {"query": search, "first": PAGE_SIZE}, ("orders",)
            )
        }

    async def orders_by_id(self, ids: list[str], *, per_search: int = 50) -> list[ShopifyOrder]:
        """These orders in full (`id:` search terms, OR-ed a few dozen at a time), oldest change first.

        The orders query filters by `id` ("Filter by `id` range ... `id:1234`", admin 2026-10 QueryRoot.orders).
        """
        orders: list[ShopifyOrder] = []
        for start in range(0, len(ids), per_search):
            numbers = [order_id.rsplit("/", 1)[-1] for order_id in ids[start : start + per_search]]
            orders += await self.orders(" OR ".join(f"id:{number}" for number in numbers))
        return sorted(orders, key=lambda order: order.updated_at)

    async def _read_remaining_lines(self, order: ShopifyOrder) -> None:
        after = order.lines_cursor
        while True:
            data = await self.execute(document("order_line_items"), {"id": order.id, "after": after})
            if data.get("order") is None:
                raise ShopifyError(f"order {order.name} was not found while reading its lines")
            connection = data["order"]["lineItems"]
            order.lines.extend(OrderLine.from_graphql(node) for node in connection["nodes"])
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage"):
                break
            after = page_info.get("endCursor")
        order.lines_truncated, order.lines_cursor = False, None

    async def store_counts(self, orders_search: str | None, *, limit: int | None = None) -> StoreCounts:
        """Products, variants and the orders matching a search, counted by Shopify: one call, whatever the size.

        Products and variants are counted up to `limit` (None: to the end); orders up to Shopify's default 10,000.
        """
        data = await self.execute(document("store_counts"), {"orders": orders_search, "limit": limit})
        return StoreCounts(
            products=Count.from_graphql(data["productsCount"]),
            variants=Count.from_graphql(data["productVariantsCount"]),
            orders=Count.from_graphql(data["ordersCount"]),
        )

    async def orders_updated_between(self, since: str, until: str | None = None) -> list[ShopifyOrder]:
        search = f"updated_at:>='{since}'" + (f" AND updated_at:<'{until}'" if until else "")
        return await self.orders(search)

    async def fulfillment_orders(self, order_id: str) -> list[FulfillmentOrder]:
        return (await self.fulfilment_state(order_id)).fulfillment_orders

    async def fulfilment_state(self, order_id: str) -> FulfilmentState:
        """The order's fulfillment orders, and the fulfilments already made with their tracking."""
        data = await self.execute(document("fulfillment_orders"), {"orderId": order_id})
        order = data.get("order")
        if order is None:
            raise ShopifyError(f"order {order_id} was not found")
        return FulfilmentState(
            fulfillment_orders=[FulfillmentOrder.from_graphql(node) for node in order["fulfillmentOrders"]["nodes"]],
            fulfillments=[
                SentFulfilment(id=f["id"], numbers=[t["number"] for t in f["trackingInfo"] if t.get("number")])
                for f in order.get("fulfillments") or []
            ],
        )

    async def stock_level(self, inventory_item_id: str, location_id: str) -> StockLevel | None:
        data = await self.execute(document("inventory_level"), {"itemId": inventory_item_id, "locationId": location_id})
        level = (data.get("inventoryItem") or {}).get("inventoryLevel")
        return StockLevel.from_quantities(location_id, level["quantities"]) if level else None

    # -- bulk -----------------------------------------------------------------------------

    async def run_bulk_query(
        self,
        query: str,
        *,
        on_progress: Progress | None = None,
        poll_seconds: float = 0.1,  # small catalogues are done at once: look soon, then back off
        max_poll_seconds: float = 5.0,
        max_polls: int = 5000,
    ) -> list[dict[str, Any]]:
        """Run a bulk query and return its JSONL rows with children nested under `__children`."""
        url = await self._bulk_result_url(
            query,
            on_progress=on_progress,
            poll_seconds=poll_seconds,
            max_poll_seconds=max_poll_seconds,
            max_polls=max_polls,
        )
        return rebuild_bulk_rows(await self._download(url))

    async def bulk_lines(self, query: str, *, on_progress: Progress | None = None) -> AsyncIterator[dict[str, Any]]:
        """Run a bulk query and yield its JSONL rows one at a time, as they are read (children not nested):
        a caller that keeps a few fields of each row never holds the whole result."""
        url = await self._bulk_result_url(query, on_progress=on_progress)
        if not url:
            return  # Shopify gives no URL when the query matched nothing
        async with httpx.AsyncClient(transport=self._transport, verify=self._verify(), timeout=300) as plain:
            self.calls += 1
            async with plain.stream("GET", url) as response:  # a signed storage URL: never send the token there
                if response.status_code != 200:
                    raise ShopifyBulkFailed(
                        f"could not download the bulk result (HTTP {response.status_code} from {urlparse(url).netloc})"
                    )
                number = 0
                async for line in response.aiter_lines():
                    number += 1
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except ValueError:
                            raise ShopifyBulkFailed(f"bulk result line {number} is not JSON") from None

    async def _bulk_result_url(
        self,
        query: str,
        *,
        on_progress: Progress | None = None,
        poll_seconds: float = 0.1,
        max_poll_seconds: float = 5.0,
        max_polls: int = 5000,
    ) -> str | None:
        """Start a bulk query and poll it until it completes: the URL of its result (None: no rows)."""
        data = await self.execute(document("bulk_run"), {"query": query})
        result = data["bulkOperationRunQuery"]
        if result["userErrors"]:
            raise ShopifyBulkFailed("; ".join(e["message"] for e in result["userErrors"]))
        operation_id = result["bulkOperation"]["id"]
        wait = poll_seconds
        for _ in range(max_polls):
            await self.clock.sleep(wait)
            wait = min(max_poll_seconds, wait * 1.5)  # small catalogues finish in a second; big ones take minutes
            status = (await self.execute(document("bulk_status"), {"id": operation_id}))["bulkOperation"]
            if on_progress:
                on_progress(int(status.get("objectCount") or 0), None)
            if status["status"] == "COMPLETED":
                url = status.get("url")
                return str(url) if url else None
            if status["status"] in {"FAILED", "CANCELED", "CANCELLED", "EXPIRED"}:
                partial = status.get("partialDataUrl")
                raise ShopifyBulkFailed(
                    f"bulk operation {status['status'].lower()}"
                    + (f" ({status['errorCode']})" if status.get("errorCode") else "")
                    + ("; partial data was kept by Shopify" if partial else "")
                )
        raise ShopifyBulkFailed("bulk operation did not finish in time")

    async def _download(self, url: str | None) -> list[dict[str, Any]]:
        if not url:
            return []  # Shopify gives no URL when the query matched nothing
        # A signed storage URL: never send the access token there.
        async with httpx.AsyncClient(transport=self._transport, verify=self._verify(), timeout=300) as plain:
            self.calls += 1
            response = await plain.get(url)
        if response.status_code != 200:
            raise ShopifyBulkFailed(
                f"could not download the bulk result (HTTP {response.status_code} from {urlparse(url).netloc})"
            )
        rows = []
        for number, line in enumerate(response.text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    raise ShopifyBulkFailed(f"bulk result line {number} is not JSON") from None
        return rows

    async def bulk_variants(self, *, on_progress: Progress | None = None) -> list[ShopifyVariant]:
        """Every variant with its stock at every location, in one bulk operation."""
        variants = []
        for row in await self.run_bulk_query(document("bulk_variants"), on_progress=on_progress):
            variant = ShopifyVariant.from_graphql(row)
            variant.levels = [
                StockLevel.from_quantities(level["location"]["id"], level["quantities"])
                for level in row.get("__children", [])
                if "location" in level
            ]
            variants.append(variant)
        return variants

    async def catalog_variants(self, *, on_progress: Progress | None = None) -> AsyncIterator[ShopifyVariant]:
        """Every variant with its option names and tracking, no stock levels, one at a time (the audit)."""
        async for row in self.bulk_lines(document("bulk_catalog"), on_progress=on_progress):
            yield ShopifyVariant.from_graphql(row)

    async def bulk_orders(self, search: str, *, on_progress: Progress | None = None) -> list[ShopifyOrder]:
        orders = []
        for row in await self.run_bulk_query(bulk_orders_query(search), on_progress=on_progress):
            # Children of an order are its line items and its shipping lines; only shipping lines have no id.
            children = row.pop("__children", [])
            row["lineItems"] = {"nodes": [child for child in children if "id" in child]}
            row["shippingLines"] = {"nodes": [child for child in children if "id" not in child]}
            orders.append(ShopifyOrder.from_graphql(row))
        return orders

    # -- writes ---------------------------------------------------------------------------

    async def set_available(
        self,
        quantities: Iterable[StockSet],
        *,
        reason: str = "correction",
        reference: str | None = None,
        name: str = "available",
    ) -> SetStockResult:
        """Write absolute stock, compare-and-set, ≤250 per call, one idempotency key per call.

        The mutation applies all of its input or none of it. Items whose changeFromQuantity is stale
        (or that Shopify refuses by index) are reported, never overwritten, and the rest of the batch
        is sent again without them. An error that names no item (IDEMPOTENCY_CONCURRENT_REQUEST,
        IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED, or any code Shopify adds later) refused the whole batch:
        it is sent again with a fresh key, and after the last try every item in it is reported.
        """
        result = SetStockResult()
        pending = list(quantities)
        for start in range(0, len(pending), MAX_INPUT_ITEMS):
            batch = pending[start : start + MAX_INPUT_ITEMS]
            refused_whole = 0
            while batch:
                response = await self._set_batch(batch, reason=reason, reference=reference, name=name)
                result.calls += 1
                errors = response["userErrors"]
                if not errors:
                    result.applied.extend(batch)
                    break
                rejected: set[int] = set()
                unplaced: list[dict[str, Any]] = []
                for error in errors:
                    index = _quantity_index(error.get("field"))
                    if index is None or index >= len(batch):
                        unplaced.append(error)
                        continue
                    item = batch[index]
                    rejected.add(index)
                    result.conflicts.append(
                        StockConflict(
                            inventory_item_id=item.inventory_item_id,
                            location_id=item.location_id,
                            code=error.get("code"),
                            message=error["message"],
                        )
                    )
                batch = [q for i, q in enumerate(batch) if i not in rejected]
                if not unplaced:
                    continue
                refused_whole += 1
                if refused_whole < BATCH_TRIES:
                    continue  # _set_batch draws a fresh idempotency key each time
                error = unplaced[0]
                result.conflicts += [
                    StockConflict(
                        inventory_item_id=q.inventory_item_id,
                        location_id=q.location_id,
                        code=error.get("code"),
                        message=f"{error['message']} (refused {BATCH_TRIES} times)",
                    )
                    for q in batch
                ]
                break
        return result

    async def _set_batch(
        self, batch: list[StockSet], *, reason: str, reference: str | None, name: str
    ) -> dict[str, Any]:
        # changeFromQuantity must be sent on every item, as null when we do not compare.
        variables = {
            "idempotencyKey": str(uuid.uuid4()),
            "input": {
                "name": name,
                "reason": reason,
                "referenceDocumentUri": reference,
                "quantities": [
                    {
                        "inventoryItemId": q.inventory_item_id,
                        "locationId": q.location_id,
                        "quantity": q.quantity,
                        "changeFromQuantity": q.change_from,
                    }
                    for q in batch
                ],
            },
        }
        data = await self.execute(document("inventory_set_quantities"), variables, idempotent=True)
        payload: dict[str, Any] = data["inventorySetQuantities"]
        return payload

    async def place_order(
        self,
        lines: list[tuple[str, int, Decimal]],
        *,
        email: str,
        currency: str,
        tax: tuple[str, float] | None,
        taxes_included: bool,
        tags: list[str],
        test: bool = True,
    ) -> tuple[str, str]:
        """A paid test order for (variant id, quantity, unit price) lines; returns (order id, name)."""

        def money(amount: Decimal) -> dict[str, Any]:
            return {"shopMoney": {"amount": str(amount), "currencyCode": currency}}

        def tax_line(amount: Decimal) -> list[dict[str, Any]]:
            if tax is None:
                return []
            title, rate = tax
            share = (
                amount * Decimal(str(rate)) / (1 + Decimal(str(rate)))
                if taxes_included
                else amount * Decimal(str(rate))
            )
            return [{"title": title, "rate": rate, "priceSet": money(share.quantize(Decimal("0.01")))}]

        order = {
            "email": email,
            "currency": currency,
            "financialStatus": "PAID",
            "test": test,
            "tags": tags,
            "taxesIncluded": taxes_included,  # Shopify's default is false, whatever the shop's setting
            "lineItems": [
                {"variantId": variant, "quantity": qty, "priceSet": money(price), "taxLines": tax_line(price * qty)}
                for variant, qty, price in lines
            ],
        }
        data = await self.execute(
            document("order_create"),
            # The default BYPASS claims no stock: a test order must behave as a customer's order does.
            {"order": order, "options": {"sendReceipt": False, "inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}},
            idempotent=False,
        )
        payload = data["orderCreate"]
        if payload["userErrors"]:
            raise ShopifyError("; ".join(e["message"] for e in payload["userErrors"]), code="USER_ERROR")
        return payload["order"]["id"], payload["order"]["name"]

    async def cancel_order(self, order_id: str, *, restock: bool = True, staff_note: str = "") -> None:
        """Cancel an order (reason OTHER), refunded to the original payment and restocked; the customer not told."""
        variables = {"orderId": order_id, "reason": "OTHER", "restock": restock, "staffNote": staff_note or None}
        data = await self.execute(document("order_cancel"), variables, idempotent=False)
        payload = data["orderCancel"]
        if payload["orderCancelUserErrors"]:
            raise ShopifyError("; ".join(e["message"] for e in payload["orderCancelUserErrors"]), code="USER_ERROR")
        job = payload.get("job") or {}
        if job.get("id") and not job.get("done"):
            await self.wait_for_job(job["id"], what=f"cancelling order {order_id}")

    async def wait_for_job(self, job_id: str, *, what: str, seconds: float = 120.0) -> None:
        """Poll an asynchronous mutation's job until Shopify has run it (schema: Job.done "indicates if the
        job is still queued or has been run"; orderCancel "returns a job"): until then nothing it does shows."""
        waited = 0.0
        delay = 0.2  # the mutation's answer said "not done": look again soon, then back off
        while True:
            await self.clock.sleep(delay)
            waited += delay
            data = await self.execute(document("job"), {"id": job_id})
            if (data.get("job") or {}).get("done"):
                return
            if waited >= seconds:
                raise ShopifyError(
                    f"Shopify has not finished {what} after {seconds:.0f} s (job {job_id}).",
                    code="JOB_PENDING",
                    hint="Shopify is still working on it: look again in a few minutes, then run it again.",
                )
            delay = min(delay * 1.5, 10.0)

    async def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: list[tuple[str, int]] | None,
        *,
        tracking: dict[str, Any] | None = None,
        notify_customer: bool = False,
    ) -> dict[str, Any]:
        """Fulfil lines of one fulfillment order (all remaining when `lines` is None) with tracking
        (a FulfillmentTrackingInput: see shopify/tracking.py)."""
        group: dict[str, Any] = {"fulfillmentOrderId": fulfillment_order_id}
        if lines is not None:
            group["fulfillmentOrderLineItems"] = [{"id": line_id, "quantity": qty} for line_id, qty in lines]
        variables = {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": [group],
                "notifyCustomer": notify_customer,
                **({"trackingInfo": tracking} if tracking else {}),
            }
        }
        # Not idempotent on Shopify's side: a lost answer is checked by the caller, never re-sent blindly.
        data = await self.execute(document("fulfillment_create"), variables, idempotent=False)
        return _fulfillment_of(data["fulfillmentCreate"], hint="Check the order's fulfillment in Shopify.")

    async def update_tracking(self, fulfillment_id: str, tracking: dict[str, Any]) -> dict[str, Any]:
        """Replace a fulfilment's tracking (the warehouse added or corrected it after shipping)."""
        variables = {"fulfillmentId": fulfillment_id, "trackingInfoInput": tracking}
        data = await self.execute(document("fulfillment_tracking_update"), variables, idempotent=False)
        return _fulfillment_of(
            data["fulfillmentTrackingInfoUpdate"], hint="Check the fulfilment's tracking in Shopify."
        )


def rebuild_bulk_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put each JSONL child under its parent's `__children`, whatever order the lines came in."""
    parents: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    orphans: list[dict[str, Any]] = []
    for row in rows:
        row.setdefault("__children", [])
        if "id" in row:
            parents[row["id"]] = row
        if "__parentId" in row:
            orphans.append(row)
        else:
            roots.append(row)
    for child in orphans:
        parent = parents.get(child.pop("__parentId"))
        if parent is not None:
            parent["__children"].append(child)
    return roots


def _operation_name(query: str) -> str:
    match = re.search(r"^\s*(?:query|mutation)\s+(\w+)", query, re.MULTILINE)
    return match.group(1) if match else "anonymous"


def _throttle_wait(cost: dict[str, Any]) -> float:
    status = cost.get("throttleStatus") or {}
    requested = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50)
    return float(max(1, math.ceil((requested - available) / rate)))


def _quantity_index(field: list[str] | None) -> int | None:
    if field and len(field) >= 3 and field[:2] == ["input", "quantities"]:
        try:
            return int(field[2])
        except ValueError:
            return None
    return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _rest_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    errors = body.get("errors") if isinstance(body, dict) else None
    return str(errors) if errors else ""


class _TryAgain(Exception):
    """An answer a retry may cure; `wait`: how long Shopify says to wait (else backoff)."""

    def __init__(self, error: ShopifyError, *, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error, self.wait = error, wait


def _planned_wait(state: RetryCallState) -> float:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, _TryAgain) and error.wait is not None:
        return error.wait
    return min(30.0, 2.0 ** (state.attempt_number - 1))


def _fulfillment_of(payload: dict[str, Any], *, hint: str) -> dict[str, Any]:
    """The fulfilment a fulfilment mutation answered with, or its user errors as one ShopifyError."""
    if payload["userErrors"]:
        raise ShopifyError("; ".join(e["message"] for e in payload["userErrors"]), code="USER_ERROR", hint=hint)
    fulfillment: dict[str, Any] = payload["fulfillment"]
    return fulfillment
