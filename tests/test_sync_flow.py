"""Fulfilment back, cancellations, stock out and rollback, through the real clients."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.sync.stock import StockPushRefused, rollback_stock
from tests.sync_harness import Harness, ship

SYDNEY = "gid://shopify/Location/71001"


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


async def test_a_shipment_becomes_a_fulfilment_with_tracking_once(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]), tracking="AP1001")
        sent = await sync.fulfilment_pass()
        again = await sync.fulfilment_pass()
    order = harness.session.shopify.orders_by_id[harness.order_id("#1001")]
    assert sent.sent == ["#1001 (AP1001)"] and again.sent == []
    assert order["displayFulfillmentStatus"] == "FULFILLED"
    (fulfilment,) = order["fulfillments"]
    assert fulfilment["trackingInfo"] == [
        {"company": "Australia Post", "number": "AP1001", "url": "https://auspost.com.au/mypost/track/#/details/AP1001"}
    ]


async def test_a_partial_shipment_is_a_partial_fulfilment(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        sale_id = str(harness.sale_for("#1002")["ID"])  # a hoodie and three pairs of socks
        await ship(sync.cin7, sale_id, {"SOCK-WHT-M": 3}, tracking="AP-SOCKS")
        first = await sync.fulfilment_pass()
        order = harness.session.shopify.orders_by_id[harness.order_id("#1002")]
        assert first.sent == ["#1002 (AP-SOCKS)"] and order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
        await ship(sync.cin7, sale_id, {"HOOD-BLK-L": 1}, tracking="AP-HOODIE", new_task=True)
        second = await sync.fulfilment_pass()
    assert second.sent == ["#1002 (AP-HOODIE)"] and order["displayFulfillmentStatus"] == "FULFILLED"
    assert [f["trackingInfo"][0]["number"] for f in order["fulfillments"]] == ["AP-SOCKS", "AP-HOODIE"]


async def test_nothing_is_sent_before_cin7_ships(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        sale_id = str(harness.sale_for("#1001")["ID"])
        task = (await sync.cin7.get_fulfilments(sale_id))[0].TaskID
        from decimal import Decimal

        from cin7_shopify.cin7.models import PickPackLine

        await sync.cin7.pick(task, [PickPackLine(SKU="TEE-BLK-M", Quantity=Decimal(2), Location="Main Warehouse")])
        result = await sync.fulfilment_pass()
    assert result.sent == [] and not harness.session.shopify.orders_by_id[harness.order_id("#1001")]["fulfillments"]


async def test_cancelled_before_picking_voids_and_releases_stock(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        allocated = _allocated(harness, "TEE-BLK-M")
        harness.session.shopify.cancel_order(harness.order_id("#1001"))
        result = await sync.orders_pass()
        notices = [e for e in sync.journal.entries() if e.kind == "order_voided"]
    assert result.voided == ["#1001"] and harness.sale_for("#1001")["Status"] == "VOIDED"
    assert _allocated(harness, "TEE-BLK-M") == allocated - 2
    assert len(notices) == 1 and notices[0].status == "resolved"


async def test_cancelled_after_picking_asks_for_a_credit_note(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]))
        harness.session.shopify.cancel_order(harness.order_id("#1001"))
        await sync.orders_pass()
        await sync.orders_pass()  # asked once, not on every pass
        errors = [e for e in sync.journal.entries() if e.kind == "credit_note_needed"]
    assert harness.sale_for("#1001")["Status"] != "VOIDED"
    assert len(errors) == 1 and errors[0].status == "open" and "credit note" in errors[0].fix


async def test_cancelled_after_picking_makes_the_credit_note_when_enabled(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"credit_note_on_cancel": True})
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]))
        on_hand = _on_hand(harness, "TEE-BLK-M")
        harness.session.shopify.cancel_order(harness.order_id("#1001"))
        await sync.orders_pass()
    sale = harness.sale_for("#1001")
    assert len(sale["CreditNotes"]) == 1 and sale["CreditNotes"][0]["Status"] == "AUTHORISED"
    assert _on_hand(harness, "TEE-BLK-M") == on_hand + 2, "restocked to the sale's location"


def _rows(harness: Harness, sku: str, location: str = "Main Warehouse") -> list[MutableMapping[str, float]]:
    return [r for r in harness.session.cin7.availability if r["SKU"] == sku and r["Location"] == location]


def _allocated(harness: Harness, sku: str) -> float:
    return sum(r["Allocated"] for r in _rows(harness, sku))


def _on_hand(harness: Harness, sku: str) -> float:
    return sum(r["OnHand"] for r in _rows(harness, sku))


def _shopify_available(harness: Harness, sku: str, location: str = SYDNEY) -> int:
    variant = next(v for v in harness.session.shopify.variants if v["sku"] == sku)
    return int(harness.session.shopify.levels[(variant["inventoryItem"]["id"], location)]["_quantities"]["available"])


async def test_stock_push_shows_cin7_available_summed_over_bins(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"safety_buffer": 1})
    shop_skus = [v["sku"] for v in harness.session.shopify.variants if v["inventoryItem"]["tracked"]]
    split = next(
        r["SKU"]
        for r in harness.session.cin7.availability
        if r["Bin"] == "A2" and r["Available"] > 3 and shop_skus.count(r["SKU"]) == 1
    )
    expected = int(sum(r["Available"] for r in _rows(harness, split))) - 1
    with harness.sync() as sync:
        plan, pushed = await sync.stock_push()
        replan = await sync.stock_plan()
    assert pushed.applied == len(plan.changes) > 0 and not pushed.failed
    assert _shopify_available(harness, split) == expected
    assert replan.changes == [], "a second plan finds nothing to change"
    assert "TEE-BLK-M: shared by 2 Shopify variants" in plan.skipped
    assert plan.cin7_calls == 2, "one page of products (kits, SKUs Cin7 knows), one of availability"


async def test_a_backorder_makes_cin7_available_negative_and_shopify_gets_zero(harness: Harness) -> None:
    sku = "TRK-BLK-S"
    for row in _rows(harness, sku):
        row["OnHand"], row["Allocated"] = 0, 0
    _rows(harness, sku)[0].update(OnHand=1, Allocated=3)  # more sold in Cin7 than it holds
    with harness.sync() as sync:
        rows = [r for r in await sync.cin7.list_availability() if r.SKU == sku and r.Location == "Main Warehouse"]
        await sync.stock_push(force=True)
    assert sum(r.Available for r in rows) == 1 - 3, "Available = OnHand − Allocated, negative on backorder"
    assert _shopify_available(harness, sku) == 0, "never a negative in Shopify"


async def test_a_sale_between_read_and_write_is_not_overwritten(harness: Harness) -> None:
    with harness.sync() as sync:
        plan = await sync.stock_plan()
        change = next(c for c in plan.changes if c.location_id == SYDNEY and c.current >= 2 and c.target >= 2)
        level = harness.session.shopify.levels[(change.inventory_item_id, SYDNEY)]["_quantities"]
        level["available"] -= 1  # a customer buys one in Shopify meanwhile
        from cin7_shopify.sync.stock import push_stock

        result = await push_stock(sync.shopify, plan, harness.settings, harness.home / "snap", store="demo")
    assert f"{change.sku} at Sydney Warehouse" in result.adjusted_for_sales
    assert level["available"] == change.target - 1, "the sale is kept, not overwritten"


async def test_stock_writes_shopify_refuses_as_a_batch_are_retried_or_reported(harness: Harness) -> None:
    harness.session.shopify_faults.stock_user_error_next = 1  # one refusal: sent again with a fresh key
    with harness.sync() as sync:
        plan, pushed = await sync.stock_push()
    assert pushed.applied == len(plan.changes) > 0 and not pushed.failed
    harness.session.cin7.availability[0]["OnHand"] += 5  # something to write next time
    harness.session.shopify_faults.stock_user_error_next = 100  # Shopify keeps refusing
    with harness.sync() as sync:
        plan, pushed = await sync.stock_push()
    assert plan.changes and pushed.applied == 0
    assert pushed.failed == [
        f"{c.sku} at {c.location}: A previous request with this idempotency key failed. Retry with a new "
        "idempotency key. (refused 3 times)"
        for c in plan.changes
    ]


async def test_a_push_zeroing_too_much_is_refused_then_forced_then_rolled_back(harness: Harness) -> None:
    for row in harness.session.cin7.availability:
        if row["Location"] == "Main Warehouse":
            row["OnHand"] = row["Available"] = 0  # someone zeroed the warehouse in Cin7 by mistake
    before = {key: dict(level["_quantities"]) for key, level in harness.session.shopify.levels.items()}
    with harness.sync() as sync:
        with pytest.raises(StockPushRefused) as caught:
            await sync.stock_push()
        assert "more than the 20% guard); nothing was written" in caught.value.explain()
        assert {k: dict(v["_quantities"]) for k, v in harness.session.shopify.levels.items()} == before
        _, pushed = await sync.stock_push(force=True)
        assert pushed.snapshot is not None and _shopify_available(harness, "TRK-BLK-S") == 0
        restored = await rollback_stock(sync.shopify, pushed.snapshot)
    assert restored.applied == pushed.applied
    after = {key: level["_quantities"]["available"] for key, level in harness.session.shopify.levels.items()}
    assert after == {key: q["available"] for key, q in before.items()}


async def test_a_refund_before_cin7_ships_is_reported_once_with_the_edit_to_make(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        order_id = harness.order_id("#1002")
        socks = next(
            li for li in harness.session.shopify.orders_by_id[order_id]["lineItems"] if li["sku"] == "SOCK-WHT-M"
        )
        harness.session.shopify.refund(order_id, [(socks["id"], 1)])
        await sync.orders_pass()
        await sync.orders_pass()
        entries = [e for e in sync.journal.entries() if e.kind == "refund_before_shipping"]
    assert len(entries) == 1 and entries[0].ref == "#1002"
    assert "1 × SOCK-WHT-M" in entries[0].message and "take these items off" in entries[0].fix
    assert not harness.sale_for("#1002")["CreditNotes"], "no credit note for goods that never left"
