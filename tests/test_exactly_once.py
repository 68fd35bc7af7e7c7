"""Exactly once at the exact points where the hand-written write steps used to fail."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.demo_data import ORDERS_SINCE_GO_LIVE, SEEDED_ORDER_ERRORS
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.state.crash import CrashPoints, SimulatedCrash
from tests.conftest import DEMO, demo_copy
from tests.sync_harness import Harness

EXPECTED_IMPORTED = set(ORDERS_SINCE_GO_LIVE) - set(SEEDED_ORDER_ERRORS)


def points_of_first_pass(tmp_path: Path) -> list[str]:
    harness = Harness(demo_copy(ManualClock()), tmp_path / "count")
    crash = CrashPoints(exit_process=False)

    async def run() -> None:
        with harness.sync(crash=crash) as sync:
            await sync.orders_pass()

    import asyncio

    asyncio.run(run())
    return crash.reached


@pytest.mark.parametrize("after", ["create_sale", "authorise_order", "create_customer"])
def test_a_crash_just_after_the_ledger_records_a_write_does_not_repeat_it(after: str, tmp_path: Path) -> None:
    """Killed the moment 'finished' is on disk, before the order's own record says so."""
    import asyncio

    points = points_of_first_pass(tmp_path)
    at = points.index(f"after {after}") + 2  # the next point is the ledger's "finish", just written
    assert points[at - 1] == "ledger finish"
    session = demo_copy(ManualClock())
    harness = Harness(session, tmp_path / "run")

    async def crash_then_resume() -> tuple[set[str], set[str]]:
        with pytest.raises(SimulatedCrash), harness.sync(crash=CrashPoints(at, exit_process=False)) as sync:
            await sync.orders_pass()
        with harness.sync() as sync:
            await sync.orders_pass()
            await sync.orders_pass()
            imported = {e.name for e in sync.ledger.orders.values() if e.status == "imported"}
            return imported, {e.name for e in sync.ledger.held()}

    imported, held = asyncio.run(crash_then_resume())
    per_order = Counter(s["ExternalID"] for s in session.cin7.sales.values())
    assert max(per_order.values()) == 1, "no order has two sales"
    assert imported == EXPECTED_IMPORTED and held == set(SEEDED_ORDER_ERRORS), "nothing stuck, nothing lost"
    customers = Counter(c["Name"] for c in session.cin7.customers)
    assert max(customers.values()) == 1, "no customer made twice"


async def test_a_500_after_cin7_kept_the_sale_is_looked_up_not_posted_again(tmp_path: Path) -> None:
    session = demo_copy(ManualClock())
    harness = Harness(session, tmp_path)
    session.cin7_faults.server_error_after_work_on = "POST /ExternalApi/v2/sale"  # kept, then a 500
    with harness.sync() as sync:
        first = await sync.orders_pass()
        assert len(first.retry_later) == 1, "the order whose answer was a 500 waits for the next pass"
        assert len(sync.ledger.pending) == 1, "its intent stays open: the sale may exist"
        again = await sync.orders_pass()
        assert not again.retry_later and not sync.ledger.pending
        imported = {e.name for e in sync.ledger.orders.values() if e.status == "imported"}
    per_order = Counter(s["ExternalID"] for s in session.cin7.sales.values())
    assert max(per_order.values()) == 1, "the kept sale was found, not posted again"
    assert imported == EXPECTED_IMPORTED


async def test_a_cin7_refusal_holds_that_order_and_the_pass_goes_on(tmp_path: Path) -> None:
    """Cin7 refuses a product whose category is gone from its reference book ("Category not found.");
    that order is held with Cin7's words and every other order is still imported."""
    import copy

    from cin7_shopify.sandbox.scenario import load_scenario

    scenario = load_scenario(DEMO)
    cin7 = copy.deepcopy(scenario.cin7)
    template_category = cin7["Products"][0]["Category"]  # new products copy the first product's category
    cin7["Categories"] = sorted({p["Category"] for p in cin7["Products"]} - {template_category})
    scenario.cin7 = cin7
    session = open_sandbox(scenario, clock=ManualClock())
    harness = Harness(session, tmp_path)
    harness.settings = harness.settings.model_copy(update={"unknown_sku": "create"})
    with harness.sync() as sync:
        result = await sync.orders_pass()
        held = {e.name: e.errors for e in sync.ledger.held()}
        assert not sync.ledger.pending, "no intent left open by a refusal"
    refused = {name for name, errors in held.items() if any("Category not found." in e["message"] for e in errors)}
    assert refused, "the orders whose SKU could not be created are held with Cin7's words"
    assert all(errors[0]["kind"] == "cin7_rejected" for name, errors in held.items() if name in refused)
    assert set(result.imported) >= EXPECTED_IMPORTED - refused, "the pass went on past the refusal"
