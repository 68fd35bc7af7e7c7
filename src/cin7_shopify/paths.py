"""Every place the tool reads or writes on disk, in one module.

`CIN7_SHOPIFY_HOME` moves everything (tests and CI point it at a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cin7-shopify"


def private_folder(folder: Path) -> Path:
    """A folder of the tool's own, readable by the owner only: it holds customer data. Every folder
    this makes on the way is the owner's only too (mkdir's `parents` would leave those world-readable)."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)
    return folder


def config_dir() -> Path:
    override = os.environ.get("CIN7_SHOPIFY_HOME")
    if override:
        return Path(override) / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    override = os.environ.get("CIN7_SHOPIFY_HOME")
    if override:
        return Path(override) / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """What the tool can always make again (the console's parsed styles): deleting it loses nothing."""
    override = os.environ.get("CIN7_SHOPIFY_HOME")
    if override:
        return Path(override) / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def store_dir(store: str) -> Path:
    """A saved store's ledger, journal, snapshots and health file."""
    return data_dir() / "stores" / store


def sandbox_runs_dir() -> Path:
    """Where a sandbox store keeps its ledger and journal while it runs (removed when it closes)."""
    return data_dir() / "sandbox-runs"


def store_locks_dir() -> Path:
    """One lock per real store (Shopify shop and Cin7 account), whatever profile names it."""
    return data_dir() / "locks"


def cin7_budget_dir() -> Path:
    """One file per Cin7 Core account: the calls every process on this machine sent in the last minute."""
    return data_dir() / "cin7-budget"


def log_dir() -> Path:
    """The rotating log, with the traceback of any unexpected error."""
    return data_dir() / "logs"


def _bundled(name: str) -> Path:
    """Folders shipped beside the package: in the wheel, or at the repository root when editable."""
    # The package's own folder, as importlib.resources.files would give it for an installed package (the tool is
    # never imported from a zip); loading importlib.resources (zipfile and its readers) was ~6 ms of the start.
    packaged = Path(__file__).resolve().parent / f"_{name}"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


def sample_data_dir() -> Path:
    return _bundled("sample_data")


def demo_scenario_dir() -> Path:
    return sample_data_dir() / "demo-apparel"


def themes_dir() -> Path:
    return _bundled("themes")
