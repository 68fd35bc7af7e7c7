"""A faithful local emulator of the Cin7 Core API v2 (ASGI), seeded from a scenario's cin7.json.

What it reproduces, because our clients must cope with it:
- the two auth headers, 403 with Cin7's text body on bad credentials;
- paths and query keys matched case-insensitively; `Page`/`Limit` (1..1000) with `Total`/`Page`
  and each endpoint's own list key; product/customer writes answered in the list envelope;
- the error model `[{"ErrorCode","Exception"}]`, and HTTP 200 with an HTML page for a wrong path;
- a per-account limit of 60 calls in any 60 s, answered as 429, 503 or the 400 body (selectable);
- sale stage rules: order needs SkipQuote or an authorised quote, pick an authorised order,
  pack an authorised pick, ship an authorised pack; stock allocated when the order is authorised
  and deducted when shipped, visible in ref/productavailability; void only before picking.
"""

from __future__ import annotations

import copy
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.net import json_loads
from cin7_shopify.sandbox.asgi import JsonAnswer, RequestApp, request_path
from cin7_shopify.sandbox.cin7_account import Cin7ApiError, _truthy, _utc_now
from cin7_shopify.sandbox.cin7_sales import Cin7SaleRules
from cin7_shopify.sandbox.faults import Faults, ThrottleShape
from cin7_shopify.sandbox.records import copied_except

SANDBOX_CIN7_ACCOUNT = "5a4d0000-0000-4000-8000-00000000c1a7"
SANDBOX_CIN7_KEY = "sandbox-application-key"
API_PREFIX = "/externalapi/v2/"

THROTTLE_MESSAGES = {
    "429": "Too many requests. You reached 60 calls per 60 seconds API limit.",
    "503": "You reached 60 calls per minute API limit",
    "400": "You have reached 60 calls per 60 seconds API limit.",
}

PAGE_NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>Page not found</title></head>"
    "<body><h1>Page not found</h1><p>The page you requested does not exist.</p></body></html>"
)


class Cin7Sandbox(Cin7SaleRules, RequestApp):
    """One Cin7 Core account's data plus the rules Cin7 applies to it."""

    def __init__(
        self,
        cin7: dict[str, Any],
        *,
        clock: Clock | None = None,
        accounts: dict[str, str] | None = None,
        calls_per_minute: int = 60,
        throttle_shape: ThrottleShape = "429",
        faults: Faults | None = None,
        retry_after_seconds: float | None = None,
        hand_over: bool = False,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.accounts = accounts or {SANDBOX_CIN7_ACCOUNT: SANDBOX_CIN7_KEY}
        self.calls_per_minute = calls_per_minute
        self.throttle_shape: ThrottleShape = throttle_shape
        self.retry_after_seconds = retry_after_seconds  # Cin7 documents none; a 429 may carry one
        self.faults = faults or Faults()
        self.accepted_calls: dict[str, deque[float]] = {}
        self.call_log: list[tuple[float, str, str, int]] = []
        # Work the account does by itself between calls (the emulated built-in Shopify connector).
        self.background: list[Callable[[], None]] = []
        # The catalogue's records are rebuilt by the account (cin7_account.py), so they are not copied first.
        rebuilt = {"Products", "ProductFamilies", "ProductAvailability"}
        super().__init__(copied_except(cin7, rebuilt, hand_over=hand_over))

    async def handle(self, request: Request) -> Response:
        now = self.clock.now()
        for work in self.background:
            work()
        response = await self._answer(request, now)
        self.call_log.append((now, request.method.upper(), request_path(request).lower(), response.status_code))
        return response

    async def _answer(self, request: Request, now: float) -> Response:
        method = request.method.upper()
        path = request_path(request).lower()
        account = request.headers.get("api-auth-accountid", "")
        key = request.headers.get("api-auth-applicationkey", "")
        if not key or self.accounts.get(account) != key:
            return PlainTextResponse("403 Incorrect credentials!", status_code=403)
        chaos = self.faults.chaos(after_work=False)
        if self.faults.take("throttle_next") or chaos == "throttle" or self._over_limit(account, now):
            return self._throttle_response()
        self.accepted_calls.setdefault(account, deque()).append(now)
        if self.faults.take("server_error_next") or chaos == "server_error":
            status = self.faults.server_error_status
            return _errors(status, "An unexpected error occurred. Please try again later.")
        if self.faults.take("malformed_next"):
            return Response(b'{"Total": 3, "Page": 1, "Products": [{"ID": "', 200, media_type="application/json")
        if self.faults.take("error_in_200_next"):
            return _errors(400, "Unable to process the request at this time.", status=200)
        if not path.startswith(API_PREFIX):
            return Response(PAGE_NOT_FOUND_HTML, 200, media_type="text/html")
        route = path[len(API_PREFIX) :].strip("/")
        query = {k.lower(): v for k, v in request.query_params.items()}
        body: Any = None
        if method in {"POST", "PUT"}:
            try:
                body = json_loads(await request.body() or b"null")
            except ValueError:
                return _errors(500, "Unable to parse the object from the request body.")
            if not isinstance(body, dict):
                return _errors(400, "Request body must be a JSON object.")
        routes = self._routes()
        handler = routes.get((method, route))
        if handler is None:
            if any(known == route for _, known in routes):
                return _errors(405, f"The requested resource does not support http method '{method}'.")
            # Cin7 answers a wrong path with its web app's "Page not found", as HTTP 200.
            return Response(PAGE_NOT_FOUND_HTML, 200, media_type="text/html")
        try:
            return JsonAnswer(handler(query, body))
        except Cin7ApiError as exc:
            return _errors(exc.status, exc.message)

    def _over_limit(self, account: str, now: float) -> bool:
        window = self.accepted_calls.setdefault(account, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        return len(window) >= self.calls_per_minute

    def _throttle_response(self) -> Response:
        if self.throttle_shape == "403":
            # A production client of Cin7 reports 403 as a throttle answer too ("429 and 403 are the same
            # thing in Cin7": repo JoaoBueno1/Rapid-Labels core/cin7/cin7-client.js). Its body is not
            # known [U]: the most confusing guess is the bad-credentials answer itself (APIB:L120).
            return PlainTextResponse("403 Incorrect credentials!", status_code=403)
        status = int(self.throttle_shape)
        response = _errors(status, THROTTLE_MESSAGES[self.throttle_shape])
        if self.retry_after_seconds is not None and status == 429:
            response.headers["Retry-After"] = f"{self.retry_after_seconds:g}"
        return response

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, str], Any], Any]]:
        return {
            ("GET", "me"): lambda q, b: self.me,
            ("GET", "product"): self._get_products,
            ("POST", "product"): self._post_product,
            ("PUT", "product"): self._put_product,
            ("GET", "productfamily"): self._get_families,
            ("GET", "ref/productavailability"): self._get_availability,
            ("GET", "ref/location"): self._get_locations,
            ("GET", "ref/tax"): self._get_tax,
            ("GET", "customer"): self._get_customers,
            ("POST", "customer"): self._post_customer,
            ("PUT", "customer"): self._put_customer,
            ("GET", "salelist"): self._get_sale_list,
            ("GET", "sale"): lambda q, b: self._sale(q.get("id")),
            ("POST", "sale"): self._post_sale,
            ("DELETE", "sale"): self._delete_sale,
            ("GET", "sale/order"): lambda q, b: self._sale(q.get("saleid"))["Order"],
            ("POST", "sale/order"): self._post_order,
            ("GET", "sale/fulfilment"): self._get_fulfilment,
            ("POST", "sale/fulfilment"): self._post_fulfilment,
            ("POST", "sale/fulfilment/pick"): lambda q, b: self._post_stage("Pick", b),
            ("POST", "sale/fulfilment/pack"): lambda q, b: self._post_stage("Pack", b),
            ("POST", "sale/fulfilment/ship"): lambda q, b: self._post_ship(b, method="POST"),
            ("PUT", "sale/fulfilment/ship"): lambda q, b: self._post_ship(b, method="PUT"),
            ("POST", "sale/invoice"): self._post_invoice,
            ("GET", "sale/creditnote"): lambda q, b: {
                "SaleID": q.get("saleid"),
                "CreditNotes": self._sale(q.get("saleid"))["CreditNotes"],
            },
            ("POST", "sale/creditnote"): self._post_credit_note,
        }

    # -- paging -------------------------------------------------------------------------

    # -- reference data -----------------------------------------------------------------

    def _get_products(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = self.products
        if "id" in q:
            rows = [p for p in rows if p["ID"] == q["id"]]
        if not _truthy(q.get("includedeprecated", "false")):
            rows = [p for p in rows if p["Status"] == "Active"]
        if q.get("name"):
            rows = [p for p in rows if q["name"].lower() in (p["Name"] or "").lower()]
        if q.get("sku"):
            rows = [p for p in rows if p["SKU"].lower().startswith(q["sku"].lower())]
        if q.get("modifiedsince"):
            rows = [p for p in rows if (p.get("LastModifiedOn") or "") >= q["modifiedsince"]]
        answer = self._page(q, rows, "Products")
        if not _truthy(q.get("includebom", "false")):
            # "IncludeBOM … Include Bill Of Materials information (Default: false)" (APIB:L5034): a kit
            # still says BillOfMaterial/AutoAssembly, but its components come only when asked for
            # [U: whether the list is [] or absent then; we send []].
            for product in answer["Products"]:
                product["BillOfMaterialsProducts"] = []
        return answer

    def _validate_product(self, body: dict[str, Any], *, existing_id: str | None) -> None:
        sku = (body.get("SKU") or "").strip() if existing_id is None or "SKU" in body else None
        if existing_id is None:
            for required in ("SKU", "Name", "Category", "Type", "CostingMethod", "UOM", "Status"):
                if not body.get(required):
                    raise Cin7ApiError(f"{required} is required.")
        if body.get("Category") and body["Category"] not in self.categories:
            # Production answer to an unknown category: {"ErrorCode":404,"Exception":"Category not found."}
            # (repo antonhill/cin7core-feeder docs/cin7-api-findings.md §5; real_behaviour.md).
            raise Cin7ApiError("Category not found.", 404)
        if body.get("UOM") and body["UOM"] not in self.units:
            raise Cin7ApiError("UOM not found.", 404)  # APIB:L4960; the exact words are [U]
        if sku is not None:
            if not sku:
                raise Cin7ApiError("SKU is required.")
            if any(p["SKU"].lower() == sku.lower() and p["ID"] != existing_id for p in self.products):
                raise Cin7ApiError(f"Product SKU must be unique. SKU '{sku}' is already in use.")
        if body.get("Status") and body["Status"] not in {"Active", "Deprecated"}:
            raise Cin7ApiError("Status should be 'Active' or 'Deprecated'.")
        for field in ("SaleTaxRule", "PurchaseTaxRule"):
            if body.get(field) and not any(t["Name"] == body[field] for t in self.tax_rules):
                raise Cin7ApiError(f"Tax rule '{body[field]}' was not found in reference book", 404)

    def _post_product(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        self._validate_product(body, existing_id=None)
        record = self._product_record({**body, "ID": str(uuid.uuid4()), "LastModifiedOn": _utc_now()})
        self.products.append(record)
        return {"Total": 1, "Page": 1, "Products": [copy.deepcopy(record)]}

    def _put_product(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        record = next((p for p in self.products if p["ID"] == body.get("ID")), None)
        if record is None:
            raise Cin7ApiError("Product not found.", 404)
        self._validate_product(body, existing_id=record["ID"])
        record.update({k: v for k, v in body.items() if k != "Type"}, LastModifiedOn=_utc_now())
        return {"Total": 1, "Page": 1, "Products": [copy.deepcopy(record)]}

    def _get_families(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = self.families
        if q.get("sku"):
            rows = [f for f in rows if f["SKU"].lower().startswith(q["sku"].lower())]
        return self._page(q, rows, "ProductFamilies")

    def _get_availability(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        # Available is OnHand − Allocated, never stored apart from them, and negative when more is
        # allocated than held (backorders): Cin7 help article 9034435115407 (real_behaviour.md).
        rows = self.stock_of(q["sku"]) if q.get("sku") else self.availability
        if q.get("id"):
            rows = [r for r in rows if r["ID"] == q["id"]]
        if q.get("location"):
            rows = [r for r in rows if r["Location"] == q["location"]]
        answer = self._page(q, rows, "ProductAvailabilityList")
        for row in answer["ProductAvailabilityList"]:  # the rows served, not all 300,000 of a large account
            row["Available"] = row["OnHand"] - row["Allocated"]
        return answer

    def _get_locations(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for loc in self.locations:
            rows.append(loc)
            # Bins also come back as rows of their own, pointing at the parent location.
            for b in loc.get("Bins") or []:
                rows.append(
                    {
                        "ID": b["ID"],
                        "Name": b["Name"],
                        "IsDefault": False,
                        "IsDeprecated": b["IsDeprecated"],
                        "ParentID": loc["ID"],
                        "ParentName": loc["Name"],
                        "Bins": None,
                    }
                )
        if q.get("name"):
            rows = [r for r in rows if r["Name"].lower().startswith(q["name"].lower())]
        if "deprecated" in q:
            rows = [r for r in rows if r["IsDeprecated"] == _truthy(q["deprecated"])]
        return self._page(q, rows, "LocationList")

    def _get_tax(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = self.tax_rules
        if q.get("name"):
            rows = [t for t in rows if t["Name"].lower().startswith(q["name"].lower())]
        if "isactive" in q:
            rows = [t for t in rows if bool(t["IsActive"]) == _truthy(q["isactive"])]
        if "istaxforsale" in q:
            rows = [t for t in rows if bool(t["IsTaxForSale"]) == _truthy(q["istaxforsale"])]
        return self._page(q, rows, "TaxRuleList")

    # -- customers ------------------------------------------------------------------------

    def _get_customers(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = self.customers
        if q.get("id"):
            rows = [c for c in rows if c["ID"] == q["id"]]
        if not _truthy(q.get("includedeprecated", "false")):
            rows = [c for c in rows if c["Status"] == "Active"]
        if q.get("name"):
            rows = [c for c in rows if c["Name"].lower().startswith(q["name"].lower())]
        if q.get("modifiedsince"):
            # "Only return Customers modified since specified date (UTC time)" (dearinventory.apib GET /customer)
            since = _utc_moment(q["modifiedsince"])
            rows = [c for c in rows if _utc_moment(c.get("LastModifiedOn") or "") >= since]
        if q.get("contactfilter"):
            wanted = q["contactfilter"].strip().lower()
            rows = [
                c
                for c in rows
                if any(
                    (ct.get("Email") or "").strip().lower() == wanted
                    or (ct.get("Name") or "").lower().startswith(wanted)
                    for ct in c["Contacts"]
                )
            ]
        return self._page(q, rows, "CustomerList")

    def _validate_customer(self, body: dict[str, Any], existing_id: str | None) -> None:
        if existing_id is None:
            # Required on POST (APIB:L1019–L1025): Status ("Required for POST"), Currency, PaymentTerm,
            # AccountReceivable, RevenueAccount and TaxRule; Cin7 fills none of them in. The words are [U].
            for required in ("Name", "Status", "Currency", "PaymentTerm", "AccountReceivable", "RevenueAccount"):
                if not str(body.get(required) or "").strip():
                    raise Cin7ApiError(f"{required} is required.")
            if not str(body.get("TaxRule") or "").strip():
                raise Cin7ApiError("TaxRule is required.")
        if body.get("Status") and body["Status"] not in {"Active", "Deprecated"}:
            raise Cin7ApiError("Status should be 'Active' or 'Deprecated'.")
        name = (body.get("Name") or "").strip()
        if existing_id is None or "Name" in body:
            if not name:
                raise Cin7ApiError("Name is required.")
            if any(c["Name"].lower() == name.lower() and c["ID"] != existing_id for c in self.customers):
                raise Cin7ApiError(f"Customer with name '{name}' already exists.")
        if body.get("TaxRule") and not any(t["Name"] == body["TaxRule"] for t in self.tax_rules):
            raise Cin7ApiError(f"Tax rule '{body['TaxRule']}' was not found in reference book", 404)

    def _post_customer(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        self._validate_customer(body, None)
        record = self._customer_record({**body, "ID": str(uuid.uuid4())})
        self.customers.append(record)
        return {"Total": 1, "Page": 1, "CustomerList": [copy.deepcopy(record)]}

    def _put_customer(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        record = next((c for c in self.customers if c["ID"] == body.get("ID")), None)
        if record is None:
            raise Cin7ApiError("Customer not found.", 404)
        self._validate_customer(body, record["ID"])
        contacts = body.pop("Contacts", None)
        record.update(body, LastModifiedOn=_utc_now())
        if contacts is not None:
            record["Contacts"] = self._customer_record(
                {"Name": record["Name"], "ID": record["ID"], "Contacts": contacts}
            )["Contacts"]
        return {"Total": 1, "Page": 1, "CustomerList": [copy.deepcopy(record)]}


def _errors(code: int, message: str, *, status: int | None = None) -> JsonAnswer:
    """Cin7's error model: a list of {ErrorCode, Exception}."""
    return JsonAnswer([{"ErrorCode": code, "Exception": message}], status_code=status or code)


def _utc_moment(text: str) -> datetime:
    """A Cin7 date-time (UTC, ISO 8601, with or without a zone); an unreadable one is the earliest."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
