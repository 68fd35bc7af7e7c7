"""A large catalogue's audit reads slim records and streamed JSONL, and finds exactly what it found before.

`golden/audit-generated-3000.json` is the report of `generate_large(3000)` as the audit wrote it before
the reads became streamed summaries and the Shopify sandbox wrote bulk JSONL itself (commit 0375d87,
with full Cin7 models and graphql-core resolving the bulk query). Both paths must still write it
byte for byte: the sandboxes in this process on the simulated clock, and served over HTTP.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import tracemalloc
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.audit.export import report_json_text
from cin7_shopify.audit.models import AuditReport, Cin7Catalog, Cin7ProductRecord, ShopifyCatalog, ShopifyVariantRecord
from cin7_shopify.audit.service import AuditRun, audit_with_clients
from cin7_shopify.audit.sources import read_cin7_catalog
from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.errors import Cin7UnexpectedResponse
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox
from cin7_shopify.sandbox.shopify_bulk import bulk_jsonl
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN, parsed_document
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import AccessToken, ShopifyClient
from cin7_shopify.shopify.documents import bulk_orders_query, document

GOLDEN = Path(__file__).parent / "golden" / "audit-generated-3000.json"
VARIANTS = 3000
SMALL = 300


@pytest.fixture(scope="module")
def large() -> dict[str, Any]:
    return generate_large(VARIANTS)


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    """Enough for every shape of line (problem SKUs, money orders), quick to seed."""
    return generate_large(SMALL)


def _session(data: dict[str, Any], **options: Any) -> SandboxSession:
    return open_sandbox(Scenario("large", data["shopify"], data["cin7"], data["settings"]), **options)


async def test_findings_are_unchanged_through_the_sandboxes_in_process(large: dict[str, Any]) -> None:
    """One seed of the large catalogue (0.4-0.6 s CPU) for three reads of it: the audit, the stock rows read
    back as seeded, and then a damaged row named by page and record."""
    session = _session(large, clock=ManualClock())
    async with session.cin7_client() as cin7, session.shopify_client() as shopify:
        run = await audit_with_clients(cin7, shopify, StoreSettings.from_json_dict(large["settings"]), store="golden")
    assert report_json_text(run.report) == GOLDEN.read_text(encoding="utf-8")
    # The floor the README promises: ceil(products/1000) + ceil(rows/1000) + ceil(families/1000) + 2.
    assert run.cin7_calls == 3 + 9 + 1 + 2
    assert len(run.shopify.variants) == VARIANTS
    await _stock_rows_read_back_as_seeded(large, session)
    await _a_cin7_row_the_audit_cannot_read_is_named_by_page_and_record(session)


def test_a_large_audit_is_handed_back_without_being_written_out() -> None:
    """A command gets its audit back from asyncio.run, which (Python 3.11) formats the finished task's
    result as it puts the Ctrl-C handler back: the catalogues must not be written out then (100,000
    variants: 2.5 s and 150 MB, the command's peak memory)."""
    variants = [ShopifyVariantRecord(f"gid://shopify/ProductVariant/{n}", f"SKU-{n}", "p", "Tee") for n in range(3000)]
    products = [Cin7ProductRecord(f"SKU-{n}", "Tee") for n in range(3000)]
    run = AuditRun(AuditReport("big", []), ShopifyCatalog("Big", False, variants), Cin7Catalog("", products))

    async def hand_back() -> AuditRun:
        return run

    tracemalloc.start()
    try:
        handed = asyncio.run(hand_back())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert handed is run and peak < 100_000, f"{peak:,} bytes to hand back an audit of 3,000 variants"


async def test_findings_are_unchanged_over_http(large: dict[str, Any], _sandbox_server: tuple[str, Any]) -> None:
    base, combined = _sandbox_server
    served = _session(large, throttle_shape="503", cin7_calls_per_minute=6000)
    served.shopify.restore_rate = 1000
    combined.cin7, combined.shopify = served.cin7, served.shopify
    domain = large["shopify"]["shop"]["myshopifyDomain"]
    async with (
        Cin7Client(
            SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, base_url=base + "/ExternalApi/v2/", pacer=Cin7Pacer(6000)
        ) as cin7,
        ShopifyClient(domain, AccessToken(SANDBOX_SHOPIFY_TOKEN), base_url=base) as shopify,
    ):
        run = await audit_with_clients(cin7, shopify, StoreSettings.from_json_dict(large["settings"]), store="golden")
    assert report_json_text(run.report) == GOLDEN.read_text(encoding="utf-8")


async def _a_cin7_row_the_audit_cannot_read_is_named_by_page_and_record(session: SandboxSession) -> None:
    session.cin7.products[1500]["SKU"] = None  # Cin7 answering a product without its code
    async with session.cin7_client() as cin7:
        with pytest.raises(Cin7UnexpectedResponse) as caught:
            await read_cin7_catalog(cin7)
    assert "record 501 of page 2 does not look like a Product: SKU: Input should be a valid string" in str(caught.value)


ALIASED = """
{
  variants: productVariants {
    edges { node { ...Code product { name: title } __typename inventoryItem { id inventoryLevels {
      nodes { location { id } quantities(names: ["available"]) { name quantity } } } } } }
  }
}
fragment Code on ProductVariant { id sku }
"""


async def test_bulk_rows_hold_exactly_the_fields_asked_for(small: dict[str, Any]) -> None:
    session = _session(small, clock=ManualClock())
    async with session.shopify_client() as shopify:
        rows = [row async for row in shopify.bulk_lines(ALIASED)]
    variants = [r for r in rows if "__parentId" not in r]
    levels = [r for r in rows if "__parentId" in r]
    assert len(variants) == SMALL and len(levels) == 3 * SMALL
    first = variants[0]
    assert list(first) == ["id", "sku", "product", "__typename", "inventoryItem"]
    assert first["product"] == {"name": "Product P000001"} and first["__typename"] == "ProductVariant"
    assert list(first["inventoryItem"]) == ["id"], "a nested connection is lines of its own, not a key"
    # Children follow their node and name it (the variant: the nearest node with an id).
    assert rows[1]["__parentId"] == first["id"] and list(rows[1]) == ["location", "quantities", "__parentId"]
    assert rows[1]["quantities"] == [{"name": "available", "quantity": rows[1]["quantities"][0]["quantity"]}]


@pytest.mark.parametrize(
    "query",
    [
        document("bulk_variants"),
        document("bulk_catalog"),
        bulk_orders_query("created_at:>='2026-01-01T00:00:00Z'"),
        ALIASED,
    ],
    ids=["bulk_variants", "bulk_catalog", "bulk_orders", "aliased"],
)
def test_the_direct_writer_writes_what_graphql_core_writes(small: dict[str, Any], query: str) -> None:
    shopify = _session(small, clock=ManualClock()).shopify
    parsed = parsed_document(query)
    assert not isinstance(parsed, tuple)
    context = {"sandbox": shopify, "bulk": True, "scopes": shopify.scopes}
    direct = bulk_jsonl(shopify.schema, parsed, context)
    assert direct is not None
    by_graphql_core = shopify._bulk_by_graphql_core(parsed, context)
    assert not isinstance(by_graphql_core, str)
    assert direct.lines == by_graphql_core.lines
    assert (direct.objects, direct.roots) == (by_graphql_core.objects, by_graphql_core.roots)
    assert all(json.loads(line) for line in direct.lines)


async def test_a_query_the_writer_declines_still_runs(small: dict[str, Any]) -> None:
    """A directive is left to graphql-core: the same rows come back, only slower."""
    session = _session(small, clock=ManualClock())
    query = "{ productVariants { edges { node { id sku @include(if: false) title } } } }"
    async with session.shopify_client() as shopify:
        rows = [row async for row in shopify.bulk_lines(query)]
    assert len(rows) == SMALL and set(rows[0]) == {"id", "title"}


def _scribble(value: Any, seen: set[int]) -> None:
    """Change every dict and list reachable from a sandbox record, as any later write might."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for inner in list(value.values()):
            _scribble(inner, seen)
        value["__scribbled"] = True
    elif isinstance(value, MutableMapping):  # a record of fixed fields, such as a Cin7 stock row
        for key in value:
            value[key] = "scribbled"
    elif isinstance(value, list):
        for inner in list(value):
            _scribble(inner, seen)
        value.append("scribbled")


def test_seeding_without_deep_copies_leaves_the_scenario_as_it_was(small: dict[str, Any]) -> None:
    scenario = Scenario("large", small["shopify"], small["cin7"], small["settings"])
    before = json.dumps([scenario.shopify, scenario.cin7], sort_keys=True)
    session = open_sandbox(scenario, clock=ManualClock(), hand_over=True)  # ignored: the caller keeps it
    seen: set[int] = set()
    for records in (
        session.cin7.products,
        session.cin7.families,
        session.cin7.availability,
        session.cin7.customers,
        session.cin7.locations,
        session.shopify.variants,
        session.shopify.orders,
        session.shopify.locations,
    ):
        _scribble(records, seen)
    assert json.dumps([scenario.shopify, scenario.cin7], sort_keys=True) == before
    again = _session(small, clock=ManualClock())  # a second sandbox from the same scenario starts clean
    assert "__scribbled" not in json.dumps([again.cin7.products, again.cin7.families])
    assert "scribbled" not in json.dumps([dict(row) for row in again.cin7.availability])
    variant = again.shopify.variants[0]
    assert "__scribbled" not in variant and "__scribbled" not in variant["selectedOptions"][0]
    assert "__scribbled" not in variant["product"] and variant["product"]["options"][-1] != "scribbled"


def test_a_command_s_scenario_is_handed_to_the_sandboxes(tmp_path: Path, small: dict[str, Any]) -> None:
    """Loaded for one command, its catalogue lists move into the sandboxes instead of being copied."""
    from cin7_shopify.sandbox.demo_data import write_scenario

    write_scenario(small, tmp_path / "large")
    try:
        session = open_sandbox(tmp_path / "large", clock=ManualClock(), hand_over=True)
    finally:
        gc.unfreeze()  # a command's sandboxes are kept out of the collector's walks; not this test's
    assert "products" not in session.scenario.shopify and "Products" not in session.scenario.cin7
    assert session.scenario.shopify["orders"] and session.scenario.settings, "the rest stays"
    assert len(session.shopify.variants) == SMALL and len(session.cin7.availability) == len(
        small["cin7"]["ProductAvailability"]
    )


async def _stock_rows_read_back_as_seeded(large: dict[str, Any], session: SandboxSession) -> None:
    """The Cin7 sandbox keeps 300,000 stock rows compactly (slots, shared numbers); through the client they
    are still every row, page by page and filtered, with Cin7's fields in Cin7's order."""
    seeded = large["cin7"]["ProductAvailability"]
    async with session.cin7_client() as cin7:
        rows = await cin7.list_availability()
        at_store = await cin7.list_availability(location="Melbourne Store")
        first = await cin7._request("GET", "ref/productavailability", params={"Page": "1", "Limit": "1"})
    pages = math.ceil(len(seeded) / 1000) + math.ceil(len(at_store) / 1000) + 1
    assert len(seeded) > 2000 and len(at_store) > 1000 and cin7.calls == pages
    assert [(r.SKU, r.Location, float(r.OnHand), float(r.Allocated)) for r in rows] == [
        (s["SKU"], s["Location"], float(s["OnHand"]), float(s.get("Allocated") or 0)) for s in seeded
    ]
    assert all(r.Available == r.OnHand - r.Allocated for r in rows)
    assert [r.SKU for r in at_store] == [s["SKU"] for s in seeded if s["Location"] == "Melbourne Store"] != []
    assert first["Total"] == len(seeded) and list(first["ProductAvailabilityList"][0]) == [
        "ID", "SKU", "Name", "Barcode", "Location", "Bin", "Batch", "ExpiryDate",
        "OnHand", "Allocated", "Available", "OnOrder", "StockOnHand", "InTransit",
    ]  # fmt: skip
