"""The audit for people and machines: JSON (the SCENARIO.md contract), Markdown, CSV, and a Shopify
product CSV that fixes the SKUs the audit could resolve without doubt."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cin7_shopify.audit.models import AuditReport, MappingProposal, ShopifyCatalog
from cin7_shopify.audit.skus import squeeze
from cin7_shopify.text import json_text, md_code, md_text

KIND_TITLES = {
    "missing_sku": "Variants without a SKU",
    "duplicate_sku": "SKUs used by more than one Shopify variant",
    "sku_whitespace": "SKUs with stray spaces",
    "sku_case_mismatch": "SKUs that differ only by case",
    "only_in_shopify": "Sold in Shopify, missing in Cin7 Core",
    "only_in_cin7": "In Cin7 Core, not listed in Shopify",
    "variant_set_mismatch": "Variant sets that differ",
    "untracked_inventory": "Variants that do not track inventory",
    "deprecated_in_cin7": "On sale in Shopify, deprecated in Cin7 Core",
    "unmapped_location": "Shopify locations with no Cin7 Core location",
    "unknown_cin7_location": "Mappings to Cin7 Core locations that are gone",
    "shared_cin7_location": "Cin7 Core locations feeding two Shopify locations",
    "missing_tax_rule": "Products without a sale tax rule",
    "unmapped_tax": "Tax lines with no Cin7 Core tax rule",
    "tax_inclusive_mismatch": "Tax-inclusive settings that disagree",
    "missing_service_product": "Service products for charges that Cin7 Core lacks",
}


def report_json(report: AuditReport) -> dict[str, Any]:
    return {
        "store": report.store,
        "summary": report.summary(),
        "findings": [f.to_json() for f in report.findings],
        "proposals": {
            "locations": [_proposal_json(p) for p in report.location_proposals],
            "taxes": [_proposal_json(p) for p in report.tax_proposals],
        },
        "notices": report.notices,
    }


def _proposal_json(proposal: MappingProposal) -> dict[str, Any]:
    return {
        "from": proposal.source,
        "label": proposal.source_label,
        "to": proposal.target,
        "confidence": proposal.confidence,
        "reason": proposal.reason,
    }


def report_json_text(report: AuditReport) -> str:
    return json_text(json.dumps(report_json(report), indent=2, ensure_ascii=False)) + "\n"


def report_markdown(report: AuditReport) -> str:
    lines = [f"# Go-live readiness: {md_text(report.store)}", "", f"**{report.verdict}**", ""]
    counts = report.summary()
    lines.append(f"{counts['blockers']} blockers · {counts['warnings']} warnings · {counts['infos']} for information")
    if report.not_checked:
        lines += ["", "Not checked: " + "; ".join(md_text(n) for n in report.not_checked) + "."]
    for notice in report.notices:
        lines += ["", f"> {md_text(notice)}"]
    seen_kinds = list(dict.fromkeys(f.kind for f in report.findings))
    for kind in seen_kinds:
        group = [f for f in report.findings if f.kind == kind]
        lines += ["", f"## {KIND_TITLES.get(kind, kind)} ({len(group)})", ""]
        lines += ["| Severity | SKU | What is wrong | Fix |", "|---|---|---|---|"]
        for finding in group:
            sku = md_code(finding.sku) if finding.sku is not None else "—"
            lines.append(f"| {finding.severity} | {sku} | {_cell(finding.message)} | {_cell(finding.fix)} |")
    for title, proposals in (
        ("Proposed location mapping", report.location_proposals),
        ("Proposed tax mapping", report.tax_proposals),
    ):
        if proposals:
            lines += ["", f"## {title}", "", "| Shopify | Cin7 Core | Confidence | Why |", "|---|---|---|---|"]
            for p in proposals:
                lines.append(
                    f"| {_cell(p.source_label)} | {_cell(p.target or '—')} | {p.confidence:.0%} | {_cell(p.reason)} |"
                )
    lines += ["", "Proposals are suggestions: the sync uses only mappings saved in the store profile.", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Outside text in a table cell, rendered literally (no markup, no link, no control character)."""
    return md_text(text)


CSV_COLUMNS = ["severity", "kind", "sku", "shopify", "cin7", "message", "fix"]


def report_csv(report: AuditReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in report.findings:
        writer.writerow(
            [
                f.severity,
                f.kind,
                f.sku or "",
                json.dumps(f.shopify, ensure_ascii=False) if f.shopify else "",
                json.dumps(f.cin7, ensure_ascii=False) if f.cin7 else "",
                f.message,
                f.fix,
            ]
        )
    return out.getvalue()


FIX_COLUMNS = [
    "Handle",
    "Title",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
]


def shopify_fix_csv(report: AuditReport, shopify: ShopifyCatalog) -> tuple[str, int]:
    """A product CSV for Shopify's importer that sets corrected SKUs; returns (text, variants fixed).

    Only unambiguous fixes: a Shopify SKU with stray spaces, or one that matches a single Cin7 Core
    SKU once case is ignored. Import it with "Overwrite products with matching handles"; rows are
    matched by handle and option values, and only the SKU changes.
    """
    by_id = {v.id: v for v in shopify.variants}
    corrected: dict[str, str] = {}
    for finding in report.findings:
        if finding.kind not in {"sku_case_mismatch", "sku_whitespace"} or not finding.shopify:
            continue
        variant = by_id.get(finding.shopify["variant_id"])
        if variant is None or variant.sku is None:
            continue
        if finding.kind == "sku_case_mismatch" and finding.cin7:
            corrected[variant.id] = squeeze(finding.cin7["sku"])
        elif finding.kind == "sku_whitespace" and variant.sku != squeeze(variant.sku):
            corrected.setdefault(variant.id, squeeze(variant.sku))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIX_COLUMNS)
    for variant in shopify.variants:
        if variant.id not in corrected:
            continue
        names = list(variant.option_names) + [""] * 3
        values = list(variant.option_values) + [""] * 3
        if not variant.has_options:
            names[0], values[0] = "Title", "Default Title"
        writer.writerow(
            [
                variant.product_handle,
                variant.product_title,
                names[0],
                values[0],
                names[1],
                values[1],
                names[2],
                values[2],
                corrected[variant.id],
            ]
        )
    return out.getvalue(), len(corrected)
