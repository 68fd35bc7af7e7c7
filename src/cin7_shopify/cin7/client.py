"""Async client for the Cin7 Core API v2, following its documented wire format.

- auth: `api-auth-accountid` and `api-auth-applicationkey` headers on every call;
- lists: `Page`/`Limit` (max 1000) with an endpoint-specific envelope key;
- pacing: one shared budget per account (see pacer.py);
- retries: throttles (429, 503, or a 400 whose text names the 60-call limit) always, honouring
  Retry-After; 5xx and broken connections only for reads, because a write that may have landed
  must be checked by the caller (the sync's ledger) rather than sent twice;
- errors: the `[{"ErrorCode","Exception"}]` array, an ErrorCode inside a 200 and HTML-in-200
  all become typed errors carrying Cin7's own message.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError
from tenacity import RetryCallState

from cin7_shopify.cin7.drift import ModelDrift
from cin7_shopify.cin7.errors import (
    Cin7AuthError,
    Cin7ConnectionError,
    Cin7Error,
    Cin7NotFound,
    Cin7RateLimited,
    Cin7ServerError,
    Cin7UnexpectedResponse,
    Cin7ValidationError,
)
from cin7_shopify.cin7.models import (
    EMPTY_GUID,
    AdditionalCharge,
    CreditNote,
    Customer,
    FamilySummary,
    Fulfilment,
    FulfilmentStage,
    Location,
    Me,
    PickPackLine,
    Product,
    ProductAvailability,
    ProductFamily,
    ProductSummary,
    Sale,
    SaleCreate,
    SaleLine,
    SaleListRow,
    SaleOrder,
    ShipLine,
    StockSummary,
    TaxRule,
)
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import Clock
from cin7_shopify.net import (
    UNREAD,
    build_request,
    describe_transport_error,
    parsed_url,
    quick_json,
    send,
    tls_context,
)
from cin7_shopify.retry import with_retries

DEFAULT_BASE_URL = "https://inventory.dearsystems.com/ExternalApi/v2/"
RECENT_ANSWER_SECONDS = 120.0  # a 403 this soon after a good answer is taken for a throttle first
PAGE_LIMIT = 1000
_THROTTLE_TEXT = re.compile(r"calls per|api limit|too many requests", re.IGNORECASE)

M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int, int], None]


class Cin7Client:
    def __init__(
        self,
        account_id: str,
        application_key: str | SecretStr,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Cin7Pacer | None = None,
        clock: Clock | None = None,
        max_retries: int = 6,
        timeout: float = 60.0,
    ) -> None:
        key = application_key if isinstance(application_key, SecretStr) else SecretStr(application_key)
        self.account_id = account_id
        self.pacer = pacer or Cin7Pacer(clock=clock)
        self.clock = self.pacer.clock
        self.max_retries = max_retries
        self.calls = 0  # HTTP requests sent, retries included: the scarce resource
        self.retries = 0
        self.drift = ModelDrift()  # fields Cin7 sent that our models do not know (names only)
        self._last_answer: float | None = None  # when Cin7 last accepted these credentials (pacer clock)
        base_url = base_url or DEFAULT_BASE_URL
        self._http = httpx.AsyncClient(
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            transport=transport,
            verify=tls_context() if transport is None else True,
            timeout=timeout,
            headers={
                "api-auth-accountid": account_id,
                "api-auth-applicationkey": key.get_secret_value(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        self._base_url = str(self._http.base_url)
        self._extensions = {"timeout": self._http.timeout.as_dict()}

    async def __aenter__(self) -> Cin7Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- reads --------------------------------------------------------------------------

    async def me(self) -> Me:
        return self._noted("GET /me", Me.model_validate(await self._request("GET", "me")))

    async def list_products(
        self, *, include_deprecated: bool = False, include_bom: bool = False, on_page: Progress | None = None
    ) -> list[Product]:
        """Products; a kit's components only with `include_bom` (Cin7's IncludeBOM, APIB:L5034)."""
        params = {"IncludeDeprecated": str(include_deprecated).lower()}
        if include_bom:
            params["IncludeBOM"] = "true"
        return await self._paged("product", "Products", Product, params, on_page)

    async def count_products(self, *, include_deprecated: bool = False) -> int:
        """How many products list_products would return, in one call: every list answers its `Total`
        ({ "Products":[{...}], "Total":41}, APIB:L112), so a page of one record is enough."""
        params = {"IncludeDeprecated": str(include_deprecated).lower(), "Page": "1", "Limit": "1"}
        body = await self._request("GET", "product", params=params)
        total = body.get("Total") if isinstance(body, dict) and "Products" in body else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise Cin7UnexpectedResponse("the answer has no 'Total' count", status=200, endpoint="GET /product")
        return total

    async def list_product_families(self, *, on_page: Progress | None = None) -> list[ProductFamily]:
        return await self._paged("productFamily", "ProductFamilies", ProductFamily, {}, on_page)

    async def list_availability(
        self, *, location: str | None = None, on_page: Progress | None = None
    ) -> list[ProductAvailability]:
        params = {"Location": location} if location else {}
        return await self._paged(
            "ref/productavailability",
            "ProductAvailabilityList",
            ProductAvailability,
            params,
            on_page,
        )

    # Whole-catalogue reads, one page in memory at a time and each row reduced to a summary.

    def product_summaries(self, *, include_deprecated: bool = False) -> AsyncIterator[ProductSummary]:
        params = {"IncludeDeprecated": str(include_deprecated).lower()}
        return self._rows("product", "Products", ProductSummary, params)

    def family_summaries(self) -> AsyncIterator[FamilySummary]:
        return self._rows("productFamily", "ProductFamilies", FamilySummary, {})

    def stock_summaries(self, *, location: str | None = None) -> AsyncIterator[StockSummary]:
        params = {"Location": location} if location else {}
        return self._rows("ref/productavailability", "ProductAvailabilityList", StockSummary, params)

    async def list_locations(self, *, include_bins: bool = False) -> list[Location]:
        rows = await self._paged("ref/location", "LocationList", Location, {}, None)
        return rows if include_bins else [row for row in rows if not row.is_bin]

    async def list_tax_rules(self) -> list[TaxRule]:
        return await self._paged("ref/tax", "TaxRuleList", TaxRule, {}, None)

    async def list_customers(
        self,
        *,
        contact_filter: str | None = None,
        name: str | None = None,
        modified_since: str | None = None,
        on_page: Progress | None = None,
    ) -> list[Customer]:
        params: dict[str, str] = {}
        if contact_filter:
            params["ContactFilter"] = contact_filter
        if name:
            params["Name"] = name
        if modified_since:
            params["ModifiedSince"] = modified_since  # UTC, ISO 8601 (dearinventory.apib GET /customer)
        return await self._paged("customer", "CustomerList", Customer, params, on_page)

    async def find_customer_by_email(self, email: str) -> Customer | None:
        """ContactFilter narrows the search; the exact email is re-checked here."""
        for customer in await self.list_customers(contact_filter=email.strip()):
            if customer.has_email(email):
                return customer
        return None

    async def list_sales(
        self,
        *,
        external_id: str | None = None,
        updated_since: str | None = None,
        created_since: str | None = None,
        search: str | None = None,
        on_page: Progress | None = None,
    ) -> list[SaleListRow]:
        params: dict[str, str] = {}
        if external_id:
            params["ExternalID"] = external_id
        if updated_since:
            params["UpdatedSince"] = updated_since
        if created_since:
            params["CreatedSince"] = created_since
        if search:
            params["Search"] = search
        return await self._paged("saleList", "SaleList", SaleListRow, params, on_page)

    async def find_sales_by_external_id(self, external_id: str) -> list[SaleListRow]:
        return [row for row in await self.list_sales(external_id=external_id) if row.ExternalID == external_id]

    async def get_sale(self, sale_id: str) -> Sale:
        return self._noted("GET /sale", Sale.model_validate(await self._request("GET", "sale", params={"ID": sale_id})))

    async def get_fulfilments(self, sale_id: str) -> list[Fulfilment]:
        body = await self._request("GET", "sale/fulfilment", params={"SaleID": sale_id})
        rows = body.get("Fulfilments") or []
        return [self._noted("GET /sale/fulfilment", Fulfilment.model_validate(row)) for row in rows]

    # -- writes -------------------------------------------------------------------------

    async def create_product(self, product: Product) -> Product:
        body = await self._request("POST", "product", json_body=product.to_wire())
        return _first(body, "Products", Product)

    async def update_product(self, product: Product) -> Product:
        body = await self._request("PUT", "product", json_body=product.to_wire())
        return _first(body, "Products", Product)

    async def create_customer(self, customer: Customer) -> Customer:
        body = await self._request("POST", "customer", json_body=customer.to_wire())
        return _first(body, "CustomerList", Customer)

    async def update_customer(self, customer: Customer) -> Customer:
        body = await self._request("PUT", "customer", json_body=customer.to_wire())
        return _first(body, "CustomerList", Customer)

    async def create_sale(self, sale: SaleCreate) -> Sale:
        return Sale.model_validate(await self._request("POST", "sale", json_body=sale.to_wire()))

    async def save_order(
        self,
        sale_id: str,
        lines: Iterable[SaleLine],
        *,
        additional_charges: Iterable[AdditionalCharge] = (),
        status: str = "AUTHORISED",
        memo: str | None = None,
    ) -> SaleOrder:
        order = SaleOrder(
            SaleID=sale_id,
            Status=status,
            Memo=memo,
            Lines=list(lines),
            AdditionalCharges=list(additional_charges),
        )
        return SaleOrder.model_validate(await self._request("POST", "sale/order", json_body=order.to_wire()))

    async def add_fulfilment(self, sale_id: str) -> list[Fulfilment]:
        """Start a further fulfilment task (a later shipment of the same sale)."""
        body = await self._request("POST", "sale/fulfilment", json_body={"SaleID": sale_id})
        return [Fulfilment.model_validate(row) for row in (body.get("Fulfilments") or [])]

    async def pick(self, task_id: str, lines: Iterable[PickPackLine], *, status: str = "AUTHORISED") -> FulfilmentStage:
        body = {"TaskID": task_id, "Status": status, "Lines": [line.to_wire() for line in lines]}
        return await self._fulfilment_step("sale/fulfilment/pick", body)

    async def pack(self, task_id: str, lines: Iterable[PickPackLine], *, status: str = "AUTHORISED") -> FulfilmentStage:
        body = {"TaskID": task_id, "Status": status, "Lines": [line.to_wire() for line in lines]}
        return await self._fulfilment_step("sale/fulfilment/pack", body)

    async def ship(self, task_id: str, lines: Iterable[ShipLine], *, status: str = "AUTHORISED") -> FulfilmentStage:
        """Ship boxes the task packed; a ship that leaves a packed box behind is PARTIALLY AUTHORISED."""
        body = {"TaskID": task_id, "Status": status, "Lines": [line.to_wire() for line in lines]}
        return await self._fulfilment_step("sale/fulfilment/ship", body)

    async def add_tracking(self, task_id: str, lines: Iterable[ShipLine]) -> FulfilmentStage:
        """Tracking or carrier added to an authorised shipment, by box (APIB:L23844 `AddTrackingNumbers`)."""
        body = {
            "TaskID": task_id,
            "Status": "AUTHORISED",
            "AddTrackingNumbers": True,
            "Lines": [line.to_wire() for line in lines],
        }
        return await self._fulfilment_step("sale/fulfilment/ship", body, method="PUT")

    async def create_invoice(
        self,
        sale_id: str,
        lines: Iterable[SaleLine],
        *,
        invoice_date: str,
        additional_charges: Iterable[AdditionalCharge] = (),
        status: str = "AUTHORISED",
    ) -> dict[str, Any]:
        """A new invoice (TaskID = empty GUID); Cin7 answers with the sale's invoices, newest last."""
        body = {
            "SaleID": sale_id,
            "TaskID": EMPTY_GUID,
            "Status": status,
            "InvoiceDate": invoice_date,
            "InvoiceDueDate": invoice_date,
            "Lines": [line.to_wire() for line in lines],
            "AdditionalCharges": [charge.to_wire() for charge in additional_charges],
        }
        answer = await self._request("POST", "sale/invoice", json_body=body)
        invoices = answer.get("Invoices") or [] if isinstance(answer, dict) else []
        if not invoices:
            raise Cin7UnexpectedResponse("the answer has no invoice", status=200, endpoint="POST /sale/invoice")
        created: dict[str, Any] = invoices[-1]
        return created

    async def void_sale(self, sale_id: str) -> Sale:
        return Sale.model_validate(await self._request("DELETE", "sale", params={"ID": sale_id, "Void": "true"}))

    async def create_credit_note(
        self,
        sale_id: str,
        lines: Iterable[SaleLine],
        *,
        invoice_number: str,
        credit_date: str,
        restock: Iterable[PickPackLine] = (),
        restock_location: str | None = None,
        additional_charges: Iterable[AdditionalCharge] = (),
        status: str = "AUTHORISED",
        memo: str | None = None,
    ) -> CreditNote:
        """A credit note against the named invoice (APIB:L24280 `CreditNoteInvoiceNumber`, L24283
        `CreditNoteDate`); each restock line carries its Location (L29837)."""
        restock_lines = []
        for line in restock:
            wire = line.to_wire()
            if restock_location:
                wire.setdefault("Location", restock_location)
                wire["RestockLocation"] = restock_location
            restock_lines.append(wire)
        body: dict[str, Any] = {
            "SaleID": sale_id,
            "TaskID": EMPTY_GUID,
            "CreditNoteInvoiceNumber": invoice_number,
            "CreditNoteDate": credit_date,
            "Status": status,
            "Memo": memo,
            "Lines": [line.to_wire() for line in lines],
            "AdditionalCharges": [charge.to_wire() for charge in additional_charges],
            "Restock": restock_lines,
        }
        answer = await self._request(
            "POST", "sale/creditnote", json_body={k: v for k, v in body.items() if v is not None}
        )
        notes = answer.get("CreditNotes") or [] if isinstance(answer, dict) else []
        if not notes:
            raise Cin7UnexpectedResponse("the answer has no credit note", status=200, endpoint="POST /sale/creditnote")
        return CreditNote.model_validate(notes[-1])

    # -- plumbing -----------------------------------------------------------------------

    def _noted(self, endpoint: str, record: M) -> M:
        self.drift.note(endpoint, record)
        return record

    async def _fulfilment_step(self, path: str, body: dict[str, Any], *, method: str = "POST") -> FulfilmentStage:
        return FulfilmentStage.model_validate(await self._request(method, path, json_body=body))

    async def _paged(
        self,
        path: str,
        key: str,
        model: type[M],
        params: dict[str, str],
        on_page: Progress | None,
    ) -> list[M]:
        records: list[M] = []
        async for page, rows, total in self._pages(path, key, params):
            for index, row in enumerate(rows):
                records.append(self._noted(f"GET /{path}", _validated(model, row, index, page, path)))
            if on_page:
                on_page(len(records), total)
        return records

    async def _rows(self, path: str, key: str, model: type[M], params: dict[str, str]) -> AsyncIterator[M]:
        """Each record of every page as `model`, one page held at a time (summaries: no drift noted)."""
        async for page, rows, _ in self._pages(path, key, params):
            for index, row in enumerate(rows):
                yield _validated(model, row, index, page, path)

    async def _pages(self, path: str, key: str, params: dict[str, str]) -> AsyncIterator[tuple[int, list[Any], int]]:
        """Each page's number, raw rows and Cin7's Total, until the last page."""
        page = 1
        while True:
            body = await self._request("GET", path, params={**params, "Page": str(page), "Limit": str(PAGE_LIMIT)})
            if not isinstance(body, dict) or key not in body:
                raise Cin7UnexpectedResponse(f"the answer has no '{key}' list", status=200, endpoint=f"GET /{path}")
            rows = body.get(key) or []
            total = int(body.get("Total") or 0)
            yield page, rows, total
            if not rows or page >= math.ceil(total / PAGE_LIMIT):
                return
            page += 1

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Any:
        """One call, retried by policy: reads after a timeout, a lost connection or a 5xx (with backoff);
        every call after a throttle answer (the pacer holds the whole account for the wait). A write is
        never resent after an answer that may mean it was kept; the caller's ledger decides."""
        endpoint = f"{method} /{path}"
        try:
            return await with_retries(
                lambda attempt: self._attempt(method, path, params, json_body, endpoint, attempt),
                retries=self.max_retries,
                clock=self.clock,
                wait=_planned_wait,
                retry_on=_TryAgain,
                on_retry=self._count_retry,
            )
        except _TryAgain as exhausted:
            raise exhausted.final() from None

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1

    def _build(self, method: str, path: str, params: dict[str, str] | None, json_body: Any) -> httpx.Request:
        """The request `AsyncClient.request(method, path, params=...)` builds, the same on the wire (URL,
        headers, timeout), with the URL joined as text: httpx re-parsed the base URL and the path, each
        character checked, three times a call (a third of a call's CPU against the sandbox)."""
        url = self._base_url + path.lstrip("/")
        if params:
            url += "?" + str(httpx.QueryParams(params))
        content = None if json_body is None else _dumps(json_body)
        return build_request(method, parsed_url(url), self._http.headers, content, self._extensions)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        json_body: Any,
        endpoint: str,
        attempt: int,
    ) -> Any:
        is_read = method == "GET"
        await self.pacer.acquire()
        self.calls += 1
        try:
            response = await send(self._http, self._build(method, path, params, json_body))
        except httpx.TimeoutException as exc:
            error: Cin7Error = Cin7ConnectionError(
                describe_transport_error(exc) + ("" if is_read else "; the change may or may not have been saved"),
                endpoint=endpoint,
            )
            raise _TryAgain(error) if is_read else error from None
        except httpx.TransportError as exc:
            error = Cin7ConnectionError(describe_transport_error(exc), endpoint=endpoint)
            raise _TryAgain(error) if is_read else error from None

        status = response.status_code
        body = _json_answer(response)  # read once: a page of 1,000 rows was parsed twice, for errors and for data
        errors = _error_list(body)
        message = "; ".join(str(e.get("Exception") or "").strip() for e in errors) if errors else ""
        if _is_throttle(status, message):
            self.pacer.hold(_retry_after(response) or min(60.0, 5.0 * 2 ** (attempt - 1)))
            raise _TryAgain(Cin7RateLimited(message or "too many calls", status=status, endpoint=endpoint), held=True)
        if status >= 500:
            error = Cin7ServerError(message or f"HTTP {status}", status=status, endpoint=endpoint)
            raise _TryAgain(error) if is_read else error
        if status == 403 or status == 401:
            error = Cin7AuthError(
                message or response.text.strip()[:200] or "Incorrect credentials", status=status, endpoint=endpoint
            )
            if self._answered_recently():
                # Cin7 answers some throttles with 403 too (a production client's finding): on an account
                # that answered moments ago, wait as for a throttle; if it persists, it is the credentials.
                self.pacer.hold(min(60.0, 5.0 * 2 ** (attempt - 1)))
                raise _TryAgain(error, held=True, persisted=f"after {self.max_retries} retries")
            raise error
        self._last_answer = self.clock.now()
        if status == 404:
            raise Cin7NotFound(message or "not found (HTTP 404)", status=404, endpoint=endpoint)
        if errors:
            code = _int_or_none(errors[0].get("ErrorCode"))
            cls: type[Cin7Error] = Cin7NotFound if code == 404 else Cin7ValidationError
            raise cls(message or "rejected", status=status, error_code=code, endpoint=endpoint)
        if status >= 400:
            raise Cin7ValidationError(response.text.strip()[:300] or f"HTTP {status}", status=status, endpoint=endpoint)
        if body is not _NOT_JSON:  # so the text is neither empty nor HTML
            return {} if status == 204 else body
        text = response.text
        if status == 204 or not text.strip():
            return {}
        if text.lstrip().startswith("<"):
            raise Cin7UnexpectedResponse(
                "answered with an HTML page instead of JSON (usually a wrong path)",
                status=status,
                endpoint=endpoint,
            )
        try:
            return json.loads(text)
        except ValueError:
            raise Cin7UnexpectedResponse(
                "answered with a body that is not JSON", status=status, endpoint=endpoint
            ) from None

    def _answered_recently(self) -> bool:
        return self._last_answer is not None and self.clock.now() - self._last_answer <= RECENT_ANSWER_SECONDS


class _TryAgain(Exception):
    """An answer worth another attempt. `held`: the pacer already holds the account for the wait."""

    def __init__(self, error: Cin7Error, *, held: bool = False, persisted: str = "") -> None:
        super().__init__(error.message)
        self.error, self.held, self.persisted = error, held, persisted

    def final(self) -> Cin7Error:
        """What the caller sees once the retries are spent."""
        if self.persisted:
            self.error.message = f"{self.error.message} ({self.persisted})"
        return self.error


def _planned_wait(state: RetryCallState) -> float:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, _TryAgain) and error.held:
        return 0.0  # the pacer makes every caller on the account wait instead
    return min(30.0, 2.0 ** (state.attempt_number - 1))


def _dumps(body: Any) -> bytes:
    return json.dumps(body, default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} to Cin7")


_NOT_JSON = object()


def _json_answer(response: httpx.Response) -> Any:
    """`_json_body(response.text)`, read from the bytes where they are UTF-8 (no charset, or utf-8) and
    start an object or a list: then the text is those bytes decoded, and `quick_json` reads them as the
    stdlib reads the text. The rest (and what quick_json leaves) is decoded and read as before."""
    content_type = response.headers.get("content-type") or ""
    if "charset" not in content_type.lower() or (response.charset_encoding or "").lower() in ("utf-8", "utf8"):
        raw = response.content.lstrip()
        if raw[:1] in (b"[", b"{"):
            body = quick_json(raw)
            if body is not UNREAD:
                return body
    return _json_body(response.text)


def _json_body(text: str) -> Any:
    """An answer's JSON object or list, or _NOT_JSON (empty, HTML, plain text, broken JSON)."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "[{":
        return _NOT_JSON
    try:
        return json.loads(stripped)
    except ValueError:
        return _NOT_JSON


def _error_list(body: Any) -> list[dict[str, Any]]:
    """Cin7's error model, wherever it hides: a list of {ErrorCode, Exception} or one such object."""
    if isinstance(body, dict) and "ErrorCode" in body:
        return [body]
    if isinstance(body, list) and body and all(isinstance(e, dict) and "ErrorCode" in e for e in body):
        return body
    return []


def _is_throttle(status: int, message: str) -> bool:
    if status in (429, 503):
        return True
    return status == 400 and bool(_THROTTLE_TEXT.search(message))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _first(body: Any, key: str, model: type[M]) -> M:
    rows = body.get(key) if isinstance(body, dict) else None
    if not rows:
        raise Cin7UnexpectedResponse(f"the answer has no saved record under '{key}'")
    return model.model_validate(rows[0])


def _validated(model: type[M], row: Any, index: int, page: int, path: str) -> M:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        raise Cin7UnexpectedResponse(
            f"record {index + 1} of page {page} does not look like a {getattr(model, 'record_name', model.__name__)}: "
            f"{_first_problem(exc)}",
            endpoint=f"GET /{path}",
        ) from None


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}"
