"""Bulk queries limited as Shopify limits them: five connections at most, nested two deep at most."""

from __future__ import annotations

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.shopify.errors import ShopifyBulkFailed

THREE_DEEP = """
{ orders { edges { node { id
    fulfillmentOrders { edges { node { id
        lineItems { edges { node { id } } } } } } } } } }
"""


async def test_a_bulk_query_nested_three_connections_deep_is_refused(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyBulkFailed, match="nesting depth greater than 2"):
            await shopify.run_bulk_query(THREE_DEEP)


async def test_a_bulk_query_with_more_than_five_connections_is_refused(demo: SandboxSession) -> None:
    query = (
        "{ orders { edges { node { id lineItems { edges { node { id } } } shippingLines { edges { node { title } } }"
        " fulfillmentOrders { edges { node { id } } } } } }"
        " productVariants { edges { node { id inventoryItem { inventoryLevels { edges { node { id } } } } } } } }"
    )
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyBulkFailed, match="more than 5 connections"):
            await shopify.run_bulk_query(query)


async def test_our_own_bulk_reads_stay_inside_the_limits(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        assert await shopify.bulk_variants()
        assert await shopify.bulk_orders("created_at:>='2026-01-01T00:00:00Z'")
