"""Cin7 Core's own Shopify integration, emulated: it imports Shopify orders into Cin7 sales by itself.

Enabled by a scenario's `cin7.json` key `BuiltinConnector` (README, "Observe mode"), so observe mode and
cut-over can be tested and shown beside a merchant's real setup. It works inside the Cin7 account, as
the real one does, and reads the Shopify sandbox's orders directly (the real one is told of them by
Shopify's webhooks). Before every Cin7 API call it catches up: each order whose capture moment has
come is imported, so a reader sees what the connector would have made by then.

Its conventions, stated as assumptions (sources: reference/cin7_core_api.md §10 and reference/peers.md §1.1,
which cite Cin7's help centre; "no source" where none was found):
- Orders are captured when Created, Paid or Fulfilled (*Capture order when it is*, help centre
  "Download orders from Shopify"); orders created before the *Order lock date* are ignored (same page);
  orders with one of the *Order exclusion tags* are skipped (help centre "Shopify settings").
- *Load orders from Shopify* is its kill switch (same page): `LoadOrdersUntil` is when the consultant
  switched it off; orders captured from then on are not loaded (by hand only, `load_order`).
- The paid moment is the order's processedAt (no source: Shopify's order has no paid-at field;
  the sandbox serves processedAt as given by the scenario, else createdAt).
- Test orders are skipped (no source).
- Customers are matched by name, else created with the order's email as contact (help centre
  "Download customers from Shopify": "first download matches on customer Name, else creates").
- Location and tax rule come from its own mappings (help centre "Connect to Shopify": locations and
  tax rules are mapped after connecting); an order with an unmapped tax rule is not processed (same page).
- The sale: SkipQuote, authorised order (stock allocated at once, help centre "Download orders from
  Shopify"), `CustomerReference` = the Shopify order name, e.g. "#1001", no `ExternalID`, Cin7's own
  sale numbering (no source for either: this is what observe mode's match rules must cope with).
- Lines are priced at what the customer paid after every discount; shipping is an additional charge
  on the service product named `ShippingProduct` (no source for how the real one books shipping).

Seeded mistakes (`Mistakes`, each `{"Kind": ..., "Order": "#1003"}`): `order_missed` (never
imported), `total_differs` (the order-level discount left out), `wrong_location` (booked at
`Location` instead of the mapped one), `duplicate_customer` (a second customer made for someone Cin7
already holds by email).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cin7_shopify.sandbox.cin7_account import Cin7ApiError

MISTAKE_KINDS = ("order_missed", "total_differs", "wrong_location", "duplicate_customer")


def _timestamp(value: str | None) -> str | None:
    if value is not None:
        _parse(value)
    return value


Timestamp = Annotated[str, AfterValidator(_timestamp)]


class ConnectorMistake(BaseModel):
    model_config = ConfigDict(extra="forbid")

    Kind: Literal["order_missed", "total_differs", "wrong_location", "duplicate_customer"]
    Order: str  # the Shopify order name, e.g. "#1003"
    Location: str | None = None  # for wrong_location: where it books the sale instead


class ConnectorSettings(BaseModel):
    """The `BuiltinConnector` key of cin7.json: the connector's settings page, and the mistakes to seed."""

    model_config = ConfigDict(extra="forbid")

    LoadOrders: bool = True
    LoadOrdersUntil: Timestamp | None = None
    CaptureOrderWhen: Literal["Created", "Paid", "Fulfilled"] = "Paid"
    OrderLockDate: Timestamp | None = None
    OrderExclusionTags: list[str] = Field(default_factory=list)
    LocationMap: dict[str, str] = Field(default_factory=dict)  # Shopify location id → Cin7 location name
    TaxMap: dict[str, str] = Field(default_factory=dict)  # Shopify tax line "TITLE RATE%" → Cin7 tax rule
    ShippingProduct: str = "Shipping"
    Mistakes: list[ConnectorMistake] = Field(default_factory=list)


class BuiltinConnector:
    """Imports the Shopify sandbox's orders into the Cin7 sandbox, by its own conventions."""

    def __init__(self, settings: ConnectorSettings, cin7: Any, shopify: Any) -> None:
        self.settings = settings
        self.cin7 = cin7  # Cin7Sandbox
        self.shopify = shopify  # ShopifySandbox (its orders as served)
        self.loaded: dict[str, str] = {}  # Shopify order id → Cin7 sale id
        self.passed_over: set[str] = set()  # orders it will never load by itself (missed, refused)
        self.mistakes = {m.Order: m for m in settings.Mistakes}
        self._busy = False

    def catch_up(self, now: datetime | None = None) -> None:
        """Import every order whose capture moment has come and that it has not seen yet."""
        if self._busy or not self.settings.LoadOrders:
            return
        now = now or datetime.now(UTC)
        self._busy = True
        try:
            for order in list(self.shopify.orders):
                if order["id"] in self.loaded or order["id"] in self.passed_over:
                    continue
                moment = self._captured_at(order)
                if moment is None or moment > now:
                    continue
                if self._ignored(order, moment):
                    self.passed_over.add(order["id"])
                    continue
                mistake = self.mistakes.get(order["name"])
                if mistake is not None and mistake.Kind == "order_missed":
                    self.passed_over.add(order["id"])
                    continue
                self._load(order, mistake)
        finally:
            self._busy = False

    def load_order(self, name: str) -> str:
        """What a consultant does in Cin7 Core's integration screen: load one order by hand (any date)."""
        order = next((o for o in self.shopify.orders if o["name"] == name), None)
        if order is None:
            raise Cin7ApiError(f"Shopify order {name} not found.")
        self.passed_over.discard(order["id"])
        return self._load(order, None)

    # -- the rules ------------------------------------------------------------------------

    def _captured_at(self, order: dict[str, Any]) -> datetime | None:
        when = self.settings.CaptureOrderWhen
        if when == "Created":
            return _parse(order["createdAt"])
        if when == "Paid":
            if order.get("displayFinancialStatus") not in {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}:
                return None
            return _parse(order.get("processedAt") or order["createdAt"])
        if order.get("displayFulfillmentStatus") not in {"FULFILLED", "PARTIALLY_FULFILLED"}:
            return None
        return _parse(order.get("updatedAt") or order["createdAt"])

    def _ignored(self, order: dict[str, Any], moment: datetime) -> bool:
        s = self.settings
        if order.get("cancelledAt") or order.get("test"):
            return True
        if s.OrderLockDate and _parse(order["createdAt"]) < _parse(s.OrderLockDate):
            return True
        if s.LoadOrdersUntil and moment >= _parse(s.LoadOrdersUntil):
            return True  # switched off by then: only a load by hand brings it in
        return bool(set(order.get("tags") or []) & set(s.OrderExclusionTags))

    def _load(self, order: dict[str, Any], mistake: ConnectorMistake | None) -> str:
        kind = mistake.Kind if mistake else None
        fulfilment = (order.get("fulfillmentOrders") or [{}])[0]
        shopify_location = ((fulfilment.get("assignedLocation") or {}).get("location") or {}).get("id", "")
        location = self.settings.LocationMap.get(shopify_location)
        if kind == "wrong_location" and mistake is not None:
            location = mistake.Location or location
        tax_keys = [_tax_key(t) for line in order["lineItems"] for t in line.get("taxLines") or []] or ["no tax 0%"]
        tax_rule = self.settings.TaxMap.get(tax_keys[0])
        if location is None or tax_rule is None:
            # Help centre: an order with an unmapped tax rule (or location) is not processed; it waits in its log.
            self.passed_over.add(order["id"])
            return ""
        customer = self._customer(order, duplicate=kind == "duplicate_customer")
        inclusive = bool(order.get("taxesIncluded"))
        sale = self.cin7._post_sale(
            {},
            {
                "CustomerID": customer,
                "Location": location,
                "TaxRule": tax_rule,
                "TaxInclusive": inclusive,
                "SkipQuote": True,
                "CustomerReference": order["name"],
                "SaleOrderDate": order["createdAt"][:19],
            },
        )
        lines = []
        for line in order["lineItems"]:
            quantity = int(line.get("currentQuantity", line["quantity"]))
            if quantity <= 0 or line.get("isGiftCard"):
                continue
            unit = _amount(line["originalUnitPriceSet"])
            discounts = [
                a
                for a in line.get("discountAllocations") or []
                # the seeded mistake: order-level and code discounts left out, line discounts kept
                if kind != "total_differs" or a["discountApplication"]["__typename"] == "ManualDiscountApplication"
            ]
            paid = unit * int(line["quantity"]) - sum((_amount(a["allocatedAmountSet"]) for a in discounts), Decimal(0))
            paid = paid * quantity / int(line["quantity"])
            tax = sum((_amount(t["priceSet"]) for t in line.get("taxLines") or []), Decimal(0))
            lines.append(
                {
                    "SKU": line.get("sku"),
                    "Quantity": quantity,
                    "Price": float((paid / quantity).quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                    "Discount": 0,
                    "Tax": float(tax),
                    "TaxRule": tax_rule,
                }
            )
        charges = []
        for shipping in order.get("shippingLines") or []:
            price = _amount(shipping["discountedPriceSet"])
            if price > 0:
                tax = sum((_amount(t["priceSet"]) for t in shipping.get("taxLines") or []), Decimal(0))
                charges.append(
                    {
                        "Description": self.settings.ShippingProduct,
                        "Quantity": 1,
                        "Price": float(price),
                        "Tax": float(tax),
                        "TaxRule": tax_rule,
                    }
                )
        try:
            self.cin7._post_order(
                {}, {"SaleID": sale["ID"], "Status": "AUTHORISED", "Lines": lines, "AdditionalCharges": charges}
            )
        except Cin7ApiError:
            self.passed_over.add(order["id"])  # e.g. an unknown SKU: the real one logs it and waits
            self.cin7.sales.pop(sale["ID"], None)
            return ""
        self.loaded[order["id"]] = sale["ID"]
        return str(sale["ID"])

    def _customer(self, order: dict[str, Any], *, duplicate: bool) -> str:
        shopify_customer = order.get("customer") or {}
        first, last = shopify_customer.get("firstName") or "", shopify_customer.get("lastName") or ""
        email = shopify_customer.get("email") or order.get("email") or ""
        name = f"{first} {last}".strip() or email or "Shopify customer"
        if not duplicate:
            found = next((c for c in self.cin7.customers if c["Name"].lower() == name.lower()), None)
            if found is not None:
                return str(found["ID"])
        taken = {c["Name"].lower() for c in self.cin7.customers}
        wanted, counter = name, 1
        while wanted.lower() in taken:  # Cin7 refuses a second customer of one name: it numbers the new one
            counter += 1
            wanted = f"{name} {counter}"
        # Cin7 requires a new customer's terms and accounts (APIB:L1019–L1025); the connector takes them from
        # the account's first customer (no source for what the real one uses).
        template = self.cin7.customers[0] if self.cin7.customers else {}
        terms = {
            key: template.get(key) or fallback
            for key, fallback in (
                ("Currency", self.cin7.me.get("Currency") or "USD"),
                ("PaymentTerm", "30 days"),
                ("AccountReceivable", "610"),
                ("RevenueAccount", "200"),
                ("TaxRule", next(iter(self.settings.TaxMap.values()), "")),
            )
        }
        created = self.cin7._post_customer(
            {},
            {
                "Name": wanted,
                "Status": "Active",
                **terms,
                "Contacts": [{"Name": name, "Email": email, "Default": True}] if email else [],
            },
        )
        return str(created["CustomerList"][0]["ID"])


def _parse(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _amount(money_set: dict[str, Any]) -> Decimal:
    return Decimal(str(money_set["shopMoney"]["amount"]))


def _tax_key(tax_line: dict[str, Any]) -> str:
    """A Shopify tax line as the tax map writes it, "TITLE RATE%" (as sync/translate's TaxLine.key)."""
    percent = round(float(tax_line.get("rate") or 0) * 100, 4)
    return f"{tax_line['title']} {percent:g}%"


def connector_settings(cin7: dict[str, Any]) -> ConnectorSettings | None:
    """The scenario's connector, or None when cin7.json enables none."""
    raw = cin7.get("BuiltinConnector")
    return None if raw is None else ConnectorSettings.model_validate(raw)
