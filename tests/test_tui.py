"""The console, driven with Pilot: the home screen reads the demo store through the real clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from cin7_shopify.connections import StoreConnection, demo_connection
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.tui.app import ConsoleApp, HelpScreen, make_app
from cin7_shopify.tui.home import HomeScreen
from tests.conftest import DEMO

SIZES = [(80, 24), (120, 40)]
SnapCompare = Callable[..., bool]


async def loaded(pilot: Pilot[Any]) -> None:
    """Wait until the home screen has read the store."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(100):
        if isinstance(pilot.app.screen, HomeScreen) and not pilot.app.screen.workers:
            break
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cell_texts(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def test_home_shows_both_sides_with_real_counts() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        counts = cell_texts(screen.query_one("#counts", DataTable))
        assert counts == [["Shopify", "43", "158", "5", "28"], ["Cin7 Core", "154", "—", "3", "—"]]
        stores = cell_texts(screen.query_one("#stores", DataTable))
        assert stores == [["demo-apparel", "demo-apparel.myshopify.com", "Demo Apparel Pty Ltd", "connected"]]
        identity = str(screen.query_one("#identity", Static).render())
        assert "Demo Apparel · demo-apparel.myshopify.com · AUD" in identity
        assert "Read with 3 Cin7 calls" in str(screen.query_one("#budget", Static).render())
        assert screen.query_one("#loading").has_class("-hidden")


async def test_a_failed_read_is_a_notification_not_a_crash() -> None:
    session = open_sandbox(DEMO)
    connection = StoreConnection(
        profile="broken",
        label="Broken credentials",
        kind="sandbox",
        open_clients=lambda: (session.cin7_client(key="wrong"), session.shopify_client()),
    )
    app = ConsoleApp(connection)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        stores = cell_texts(app.screen.query_one("#stores", DataTable))
        assert stores[0][-1] == "failed"
        messages = [n.message for n in app._notifications]
        assert any("Incorrect credentials" in m and "Application Key" in m for m in messages)
        assert "wrong" not in " ".join(messages)


async def test_refresh_reads_again() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("r")
        await loaded(pilot)
        assert cell_texts(app.screen.query_one("#stores", DataTable))[0][-1] == "connected"


async def test_f1_opens_help_for_the_screen_and_escape_closes_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen) and "store profile" in app.screen.text
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


def test_every_binding_has_an_id_and_a_description() -> None:
    for owner in (ConsoleApp, HomeScreen, HelpScreen):
        for binding in owner.BINDINGS:
            assert getattr(binding, "id", None) and getattr(binding, "description", None), (owner, binding)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home_snapshot(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(demo_connection()), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_snapshot(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("f1")
        await pilot.pause()

    run: Callable[[Pilot[Any]], Awaitable[None]] = open_help
    assert snap_compare(make_app(demo_connection()), terminal_size=size, run_before=run)
