"""When a store first reached each step towards go-live: what the checklist on home shows as dates.

`<store folder>/milestones.json`, `{step: time first reached}`. Whether a step holds now is worked out
from the store's facts each time (an audit can fall back to NO-GO); the date says when it was first met.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.paths import private_folder
from cin7_shopify.state.storage import write_atomically

MILESTONES_FILE = "milestones.json"


def read_milestones(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MILESTONES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def reach(folder: Path, step: str, *, when: datetime | None = None) -> None:
    """Record the first time `step` was reached (later times leave it as it is)."""
    milestones = read_milestones(folder)
    if step in milestones:
        return
    milestones[step] = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    private_folder(folder)
    write_atomically(folder / MILESTONES_FILE, json.dumps(milestones, indent=1) + "\n")
