"""The pilot screen: test orders filling in step by step, the failures explained, the sign-off exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._toast import Toast

from cin7_shopify.sandbox.demo_data import ORDERS_AT_3PL, ORDERS_SINCE_GO_LIVE, SEEDED_ORDER_ERRORS
from cin7_shopify.text import md_text
from cin7_shopify.tui.dialogs import ConfirmScreen
from cin7_shopify.tui.screens.mapping import MappingScreen
from cin7_shopify.tui.screens.pilot import PilotScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from tests.tui_support import assert_snapshot, demo_app, settle

ALL_PASSED = ("✓",) * 7


async def open_pilot(pilot: Pilot[Any]) -> PilotScreen:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PilotScreen)
    return screen


def detail(screen: PilotScreen) -> str:
    return str(screen.query_one("#detail-text").render())


# Placing, where its result shows (in the status line, at both sizes, not a toast over the detail), the
# sign-off and the clean-up: one console, toasts drawn as for a user.
async def test_placing_test_orders_passes_each_kind_in_the_status_line_not_a_toast_exports_the_signoff_and_cleans_up(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_pilot(pilot)
        assert "No pilot yet" in detail(screen)
        app.clear_notifications()
        await assert_snapshot(pilot, request, "pilot-80x24-cin7-dark")
        await pilot.press("n")
        await settle(pilot)
        rows = screen.query_one(VirtualTable).rows
        assert [row[-1] for row in rows] == ["simple", "variant", "kit", "multi-location"]
        assert all(tuple(row[1:8]) == ALL_PASSED and row[8] == "passed" for row in rows), rows
        assert "4 of 4 passed every step" in str(screen.query_one("#pilot-status").render())
        assert "placed test order" in detail(screen) and "fulfilled with tracking PILOT" in detail(screen)
        for size in ((80, 24), (120, 40)):
            if size != app.size:
                await pilot.resize_terminal(*size)
            for _ in range(50):  # a toast is mounted a refresh after it is raised: wait for every one raised
                if len(app.screen.query(Toast)) >= len(app._notifications):
                    break
                await pilot.pause()
            pane = screen.query_one("#detail").region
            covering = [str(t.render()) for t in app.screen.query(Toast) if t.region.overlaps(pane)]
            assert not covering, f"at {size} a toast covers the detail the client is reading: {covering}"
        await pilot.press("x")
        await pilot.pause()
        (signoff,) = (tmp_path / "exports").glob("pilot-signoff-demo-apparel-*.md")
        assert "4 of 4 test orders passed" in signoff.read_text()

        # Clean-up of the orders just placed: it lists what it touches and asks first.
        placed = [o.order_id for o in screen.report.orders] if screen.report else []
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert all(md_text(f"#{9033 + i}: cancel in Shopify") in app.screen.text for i in range(4))
        await pilot.press("n")
        await pilot.pause()
        shopify = app.workspace.sources[0].session.shopify  # type: ignore[attr-defined]
        assert shopify is not None
        assert not any(shopify.orders_by_id[o]["cancelledAt"] for o in placed), "no means nothing is touched"
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert all(shopify.orders_by_id[o]["cancelledAt"] for o in placed)


async def test_tracing_the_store_explains_each_held_order_goes_to_the_fix_and_retries_after_it(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pilot(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = screen.query_one(VirtualTable)
        outcomes = {row[0]: row[8] for row in table.rows}
        assert len(outcomes) == len(ORDERS_SINCE_GO_LIVE)
        assert {name for name, outcome in outcomes.items() if outcome == "held"} == set(SEEDED_ORDER_ERRORS)
        assert {name for name, outcome in outcomes.items() if outcome == "waiting"} == set(ORDERS_AT_3PL)
        others = set(outcomes) - set(SEEDED_ORDER_ERRORS) - set(ORDERS_AT_3PL)
        assert all(outcomes[name] == "passed" for name in others)

        # The traced pilot as the client sees it, on a held order (its timeline has no clock times).
        table.cursor = [row[0] for row in table.rows].index("#1006")
        await assert_snapshot(pilot, request, "pilot_traced-80x24-cin7-dark")
        await pilot.resize_terminal(120, 40)
        await assert_snapshot(pilot, request, "pilot_traced-120x40-cin7-dark")
        await pilot.resize_terminal(80, 24)
        app.theme = "cin7-light"
        await assert_snapshot(pilot, request, "pilot_traced-80x24-cin7-light")
        app.theme = "cin7-dark"

        table.cursor = [row[0] for row in table.rows].index("#1010")
        await pilot.pause()
        assert "unmapped_tax" in detail(screen) and "Fix: Map 'VAT 20%'" in detail(screen)
        assert "https://demo-apparel.myshopify.com/admin/orders/" in detail(screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen), "an unmapped tax line is fixed on the mapping screen"
        taxes = app.screen.query_one("#taxes", DataTable)
        assert str(taxes.get_row_at(taxes.cursor_row)[1]) == "VAT 20%", "on its row"

        # Retry after the fix imports the held orders.
        await pilot.press("escape")  # nothing changed on the mapping screen: back to the pilot
        await settle(pilot)
        assert pilot.app.screen is screen, "back on the pilot"
        entry = screen.entry
        settings = entry.profile.settings
        fixed = settings.model_copy(update={"tax_map": {**settings.tax_map, "VAT 20%": settings.tax_map["GST 10%"]}})
        entry.save_settings(fixed)  # what the mapping screen's save does
        await pilot.press("t")
        await settle(pilot)
        rows = {row[0]: row for row in screen.query_one(VirtualTable).rows}
        assert rows["#1010"][1] == "✓", "the order held for its tax line is imported once the line is mapped"
        assert rows["#1006"][8] == "held", "an order held for another reason stays held"
        assert sum(row[8] == "passed" for row in rows.values()) >= 10
