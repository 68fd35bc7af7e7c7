"""No duplicates, nothing lost: crashes at every write step, and a run under throttles and 5xx."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.demo_data import ORDERS_SINCE_GO_LIVE, SEEDED_ORDER_ERRORS
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox
from cin7_shopify.state.crash import CrashPoints, SimulatedCrash
from tests.conftest import demo_copy
from tests.sync_harness import Harness, ship

EXPECTED_IMPORTED = set(ORDERS_SINCE_GO_LIVE) - set(SEEDED_ORDER_ERRORS)


@cache
def count_write_steps() -> int:
    """The write steps of the demo's first pass (counted once per process, by the first trial that needs it:
    at import, every xdist worker counted them while collecting, 0.7 s CPU each)."""
    harness = Harness(demo_copy(ManualClock()), Path("/tmp/unused"))
    crash = CrashPoints(exit_process=False)
    import tempfile

    harness.home = Path(tempfile.mkdtemp())
    import asyncio

    async def run() -> None:
        with harness.sync(crash=crash) as sync:
            await sync.orders_pass()

    # A loop of its own, in a thread: the first caller may be an async test, inside its running loop.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()
    return len(crash.reached)


# 25 crash points spread evenly over the first pass (customers, sales, orders: before and after each
# write), its first step and its last included.
SPREAD = 24


def crash_point(trial: int) -> int:
    return 1 + trial * (count_write_steps() - 1) // SPREAD


def test_there_are_enough_trials() -> None:
    steps = count_write_steps()
    points = {crash_point(trial) for trial in range(SPREAD + 1)}
    assert steps >= 40 and len(points) == SPREAD + 1 and min(points) == 1 and max(points) == steps


@pytest.mark.parametrize("trial", range(SPREAD + 1))
async def test_a_crash_at_any_write_step_leaves_one_sale_per_order(trial: int, tmp_path: Path) -> None:
    crash_at = crash_point(trial)
    session = demo_copy(ManualClock())
    harness = Harness(session, tmp_path)
    with pytest.raises(SimulatedCrash), harness.sync(crash=CrashPoints(crash_at, exit_process=False)) as sync:
        await sync.orders_pass()
    with harness.sync() as sync:  # the next run, from what is on disk
        await sync.orders_pass()
        await sync.orders_pass()
        imported = {e.name for e in sync.ledger.orders.values() if e.status == "imported"}
        held = {e.name for e in sync.ledger.held()}
    per_order = Counter(s["ExternalID"] for s in session.cin7.sales.values())
    assert all(count == 1 for count in per_order.values()), per_order
    assert imported == EXPECTED_IMPORTED, "nothing lost"
    assert held == set(SEEDED_ORDER_ERRORS)
    for name in EXPECTED_IMPORTED:
        (sale,) = harness.sales_for(harness.order_id(name))
        assert sale["Order"]["Status"] == "AUTHORISED"


@pytest.mark.parametrize("crash_at", [1, 2])
async def test_a_crash_while_sending_a_fulfilment_never_sends_it_twice(crash_at: int, tmp_path: Path) -> None:
    session = demo_copy(ManualClock())
    harness = Harness(session, tmp_path)
    await harness.first_orders_pass()
    with harness.sync() as sync:
        await ship(sync.cin7, str(harness.sale_for("#1001")["ID"]), tracking="AP-ONCE")
    with pytest.raises(SimulatedCrash), harness.sync(crash=CrashPoints(crash_at, exit_process=False)) as sync:
        await sync.fulfilment_pass()
    with harness.sync() as sync:
        await sync.fulfilment_pass()
        await sync.fulfilment_pass()
    order = session.shopify.orders_by_id[harness.order_id("#1001")]
    assert [f["trackingInfo"][0]["number"] for f in order["fulfillments"]] == ["AP-ONCE"]


def chaos_store(orders: int) -> SandboxSession:
    data = generate_large(600, orders=orders, seed=11)
    session = open_sandbox(Scenario("chaos", data["shopify"], data["cin7"], data["settings"]), clock=ManualClock())
    for faults in (session.cin7_faults, session.shopify_faults):
        faults.chaos_rate = 0.30
    return session


async def test_200_orders_under_30_percent_throttles_and_5xx_all_land_once(tmp_path: Path) -> None:
    session = chaos_store(200)
    harness = Harness(session, tmp_path)
    harness.settings = harness.settings.model_copy(
        update={"order_trigger": "created", "go_live": datetime(2026, 10, 1, tzinfo=UTC)}
    )
    passes = 0
    with harness.sync() as sync:
        while passes < 40:
            passes += 1
            try:
                result = await sync.orders_pass()
            except Exception:  # a pass may die on a read after the client gives up; the next one resumes
                continue
            if not result.retry_later and not sync.ledger.pending:
                break
        statuses = Counter(e.status for e in sync.ledger.orders.values())
        held_reasons = {e.name: e.errors for e in sync.ledger.held()}
    assert sum(f.startswith("chaos") for f in session.cin7_faults.log + session.shopify_faults.log) > 100
    assert statuses["imported"] + statuses["held"] == 200, statuses
    assert all(reasons for reasons in held_reasons.values()), "every held order says why"
    per_order = Counter(s["ExternalID"] for s in session.cin7.sales.values())
    assert per_order and max(per_order.values()) == 1, "none twice"
    assert len(per_order) >= statuses["imported"]


async def test_no_secret_reaches_any_file_the_sync_writes(tmp_path: Path) -> None:
    session = demo_copy(ManualClock())
    harness = Harness(session, tmp_path)
    with harness.sync() as sync:
        sync.journal._secrets = ["sandbox-application-key", "shpat_sandbox_demo_token"]
        await sync.orders_pass()
        await sync.stock_push(force=True)
        sync.journal.record("probe", "x", "token shpat_abcdef123456 and key sandbox-application-key", "none")
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert written and "sandbox-application-key" not in written and "shpat_" not in written
    assert "[redacted]" in written
    for line in (tmp_path / "errors.jsonl").read_text().splitlines():
        json.loads(line)
