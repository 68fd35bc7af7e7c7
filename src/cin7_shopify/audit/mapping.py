"""Location and tax mapping: what the saved maps say, what they miss, and what we would propose.

A proposal is never a mapping: findings are raised against the saved map (the store's settings), and
the proposal is offered as the fix. The sync only ever uses the saved map.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from cin7_shopify.audit.models import (
    Cin7Catalog,
    Cin7LocationRecord,
    Cin7TaxRuleRecord,
    Finding,
    MappingProposal,
    ShopifyCatalog,
    ShopifyLocationRecord,
    TaxLineSeen,
)

_WORDS = re.compile(r"[a-z0-9]+")
# Words that say what kind of place it is rather than which place.
_NOISE = {"the", "store", "shop", "warehouse", "location", "wh", "dc", "and", "of"}
PROPOSE_FROM = 0.5  # below this similarity we propose nothing rather than a guess


def _tokens(name: str) -> set[str]:
    return {word for word in _WORDS.findall(name.lower()) if word not in _NOISE} or set(_WORDS.findall(name.lower()))


def name_similarity(left: str, right: str) -> float:
    """0..1: the better of character similarity and shared words, so "ShipBob 3PL" ~ "3PL - ShipBob"."""
    a, b = left.lower().strip(), right.lower().strip()
    if a == b:
        return 1.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    ta, tb = _tokens(left), _tokens(right)
    overlap = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    return round(max(ratio, overlap), 2)


def usable_cin7_locations(cin7: Cin7Catalog) -> list[Cin7LocationRecord]:
    return [loc for loc in cin7.locations or [] if not loc.is_deprecated]


def propose_locations(shopify: ShopifyCatalog, cin7: Cin7Catalog) -> list[MappingProposal]:
    targets = usable_cin7_locations(cin7)
    proposals = []
    for location in shopify.locations or []:
        if not location.is_active:
            continue
        scored = sorted(((name_similarity(location.name, t.name), t.name) for t in targets), reverse=True)
        if scored and scored[0][0] >= PROPOSE_FROM:
            score, name = scored[0]
            stock = cin7.stock_by_location.get(name)
            held = f"; holds {stock:g} units" if stock else ""
            proposals.append(
                MappingProposal(location.id, location.name, name, score, f"name similarity {score:.0%}{held}")
            )
        else:
            proposals.append(
                MappingProposal(location.id, location.name, None, 0.0, "no Cin7 location has a similar name")
            )
    return proposals


def location_findings(
    shopify: ShopifyCatalog,
    cin7: Cin7Catalog,
    location_map: Mapping[str, str],
    proposals: list[MappingProposal],
    *,
    other_stores: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[Finding], list[str]]:
    """Unmapped active locations, mappings to Cin7 locations that are gone, and shared locations."""
    findings: list[Finding] = []
    notices: list[str] = []
    by_id = {loc.id: loc for loc in shopify.locations or []}
    proposal_for = {p.source: p for p in proposals}
    cin7_by_name = {loc.name: loc for loc in cin7.locations or []}
    for location in shopify.locations or []:
        if not location.is_active or location.id in location_map:
            continue
        proposal = proposal_for.get(location.id)
        fix = (
            f"Map it to Cin7 Core location '{proposal.target}' (proposed, {proposal.confidence:.0%} name match) "
            "and approve the mapping."
            if proposal and proposal.target
            else "Create the location in Cin7 Core, or map it to the Cin7 Core location that holds its stock."
        )
        findings.append(
            Finding(
                "unmapped_location",
                "blocker",
                None,
                {"location_id": location.id, "location": location.name},
                None,
                f"Shopify location '{location.name}' has no Cin7 Core location: its stock is never updated and "
                "orders fulfilled from it cannot be imported.",
                fix,
            )
        )
    for shopify_id, cin7_name in location_map.items():
        target = cin7_by_name.get(cin7_name)
        if target is not None and not target.is_deprecated:
            continue
        shop_location = by_id.get(shopify_id)
        label = shop_location.name if shop_location else shopify_id
        problem = "is deprecated" if target is not None else "does not exist"
        findings.append(
            Finding(
                "unknown_cin7_location",
                "blocker",
                None,
                {"location_id": shopify_id, "location": label},
                {"location": cin7_name, "deprecated": target is not None},
                f"The mapping sends Shopify location '{label}' to Cin7 Core location '{cin7_name}', which {problem}.",
                _remap_fix(proposal_for.get(shopify_id), cin7_name),
            )
        )
    for store, other_map in (other_stores or {}).items():
        shared = sorted(set(location_map.values()) & set(other_map.values()))
        for name in shared:
            notices.append(
                f"Cin7 Core location '{name}' also feeds store '{store}': both stores will show the same stock "
                "and can oversell it between them."
            )
    return findings, notices


def _remap_fix(proposal: MappingProposal | None, current: str) -> str:
    if proposal and proposal.target and proposal.target != current:
        return f"Map it to '{proposal.target}' instead (proposed, {proposal.confidence:.0%} name match)."
    return "Pick an existing, active Cin7 Core location for it, or remove the row if the location is closed."


def propose_taxes(shopify: ShopifyCatalog, cin7: Cin7Catalog) -> list[MappingProposal]:
    rules = [r for r in cin7.tax_rules or [] if r.is_active and r.for_sale]
    proposals = []
    for line in shopify.tax_lines or []:
        same_rate = [r for r in rules if abs(r.percent - line.rate * 100) < 0.001]
        both = [r for r in same_rate if r.inclusive == shopify.taxes_included]
        if both:
            proposals.append(_tax_proposal(line, both, 1.0, "same rate and same inclusive setting"))
        elif same_rate:
            proposals.append(_tax_proposal(line, same_rate, 0.6, "same rate, but the inclusive setting differs"))
        else:
            proposals.append(MappingProposal(line.key, line.key, None, 0.0, "no active sale tax rule has this rate"))
    return proposals


def _tax_proposal(line: TaxLineSeen, rules: list[Cin7TaxRuleRecord], confidence: float, why: str) -> MappingProposal:
    best = max(rules, key=lambda r: (name_similarity(line.title, r.name), r.name))
    return MappingProposal(line.key, line.key, best.name, confidence, why)


def tax_findings(
    shopify: ShopifyCatalog,
    cin7: Cin7Catalog,
    tax_map: Mapping[str, str],
    proposals: list[MappingProposal],
) -> list[Finding]:
    findings: list[Finding] = []
    proposal_for = {p.source: p for p in proposals}
    rules = {r.name: r for r in cin7.tax_rules or []}
    for line in shopify.tax_lines or []:
        mapped = tax_map.get(line.key)
        mapped_rule = rules.get(mapped) if mapped else None
        if mapped_rule is not None and mapped_rule.is_active:
            continue
        proposal = proposal_for.get(line.key)
        fix = (
            f"Map it to Cin7 Core tax rule '{proposal.target}' ({proposal.reason}) and approve the mapping."
            if proposal and proposal.target
            else f"Create a sale tax rule at {line.rate * 100:g}% in Cin7 Core, then map '{line.key}' to it."
        )
        if mapped is None:
            why = "has no Cin7 Core tax rule"
        elif mapped_rule is None:
            why = f"maps to Cin7 Core tax rule '{mapped}', which does not exist"
        else:
            why = f"maps to Cin7 Core tax rule '{mapped}', which is inactive"
        findings.append(
            Finding(
                "unmapped_tax",
                "blocker",
                None,
                {"tax_line": line.key, "title": line.title, "rate": line.rate, "orders": line.orders},
                {"tax_rule": mapped} if mapped else None,
                f"Tax line '{line.key}' appears on {line.orders} Shopify order{'s' if line.orders != 1 else ''} "
                f"but {why}, so those orders cannot be imported.",
                fix,
            )
        )
    for key, rule_name in tax_map.items():
        rule = rules.get(rule_name)
        if rule is None or rule.inclusive == shopify.taxes_included:
            continue
        shop_says = "include tax" if shopify.taxes_included else "exclude tax"
        rule_says = "inclusive" if rule.inclusive else "exclusive"
        findings.append(
            Finding(
                "tax_inclusive_mismatch",
                "warning",
                None,
                {"tax_line": key, "taxes_included": shopify.taxes_included},
                {"tax_rule": rule.name, "tax_inclusive": rule.inclusive, "percent": rule.percent},
                f"Shopify prices {shop_says} but '{key}' maps to Cin7 Core rule '{rule.name}', which is tax "
                f"{rule_says}; sale totals would differ by the tax.",
                f"Make '{rule.name}' tax {'inclusive' if shopify.taxes_included else 'exclusive'} in Cin7 Core "
                "(Settings → Taxation Rules), or map the line to a rule that is.",
            )
        )
    return findings


def shopify_location_label(location: ShopifyLocationRecord) -> str:
    return location.name if location.is_active else f"{location.name} (inactive)"


def approve_proposals(
    location_map: Mapping[str, str],
    tax_map: Mapping[str, str],
    proposals: list[MappingProposal],
    tax_proposals: list[MappingProposal],
    *,
    locations: set[str] | None = None,
    taxes: set[str] | None = None,
    min_confidence: float = 0.0,
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Turn chosen proposals into saved mappings; `None` chooses every proposal with a target.

    Returns the new location map, the new tax map, and one line per change for the person approving.
    """
    new_locations, new_taxes = dict(location_map), dict(tax_map)
    changes: list[str] = []
    for proposal in proposals:
        if proposal.target is None or proposal.confidence < min_confidence:
            continue
        if locations is not None and proposal.source not in locations and proposal.source_label not in locations:
            continue
        if new_locations.get(proposal.source) != proposal.target:
            new_locations[proposal.source] = proposal.target
            changes.append(f"location '{proposal.source_label}' → '{proposal.target}'")
    for proposal in tax_proposals:
        if proposal.target is None or proposal.confidence < min_confidence:
            continue
        if taxes is not None and proposal.source not in taxes:
            continue
        if new_taxes.get(proposal.source) != proposal.target:
            new_taxes[proposal.source] = proposal.target
            changes.append(f"tax line '{proposal.source}' → '{proposal.target}'")
    return new_locations, new_taxes, changes
