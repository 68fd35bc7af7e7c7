"""The Shopify sandbox's direct executor answers exactly as graphql-core's does (issue 15, item 6).

Every request here goes to two sandboxes seeded alike: one runs it with the direct executor
(sandbox/shopify_execute.py), its twin with graphql-core's `execute`. Their JSON bodies (data,
errors with their paths and locations, cost) must be the same text, key order included.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, OperationDefinitionNode, get_named_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox import shopify_server, shopify_store
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.sandbox.shopify_execute import runs_directly
from cin7_shopify.sandbox.shopify_server import ShopifySandbox, parsed_document, sandbox_schema
from cin7_shopify.shopify.documents import DOCUMENT_NAMES, bulk_orders_query, document
from cin7_shopify.shopify.models import StockSet
from tests.conftest import DEMO, demo_copy

HOSTILE = Path(__file__).parent / "scenarios" / "hostile"
BULK_DOCUMENTS = {"bulk_variants", "bulk_orders", "bulk_catalog"}  # sent as bulkOperationRunQuery's query


class _Frozen(datetime):
    """Both twins stamp what they create at the same instant (a real second may turn between the two)."""

    instant = datetime.now(UTC).replace(microsecond=0)

    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls.fromtimestamp(cls.instant.timestamp(), tz)


@pytest.fixture(autouse=True)
def _one_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shopify_store, "datetime", _Frozen)
    monkeypatch.setattr(shopify_server, "datetime", _Frozen)


def _body(answer: tuple[dict[str, Any], int]) -> str:
    return json.dumps(answer[0]) + f" HTTP {answer[1]}"


class Twins:
    """A sandbox session whose Shopify runs every request a second time on a graphql-core twin."""

    def __init__(self, scenario: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
        # The demo copied from the process's seed (what open_sandbox(DEMO) seeds, in half the time).
        self.session = demo_copy(clock) if scenario == DEMO else open_sandbox(scenario, clock=clock)
        self.direct = self.session.shopify
        self.reference = (demo_copy(clock) if scenario == DEMO else open_sandbox(scenario, clock=clock)).shopify
        self.reference.execute_directly = False
        self.sent: list[dict[str, Any]] = []
        direct_run = self.direct.run

        def run(payload: dict[str, Any], **options: Any) -> tuple[dict[str, Any], int]:
            answer = direct_run(payload, **options)
            expected = self.reference.run(payload, **options)
            assert _body(answer) == _body(expected), f"{payload.get('operationName')} answered differently"
            self.sent.append(payload)
            return answer

        # The HTTP handler the real clients reach calls `run`: the comparison sits behind it.
        monkeypatch.setattr(self.direct, "run", run)

    def change(self, how: Callable[[ShopifySandbox], Any]) -> None:
        """The same change to both stores (a scope taken away, a record damaged)."""
        how(self.direct)
        how(self.reference)

    def ask(self, query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
        """One request as its JSON body, after checking both executors gave it."""
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if name:
            payload["operationName"] = name
        body, status = self.direct.run(payload)
        assert status == 200
        return body


@pytest.fixture
def twins(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Twins:
    return Twins(DEMO, clock, monkeypatch)


@pytest.fixture(scope="module")
def _shared_twins() -> Iterator[Twins]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield Twins(DEMO, ManualClock(), monkeypatch)


@pytest.fixture
def reading_twins(_shared_twins: Twins) -> Twins:
    """Twins for requests that change no record (seeding two stores costs 0.2 s a test): all scopes, a full bucket."""
    _shared_twins.change(lambda store: setattr(store, "_available", store.maximum_available))
    _shared_twins.change(lambda store: setattr(store, "scopes", shopify_server.SANDBOX_SCOPES.split(",")))
    return _shared_twins


@pytest.mark.parametrize("scenario", [DEMO, HOSTILE], ids=["demo", "hostile"])
async def test_every_document_our_clients_send_gets_graphql_cores_answer(
    scenario: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    twins = Twins(scenario, clock, monkeypatch)
    store = twins.direct
    async with twins.session.shopify_client() as shopify:
        shop = await shopify.shop_info()
        locations = await shopify.locations()
        variants = await shopify.variants()
        await shopify.variants(search=f"sku:{variants[0].sku}")
        stock = {loc.id: await shopify.location_stock(loc.id) for loc in locations}
        orders = await shopify.orders("")
        await shopify.orders("financial_status:paid")
        stamps = await shopify.order_stamps("")
        await shopify.orders_by_id(list(stamps)[:3])
        await shopify.execute(document("order_line_items"), {"id": orders[0].id, "after": None})
        await shopify.store_counts(None)
        await shopify.store_counts("financial_status:paid")
        for order in orders:
            await shopify.fulfilment_state(order.id)
        location_id, levels = next((loc, levels) for loc, levels in stock.items() if levels)
        item_id, level = next(iter(levels.items()))
        await shopify.stock_level(item_id, location_id)
        await shopify.bulk_variants()
        await shopify.bulk_orders("financial_status:paid")
        assert [v async for v in shopify.catalog_variants()]
        await shopify.set_available(
            [
                StockSet(inventory_item_id=item_id, location_id=location_id, quantity=7, change_from=level.available),
                StockSet(inventory_item_id=item_id, location_id=location_id, quantity=9, change_from=-5),  # stale
            ]
        )
        variant = next(v for v in variants if v.id in {r["id"] for r in store.variants})
        placed, _ = await shopify.place_order(
            [(variant.id, 1, Decimal("10.00"))],
            email="pilot@example.com",
            currency=shop.currency,
            tax=("GST", 0.1),
            taxes_included=True,
            tags=["pilot"],
        )
        (fulfillment_order, *_) = await shopify.fulfillment_orders(placed)
        fulfilment = await shopify.create_fulfillment(
            fulfillment_order.id, None, tracking={"company": "Australia Post", "number": "AP1"}
        )
        await shopify.update_tracking(
            fulfilment["id"], {"company": "Australia Post", "number": "AP2", "url": "https://auspost.com.au/AP2"}
        )
        await shopify.cancel_order(orders[-1].id)
    queries = {payload["query"] for payload in twins.sent}
    bulk_queries = {payload["variables"]["query"] for payload in twins.sent if "query" in payload["variables"]}
    ordinary = [name for name in DOCUMENT_NAMES if name not in BULK_DOCUMENTS]
    assert [name for name in ordinary if document(name) not in queries] == []
    assert {document("bulk_variants"), document("bulk_catalog"), bulk_orders_query("financial_status:paid")} <= (
        bulk_queries
    )
    # ... and every one of them was run by the direct executor, not handed back to graphql-core.
    for query in queries:
        parsed = parsed_document(query)
        assert not isinstance(parsed, tuple)
        (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        assert runs_directly(parsed, operation), query


def test_bulk_documents_sent_as_ordinary_queries_are_refused_alike(reading_twins: Twins) -> None:
    """Without `first` each connection fails at its own path: graphql-core's errors and partial data."""
    for name in sorted(BULK_DOCUMENTS):
        query = bulk_orders_query("") if name == "bulk_orders" else document(name)
        body = reading_twins.ask(query)
        assert body["errors"][0]["message"] == "you must provide one of first or last"
        assert "data" not in body  # the root connection is non-null: nothing of it is left


SCOPE_CASES = [
    # A nullable root field without its scope: null with ACCESS_DENIED, the rest answered.
    (("read_orders",), "{ shop { name } order(id: $id) { name } ordersCount { count } }", "partial"),
    # A non-null root field without its scope: the whole data is null.
    (("read_orders",), "{ shop { name } orders(first: 2) { nodes { id } } }", "none"),
    (("read_products",), "{ shop { name } productVariants(first: 2) { nodes { id } } }", "none"),
    # Either of two scopes will do: without both, each field is denied at its own path.
    (
        ("read_locations", "read_inventory"),
        "{ shop { id } a: location { name } b: inventoryItem(id: $item) { id } }",
        "partial",
    ),
    (("read_inventory",), "{ a: location { name } b: inventoryItem(id: $item) { id } }", "partial"),
]


@pytest.mark.parametrize(("scopes", "selection", "data"), SCOPE_CASES)
def test_access_denied_is_located_and_leaves_the_same_partial_data(
    twins: Twins, scopes: tuple[str, ...], selection: str, data: str
) -> None:
    twins.change(lambda store: setattr(store, "scopes", [s for s in store.scopes if s not in scopes]))
    item = twins.direct.variants[0]["inventoryItem"]["id"]
    order = twins.direct.orders[0]["id"]
    variables = {name: value for name, value in [("id", order), ("item", item)] if f"${name}" in selection}
    declared = ", ".join(f"${name}: ID!" for name in variables)
    body = twins.ask(f"query Q{f'({declared})' if declared else ''} {selection}", variables)
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes and set(codes) == {"ACCESS_DENIED"}
    assert all(e["path"] and e["locations"] for e in body["errors"])
    if data == "none":
        assert "data" not in body
    else:
        assert None in body["data"].values() and any(body["data"].values())


TRICKY = {
    "aliases and the same field twice": """{ a: shop { n: name id } b: shop { name } shop { id } shop { name } }""",
    "__typename everywhere": """{ __typename shop { __typename t: __typename }
        productVariants(first: 2) { __typename nodes { __typename id } pageInfo { __typename } } }""",
    "named fragments, nested and spread twice": """
        query Frag { productVariants(first: 3) { ...Page ...Page } }
        fragment Page on ProductVariantConnection { nodes { ...Variant } pageInfo { hasNextPage } }
        fragment Variant on ProductVariant { id sku product { ...Product } inventoryItem { id ...Item } }
        fragment Product on Product { title status }
        fragment Item on InventoryItem { tracked id }""",
    "inline fragments with and without a type": """{ shop { ... { name } ... on Shop { id name } } }""",
    "an interface through its implementations": """{ orders(first: 10) { nodes { name
        lineItems(first: 5) { nodes { discountAllocations { discountApplication { __typename index
          ... on DiscountCodeApplication { code } ... on ManualDiscountApplication { title } } } } } } } }""",
    "literal, enum and list arguments": """{ locations(first: 2, includeInactive: true, sortKey: NAME) {
        edges { cursor node { id name inventoryLevels(first: 2) { nodes {
          quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } } } } }""",
    "nulls and enums of orders": """{ orders(first: 20, reverse: true, sortKey: CREATED_AT) { nodes {
        id cancelledAt cancelReason email displayFinancialStatus displayFulfillmentStatus tags
        customer { id firstName } shippingAddress { city zip } } } }""",
    "an order that is not there": """{ order(id: "gid://shopify/Order/1") { id } inventoryItem(id: "x") { id } }""",
    "page size over the maximum": """{ shop { name } productVariants(first: 251) { nodes { id } } }""",
    "a cursor that is not one": """{ locations(first: 1, after: "not a cursor") { nodes { id } } }""",
    "no such operation": """query A { shop { id } } query B { shop { name } }""",
}


@pytest.mark.parametrize("query", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_documents_get_the_same_answer(reading_twins: Twins, query: str) -> None:
    body = reading_twins.ask(query, name="C" if "query B" in query else None)
    assert body.get("data") or body.get("errors")


def test_a_null_in_a_non_null_field_nulls_the_nearest_nullable_one_alike(twins: Twins) -> None:
    def damage(store: ShopifySandbox) -> None:
        store.orders[0]["name"] = None  # Order.name is String!
        store.orders[1]["lineItems"][0]["quantity"] = None  # LineItem.quantity is Int!

    twins.change(damage)
    order = twins.direct.orders[0]["id"]
    body = twins.ask("query O($id: ID!) { shop { name } order(id: $id) { id name } }", {"id": order})
    assert body["data"] == {"shop": {"name": body["data"]["shop"]["name"]}, "order": None}
    assert body["errors"][0]["message"] == "Cannot return null for non-nullable field Order.name."
    # Non-null all the way up: the null reaches the root, and the data is gone.
    body = twins.ask("{ orders(first: 5) { nodes { id lineItems(first: 5) { nodes { quantity } } } } }")
    assert "data" not in body
    assert body["errors"][0]["path"] == ["orders", "nodes", 1, "lineItems", "nodes", 0, "quantity"]


def test_values_are_serialized_as_graphql_core_serializes_them(twins: Twins) -> None:
    """A record holding a value of another type: coerced (an int as a String, a bool as a String, an int
    as a Float), or refused at its field (a float as an Int, a name no enum has, a dict as a String)."""

    def odd_values(store: ShopifySandbox) -> None:
        order = store.orders[0]
        order.update(email=12345, tags=["vip", 7, True], displayFinancialStatus="NOT_A_STATUS", note=None)
        order["lineItems"][0].update(name=False, quantity=1.5)
        order["lineItems"][0]["taxLines"] = [{"title": {"x": 1}, "rate": 1, "priceSet": None}]
        store.shop["name"] = 42
        store.shop["ianaTimezone"] = lambda info: (
            f"{info.parent_type}/{info.field_name}"
        )  # called, as graphql-core does

    twins.change(odd_values)
    body = twins.ask(
        """query V($id: ID!) { shop { name ianaTimezone } order(id: $id) { email tags displayFinancialStatus
        lineItems(first: 1) { nodes { name quantity taxLines { rate } t: taxLines { title } } } } }""",
        {"id": twins.direct.orders[0]["id"]},
    )
    assert body["data"]["shop"] == {"name": "42", "ianaTimezone": "Shop/ianaTimezone"}
    messages = " | ".join(e["message"] for e in body["errors"])
    assert "Enum 'OrderDisplayFinancialStatus' cannot represent value: 'NOT_A_STATUS'" in messages
    assert "Int cannot represent non-integer value: 1.5" in messages
    body = twins.ask(
        """query V($id: ID!) { order(id: $id) { email tags
        lineItems(first: 1) { nodes { name taxLines { rate } } } } }""",
        {"id": twins.direct.orders[0]["id"]},
    )
    order = body["data"]["order"]
    assert order["email"] == "12345" and order["tags"] == ["vip", "7", "true"]
    assert order["lineItems"]["nodes"][0] == {"name": "false", "taxLines": [{"rate": 1.0}]}


def test_variables_that_do_not_coerce_are_refused_alike(reading_twins: Twins) -> None:
    twins = reading_twins
    mutation = document("fulfillment_tracking_update")
    body = twins.ask(mutation, {"fulfillmentId": "gid://shopify/Fulfillment/1", "trackingInfoInput": {"url": "x"}})
    assert "data" not in body and "Invalid url 'x'" in body["errors"][0]["message"]
    body = twins.ask(document("fulfillment_orders"), {})
    assert "data" not in body and "orderId" in body["errors"][0]["message"]


def test_what_the_direct_executor_leaves_to_graphql_core_gets_the_same_answer(reading_twins: Twins) -> None:
    query = "query D($yes: Boolean!) { shop { name @include(if: $yes) id @skip(if: $yes) } }"
    parsed = parsed_document(query)
    assert not isinstance(parsed, tuple)
    (operation,) = parsed.definitions
    assert isinstance(operation, OperationDefinitionNode) and not runs_directly(parsed, operation)
    shop = reading_twins.ask(query, {"yes": True})["data"]["shop"]
    assert shop == {"name": reading_twins.direct.shop["name"]}


# -- random selections over the whole schema -------------------------------------------------------

ROOTS = ["shop", "locations(first: 3)", "productVariants(first: 4)", "orders(first: 4)", "currentAppInstallation"]
# Fields whose arguments are required or whose values need a query of their own: left out of random selections.
SKIPPED = {"inventoryLevel", "quantities", "bulkOperation", "job", "order", "inventoryItem", "location"}


_aliases = itertools.count()


@st.composite
def selections(draw: st.DrawFn, type_: GraphQLObjectType, depth: int = 0) -> str:
    names = sorted(n for n in type_.fields if n not in SKIPPED)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    parts = []
    for name in chosen:
        field = type_.fields[name]
        named = get_named_type(field.type)
        text = name
        if any(a in field.args for a in ("first", "last")):
            text += f"(first: {draw(st.integers(0, 3))})"
        # An alias of its own (never reused): two selections of one name must agree, and these may not.
        if "(" in text or draw(st.booleans()):
            text = f"x{next(_aliases)}: {text}"
        if isinstance(named, GraphQLObjectType):
            if depth >= 3:
                continue
            text += " { " + draw(selections(named, depth + 1)) + " }"
        elif not hasattr(named, "fields"):
            pass
        else:
            text += " { __typename }"
        wrap = draw(st.sampled_from(["", "... { X }", f"... on {type_.name} {{ X }}"]))
        parts.append(wrap.replace("X", text) if wrap else text)
    if draw(st.booleans()):
        parts.append("__typename")
    return " ".join(parts) or "__typename"


@st.composite
def queries(draw: st.DrawFn, schema: GraphQLSchema) -> str:
    root = schema.query_type
    assert root is not None
    picked = draw(st.lists(st.sampled_from(ROOTS), min_size=1, max_size=3, unique=True))
    parts = []
    for index, call in enumerate(picked):
        named = get_named_type(root.fields[call.split("(")[0]].type)
        assert isinstance(named, GraphQLObjectType)
        parts.append(f"r{index}: {call} {{ {draw(selections(named))} }}")
    return "{ " + " ".join(parts) + " }"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(sandbox_schema()), denied=st.sampled_from(["", "read_orders", "read_products"]))
def test_random_selections_over_the_schema_get_the_same_answer(reading_twins: Twins, query: str, denied: str) -> None:
    twins = reading_twins
    assert not isinstance(parsed_document(query), tuple), query  # a valid document: it gets executed
    granted = [s for s in shopify_server.SANDBOX_SCOPES.split(",") if s != denied]
    twins.change(lambda store: setattr(store, "scopes", granted))
    twins.change(lambda store: setattr(store, "_available", store.maximum_available))  # examples share the twins
    body = twins.ask(query)
    assert body["extensions"]["cost"]["actualQueryCost"] is not None, "executed, not refused before"


COSTS = {
    # Shopify's cost: a connection 2 plus, per node asked for (requested) or returned (actual), its objects.
    '{ productVariants(first: 5, query: "sku:TEE-BLK-M") { nodes { id inventoryItem { id } } } }': (12, 6),
    '{ a: productVariants(first: 5, query: "sku:TEE-BLK-M") { edges { node { product { title } } } } }': (12, 6),
    '{ orders(first: 10, query: "name:#nothing") { nodes { id customer { id } } } }': (22, 2),
    "{ shop { name plan { shopifyPlus } } }": (2, 2),
    # Page sizes from variables, a connection in a connection: 2 + 2 × (1 + 2 + 4 × 2).
    """query L($outer: Int!, $inner: Int) { locations(first: $outer) {
        nodes { inventoryLevels(first: $inner) { nodes { item { id } } } } } }""": (24, 24),
}


@pytest.mark.parametrize(("query", "costs"), COSTS.items(), ids=range(len(COSTS)))
def test_the_actual_cost_counts_what_came_back(reading_twins: Twins, query: str, costs: tuple[int, int]) -> None:
    cost = reading_twins.ask(query, {"outer": 2, "inner": 4} if "$outer" in query else {})["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == costs
    assert cost["throttleStatus"]["currentlyAvailable"] == 2000 - costs[1], "the difference is given back"
