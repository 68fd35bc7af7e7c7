"""The console's path to go-live: the checklist on home, and every setting in the settings screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static
from textual.widgets._select import SelectOverlay

from cin7_shopify.tui.dialogs import ConfirmScreen
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.mapping import UNMAP, MappingScreen
from cin7_shopify.tui.screens.settings import SettingsScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from tests.tui_support import assert_snapshot, demo_app, settle


def checklist(app: object) -> str:
    return str(app.screen.query_one("#checklist", Static).render())  # type: ignore[attr-defined]


async def test_the_checklist_follows_the_audit_and_the_pilot(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = checklist(app)
        assert "✓ 3. Settings" in text and "11-27 09:30" in text, "reached steps carry the date they were reached"
        assert "· 5. Audit GO" in text and "a not run yet" in text
        await pilot.press("a")  # the audit: the demo store is NO-GO
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        text = checklist(app)
        assert "· 5. Audit GO" in text and "NO-GO:" in text and "blockers" in text
        assert "· 4. Mapping approved" in text and "unmapped" in text
        await pilot.press("p")  # place and trace 4 pilot orders: all pass in the sandbox
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "✓ 6. Pilot passed" in checklist(app) and "4 of 4 test orders passed every step" in checklist(app)
        await pilot.press("p", "i")  # the store's own orders traced: the step says so, and their held orders show
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "· 6. Pilot passed" in checklist(app) and "of 32 test and store orders passed" in checklist(app)


async def test_settings_are_checked_as_store_set_checks_them_and_saved(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        entry = app.workspace.stores()[0]
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert isinstance(app.focused, Input), "the form opens with a field focused"
        for field in app.screen.query(Input):  # the focused field's cursor stays lit, not blinking
            field.cursor_blink = False
        await assert_snapshot(pilot, request, "settings-80x24-cin7-dark")
        await pilot.resize_terminal(120, 40)
        await assert_snapshot(pilot, request, "settings-120x40-cin7-dark")
        await pilot.resize_terminal(80, 24)
        assert "Orders created before this are never imported" in str(app.screen.query_one("#field-help").render())
        trigger = app.screen.query_one("#order_trigger", Select)
        assert trigger.value == "paid" and ("when it is paid", "paid") in trigger._options  # words shown, name saved
        # Chosen from the keyboard: the list (made when first opened) shows the current choice, ↓ and Enter
        # pick the next one, and the Select then shows its words.
        trigger.focus()
        await pilot.press("enter")
        await pilot.pause()
        choices = trigger.query_one(SelectOverlay)
        assert trigger.expanded and choices.display and choices.highlighted is not None
        assert str(choices.get_option_at_index(choices.highlighted).prompt) == "when it is paid", "opens on the choice"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not trigger.expanded and trigger.value == "fulfilled"
        assert "when it is fulfilled" in str(trigger.query_one("#label", Static).render())
        buffer = app.screen.query_one("#safety_buffer", Input)
        buffer.value = "-1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        problem = app.screen.query_one("#settings-problem", Static)
        assert "safety_buffer: Input should be greater than or equal to 0" in str(problem.render())
        assert isinstance(app.screen, SettingsScreen) and entry.settings().safety_buffer == 0, "nothing saved"
        buffer.value = "3"
        app.screen.query_one("#exclude_tags", Input).value = "wholesale, b2b"
        await pilot.press("escape")  # unsaved changes: it asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert entry.settings().safety_buffer == 3 and entry.settings().exclude_tags == ["wholesale", "b2b"]
        assert entry.settings().order_trigger == "fulfilled"


async def test_the_audit_is_kept_and_a_saved_mapping_is_judged_without_reading_again(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        entry = app.workspace.stores()[0]
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MappingScreen) and screen.run is not None and screen.run.cin7_calls > 0
        where = {loc.name: loc.id for loc in screen.run.shopify.locations or []}
        for name, target in [
            ("Melbourne Store", "Melbourne Store"),
            ("Bondi Pop-up", "Main Warehouse"),
            ("Brisbane Market Stall", "Main Warehouse"),
        ]:
            screen._set("location", where[name], target)
        screen._set("location", where["Old Parramatta Store"], UNMAP)  # closed in Shopify: no map needed
        await pilot.press("ctrl+s")  # NZ GST 15% and VAT 20% stay: Cin7 Core has no rule at their rates
        await pilot.pause()
        assert "2 mapping blockers" in str(screen.query_one("#blockers").render())
        await pilot.press("escape")
        await settle(pilot)
        text = checklist(app)
        assert "· 4. Mapping approved" in text and "m 2 unmapped" in text, text
        assert "· 5. Audit GO" in text and "NO-GO: 16 blockers" in text, "the saved maps' blockers are gone"
        await pilot.press("a")  # the SKU review judges the data already read: no call to either API
        await settle(pilot)
        review = app.screen
        assert isinstance(review, SkuReviewScreen) and review.run is not None
        assert review.run.cin7_calls == review.run.shopify_calls == 0
        assert "read just now" in str(review.query_one("#summary").render())
        await pilot.press("r")  # r reads both sides again
        await settle(pilot)
        assert review.run.cin7_calls > 0
        await pilot.press("escape")
        await settle(pilot)
        # a map saved elsewhere (the CLI, another console) makes the verdict stale, not wrong
        entry.last_audit = None
        entry.save_settings(entry.settings().model_copy(update={"tax_map": {}}))
        home = app.screen
        assert isinstance(home, HomeScreen)
        home.refresh_status()
        text = checklist(app)
        assert "· 4. Mapping approved" in text and "the maps changed since the last audit" in text, text
