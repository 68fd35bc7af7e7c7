"""The demo reads a sandbox store's audit while home shows it: the SKU review and mapping then open on that
read instead of reading both sides again. Counted in API calls (Cin7 calls the sandbox accepted, Shopify bulk
operations it ran), never timed."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual.widgets import Label, Static

from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT
from cin7_shopify.sandbox.store import SandboxStore
from cin7_shopify.tui.app import ConsoleApp
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.mapping import MappingScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from cin7_shopify.workspace import StoreSession
from tests.tui_support import demo_app, settle


def reads(app: ConsoleApp) -> tuple[int, int]:
    """Cin7 calls the sandbox accepted and Shopify bulk operations it ran (an audit read starts two: the
    variants and the orders' tax lines), so far."""
    source = app.workspace.sources[0]
    assert isinstance(source, SandboxStore)
    session = source.session
    return len(session.cin7.accepted_calls.get(SANDBOX_CIN7_ACCOUNT, ())), len(session.shopify.bulk_results)


def audit_step(home: HomeScreen) -> str:
    """What home's go-live checklist says of the audit step."""
    checklist = str(home.query_one("#checklist", Static).content).splitlines()
    line = next(line for line in checklist if "Audit GO" in line)
    return line.split("  ")[-1].strip().removeprefix("a ")  # "a": the key that goes there


async def test_the_sku_review_and_mapping_open_on_the_audit_read_while_home_was_shown(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    app.read_ahead = True  # as `cin7-shopify demo` makes it
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        cin7_calls, bulk_operations = reads(app)
        assert bulk_operations == 2, "home's overview (no bulk operation) and the audit read ahead"
        # Read, not judged: the go-live checklist's audit step waits for someone to open the audit.
        assert audit_step(home) == "not run yet"
        assert not (home.selected and (home.selected.folder / "audit-summary.json").exists())

        await pilot.press("a")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, SkuReviewScreen) and review.run is not None
        assert review.query_one(VirtualTable).rows, "the findings are shown"
        assert "read just now" in str(review.query_one("#summary", Label).content)
        assert reads(app) == (cin7_calls, bulk_operations), "no second read of either side"

        await pilot.press("escape")
        await settle(pilot)
        assert audit_step(home) != "not run yet", "opening it ran the audit"
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen)
        assert reads(app) == (cin7_calls, bulk_operations)


async def test_an_audit_asked_for_while_the_read_ahead_is_under_way_waits_for_it(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    entry: StoreSession = app.workspace.stores()[0]
    ahead = asyncio.ensure_future(entry.read_ahead())
    await asyncio.sleep(0)  # the read ahead has started
    run = await entry.audit(reread=False)
    await ahead
    assert run.report.findings and reads(app)[1] == 2, "both sides read once"
    again = await entry.audit(reread=True)  # r re-reads, whatever was read ahead
    assert reads(app)[1] == 4 and len(again.report.findings) == len(run.report.findings)


async def test_a_cancelled_read_ahead_leaves_the_audit_to_read_for_itself(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    entry: StoreSession = app.workspace.stores()[0]
    ahead = asyncio.ensure_future(entry.read_ahead())
    await asyncio.sleep(0)
    ahead.cancel()  # the console left home, or quit
    run = await entry.audit(reread=False)
    assert ahead.cancelled()
    assert run.report.findings and entry.last_audit is not None


async def test_an_audit_left_while_it_waits_leaves_the_read_ahead_to_the_next(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    entry: StoreSession = app.workspace.stores()[0]
    ahead = asyncio.ensure_future(entry.read_ahead())
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(entry.audit(reread=False))
    await asyncio.sleep(0)
    waiting.cancel()  # Escape on the SKU review while it waits for the read
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await ahead
    run = await entry.audit(reread=False)
    assert run.report.findings and reads(app)[1] == 2, "the next audit took the read ahead"


def test_the_demo_reads_ahead_on_the_simulated_clock_only(isolated_home: Path) -> None:
    """In real time (`demo --real-time`) a read ahead would spend the minute's Cin7 budget the consultant
    is about to use."""
    from cin7_shopify.cli import demo_console

    for real_time in (False, True):
        app = demo_console(real_time=real_time)
        try:
            assert app.read_ahead is not real_time
        finally:
            app.workspace.close()
