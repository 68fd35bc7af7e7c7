"""What the order sync costs in Cin7 calls: customers read once, held orders resting, no DRAFT left behind."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from tests.sync_harness import Harness


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


def cin7_calls(session: SandboxSession, since: int = 0) -> Counter[str]:
    """Cin7 calls the sandbox answered from the `since`-th on, by method and endpoint."""
    return Counter(f"{method} {path.rsplit('/', 1)[-1]}" for _, method, path, _ in session.cin7.call_log[since:])


def new_order(session: SandboxSession, number: int, email: str, first: str, last: str) -> dict[str, Any]:
    """Demo order #1001 again, as a new order from another buyer, placed now."""
    template = next(o for o in session.scenario.shopify["orders"] if o["name"] == "#1001")
    order: dict[str, Any] = copy.deepcopy(template)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    order.update(
        id=f"gid://shopify/Order/{number}",
        name=f"#{number}",
        createdAt=now,
        processedAt=now,
        updatedAt=now,
        email=email,
        customer={"id": f"gid://shopify/Customer/{number}", "firstName": first, "lastName": last, "email": email},
    )
    for index, line in enumerate(order["lineItems"]):
        line["id"] = f"gid://shopify/LineItem/{number * 100 + index}"
    return order


async def test_customers_are_read_once_and_a_new_one_costs_only_its_create(harness: Harness) -> None:
    session = harness.session
    known = {c["Name"] for c in session.cin7.customers}
    with harness.sync() as sync:
        await sync.orders_pass()
        first = cin7_calls(session)
        created = [c for c in session.cin7.customers if c["Name"] not in known]
        assert first["GET customer"] == 1, "one page of Cin7's customers, read once: no look-up per email"
        assert first["POST customer"] == len(created)
        # Someone adds a customer in Cin7 by hand; then her first order arrives, with a stranger's.
        session.cin7.customers.append(
            session.cin7._customer_record(
                {"Name": "Mia Rossi", "Contacts": [{"Name": "Mia Rossi", "Email": "mia@example.com", "Default": True}]}
            )
        )
        session.shopify.add_order(new_order(session, 9401, "mia@example.com", "Mia", "Rossi"))
        session.shopify.add_order(new_order(session, 9402, "noah@example.com", "Noah", "Jones"))
        before = len(session.cin7.call_log)
        second = await sync.orders_pass()
    assert {"#9401", "#9402"} <= set(second.imported)
    calls = cin7_calls(session, before)
    assert calls["GET customer"] == 1, "only customers changed since the last read are read again, once"
    assert calls["POST customer"] == 1, "Mia was found; only Noah is new"
    assert harness.sale_for("#9401")["Customer"] == "Mia Rossi"
    assert harness.sale_for("#9402")["Customer"] == "Noah Jones"
    names = Counter(c["Name"] for c in session.cin7.customers)
    assert max(names.values()) == 1, "no customer made twice"


async def test_held_orders_cost_no_call_until_what_they_wait_on_changes(harness: Harness) -> None:
    with harness.sync() as sync:
        first = await sync.orders_pass()
        assert first.held
        resting = await sync.orders_pass()
        assert resting.cin7_calls == 0 and set(resting.held) == set(first.held)
        # A setting changes: the orders it could release are tried at once, not after their backoff.
        harness.settings = harness.settings.model_copy(
            update={"tax_map": {**harness.settings.tax_map, "VAT 20%": "GST on Income"}}
        )
        changed = await sync.orders_pass()
        assert "#1010" in changed.imported, "held for 'VAT 20%' only: mapped now, imported"
        quiet = await sync.orders_pass()
        assert quiet.cin7_calls == 0
        # Nothing changes: once its backoff expires a held order is tried again, and rests longer after.
        # (Tried twice so far, on the first pass and when the settings changed: it rests 10 minutes.)
        sooner = datetime.now(UTC) + timedelta(minutes=9)
        sync.orders.now = lambda: sooner
        assert (await sync.orders_pass()).cin7_calls == 0
        later = datetime.now(UTC) + timedelta(minutes=11)
        sync.orders.now = lambda: later
        retried = await sync.orders_pass()
        assert retried.cin7_calls > 0, "the SKUs held orders wait for are looked up again"
        entry = next(e for e in sync.ledger.held() if e.name == "#1006")
        assert entry.attempts == 3
        rests = datetime.fromisoformat(entry.retry_at.replace("Z", "+00:00")) - later
        assert timedelta(minutes=19) < rests <= timedelta(minutes=20), "the backoff doubled"


async def test_a_refused_order_leaves_no_draft_sale_in_cin7(harness: Harness) -> None:
    """Cin7 takes the sale, then refuses its lines (the product was deprecated after the sync read it):
    the sale is voided, not left as a DRAFT the warehouse sees, and the order rests until retried."""
    session = harness.session
    with harness.sync() as sync:
        await sync.orders.load_reference()
        product = next(p for p in session.cin7.products if p["SKU"] == "TEE-BLK-M")
        product["Status"] = "Deprecated"
        order_id = "gid://shopify/Order/9501"
        session.shopify.add_order(new_order(session, 9501, "olivia.smith@example.com", "Olivia", "Smith"))
        first = await sync.orders_pass()
        assert "#9501" in first.held
        (entry,) = [e for e in sync.ledger.held() if e.name == "#9501"]
        assert entry.errors[0]["kind"] == "cin7_rejected" and "deprecated" in entry.errors[0]["message"]
        assert [s["Status"] for s in harness.sales_for(order_id)] == ["VOIDED"], "no DRAFT left"
        assert not sync.ledger.pending
        before = len(session.cin7.call_log)
        resting = await sync.orders_pass()
        assert "#9501" in resting.held and len(session.cin7.call_log) == before, session.cin7.call_log[before:]
        product["Status"] = "Active"
        later = datetime.now(UTC) + timedelta(minutes=6)
        sync.orders.now = lambda: later
        again = await sync.orders_pass()
    assert "#9501" in again.imported
    statuses = sorted(s["Status"] for s in harness.sales_for(order_id))
    assert len(statuses) == 2 and "VOIDED" in statuses, "a fresh sale, the voided one untouched"


async def test_an_idle_order_pass_costs_what_is_new_in_shopify(harness: Harness) -> None:
    """300 orders changed in the last 10 minutes (test orders: the sync skips them, so Cin7 is not in
    the way): once seen, an idle pass reads only their ids and times, 250 a call."""
    session = harness.session
    start = datetime.now(UTC) - timedelta(minutes=9)
    for index in range(300):
        order = new_order(session, 9600 + index, f"buyer{index}@example.com", "Test", f"Buyer {index}")
        stamp = (start + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
        order.update(test=True, createdAt=stamp, processedAt=stamp, updatedAt=stamp)
        session.shopify.add_order(order)
    with harness.sync() as sync:
        first = await sync.orders_pass()
        assert len(first.skipped) >= 300
        before = sync.shopify.calls
        idle = await sync.orders_pass()
        assert sync.shopify.calls - before <= 2, "ids and times of 300 orders: two pages of 250"
        assert idle.skipped == [] and idle.imported == [], "nothing unchanged is processed again"
        # One order changes (it is tagged); the next pass reads that one in full, and only it.
        changed = session.shopify.update_order("gid://shopify/Order/9700", tags=["checked"])
        before = sync.shopify.calls
        again = await sync.orders_pass()
        assert sync.shopify.calls - before == 3, "two pages of stamps and the changed order"
        assert again.skipped == ["#9700"]
        assert sync.ledger.meta["orders_seen"]["gid://shopify/Order/9700"] == changed["updatedAt"]
