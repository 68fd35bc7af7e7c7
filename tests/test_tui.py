"""The console, driven with Pilot through each screen's main flow, and snapshots of every screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.tui.app import ConsoleApp, HelpScreen
from cin7_shopify.tui.screens.connection import ConnectionScreen
from cin7_shopify.tui.screens.error_log import ErrorLogScreen
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.mapping import MappingScreen, Picker
from cin7_shopify.tui.screens.pilot import ConfirmScreen, PilotScreen
from cin7_shopify.tui.screens.settings import SettingsScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from tests.tui_support import demo_app, settle

SnapCompare = Callable[..., bool]


def cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_home_shows_each_store_and_real_counts(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert cells(app.screen.query_one("#counts", DataTable)) == [
            ["Shopify", "44", "159", "5", "31"],
            ["Cin7 Core", "158", "—", "3", "—"],
        ]
        assert cells(app.screen.query_one("#stores", DataTable)) == [["demo-apparel (sandbox)", "—", "—", "0", "0"]]
        assert "3 of 60 Cin7 calls used this minute" in str(app.screen.query_one("#budget", Static).render())


async def test_sync_now_fills_the_status_and_the_error_log(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        row = cells(app.screen.query_one("#stores", DataTable))[0]
        assert row[3:] == ["12", "12"] and row[1] != "—"
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ErrorLogScreen)
        table = app.screen.query_one(VirtualTable)
        assert len(table.rows) == 12 and table.cursor == 11, "follows: the newest entry is selected"
        assert "RJK-YEL-M" in str(app.screen.query_one("#detail-text", Static).render())


async def test_error_log_tails_resolves_and_jumps(tmp_path: Path) -> None:
    app = demo_app(tmp_path, journal=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorLogScreen)
        table = screen.query_one(VirtualTable)
        await pilot.press("up")  # scrolled up: new entries are counted, not jumped to
        journal = app.workspace.stores()[0].journal()
        journal.record("unknown_sku", "#1099", "Order #1099: SKU X is not a Cin7 Core product.", "Create X.")
        screen.tail()
        await pilot.pause()
        assert len(table.rows) == 4 and table.cursor == 1
        assert "+1 new" in str(screen.query_one("#badge").render())
        await pilot.press("end")
        await pilot.pause()
        assert "following" in str(screen.query_one("#badge").render())
        await pilot.press("x")  # resolve the newest
        await pilot.pause()
        assert len(table.rows) == 3
        screen.query_one("#kind", Select).value = "unmapped_tax"
        await pilot.pause()
        assert [row[1] for row in table.rows] == ["unmapped_tax"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen), "an unmapped tax line is fixed on the mapping screen"


async def test_sku_review_filters_searches_decides_and_exports(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SkuReviewScreen)
        table = screen.query_one(VirtualTable)
        assert len(table.rows) == 33 and table.rows[0][0] == "blocker"
        screen.query_one("#severity", Select).value = "info"
        await pilot.pause()
        assert {row[1] for row in table.rows} == {"only_in_cin7"} and len(table.rows) == 3
        screen.query_one("#severity", Select).value = Select.NULL
        screen.query_one("#search", Input).value = "lsh"
        await pilot.pause()
        assert [row[2] for row in table.rows] == ["Lsh-Snd-M", "lsh-wht-s"]
        table.focus()
        await pilot.press("a")  # accept the case fix
        await pilot.pause()
        assert table.rows[0][4] == "fix ✓"
        await pilot.press("down", "x")
        await pilot.pause()
        assert table.rows[1][4] == "risk ✓"
        await pilot.press("f")
        await pilot.press("e")
        await pilot.pause()
        exported = sorted(p.name.split("-")[0] for p in (tmp_path / "exports").iterdir())
        assert exported == ["audit", "shopify"]
        fix = next((tmp_path / "exports").glob("shopify-sku-fix-*.csv")).read_text()
        assert "LSH-SND-M" in fix and "LSH-WHT-S" not in fix, "only the accepted fix"
        decisions = json.loads((app.workspace.stores()[0].folder / "audit-decisions.json").read_text())
        assert sorted(decisions.values()) == ["fix", "risk"]


async def test_mapping_change_accept_and_save(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MappingScreen)
        assert "6 mapping blockers" in str(screen.query_one("#blockers").render())
        locations = screen.query_one("#locations", DataTable)
        locations.focus()
        locations.move_cursor(row=2)  # Melbourne Store: proposed at 100 %
        await pilot.press("p")
        await pilot.pause()
        assert cells(locations)[2][2] == "Melbourne Store"
        assert "5 mapping blockers" in str(screen.query_one("#blockers").render())
        assert "unsaved" in str(screen.query_one("#blockers").render())
        locations.move_cursor(row=4)  # Brisbane: nothing proposed, so pick one
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert cells(locations)[4][2] == "Melbourne Store"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = app.workspace.stores()[0].settings().location_map
        assert saved["gid://shopify/Location/71003"] == saved["gid://shopify/Location/71005"] == "Melbourne Store"


async def test_connection_setup_tests_and_saves_to_the_keyring(tmp_path: Path, memory_keyring: Any) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConnectionScreen)
        screen.query_one("#shop", Input).value = "https://Demo-Apparel.myshopify.com/admin"
        screen.query_one("#token", Input).value = "shpat_wrong"
        screen.query_one("#account", Input).value = SANDBOX_CIN7_ACCOUNT
        screen.query_one("#key", Input).value = SANDBOX_CIN7_KEY
        screen.query_one("#name", Input).value = "demo-live"
        await pilot.press("ctrl+t")
        await settle(pilot)
        result = str(screen.query_one("#result", Static).render())
        assert "Invalid API key or access token" in result and "Demo Apparel Pty Ltd" in result
        assert "shpat_wrong" not in result
        screen.query_one("#token", Input).value = SANDBOX_SHOPIFY_TOKEN
        await pilot.press("ctrl+t")
        await settle(pilot)
        result = str(screen.query_one("#result", Static).render())
        assert "Demo Apparel · plan Basic · API 2026-10" in result and "Both connections work" in result
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert [e.name for e in app.workspace.stores()] == ["demo-apparel", "demo-live"]
        assert (
            memory_keyring.passwords[("cin7-shopify-console", "demo-live:shopify_access_token")]
            == SANDBOX_SHOPIFY_TOKEN
        )
        assert SANDBOX_SHOPIFY_TOKEN not in (tmp_path / "profiles.json").read_text()


async def test_a_bad_form_is_named_not_saved(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#name", Input).value = "Bad Name"
        screen.query_one("#shop", Input).value = "demo.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("Profile name: use lower-case letters" in m for m in messages)
        assert isinstance(app.screen, ConnectionScreen)


async def test_f1_help_on_every_screen(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, heading in [
            ("", "## Home"),
            ("k", "## SKU review"),
            ("m", "## Mapping"),
            ("l", "## Error log"),
            ("a", "## Connection setup"),
            ("p", "## Pilot"),
        ]:
            if key:
                await pilot.press(key)
                await settle(pilot)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen) and app.screen.text.startswith(heading)
            await pilot.press("escape")
            if key:
                await pilot.press("escape")
                await pilot.pause()


async def test_theme_choice_is_remembered_and_a_bad_theme_file_falls_back(tmp_path: Path, isolated_home: Path) -> None:
    from cin7_shopify.tui.themes import remembered_theme

    themes = isolated_home / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.json").write_text(json.dumps({"name": "broken", "primary": "not-a-colour"}))
    (themes / "mine.json").write_text(json.dumps({"name": "mine", "dark": True, "primary": "#FF00AA"}))
    app = demo_app(tmp_path)
    app.remember = True
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "cin7-dark" and "mine" in app.available_themes
        assert any("broken.json: 'not-a-colour' is not a colour" in n.message for n in app._notifications)
        app.theme = "cin7-light"
        await pilot.pause()
    assert remembered_theme() == "cin7-light"
    again = demo_app(tmp_path, theme=None)
    again.remember = True
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == "cin7-light"


def test_every_binding_has_an_id_and_a_description() -> None:
    for owner in (
        ConsoleApp,
        HomeScreen,
        HelpScreen,
        SkuReviewScreen,
        MappingScreen,
        ErrorLogScreen,
        ConnectionScreen,
        Picker,
        PilotScreen,
        ConfirmScreen,
        SettingsScreen,
    ):
        for binding in owner.BINDINGS:
            assert getattr(binding, "id", None) and getattr(binding, "description", None), (owner, binding)


SIZES = [(80, 24), (120, 40)]
THEMES = ["cin7-dark", "cin7-light"]
SCREENS = {
    "home": "",
    "sku_review": "k",
    "mapping": "m",
    "error_log": "l",
    "connection": "a",
    "pilot": "p",
    "settings": "g",
}


def snapshot_cases(screens: list[str], extra: list[str]) -> list[Any]:
    """Every screen once at 80×24 in the dark theme; the `extra` ones also at the other size and theme.

    A screen's layout breaks at the small size first, and a theme is colour variables shared by every
    screen: the full size × theme matrix repeated the same evidence at four times the cost.
    """
    cases = [(screen, SIZES[0], THEMES[0]) for screen in screens]
    cases += [
        (screen, size, theme) for screen in extra for size, theme in ((SIZES[1], THEMES[0]), (SIZES[0], THEMES[1]))
    ]
    return [
        pytest.param(*case, id="-".join(filter(None, (case[0], f"{case[1][0]}x{case[1][1]}", case[2]))))
        for case in cases
    ]


@pytest.mark.parametrize(("screen", "size", "theme"), snapshot_cases(list(SCREENS), ["home"]))
def test_snapshot(snap_compare: SnapCompare, tmp_path: Path, screen: str, size: tuple[int, int], theme: str) -> None:
    async def open_screen(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if SCREENS[screen]:
            await pilot.press(SCREENS[screen])
            await settle(pilot)
        pilot.app.clear_notifications()
        for field in pilot.app.screen.query(Input):  # a focused field's cursor stays lit, not blinking
            field.cursor_blink = False
        await pilot.pause()

    app = demo_app(tmp_path, theme=theme, journal=screen == "error_log")
    assert snap_compare(app, terminal_size=size, run_before=open_screen)
