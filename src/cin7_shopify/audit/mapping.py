"""Location and tax mapping: what the saved maps say, what they miss, and what we would propose.

A proposal is never a mapping: findings are raised against the saved map (the store's settings), and
the proposal is offered as the fix. The sync only ever uses the saved map.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import lru_cache

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


# Kept: an audit scores every active Shopify location against every Cin7 location (and each tax line against every
# rule), and the console runs it again for each screen and each mapping change with the same names; difflib is
# quadratic in a name's length, and Cin7 and Shopify hold names far longer than their forms allow (a hostile
# merchant's 10 kB names: 0.1-0.2 s an audit).
@lru_cache(maxsize=4096)
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
    location_split: Mapping[str, Mapping[str, int]] | None = None,
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
    findings += shared_location_findings(shopify, location_map, location_split or {}, other_stores or {})
    return findings, notices


def shared_location_findings(
    shopify: ShopifyCatalog,
    location_map: Mapping[str, str],
    location_split: Mapping[str, Mapping[str, int]],
    other_stores: Mapping[str, Mapping[str, str]],
) -> list[Finding]:
    """One Cin7 Core location feeding two Shopify locations would give each its full stock.

    Within the store the push gives the stock to the first of them (or shares it as location_split
    says), so the finding is a warning about the others; across stores each store's push gives its
    own location the full stock, which the sync cannot prevent: also a warning, as sharing a
    warehouse between two shops can be a choice, but one the consultant must make knowingly.
    """
    findings: list[Finding] = []
    active = {loc.id: loc for loc in shopify.locations or [] if loc.is_active}
    sharing: dict[str, list[str]] = {}
    for location_id, cin7_name in location_map.items():
        if location_id in active:
            sharing.setdefault(cin7_name, []).append(location_id)
    for cin7_name, ids in sharing.items():
        split = location_split.get(cin7_name) or {}
        if len(ids) < 2 or set(ids) <= set(split):
            continue
        names = [active[i].name for i in ids]
        shown = ", ".join(f"'{n}'" for n in names[:-1]) + f" and '{names[-1]}'"
        verb = "both map" if len(names) == 2 else "all map"
        findings.append(
            Finding(
                "shared_cin7_location",
                "warning",
                None,
                {"location_id": ",".join(ids), "locations": names},
                {"location": cin7_name},
                f"Shopify locations {shown} {verb} to Cin7 Core location '{cin7_name}', so each would be given "
                f"its full stock. The stock push gives it to '{names[0]}' only (first in the mapping) and leaves "
                f"{', '.join(repr(n) for n in names[1:])} as Shopify has it.",
                "Map each Shopify location to its own Cin7 Core location, or share the stock with the "
                f'location_split setting, e.g. {{"{cin7_name}": {{"{ids[0]}": 70, "{ids[1]}": 30}}}}.',
            )
        )
    mine = {cin7_name: ids for cin7_name, ids in sharing.items()}
    for store, other_map in other_stores.items():
        for cin7_name in sorted(set(mine) & set(other_map.values())):
            names = [active[i].name for i in mine[cin7_name]]
            findings.append(
                Finding(
                    "shared_cin7_location",
                    "warning",
                    None,
                    {"location_id": f"{','.join(mine[cin7_name])}|{store}", "locations": names, "other_store": store},
                    {"location": cin7_name},
                    f"Cin7 Core location '{cin7_name}' also feeds store '{store}': both stores are given its full "
                    "stock and can oversell it between them.",
                    f"Give each store its own Cin7 Core location, or keep a safety buffer on both stores if sharing "
                    f"'{cin7_name}' is intended.",
                )
            )
    return findings


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
        same_rate = mapped_rule is not None and abs(mapped_rule.percent - line.rate * 100) < 0.001
        if mapped_rule is not None and mapped_rule.is_active and same_rate:
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
        elif not mapped_rule.is_active:
            why = f"maps to Cin7 Core tax rule '{mapped}', which is inactive"
        else:  # a rule at another rate: the sale's tax would not be what the customer was charged
            why = (
                f"maps to Cin7 Core tax rule '{mapped}' at {mapped_rule.percent:g}%, not {line.rate * 100:g}% (the "
                "sale would not total what the customer paid)"
            )
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
