"""What the consultant decided about each audit finding, who decided it and when, and where each
accepted fix gets done: in the Shopify fix CSV, as a saved mapping, in Cin7 Core, or by hand in Shopify.

The report meant for the client's sign-off is built from these, so an accepted fix never silently
goes nowhere: one the fix CSV cannot carry says where it is to be done and why.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cin7_shopify.audit.export import KIND_TITLES, report_markdown
from cin7_shopify.audit.models import AuditReport, Finding
from cin7_shopify.audit.skus import has_whitespace_problem
from cin7_shopify.text import md_code, md_text

Choice = Literal["fix", "risk"]
Route = Literal["fix_csv", "mapping", "cin7", "shopify"]

# Where an accepted fix is done, as the report's sections and the console's toast say it.
ROUTE_WORDS: dict[str, str] = {
    "fix_csv": "in the Shopify fix CSV",
    "mapping": "saved to the store's mapping",
    "cin7": "to do in Cin7 Core",
    "shopify": "to do by hand in Shopify",
}
MAPPING_KINDS = {"unmapped_location", "unknown_cin7_location", "unmapped_tax"}
# Fixed on the Cin7 Core side: the fix CSV (a Shopify product import) cannot reach them.
CIN7_KINDS = {"only_in_shopify", "deprecated_in_cin7", "missing_tax_rule", "missing_service_product"}


@dataclass(frozen=True)
class Decision:
    choice: Choice
    by: str | None = None  # None: recorded before names were kept
    at: str | None = None  # ISO time in UTC

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.choice, "by": self.by, "at": self.at}

    @classmethod
    def from_json(cls, value: object) -> Decision | None:
        """A stored decision: {"decision", "by", "at"}, or the bare "fix"/"risk" of older files."""
        if isinstance(value, str):
            return cls(value) if value in ("fix", "risk") else None  # type: ignore[arg-type]
        if isinstance(value, dict) and value.get("decision") in ("fix", "risk"):
            by, at = value.get("by"), value.get("at")
            return cls(value["decision"], str(by) if by else None, str(at) if at else None)
        return None


def carried_over(decisions: dict[str, Decision]) -> dict[str, Decision]:
    """Decisions under the keys findings have now. A shared SKU was once one finding per variant
    (`duplicate_sku|SKU|<variant>`) and is now one per SKU (`duplicate_sku|SKU|`): a decision made
    then still holds, rather than silently dropping out of the sign-off report."""
    current: dict[str, Decision] = {}
    for key, decision in decisions.items():
        kind, _, rest = key.partition("|")
        sku, _, subject = rest.rpartition("|")
        if kind == "duplicate_sku" and subject:
            current.setdefault(f"duplicate_sku|{sku}|", decision)
        else:
            current[key] = decision
    return current


def consultant_name(setting: str | None) -> str:
    """Who is deciding: the store's `consultant` setting, else the account signed in to this computer."""
    if setting and setting.strip():
        return setting.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers): say so rather than guess
        return "unknown user"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fix_route(finding: Finding) -> tuple[Route, str]:
    """Where this finding's fix is done once accepted, and, when not in the fix CSV, why not."""
    if finding.kind == "sku_case_mismatch" and finding.shopify:
        return "fix_csv", ""
    if finding.kind == "sku_whitespace":
        sku = (finding.shopify or {}).get("sku")
        if isinstance(sku, str) and has_whitespace_problem(sku):
            return "fix_csv", ""
        return "cin7", "the stray spaces are in the Cin7 Core SKU, and the fix CSV only changes Shopify SKUs"
    if finding.kind in MAPPING_KINDS:
        return "mapping", ""
    if finding.kind in CIN7_KINDS:
        return "cin7", "it is made in Cin7 Core, and the fix CSV only changes Shopify SKUs"
    if finding.kind == "duplicate_sku":
        return "shopify", (
            "the other listings need a SKU Cin7 Core has, or archiving, and neither is the fix CSV's to choose"
        )
    return "shopify", "the fix CSV only changes SKUs, and this is not a SKU the audit could correct without doubt"


def decisions_markdown(report: AuditReport, decisions: dict[str, Decision], zone: ZoneInfo | None) -> str:
    """The sign-off sections: accepted fixes (where each is done), Cin7 Core's and Shopify's to-do
    lists, and accepted risks, each with who accepted it and when in the shop's time zone."""
    decided = [(f, decisions[f.key]) for f in report.findings if f.key in decisions]
    if not decided:
        return ""
    fixes = [(f, d) for f, d in decided if d.choice == "fix"]
    risks = [(f, d) for f, d in decided if d.choice == "risk"]
    lines = ["", "## Decisions", "", f"Times in {zone_name(zone)}."]
    if fixes:
        lines += ["", "### Accepted fixes", "", "| Finding | SKU | Fix | Where | Accepted by | When |"]
        lines.append("|---|---|---|---|---|---|")
        for finding, decision in fixes:
            route, _ = fix_route(finding)
            lines.append(f"{_row(finding, finding.fix)} {ROUTE_WORDS[route]} | {_who_when(decision, zone)}")
        for route, title in (("cin7", "To do in Cin7 Core"), ("shopify", "To do by hand in Shopify")):
            todo = [(f, fix_route(f)[1]) for f, _ in fixes if fix_route(f)[0] == route]
            if todo:
                lines += ["", f"### {title}", ""]
                lines += [f"- {_sku(f)}: {md_text(f.fix)} (not in the fix CSV: {md_text(why)}.)" for f, why in todo]
    if risks:
        lines += ["", "### Accepted risks", "", "| Finding | SKU | What stays wrong | Accepted by | When |"]
        lines.append("|---|---|---|---|---|")
        for finding, decision in risks:
            lines.append(f"{_row(finding, finding.message)} {_who_when(decision, zone)}")
    return "\n".join(lines) + "\n"


def decisions_json(report: AuditReport, decisions: dict[str, Decision]) -> list[dict[str, Any]]:
    """Per decided finding of this report: the decision, where an accepted fix is done, who and when (UTC)."""
    rows = []
    for finding in report.findings:
        decision = decisions.get(finding.key)
        if decision is None:
            continue
        route, why = fix_route(finding)
        rows.append(
            {
                "kind": finding.kind,
                "sku": finding.sku,
                "decision": decision.choice,
                "done": (route if decision.choice == "fix" else None),
                "not_in_fix_csv_because": (why or None) if decision.choice == "fix" else None,
                "by": decision.by,
                "at": decision.at,
            }
        )
    return rows


def signoff_markdown(report: AuditReport, decisions: dict[str, Decision], timezone: str) -> str:
    """The audit report for the client's sign-off: the findings, then every decision with who and when."""
    return report_markdown(report) + decisions_markdown(report, decisions, shop_zone(timezone))


def shop_zone(name: str) -> ZoneInfo | None:
    """The shop's IANA zone (Shopify `shop.ianaTimezone`); None when unknown, so times stay in UTC."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(zone: ZoneInfo | None) -> str:
    """ "Australia/Sydney", or "UTC" when the shop's zone is not known."""
    return zone.key if zone is not None else "UTC"


def local_stamp(at: str | None, zone: ZoneInfo | None) -> str:
    """An ISO time (UTC) as "2026-11-28 14:05 AEDT" in the shop's zone."""
    if not at:
        return "—"
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone or UTC)
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {moment.tzname()}"


def _row(finding: Finding, text: str) -> str:
    return f"| {md_text(KIND_TITLES.get(finding.kind, finding.kind))} | {_sku(finding)} | {md_text(text)} |"


def _sku(finding: Finding) -> str:
    return md_code(finding.sku) if finding.sku is not None else "—"


def _who_when(decision: Decision, zone: ZoneInfo | None) -> str:
    who = md_text(decision.by) if decision.by else "not recorded (decided before names were kept)"
    return f"{who} | {local_stamp(decision.at, zone)} |"
