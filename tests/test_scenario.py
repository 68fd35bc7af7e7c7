"""Scenario folders: the demo store is what SCENARIO.md promises; malformed ones are refused precisely."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.demo_data import (
    ORDERS_SINCE_GO_LIVE,
    SEEDED_ORDER_ERRORS,
    SEEDED_PROBLEMS,
    build_demo_apparel,
)
from cin7_shopify.sandbox.scenario import ScenarioError, load_scenario
from cin7_shopify.settings import StoreSettings
from tests.conftest import DEMO

AUDIT_KINDS = {
    "missing_sku",
    "duplicate_sku",
    "sku_whitespace",
    "sku_case_mismatch",
    "only_in_shopify",
    "only_in_cin7",
    "variant_set_mismatch",
    "untracked_inventory",
    "deprecated_in_cin7",
    "unmapped_location",
    "unknown_cin7_location",
    "missing_tax_rule",
    "unmapped_tax",
    "tax_inclusive_mismatch",
}
PILOT_ERROR_KINDS = {
    "unknown_sku",
    "missing_sku",
    "unmapped_tax",
    "unmapped_location",
    "missing_customer",
    "cin7_rejected",
}


def test_the_committed_demo_is_what_the_generator_builds() -> None:
    built = build_demo_apparel()
    for name in ("shopify", "cin7", "settings"):
        on_disk = json.loads((DEMO / f"{name}.json").read_text())
        assert on_disk == json.loads(json.dumps(built[name])), "regenerate: python -m cin7_shopify.sandbox.demo_data"


def test_demo_is_a_believable_merchant() -> None:
    scenario = load_scenario(DEMO)
    shop, cin7 = scenario.shopify, scenario.cin7
    settings = StoreSettings.from_json_dict(scenario.settings)
    variants = [v for p in shop["products"] for v in p["variants"]]
    go_live = settings.go_live
    assert go_live is not None
    after = [o for o in shop["orders"] if datetime.fromisoformat(o["createdAt"].replace("Z", "+00:00")) >= go_live]
    assert 38 <= len(shop["products"]) <= 45 and 140 <= len(variants) <= 170
    assert [loc["Name"] for loc in cin7["Locations"] if not loc["IsDeprecated"]] == [
        "Main Warehouse",
        "3PL - ShipBob",
        "Melbourne Store",
    ]
    assert len(cin7["TaxRules"]) == 2 and len(cin7["Customers"]) == 30
    considered = [
        o["name"] for o in after if not o["test"] and "wholesale" not in o["tags"] and not o.get("cancelledAt")
    ]
    assert considered == ORDERS_SINCE_GO_LIVE


def test_every_finding_and_error_kind_is_seeded_at_least_twice() -> None:
    assert set(SEEDED_PROBLEMS) == AUDIT_KINDS
    assert all(len(examples) >= 2 for examples in SEEDED_PROBLEMS.values())
    kinds = [kind for errors in SEEDED_ORDER_ERRORS.values() for kind in errors]
    assert set(kinds) == PILOT_ERROR_KINDS
    assert all(kinds.count(kind) >= 2 for kind in PILOT_ERROR_KINDS)


def test_seeded_problems_are_really_in_the_data() -> None:
    scenario = load_scenario(DEMO)
    shop_skus = [v["sku"] for p in scenario.shopify["products"] for v in p["variants"]]
    cin7_skus = {p["SKU"]: p for p in scenario.cin7["Products"]}
    assert "" in shop_skus and None in shop_skus
    assert shop_skus.count("TEE-BLK-M") == 2 and shop_skus.count("POLO-WHT-M") == 2
    assert "SOCK-BLK-M " in shop_skus and " CAP-KHA" in cin7_skus
    assert "lsh-wht-s" in shop_skus and "LSH-WHT-S" in cin7_skus
    assert {"TOTE-CANVAS", "BEANIE-RED"} <= set(shop_skus) and not {"TOTE-CANVAS", "BEANIE-RED"} & set(cin7_skus)
    assert cin7_skus["RJK-YEL-S"]["Status"] == "Deprecated" and cin7_skus["MER-OAT-S"]["SaleTaxRule"] is None
    untracked = [
        v["sku"] for p in scenario.shopify["products"] for v in p["variants"] if not v["inventoryItem"]["tracked"]
    ]
    assert untracked == ["PUF-OLV-S", "PUF-OLV-M"]
    taxes = {t["title"] for o in scenario.shopify["orders"] for li in o["lineItems"] for t in li["taxLines"]}
    assert {"VAT", "NZ GST"} <= taxes
    orders = {o["name"]: o for o in scenario.shopify["orders"]}
    assert orders["#1014"]["email"] is None and orders["#1014"]["customer"] is None


Breaker = Callable[[dict[str, Any], dict[str, Any]], None]


def _drop_variant_item(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    del shop["products"][3]["variants"][1]["inventoryItem"]


def _bad_location_gid(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    shop["locations"][0]["id"] = "71001"


def _duplicate_cin7_sku(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    cin7["Products"][5]["SKU"] = cin7["Products"][4]["SKU"]


def _unknown_stock_location(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    cin7["ProductAvailability"][0]["Location"] = "Main Warehous"


def _zero_quantity(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    shop["orders"][2]["lineItems"][0]["quantity"] = 0


def _bad_status(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    cin7["Products"][0]["Status"] = "Discontinued"


def _bad_date(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    shop["orders"][0]["createdAt"] = "20/11/2026"


def _level_at_unknown_location(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    shop["products"][0]["variants"][0]["inventoryLevels"][0]["locationId"] = "gid://shopify/Location/999"


def _no_shop_domain(shop: dict[str, Any], cin7: dict[str, Any]) -> None:
    shop["shop"]["myshopifyDomain"] = "demo-apparel.com"


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (_drop_variant_item, 'shopify.json: products[3] "Crew Socks" → variants[1].inventoryItem: Field required.'),
        (
            _bad_location_gid,
            'shopify.json: locations[0] "Sydney Warehouse" → id: must be a Shopify id like gid://shopify/Location/123.',
        ),
        (
            _duplicate_cin7_sku,
            'cin7.json: Products[5] "Classic Tee - White / M" → SKU: "TEE-WHT-S" is used twice; '
            "Cin7 Core requires unique SKUs.",
        ),
        (
            _unknown_stock_location,
            'cin7.json: ProductAvailability[0] "TEE-BLK-S" → Location: "Main Warehous" is not a Cin7 location.',
        ),
        (
            _zero_quantity,
            'shopify.json: orders[2] "#1003" → lineItems[0].quantity: Input should be greater than or equal to 1.',
        ),
        (_bad_status, 'cin7.json: Products[0] "Classic Tee - Black / S" → Status: must be Active or Deprecated.'),
        (_bad_date, "shopify.json: orders[0] \"#1001\" → createdAt: Invalid isoformat string: '20/11/2026'."),
        (
            _level_at_unknown_location,
            'shopify.json: products[0] "Classic Tee" → variants[0].inventoryLevels[0].'
            "locationId: gid://shopify/Location/999 is not one of the shop's locations.",
        ),
        (_no_shop_domain, "shopify.json: shop.myshopifyDomain: must end with .myshopify.com."),
    ],
)
def test_malformed_scenarios_are_refused_naming_file_record_and_field(
    tmp_path: Path, breaker: Breaker, message: str
) -> None:
    shop = json.loads((DEMO / "shopify.json").read_text())
    cin7 = json.loads((DEMO / "cin7.json").read_text())
    breaker(shop, cin7)
    (tmp_path / "shopify.json").write_text(json.dumps(shop))
    (tmp_path / "cin7.json").write_text(json.dumps(cin7))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path)
    assert caught.value.message == message


def test_broken_json_is_refused_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "shopify.json").write_text('{"shop": {"name": "X",\n "myshopifyDomain": }')
    (tmp_path / "cin7.json").write_text("{}")
    with pytest.raises(ScenarioError, match=r"shopify.json: not valid JSON at line 2, column 21"):
        load_scenario(tmp_path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "shopify.json").write_text(json.dumps(json.loads((DEMO / "shopify.json").read_text())))
    with pytest.raises(ScenarioError, match=r"cin7\.json: missing from"):
        load_scenario(tmp_path)


def test_the_demo_survives_a_round_trip_through_copy() -> None:
    scenario = load_scenario(DEMO)
    assert copy.deepcopy(scenario.shopify) == scenario.shopify
