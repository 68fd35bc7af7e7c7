"""The why pane: `w` from the SKU review, the error log and the pilot tells the row's story."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from cin7_shopify.reports.why_order import OrderStory
from cin7_shopify.reports.why_sku import SkuStory
from cin7_shopify.tui.screens.error_log import ErrorLogScreen
from cin7_shopify.tui.screens.pilot import PilotScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from cin7_shopify.tui.screens.why import WhyScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from tests.tui_support import assert_snapshot, demo_app, settle


def shown(screen: WhyScreen) -> str:
    return f"{screen.query_one('#why-body').render()}\n{screen.query_one('#why-answer').render()}"


async def open_why(pilot: Pilot[Any]) -> WhyScreen:
    await pilot.press("w")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WhyScreen)
    return screen


# One console for the three screens `w` works on (each would start one and open its screen from home), and
# the snapshots of the error log and the why pane on the way.
async def test_w_tells_the_story_of_the_row_on_the_error_log_the_sku_review_and_the_pilot(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path, journal=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        # On the error log: the order's story.
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, ErrorLogScreen)
        await assert_snapshot(pilot, request, "error_log-80x24-cin7-dark")
        row = log.current
        assert row is not None and log._entries_of(row)[0].ref == "#1015"
        why = await open_why(pilot)
        await assert_snapshot(pilot, request, "why_pane-80x24")  # #1015 before any sync: only Shopify's own dates
        story = why.story
        assert isinstance(story, OrderStory) and story.name == "#1015"
        assert not story.in_cin7 and story.status == "not seen by the sync"  # no sync has run in this console
        assert story.timeline[-1].what.startswith("placed in Shopify")
        assert story.sentence in shown(why) and "placed in Shopify" in shown(why)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is log
        await pilot.press("escape")
        await settle(pilot)

        # On the SKU review: the SKU's story.
        await pilot.press("a")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, SkuReviewScreen)
        table = review.query_one(VirtualTable)
        index = next(i for i, f in enumerate(review.shown) if f.sku and f.kind == "untracked_inventory")
        table.cursor = index
        sku = review.shown[index].sku
        why = await open_why(pilot)
        sku_story = why.story
        assert isinstance(sku_story, SkuStory) and sku_story.sku == sku
        # An untracked variant is no stock the push writes: the pane says so rather than inventing a figure.
        assert sku_story.locations == [] and sku_story.sentence in shown(why)
        await pilot.press("escape", "escape")
        await settle(pilot)

        # On the pilot: a traced order's story.
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PilotScreen)
        await pilot.press("i")
        await settle(pilot)
        table = screen.query_one(VirtualTable)
        table.cursor = [row[0] for row in table.rows].index("#1010")
        why = await open_why(pilot)
        story = why.story
        assert isinstance(story, OrderStory) and story.status == "held"
        assert [e["kind"] for e in story.held_for] == ["unmapped_tax"]
        assert story.sentence.startswith("Not in Cin7 because it is held (unmapped_tax)")
        await pilot.press("w")  # w closes it too
        await pilot.pause()
        assert app.screen is screen


# Home's badge for a version inside its window is checked with home's counts (tests/test_tui.py), on the same
# settled home.
async def test_the_badge_names_a_pinned_version_past_its_window(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    store = app.workspace.sources[0]
    store.profile = store.profile.model_copy(update={"api_version": "2025-04"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "API 2025-04 · out of support since 2026-04-01" in str(app.screen.query_one("#api-health").render())
