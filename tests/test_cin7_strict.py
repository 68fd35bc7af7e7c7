"""Cin7 Core's sandbox as strict as the blueprint: header statuses from its list only, a new customer
with everything Cin7 requires (issue 9, "also stricter in the sandboxes")."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin7_shopify.cin7.errors import Cin7Error
from cin7_shopify.cin7.models import Customer, Product
from cin7_shopify.sandbox.cin7_sales import SALE_STATUSES
from cin7_shopify.sandbox.session import SandboxSession
from tests.sync_harness import Harness, ship


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


async def test_every_sale_status_is_one_the_blueprint_lists(harness: Harness) -> None:
    """Ordered, shipped in full, shipped in part, cancelled and voided: each header Status as Cin7 lists them."""
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]))
        part = harness.sale_for("#1002")
        first_line = part["Order"]["Lines"][0]
        await ship(sync.cin7, str(part["ID"]), {first_line["SKU"]: 1})
        harness.session.shopify.cancel_order(harness.order_id("#1003"))
        await sync.orders_pass()
        rows = await sync.cin7.list_sales()
        full = await sync.cin7.get_sale(str(harness.sale_for("#1001")["ID"]))
    seen = {row.Status for row in rows} | {full.Status}
    assert seen <= SALE_STATUSES, seen - SALE_STATUSES
    assert {"ORDERED", "VOIDED"} <= seen
    assert full.Status != "SHIPPED" and full.CombinedShippingStatus == "SHIPPED"


async def test_a_customer_without_what_cin7_requires_is_refused(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7Error, match=r"Currency is required\."):
            await cin7.create_customer(Customer(Name="Ada Lovelace", Status="Active"))
        with pytest.raises(Cin7Error, match=r"PaymentTerm is required\."):
            await cin7.create_customer(Customer(Name="Ada Lovelace", Status="Active", Currency="AUD"))


async def test_a_new_customer_with_nothing_to_copy_terms_from_is_held_in_words(harness: Harness) -> None:
    """Cin7 Core holds no customer at all: a new customer's terms and accounts have no source."""
    harness.session.cin7.customers = []
    with harness.sync() as sync:
        result = await sync.orders_pass()
        entry = sync.ledger.order(harness.order_id("#1001"))
    assert "#1001" in result.held and entry is not None
    (error,) = entry.errors
    assert error["kind"] == "missing_customer"
    assert "payment term" in error["message"] and "has none to copy" in error["message"]
    assert "Create one customer in Cin7 Core" in error["fix"]
    assert harness.session.cin7.customers == [], "nothing half-made in Cin7 Core"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [({"Category": "Hats"}, "Category not found."), ({"UOM": "Crate"}, "UOM not found.")],
)
async def test_a_product_naming_a_category_or_unit_cin7_lacks_is_refused(
    demo: SandboxSession, change: dict[str, str], refusal: str
) -> None:
    """APIB:L4945, L4960: the Category and UOM must exist in the reference books."""
    fields = {"SKU": "CAP-RED", "Name": "Red Cap", "Type": "Stock", "CostingMethod": "FIFO", "Status": "Active"}
    existing = next(iter(demo.cin7.products))
    product = Product(**{**fields, "Category": existing["Category"], "UOM": existing["UOM"], **change})
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7Error) as caught:
            await cin7.create_product(product)
    assert caught.value.cin7_message == refusal
    assert all(p["SKU"] != "CAP-RED" for p in demo.cin7.products)
