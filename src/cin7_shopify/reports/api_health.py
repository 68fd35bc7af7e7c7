"""A store's API health: will the APIs it depends on keep answering as the sync expects?

Four checks: the pinned Shopify version against its support window (past it: a blocker), the
operations Shopify answered with a deprecation header, the access scopes granted against those the
sync needs, and Cin7 Core answers that do not match our models. The last three come from what the
sync recorded in the store's api-health.json (and the latest scope check).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from cin7_shopify.reports.versions import VersionWindow, version_window
from cin7_shopify.state.api_health import ApiAnswers, Cin7Fields, Deprecation, read_api_answers
from cin7_shopify.state.profiles import StoreProfile


class StoreWithFolder(Protocol):
    """What the health check reads of a store (a `StoreSession` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def profile(self) -> StoreProfile: ...

    @property
    def folder(self) -> Path: ...


@dataclass
class ScopeRow:
    scope: str
    needed_for: str
    granted: bool


@dataclass
class Finding:
    severity: str  # "blocker" | "warning" | "info"
    message: str
    fix: str = ""


@dataclass
class ApiHealth:
    store: str
    version: VersionWindow
    deprecations: list[Deprecation] = field(default_factory=list)  # seen on the pinned version
    scopes: list[ScopeRow] | None = None  # None: never checked
    scopes_checked: str = ""
    cin7_fields: list[Cin7Fields] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(f.severity == "blocker" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "verdict": self.verdict,
            "api_version": self.version.to_json(),
            "deprecations": [asdict(d) for d in self.deprecations],
            "scopes": [asdict(s) for s in self.scopes] if self.scopes is not None else None,
            "scopes_checked": self.scopes_checked or None,
            "cin7_fields": [asdict(c) for c in self.cin7_fields],
            "findings": [asdict(f) for f in self.findings],
        }

    @property
    def verdict(self) -> str:
        if self.blocking:
            return "blocker"
        return "warning" if any(f.severity == "warning" for f in self.findings) else "ok"


def build_api_health(
    store: str,
    api_version: str,
    answers: ApiAnswers,
    *,
    needed_scopes: Mapping[str, str],
    today: date,
) -> ApiHealth:
    """The report from what was recorded; `needed_scopes`: scope → what the sync uses it for."""
    health = ApiHealth(store, version_window(api_version, today))
    if health.version.verdict != "ok":
        health.findings.append(Finding(health.version.severity, health.version.explain(), health.version.fix))
    health.deprecations = [d for d in answers.deprecations if d.api_version == api_version]
    for d in health.deprecations:
        health.findings.append(
            Finding(
                "warning",
                f"Operation {d.operation} uses what Shopify deprecated in {api_version}: {d.reason.rstrip('.')}.",
                "Tell the tool's maintainers: the query must change before the field is removed.",
            )
        )
    if answers.scopes is not None:
        granted = set(answers.scopes.granted)
        health.scopes = [ScopeRow(s, why, s in granted) for s, why in needed_scopes.items()]
        health.scopes_checked = answers.scopes.checked
        for row in health.scopes:
            if not row.granted:
                health.findings.append(
                    Finding(
                        "blocker",
                        f"Scope {row.scope} is not granted: the sync cannot {row.needed_for}.",
                        "Add the scope to the app's configuration in Shopify and approve it on the store.",
                    )
                )
    health.cin7_fields = answers.cin7_fields
    for c in answers.cin7_fields:
        # Cin7 Core sends more than the sync models; unknown fields are kept on a round trip, so they are
        # worth knowing (a new one may be a change coming), not a problem in themselves.
        if c.unknown:
            health.findings.append(
                Finding(
                    "info",
                    f"Cin7 Core's {c.endpoint} sent fields our models do not know: {', '.join(c.unknown)}.",
                    "Kept as they came; tell the tool's maintainers if one of them matters to the sync.",
                )
            )
        if c.missing:
            health.findings.append(
                Finding(
                    "info",
                    f"Cin7 Core's {c.endpoint} did not send: {', '.join(c.missing)} (read as not set).",
                )
            )
    return health


def store_api_health(
    store: StoreWithFolder, *, needed_scopes: Mapping[str, str], today: date | None = None
) -> ApiHealth:
    """From the store's recorded answers only: no call to either API."""
    return build_api_health(
        store.name,
        store.profile.api_version,
        read_api_answers(store.folder),
        needed_scopes=needed_scopes,
        today=today or datetime.now(UTC).date(),
    )


def api_health_summary(store: StoreWithFolder, *, today: date | None = None) -> str:
    """One line for the console's home screen, e.g. "API 2026-10 · until 2027-10-01 · 1 deprecated call"."""
    health = store_api_health(store, needed_scopes={}, today=today)
    version = health.version
    parts = [f"API {version.version}"]
    if version.verdict == "past":
        parts.append(f"out of support since {version.supported_until}")
    elif version.supported_until:
        parts.append(f"until {version.supported_until}")
    if health.deprecations:
        count = len({d.operation for d in health.deprecations})
        parts.append(f"{count} deprecated call{'s' if count != 1 else ''}")
    answers = read_api_answers(store.folder)
    if answers.scopes is not None and answers.scopes.missing:
        parts.append(f"{len(answers.scopes.missing)} scope(s) missing")
    # Fields Cin7 sends beyond our models are kept and are the maintainers' news, not the consultant's:
    # `health` lists them; the badge shows only what needs acting on.
    return " · ".join(parts)


def health_text(health: ApiHealth) -> str:
    mark = {"blocker": "BLOCKER", "warning": "warning", "info": "info"}
    lines = [f"API health of {health.store}: {health.verdict}", ""]
    lines.append(f"Shopify API version  {health.version.explain()}")
    if health.scopes is None:
        lines.append("Scopes               not checked yet")
    else:
        lines.append(f"Scopes (checked {health.scopes_checked})")
        lines += [f"  {'ok     ' if s.granted else 'MISSING'} {s.scope:<44} {s.needed_for}" for s in health.scopes]
    if health.deprecations:
        lines.append("Deprecated in this version")
        lines += [f"  {d.operation}: {d.reason} (last seen {d.last_seen})" for d in health.deprecations]
    else:
        lines.append("Deprecated in this version  none seen")
    drift = [c for c in health.cin7_fields if c.unknown or c.missing]
    lines.append("Cin7 Core answers" + ("" if drift else "    match our models"))
    for c in drift:
        if c.unknown:
            lines.append(f"  {c.endpoint}: unknown {', '.join(c.unknown)}")
        if c.missing:
            lines.append(f"  {c.endpoint}: not sent {', '.join(c.missing)}")
    problems = [f for f in health.findings if f.severity != "info"]
    if problems:
        lines += ["", *(f"{mark[f.severity]}: {f.message}" + (f" Fix: {f.fix}" if f.fix else "") for f in problems)]
    return "\n".join(lines) + "\n"
