"""The SKU diff: which Shopify variant is which Cin7 product, and everything that stops them matching.

Exact matches first; a SKU that matches only once case or whitespace is ignored is a near-match and
is reported as such (sku_case_mismatch / sku_whitespace), never as two missing products. Pure
functions over the catalogue models; one pass over each side, so 100,000 variants take about a second.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from cin7_shopify.audit.models import (
    Cin7Catalog,
    Cin7FamilyRecord,
    Cin7ProductRecord,
    Finding,
    Severity,
    ShopifyCatalog,
    ShopifyVariantRecord,
)

_SPACES = re.compile(r"\s+")
_NO_OPTIONS = ("Default Title",)  # a product without options has one variant of this title


def squeeze(sku: str) -> str:
    """The SKU without leading, trailing or doubled inner whitespace."""
    stripped = sku.strip()
    # Most SKUs have nothing to squeeze: whitespace other than a single ASCII space is not printable.
    if "  " not in stripped and stripped.isprintable():
        return stripped
    return _SPACES.sub(" ", stripped)


def normalise(sku: str) -> str:
    """The key two SKUs share when they differ only by case or whitespace."""
    return squeeze(sku).casefold()


def has_whitespace_problem(sku: str) -> bool:
    return sku != squeeze(sku)


def is_blank(sku: str | None) -> bool:
    return not sku or sku.isspace()


@dataclass
class SkuMatch:
    """How the two catalogues line up: exact pairs, near pairs, and what is left on each side."""

    exact: dict[str, Cin7ProductRecord] = field(default_factory=dict)  # Shopify variant id → product
    near: dict[str, Cin7ProductRecord] = field(default_factory=dict)  # Shopify variant id → product
    near_variants: list[ShopifyVariantRecord] = field(default_factory=list)  # the variants of `near`, in order
    unmatched_variants: list[ShopifyVariantRecord] = field(default_factory=list)
    unmatched_products: list[Cin7ProductRecord] = field(default_factory=list)

    def product_for(self, variant_id: str) -> Cin7ProductRecord | None:
        found = self.exact.get(variant_id)
        return found if found is not None else self.near.get(variant_id)


def match_skus(shopify: ShopifyCatalog, cin7: Cin7Catalog) -> SkuMatch:
    by_sku = {p.sku: p for p in cin7.products}
    result = SkuMatch()
    exact = result.exact
    used: set[str] = set()
    inexact: list[ShopifyVariantRecord] = []
    for variant in shopify.variants:
        sku = variant.sku
        if not sku or sku.isspace():  # is_blank, inline: this loop runs once a variant
            continue
        product = by_sku.get(sku)
        if product is not None:
            exact[variant.id] = product
            used.add(sku)
        else:
            inexact.append(variant)
    # Only the few SKUs without an exact match are looked up by case and whitespace ignored: only the
    # Cin7 products that share one of their keys are kept by key.
    wanted = {normalise(v.sku) for v in inexact if v.sku}
    by_key: dict[str, list[Cin7ProductRecord]] = defaultdict(list)
    if wanted:
        for product in cin7.products:
            key = normalise(product.sku)
            if key in wanted:
                by_key[key].append(product)
    for variant in inexact:
        assert variant.sku is not None
        candidates = by_key.get(normalise(variant.sku))
        if candidates:
            # Prefer an active product when several differ only by case.
            best = sorted(candidates, key=lambda p: (not p.is_active, p.sku))[0]
            result.near[variant.id] = best
            result.near_variants.append(variant)
            used.add(best.sku)
        else:
            result.unmatched_variants.append(variant)
    result.unmatched_products = [p for p in cin7.products if p.sku not in used]
    return result


def sku_findings(shopify: ShopifyCatalog, cin7: Cin7Catalog, *, unknown_sku: str = "hold") -> list[Finding]:
    """Every SKU-level finding kind of SCENARIO.md, in a stable order."""
    match = match_skus(shopify, cin7)
    findings: list[Finding] = []
    findings += _missing(shopify)
    findings += _duplicates(shopify, cin7)
    findings += _near_matches(shopify, cin7, match)
    findings += _only_in_shopify(match, unknown_sku)
    findings += _only_in_cin7(match)
    findings += _matched_variant_findings(shopify, match)
    findings += variant_set_findings(shopify, cin7, match)
    return findings


def _missing(shopify: ShopifyCatalog) -> list[Finding]:
    return [
        Finding(
            "missing_sku",
            "blocker",
            None,
            v.describe(),
            None,
            f"{_variant_label(v)} has no SKU, so its orders cannot be matched to a Cin7 Core product.",
            "Give the variant the SKU of its Cin7 Core product in Shopify (Products → variant → SKU).",
        )
        for v in shopify.variants
        if not v.sku or v.sku.isspace()  # is_blank, inline
    ]


def _duplicates(shopify: ShopifyCatalog, cin7: Cin7Catalog) -> list[Finding]:
    """One finding per shared SKU, listing every variant on it, with the genuine one kept.

    The genuine variant is the one Cin7 Core's product of that SKU describes (its family's title and
    option values, or its name); failing that, the one listed first in Shopify (the lowest variant id,
    as Shopify numbers them in the order they were made). Only the others are to be renamed.
    """
    first: dict[str, ShopifyVariantRecord] = {}
    shared: dict[str, list[ShopifyVariantRecord]] = {}  # a list only for a SKU seen twice
    for variant in shopify.variants:
        sku = variant.sku
        if not sku or sku.isspace():
            continue
        earlier = first.setdefault(sku, variant)
        if earlier is not variant:
            shared.setdefault(sku, [earlier]).append(variant)
    if not shared:
        return []
    duplicated = {sku: shared[sku] for sku in first if sku in shared}  # in the order first seen
    products = {p.sku: p for p in cin7.products if p.sku in duplicated}
    members: dict[str, tuple[Cin7FamilyRecord, tuple[str, ...]]] = {}
    for family in cin7.families:
        for sku, values in family.members:
            if sku in duplicated:
                members[sku] = (family, values)
    findings = []
    for sku, variants in duplicated.items():
        product = products.get(sku)
        kept, why = genuine_variant(variants, product, members.get(sku))
        others = [v for v in variants if v.id != kept.id]
        renamed = ", ".join(_variant_label(v) for v in others)
        whom = f"each of {renamed}" if len(others) > 1 else renamed
        findings.append(
            Finding(
                "duplicate_sku",
                "blocker",
                sku,
                {
                    "variants": [{**v.describe(), "keep": v.id == kept.id} for v in variants],
                    "kept": _variant_label(kept),
                    "kept_because": why,
                },
                product.describe() if product else None,
                f"SKU {sku} is used by {len(variants)} Shopify variants "
                f"({', '.join(_variant_label(v) for v in variants)}); Cin7 Core needs one product per SKU, so "
                f"stock and orders would be mixed up. Keep it on {_variant_label(kept)}: {why}.",
                f"Keep {sku} on {_variant_label(kept)}; give {whom} its own SKU (one Cin7 Core has: create it "
                f"there first) or archive {'them' if len(others) > 1 else 'it'}.",
            )
        )
    return findings


def genuine_variant(
    variants: list[ShopifyVariantRecord],
    product: Cin7ProductRecord | None,
    member: tuple[Cin7FamilyRecord, tuple[str, ...]] | None,
) -> tuple[ShopifyVariantRecord, str]:
    """The variant a shared SKU belongs to, and why in the merchant's words."""

    def plain(text: str) -> str:
        return " ".join(text.replace("–", "-").replace("—", "-").casefold().split())

    def score(variant: ShopifyVariantRecord) -> int:
        if product is None:
            return 0
        points = 0
        if member is not None:
            family, values = member
            if variant.has_options and tuple(plain(v) for v in variant.option_values) == tuple(
                plain(v) for v in values
            ):
                points += 2
            if plain(variant.product_title) == plain(family.name):
                points += 1
        name = plain(product.name)
        label = plain(
            f"{variant.product_title} - {' / '.join(variant.option_values)}"
            if variant.has_options
            else variant.product_title
        )
        if label == name:
            points += 3
        elif plain(variant.product_title) == name:
            points += 1
        return points

    scores = {v.id: score(v) for v in variants}
    best = max(scores.values())
    oldest = sorted(variants, key=lambda v: _creation_order(v.id))
    if best > 0 and sum(1 for s in scores.values() if s == best) == 1:
        kept = next(v for v in variants if scores[v.id] == best)
        assert product is not None
        return kept, f"its title and options match Cin7 Core's {product.sku} ({product.name})"
    tied = [v for v in oldest if scores[v.id] == best]
    kept = tied[0]
    if product is None:
        return kept, "no Cin7 Core product has this SKU, so the listing made first in Shopify keeps it"
    return kept, (
        f"none of them matches Cin7 Core's {product.sku} ({product.name}) better than the others, so the "
        "listing made first in Shopify keeps it"
    )


def _creation_order(variant_id: str) -> tuple[int, str]:
    """Shopify numbers variants in the order they were made: gid://shopify/ProductVariant/<n>."""
    tail = variant_id.rsplit("/", 1)[-1]
    return (int(tail), variant_id) if tail.isdigit() else (2**63, variant_id)


def _near_matches(shopify: ShopifyCatalog, cin7: Cin7Catalog, match: SkuMatch) -> list[Finding]:
    findings: list[Finding] = []
    near_cin7: set[str] = set()
    for variant in match.near_variants:
        product = match.near[variant.id]
        assert variant.sku is not None
        near_cin7.add(product.sku)
        whitespace_differs = squeeze(variant.sku) != variant.sku or squeeze(product.sku) != product.sku
        if whitespace_differs:
            side = "Shopify" if has_whitespace_problem(variant.sku) else "Cin7 Core"
            bad = variant.sku if side == "Shopify" else product.sku
            findings.append(
                Finding(
                    "sku_whitespace",
                    "blocker",
                    bad,
                    variant.describe(),
                    product.describe(),
                    f"The {side} SKU {bad!r} has stray spaces, so it does not match {_other(side, variant, product)!r} "
                    "on the other side.",
                    f"Change the {side} SKU to {squeeze(bad)!r}.",
                )
            )
        if squeeze(variant.sku) != squeeze(product.sku):  # differs by case as well as (or instead of) spaces
            findings.append(
                Finding(
                    "sku_case_mismatch",
                    "blocker",
                    variant.sku,
                    variant.describe(),
                    product.describe(),
                    f"Shopify SKU {variant.sku!r} matches Cin7 Core SKU {product.sku!r} only if case is ignored; "
                    "the sync matches SKUs exactly.",
                    f"Change the Shopify SKU to {squeeze(product.sku)!r} (the fix CSV does this).",
                )
            )
    # Whitespace on SKUs that match exactly still breaks the first time someone retypes them.
    spaced = sorted(sku for sku in {product.sku for product in match.exact.values()} if has_whitespace_problem(sku))
    first_of: dict[str, Cin7ProductRecord] = {}
    wanted = set(spaced)
    for product in cin7.products if spaced else ():
        if product.sku in wanted:
            first_of.setdefault(product.sku, product)
    for sku in spaced:
        product = first_of[sku]
        findings.append(
            Finding(
                "sku_whitespace",
                "warning",
                sku,
                None,
                product.describe(),
                f"SKU {sku!r} has stray spaces on both sides; it matches today but breaks as soon as either "
                "side is retyped.",
                f"Change the SKU to {squeeze(sku)!r} in both Shopify and Cin7 Core.",
            )
        )
    for product in match.unmatched_products:
        if has_whitespace_problem(product.sku) and product.sku not in near_cin7:
            findings.append(
                Finding(
                    "sku_whitespace",
                    "warning",
                    product.sku,
                    None,
                    product.describe(),
                    f"The Cin7 Core SKU {product.sku!r} has stray spaces.",
                    f"Change the Cin7 Core SKU to {squeeze(product.sku)!r}.",
                )
            )
    return findings


def _only_in_shopify(match: SkuMatch, unknown_sku: str) -> list[Finding]:
    findings = []
    for variant in match.unmatched_variants:
        active = variant.product_status == "ACTIVE"
        severity: Severity = ("warning" if unknown_sku == "create" else "blocker") if active else "info"
        what_happens = (
            "the sync will create it in Cin7 Core on the first order"
            if unknown_sku == "create"
            else "its orders will be held until it exists"
        )
        findings.append(
            Finding(
                "only_in_shopify",
                severity,
                variant.sku,
                variant.describe(),
                None,
                f"{_variant_label(variant)} (SKU {variant.sku}) has no Cin7 Core product; {what_happens}.",
                f"Create product {variant.sku} in Cin7 Core, or correct the Shopify SKU to an existing one.",
            )
        )
    return findings


def _only_in_cin7(match: SkuMatch) -> list[Finding]:
    return [
        Finding(
            "only_in_cin7",
            "info",
            product.sku,
            None,
            product.describe(),
            f"Cin7 Core product {product.sku} ({product.name}) is active and sellable but not listed in Shopify.",
            "List it in Shopify if it should sell online; otherwise nothing to do.",
        )
        for product in match.unmatched_products
        if product.is_active and product.is_stock and product.sellable
    ]


def _matched_variant_findings(shopify: ShopifyCatalog, match: SkuMatch) -> list[Finding]:
    """Deprecated in Cin7, untracked in Shopify, no sale tax rule: one walk over the matched variants
    (at 100,000 variants three walks were a third of the diff), the findings in that order."""
    deprecated: list[Finding] = []
    untracked: list[Finding] = []
    no_tax_rule: dict[str, tuple[Cin7ProductRecord, ShopifyVariantRecord]] = {}
    exact, near = match.exact, match.near
    for variant in shopify.variants:
        product = exact.get(variant.id)  # match.product_for, inline: this loop runs once a variant
        if product is None:
            product = near.get(variant.id)
            if product is None:
                continue
        on_sale = variant.product_status == "ACTIVE"
        if not product.is_active and on_sale:
            deprecated.append(_deprecated(variant, product))
        if product.is_stock and not variant.tracked:
            untracked.append(_untracked(variant, product))
        if on_sale and product.sale_tax_rule in (None, ""):
            no_tax_rule.setdefault(product.sku, (product, variant))
    return deprecated + untracked + [_missing_tax_rule(product, variant) for product, variant in no_tax_rule.values()]


def _deprecated(variant: ShopifyVariantRecord, product: Cin7ProductRecord) -> Finding:
    return Finding(
        "deprecated_in_cin7",
        "blocker",
        variant.sku,
        variant.describe(),
        product.describe(),
        f"{_variant_label(variant)} is on sale in Shopify but {product.sku} is Deprecated in Cin7 Core, "
        "which refuses orders for it.",
        f"Reactivate {product.sku} in Cin7 Core, or archive the variant in Shopify.",
    )


def _untracked(variant: ShopifyVariantRecord, product: Cin7ProductRecord) -> Finding:
    return Finding(
        "untracked_inventory",
        "warning",
        variant.sku,
        variant.describe(),
        product.describe(),
        f"{_variant_label(variant)} does not track inventory in Shopify, so stock from Cin7 Core is "
        "never shown and it can oversell.",
        "Tick 'Track quantity' on the variant in Shopify.",
    )


def _missing_tax_rule(product: Cin7ProductRecord, variant: ShopifyVariantRecord) -> Finding:
    return Finding(
        "missing_tax_rule",
        "warning",
        product.sku,
        variant.describe(),
        product.describe(),
        f"Cin7 Core product {product.sku} is sold in Shopify but has no sale tax rule.",
        "Set its Sale Tax Rule in Cin7 Core (Inventory → Products → the product).",
    )


def variant_set_findings(shopify: ShopifyCatalog, cin7: Cin7Catalog, match: SkuMatch) -> list[Finding]:
    """Compare each Shopify product with options to the Cin7 family holding most of its SKUs."""
    family_of: dict[str, Cin7FamilyRecord] = {}
    for family in cin7.families:
        for sku, _ in family.members:
            family_of[sku] = family
    products: dict[str, list[ShopifyVariantRecord]] = defaultdict(list)
    for variant in shopify.variants:
        products[variant.product_id].append(variant)
    findings = []
    exact, near = match.exact, match.near
    offered: dict[str, frozenset[tuple[str, ...]]] = {}  # each family's option values, as compared below
    for variants in products.values():
        if not any(v.option_values and v.option_values != _NO_OPTIONS for v in variants):  # has_options, inline
            continue
        in_families = [
            member_of
            for variant in variants
            if (product := exact.get(variant.id) or near.get(variant.id)) is not None
            and (member_of := family_of.get(product.sku)) is not None
        ]
        if not in_families:
            continue
        family = in_families[0]
        if any(member_of is not family for member_of in in_families):  # SKUs of several families: a vote
            votes: dict[str, int] = defaultdict(int)
            families: dict[str, Cin7FamilyRecord] = {}
            for member_of in in_families:
                votes[member_of.sku] += 1
                families[member_of.sku] = member_of
            family = families[max(votes, key=lambda key: (votes[key], key))]
        if family.sku not in offered:
            offered[family.sku] = frozenset(values for _, values in family.members)
        if len(variants) == len(family.members) and offered[family.sku] == {v.option_values for v in variants}:
            continue  # the same variants on both sides: no option value can differ (most products)
        differences = _variant_set_differences(variants, family)
        if differences:
            first = variants[0]
            findings.append(
                Finding(
                    "variant_set_mismatch",
                    "warning",
                    family.sku,
                    {
                        "product": first.product_title,
                        "handle": first.product_handle,
                        "variants": len(variants),
                        "options": _option_sets([v.option_values for v in variants], len(first.option_names)),
                    },
                    {
                        "family": family.sku,
                        "name": family.name,
                        "products": len(family.members),
                        "options": _option_sets([values for _, values in family.members], len(family.option_names)),
                    },
                    f"Shopify's {first.product_title} and Cin7 Core family {family.sku} differ: "
                    + "; ".join(differences)
                    + ".",
                    "Add the missing variants on the side that lacks them, or retire the extra ones, so both "
                    "sides offer the same set.",
                )
            )
    return findings


def _option_sets(rows: list[tuple[str, ...]], width: int) -> list[list[str]]:
    return [sorted({row[i] for row in rows if i < len(row)}) for i in range(width)]


def _variant_set_differences(variants: list[ShopifyVariantRecord], family: Cin7FamilyRecord) -> list[str]:
    differences = []
    if len(variants) != len(family.members):
        differences.append(f"{len(variants)} variants in Shopify, {len(family.members)} in Cin7 Core")
    width = max(len(family.option_names), max(len(v.option_values) for v in variants))
    for position in range(width):
        shopify_values = {v.option_values[position].casefold() for v in variants if position < len(v.option_values)}
        cin7_values = {values[position].casefold() for _, values in family.members if position < len(values)}
        name = family.option_names[position] if position < len(family.option_names) else f"option {position + 1}"
        only_shopify = sorted(shopify_values - cin7_values)
        only_cin7 = sorted(cin7_values - shopify_values)
        if only_shopify:
            differences.append(f"{name} {', '.join(only_shopify)} only in Shopify")
        if only_cin7:
            differences.append(f"{name} {', '.join(only_cin7)} only in Cin7 Core")
    return differences


def _variant_label(variant: ShopifyVariantRecord) -> str:
    if variant.has_options:
        return f"{variant.product_title} – {' / '.join(variant.option_values)}"
    return variant.product_title


def _other(side: str, variant: ShopifyVariantRecord, product: Cin7ProductRecord) -> str:
    return product.sku if side == "Shopify" else (variant.sku or "")
