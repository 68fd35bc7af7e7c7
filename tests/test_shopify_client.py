"""The Shopify client against the Shopify sandbox: tokens, cost pacing, paging, bulk and writes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest

from cin7_shopify.clock import ManualClock
from cin7_shopify.errors import ConsoleError
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox
from cin7_shopify.sandbox.shopify_server import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from cin7_shopify.shopify.client import ClientCredentials, normalize_shop_domain, rebuild_bulk_rows
from cin7_shopify.shopify.documents import document
from cin7_shopify.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryTooCostly,
    ShopifyServerError,
)
from cin7_shopify.shopify.models import StockSet
from tests.conftest import real_shopify_schema

SYDNEY = "gid://shopify/Location/71001"


def large(variants: int, clock: ManualClock) -> SandboxSession:
    data = generate_large(variants)
    return open_sandbox(Scenario("large", data["shopify"], data["cin7"], data["settings"]), clock=clock)


async def test_500_variants_take_two_paged_calls(clock: ManualClock) -> None:
    session = large(500, clock)
    async with session.shopify_client() as shopify:
        variants = await shopify.variants()
    assert shopify.calls == 2
    assert len(variants) == 500 and len({v.id for v in variants}) == 500


async def test_bulk_read_rebuilds_variants_with_their_levels(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        variants = await shopify.bulk_variants()
    assert len(variants) == 159
    for variant in variants:
        item = demo.shopify.items_by_id[variant.inventory_item_id]
        expected = {level["location"]["id"]: level["_quantities"]["available"] for level in item["inventoryLevels"]}
        assert {level.location_id: level.available for level in variant.levels} == expected
    hoodie = next(v for v in variants if v.sku == "HOOD-FOR-M")
    assert hoodie.options == {"Colour": "Forest", "Size": "M"} and hoodie.option_values == ["Forest", "M"]


def test_bulk_children_are_found_whatever_order_the_lines_come_in() -> None:
    rows = [
        {"id": "gid://shopify/ProductVariant/2", "sku": "B"},
        {"id": "lvl-1", "__parentId": "gid://shopify/ProductVariant/1"},
        {"id": "gid://shopify/ProductVariant/1", "sku": "A"},
        {"id": "lvl-2", "__parentId": "gid://shopify/ProductVariant/2"},
        {"id": "lvl-3", "__parentId": "gid://shopify/ProductVariant/1"},
    ]
    roots = rebuild_bulk_rows(rows)
    assert [r["sku"] for r in roots] == ["B", "A"]
    assert [c["id"] for c in roots[1]["__children"]] == ["lvl-1", "lvl-3"]
    assert [c["id"] for c in roots[0]["__children"]] == ["lvl-2"]


async def test_throttled_is_retried_after_the_wait_the_restore_rate_implies(demo: SandboxSession) -> None:
    demo.shopify._available = 100.0  # another app drained the bucket
    clock = demo.clock
    async with demo.shopify_client() as shopify:
        started = clock.now()
        variants = await shopify.variants()
    requested = 752  # 2 + 250 × (variant + inventoryItem + product)
    expected_wait = math.ceil((requested - 100) / demo.shopify.restore_rate)
    assert shopify.throttle_waits == [expected_wait]
    assert clock.now() - started >= expected_wait
    assert len(variants) == 159
    assert [entry["throttled"] for entry in demo.shopify.request_log] == [True, False]


async def test_429_is_retried_after_retry_after(demo: SandboxSession) -> None:
    demo.shopify.throttle_as_429 = True
    demo.shopify_faults.throttle_next = 1
    async with demo.shopify_client() as shopify:
        locations = await shopify.locations()
    assert shopify.throttle_waits == [2.0]
    assert len(locations) == 6


async def test_the_client_paces_itself_before_the_bucket_runs_dry(clock: ManualClock) -> None:
    session = large(2000, clock)
    session.shopify.maximum_available = session.shopify._available = 1000.0
    session.shopify.restore_rate = 50.0
    async with session.shopify_client() as shopify:
        variants = await shopify.variants()
    assert len(variants) == 2000
    throttled = [entry for entry in session.shopify.request_log if entry["throttled"]]
    assert len(throttled) <= 1, "after one answer the client knows the bucket and waits instead"


async def test_queries_sent_together_share_the_bucket_instead_of_each_spending_it(clock: ManualClock) -> None:
    """Shopify charges each query its requested cost when it arrives; a client that lets several go at
    once on one reading of the bucket sends them into THROTTLED, each a wait of a second or more."""
    import asyncio

    session = large(2000, clock)
    session.shopify.maximum_available = session.shopify._available = 1000.0
    session.shopify.restore_rate = 50.0
    async with session.shopify_client() as shopify:
        await shopify.execute(document("variants"), {"query": None, "first": 250})  # the bucket is known
        answers = await asyncio.gather(
            *(shopify.execute(document("variants"), {"query": None, "first": 250}) for _ in range(6))
        )
    assert all(answer["productVariants"]["nodes"] for answer in answers)
    throttled = [entry for entry in session.shopify.request_log if entry["throttled"]]
    assert throttled == [], "each query waits for its share of the bucket before it is sent"
    assert shopify.retries == 0


async def test_a_query_over_1000_points_is_refused(demo: SandboxSession) -> None:
    costly = """query Costly { productVariants(first: 250) { nodes { id inventoryItem { id
        inventoryLevels(first: 10) { nodes { id location { id } } } } } } }"""
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyQueryTooCostly) as caught:
            await shopify.execute(costly)
    assert "exceeds the single query max cost limit (1000)" in caught.value.explain()


async def test_every_document_we_page_with_stays_under_the_cost_limit(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        await shopify.shop_info()
        await shopify.locations()
        await shopify.variants()
        await shopify.location_stock(SYDNEY)
        orders = await shopify.orders("financial_status:paid")
        await shopify.fulfillment_orders(orders[0].id)
        await shopify.store_counts(None)
    assert shopify._last_cost and max(shopify._last_cost.values()) <= 1000


async def test_stale_change_from_quantity_is_reported_not_overwritten(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        stock = await shopify.location_stock(SYDNEY)
        (first, first_level), (second, second_level) = list(stock.items())[:2]
        result = await shopify.set_available(
            [
                StockSet(
                    inventory_item_id=first,
                    location_id=SYDNEY,
                    quantity=first_level.available + 5,
                    change_from=first_level.available + 1,
                ),  # someone sold one since we read
                StockSet(inventory_item_id=second, location_id=SYDNEY, quantity=7, change_from=second_level.available),
            ]
        )
        after = await shopify.location_stock(SYDNEY)
    assert [c.code for c in result.conflicts] == ["CHANGE_FROM_QUANTITY_STALE"]
    assert result.conflicts[0].inventory_item_id == first
    assert after[first].available == first_level.available, "the stale item was not overwritten"
    assert after[second].available == 7 and [s.inventory_item_id for s in result.applied] == [second]
    assert after[second].on_hand == second_level.on_hand + (7 - second_level.available)


def _three_writes(stock: Mapping[str, Any]) -> list[StockSet]:
    return [
        StockSet(inventory_item_id=item, location_id=SYDNEY, quantity=40 + n, change_from=level.available)
        for n, (item, level) in enumerate(list(stock.items())[:3])
    ]


@pytest.mark.parametrize("code", ["IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"])
async def test_a_batch_refused_as_a_whole_is_sent_again_with_a_fresh_key(demo: SandboxSession, code: str) -> None:
    demo.shopify_faults.stock_user_error_next = 1
    demo.shopify_faults.stock_user_error_code = code
    async with demo.shopify_client() as shopify:
        writes = _three_writes(await shopify.location_stock(SYDNEY))
        result = await shopify.set_available(writes)
        after = await shopify.location_stock(SYDNEY)
    assert demo.shopify_faults.log == ["stock_user_error_next"]
    assert result.calls == 2 and len(result.applied) == 3 and not result.conflicts
    assert [after[w.inventory_item_id].available for w in writes] == [40, 41, 42]


async def test_a_batch_that_keeps_failing_is_reported_item_by_item(demo: SandboxSession) -> None:
    demo.shopify_faults.stock_user_error_next = 10
    async with demo.shopify_client() as shopify:
        writes = _three_writes(await shopify.location_stock(SYDNEY))
        result = await shopify.set_available(writes)
    assert not result.applied and result.calls == 3
    assert [(c.inventory_item_id, c.code) for c in result.conflicts] == [
        (w.inventory_item_id, "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED") for w in writes
    ]


@pytest.mark.xdist_group("real-shopify-schema")  # on the worker that builds Shopify's real schema anyway
async def test_the_sandbox_answers_only_codes_the_2026_10_enum_has(demo: SandboxSession) -> None:
    enum = real_shopify_schema().get_type("InventorySetQuantitiesUserErrorCode")
    item = demo.shopify.variants[0]["inventoryItem"]["id"]
    nowhere = next(
        loc["id"] for loc in demo.shopify.locations if (item, loc["id"]) not in demo.shopify.levels
    )  # a location the item is not stocked at
    async with demo.shopify_client() as shopify:
        data = await shopify.execute(
            document("inventory_set_quantities"),
            {
                "idempotencyKey": "k-not-stocked",
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [
                        {"inventoryItemId": item, "locationId": nowhere, "quantity": 1, "changeFromQuantity": None}
                    ],
                },
            },
        )
    (error,) = data["inventorySetQuantities"]["userErrors"]
    assert error["field"][-1] == "locationId"
    assert error["code"] in enum.values  # type: ignore[union-attr]


async def test_stock_writes_go_250_at_a_time(clock: ManualClock) -> None:
    session = large(600, clock)
    async with session.shopify_client() as shopify:
        stock = await shopify.location_stock(SYDNEY)
        result = await shopify.set_available(
            [
                StockSet(inventory_item_id=item, location_id=SYDNEY, quantity=3, change_from=level.available)
                for item, level in stock.items()
            ]
        )
    assert result.calls == 3 and len(result.applied) == 600 and not result.conflicts


async def test_the_sandbox_refuses_an_input_list_over_250(demo: SandboxSession) -> None:
    quantities = [
        {
            "inventoryItemId": f"gid://shopify/InventoryItem/{n}",
            "locationId": SYDNEY,
            "quantity": 1,
            "changeFromQuantity": None,
        }
        for n in range(251)
    ]
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyError, match="input array size of 251"):
            await shopify.execute(
                document("inventory_set_quantities"),
                {
                    "idempotencyKey": "k1",
                    "input": {"name": "available", "reason": "correction", "quantities": quantities},
                },
            )


async def test_idempotency_key_replays_and_refuses_reuse(demo: SandboxSession) -> None:
    item = demo.shopify.variants[0]["inventoryItem"]["id"]
    level = demo.shopify.levels[(item, SYDNEY)]["_quantities"]
    start = level["available"]

    def variables(quantity: int) -> dict[str, object]:
        return {
            "idempotencyKey": "same-key",
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {"inventoryItemId": item, "locationId": SYDNEY, "quantity": quantity, "changeFromQuantity": None}
                ],
            },
        }

    async with demo.shopify_client() as shopify:
        first = await shopify.execute(document("inventory_set_quantities"), variables(start + 10))
        replay = await shopify.execute(document("inventory_set_quantities"), variables(start + 10))
        reused = await shopify.execute(document("inventory_set_quantities"), variables(start + 20))
        no_key = (
            document("inventory_set_quantities")
            .replace(" @idempotent(key: $idempotencyKey)", "")
            .replace(", $idempotencyKey: String!", "")
        )
        without = variables(start + 30)
        del without["idempotencyKey"]
        with pytest.raises(ShopifyError, match="@idempotent directive is required"):
            await shopify.execute(no_key, without)
    assert first == replay
    assert level["available"] == start + 10
    assert reused["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"


async def test_change_from_quantity_must_be_present(demo: SandboxSession) -> None:
    item = demo.shopify.variants[0]["inventoryItem"]["id"]
    async with demo.shopify_client() as shopify:
        data = await shopify.execute(
            document("inventory_set_quantities"),
            {
                "idempotencyKey": "k",
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [{"inventoryItemId": item, "locationId": SYDNEY, "quantity": 1}],
                },
            },
        )
    error = data["inventorySetQuantities"]["userErrors"][0]
    assert error["field"][-1] == "changeFromQuantity"


async def test_fulfilment_with_tracking_partial_then_rest(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        order = (await shopify.orders("name:#1002"))[0]
        (fulfillment_order,) = await shopify.fulfillment_orders(order.id)
        hoodie, socks = fulfillment_order.lines
        first = await shopify.create_fulfillment(
            fulfillment_order.id,
            [(socks.id, 2)],
            tracking={"company": "Australia Post", "number": "AP1", "url": "https://auspost.com.au/mypost/track/AP1"},
        )
        assert first["trackingInfo"] == [
            {"company": "Australia Post", "number": "AP1", "url": "https://auspost.com.au/mypost/track/AP1"}
        ]
        partial = (await shopify.orders("name:#1002"))[0]
        assert partial.fulfillment_status == "PARTIALLY_FULFILLED"
        with pytest.raises(ShopifyError, match="more than the 1 remaining"):
            await shopify.create_fulfillment(fulfillment_order.id, [(socks.id, 2)])
        await shopify.create_fulfillment(
            fulfillment_order.id, None, tracking={"company": "Australia Post", "number": "AP2"}
        )
        done = (await shopify.orders("name:#1002"))[0]
        (closed,) = await shopify.fulfillment_orders(order.id)
    assert done.fulfillment_status == "FULFILLED" and closed.status == "CLOSED"
    assert [line.remaining_quantity for line in closed.lines] == [0, 0]
    assert hoodie.total_quantity == 1


async def test_fulfilment_is_not_resent_after_a_5xx(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        order = (await shopify.orders("name:#1001"))[0]
        (fulfillment_order,) = await shopify.fulfillment_orders(order.id)
        demo.shopify_faults.server_error_next = 1
        with pytest.raises(ShopifyServerError):
            await shopify.create_fulfillment(fulfillment_order.id, None)
    assert demo.shopify.orders_by_id[order.id]["fulfillments"] == []


async def test_queries_survive_5xx_and_dropped_connections(demo: SandboxSession) -> None:
    demo.shopify_faults.server_error_next = 2
    demo.shopify_faults.drop_next = 1
    async with demo.shopify_client() as shopify:
        info = await shopify.shop_info()
    assert info.name == "Demo Apparel" and shopify.retries == 3


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("sku:TEE-BLK-M", 2),  # the same SKU on two products
        ("sku:tee-blk-m", 2),
        ("sku:TEE-BLK*", 5),
        ("sku:'SOCK-BLK-M '", 1),
    ],
)
async def test_sku_search(demo: SandboxSession, search: str, expected: int) -> None:
    async with demo.shopify_client() as shopify:
        assert len(await shopify.variants(search=search)) == expected


async def test_order_filters(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        since = await shopify.orders("updated_at:>'2026-11-20T00:00:00Z'")
        before_go_live = await shopify.orders("created_at:<'2026-11-01T00:00:00Z'")
        refunded = await shopify.orders("financial_status:refunded")
        window = await shopify.orders_updated_between("2026-11-05T00:00:00Z", "2026-11-06T00:00:00Z")
        count = (await shopify.store_counts("created_at:>='2026-11-01T00:00:00Z'")).orders.count
    assert all(o.updated_at > "2026-11-20T00:00:00Z" for o in since) and len(since) == 9
    assert [o.name for o in before_go_live] == ["#0987", "#0994"]
    assert [o.name for o in refunded] == ["#1028"] and refunded[0].cancelled_at
    assert [o.name for o in window] == ["#1006", "#1007"]
    assert count == 31
    order = since[0]
    assert order.updated_at == min(o.updated_at for o in since), "oldest change first"


async def test_order_fields_read_as_the_sync_needs_them(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        (order,) = await shopify.orders("name:#1005")
        (untaxed,) = await shopify.orders("name:#1010")
    line = order.lines[0]
    assert line.sku == "PUF-BLK-M" and line.quantity == 1
    assert str(line.unit_price) == "189.95" and line.discounted_unit_price < line.unit_price
    assert line.tax_lines[0].key == "GST 10%"
    assert order.customer_email and order.shipping_address and order.shipping_address.country_code == "AU"
    assert order.fulfillment_orders[0].location_id == "gid://shopify/Location/71002"
    assert untaxed.lines[0].tax_lines[0].key == "VAT 20%"


async def test_bad_token_is_one_clear_line(demo: SandboxSession) -> None:
    async with demo.shopify_client(token="shpat_wrong") as shopify:
        with pytest.raises(ShopifyAuthError) as caught:
            await shopify.shop_info()
    text = caught.value.explain()
    assert "Invalid API key or access token" in text and "access token" in text
    assert "shpat_wrong" not in text and "\n" not in text


async def test_client_credentials_grant_and_renewal(demo: SandboxSession) -> None:
    credentials = ClientCredentials(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, clock=demo.clock)
    async with demo.shopify_client(credentials=credentials) as shopify:
        await shopify.shop_info()
        assert credentials.grants == 1 and "write_inventory" in credentials.scopes
        demo.shopify.expire_all_tokens()  # revoked early: the 401 triggers one renewal
        await shopify.shop_info()
        assert credentials.grants == 2
        assert isinstance(demo.clock, ManualClock)
        demo.clock.advance(86399 - 200)  # inside the last five minutes: renewed before it expires
        await shopify.shop_info()
        assert credentials.grants == 3
    assert not [entry for entry in demo.shopify.request_log if entry["status"] == 401]


async def test_wrong_client_secret_is_refused_plainly(demo: SandboxSession) -> None:
    credentials = ClientCredentials(SANDBOX_CLIENT_ID, "wrong-secret", clock=demo.clock)
    async with demo.shopify_client(credentials=credentials) as shopify:
        with pytest.raises(ShopifyAuthError) as caught:
            await shopify.shop_info()
    assert "client id or client secret was refused" in caught.value.explain()
    assert "wrong-secret" not in caught.value.explain()


async def test_shop_info_names_plan_and_scopes(demo: SandboxSession) -> None:
    async with demo.shopify_client() as shopify:
        info = await shopify.shop_info()
    assert info.domain == "demo-apparel.myshopify.com" and info.currency == "AUD" and info.taxes_included
    assert {"read_orders", "write_inventory", "read_locations"} <= set(info.scopes)


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        ("demo-apparel", "demo-apparel.myshopify.com"),
        ("Demo-Apparel.myshopify.com", "demo-apparel.myshopify.com"),
        ("https://demo-apparel.myshopify.com/admin", "demo-apparel.myshopify.com"),
        ("admin.shopify.com/store/demo-apparel", "demo-apparel.myshopify.com"),
    ],
)
def test_shop_domains_people_paste(typed: str, domain: str) -> None:
    assert normalize_shop_domain(typed) == domain


@pytest.mark.parametrize("typed", ["demoapparel.com", "", "demo apparel", "https://shop.example.com"])
def test_not_a_shop_domain(typed: str) -> None:
    with pytest.raises(ConsoleError, match="is not a Shopify shop domain"):
        normalize_shop_domain(typed)


async def test_cancelling_an_order_waits_for_its_job_and_notices_soon_after_it_ran(
    demo: SandboxSession, clock: ManualClock
) -> None:
    """orderCancel returns a job that Shopify runs later (2 s here): the client looks again from 0.2 s on,
    backing off, and returns once the order reads as cancelled; not a whole back-off step later."""
    job_seconds = demo.shopify.order_cancel_job_seconds
    order_id = next(o["id"] for o in demo.shopify.orders if not o.get("cancelledAt") and not o.get("closedAt"))
    async with demo.shopify_client() as shopify:
        started, calls = clock.now(), shopify.calls
        await shopify.cancel_order(order_id)
        waited, looks = clock.now() - started, shopify.calls - calls - 1
    assert demo.shopify.orders_by_id[order_id]["cancelledAt"], "the order reads as cancelled when it returns"
    assert job_seconds <= waited < job_seconds + 0.7, waited
    assert looks <= 5, f"{looks} looks at the job"
