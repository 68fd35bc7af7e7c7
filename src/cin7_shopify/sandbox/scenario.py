"""Scenario folders: one merchant's Shopify store and Cin7 Core account, as JSON (see SCENARIO.md).

The loader checks every record before either sandbox sees it and refuses a malformed scenario
with the file, the record and the field named, e.g.
    shopify.json: products[3] "Classic Tee" → variants[1].inventoryItem.id: Field required
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cin7_shopify.errors import ConsoleError
from cin7_shopify.sandbox.builtin_connector import ConnectorSettings


class ScenarioError(ConsoleError):
    hint = "Fix the scenario file and load it again."


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


def _gid(kind: str) -> Callable[[str], str]:
    """A check for a Shopify global id of one kind, e.g. gid://shopify/Location/1."""

    def check(value: str) -> str:
        if not value.startswith(f"gid://shopify/{kind}/"):
            raise ValueError(f"must be a Shopify id like gid://shopify/{kind}/123")
        return value

    return check


def _money(value: str) -> str:
    """A money amount as Shopify writes it: a finite decimal string such as "29.95"."""
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not an amount (write it like \"29.95\")") from None
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not a finite amount")
    if abs(amount) >= MONEY_LIMIT:
        raise ValueError(f"'{value}' is beyond any amount Shopify or Cin7 Core accepts")
    return value


# Shopify's GraphQL Int is 32-bit signed: a larger quantity cannot be served, so it cannot be seeded.
SHOPIFY_INT_MAX = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 15
Money = Annotated[str, AfterValidator(_money)]
ShopifyInt = Annotated[int, Field(ge=-SHOPIFY_INT_MAX - 1, le=SHOPIFY_INT_MAX)]
Quantity = Annotated[int, Field(ge=1, le=SHOPIFY_INT_MAX)]
# NaN and Infinity are floats to pydantic but no quantity or rate; the bound keeps sums finite.
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


@cache
def _schema() -> GraphQLSchema:
    """The sandbox's own GraphQL schema: what the Shopify sandbox can serve."""
    sdl = resources.files("cin7_shopify.sandbox").joinpath("shopify_schema.graphql").read_text()
    return build_schema(sdl)


def _schema_enum(name: str) -> frozenset[str]:
    enum = _schema().type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    return frozenset(enum.values)


def _enum(name: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in _schema_enum(name):
            raise ValueError(f"'{value}' is not a Shopify {name} (e.g. {min(_schema_enum(name))})")
        return value

    return check


CurrencyCode = Annotated[str, AfterValidator(_enum("CurrencyCode"))]
CountryCode = Annotated[str, AfterValidator(_enum("CountryCode"))]

LocationId = Annotated[str, AfterValidator(_gid("Location"))]
InventoryItemId = Annotated[str, AfterValidator(_gid("InventoryItem"))]
VariantId = Annotated[str, AfterValidator(_gid("ProductVariant"))]
ProductId = Annotated[str, AfterValidator(_gid("Product"))]
OrderId = Annotated[str, AfterValidator(_gid("Order"))]


# -- shopify.json -----------------------------------------------------------------------


class ShopRecord(_Record):
    name: str
    myshopifyDomain: str
    currencyCode: CurrencyCode = "USD"
    taxesIncluded: bool = False

    @field_validator("myshopifyDomain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not value.endswith(".myshopify.com"):
            raise ValueError("must end with .myshopify.com")
        return value


class FulfillmentServiceRecord(_Record):
    serviceName: str
    inventoryManagement: bool = False


class LocationRecord(_Record):
    id: LocationId
    name: str
    isActive: bool = True
    fulfillsOnlineOrders: bool = True
    # A location a 3PL's app registered (schema: FulfillmentService "Shopify automatically creates a
    # Location that's associated to the fulfillment service"); both or neither.
    isFulfillmentService: bool = False
    fulfillmentService: FulfillmentServiceRecord | None = None

    @model_validator(mode="after")
    def _service_with_its_location(self) -> LocationRecord:
        if self.isFulfillmentService != (self.fulfillmentService is not None):
            raise ValueError("isFulfillmentService and fulfillmentService go together: give both or neither")
        return self


class InventoryItemRecord(_Record):
    id: InventoryItemId
    tracked: bool = True


class InventoryLevelRecord(_Record):
    locationId: str
    available: ShopifyInt = 0
    onHand: ShopifyInt | None = None


class SelectedOptionRecord(_Record):
    name: str
    value: str


class VariantRecord(_Record):
    id: VariantId
    sku: str | None = None
    price: Money = "0.00"
    selectedOptions: list[SelectedOptionRecord] = Field(default_factory=list)
    inventoryItem: InventoryItemRecord
    inventoryLevels: list[InventoryLevelRecord] = Field(default_factory=list)


class OptionRecord(_Record):
    name: str
    values: list[str]


class ProductRecord(_Record):
    id: ProductId
    title: str
    status: str = "ACTIVE"
    options: list[OptionRecord] = Field(default_factory=list)
    variants: list[VariantRecord]

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in {"ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"}:
            raise ValueError("must be ACTIVE, ARCHIVED, DRAFT or UNLISTED")
        return value


class TaxLineRecord(_Record):
    title: str
    rate: Annotated[float, Field(allow_inf_nan=False, ge=0, le=10)]
    price: Money = "0.00"


class DiscountAllocationRecord(_Record):
    amount: Money  # over the line's whole quantity
    code: str | None = None


class LineItemRecord(_Record):
    id: str
    sku: str | None = None
    variantId: str | None = None
    quantity: Quantity
    originalUnitPrice: Money
    discountedUnitPrice: Money | None = None
    discountAllocations: list[DiscountAllocationRecord] | None = None
    isGiftCard: bool = False
    requiresShipping: bool | None = None
    taxLines: list[TaxLineRecord] = Field(default_factory=list)


class ShippingLineRecord(_Record):
    title: str
    price: Money = "0.00"
    discountedPrice: Money | None = None
    discountAllocations: list[DiscountAllocationRecord] | None = None
    taxLines: list[TaxLineRecord] = Field(default_factory=list)


class AddressRecord(_Record):
    countryCode: CountryCode | None = None


class CustomerRecord(_Record):
    id: str
    email: str | None = None


class OrderRecord(_Record):
    id: OrderId
    name: str
    createdAt: str
    processedAt: str | None = None
    updatedAt: str | None = None
    displayFinancialStatus: Annotated[str, AfterValidator(_enum("OrderDisplayFinancialStatus"))] | None = "PAID"
    displayFulfillmentStatus: Annotated[str, AfterValidator(_enum("OrderDisplayFulfillmentStatus"))] = "UNFULFILLED"
    test: bool = False
    tags: list[str] = Field(default_factory=list)
    email: str | None = None
    currencyCode: CurrencyCode = "USD"
    taxesIncluded: bool = False
    customer: CustomerRecord | None = None
    shippingAddress: AddressRecord | None = None
    lineItems: list[LineItemRecord]
    shippingLines: list[ShippingLineRecord] = Field(default_factory=list)
    fulfillmentLocationId: str | None = None
    cancelledAt: str | None = None
    # The order's money (SCENARIO.md "Money on orders"); the sandbox derives what is left out.
    totalPrice: Money | None = None
    subtotalPrice: Money | None = None
    totalTax: Money | None = None
    totalDiscounts: Money | None = None
    totalShippingPrice: Money | None = None
    totalTipReceived: Money | None = None
    totalDuties: Money | None = None
    discountCodes: list[str] = Field(default_factory=list)

    @field_validator("createdAt", "processedAt", "updatedAt", "cancelledAt")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            from datetime import datetime

            datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value


class ShopifyScenario(_Record):
    shop: ShopRecord
    locations: list[LocationRecord] = Field(default_factory=list)
    products: list[ProductRecord] = Field(default_factory=list)
    orders: list[OrderRecord] = Field(default_factory=list)


# -- cin7.json --------------------------------------------------------------------------


class Cin7MeRecord(_Record):
    Company: str


class Cin7LocationRecord(_Record):
    Name: str
    IsDeprecated: bool = False


class Cin7TaxRecord(_Record):
    Name: str
    TaxPercent: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1000)]
    TaxInclusive: bool


class Cin7ProductRecord(_Record):
    SKU: str = Field(min_length=1)
    Name: str
    Status: str = "Active"
    Type: str = "Stock"
    PriceTier1: Number | None = None
    AverageCost: Number | None = None

    @field_validator("Status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in {"Active", "Deprecated"}:
            raise ValueError("must be Active or Deprecated")
        return value

    @field_validator("Type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in {"Stock", "Service", "Non-Inventory"}:
            raise ValueError("must be Stock, Service or Non-Inventory")
        return value


class Cin7FamilyMemberRecord(_Record):
    SKU: str


class Cin7FamilyRecord(_Record):
    SKU: str
    Name: str
    Option1Name: str
    Products: list[Cin7FamilyMemberRecord] = Field(default_factory=list)


class Cin7AvailabilityRecord(_Record):
    SKU: str
    Location: str
    OnHand: Number = 0
    Allocated: Number = 0
    Available: Number | None = None
    OnOrder: Number | None = None


class Cin7ContactRecord(_Record):
    Name: str | None = None
    Email: str | None = None


class Cin7CustomerRecord(_Record):
    Name: str
    Status: str = "Active"
    Contacts: list[Cin7ContactRecord] = Field(default_factory=list)


class Cin7Scenario(_Record):
    me: Cin7MeRecord
    Locations: list[Cin7LocationRecord] = Field(default_factory=list)
    TaxRules: list[Cin7TaxRecord] = Field(default_factory=list)
    Products: list[Cin7ProductRecord] = Field(default_factory=list)
    ProductFamilies: list[Cin7FamilyRecord] = Field(default_factory=list)
    ProductAvailability: list[Cin7AvailabilityRecord] = Field(default_factory=list)
    Customers: list[Cin7CustomerRecord] = Field(default_factory=list)
    Sales: list[dict[str, Any]] = Field(default_factory=list)
    BuiltinConnector: ConnectorSettings | None = None  # the emulated Cin7 Shopify connector (README)


# -- loading ----------------------------------------------------------------------------


@dataclass
class Scenario:
    """The raw records both sandboxes serve, after validation."""

    name: str
    shopify: dict[str, Any]
    cin7: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None


def load_scenario(folder: str | Path) -> Scenario:
    path = Path(folder)
    if not path.is_dir():
        raise ScenarioError(
            f"Scenario folder {path} does not exist.",
            hint="Pass a folder holding shopify.json and cin7.json.",
        )
    shopify = _read_json(path / "shopify.json")
    cin7 = _read_json(path / "cin7.json")
    settings = _read_json(path / "settings.json") if (path / "settings.json").exists() else {}
    if not isinstance(settings, dict):
        raise ScenarioError("settings.json: must be a JSON object of setting names to values.")
    scenario = Scenario(name=path.name, shopify=shopify, cin7=cin7, settings=settings, folder=path)
    validate_scenario(scenario)
    return scenario


def validate_scenario(scenario: Scenario) -> None:
    _validate("shopify.json", ShopifyScenario, scenario.shopify)
    _validate("cin7.json", Cin7Scenario, scenario.cin7)
    _check_served_fields(scenario.shopify)
    _check_references(scenario)


# Where each shopify.json record is served from: its GraphQL type, and its nested records.
_SERVED: dict[str, tuple[str, dict[str, str]]] = {
    "shop": ("Shop", {}),
    "locations": ("Location", {}),
    "products": ("Product", {"variants": "variant"}),
    "variant": ("ProductVariant", {"inventoryItem": "inventoryItem"}),
    "inventoryItem": ("InventoryItem", {}),
    "orders": (
        "Order",
        {
            "lineItems": "lineItem",
            "shippingLines": "shippingLine",
            "customer": "customer",
            "shippingAddress": "address",
        },
    ),
    "lineItem": ("LineItem", {"taxLines": "taxLine"}),
    "shippingLine": ("ShippingLine", {"taxLines": "taxLine"}),
    "taxLine": ("TaxLine", {}),
    "customer": ("Customer", {}),
    "address": ("MailingAddress", {}),
}
_TEXT_SCALARS = {"String", "ID", "DateTime", "Decimal", "Money", "URL", "UnsignedInt64"}


def _check_served_fields(shopify: dict[str, Any]) -> None:
    """Extra fields are served as the schema types them: a value of the wrong JSON type would only
    fail later, inside a read, so it is refused here with its place named."""
    for key in ("shop", "locations", "products", "orders"):
        if key in shopify:
            _check_records(shopify, shopify[key], key, (key,))


def _check_records(root: dict[str, Any], value: Any, kind: str, loc: tuple[int | str, ...]) -> None:
    type_name, nested = _SERVED[kind]
    fields = _served_fields(type_name)
    records = enumerate(value) if isinstance(value, list) else [(None, value)]
    for index, record in records:
        if not isinstance(record, dict):
            continue  # the models above have said what is wrong with it
        for name, field_value in record.items():
            if name in nested:
                where = loc if index is None else (*loc, index)
                _check_records(root, field_value, nested[name], (*where, name))
                continue
            served = fields.get(name)
            if served is None:
                continue
            graphql_type, plain = served
            if plain is not None and type(field_value) is plain:
                continue  # text as text, true/false as a Boolean: most fields of a large catalogue
            problem = _wrong_type(graphql_type, field_value)
            if problem:
                where = loc if index is None else (*loc, index)
                raise ScenarioError(f"shopify.json: {_describe(root, (*where, name))}: {problem}.")


@cache
def _served_fields(type_name: str) -> dict[str, tuple[Any, type | None]]:
    """Each field of a served type: its GraphQL type, and the one Python type that is always right for it
    (str for text scalars, bool for Boolean; None where the value must be looked at)."""
    graphql_type = _schema().type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    fields: dict[str, tuple[Any, type | None]] = {}
    for name, definition in graphql_type.fields.items():
        scalar = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        plain: type | None = None
        if isinstance(scalar, GraphQLScalarType):
            plain = str if scalar.name in _TEXT_SCALARS else bool if scalar.name == "Boolean" else None
        fields[name] = (definition.type, plain)
    return fields


def _wrong_type(graphql_type: Any, value: Any) -> str:
    """Why `value` cannot be served as `graphql_type`, or "" when it can."""
    if isinstance(graphql_type, GraphQLNonNull):
        if value is None:
            return "must not be null"
        graphql_type = graphql_type.of_type
    if value is None:
        return ""
    if isinstance(graphql_type, GraphQLList):
        if not isinstance(value, list):
            return f"must be a list, not {_json_kind(value)}"
        return next((p for p in (_wrong_type(graphql_type.of_type, v) for v in value) if p), "")
    if isinstance(graphql_type, GraphQLEnumType):
        if not isinstance(value, str) or value not in graphql_type.values:
            return f"{json.dumps(value)[:40]} is not a Shopify {graphql_type.name}"
        return ""
    if not isinstance(graphql_type, GraphQLScalarType):
        return ""  # an object: its own record, served from elsewhere or not at all
    name = graphql_type.name
    if name in _TEXT_SCALARS and not isinstance(value, str):
        return f"must be text ({name}), not {_json_kind(value)}"
    if name == "Boolean" and not isinstance(value, bool):
        return f"must be true or false, not {_json_kind(value)}"
    if name == "Int" and (isinstance(value, bool) or not isinstance(value, int) or abs(value) > SHOPIFY_INT_MAX):
        return f"must be a whole number within Shopify's Int range, not {json.dumps(value)[:40]}"
    if name == "Float" and (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)):
        return f"must be a number, not {json.dumps(value)[:40]}"
    return ""


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


# A file this long (about 1,500 variants) is read with one copy of each short text value. A smaller one
# has little to share, and the hook (a Python call for each JSON object) made reading it twice as slow:
# the demo's files 3.5 -> 1.7 ms CPU, read a few hundred times by the tests.
SHARE_VALUES_FROM = 1_000_000


class _SharedValues:
    """Builds each JSON object with one copy of each short text value: a large catalogue repeats a few
    location names, statuses and units in 300,000 stock rows (100,000 variants: 511 MB → 395 MB)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen = self.seen
        return {
            key: seen.setdefault(value, value) if type(value) is str and len(value) < 64 else value
            for key, value in pairs
        }


def _read_json(file: Path) -> Any:
    if not file.exists():
        raise ScenarioError(f"{file.name}: missing from {file.parent}.")
    if not file.is_file():
        raise ScenarioError(f"{file.name}: a folder, not a file, in {file.parent}.")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{file.name}: not UTF-8 text (byte {exc.start}).") from None
    try:
        shared = _SharedValues() if len(text) >= SHARE_VALUES_FROM else None
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=shared)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{file.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except _NotJson as exc:
        # Python reads NaN and Infinity; JSON has no such values and no API sends them.
        match = re.search(rf"(?<![\w\"]){re.escape(str(exc))}(?![\w\"])", text)
        where = ""
        if match:
            line = text.count("\n", 0, match.start()) + 1
            where = f" at line {line}, column {match.start() - text.rfind(chr(10), 0, match.start())}"
        raise ScenarioError(f"{file.name}: {exc} is not a JSON number{where}; write a number.") from None


class _NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotJson(name)


# Records checked at a time in a long list: the models a check builds are dropped before the next
# slice, so a 100,000-variant scenario is not held a second time over as models while it loads.
CHECK_SLICE = 2000


def _validate(file_name: str, model: type[BaseModel], data: Any) -> None:
    if not isinstance(data, dict):
        raise ScenarioError(f"{file_name}: must be a JSON object, not {type(data).__name__}.")
    long = {
        name: rows
        for name, rows in data.items()
        if name in model.model_fields and isinstance(rows, list) and len(rows) > CHECK_SLICE
    }
    try:
        model.model_validate({k: v for k, v in data.items() if k not in long} | {k: [] for k in long})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(f"{file_name}: {_describe(data, err['loc'])}: {_reason(err)}.") from None
    for name, rows in long.items():
        records = _list_adapter(model, name)
        for start in range(0, len(rows), CHECK_SLICE):
            try:
                records.validate_python(rows[start : start + CHECK_SLICE])
            except ValidationError as exc:
                err = exc.errors()[0]
                where = (name, start + int(err["loc"][0]), *err["loc"][1:])
                raise ScenarioError(f"{file_name}: {_describe(data, where)}: {_reason(err)}.") from None


@cache
def _list_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    annotation = model.model_fields[name].annotation
    assert annotation is not None  # every field of the scenario models is annotated
    return TypeAdapter(annotation)


def _describe(data: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location into 'products[3] "Classic Tee" → variants[1].sku'."""
    parts: list[str] = []
    node = data
    record_label = ""
    for depth, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if depth == 1 and isinstance(node, dict):
                label = node.get("title") or node.get("name") or node.get("Name") or node.get("SKU") or node.get("id")
                if label:
                    record_label = f' "{label}"'
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    if len(parts) > 1 and record_label:
        return f"{parts[0]}{record_label} → {'.'.join(parts[1:])}"
    return ".".join(parts)


def _reason(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _refuse(file: str, record: str, label: str, field: str, problem: str) -> ScenarioError:
    return ScenarioError(f'{file}: {record} "{label}" → {field}: {problem}.')


def _check_references(scenario: Scenario) -> None:
    """What the models cannot see alone: ids used twice, references to things that do not exist."""
    shop = scenario.shopify
    location_ids = {loc["id"] for loc in shop.get("locations", [])}
    seen_ids: set[str] = set()
    for p_index, product in enumerate(shop.get("products", [])):
        record = f"products[{p_index}]"
        for v_index, variant in enumerate(product.get("variants", [])):
            for key in (variant["id"], variant["inventoryItem"]["id"]):
                if key in seen_ids:
                    raise _refuse(
                        "shopify.json", record, product["title"], f"variants[{v_index}]", f"id {key} is used twice"
                    )
                seen_ids.add(key)
            for l_index, level in enumerate(variant.get("inventoryLevels", [])):
                if level["locationId"] not in location_ids:
                    field = f"variants[{v_index}].inventoryLevels[{l_index}].locationId"
                    problem = f"{level['locationId']} is not one of the shop's locations"
                    raise _refuse("shopify.json", record, product["title"], field, problem)
    for o_index, order in enumerate(shop.get("orders", [])):
        loc = order.get("fulfillmentLocationId")
        if loc and loc not in location_ids:
            problem = f"{loc} is not one of the shop's locations"
            raise _refuse("shopify.json", f"orders[{o_index}]", order["name"], "fulfillmentLocationId", problem)
    cin7 = scenario.cin7
    cin7_locations = {loc["Name"] for loc in cin7.get("Locations", [])}
    skus: set[str] = set()
    for index, product in enumerate(cin7.get("Products", [])):
        if product["SKU"] in skus:
            problem = f'"{product["SKU"]}" is used twice; Cin7 Core requires unique SKUs'
            raise _refuse("cin7.json", f"Products[{index}]", product["Name"], "SKU", problem)
        skus.add(product["SKU"])
    for index, product in enumerate(cin7.get("Products", [])):
        for part_index, part in enumerate(product.get("BillOfMaterialsProducts") or []):
            if part.get("ProductCode") not in skus:
                where = f"BillOfMaterialsProducts[{part_index}].ProductCode"
                problem = f'"{part.get("ProductCode")}" is not a Cin7 product; a kit is made of products'
                raise _refuse("cin7.json", f"Products[{index}]", product["SKU"], where, problem)
    _check_connector(cin7.get("BuiltinConnector"), location_ids, cin7_locations, shop.get("orders", []))
    for index, row in enumerate(cin7.get("ProductAvailability", [])):
        record = f"ProductAvailability[{index}]"
        if row["Location"] not in cin7_locations:
            problem = f'"{row["Location"]}" is not a Cin7 location'
            raise _refuse("cin7.json", record, row["SKU"], "Location", problem)
        if row["SKU"] not in skus:
            raise _refuse("cin7.json", record, row["SKU"], "SKU", "no Cin7 product has this SKU")
        expected = float(row.get("OnHand") or 0) - float(row.get("Allocated") or 0)
        if row.get("Available") is not None and float(row["Available"]) != expected:
            problem = f"{row['Available']} is not OnHand − Allocated ({expected:g}); Cin7 Core derives it"
            raise _refuse("cin7.json", record, row["SKU"], "Available", problem)


def _check_connector(
    connector: dict[str, Any] | None, location_ids: set[str], cin7_locations: set[str], orders: list[dict[str, Any]]
) -> None:
    """The built-in connector's maps name real locations; each seeded mistake names an order there is."""
    if connector is None:
        return
    for shopify_id, cin7_name in (connector.get("LocationMap") or {}).items():
        if shopify_id not in location_ids:
            problem = f"{shopify_id} is not one of the shop's locations"
            raise ScenarioError(f"cin7.json: BuiltinConnector → LocationMap: {problem}.")
        if cin7_name not in cin7_locations:
            raise ScenarioError(f'cin7.json: BuiltinConnector → LocationMap: "{cin7_name}" is not a Cin7 location.')
    names = {order["name"] for order in orders}
    for index, mistake in enumerate(connector.get("Mistakes") or []):
        where = f'cin7.json: BuiltinConnector → Mistakes[{index}] "{mistake["Kind"]}"'
        if mistake["Order"] not in names:
            raise ScenarioError(f'{where} → Order: "{mistake["Order"]}" is not an order in shopify.json.')
        if mistake["Kind"] == "wrong_location" and mistake.get("Location") not in cin7_locations:
            problem = f'"{mistake.get("Location")}" is not a Cin7 location; say where it books the sale'
            raise ScenarioError(f"{where} → Location: {problem}.")
