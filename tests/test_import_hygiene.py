"""The core never imports Textual: the CLI and the console share it (STYLE.md)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import cin7_shopify


def core_modules() -> list[str]:
    return [
        module.name
        for module in pkgutil.walk_packages(cin7_shopify.__path__, prefix="cin7_shopify.")
        if not module.name.startswith("cin7_shopify.tui") and not module.name.endswith("__main__")
    ]


def test_no_core_module_loads_textual() -> None:
    modules = core_modules()
    assert "cin7_shopify.cin7.client" in modules and "cin7_shopify.sandbox.shopify_server" in modules
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "a core module imported textual"
