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
import json
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.sandbox.faults import Faults, ThrottleShape

SANDBOX_CIN7_ACCOUNT = "5a4d0000-0000-4000-8000-00000000c1a7"
SANDBOX_CIN7_KEY = "sandbox-application-key"
API_PREFIX = "/externalapi/v2/"
_NS = uuid.UUID("6f2c1a52-3c1e-4c7b-9a53-1f3a0b7c9d10")

THROTTLE_MESSAGES = {
    "429": "Too many requests. You reached 60 calls per 60 seconds API limit.",
    "503": "You reached 60 calls per minute API limit",
    "400": "You have reached 60 calls per 60 seconds API limit.",
}

PAGE_NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>Page not found</title></head>"
    "<body><h1>Page not found</h1><p>The page you requested does not exist.</p></body></html>"
)


class Cin7ApiError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _num(value: Any, default: float = 0.0) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Cin7ApiError(f"'{value}' is not a number") from None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


class Cin7Sandbox:
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
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.accounts = accounts or {SANDBOX_CIN7_ACCOUNT: SANDBOX_CIN7_KEY}
        self.calls_per_minute = calls_per_minute
        self.throttle_shape: ThrottleShape = throttle_shape
        self.faults = faults or Faults()
        self.accepted_calls: dict[str, deque[float]] = {}
        self.call_log: list[tuple[float, str, str, int]] = []
        self._load(copy.deepcopy(cin7))

    # -- seeding ----------------------------------------------------------------------

    def _load(self, data: dict[str, Any]) -> None:
        me = data.get("me") or {}
        self.me = {
            "Company": me.get("Company", "Sandbox Company"),
            "Currency": me.get("Currency") or me.get("BaseCurrency") or "AUD",
            "TimeZone": me.get("TimeZone", "AUS Eastern Standard Time"),
            "DefaultWeightUnits": "kg",
            "DefaultDimensionsUnits": "cm",
            "LockDate": None,
            "TaxCalculationMethod": me.get("TaxCalculationMethod", "Row Total"),
            "DefaultSaleTaxRuleId": None,
            "DefaultSaleTaxRuleName": me.get("DefaultSaleTaxRuleName"),
            **{k: v for k, v in me.items() if k not in {"BaseCurrency"}},
        }
        self.locations: list[dict[str, Any]] = []
        for loc in data.get("Locations", []):
            record = {
                "ID": loc.get("ID") or _stable_id("location", loc["Name"]),
                "Name": loc["Name"],
                "IsDefault": bool(loc.get("IsDefault", False)),
                "IsDeprecated": bool(loc.get("IsDeprecated", loc.get("Deprecated", False))),
                "ParentID": None,
                "ParentName": None,
                "Bins": None,
                **{k: v for k, v in loc.items() if k not in {"Deprecated", "Bins"}},
            }
            bins = loc.get("Bins") or []
            record["Bins"] = [
                {"ID": b.get("ID") or _stable_id("bin", loc["Name"], b["Name"]), "Name": b["Name"],
                 "IsDeprecated": bool(b.get("IsDeprecated", False)), "IsStaging": bool(b.get("IsStaging", False))}
                for b in bins
            ] or None
            self.locations.append(record)
        self.tax_rules: list[dict[str, Any]] = []
        for tax in data.get("TaxRules", []):
            percent = _num(tax.get("TaxPercent"))
            self.tax_rules.append({
                "ID": tax.get("ID") or _stable_id("tax", tax["Name"]),
                "Name": tax["Name"],
                "Account": tax.get("Account", "820"),
                "IsActive": tax.get("IsActive", True),
                "TaxInclusive": tax.get("TaxInclusive", False),
                "TaxPercent": percent,
                "IsTaxForSale": tax.get("IsTaxForSale", True),
                "IsTaxForPurchase": tax.get("IsTaxForPurchase", False),
                # Cin7 sends component numbers as strings.
                "Components": tax.get("Components") or [
                    {"ID": _stable_id("taxcomp", tax["Name"]), "Name": "Tax", "Percent": f"{percent:.10f}",
                     "AccountCode": "0", "Compound": "false", "ComponentOrder": "1"}
                ],
            })
        self.products: list[dict[str, Any]] = [self._product_record(p) for p in data.get("Products", [])]
        self.families: list[dict[str, Any]] = []
        by_sku = {p["SKU"]: p for p in self.products}
        for fam in data.get("ProductFamilies", []):
            members = []
            for member in fam.get("Products", []):
                product = by_sku.get(member["SKU"])
                members.append({
                    "ID": member.get("ID") or (product["ID"] if product else _stable_id("product", member["SKU"])),
                    "SKU": member["SKU"],
                    "Name": member.get("Name") or (product["Name"] if product else member["SKU"]),
                    "Option1": member.get("Option1"), "Option2": member.get("Option2"), "Option3": member.get("Option3"),
                })
            record = {
                "ID": fam.get("ID") or _stable_id("family", fam["SKU"]),
                "SKU": fam["SKU"], "Name": fam["Name"], "Category": fam.get("Category"),
                "Option1Name": fam.get("Option1Name"), "Option2Name": fam.get("Option2Name"),
                "Option3Name": fam.get("Option3Name"), **{k: v for k, v in fam.items() if k != "Products"},
                "Products": members,
            }
            for n in (1, 2, 3):
                values = list(dict.fromkeys(m[f"Option{n}"] for m in members if m.get(f"Option{n}")))
                record[f"Option{n}Values"] = ",".join(values) or None
            self.families.append(record)
        self.availability: list[dict[str, Any]] = []
        for row in data.get("ProductAvailability", []):
            product = by_sku.get(row["SKU"], {})
            on_hand = _num(row.get("OnHand"))
            allocated = _num(row.get("Allocated"))
            self.availability.append({
                "ID": product.get("ID") or _stable_id("product", row["SKU"]),
                "SKU": row["SKU"], "Name": row.get("Name") or product.get("Name"),
                "Barcode": product.get("Barcode"), "Location": row["Location"], "Bin": row.get("Bin"),
                "Batch": row.get("Batch"), "ExpiryDate": row.get("ExpiryDate"),
                "OnHand": on_hand, "Allocated": allocated,
                "Available": _num(row.get("Available"), on_hand - allocated),
                "OnOrder": _num(row.get("OnOrder")), "StockOnHand": _num(row.get("StockOnHand")),
                "InTransit": _num(row.get("InTransit")),
            })
        self.customers: list[dict[str, Any]] = [self._customer_record(c) for c in data.get("Customers", [])]
        self.sales: dict[str, dict[str, Any]] = {}
        for sale in data.get("Sales", []):
            sale_id = sale.get("ID") or _stable_id("sale", str(len(self.sales)))
            self.sales[sale_id] = {**self._blank_sale(sale_id, sale), **sale, "ID": sale_id}

    def _product_record(self, product: dict[str, Any]) -> dict[str, Any]:
        defaults: dict[str, Any] = {
            "ID": _stable_id("product", product["SKU"]), "Name": product["SKU"], "Category": None, "Brand": None,
            "Type": "Stock", "CostingMethod": "FIFO", "DropShipMode": "No Drop Ship", "DefaultLocation": None,
            "UOM": "Item", "Barcode": None, "Status": "Active", "SaleTaxRule": None, "PurchaseTaxRule": None,
            "PriceTier1": 0, "Sellable": True, "BillOfMaterial": False, "BillOfMaterialsProducts": [],
            "LastModifiedOn": _utc_now(),
        }
        record = {**defaults, **{k: v for k, v in product.items() if v is not None or k not in defaults}}
        if not record.get("ID"):
            record["ID"] = defaults["ID"]
        return record

    def _customer_record(self, customer: dict[str, Any]) -> dict[str, Any]:
        customer_id = customer.get("ID") or _stable_id("customer", customer["Name"])
        defaults: dict[str, Any] = {
            "ID": customer_id, "Status": "Active", "Currency": self.me["Currency"], "PaymentTerm": "30 days",
            "AccountReceivable": "610", "RevenueAccount": "200", "TaxRule": self.me.get("DefaultSaleTaxRuleName"),
            "PriceTier": "Tier 1", "Location": None, "Discount": 0, "Comments": None, "TaxNumber": "",
            "LastModifiedOn": _utc_now(), "Addresses": [], "Contacts": [],
        }
        record = {**defaults, **customer, "ID": customer_id}
        record["Contacts"] = [
            {"ID": c.get("ID") or _stable_id("contact", customer_id, str(i)), "CustomerID": customer_id, **c}
            for i, c in enumerate(record.get("Contacts") or [])
        ]
        return record

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        method = request.method.upper()
        path = request.url.path.lower()
        now = self.clock.now()
        account = request.headers.get("api-auth-accountid", "")
        key = request.headers.get("api-auth-applicationkey", "")
        if self.accounts.get(account) != key or not key:
            return self._log(now, method, path, PlainTextResponse("403 Incorrect credentials!", status_code=403))
        if self.faults.take("throttle_next") or self._over_limit(account, now):
            return self._log(now, method, path, self._throttle_response())
        self.accepted_calls.setdefault(account, deque()).append(now)
        if self.faults.take("server_error_next"):
            status = self.faults.server_error_status
            return self._log(now, method, path, JSONResponse(
                [{"ErrorCode": status, "Exception": "An unexpected error occurred. Please try again later."}],
                status_code=status))
        if self.faults.take("malformed_next"):
            return self._log(now, method, path, Response(b'{"Total": 3, "Page": 1, "Products": [{"ID": "', 200,
                                                         media_type="application/json"))
        if not path.startswith(API_PREFIX):
            return self._log(now, method, path, Response(PAGE_NOT_FOUND_HTML, 200, media_type="text/html"))
        route = path[len(API_PREFIX):].strip("/")
        query = {k.lower(): v for k, v in request.query_params.items()}
        body: Any = None
        if method in {"POST", "PUT"}:
            raw = await request.body()
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self._log(now, method, path, JSONResponse(
                    [{"ErrorCode": 500, "Exception": "Unable to parse the object from the request body."}], 500))
            if not isinstance(body, dict):
                return self._log(now, method, path, JSONResponse(
                    [{"ErrorCode": 400, "Exception": "Request body must be a JSON object."}], 400))
        handler = self._routes().get((method, route))
        if handler is None:
            if any(r == route for _, r in self._routes()):
                return self._log(now, method, path, JSONResponse(
                    [{"ErrorCode": 405, "Exception": f"The requested resource does not support http method '{method}'."}],
                    405))
            return self._log(now, method, path, Response(PAGE_NOT_FOUND_HTML, 200, media_type="text/html"))
        try:
            result = handler(query, body)
        except Cin7ApiError as exc:
            return self._log(now, method, path, JSONResponse(
                [{"ErrorCode": exc.status, "Exception": exc.message}], status_code=exc.status))
        return self._log(now, method, path, JSONResponse(result))

    def _log(self, now: float, method: str, path: str, response: Response) -> Response:
        self.call_log.append((now, method, path, response.status_code))
        return response

    def _over_limit(self, account: str, now: float) -> bool:
        window = self.accepted_calls.setdefault(account, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        return len(window) >= self.calls_per_minute

    def _throttle_response(self) -> Response:
        message = THROTTLE_MESSAGES[self.throttle_shape]
        status = int(self.throttle_shape)
        return JSONResponse([{"ErrorCode": status, "Exception": message}], status_code=status)

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
            ("POST", "sale/fulfilment/pick"): lambda q, b: self._post_stage("Pick", b),
            ("POST", "sale/fulfilment/pack"): lambda q, b: self._post_stage("Pack", b),
            ("POST", "sale/fulfilment/ship"): lambda q, b: self._post_stage("Ship", b),
            ("POST", "sale/invoice"): self._post_invoice,
            ("GET", "sale/creditnote"): lambda q, b: {"SaleID": q.get("saleid"),
                                                      "CreditNotes": self._sale(q.get("saleid"))["CreditNotes"]},
            ("POST", "sale/creditnote"): self._post_credit_note,
        }

    # -- paging -------------------------------------------------------------------------

    @staticmethod
    def _page(query: dict[str, str], rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
        try:
            page = int(query.get("page", "1"))
            limit = int(query.get("limit", "100"))
        except ValueError:
            raise Cin7ApiError("Page and Limit must be whole numbers.") from None
        if page < 1:
            raise Cin7ApiError("Page should be greater than 0.")
        if not 1 <= limit <= 1000:
            raise Cin7ApiError("Limit should be between 1 and 1000.")
        start = (page - 1) * limit
        return {"Total": len(rows), "Page": page, key: copy.deepcopy(rows[start:start + limit])}

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
        return self._page(q, rows, "Products")

    def _validate_product(self, body: dict[str, Any], *, existing_id: str | None) -> None:
        sku = (body.get("SKU") or "").strip() if existing_id is None or "SKU" in body else None
        if existing_id is None:
            for required in ("SKU", "Name", "Category", "Type", "CostingMethod", "UOM", "Status"):
                if not body.get(required):
                    raise Cin7ApiError(f"{required} is required.")
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
        rows = self.availability
        if q.get("id"):
            rows = [r for r in rows if r["ID"] == q["id"]]
        if q.get("sku"):
            rows = [r for r in rows if r["SKU"] == q["sku"]]
        if q.get("location"):
            rows = [r for r in rows if r["Location"] == q["location"]]
        return self._page(q, rows, "ProductAvailabilityList")

    def _get_locations(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for loc in self.locations:
            rows.append(loc)
            # Bins also come back as rows of their own, pointing at the parent location.
            for b in loc.get("Bins") or []:
                rows.append({"ID": b["ID"], "Name": b["Name"], "IsDefault": False, "IsDeprecated": b["IsDeprecated"],
                             "ParentID": loc["ID"], "ParentName": loc["Name"], "Bins": None})
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
        if q.get("contactfilter"):
            wanted = q["contactfilter"].strip().lower()
            rows = [c for c in rows if any(
                (ct.get("Email") or "").strip().lower() == wanted or (ct.get("Name") or "").lower().startswith(wanted)
                for ct in c["Contacts"])]
        return self._page(q, rows, "CustomerList")

    def _validate_customer(self, body: dict[str, Any], existing_id: str | None) -> None:
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
            record["Contacts"] = self._customer_record({"Name": record["Name"], "ID": record["ID"],
                                                        "Contacts": contacts})["Contacts"]
        return {"Total": 1, "Page": 1, "CustomerList": [copy.deepcopy(record)]}

    # -- sales ----------------------------------------------------------------------------

    def _blank_sale(self, sale_id: str, header: dict[str, Any]) -> dict[str, Any]:
        skip_quote = _truthy(header.get("SkipQuote", False))
        return {
            "ID": sale_id, "Customer": None, "CustomerID": None, "Contact": None, "Phone": None, "Email": None,
            "SkipQuote": skip_quote, "BillingAddress": None, "ShippingAddress": None, "ShippingNotes": None,
            "BaseCurrency": self.me["Currency"], "CustomerCurrency": self.me["Currency"], "TaxRule": None,
            "TaxCalculation": "Exclusive", "Location": None, "SaleOrderDate": None, "LastModifiedOn": _utc_now(),
            "Note": None, "CustomerReference": None, "Status": "ORDERING" if skip_quote else "ESTIMATING",
            "OrderNumber": f"SO-{len(self.sales) + 1:05d}", "Type": "Simple Sale", "SourceChannel": None,
            "ExternalID": None, "CombinedPickingStatus": "NOT PICKED", "CombinedPackingStatus": "NOT PACKED",
            "CombinedShippingStatus": "NOT SHIPPED", "FulFilmentStatus": "NOT FULFILLED",
            "CombinedInvoiceStatus": "NOT INVOICED", "CombinedPaymentStatus": "UNPAID",
            "CombinedTrackingNumbers": "", "CreditNoteStatus": "NOT AVAILABLE",
            "Quote": {"Status": "NOT AVAILABLE" if skip_quote else "DRAFT", "Lines": [], "AdditionalCharges": []},
            "Order": {"SaleID": sale_id, "Status": "NOT AVAILABLE", "Lines": [], "AdditionalCharges": [],
                      "TotalBeforeTax": 0, "Tax": 0, "Total": 0, "Memo": None},
            "Fulfilments": [], "Invoices": [], "CreditNotes": [],
        }

    def _sale(self, sale_id: str | None) -> dict[str, Any]:
        sale = self.sales.get(sale_id or "")
        if sale is None:
            raise Cin7ApiError("Sale not found.")
        return sale

    def _get_sale_list(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        rows = list(self.sales.values())
        if q.get("externalid"):
            rows = [s for s in rows if s.get("ExternalID") == q["externalid"]]
        if q.get("search"):
            needle = q["search"].lower()
            rows = [s for s in rows if any(needle in str(s.get(f) or "").lower()
                                           for f in ("OrderNumber", "Status", "Customer", "CustomerReference"))]
        if q.get("updatedsince"):
            rows = [s for s in rows if (s.get("LastModifiedOn") or "") >= q["updatedsince"]]
        if q.get("status"):
            rows = [s for s in rows if s["Status"] == q["status"].upper()]
        listing = [{
            "SaleID": s["ID"], "OrderNumber": s["OrderNumber"], "Status": s["Status"],
            "OrderDate": s.get("SaleOrderDate"), "InvoiceDate": None, "Customer": s["Customer"],
            "CustomerID": s["CustomerID"], "InvoiceNumber": None, "CustomerReference": s["CustomerReference"],
            "InvoiceAmount": s["Order"].get("Total", 0), "PaidAmount": 0, "InvoiceDueDate": None,
            "ShipBy": None, "BaseCurrency": s["BaseCurrency"], "CustomerCurrency": s["CustomerCurrency"],
            "CreditNoteNumber": None, "Updated": s["LastModifiedOn"], "QuoteStatus": s["Quote"]["Status"],
            "OrderStatus": s["Order"]["Status"], "CombinedPickingStatus": s["CombinedPickingStatus"],
            "CombinedPackingStatus": s["CombinedPackingStatus"], "CombinedShippingStatus": s["CombinedShippingStatus"],
            "FulFilmentStatus": s["FulFilmentStatus"], "CombinedInvoiceStatus": s["CombinedInvoiceStatus"],
            "CreditNoteStatus": s["CreditNoteStatus"], "CombinedPaymentStatus": s["CombinedPaymentStatus"],
            "Type": s["Type"], "CombinedTrackingNumbers": s["CombinedTrackingNumbers"],
            "SourceChannel": s.get("SourceChannel"), "ExternalID": s.get("ExternalID"),
            "OrderLocationID": self._location_id(s.get("Location")),
        } for s in rows]
        return self._page(q, listing, "SaleList")

    def _location_id(self, name: str | None) -> str | None:
        loc = next((loc for loc in self.locations if loc["Name"] == name), None)
        return loc["ID"] if loc else None

    def _post_sale(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        customer = None
        if body.get("CustomerID"):
            customer = next((c for c in self.customers if c["ID"] == body["CustomerID"]), None)
        elif body.get("Customer"):
            customer = next((c for c in self.customers if c["Name"] == body["Customer"]), None)
        else:
            raise Cin7ApiError("Customer or CustomerID is required.")
        if customer is None:
            raise Cin7ApiError(f"Customer '{body.get('Customer') or body.get('CustomerID')}' not found.")
        location = body.get("Location")
        if not location:
            raise Cin7ApiError("Location is required.")
        loc = next((loc for loc in self.locations if loc["Name"] == location), None)
        if loc is None or loc["IsDeprecated"]:
            raise Cin7ApiError(f"Location '{location}' not found.")
        if body.get("TaxRule") and not any(t["Name"] == body["TaxRule"] for t in self.tax_rules):
            raise Cin7ApiError(f"Tax rule '{body['TaxRule']}' was not found in reference book")
        sale_id = str(uuid.uuid4())
        sale = self._blank_sale(sale_id, body)
        inclusive = body.get("TaxInclusive")
        sale.update({
            "Customer": customer["Name"], "CustomerID": customer["ID"], "Contact": body.get("Contact"),
            "Phone": body.get("Phone"), "Email": body.get("Email"), "BillingAddress": body.get("BillingAddress"),
            "ShippingAddress": body.get("ShippingAddress"), "ShippingNotes": body.get("ShippingNotes"),
            "TaxRule": body.get("TaxRule") or customer.get("TaxRule"),
            "TaxCalculation": "Inclusive" if _truthy(inclusive) else "Exclusive",
            "Location": location, "SaleOrderDate": body.get("SaleOrderDate") or _utc_now()[:19],
            "Note": body.get("Note"), "CustomerReference": body.get("CustomerReference"),
            "ExternalID": body.get("ExternalID"),
            "Type": "Advanced Sale" if str(body.get("SaleType", "")).lower() == "advanced" else "Simple Sale",
        })
        self.sales[sale_id] = sale
        return copy.deepcopy(sale)

    def _product_for_line(self, line: dict[str, Any]) -> dict[str, Any]:
        product = None
        if line.get("ProductID"):
            product = next((p for p in self.products if p["ID"] == line["ProductID"]), None)
        elif line.get("SKU"):
            product = next((p for p in self.products if p["SKU"] == line["SKU"]), None)
        if product is None:
            raise Cin7ApiError(f"Product '{line.get('SKU') or line.get('ProductID')}' not found.")
        if product["Status"] != "Active":
            raise Cin7ApiError(f"Product '{product['SKU']}' is deprecated.")
        return product

    def _post_order(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        sale = self._sale(body.get("SaleID"))
        if not sale["SkipQuote"] and sale["Quote"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale quote should be authorised before creating sale order.")
        if sale["Order"]["Status"] not in {"DRAFT", "NOT AVAILABLE"}:
            raise Cin7ApiError(f"Sale order with status '{sale['Order']['Status']}' cannot be changed.")
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        lines = []
        for index, line in enumerate(body.get("Lines") or []):
            product = self._product_for_line(line)
            quantity = _num(line.get("Quantity"))
            if quantity < 1:
                raise Cin7ApiError(f"Line {index + 1}: Quantity minimal value is 1.")
            tax_rule = line.get("TaxRule")
            if not tax_rule:
                raise Cin7ApiError(f"Line {index + 1}: TaxRule is required.")
            if not any(t["Name"] == tax_rule for t in self.tax_rules):
                raise Cin7ApiError(f"Line {index + 1}: Tax rule '{tax_rule}' was not found in reference book")
            price = _num(line.get("Price"))
            discount = _num(line.get("Discount"))
            tax = _num(line.get("Tax"))
            total = round(quantity * price * (1 - discount / 100), 2)
            if line.get("Total") is not None and abs(_num(line["Total"]) - total) > 0.01:
                raise Cin7ApiError(f"Line {index + 1}: Total {line['Total']} does not match Quantity × Price less "
                                   f"Discount ({total:.2f}).")
            lines.append({"ProductID": product["ID"], "SKU": product["SKU"], "Name": line.get("Name") or product["Name"],
                          "Quantity": quantity, "Price": price, "Discount": discount, "Tax": tax,
                          "AverageCost": 0, "TaxRule": tax_rule, "Comment": line.get("Comment"),
                          "DropShip": False, "BackorderQuantity": 0, "Total": total})
        if status == "AUTHORISED" and not lines:
            raise Cin7ApiError("Sale order should have at least one line to be authorised.")
        charges = []
        for charge in body.get("AdditionalCharges") or []:
            charges.append({"Description": charge.get("Description"), "Price": _num(charge.get("Price")),
                            "Quantity": _num(charge.get("Quantity"), 1), "Discount": _num(charge.get("Discount")),
                            "Tax": _num(charge.get("Tax")), "Total": _num(charge.get("Total"),
                                                                           _num(charge.get("Price"))),
                            "TaxRule": charge.get("TaxRule"), "Comment": charge.get("Comment")})
        before_tax = round(sum(line["Total"] for line in lines) + sum(c["Total"] for c in charges), 2)
        tax = round(sum(line["Tax"] for line in lines) + sum(c["Tax"] for c in charges), 2)
        inclusive = sale["TaxCalculation"] == "Inclusive"
        sale["Order"] = {"SaleID": sale["ID"], "Memo": body.get("Memo"), "Status": status, "Lines": lines,
                         "AdditionalCharges": charges, "TotalBeforeTax": round(before_tax - tax, 2) if inclusive
                         else before_tax, "Tax": tax, "Total": before_tax if inclusive else round(before_tax + tax, 2)}
        if status == "AUTHORISED":
            backordered = self._allocate(sale)
            sale["Status"] = "BACKORDERED" if backordered else "ORDERED"
            sale["Fulfilments"] = [{
                "TaskID": str(uuid.uuid4()), "FulfillmentNumber": 1, "LinkedInvoiceNumber": None,
                "FulFilmentStatus": "NOT FULFILLED",
                "Pick": {"Status": "NOT AVAILABLE", "Lines": []},
                "Pack": {"Status": "NOT AVAILABLE", "Lines": []},
                "Ship": {"Status": "NOT AVAILABLE", "RequireBy": None, "ShippingAddress": sale["ShippingAddress"],
                         "ShippingNotes": None, "Lines": []},
            }]
        sale["LastModifiedOn"] = _utc_now()
        return copy.deepcopy(sale["Order"])

    def _stock_lines(self, sale: dict[str, Any]) -> list[tuple[dict[str, Any], float]]:
        """The stock products an order moves: kits are expanded into their components."""
        moved: list[tuple[dict[str, Any], float]] = []
        for line in sale["Order"]["Lines"]:
            product = next(p for p in self.products if p["ID"] == line["ProductID"])
            if product.get("BillOfMaterial") and product.get("BillOfMaterialsProducts"):
                for component in product["BillOfMaterialsProducts"]:
                    part = next((p for p in self.products if p["ID"] == component.get("ComponentProductID")
                                 or p["SKU"] == component.get("ProductCode")), None)
                    if part is not None and part["Type"] == "Stock":
                        moved.append((part, line["Quantity"] * _num(component.get("Quantity"), 1)))
            elif product["Type"] == "Stock":
                moved.append((product, line["Quantity"]))
        return moved

    def _stock_row(self, product: dict[str, Any], location: str) -> dict[str, Any]:
        rows = [r for r in self.availability if r["SKU"] == product["SKU"] and r["Location"] == location]
        if rows:
            return rows[0]
        row = {"ID": product["ID"], "SKU": product["SKU"], "Name": product["Name"], "Barcode": product.get("Barcode"),
               "Location": location, "Bin": None, "Batch": None, "ExpiryDate": None, "OnHand": 0.0,
               "Allocated": 0.0, "Available": 0.0, "OnOrder": 0.0, "StockOnHand": 0.0, "InTransit": 0.0}
        self.availability.append(row)
        return row

    def _allocate(self, sale: dict[str, Any]) -> bool:
        backordered = False
        for product, quantity in self._stock_lines(sale):
            row = self._stock_row(product, sale["Location"])
            take = min(quantity, max(0.0, row["Available"]))
            backordered |= take < quantity
            row["Allocated"] += take
            row["Available"] = row["OnHand"] - row["Allocated"]
        sale["_allocated"] = True
        return backordered

    def _release(self, sale: dict[str, Any], *, shipped: bool) -> None:
        if not sale.pop("_allocated", False):
            return
        for product, quantity in self._stock_lines(sale):
            row = self._stock_row(product, sale["Location"])
            release = min(quantity, row["Allocated"])
            row["Allocated"] -= release
            if shipped:
                row["OnHand"] -= quantity
            row["Available"] = row["OnHand"] - row["Allocated"]

    def _get_fulfilment(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        sale = self._sale(q.get("saleid"))
        return {"SaleID": sale["ID"], "Fulfilments": copy.deepcopy(sale["Fulfilments"])}

    def _task(self, task_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        for sale in self.sales.values():
            for task in sale["Fulfilments"]:
                if task["TaskID"] == task_id:
                    return sale, task
        raise Cin7ApiError("Fulfilment task not found.")

    def _post_stage(self, stage: str, body: dict[str, Any]) -> dict[str, Any]:
        sale, task = self._task(body.get("TaskID"))
        status = str(body.get("Status") or "DRAFT").upper()
        if status not in {"DRAFT", "AUTHORISED"}:
            raise Cin7ApiError("Status should be DRAFT or AUTHORISED.")
        if sale["Status"] == "VOIDED":
            raise Cin7ApiError("Sale is voided.")
        previous = {"Pick": None, "Pack": "Pick", "Ship": "Pack"}[stage]
        if stage == "Pick" and sale["Order"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale order should be authorised before picking.")
        if previous and task[previous]["Status"] != "AUTHORISED":
            verb = {"Pack": "packing", "Ship": "shipping"}[stage]
            raise Cin7ApiError(f"{previous} should be authorised before {verb}.")
        if task[stage]["Status"] == "AUTHORISED":
            raise Cin7ApiError(f"{stage} is already authorised.")
        lines = body.get("Lines") or []
        if stage == "Ship":
            for index, line in enumerate(lines):
                if not line.get("ShipmentDate"):
                    raise Cin7ApiError(f"Line {index + 1}: ShipmentDate is required.")
            stored = [{"ID": str(uuid.uuid4()), "ShipmentDate": line["ShipmentDate"],
                       "Carrier": line.get("Carrier") or "DEFAULT Carrier", "Boxes": line.get("Box") or "Box 1",
                       "TrackingNumber": line.get("TrackingNumber") or "", "TrackingURL": line.get("TrackingURL") or "",
                       "IsShipped": _truthy(line.get("IsShipped", True))} for line in lines]
        else:
            stored = []
            for line in lines:
                product = self._product_for_line(line)
                location = line.get("Location") or sale["Location"]
                stored.append({"ProductID": product["ID"], "SKU": product["SKU"], "Name": product["Name"],
                               "Location": location, "LocationID": self._location_id(location),
                               "Quantity": _num(line.get("Quantity")), "BatchSN": line.get("BatchSN"),
                               "ExpiryDate": line.get("ExpiryDate"), "NonInventory": product["Type"] != "Stock",
                               **({"Box": line.get("Box") or "Box 1"} if stage == "Pack" else {})})
        task[stage] = {**task[stage], "Status": status, "Lines": stored}
        if status == "AUTHORISED":
            if stage == "Pick":
                sale.update(Status="PICKED", CombinedPickingStatus="PICKED")
            elif stage == "Pack":
                sale.update(Status="PACKED", CombinedPackingStatus="PACKED")
            else:
                self._release(sale, shipped=True)
                numbers = [line["TrackingNumber"] for line in stored if line["TrackingNumber"]]
                sale.update(Status="SHIPPED", CombinedShippingStatus="SHIPPED", FulFilmentStatus="FULFILLED",
                            CombinedTrackingNumbers=", ".join(numbers))
                task["FulFilmentStatus"] = "FULFILLED"
        sale["LastModifiedOn"] = _utc_now()
        return {"TaskID": task["TaskID"], "Status": status, "Lines": copy.deepcopy(stored)}

    def _delete_sale(self, q: dict[str, str], _: Any) -> dict[str, Any]:
        sale = self._sale(q.get("id"))
        if not _truthy(q.get("void", "false")):
            raise Cin7ApiError("Undo is not supported by this sandbox; pass Void=true.")
        if sale["Status"] == "VOIDED":
            raise Cin7ApiError("Sale is already voided.")
        if any(task["Pick"]["Status"] == "AUTHORISED" for task in sale["Fulfilments"]):
            raise Cin7ApiError("Sale cannot be voided because it has authorised pick. Undo the fulfilment or "
                               "create a credit note.")
        self._release(sale, shipped=False)
        sale.update(Status="VOIDED", CombinedPickingStatus="VOIDED", CombinedPackingStatus="VOIDED",
                    CombinedShippingStatus="VOIDED", FulFilmentStatus="VOIDED", LastModifiedOn=_utc_now())
        sale["Order"]["Status"] = "VOIDED"
        return copy.deepcopy(sale)

    def _post_invoice(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        sale = self._sale(body.get("SaleID"))
        if sale["Order"]["Status"] != "AUTHORISED":
            raise Cin7ApiError("Sale order should be authorised before invoicing.")
        status = str(body.get("Status") or "DRAFT").upper()
        invoice = {"TaskID": str(uuid.uuid4()), "InvoiceNumber": f"INV-{len(self.sales):05d}",
                   "Status": status, "InvoiceDate": body.get("InvoiceDate"), "Lines": body.get("Lines") or [],
                   "AdditionalCharges": body.get("AdditionalCharges") or []}
        sale["Invoices"].append(invoice)
        if status == "AUTHORISED":
            sale["CombinedInvoiceStatus"] = "INVOICED"
        return {"SaleID": sale["ID"], **copy.deepcopy(invoice)}

    def _post_credit_note(self, _: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        sale = self._sale(body.get("SaleID"))
        if not any(inv["Status"] in {"AUTHORISED", "PAID"} for inv in sale["Invoices"]):
            raise Cin7ApiError("Sale invoice should be authorised before creating a credit note.")
        status = str(body.get("Status") or "DRAFT").upper()
        restock = []
        for line in body.get("Restock") or []:
            product = self._product_for_line(line)
            location = line.get("RestockLocation") or line.get("Location") or sale["Location"]
            if status == "AUTHORISED" and product["Type"] == "Stock":
                row = self._stock_row(product, location)
                row["OnHand"] += _num(line.get("Quantity"))
                row["Available"] = row["OnHand"] - row["Allocated"]
            restock.append({"SKU": product["SKU"], "ProductID": product["ID"], "Quantity": _num(line.get("Quantity")),
                            "RestockLocation": location})
        note = {"TaskID": str(uuid.uuid4()), "CreditNoteNumber": f"CR-{len(sale['CreditNotes']) + 1:05d}",
                "Status": status, "Memo": body.get("Memo"), "Lines": body.get("Lines") or [],
                "AdditionalCharges": body.get("AdditionalCharges") or [], "Restock": restock}
        sale["CreditNotes"].append(note)
        if status == "AUTHORISED":
            sale.update(CreditNoteStatus="AUTHORISED", Status="CREDITED")
        return {"SaleID": sale["ID"], **copy.deepcopy(note)}

