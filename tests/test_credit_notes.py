"""Refunds and late cancellations become Cin7 credit notes the blueprint accepts, or are named exactly.

The Cin7 sandbox requires what the blueprint requires of a credit note (CreditNoteInvoiceNumber,
CreditNoteDate, each restock line's Location; APIB:L24280, L24283, L29837), validates its lines and
charges as it does an order's, and holds one credit note per simple sale.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from tests.sync_harness import Harness, ship


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


def line_item(harness: Harness, name: str, sku: str) -> dict[str, Any]:
    order = harness.session.shopify.orders_by_id[harness.order_id(name)]
    return next(li for li in order["lineItems"] if li["sku"] == sku)


def on_hand(harness: Harness, sku: str, location: str = "Main Warehouse") -> float:
    rows = [r for r in harness.session.cin7.availability if r["SKU"] == sku and r["Location"] == location]
    return float(sum(r["OnHand"] for r in rows))


def sale_line(sale: dict[str, Any], sku: str) -> dict[str, Any]:
    return next(line for line in sale["Order"]["Lines"] if line["SKU"] == sku)


async def test_a_refund_after_shipping_raises_the_credit_note_priced_as_the_sale(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"credit_note_on_refund": True})
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1002")["ID"]), tracking="AP1002")
        socks = line_item(harness, "#1002", "SOCK-WHT-M")
        before = on_hand(harness, "SOCK-WHT-M")
        harness.session.shopify.refund(
            harness.order_id("#1002"), [(socks["id"], 2)], restock_type="RETURN", shipping=("9.09", "0.91")
        )
        await sync.orders_pass()
        await sync.orders_pass()  # made once
        notices = [e for e in sync.journal.entries() if e.kind == "credit_note_created"]
    sale = harness.sale_for("#1002")
    (invoice,) = sale["Invoices"]
    (note,) = sale["CreditNotes"]
    assert note["Status"] == "AUTHORISED" and note["CreditNoteInvoiceNumber"] == invoice["InvoiceNumber"]
    assert note["CreditNoteDate"]
    (credited,) = note["Lines"]
    ordered = sale_line(sale, "SOCK-WHT-M")
    assert credited["Quantity"] == 2 and credited["Price"] == ordered["Price"]
    assert credited["Discount"] == ordered["Discount"] and credited["TaxRule"] == ordered["TaxRule"]
    (shipping,) = note["AdditionalCharges"]
    assert shipping["Description"] == "Shipping" and Decimal(str(shipping["Price"])) == Decimal("10.00")
    assert on_hand(harness, "SOCK-WHT-M") == before + 2, "returned socks back in stock"
    assert len(notices) == 1 and note["CreditNoteNumber"] in notices[0].message


async def test_a_refund_with_no_restock_credits_money_only(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"credit_note_on_refund": True})
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        before = on_hand(harness, "SOCK-WHT-M")
        socks = line_item(harness, "#1002", "SOCK-WHT-M")
        harness.session.shopify.refund(harness.order_id("#1002"), [(socks["id"], 1)], restock_type="NO_RESTOCK")
        await sync.orders_pass()
    (note,) = harness.sale_for("#1002")["CreditNotes"]
    assert note["Restock"] == [] and on_hand(harness, "SOCK-WHT-M") == before


async def test_without_the_setting_the_journal_names_the_exact_credit_note(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        socks = line_item(harness, "#1002", "SOCK-WHT-M")
        harness.session.shopify.refund(harness.order_id("#1002"), [(socks["id"], 1)])
        await sync.orders_pass()
        (entry,) = [e for e in sync.journal.entries() if e.kind == "refund_needs_credit_note"]
    price = sale_line(harness.sale_for("#1002"), "SOCK-WHT-M")["Price"]
    assert f"1 × SOCK-WHT-M at {Decimal(str(price))}" in entry.fix
    assert "restocking 1 × SOCK-WHT-M to Main Warehouse" in entry.fix
    assert not harness.sale_for("#1002")["CreditNotes"]


async def test_a_credit_note_cin7_refuses_is_retried_until_it_is_made(harness: Harness) -> None:
    """Never an authorised invoice without its credit note: the step stays due and is tried again."""
    harness.settings = harness.settings.model_copy(update={"credit_note_on_cancel": True})
    await harness.first_orders_pass()
    shipping = next(p for p in harness.session.cin7.products if p["Name"] == "Shipping")
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]))
        shipping["Status"] = "Deprecated"  # someone retires the shipping service product in Cin7
        harness.session.shopify.cancel_order(harness.order_id("#1001"))
        await sync.orders_pass()
        await sync.orders_pass()
        failed = [e for e in sync.journal.entries() if e.kind == "credit_note_failed"]
        sale = harness.sale_for("#1001")
        assert not sale["CreditNotes"]
        assert len(failed) == 1 and "Service product 'Shipping' not found" in failed[0].message
        shipping["Status"] = "Active"
        await sync.orders_pass()
        status = sync.ledger.order(harness.order_id("#1001"))
    (note,) = harness.sale_for("#1001")["CreditNotes"]
    assert note["Status"] == "AUTHORISED" and len(harness.sale_for("#1001")["Invoices"]) == 1
    assert status is not None and status.status == "cancelled_after_pick"


async def test_a_second_refund_on_a_credited_simple_sale_is_named_to_raise_by_hand(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"credit_note_on_refund": True})
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        socks = line_item(harness, "#1002", "SOCK-WHT-M")
        harness.session.shopify.refund(harness.order_id("#1002"), [(socks["id"], 1)])
        await sync.orders_pass()
        harness.session.shopify.refund(harness.order_id("#1002"), [(socks["id"], 1)])
        await sync.orders_pass()
        await sync.orders_pass()
        named = [e for e in sync.journal.entries() if e.kind == "refund_needs_credit_note"]
    assert len(harness.sale_for("#1002")["CreditNotes"]) == 1
    assert len(named) == 1 and "one credit note per simple sale" in named[0].fix
