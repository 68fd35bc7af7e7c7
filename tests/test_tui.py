"""The console, driven with Pilot through each screen's main flow, and snapshots of every screen."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static

from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.text import md_text
from cin7_shopify.tui.app import ConsoleApp, HelpScreen
from cin7_shopify.tui.dialogs import ConfirmScreen
from cin7_shopify.tui.screens.connection import ConnectionScreen
from cin7_shopify.tui.screens.error_log import ErrorLogScreen
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.mapping import MappingScreen, Picker
from cin7_shopify.tui.screens.pilot import PilotScreen
from cin7_shopify.tui.screens.settings import SettingsScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from tests.tui_support import assert_snapshot, demo_app, settle


def cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_home_shows_real_counts_and_the_api_badge_and_sync_now_fills_the_status_and_the_error_log(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Home shows each store and the real counts.
        assert isinstance(app.screen, HomeScreen)
        assert cells(app.screen.query_one("#counts", DataTable)) == [
            ["Shopify", "44", "159", "5", "31"],
            ["Cin7 Core", "—", "158", "3", "—"],  # variant-level products, beside Shopify's variants
        ]
        assert cells(app.screen.query_one("#stores", DataTable)) == [["demo-apparel (sandbox)", "—", "—", "0", "0"]]
        assert "3 of 60 Cin7 calls used this minute" in str(app.screen.query_one("#budget", Static).render())
        assert str(app.screen.query_one("#api-health").render()) == "API 2026-10 · until 2027-10-01"
        await assert_snapshot(pilot, request, "home-120x40-cin7-dark")

        # Sync now.
        await pilot.press("s")  # one pass writes to both systems: it says what, and what the checklist lacks
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        asked = app.screen.text
        assert "imports the orders created since go-live (2026-11-01 00:00 UTC)" in asked
        assert "**Audit GO** not yet: not run yet" in asked
        await pilot.press("y")
        await settle(pilot)
        row = cells(app.screen.query_one("#stores", DataTable))[0]
        assert row[3:] == ["12", "12"] and row[1] != "—"
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ErrorLogScreen)
        table = app.screen.query_one(VirtualTable)
        causes = [row[1] for row in table.rows]
        # the biggest causes first; between equal counts the newest first, which the pass's timing decides
        assert len(causes) == 10 and set(causes[:2]) == {"missing SKU — 2 orders", "missing customer — 2 orders"}
        assert "unknown SKU TOTE-CANVAS — 1 order" in causes and "refused by Cin7 Core RJK-YEL-M — 1 order" in causes
        assert "Times in Australia/Sydney (AEDT)" in str(app.screen.query_one("#zone").render())
        await pilot.press("v")  # every entry
        await pilot.pause()
        assert len(table.rows) == 12 and table.cursor == 11, "follows: the newest entry is selected"
        assert "RJK-YEL-M" in str(app.screen.query_one("#detail-text", Static).render())


async def test_error_log_goes_to_the_fix_tails_resolves_and_jumps(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path, journal=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorLogScreen)
        await assert_snapshot(pilot, request, "error_log-120x40-cin7-dark")  # grouped by cause, at both sizes
        table = screen.query_one(VirtualTable)
        # In the shop's zone (Australia/Sydney, AEDT in November): 01:15 UTC is 12:15 there.
        assert sorted(row[0] for row in table.rows) == ["11-20 12:15", "11-20 13:15", "11-20 14:15"]
        assert "Store" not in [c.label for c in table.columns], "one store shown: no Store column"

        # Go fix from the error log lands on the SKU.
        table.cursor = [row[1] for row in table.rows].index("refused by Cin7 Core RJK-YEL-S — 1 order")
        await pilot.press("enter")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, SkuReviewScreen)
        finding = review.current
        assert finding is not None and finding.sku == "RJK-YEL-S", "on the finding of the SKU Cin7 refused"
        await pilot.press("escape")
        await pilot.pause()
        table.cursor = [row[1] for row in table.rows].index("unknown SKU TOTE-CANVAS — 1 order")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SkuReviewScreen)
        assert app.screen.current is not None and app.screen.current.sku == "TOTE-CANVAS"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack[-1] is screen and isinstance(screen, ErrorLogScreen), "back on the error log"

        # It tails, resolves and jumps.
        await pilot.press("v")  # every entry, newest last
        await pilot.pause()
        assert [row[1] for row in table.rows] == ["unknown SKU", "unmapped tax line", "refused by Cin7 Core"]
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
        await pilot.press("d")  # resolve the newest
        await pilot.pause()
        assert len(table.rows) == 3
        await pilot.press("u")  # undo: open again
        await pilot.pause()
        assert len(table.rows) == 4
        assert [e.status for e in journal.entries()].count("open") == 4
        screen.query_one("#kind", Select).value = "unmapped_tax"
        await pilot.pause()
        assert [row[1] for row in table.rows] == ["unmapped tax line"]
        await pilot.press("enter")
        await settle(pilot)
        mapping = app.screen
        assert isinstance(mapping, MappingScreen), "an unmapped tax line is fixed on the mapping screen"
        taxes = mapping.query_one("#taxes", DataTable)
        assert app.focused is taxes and str(taxes.get_row_at(taxes.cursor_row)[1]) == "VAT 20%", "on its row"


async def test_sku_review_filters_searches_decides_and_exports(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SkuReviewScreen)
        table = screen.query_one(VirtualTable)
        assert len(table.rows) == 31 and table.rows[0][0] == "blocker"
        screen.query_one("#severity", Select).value = "info"
        await pilot.pause()
        assert {row[1] for row in table.rows} == {"only in Cin7 Core"} and len(table.rows) == 3
        screen.query_one("#severity", Select).value = Select.NULL
        screen.query_one("#search", Input).value = "lsh"
        await pilot.pause()
        assert [row[2] for row in table.rows] == ["Lsh-Snd-M", "lsh-wht-s"]
        table.focus()
        await pilot.press("f")  # accept the case fix
        await pilot.pause()
        assert table.rows[0][4] == "CSV ✓"
        await pilot.press("down", "d")
        await pilot.pause()
        assert table.rows[1][4] == "risk ✓"
        await pilot.press("X")
        await pilot.press("x")
        await pilot.pause()
        exported = sorted(p.name.split("-")[0] for p in (tmp_path / "exports").iterdir())
        assert exported == ["audit", "shopify"]
        fix = next((tmp_path / "exports").glob("shopify-sku-fix-*.csv")).read_text()
        assert "LSH-SND-M" in fix and "LSH-WHT-S" not in fix, "only the accepted fix"
        decisions = json.loads((app.workspace.stores()[0].folder / "audit-decisions.json").read_text())
        assert sorted(d["decision"] for d in decisions.values()) == ["fix", "risk"]
        report = next((tmp_path / "exports").glob("audit-*.md")).read_text()
        assert "## Accepted fixes" in report and "## Accepted risks" in report
        await pilot.press("u")  # undo the risk
        await pilot.pause()
        assert table.rows[1][4] == "" and table.rows[0][4] == "CSV ✓"


def last_toast(app: ConsoleApp) -> str:
    return list(app._notifications)[-1].message


async def test_a_cin7_side_fix_says_where_it_is_done_and_the_report_names_who_and_when(tmp_path: Path) -> None:
    app = demo_app(tmp_path)  # the console's clock: 2026-11-27 09:30 UTC, 20:30 in the shop's Sydney
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SkuReviewScreen)
        table = screen.query_one(VirtualTable)
        search = screen.query_one("#search", Input)
        search.value = "PUF-OLV-M"  # not tracked; no consultant set yet: the login name decides
        await pilot.pause()
        table.focus()
        await pilot.press("d")
        await pilot.pause()
        assert [row[4] for row in table.rows] == ["risk ✓"]
        screen.entry.save_settings(screen.entry.settings().model_copy(update={"consultant": "Priya Natarajan"}))
        search.value = "CAP-KHA"  # the stray spaces are in the Cin7 Core SKU
        await pilot.pause()
        table.focus()
        assert [row[1] for row in table.rows] == ["stray spaces"]
        await pilot.press("f")
        await pilot.pause()
        assert table.rows[0][4] == "Cin7", "accepted, to be done in Cin7 Core: not 'fix ✓'"
        toast = last_toast(app)
        assert "not in the Shopify fix CSV" in toast and "'To do in Cin7 Core'" in toast
        assert "Fix accepted, to do in Cin7 Core by Priya Natarajan at 2026-11-27 20:30 AEDT" in str(
            screen.query_one("#detail-text", Static).render()
        )
        await pilot.press("X")
        await pilot.pause()
        assert "None of the accepted fixes is a Shopify SKU the CSV can set: 1 to do in Cin7 Core" in (last_toast(app))
        assert not list((tmp_path / "exports").glob("shopify-sku-fix-*.csv"))
        await pilot.press("x")
        await pilot.pause()
        report = next((tmp_path / "exports").glob("audit-*.md")).read_text()
        assert "| to do in Cin7 Core | Priya Natarajan | 2026-11-27 20:30 AEDT |" in report
        todo = report[report.index("### To do in Cin7 Core") : report.index("### Accepted risks")]
        assert "` CAP-KHA`" in todo and "the fix CSV only changes Shopify SKUs" in todo
        risks = report[report.index("### Accepted risks") :]
        assert f"| {md_text(getpass.getuser())} | 2026-11-27 20:30 AEDT |" in risks


async def test_a_shared_sku_is_one_row_keeping_the_genuine_variant_and_search_finds_titles_locations_taxes(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SkuReviewScreen)
        await assert_snapshot(pilot, request, "sku_review-80x24-cin7-dark")
        the_sku_review_at_80x24_shows_12_rows_and_50_columns_of_message(app)
        await pilot.resize_terminal(
            120, 40
        )  # the wide layout from here: the level and kind in words, columns of their own
        assert "20 blockers" in str(screen.query_one("#summary", Label).render())
        screen.query_one("#kind", Select).value = "duplicate_sku"
        await pilot.pause()
        table = screen.query_one(VirtualTable)
        assert sorted(row[2] for row in table.rows) == ["POLO-WHT-M", "TEE-BLK-M"]
        table.cursor = [row[2] for row in table.rows].index("TEE-BLK-M")
        await pilot.pause()
        detail = str(screen.query_one("#detail-text", Static).render())
        assert "keep: Classic Tee – Black / M" in detail and "rename: Classic Tee (Sale)" in detail
        assert "gid://" not in detail
        await pilot.press("f")
        await pilot.pause()
        assert table.rows[table.cursor][4] == "hand"
        assert "to do by hand in Shopify" in last_toast(app)

        # The search matches titles, locations and tax lines, and Escape clears it.
        screen.query_one("#kind", Select).value = Select.NULL
        await pilot.pause()
        await pilot.press("slash")
        for letter in "hoodie":
            await pilot.press(letter)
        await pilot.pause()
        assert table.rows and all(row[2].startswith("HOOD") for row in table.rows), "a title finds its SKUs"
        search = screen.query_one("#search", Input)
        search.value = "VAT 20%"
        await pilot.pause()
        assert [row[1] for row in table.rows] == ["unmapped tax line"]
        search.value = "Brisbane"
        await pilot.pause()
        assert [row[1] for row in table.rows] == ["unmapped location"]
        search.value = "no-such-thing"
        await pilot.pause()
        assert not table.rows and "Nothing matches 'no-such-thing'" in str(screen.query_one("#detail-text").render())
        await pilot.press("escape")  # clears the search first
        await pilot.pause()
        assert isinstance(app.screen, SkuReviewScreen) and search.value == "" and len(table.rows) == 31
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


def the_sku_review_at_80x24_shows_12_rows_and_50_columns_of_message(app: App[Any]) -> None:
    """Checked where the SKU review's 80×24 snapshot is taken (the same console and screen, started once)."""
    table = app.screen.query_one(VirtualTable)
    assert table.scrollable_content_region.height - 1 >= 12, "rows under the header"
    widths = dict(zip([c.label for c in table.columns], table._widths(), strict=True))
    assert widths["What is wrong"] >= 50, widths


async def test_mapping_change_accept_and_save(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MappingScreen)
        await assert_snapshot(pilot, request, "mapping-80x24-cin7-dark")
        assert "6 mapping blockers" in str(screen.query_one("#blockers").render())
        locations = screen.query_one("#locations", DataTable)
        locations.focus()
        locations.move_cursor(row=3)  # Bondi Pop-up: the row says why it is ✗ and what fixes it
        await pilot.pause()
        detail = str(screen.query_one("#row-detail").render())
        assert "'Bondi Pop-up', which does not exist" in detail and "Pick an existing, active" in detail
        locations.move_cursor(row=2)  # Melbourne Store: proposed at 100 %
        await pilot.press("f")
        await pilot.pause()
        assert cells(locations)[2][2] == "Melbourne Store"
        assert "5 mapping blockers" in str(screen.query_one("#blockers").render())
        assert "unsaved" in str(screen.query_one("#blockers").render())
        locations.move_cursor(row=4)  # Brisbane: nothing proposed, so pick one
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert cells(locations)[4][2] == "Melbourne Store"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "saved: the sync uses this mapping from its next pass" in str(screen.query_one("#blockers").render())
        saved = app.workspace.stores()[0].settings().location_map
        assert saved["gid://shopify/Location/71003"] == saved["gid://shopify/Location/71005"] == "Melbourne Store"
        taxes = screen.query_one("#taxes", DataTable)
        taxes.focus()
        taxes.move_cursor(row=1)
        await pilot.press("enter")  # a tax rule is chosen knowing its rate and whether it includes tax
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        offered = [str(app.screen.query_one(OptionList).get_option_at_index(i).prompt) for i in range(2)]
        assert "  GST Free Income (0%, tax exclusive)" in offered, offered
        await pilot.press("escape")
        await pilot.pause()
        assert [str(c.label) for c in taxes.columns.values()][:2] == ["", "Tax line"]
        assert str(taxes.get_row_at(0)[0]) in {"✓", "✗"}, "the status sits under its own (blank) header"
        locations.focus()
        locations.move_cursor(row=4)
        await pilot.press("enter", "up", "enter")  # a change, then Escape: it asks, n stays, u undoes it
        await pilot.pause()
        assert screen.dirty and cells(locations)[4][2] != "Melbourne Store"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MappingScreen)
        await pilot.press("u")
        await pilot.pause()
        assert cells(locations)[4][2] == "Melbourne Store" and not screen.dirty
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen), "nothing unsaved: Escape goes straight back"


async def test_connection_setup_names_a_bad_form_then_tests_and_saves_to_the_keyring(
    tmp_path: Path, memory_keyring: Any, request: pytest.FixtureRequest
) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConnectionScreen)
        assert app.focused is screen.query_one("#name", Input), "the form opens with a field focused"
        await settle(pilot)
        screen.query_one("#name", Input).cursor_blink = False  # the focused field's cursor stays lit
        await assert_snapshot(pilot, request, "connection-80x24-cin7-dark")
        await pilot.press("q")  # typed into the field, never quits
        await pilot.pause()
        assert app.is_running and screen.query_one("#name", Input).value == "q"

        # A bad form is named, not saved.
        screen.query_one("#name", Input).value = "Bad Name"
        screen.query_one("#shop", Input).value = "demo.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("Profile name: use lower-case letters" in m for m in messages)
        assert isinstance(app.screen, ConnectionScreen)
        assert not (tmp_path / "profiles.json").exists() or "Bad Name" not in (tmp_path / "profiles.json").read_text()

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

        # The result of a test, refused token named, scrolled into view at 80x24 too: the snapshots (the shop as
        # it is usually typed).
        screen.query_one("#shop", Input).value = "demo-apparel.myshopify.com"
        for typed in screen.query(Input):
            typed.cursor_blink = False
            typed.cursor_position = len(typed.value)  # as after typing it (the name's cursor stood after the "q")
        await pilot.press("ctrl+t")
        await settle(pilot)
        await assert_snapshot(pilot, request, "result-80x24")
        await pilot.resize_terminal(120, 40)
        await assert_snapshot(pilot, request, "result-120x40")
        await pilot.resize_terminal(80, 24)
        screen.query_one("#shop", Input).value = "https://Demo-Apparel.myshopify.com/admin"  # saved as typed first
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


async def test_theme_choice_is_remembered_and_a_bad_theme_file_falls_back(
    tmp_path: Path, isolated_home: Path, request: pytest.FixtureRequest
) -> None:
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
        await assert_snapshot(pilot, request, "home-80x24-cin7-dark")
        app.theme = "cin7-light"
        await pilot.pause()
    assert remembered_theme() == "cin7-light"
    again = demo_app(tmp_path, theme=None)
    again.remember = True
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == "cin7-light"
        await settle(pilot)
        await assert_snapshot(pilot, request, "home-80x24-cin7-light")


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


# The snapshots (issue 15's matrix, with issue 12's screens at both sizes): every screen once at 80×24 in the
# dark theme, the consultant's laptop terminal where things get cut; home, the settings, the grouped error log
# and the connection test result (issue 12) and the traced pilot also at 120×40; home and the traced pilot also
# in the light theme (a theme is colour variables every screen shares). Each is taken by the test that already
# stands on that screen (`assert_snapshot`), at the other size after a resize and in the other theme after
# switching: the SVGs are those of a console started that way.
