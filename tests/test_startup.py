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
