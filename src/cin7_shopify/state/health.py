"""A store's health file: what a running sync last did, for a monitor (or the console) to read.

`<store folder>/health.json`, rewritten atomically after every pass: when the last pass started
and ended, whether it went through, the last error, how many orders are held, and the process.
A monitor alerts when `last_pass_end` is older than a few poll intervals or `last_pass_ok` is false.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.paths import private_folder
from cin7_shopify.state.storage import write_atomically

HEALTH_FILE = "health.json"


@dataclass
class StoreHealth:
    store: str
    last_pass_start: str
    last_pass_end: str
    last_pass_ok: bool
    held: int
    imported: int
    last_error: str | None = None
    last_error_time: str | None = None
    last_stock_push: str | None = None
    next_pass: str | None = None
    pid: int = 0

    def age_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the last pass ended (a monitor's staleness check)."""
        try:
            end = datetime.fromisoformat(self.last_pass_end.replace("Z", "+00:00"))
        except ValueError:
            return float("inf")
        return ((now or datetime.now(UTC)) - end).total_seconds()


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_health(folder: Path, health: StoreHealth) -> None:
    private_folder(folder)
    health.pid = os.getpid()
    write_atomically(folder / HEALTH_FILE, json.dumps(asdict(health), indent=1) + "\n")


def read_health(folder: Path) -> StoreHealth | None:
    """The last health written, or None (no sync has run here, or the file is unreadable)."""
    try:
        data = json.loads((folder / HEALTH_FILE).read_text(encoding="utf-8"))
        return StoreHealth(**data)
    except (OSError, ValueError, TypeError):
        return None
