"""Every key of every screen's footer and of the palette: none quits, crashes or destroys data unasked."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Header

from cin7_shopify.tui.app import BUSY_FRAMES, IDLE_ICON, ConsoleApp, HelpScreen
from cin7_shopify.tui.dialogs import ConfirmScreen, KeysScreen
from cin7_shopify.tui.screens.connection import ConnectionScreen
from cin7_shopify.tui.screens.error_log import ErrorLogScreen
from cin7_shopify.tui.screens.home import HomeScreen
from cin7_shopify.tui.screens.mapping import MappingScreen, Picker
from cin7_shopify.tui.screens.pilot import PilotScreen
from cin7_shopify.tui.screens.settings import SettingsScreen
from cin7_shopify.tui.screens.sku_review import SkuReviewScreen
from tests.tui_support import assert_snapshot, demo_app, settle

# How each screen is reached from home, in the order a consultant walks them.
SCREENS: list[tuple[str, type[Screen[Any]]]] = [
    ("", HomeScreen),
    ("a", SkuReviewScreen),
    ("m", MappingScreen),
    ("l", ErrorLogScreen),
    ("p", PilotScreen),
    ("g", SettingsScreen),
    ("n", ConnectionScreen),
]
DIALOGS = (ConfirmScreen, KeysScreen, HelpScreen, Picker)


def data(app: ConsoleApp, tmp_path: Path) -> tuple[object, ...]:
    """What a key must never destroy unasked: Shopify orders, Cin7 sales, the saved store profiles."""
    session = app.workspace.sources[0].session  # type: ignore[attr-defined]
    cancelled = sorted(o["id"] for o in session.shopify.orders_by_id.values() if o.get("cancelledAt"))
    voided = sorted(sid for sid, sale in session.cin7.sales.items() if sale.get("Status") == "VOIDED")
    profiles = (tmp_path / "profiles.json").read_text() if (tmp_path / "profiles.json").exists() else ""
    return cancelled, voided, profiles


def screen_keys(app: ConsoleApp) -> list[str]:
    """Every key the screen on top answers to with a described action (footer, hidden ones and the app's)."""
    keys = []
    for key, active in app.screen.active_bindings.items():
        if active.node not in (app.screen, app):
            continue  # moving about inside a list or a field: the widget's own keys
        if active.binding.description and key not in {"q", "ctrl+q", "ctrl+c"}:  # quitting is tested below
            keys.append(key)
    return keys


async def back_to(pilot: Pilot[Any], key: str, kind: type[Screen[Any]], *, reopen: bool = True) -> list[str]:
    """Answer any dialog (no, or close it) and return to the screen under test; what was seen on the way.

    `reopen=False` after the screen's last key: a key that left it (Back, Save) needs no screen opened again.
    """
    app = pilot.app
    seen: list[str] = []
    for _ in range(10):
        await settle(pilot)
        if isinstance(app.screen, kind):
            return seen
        seen.append(type(app.screen).__name__)
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("n")
        elif isinstance(app.screen, DIALOGS):
            await pilot.press("escape")
        elif any(isinstance(s, kind) for s in app.screen_stack):
            app.pop_screen()  # went somewhere else (Go fix): come back without touching anything there
        elif not reopen:
            return seen
        else:
            while not isinstance(app.screen, HomeScreen):
                app.pop_screen()
            if key:
                await pilot.press(key)
    raise AssertionError(f"could not get back to {kind.__name__}: {seen}")


# At least this many keys each (its footer's, the hidden ones, the app's): a screen whose keys went missing fails.
FEWEST_KEYS = {
    HomeScreen: 15,
    SkuReviewScreen: 15,
    MappingScreen: 12,
    ErrorLogScreen: 15,
    PilotScreen: 15,
    SettingsScreen: 5,
    ConnectionScreen: 6,
}
# F1 opens the help of the screen it is pressed on.
HELP_HEADINGS = {
    HomeScreen: "## Home",
    SkuReviewScreen: "## SKU review",
    MappingScreen: "## Mapping",
    ErrorLogScreen: "## Error log",
    PilotScreen: "## Pilot",
    SettingsScreen: "## Store settings",
    ConnectionScreen: "## Connection setup",
}


# Keys that leave the screen (Back, Save) go last: after the last key the walk opens no screen again.
LEAVING = ("escape", "ctrl+s")


async def walk(
    pilot: Pilot[Any],
    tmp_path: Path,
    open_key: str,
    kind: type[Screen[Any]],
    nest: frozenset[type[Screen[Any]]],
    request: pytest.FixtureRequest,
) -> None:
    """Every key of `kind` (reached from home with `open_key`, on top now): none quits or changes data unasked.

    A screen in `nest` that a key of home opens is walked there and then (that key's press opens it), not
    opened again later by a walk of its own.
    """
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    if kind is PilotScreen:
        await pilot.press("n")  # test orders first, so clean-up has something it could destroy
        await settle(pilot)
    keys = sorted(screen_keys(app), key=lambda key: key in LEAVING)
    pressed: list[str] = []
    for n, key in enumerate(keys):
        before = data(app, tmp_path)
        await pilot.press(key)
        if key == "f1":
            assert isinstance(app.screen, HelpScreen), f"F1 on {kind.__name__} opened {app.screen}"
            assert app.screen.text.startswith(HELP_HEADINGS[kind]), app.screen.text[:40]
            if kind is HomeScreen:  # help's looks: the one snapshot of it, over home
                await assert_snapshot(pilot, request, "help-80x24-cin7-dark")
        if kind is HomeScreen and type(app.screen) in nest:
            await settle(pilot)
            await walk(pilot, tmp_path, key, type(app.screen), nest - {type(app.screen)}, request)
        seen = await back_to(pilot, open_key, kind, reopen=n < len(keys) - 1)
        pressed.append(key)
        assert app.is_running, f"{key} on {kind.__name__} quit the console"
        assert app.return_code is None
        after = data(app, tmp_path)
        assert after == before or "ConfirmScreen" in seen, f"{key} on {kind.__name__} changed data unasked"
        assert after == before, f"{key} on {kind.__name__}: answering no still changed data"
    # `?` too (in a form it is typed), and F1
    assert "question_mark" in pressed or kind in (SettingsScreen, ConnectionScreen), pressed
    assert "f1" in pressed, pressed
    assert len(pressed) >= FEWEST_KEYS[kind], pressed
    WALKED.append(kind)


WALKED: list[type[Screen[Any]]] = []


async def every_command_of_the_palette(pilot: Pilot[Any], tmp_path: Path) -> None:
    """Every command the console adds to the palette, from home: none quits or destroys data."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    while not isinstance(app.screen, HomeScreen):
        app.pop_screen()
    await settle(pilot)
    commands = list(app.get_system_commands(app.screen))
    ours = [c for c in commands if c.title.startswith(("Go:", "Store:"))]
    assert len(ours) == 6
    for command in ours:
        before = data(app, tmp_path)
        command.callback()
        await back_to(pilot, "", HomeScreen)
        assert app.is_running and data(app, tmp_path) == before, command.title


# Three consoles, so that parallel workers share them (a console start and a screen's opening cost a few
# tenths of a second each, Settings 0.6 s). Home's a, m, g and n open four screens anyway, which are walked
# there: opened again by a walk of their own, Settings took three openings (its Escape and Ctrl+S both leave
# it) and Connection two. The error log and the pilot have walks of their own: the longest test bounds the
# suite's wall time (home with three screens took 64 s wall at load 9).
PARTS: dict[str, tuple[list[tuple[str, type[Screen[Any]]]], frozenset[type[Screen[Any]]]]] = {
    "home-sku-mapping-settings-connection": (
        [("", HomeScreen)],
        frozenset({SkuReviewScreen, MappingScreen, SettingsScreen, ConnectionScreen}),
    ),
    "errors": ([("l", ErrorLogScreen)], frozenset()),
    "pilot": ([("p", PilotScreen)], frozenset()),
}


@pytest.mark.parametrize("part", PARTS)
async def test_every_key_of_every_screen(tmp_path: Path, part: str, request: pytest.FixtureRequest) -> None:
    screens, nest = PARTS[part]
    del WALKED[:]
    app = demo_app(tmp_path, journal=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for open_key, kind in screens:
            while not isinstance(app.screen, HomeScreen):
                app.pop_screen()
            if open_key:
                await pilot.press(open_key)
            await back_to(pilot, open_key, kind)
            await walk(pilot, tmp_path, open_key, kind, nest, request)
        if part == "errors":  # the shortest walk: the palette's commands on the same console
            await every_command_of_the_palette(pilot, tmp_path)
    assert set(WALKED) == nest | {kind for _, kind in screens}, WALKED
    assert {kind for screens, nest in PARTS.values() for kind in nest | {k for _, k in screens}} == {
        kind for _, kind in SCREENS
    }, "every screen in one part"


async def test_quitting_while_a_sync_pass_runs_asks_first(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cin7 = app.workspace.sources[0].session.cin7  # type: ignore[attr-defined]
        through = asyncio.Event()
        answer = cin7.handle

        async def slow_answer(request: Any) -> Any:
            await through.wait()  # Cin7 answers once the test lets it: the pass is in flight meanwhile
            return await answer(request)

        cin7.handle = slow_answer
        await pilot.press("s", "y")
        for _ in range(100):  # the icon turns on the console's next tick (every 0.25 s)
            if app.screen.query_one(Header).icon in BUSY_FRAMES:
                break
            await pilot.pause()
        assert app.screen.query_one(Header).icon in BUSY_FRAMES, "the header shows that work runs"
        await pilot.press("q")  # q in the middle of the sync pass
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("n")
        through.set()
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, HomeScreen)
        assert app.workspace.stores()[0].status().held == 12, "the pass went on to the end"
        assert app.screen.query_one(Header).icon == IDLE_ICON, "and stops as soon as it ends"
        await pilot.press("q")  # nothing running now: quits at once
        await pilot.pause()
        assert not app.is_running
