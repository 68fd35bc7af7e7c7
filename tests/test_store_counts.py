"""Counting a store without reading it: Shopify's productsCount / productVariantsCount / ordersCount and
Cin7 Core's list Total, as both APIs answer them, and home's overview built on them (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from cin7_shopify.clock import ManualClock
from cin7_shopify.overview import figure, load_overview
from cin7_shopify.sandbox.faults import Faults, FaultyTransport
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import SHOPIFY_SANDBOX_URL, SandboxSession, open_sandbox
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN, ShopifySandbox
from cin7_shopify.shopify.client import AccessToken, ShopifyClient
from cin7_shopify.shopify.errors import ShopifyAccessDenied
from cin7_shopify.shopify.models import Count

# 2,001 products of 5 variants: past Shopify's default count limit of 10,000 variants, every tenth a draft.
PRODUCTS, PER_PRODUCT = 2001, 5


def _big_shop() -> dict[str, Any]:
    products = [
        {
            "id": f"gid://shopify/Product/{p + 1}",
            "title": f"Tee {p}",
            "status": "DRAFT" if p % 10 == 0 else "ACTIVE",
            "variants": [
                {
                    "id": f"gid://shopify/ProductVariant/{p * PER_PRODUCT + v + 1}",
                    "sku": f"TEE-{p}-{v}",
                    "inventoryItem": {"id": f"gid://shopify/InventoryItem/{p * PER_PRODUCT + v + 1}"},
                }
                for v in range(PER_PRODUCT)
            ],
        }
        for p in range(PRODUCTS)
    ]
    shop = {"name": "Big Tees", "myshopifyDomain": "big-tees.myshopify.com", "currencyCode": "AUD"}
    return {"shop": shop, "locations": [], "products": products}


def _client(sandbox: ShopifySandbox) -> ShopifyClient:
    return ShopifyClient(
        "big-tees.myshopify.com",
        AccessToken(SANDBOX_SHOPIFY_TOKEN),
        base_url=SHOPIFY_SANDBOX_URL,
        transport=FaultyTransport(sandbox, Faults()),
        clock=ManualClock(),
    )


COUNTS = """query Counts {
  byDefault: productVariantsCount { count precision }
  unlimited: productVariantsCount(limit: null) { count precision }
  ignored: productVariantsCount(query: "sku:TEE-1-1", limit: null) { count precision }
  products: productsCount { count precision }
  limited: productsCount(limit: 2000) { count precision }
  active: productsCount(query: "status:active") { count precision }
  drafts: productsCount(query: "status:DRAFT") { count precision }
  both: productsCount(query: "status:active,draft") { count precision }
  notDrafts: productsCount(query: "-status:draft,archived") { count precision }
  titled: productsCount(query: "title:'Tee 7'") { count precision }
  bySku: productsCount(query: "sku:TEE-7-3 OR sku:tee-8-0") { count precision }
}"""


async def test_shopify_counts_as_the_schema_describes_them() -> None:
    sandbox = ShopifySandbox(_big_shop())
    async with _client(sandbox) as shopify:
        data = await shopify.execute(COUNTS)
        counts = await shopify.store_counts(None)
        capped = await shopify.store_counts(None, limit=2000)
    variants, drafts = PRODUCTS * PER_PRODUCT, len(range(0, PRODUCTS, 10))
    # "Count of product variants. Limited to a maximum of 10000 by default." (2026-10 QueryRoot)
    assert data["byDefault"] == {"count": 10000, "precision": "AT_LEAST"}
    assert data["unlimited"] == {"count": variants, "precision": "EXACT"}, "limit: null is no limit"
    assert data["ignored"] == data["unlimited"], "productVariantsCount's query: 'No supported search fields.'"
    assert data["products"] == data["both"] == {"count": PRODUCTS, "precision": "EXACT"}, "every status unfiltered"
    assert data["limited"] == {"count": 2000, "precision": "AT_LEAST"}
    assert data["drafts"]["count"] == drafts and data["active"]["count"] == PRODUCTS - drafts
    assert data["notDrafts"]["count"] == PRODUCTS - drafts
    assert data["titled"]["count"] == 1
    assert data["bySku"]["count"] == 2, "products with a variant of either SKU"
    # The client's one call: every product and variant counted, each as exact as Shopify says.
    assert (counts.products.count, counts.products.exact) == (PRODUCTS, True)
    assert (counts.variants.count, counts.variants.exact) == (variants, True)
    assert (counts.orders.count, counts.orders.exact) == (0, True)
    assert (capped.products.count, capped.products.exact) == (2000, False)
    assert (capped.variants.count, capped.variants.exact) == (2000, False)
    # Objects cost 1 point each and a count is an object: the three counts cost 3 points, not a page's 250+.
    assert shopify._last_cost["StoreCounts"] == 3 and shopify.calls == 3


async def test_counting_products_needs_read_products_as_shopify_says(demo: SandboxSession) -> None:
    demo.shopify.scopes = [s for s in demo.shopify.scopes if s != "read_products"]
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyAccessDenied) as caught:
            await shopify.store_counts(None)
    assert "Access denied for productsCount field. Required access: `read_products` access scope." in str(
        caught.value.message
    )


async def test_cin7_counts_products_from_one_page_total(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        active = await cin7.count_products()
        everything = await cin7.count_products(include_deprecated=True)
        assert cin7.calls == 2, "one call each, whatever the catalogue's size"
        listed = await cin7.list_products()
        listed_all = await cin7.list_products(include_deprecated=True)
    assert active == len(listed) == 158
    assert everything == len(listed_all) and everything > active, "deprecated products only when asked for"


async def test_the_overview_counts_without_reading_the_catalogues(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7, demo.shopify_client() as shopify:
        overview = await load_overview(cin7, shopify, orders_since="2026-11-01T00:00:00Z")
    # The figures home showed when it read every variant and product (44 products, 159 variants, 158 SKUs).
    assert (overview.shopify_products.count, overview.shopify_variants.count) == (44, 159)
    assert (overview.shopify_orders.count, overview.cin7_products) == (31, 158)
    assert overview.shopify_products.exact and overview.shopify_variants.exact and overview.shopify_orders.exact
    assert (overview.shopify_locations, overview.cin7_locations) == (5, 3)
    assert (overview.cin7_calls, overview.shopify_calls) == (3, 3)

    # A catalogue of many pages costs the same calls: no page of products or variants is read.
    data = generate_large(1200)
    large = open_sandbox(Scenario("large", data["shopify"], data["cin7"], data["settings"]), clock=ManualClock())
    async with large.cin7_client() as cin7, large.shopify_client() as shopify:
        overview = await load_overview(cin7, shopify)
    assert overview.shopify_variants.count == len(large.shopify.variants) == 1200
    assert overview.shopify_products.count == len(large.shopify.products)
    assert overview.cin7_products == sum(1 for p in large.cin7.products if p["Status"] == "Active") > 1000
    assert (overview.cin7_calls, overview.shopify_calls) == (3, 3)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Count(count=159, exact=True), "159"),
        (Count(count=100_000, exact=True), "100,000"),
        (Count(count=10_000, exact=False), "10,000+"),  # Shopify stopped counting there
        (158, "158"),
        (1_250_000, "1,250,000"),
    ],
)
def test_home_shows_a_count_as_exact_or_at_least(value: Count | int, shown: str) -> None:
    assert figure(value) == shown
