"""`sandbox check` accepts only what the sandboxes can serve: any scenario it passes loads, audits and
runs a pilot without the tool failing (exit 2 or an unexpected error)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cin7_shopify.cli import main
from tests.hostile import hostile_scenario

# Every field of a record the loader checks or the sandboxes read, as (file, path).
FIELDS: list[tuple[str, tuple[str | int, ...]]] = [
    ("shopify", ("shop", "name")),
    ("shopify", ("shop", "currencyCode")),
    ("shopify", ("shop", "taxesIncluded")),
    ("shopify", ("locations", 0, "name")),
    ("shopify", ("locations", 0, "isActive")),
    ("shopify", ("products", 0, "title")),
    ("shopify", ("products", 0, "status")),
    ("shopify", ("products", 0, "variants", 0, "sku")),
    ("shopify", ("products", 0, "variants", 0, "price")),
    ("shopify", ("products", 0, "variants", 0, "barcode")),
    ("shopify", ("products", 0, "variants", 0, "selectedOptions", 0, "value")),
    ("shopify", ("products", 0, "variants", 0, "inventoryItem", "tracked")),
    ("shopify", ("products", 0, "variants", 0, "inventoryLevels", 0, "available")),
    ("shopify", ("products", 0, "variants", 0, "inventoryLevels", 0, "onHand")),
    ("shopify", ("orders", 0, "name")),
    ("shopify", ("orders", 0, "createdAt")),
    ("shopify", ("orders", 0, "email")),
    ("shopify", ("orders", 0, "tags")),
    ("shopify", ("orders", 0, "displayFinancialStatus")),
    ("shopify", ("orders", 0, "customer", "email")),
    ("shopify", ("orders", 0, "lineItems", 0, "quantity")),
    ("shopify", ("orders", 0, "lineItems", 0, "originalUnitPrice")),
    ("shopify", ("orders", 0, "lineItems", 0, "discountedUnitPrice")),
    ("shopify", ("orders", 0, "lineItems", 0, "sku")),
    ("shopify", ("orders", 0, "lineItems", 0, "taxLines", 0, "rate")),
    ("shopify", ("orders", 0, "lineItems", 0, "taxLines", 0, "price")),
    ("shopify", ("orders", 0, "lineItems", 0, "taxLines", 0, "title")),
    ("shopify", ("orders", 0, "totalPrice")),
    # Fields the loader does not model but the schema serves: kept and served as they are.
    ("shopify", ("products", 0, "handle")),
    ("shopify", ("products", 0, "variants", 0, "title")),
    ("shopify", ("orders", 0, "cancelReason")),
    ("shopify", ("orders", 0, "test")),
    ("shopify", ("orders", 0, "updatedAt")),
    ("shopify", ("orders", 0, "lineItems", 0, "name")),
    ("shopify", ("orders", 0, "lineItems", 0, "currentQuantity")),
    ("shopify", ("locations", 0, "shipsInventory")),
    ("shopify", ("locations", 0, "fulfillsOnlineOrders")),
    ("shopify", ("orders", 0, "shippingAddress", "countryCode")),
    ("cin7", ("me", "Company")),
    ("cin7", ("me", "BaseCurrency")),
    ("cin7", ("TaxRules", 0, "TaxPercent")),
    ("cin7", ("TaxRules", 0, "TaxInclusive")),
    ("cin7", ("Products", 0, "Name")),
    ("cin7", ("Products", 0, "PriceTier1")),
    ("cin7", ("Products", 0, "Type")),
    ("cin7", ("Products", 0, "Status")),
    ("cin7", ("ProductAvailability", 0, "OnHand")),
    ("cin7", ("ProductAvailability", 0, "Allocated")),
    ("cin7", ("ProductAvailability", 0, "Available")),
    ("cin7", ("Customers", 0, "Name")),
    ("cin7", ("Customers", 0, "Contacts", 0, "Email")),
]
# Values a field could plausibly hold come first (so many scenarios pass the check and are served),
# then anything JSON can say.
PLAUSIBLE = st.one_of(
    st.sampled_from(["29.95", "0", "-1.50", "AUD", "NZD", "2026-11-21T10:00:00Z", "Main", "GST", "ACTIVE", "PAID"]),
    st.integers(min_value=-3, max_value=2**31 - 1),
    st.booleans(),
    st.text(max_size=8),
)
VALUES = st.one_of(
    PLAUSIBLE,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["nan", "Infinity", "1e400", "-0", "0.005", " 5", "1_000", "", "2026-13-45", "29.95", "-3"]),
    st.lists(st.integers(), max_size=2),
)
FIGURES: Counter[str] = Counter()


def _set(data: dict[str, Any], path: tuple[str | int, ...], value: object) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@pytest.mark.xdist_group("sandbox-check")  # with its figures test, on one worker, in file order
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), min_size=1, max_size=2))
def test_what_sandbox_check_accepts_loads_and_serves(
    changes: list[tuple[tuple[str, tuple[str | int, ...]], object]],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = copy.deepcopy(hostile_scenario("plain"))
    for (file, path), value in changes:
        _set(data[file], path, value)
    folder: Path = tmp_path_factory.mktemp("scenario")
    for name, content in data.items():
        (folder / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")  # NaN as JSON's NaN
    checked = main(["sandbox", "check", "--scenario", str(folder)])
    out, err = capsys.readouterr()
    FIGURES["scenarios"] += 1
    if checked != 0:
        assert checked == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        assert "unexpected" not in err, err  # refused by a check that names the problem, not by accident
        FIGURES["refused"] += 1
        return
    assert ": valid (" in out, out
    FIGURES["accepted"] += 1
    for argv in (["audit", "--scenario", str(folder), "--format", "json"], ["pilot", "--scenario", str(folder)]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (0, 1), f"sandbox check accepted it, but {argv[0]} could not run: {err}"


@pytest.mark.xdist_group("sandbox-check")  # with its figures test, on one worker, in file order
def test_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the property above (file order): its figures, for the record."""
    with capsys.disabled():
        print(
            f"\nsandbox check property: {FIGURES['scenarios']} mutated scenarios, {FIGURES['refused']} refused in "
            f"one line, {FIGURES['accepted']} accepted and then audited and piloted without failing"
        )
    assert FIGURES["accepted"] and FIGURES["refused"]
