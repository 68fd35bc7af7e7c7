"""The console's path to go-live: the checklist on home, and every setting in the settings screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from cin7_shopify.tui.dialogs import ConfirmScreen
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.settings import SettingsScreen
from tests.tui_support import demo_app, settle


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
        assert "✓ 6. Pilot passed" in checklist(app) and "4 of 4 orders passed every step" in checklist(app)


async def test_settings_are_checked_as_store_set_checks_them_and_saved(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        entry = app.workspace.stores()[0]
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert isinstance(app.focused, Input), "the form opens with a field focused"
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
