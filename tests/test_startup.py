"""Start-up stays fast: what a command that fails fast and the console's first paint do not load.

Timing is for scripts/bench_startup.py; these guard the cause. The heavy parts (httpx and the API
models, the keyring and its backends, graphql-core and the sandboxes) load when first needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

HEAVY = ["httpx", "keyring", "graphql", "cin7_shopify.sandbox.session", "cin7_shopify.shopify.client"]


def loaded_after(code: str, home: Path) -> tuple[list[str], str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(home)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1]), run.stderr


def test_a_store_command_that_fails_fast_loads_no_client_keyring_or_sandbox(tmp_path: Path) -> None:
    loaded, stderr = loaded_after(
        "from cin7_shopify.cli import main\nassert main(['store', 'show', 'nosuch']) == 2", tmp_path
    )
    assert "No store named 'nosuch'" in stderr
    assert loaded == []


def test_the_console_and_its_home_screen_load_no_client_or_keyring(tmp_path: Path) -> None:
    """Home paints before any store is read: the clients (httpx, the API models) and the keyring load
    when a store is first read, markdown-it when help is first opened."""
    loaded, _ = loaded_after(
        "from cin7_shopify.tui.app import make_app\n"
        "from cin7_shopify.tui.screens.home import HomeScreen\n"
        "from cin7_shopify.workspace import Workspace\n"
        "make_app(Workspace())\n"
        "import sys\n"
        "assert 'markdown_it' not in sys.modules",
        tmp_path,
    )
    assert loaded == []


# What a mistyped store name never waits for: the models, TinyDB, the clients, the keyring, the sandbox,
# the console and the server (a prefix covers its submodules).
NEVER_FOR_A_TYPO = [
    "pydantic",
    "tinydb",
    "httpx",
    "keyring",
    "graphql",
    "textual",
    "uvicorn",
    "cin7_shopify.sandbox",
    "cin7_shopify.workspace",
]
TYPOS = [
    ["store", "show", "nosuch"],
    ["store", "test", "nosuch"],
    ["audit", "--store", "nosuch"],
    ["sync", "run", "--store", "nosuch", "--once"],
    ["errors", "--store", "nosuch"],
    ["why", "sku", "TEE-1", "--store", "nosuch"],
]
SAVED = {"name": "shop", "shop_domain": "shop.myshopify.com", "shopify_auth": "token", "cin7_account_id": "acc"}


def test_a_mistyped_store_is_refused_naming_the_saved_ones_before_anything_heavy_loads(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "profiles.json").write_text(json.dumps({"profiles": {"1": SAVED}}))
    probe = (
        "import json, sys\n"
        "from cin7_shopify.cli import main\n"
        f"codes = [main(argv) for argv in {TYPOS!r}]\n"
        f"heavy = [m for m in sys.modules if any(m == n or m.startswith(n + '.') for n in {NEVER_FOR_A_TYPO!r})]\n"
        "print(json.dumps([codes, heavy]))"
    )
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    codes, heavy = json.loads(run.stdout.strip().splitlines()[-1])
    assert codes == [2] * len(TYPOS), run.stderr
    refusals = run.stderr.splitlines()
    assert len(refusals) == len(TYPOS)
    assert all(line.startswith("error: No store named 'nosuch' (stores: shop). Add one with") for line in refusals)
    assert heavy == []


def test_a_damaged_profile_file_is_still_named_when_the_store_is_not_in_it(isolated_home: Path) -> None:
    """The quick refusal reads only a file it understands plainly; anything else gets the full read's words."""
    (isolated_home / "data").mkdir(parents=True)
    (isolated_home / "data" / "profiles.json").write_text(json.dumps([SAVED]))
    shown = run_cli(dict(os.environ), "store", "show", "nosuch")
    assert shown.returncode == 2 and "holds a JSON list, not this tool's tables" in shown.stderr
    (isolated_home / "data" / "profiles.json").write_text(json.dumps({"profiles": {"1": {**SAVED, "colour": "red"}}}))
    shown = run_cli(dict(os.environ), "audit", "--store", "shop")
    assert shown.returncode == 2 and "profile 'shop': colour: Extra inputs are not permitted" in shown.stderr


# What home's first frame in `cin7-shopify demo` does not wait for: the sandbox, graphql-core, the server,
# the clients, the models, the audit and the sync (they load in a thread once it has painted).
NOT_FOR_THE_FIRST_PAINT = [
    "pydantic",
    "graphql",
    "uvicorn",
    "starlette",
    "httpx",
    "cin7_shopify.sandbox",
    "cin7_shopify.audit.service",
    "cin7_shopify.sync.runner",
]
DEMO_PROBE = """
import asyncio, json, re, sys, threading
from cin7_shopify.cli import demo_console
from cin7_shopify.tui.screens.home import ARRIVING, HomeScreen
from textual.widgets import DataTable, Static

app = demo_console()
loader, go_on, first_paint = app.arriving, threading.Event(), {}
sent = app._display

def display(screen, update):  # what the terminal is sent first (an update in a batch is not sent)
    if update is not None and not app._batch_count and "frame" not in first_paint:
        first_paint["frame"] = re.sub(r"\x1b\\[[0-9;?]*[A-Za-z]", "", update.render_segments(app.console))
    sent(screen, update)

app._display = display

def held_until_looked_at():
    within = tuple(n + "." for n in NOT_FOR_THE_FIRST_PAINT)
    first_paint["loaded"] = [m for m in sys.modules if m in NOT_FOR_THE_FIRST_PAINT or m.startswith(within)]
    go_on.wait(60)
    return loader()

app.arriving = held_until_looked_at

async def walk():
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if "loaded" in first_paint:
                break
            await pilot.pause(0.05)
        home = app.screen
        first_paint["home"] = isinstance(home, HomeScreen)
        first_paint["identity"] = str(home.query_one("#identity", Static).content)
        first_paint["rows"] = home.query_one("#stores", DataTable).row_count
        first_paint["details"] = [w.id for w in home.query("#details > *")]
        go_on.set()
        for _ in range(600):
            if home.query_one("#stores", DataTable).row_count:
                break
            await pilot.pause(0.05)
        first_paint["then"] = [entry.label for entry in home.entries]
        first_paint["identity_then"] = str(home.query_one("#identity", Static).content)
        for _ in range(600):  # the store's details joined with the stores: its counts, once read
            if home.query("#counts") and home.query_one("#counts", DataTable).row_count:
                break
            await pilot.pause(0.05)
        counts = home.query_one("#counts", DataTable)
        first_paint["counts_then"] = [str(c.label) for c in counts.ordered_columns], counts.row_count

try:
    asyncio.run(walk())
finally:
    app.workspace.close()
print(json.dumps(first_paint))
"""


def test_the_demo_paints_home_before_the_sandbox_loads_and_its_stores_fill_in(tmp_path: Path) -> None:
    probe = f"NOT_FOR_THE_FIRST_PAINT = {NOT_FOR_THE_FIRST_PAINT!r}\n{DEMO_PROBE}"
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=180)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == [], "home's first frame waited for these"
    assert seen["home"] and seen["rows"] == 0 and seen["identity"] == "Reading the stores…"
    # One frame, all of home: the store list's headings, the checklist and the keys (they came in later frames).
    for part in ["Stores", "Last import", "Reading the stores…", "Go-live checklist", "SKUs", "Quit"]:
        assert part in seen["frame"], part
    assert seen["then"] == ["demo-apparel (sandbox)", "demo-observed (sandbox)"]
    assert seen["identity_then"] != "Reading the stores…"
    # No store to show details of yet: the first frame has none of their widgets; they join with the stores.
    assert seen["details"] == ["identity"]
    assert seen["counts_then"] == [["", "Products", "Variants", "Active locations", "Orders since go-live"], 2]
    assert not list((tmp_path / "data" / "sandbox-runs").glob("*")), "the demo's state was removed"


def test_the_console_s_own_themes_are_valid_theme_files() -> None:
    """They load unvalidated at start (pydantic would delay the first frame); a user's are validated."""
    from cin7_shopify.paths import themes_dir
    from cin7_shopify.tui.theme_file import ThemeFile
    from cin7_shopify.tui.themes import load_themes

    files = sorted(themes_dir().glob("*.json"))
    validated = [ThemeFile.model_validate(json.loads(f.read_text(encoding="utf-8"))).to_theme() for f in files]
    themes, problems = load_themes()
    assert problems == [] and {"cin7-dark", "cin7-light"} <= {t.name for t in validated}
    assert [(t.name, t.primary, t.background, t.dark) for t in themes] == [
        (t.name, t.primary, t.background, t.dark) for t in validated
    ]


async def test_the_console_starts_in_the_remembered_theme_without_writing_it_again(isolated_home: Path) -> None:
    """The theme is in place before the first frame is styled (setting it later re-parsed every stylesheet
    and saved the choice again, a file synced to disk, before home could paint)."""
    from cin7_shopify.state.profiles import ProfileStore
    from cin7_shopify.tui.app import make_app
    from cin7_shopify.workspace import Workspace

    remembered = isolated_home / "config" / "console.json"
    remembered.parent.mkdir(parents=True)
    remembered.write_text(json.dumps({"theme": "cin7-light"}))
    os.utime(remembered, (0, 0))
    app = make_app(Workspace(ProfileStore(isolated_home / "profiles.json")))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "cin7-light"
        assert app.has_class("-theme-cin7-light", "-light-mode") and not app.has_class("-dark-mode")
        assert app.screen.styles.background == app.get_theme("cin7-light").to_color_system().background  # type: ignore[union-attr]
        assert remembered.stat().st_mtime == 0, "starting the console wrote the theme again"
        app.theme = "cin7-dark"  # a choice is still remembered
        await pilot.pause()
    assert json.loads(remembered.read_text()) == {"theme": "cin7-dark"}


async def _start_and_look(home: Path, theme: str) -> str:
    """A console on no store, started as `cin7-shopify demo` starts one (its styles kept), until its first frame
    and the keeping after it: the screen it shows, as an SVG."""
    from cin7_shopify.state.profiles import ProfileStore
    from cin7_shopify.tui.app import make_app
    from cin7_shopify.workspace import Workspace

    app = make_app(Workspace(ProfileStore(home / "profiles.json")), theme=theme)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        return app.export_screenshot()


async def test_a_second_start_takes_home_s_styles_from_the_first_and_looks_the_same(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a start parsed before home's first frame is kept (the tool's cache folder): the next one parses none
    of it, and shows the same screen. A torn file is parsed again and written anew; a theme keeps its own."""
    from textual.css.stylesheet import Stylesheet

    parsed: list[object] = []
    parse = Stylesheet._parse_rules

    def counted(self: Stylesheet, css: str, read_from: object, *args: object, **kwargs: object) -> object:
        parsed.append(read_from)
        return parse(self, css, read_from, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Stylesheet, "_parse_rules", counted)
    first = await _start_and_look(isolated_home, "cin7-dark")
    assert len(parsed) > 10, "the first start parses every source (console.tcss and the widgets' defaults)"
    (kept,) = (isolated_home / "cache" / "styles").glob("styles-*.pickle")

    parsed.clear()
    assert await _start_and_look(isolated_home, "cin7-dark") == first
    assert parsed == []

    kept.write_bytes(kept.read_bytes()[:100])  # torn mid-write, or from another tool
    assert await _start_and_look(isolated_home, "cin7-dark") == first
    assert len(parsed) > 10
    parsed.clear()
    assert await _start_and_look(isolated_home, "cin7-dark") == first and parsed == []  # written anew

    import pickle  # a file that unpickles to something else (another Textual's rules): parsed, and written anew

    kept.write_bytes(pickle.dumps({key: "not rules" for key in pickle.loads(kept.read_bytes())}))
    assert await _start_and_look(isolated_home, "cin7-dark") == first and len(parsed) > 10
    # Unpickling runs code: a file others could have written is not read, and is replaced by the user's own.
    kept.chmod(0o666)
    parsed.clear()
    assert await _start_and_look(isolated_home, "cin7-dark") == first and len(parsed) > 10
    assert kept.stat().st_mode & 0o777 == 0o600
    stale = kept.with_name("styles-000000000000-0000000000000000.pickle")  # another Textual's: removed
    stale.write_bytes(b"")
    kept.unlink()
    parsed.clear()
    assert await _start_and_look(isolated_home, "cin7-dark") == first and len(parsed) > 10 and not stale.exists()

    light = await _start_and_look(isolated_home, "cin7-light")
    assert light != first and len(parsed) > 10  # the theme's colours are in the parsed rules: none are taken
    assert len(list((isolated_home / "cache" / "styles").glob("styles-*.pickle"))) == 2


async def test_what_changes_in_a_batch_is_painted_when_it_ends(isolated_home: Path) -> None:
    """An update made while the console batches its changes is kept for after the batch (Textual rendered it and
    threw it away); it is painted as the batch ends, not at the next key press."""
    import asyncio
    import re

    from cin7_shopify.state.profiles import ProfileStore
    from cin7_shopify.tui.app import make_app
    from cin7_shopify.workspace import Workspace

    app = make_app(Workspace(ProfileStore(isolated_home / "profiles.json")), theme="cin7-dark")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        painted: list[str] = []
        sent = app._display

        def display(screen: object, update: object) -> None:
            if update is not None and not app._batch_count:
                painted.append(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", update.render_segments(app.console)))  # type: ignore[attr-defined]
            sent(screen, update)  # type: ignore[arg-type]

        app._display = display  # type: ignore[method-assign,assignment]
        app._begin_batch()
        await pilot.resize_terminal(120, 40)
        assert painted == []
        app._end_batch()
        for _ in range(50):  # sleeping, not Pilot's pause: its wait sends the screen messages, and those paint it
            if painted:
                break
            await asyncio.sleep(0.01)
        assert painted and "Go-live checklist" in painted[0]
