"""A 3PL's location (a Shopify fulfillment service, as the demo's ShipBob is): its app ships the orders
assigned there and keeps its stock in Shopify, so the sync leaves both to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.shopify.errors import ShopifyError
from tests.sync_harness import Harness, ship

SHIPBOB = "gid://shopify/Location/71002"


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


async def test_shopify_refuses_our_fulfilment_at_a_fulfillment_service_location(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        (order,) = await shopify.orders("name:#1004")
        (fulfillment_order,) = await shopify.fulfillment_orders(order.id)
        assert fulfillment_order.fulfillment_service and fulfillment_order.location_name == "ShipBob 3PL"
        with pytest.raises(ShopifyError, match="only the fulfillment service can create"):
            await shopify.create_fulfillment(fulfillment_order.id, None, tracking={"number": "SB1"})


async def test_a_3pl_shipment_is_left_to_the_3pls_app_without_an_error(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        sale = harness.sale_for("#1004")
        assert sale["Location"] == "3PL - ShipBob"
        await ship(sync.cin7, str(sale["ID"]), tracking="SB1004")
        first = await sync.fulfilment_pass()
        again = await sync.fulfilment_pass()
        errors = [e for e in sync.journal.entries() if e.kind == "fulfilment_failed"]
    assert first.left_to_service == ["#1004 (ShipBob 3PL)"] and first.failed == [] and errors == []
    assert again.left_to_service == [], "noted once"
    assert harness.session.shopify.orders_by_id[harness.order_id("#1004")]["fulfillments"] == []


async def test_stock_at_a_location_the_3pl_keeps_is_not_pushed(harness: Harness) -> None:
    with harness.sync() as sync:
        plan = await sync.stock_plan()
    assert SHIPBOB in harness.settings.location_map
    assert not [c for c in plan.changes if c.location_id == SHIPBOB]
    assert any("ShipBob 3PL is run by a fulfillment service (ShipBob)" in note for note in plan.notes)
