"""Stock pushed to Shopify never counts one unit twice (SCENARIO.md): shared locations, SKUs Cin7 does
not know, kits, and orders Cin7 does not hold yet. Through the real clients to the sandboxes."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.demo_data import LOC_MELBOURNE, LOC_SHIPBOB, LOC_SYDNEY
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.settings import SettingsError, StoreSettings
from tests.sync_harness import Harness


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


def _level(harness: Harness, sku: str, location: str) -> int | None:
    variant = next(v for v in harness.session.shopify.variants if v["sku"] == sku)
    level = harness.session.shopify.levels.get((variant["inventoryItem"]["id"], location))
    return None if level is None else int(level["_quantities"]["available"])


def _cin7_available(harness: Harness, sku: str, location: str = "Main Warehouse") -> int:
    rows = [r for r in harness.session.cin7.availability if r["SKU"] == sku and r["Location"] == location]
    return math.floor(sum(int(r["OnHand"]) - int(r["Allocated"]) for r in rows))


def _stocked_at_both(harness: Harness) -> str:
    """A clean SKU (one variant, no orders) stocked at Sydney and Melbourne, whose two levels differ."""
    on_orders = {line.get("sku") for order in harness.session.shopify.orders for line in order["lineItems"]}
    skus = [v["sku"] for v in harness.session.shopify.variants]
    known = {p["SKU"] for p in harness.session.cin7.products}
    return str(
        next(
            v["sku"]
            for v in harness.session.shopify.variants
            if v["sku"] in known
            and skus.count(v["sku"]) == 1
            and v["sku"] not in on_orders
            and _cin7_available(harness, v["sku"]) >= 10
            and _level(harness, v["sku"], LOC_MELBOURNE) is not None
            and _level(harness, v["sku"], LOC_MELBOURNE) != _cin7_available(harness, v["sku"])
        )
    )


def _melbourne_shares_main_warehouse(harness: Harness, **extra: Any) -> None:
    harness.settings = harness.settings.model_copy(
        update={"location_map": {**harness.settings.location_map, LOC_MELBOURNE: "Main Warehouse"}, **extra}
    )


# -- 5. one Cin7 location, two Shopify locations ----------------------------------------------------


async def test_a_cin7_location_mapped_twice_gives_its_stock_to_one_shopify_location(harness: Harness) -> None:
    _melbourne_shares_main_warehouse(harness)
    sku = _stocked_at_both(harness)
    melbourne_before = _level(harness, sku, LOC_MELBOURNE)
    with harness.sync() as sync:
        plan, pushed = await sync.stock_push(force=True)
    assert not pushed.failed
    assert _level(harness, sku, LOC_SYDNEY) == _cin7_available(harness, sku), "the first in the map gets it"
    assert _level(harness, sku, LOC_MELBOURNE) == melbourne_before, "the other is not given it again"
    assert not [c for c in plan.changes if c.location_id == LOC_MELBOURNE]
    assert any(
        "'Main Warehouse' feeds 2 Shopify locations: its stock goes to Sydney Warehouse (first in the location "
        "map) and Melbourne Store is left as Shopify has it" in note
        for note in plan.notes
    )


async def test_location_split_shares_one_cin7_location_without_counting_a_unit_twice(harness: Harness) -> None:
    _melbourne_shares_main_warehouse(harness, location_split={"Main Warehouse": {LOC_SYDNEY: 70, LOC_MELBOURNE: 30}})
    sku = _stocked_at_both(harness)
    with harness.sync() as sync:
        await sync.stock_push(force=True)
    whole = _cin7_available(harness, sku)
    sydney, melbourne = _level(harness, sku, LOC_SYDNEY), _level(harness, sku, LOC_MELBOURNE)
    assert melbourne == whole * 30 // 100
    assert sydney == whole - melbourne, "what rounding leaves goes to the first share"


def test_location_split_shares_must_add_up_to_the_whole() -> None:
    with pytest.raises(SettingsError, match="add up to 90%, not 100%"):
        StoreSettings.from_json_dict({"location_split": {"Main Warehouse": {LOC_SYDNEY: 60, LOC_SHIPBOB: 30}}})
    with pytest.raises(SettingsError, match="is not a Shopify location id"):
        StoreSettings.from_json_dict({"location_split": {"Main Warehouse": {"Sydney": 100}}})


# -- 6. SKUs Cin7 does not know ---------------------------------------------------------------------


async def test_a_sku_cin7_does_not_know_is_left_as_shopify_has_it(harness: Harness) -> None:
    before = _level(harness, "BEANIE-RED", LOC_SYDNEY)
    assert before, "the demo gives it stock in Shopify"
    with harness.sync() as sync:
        plan, _ = await sync.stock_push(force=True)
    assert _level(harness, "BEANIE-RED", LOC_SYDNEY) == before, "not zeroed"
    (left,) = [item for item in plan.left_alone if item.sku == "BEANIE-RED" and item.location == "Sydney Warehouse"]
    assert left.current == before and left.reason == "Cin7 Core has no product with this SKU: left as Shopify has it."
    near = [item.reason for item in plan.left_alone if item.sku == "lsh-wht-s"]
    assert near and "it has 'LSH-WHT-S', which differs in case or spaces" in near[0]


# -- 7. kits ----------------------------------------------------------------------------------------


async def test_the_product_endpoint_serves_kits_as_the_blueprint_shapes_them(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        plain = {p.SKU: p for p in await cin7.list_products()}
        with_bom = {p.SKU: p for p in await cin7.list_products(include_bom=True)}
    kit = with_bom["KEY-3PK"]
    assert kit.is_kit and kit.BillOfMaterial and kit.AutoAssembly
    (part,) = kit.BillOfMaterialsProducts
    assert (part.ComponentProductID, part.ProductCode, int(part.Quantity)) == (with_bom["KEY-01"].ID, "KEY-01", 3)
    assert plain["KEY-3PK"].is_kit and plain["KEY-3PK"].BillOfMaterialsProducts == [], "IncludeBOM defaults to false"
    assert not with_bom["KEY-01"].is_kit


async def test_a_kit_gets_the_least_of_its_components_over_their_quantity(harness: Harness) -> None:
    go_live = StoreSettings.model_validate({"go_live": "2026-11-28T00:00:00Z"}).go_live
    harness.settings = harness.settings.model_copy(update={"go_live": go_live})  # no order in flight
    for sku, on_hand in [("TEE-BLK-M", 40), ("TEE-WHT-M", 7), ("TEE-NVY-M", 25), ("KEY-01", 11)]:
        rows = [r for r in harness.session.cin7.availability if r["SKU"] == sku and r["Location"] == "Main Warehouse"]
        for row in rows:
            row["OnHand"], row["Allocated"] = 0, 0
        rows[0]["OnHand"] = on_hand
    with harness.sync() as sync:
        plan = await sync.stock_plan()
        await sync.stock_push(force=True)
    assert _level(harness, "KEY-3PK", LOC_SYDNEY) == 3, "floor(11 / 3)"
    assert _level(harness, "TEE-3PK", LOC_SYDNEY) == 7, "the least of 40, 7 and 25"
    assert (
        "KEY-3PK is a kit: Shopify gets the least over KEY-01 (×3) of the component's stock divided by its "
        "quantity." in plan.notes
    )
    change = next(c for c in plan.changes if c.sku == "KEY-3PK" and c.location_id == LOC_SYDNEY)
    assert change.why == "kit: least of KEY-01 11/3"


# -- 8. orders Cin7 does not hold yet ---------------------------------------------------------------


def _new_order(harness: Harness, name: str, lines: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    template = copy.deepcopy(harness.session.scenario.shopify["orders"][0])
    number = 5_599_000 + int(name.lstrip("#"))
    variants = {v["sku"]: v for v in harness.session.shopify.variants}
    template.update(
        id=f"gid://shopify/Order/{number}",
        name=name,
        createdAt="2026-11-27T09:00:00Z",
        processedAt="2026-11-27T09:00:00Z",
        updatedAt="2026-11-27T09:00:00Z",
        lineItems=[
            {
                **template["lineItems"][0],
                "id": f"gid://shopify/LineItem/{number}{index}",
                "sku": sku,
                "variantId": variants[sku]["id"] if sku in variants else None,
                "quantity": quantity,
            }
            for index, (sku, quantity) in enumerate(lines)
        ],
        **fields,
    )
    return harness.session.shopify.add_order(template)


async def test_units_on_orders_cin7_does_not_hold_yet_are_not_pushed_again(harness: Harness) -> None:
    sku = "KEY-01"
    await harness.first_orders_pass()  # the demo's orders: imported (Cin7 allocates them) or held
    with harness.sync() as sync:
        _new_order(harness, "#2001", [(sku, 2)], displayFinancialStatus="PENDING")  # waits for payment
        _new_order(harness, "#2002", [(sku, 1), ("NOT-IN-CIN7", 1)])  # paid, held on an unknown SKU
        _new_order(harness, "#2003", [("KEY-3PK", 1)], displayFinancialStatus="PENDING")  # a kit: 3 of KEY-01
        await sync.orders_pass()
        plan, _ = await sync.stock_push(force=True)
        assert _level(harness, sku, LOC_SYDNEY) == max(0, _cin7_available(harness, sku) - 2 - 1 - 3)
        (held,) = [u for u in plan.held_back if u.sku == sku]
        assert held.units == 6 and held.location == "Main Warehouse"
        assert held.orders == ["#2001 (waiting for payment)", "#2002 (held)", "#2003 (waiting for payment)"]
        # Paid: the sync imports it, Cin7 allocates it, and it is no longer taken off twice.
        harness.session.shopify.update_order(harness.order_id("#2001"), displayFinancialStatus="PAID")
        before = _cin7_available(harness, sku)
        await sync.orders_pass()
        assert _cin7_available(harness, sku) == before - 2, "Cin7 Core now holds #2001's units"
        replan = await sync.stock_plan()
    assert [u.orders for u in replan.held_back if u.sku == sku] == [["#2002 (held)", "#2003 (waiting for payment)"]]
    assert not [c for c in replan.changes if c.sku == sku and c.location_id == LOC_SYDNEY], "nothing moved"


async def test_orders_older_than_the_last_order_pass_are_still_held_back(harness: Harness) -> None:
    """Held orders come from the ledger's copy, waiting ones are re-read from Shopify by id."""
    with harness.sync() as sync:
        _new_order(harness, "#2001", [("KEY-01", 2)], displayFinancialStatus="PENDING")
        _new_order(harness, "#2002", [("KEY-01", 1), ("NOT-IN-CIN7", 1)])
        await sync.orders_pass()
        sync.ledger.set_meta(orders_watermark="2026-12-31T00:00:00Z")  # long after both orders changed
        plan = await sync.stock_plan()
    assert [u.orders for u in plan.held_back if u.sku == "KEY-01"] == [["#2001 (waiting for payment)", "#2002 (held)"]]


async def test_stock_plan_with_a_kit_a_shared_location_a_shopify_only_sku_and_an_order_in_flight(
    harness: Harness,
) -> None:
    """The four rules at once, as `stock plan` shows them."""
    _melbourne_shares_main_warehouse(harness)
    with harness.sync() as sync:
        await sync.orders_pass()
        _new_order(harness, "#2001", [("KEY-3PK", 2)], displayFinancialStatus="PENDING")
        await sync.orders_pass()
        plan = await sync.stock_plan()
    kit = next(c for c in plan.changes if c.sku == "KEY-3PK" and c.location_id == LOC_SYDNEY)
    left = _cin7_available(harness, "KEY-01") - 6
    assert (kit.target, kit.why) == (max(0, left // 3), f"kit: least of KEY-01 {left}/3")
    assert not [c for c in plan.changes if c.location_id == LOC_MELBOURNE], "Melbourne is not given it twice"
    assert any("Melbourne Store is left as Shopify has it" in note for note in plan.notes)
    assert {item.sku for item in plan.left_alone} >= {"TOTE-CANVAS", "BEANIE-RED"}
    assert [(u.sku, u.units) for u in plan.held_back if "#2001 (waiting for payment)" in u.orders] == [("KEY-01", 6)]
