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


def test_the_console_reaches_its_first_paint_without_the_sandboxes(tmp_path: Path) -> None:
    """What `make demo` does before the app runs: the demo store is listed, its sandboxes not started."""
    loaded, _ = loaded_after(
        "from cin7_shopify.sandbox.store import sandbox_workspace\n"
        "from cin7_shopify.tui.app import make_app\n"
        "from cin7_shopify.tui.screens.home import HomeScreen\n"
        "workspace, store = sandbox_workspace()\n"
        "assert [s.name for s in workspace.stores()] == ['demo-apparel']\n"
        "make_app(workspace)",
        tmp_path,
    )
    assert loaded == []


async def test_the_bundled_demo_starts_its_sandboxes_when_first_used(tmp_path: Path) -> None:
    from cin7_shopify.paths import demo_scenario_dir
    from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT as SERVED_ACCOUNT
    from cin7_shopify.sandbox.scenario import load_scenario
    from cin7_shopify.sandbox.store import SANDBOX_CIN7_ACCOUNT, SandboxStore

    store = SandboxStore.bundled_demo()
    loaded = SandboxStore(scenario=load_scenario(demo_scenario_dir()))
    try:
        assert store.profile == loaded.profile and store.title == loaded.title == "Demo Apparel"
        assert SANDBOX_CIN7_ACCOUNT == SERVED_ACCOUNT
        cin7, shopify = store.open_clients()
        async with cin7, shopify:
            assert (await shopify.shop_info()).name == "Demo Apparel"
    finally:
        store.close()
        loaded.close()
