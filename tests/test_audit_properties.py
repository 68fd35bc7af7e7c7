"""Properties of the SKU diff over generated catalogues (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cin7_shopify.audit.models import Cin7Catalog, Cin7ProductRecord, Finding, ShopifyCatalog, ShopifyVariantRecord
from cin7_shopify.audit.skus import SkuMatch, match_skus, normalise, sku_findings

BASE = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=10).filter(lambda s: s.strip("-"))


def perturb(sku: str, how: str) -> str:
    if how == "lower":
        return sku.lower()
    if how == "title":
        return sku[:1] + sku[1:].lower()
    if how == "trailing":
        return sku + " "
    if how == "leading":
        return "  " + sku
    if how == "both":
        return " " + sku.lower() + " "
    return sku


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[ShopifyCatalog, Cin7Catalog, dict[str, str]]:
    """Cin7 products, and Shopify variants that copy, perturb or invent SKUs; returns the intent per variant."""
    bases = draw(st.lists(BASE, min_size=1, max_size=25, unique_by=normalise))
    in_cin7 = [b for b in bases if draw(st.booleans())]
    products = [Cin7ProductRecord(sku=b, name=b) for b in in_cin7]
    variants = []
    intent: dict[str, str] = {}
    for index, base in enumerate(bases):
        how = draw(st.sampled_from(["exact", "lower", "title", "trailing", "leading", "both"]))
        sku = perturb(base, how)
        variant_id = f"v{index}"
        variants.append(ShopifyVariantRecord(id=variant_id, sku=sku, product_id=f"p{index}", product_title=base))
        if base not in in_cin7:
            intent[variant_id] = "missing"
        elif sku == base:
            intent[variant_id] = "exact"
        elif normalise(sku) == normalise(base):
            intent[variant_id] = "near"
        else:
            intent[variant_id] = "exact"  # e.g. lower-casing a SKU with no letters changes nothing
    shopify = ShopifyCatalog(shop_name="s", taxes_included=True, variants=variants)
    return shopify, Cin7Catalog(company="c", products=products), intent


# Both properties over the same generated catalogues: hypothesis draws them once (it was 2 × 300 examples,
# 3.3 s CPU; generating them was most of it).
@settings(max_examples=300, deadline=None)
@given(catalogues())
def test_no_sku_is_both_matched_and_missing_and_near_matches_are_never_only_in(
    data: tuple[ShopifyCatalog, Cin7Catalog, dict[str, str]],
) -> None:
    shopify, cin7, intent = data
    match = match_skus(shopify, cin7)
    findings = sku_findings(shopify, cin7)
    no_sku_is_both_matched_and_missing(shopify, match, findings)
    case_and_whitespace_near_matches_are_never_only_in(shopify, intent, findings)


def no_sku_is_both_matched_and_missing(shopify: ShopifyCatalog, match: SkuMatch, findings: list[Finding]) -> None:
    missing_variants = {f.shopify["variant_id"] for f in findings if f.kind == "only_in_shopify"}  # type: ignore[index]
    missing_products = {f.sku for f in findings if f.kind == "only_in_cin7"}
    matched_variants = set(match.exact) | set(match.near)
    matched_products = {p.sku for p in [*match.exact.values(), *match.near.values()]}
    assert not missing_variants & matched_variants
    assert not missing_products & matched_products
    every_variant = {v.id for v in shopify.variants}
    assert missing_variants | matched_variants == every_variant, "each variant is matched or reported missing"


def case_and_whitespace_near_matches_are_never_only_in(
    shopify: ShopifyCatalog, intent: dict[str, str], findings: list[Finding]
) -> None:
    only = [f for f in findings if f.kind in {"only_in_shopify", "only_in_cin7"}]
    near_variants = {vid for vid, what in intent.items() if what == "near"}
    by_id = {v.id: v for v in shopify.variants}
    near_keys = {normalise(by_id[vid].sku or "") for vid in near_variants}
    for finding in only:
        assert normalise(finding.sku or "") not in near_keys, finding
    reported = {
        f.shopify["variant_id"] for f in findings if f.kind in {"sku_case_mismatch", "sku_whitespace"} and f.shopify
    }
    assert near_variants <= reported, "every near-match is reported as what it is"
    assert {vid for vid, what in intent.items() if what == "missing"} == {
        f.shopify["variant_id"] for f in only if f.kind == "only_in_shopify" and f.shopify
    }
