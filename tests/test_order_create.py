"""The pilot's test orders are real orders: they claim stock and carry the shop's tax setting."""

from __future__ import annotations

from decimal import Decimal

from cin7_shopify.sandbox.session import SandboxSession


async def test_a_pilot_order_claims_stock_and_is_taxed_as_the_shop_is(demo: SandboxSession) -> None:
    shopify = demo.shopify
    variant = next(v for v in shopify.variants_by_id.values() if v["sku"] == "TEE-BLK-M")
    item = variant["inventoryItem"]["id"]
    before = {loc: lvl["_quantities"]["available"] for (i, loc), lvl in shopify.levels.items() if i == item}
    async with demo.shopify_client() as client:
        order_id, _ = await client.place_order(
            [(variant["id"], 2, Decimal("29.95"))],
            email="pilot@cin7-shopify-console.test",
            currency="AUD",
            tax=("GST", 0.1),
            taxes_included=True,
            tags=["cin7-shopify-pilot"],
        )
    order = shopify.orders_by_id[order_id]
    assert order["taxesIncluded"] is True, "Shopify defaults taxesIncluded to false: the pilot must say so"
    after = {loc: lvl["_quantities"]["available"] for (i, loc), lvl in shopify.levels.items() if i == item}
    claimed = {loc: before[loc] - after[loc] for loc in before if before[loc] != after[loc]}
    assert list(claimed.values()) == [2], "Shopify's default BYPASS claims no stock: the pilot must ask to"
