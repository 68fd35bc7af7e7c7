"""The data of one sandboxed Cin7 Core account, seeded from a scenario's cin7.json.

Records are kept as Cin7 sends them (PascalCase keys, GUIDs, references by name) so the server
can answer with them as they are.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from cin7_shopify.sandbox.records import owned

_NS = uuid.UUID("6f2c1a52-3c1e-4c7b-9a53-1f3a0b7c9d10")


class Cin7ApiError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_NS_BYTES = _NS.bytes


def _stable_id(*parts: str) -> str:
    """uuid5(_NS, "a/b"), written without building a UUID object (120,000 of them seed a large account)."""
    octets = bytearray(hashlib.sha1(_NS_BYTES + "/".join(parts).encode()).digest()[:16])
    octets[6] = (octets[6] & 0x0F) | 0x50  # version 5
    octets[8] = (octets[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = octets.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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


# A ProductAvailability row's fields, in the order Cin7 serves them (APIB:L5876–L5892, the example at L5928).
STOCK_FIELDS = (
    "ID",
    "SKU",
    "Name",
    "Barcode",
    "Location",
    "Bin",
    "Batch",
    "ExpiryDate",
    "OnHand",
    "Allocated",
    "Available",
    "OnOrder",
    "StockOnHand",
    "InTransit",
)
_STOCK_FIELD_SET = frozenset(STOCK_FIELDS)
_stock_values = attrgetter(*STOCK_FIELDS)


class StockRow(MutableMapping[str, Any]):
    """One ProductAvailability row: read and changed as the dict Cin7 serves, kept in slots.

    A 100,000-variant account holds 300,000 of them; as dicts they were the largest thing the Cin7
    sandbox kept (about 500 bytes a row more than this). Every field is always there, as in Cin7's
    answer, so a row has no keys to add or remove."""

    __slots__ = STOCK_FIELDS

    def __init__(
        self,
        *,
        ID: str,
        SKU: str,
        Name: str | None,
        Barcode: str | None,
        Location: str,
        Bin: str | None = None,
        Batch: str | None = None,
        ExpiryDate: str | None = None,
        OnHand: float = 0.0,
        Allocated: float = 0.0,
        Available: float = 0.0,
        OnOrder: float = 0.0,
        StockOnHand: float = 0.0,
        InTransit: float = 0.0,
    ) -> None:
        self.ID, self.SKU, self.Name, self.Barcode, self.Location = ID, SKU, Name, Barcode, Location
        self.Bin, self.Batch, self.ExpiryDate = Bin, Batch, ExpiryDate
        self.OnHand, self.Allocated, self.Available = OnHand, Allocated, Available
        self.OnOrder, self.StockOnHand, self.InTransit = OnOrder, StockOnHand, InTransit

    def __getitem__(self, key: str) -> Any:
        if key not in _STOCK_FIELD_SET:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in _STOCK_FIELD_SET:
            raise KeyError(f"a Cin7 stock row has no field {key}")
        setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        raise TypeError("a Cin7 stock row keeps every field")

    def __iter__(self) -> Iterator[str]:
        return iter(STOCK_FIELDS)

    def __len__(self) -> int:
        return len(STOCK_FIELDS)

    def __repr__(self) -> str:
        return f"StockRow({self.wire()!r})"

    def wire(self) -> dict[str, Any]:
        """The row as Cin7 sends it: a dict of its own, which the answer may change."""
        return dict(zip(STOCK_FIELDS, _stock_values(self), strict=True))


class _SharedNumbers:
    """One float object per whole number: 300,000 stock rows repeat a few quantities (0 above all).
    Anything else is read as it always was (a -0.0 stays itself)."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}

    def __call__(self, value: Any, default: float = 0.0) -> float:
        if type(value) is int:
            number = self.seen.get(value)
            if number is None:
                number = self.seen[value] = float(value)
            return number
        return _num(value, default)


class Cin7Account:
    """Reference data, products, stock and customers; the sale rules live in cin7_sales.py."""

    def __init__(self, cin7: dict[str, Any]) -> None:
        self._load(cin7)

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
                {
                    "ID": b.get("ID") or _stable_id("bin", loc["Name"], b["Name"]),
                    "Name": b["Name"],
                    "IsDeprecated": bool(b.get("IsDeprecated", False)),
                    "IsStaging": bool(b.get("IsStaging", False)),
                }
                for b in bins
            ] or None
            self.locations.append(record)
        self.tax_rules: list[dict[str, Any]] = []
        for tax in data.get("TaxRules", []):
            percent = _num(tax.get("TaxPercent"))
            self.tax_rules.append(
                {
                    "ID": tax.get("ID") or _stable_id("tax", tax["Name"]),
                    "Name": tax["Name"],
                    "Account": tax.get("Account", "820"),
                    "IsActive": tax.get("IsActive", True),
                    "TaxInclusive": tax.get("TaxInclusive", False),
                    "TaxPercent": percent,
                    "IsTaxForSale": tax.get("IsTaxForSale", True),
                    "IsTaxForPurchase": tax.get("IsTaxForPurchase", False),
                    # Cin7 sends component numbers as strings.
                    "Components": tax.get("Components")
                    or [
                        {
                            "ID": _stable_id("taxcomp", tax["Name"]),
                            "Name": "Tax",
                            "Percent": f"{percent:.10f}",
                            "AccountCode": "0",
                            "Compound": "false",
                            "ComponentOrder": "1",
                        }
                    ],
                }
            )
        seeded = _utc_now()  # one moment for the whole catalogue, as a seed is
        self.products: list[dict[str, Any]] = [self._product_record(p, seeded) for p in data.pop("Products", [])]
        # The reference books a product's Category and UOM must name (APIB:L4945, L4960: "a unit of measure
        # with this name must exist in reference books under units"; ref/category at APIB:L6007). A scenario
        # may list them ("Categories", "Units"); otherwise they are what its products use.
        self.categories: set[str] = {
            str(c.get("Name", c)) if isinstance(c, dict) else str(c) for c in data.get("Categories", [])
        } or {str(p["Category"]) for p in self.products if p.get("Category")}
        self.units: set[str] = (
            {str(u.get("Name", u)) if isinstance(u, dict) else str(u) for u in data.get("Units", [])}
            or {str(p["UOM"]) for p in self.products if p.get("UOM")}
            or {"Item"}
        )
        self.families: list[dict[str, Any]] = []
        by_sku = {p["SKU"]: p for p in self.products}
        for kit in self.products:
            # Components as the blueprint shapes them (APIB:L5142): the component's ID, code and name.
            kit["BillOfMaterialsProducts"] = [
                {
                    "ComponentProductID": part.get("ComponentProductID") or by_sku[part["ProductCode"]]["ID"],
                    "ProductCode": part["ProductCode"],
                    "Name": part.get("Name") or by_sku[part["ProductCode"]]["Name"],
                    "Quantity": _num(part.get("Quantity"), 1),
                    "WastagePercent": _num(part.get("WastagePercent")),
                    "WastageQuantity": _num(part.get("WastageQuantity")),
                    "CostPercentage": _num(part.get("CostPercentage"), 100),
                }
                for part in kit.get("BillOfMaterialsProducts") or []
            ]
        for fam in data.pop("ProductFamilies", []):
            members = []
            for member in fam.get("Products", []):
                product = by_sku.get(member["SKU"])
                members.append(
                    {
                        "ID": member.get("ID") or (product["ID"] if product else _stable_id("product", member["SKU"])),
                        "SKU": member["SKU"],
                        "Name": member.get("Name") or (product["Name"] if product else member["SKU"]),
                        "Option1": member.get("Option1"),
                        "Option2": member.get("Option2"),
                        "Option3": member.get("Option3"),
                    }
                )
            record = {
                "ID": fam.get("ID") or _stable_id("family", fam["SKU"]),
                "SKU": fam["SKU"],
                "Name": fam["Name"],
                "Category": fam.get("Category"),
                "Option1Name": fam.get("Option1Name"),
                "Option2Name": fam.get("Option2Name"),
                "Option3Name": fam.get("Option3Name"),
                **owned({k: v for k, v in fam.items() if k != "Products"}),
                "Products": members,
            }
            for n in (1, 2, 3):
                values = list(dict.fromkeys(m[f"Option{n}"] for m in members if m.get(f"Option{n}")))
                record[f"Option{n}Values"] = ",".join(values) or None
            self.families.append(record)
        self.availability: list[MutableMapping[str, Any]] = []
        self._stock_by_sku: dict[str, list[MutableMapping[str, Any]]] = {}
        self._stock_indexed = 0  # how many rows of `availability` the index holds
        number = _SharedNumbers()
        for row in data.pop("ProductAvailability", []):
            product = by_sku.get(row["SKU"], {})
            raw_on_hand, raw_allocated = row.get("OnHand"), row.get("Allocated")
            on_hand, allocated = number(raw_on_hand), number(raw_allocated)
            whole = type(raw_on_hand) is int and type(raw_allocated) is int
            self.availability.append(
                StockRow(
                    ID=product.get("ID") or _stable_id("product", row["SKU"]),
                    SKU=row["SKU"],
                    Name=row.get("Name") or product.get("Name"),
                    Barcode=product.get("Barcode"),
                    Location=row["Location"],
                    Bin=row.get("Bin"),
                    Batch=row.get("Batch"),
                    ExpiryDate=row.get("ExpiryDate"),
                    OnHand=on_hand,
                    Allocated=allocated,
                    # Always OnHand − Allocated; the scenario loader refuses a different one.
                    Available=number(raw_on_hand - raw_allocated) if whole else on_hand - allocated,
                    OnOrder=number(row.get("OnOrder")),
                    StockOnHand=number(row.get("StockOnHand")),
                    InTransit=number(row.get("InTransit")),
                )
            )
        self.customers: list[dict[str, Any]] = [self._customer_record(c) for c in data.get("Customers", [])]

    def _product_record(self, product: dict[str, Any], modified: str | None = None) -> dict[str, Any]:
        defaults: dict[str, Any] = {
            "ID": _stable_id("product", product["SKU"]),
            "Name": product["SKU"],
            "Category": None,
            "Brand": None,
            "Type": "Stock",
            "CostingMethod": "FIFO",
            "DropShipMode": "No Drop Ship",
            "DefaultLocation": None,
            "UOM": "Item",
            "Barcode": None,
            "Status": "Active",
            "SaleTaxRule": None,
            "PurchaseTaxRule": None,
            "PriceTier1": 0,
            "Sellable": True,
            "BillOfMaterial": False,
            "AutoAssembly": False,  # a kit: assembled from its components when a sale is authorised (APIB:L5006)
            "AutoDisassembly": False,
            "BillOfMaterialsProducts": [],
            "LastModifiedOn": modified or _utc_now(),
        }
        record = {
            **defaults,
            **owned({k: v for k, v in product.items() if v is not None or k not in defaults}),
        }
        if not record.get("ID"):
            record["ID"] = defaults["ID"]
        return record

    def _customer_record(self, customer: dict[str, Any]) -> dict[str, Any]:
        customer_id = customer.get("ID") or _stable_id("customer", customer["Name"])
        defaults: dict[str, Any] = {
            "ID": customer_id,
            "Status": "Active",
            "Currency": self.me["Currency"],
            "PaymentTerm": "30 days",
            "AccountReceivable": "610",
            "RevenueAccount": "200",
            "TaxRule": self.me.get("DefaultSaleTaxRuleName"),
            "PriceTier": "Tier 1",
            "Location": None,
            "Discount": 0,
            "Comments": None,
            "TaxNumber": "",
            "LastModifiedOn": _utc_now(),
            "Addresses": [],
            "Contacts": [],
        }
        record = {**defaults, **customer, "ID": customer_id}
        record["Contacts"] = [
            {
                "ID": c.get("ID") or _stable_id("contact", customer_id, str(i)),
                "CustomerID": customer_id,
                **c,
            }
            for i, c in enumerate(record.get("Contacts") or [])
        ]
        return record

    def _location_id(self, name: str | None) -> str | None:
        loc = next((loc for loc in self.locations if loc["Name"] == name), None)
        return loc["ID"] if loc else None

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

    def _stock_rows(self, product: dict[str, Any], location: str) -> list[MutableMapping[str, Any]]:
        """The product's rows at a location (one per bin), creating an empty one if it has none."""
        rows = [r for r in self.stock_of(product["SKU"]) if r["Location"] == location]
        if rows:
            return rows
        row = StockRow(
            ID=product["ID"],
            SKU=product["SKU"],
            Name=product["Name"],
            Barcode=product.get("Barcode"),
            Location=location,
            OnHand=0.0,
            Allocated=0.0,
            Available=0.0,
            OnOrder=0.0,
            StockOnHand=0.0,
            InTransit=0.0,
        )
        self.availability.append(row)
        self._stock_by_sku.setdefault(row["SKU"], []).append(row)
        self._stock_indexed += 1
        return [row]

    def stock_of(self, sku: str) -> list[MutableMapping[str, Any]]:
        """A product's stock rows (every location, bin and batch), in the order Cin7 lists them.

        Indexed by SKU: a sale line or a one-SKU look-up on a 300,000-row account reads a few rows, not
        all of them. A row added to `availability` by hand (a test) is picked up by indexing again."""
        if self._stock_indexed != len(self.availability):
            self._stock_by_sku = {}
            for row in self.availability:
                self._stock_by_sku.setdefault(row["SKU"], []).append(row)
            self._stock_indexed = len(self.availability)
        return self._stock_by_sku.get(sku, [])

    @staticmethod
    def _page(query: dict[str, str], rows: list[Any], key: str) -> dict[str, Any]:
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
        # The answer is serialized as soon as its handler returns; until then a handler may set a field
        # of an answer row (IncludeBOM, Available) but never changes a nested value, so a copy of each
        # row's top level keeps the records as they are (a deep copy cost more than the rest of the call).
        served = [row.wire() if type(row) is StockRow else dict(row) for row in rows[start : start + limit]]
        return {"Total": len(rows), "Page": page, key: served}
