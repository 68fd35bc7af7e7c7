"""The pinned Shopify API version against its support window.

Shopify releases a version each quarter (01, 04, 07, 10) and supports each for 12 months from its
release: 2026-10 until 2027-10-01. A request for a version past its window is not refused: Shopify
"falls forward" to the oldest version still supported (https://shopify.dev/docs/api/usage/versioning),
so a pinned store keeps running on an API it was never tested against. Hence a blocker, and a
warning in the last three months.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

SUPPORT_MONTHS = 12
WARN_DAYS = 92  # "inside its last 3 months"
_VERSION = re.compile(r"^(\d{4})-(01|04|07|10)$")

Verdict = Literal["ok", "ending", "past", "unstable"]


@dataclass
class VersionWindow:
    version: str
    released: str | None
    supported_until: str | None  # the first day it is no longer served
    falls_forward_to: str | None  # the version Shopify serves instead from that day
    days_left: int | None
    verdict: Verdict

    @property
    def severity(self) -> str:
        return {"ok": "ok", "ending": "warning", "past": "blocker", "unstable": "warning"}[self.verdict]

    def explain(self) -> str:
        if self.verdict == "unstable":
            return "API version 'unstable' has no support window and can change without notice; pin a stable version."
        if self.verdict == "past":
            return (
                f"API version {self.version} left its support window on {self.supported_until}: Shopify now "
                f"answers with {self.falls_forward_to} instead, a version this store's sync was not tested on."
            )
        when = f"supported until {self.supported_until} ({self.days_left} days left)"
        if self.verdict == "ending":
            return f"API version {self.version} is {when}; then Shopify falls forward to {self.falls_forward_to}."
        return f"API version {self.version} is {when}."

    @property
    def fix(self) -> str:
        if self.verdict == "ok":
            return ""
        return (
            "Test the sync on a newer version in a development store, then pin it with "
            "`cin7-shopify store set NAME api_version=YYYY-MM`."
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "severity": self.severity, "message": self.explain()}


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def version_window(version: str, today: date) -> VersionWindow:
    """Where `version` stands on `today` (pass the date in: tests must not depend on the real one)."""
    found = _VERSION.match(version)
    if not found:
        return VersionWindow(version, None, None, None, None, "unstable")
    year, month = int(found.group(1)), int(found.group(2))
    end = date(*_add_months(year, month, SUPPORT_MONTHS), 1)
    days_left = (end - today).days
    verdict: Verdict = "past" if days_left <= 0 else "ending" if days_left <= WARN_DAYS else "ok"
    # Shopify falls forward to the oldest version it still supports: the next one when this one ends,
    # and for a version long past, the oldest whose window holds today.
    forward = _oldest_supported(today) if verdict == "past" else "{:04d}-{:02d}".format(*_add_months(year, month, 3))
    return VersionWindow(version, f"{year:04d}-{month:02d}-01", end.isoformat(), forward, days_left, verdict)


def _oldest_supported(today: date) -> str:
    year, month = _add_months(today.year, (today.month - 1) // 3 * 3 + 1, -SUPPORT_MONTHS)
    while date(*_add_months(year, month, SUPPORT_MONTHS), 1) <= today:
        year, month = _add_months(year, month, 3)
    return f"{year:04d}-{month:02d}"
