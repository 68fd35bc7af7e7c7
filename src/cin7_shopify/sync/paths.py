"""Where a store's sync keeps its files (under the user's data folder)."""

from __future__ import annotations

from pathlib import Path

from cin7_shopify.paths import data_dir


def store_dir(store: str) -> Path:
    return data_dir() / "stores" / store


def ledger_path(store: str) -> Path:
    return store_dir(store) / "ledger.jsonl"


def journal_path(store: str) -> Path:
    return store_dir(store) / "errors.jsonl"


def snapshots_dir(store: str) -> Path:
    return store_dir(store) / "snapshots"
