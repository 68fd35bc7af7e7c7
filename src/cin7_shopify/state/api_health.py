"""A store's API health file: what the two APIs said about our use of them, kept between runs.

`<store folder>/api-health.json`, merged and rewritten atomically after each sync pass (and by the
`health` command): Shopify operations answered with `X-Shopify-API-Deprecated-Reason` (per API
version, with when they were first and last seen), the field names Cin7 Core sent that our models do
not know or that it stopped sending (names only, never values), and the last scope check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cin7_shopify.cin7.drift import ModelDrift
from cin7_shopify.paths import private_folder
from cin7_shopify.state.storage import write_atomically

API_HEALTH_FILE = "api-health.json"


@dataclass
class Deprecation:
    operation: str
    reason: str
    api_version: str
    first_seen: str
    last_seen: str


@dataclass
class Cin7Fields:
    endpoint: str
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # modelled fields none of the last run's records carried
    last_seen: str = ""


@dataclass
class ScopeCheck:
    granted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    checked: str = ""


@dataclass
class ApiAnswers:
    deprecations: list[Deprecation] = field(default_factory=list)
    cin7_fields: list[Cin7Fields] = field(default_factory=list)
    scopes: ScopeCheck | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_api_answers(folder: Path) -> ApiAnswers:
    """What was recorded, or nothing (never synced here, or the file is unreadable)."""
    try:
        data = json.loads((folder / API_HEALTH_FILE).read_text(encoding="utf-8"))
        return ApiAnswers(
            deprecations=[Deprecation(**d) for d in data.get("deprecations") or []],
            cin7_fields=[Cin7Fields(**c) for c in data.get("cin7_fields") or []],
            scopes=ScopeCheck(**data["scopes"]) if data.get("scopes") else None,
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return ApiAnswers()


def record_api_answers(
    folder: Path,
    *,
    api_version: str,
    deprecations: Sequence[tuple[str, str]] = (),
    drift: ModelDrift | None = None,
    scopes: ScopeCheck | None = None,
) -> ApiAnswers:
    """Merge one run's answers into the file; returns what it now holds."""
    answers = read_api_answers(folder)
    now = _stamp()
    known = {(d.operation, d.reason, d.api_version): d for d in answers.deprecations}
    for operation, reason in deprecations:
        entry = known.get((operation, reason, api_version))
        if entry is None:
            known[(operation, reason, api_version)] = Deprecation(operation, reason, api_version, now, now)
        else:
            entry.last_seen = now
    answers.deprecations = sorted(known.values(), key=lambda d: (d.api_version, d.operation))
    if drift is not None:
        fields = {c.endpoint: c for c in answers.cin7_fields}
        for endpoint, found in drift.endpoints.items():  # an endpoint read this run: its answer as it is now
            fields[endpoint] = Cin7Fields(endpoint, sorted(found.unknown), sorted(found.missing), now)
        answers.cin7_fields = sorted(fields.values(), key=lambda c: c.endpoint)
    if scopes is not None:
        answers.scopes = scopes
    if deprecations or drift is not None or scopes is not None:
        private_folder(folder)
        write_atomically(folder / API_HEALTH_FILE, json.dumps(answers.to_json(), indent=1) + "\n")
    return answers
