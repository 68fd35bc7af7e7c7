"""Counting a store without reading it: Shopify's productsCount / productVariantsCount / ordersCount and
Cin7 Core's list Total, as both APIs answer them, and home's overview built on them (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.faults import Faults, FaultyTransport
from cin7_shopify.sandbox.session import SHOPIFY_SANDBOX_URL, SandboxSession
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN, ShopifySandbox
from cin7_shopify.shopify.client import AccessToken, ShopifyClient
from cin7_shopify.shopify.errors import ShopifyAccessDenied

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
