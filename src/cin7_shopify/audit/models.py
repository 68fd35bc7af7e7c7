"""What the audit compares and what it reports.

Both catalogues are reduced to the few fields the checks need, whichever source they came from
(the APIs, a scenario, or CSV exports), so the checks are plain functions over these models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["blocker", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"blocker": 0, "warning": 1, "info": 2}

FINDING_KINDS = (
    "missing_sku",
    "duplicate_sku",
    "sku_whitespace",
    "sku_case_mismatch",
    "only_in_shopify",
    "only_in_cin7",
    "variant_set_mismatch",
    "untracked_inventory",
    "deprecated_in_cin7",
    "unmapped_location",
    "unknown_cin7_location",
    "shared_cin7_location",
    "missing_tax_rule",
    "unmapped_tax",
    "tax_inclusive_mismatch",
    "missing_service_product",
)


@dataclass(frozen=True)
class ShopifyVariantRecord:
    id: str
    sku: str | None
    product_id: str
    product_title: str
    product_handle: str = ""
    product_status: str = "ACTIVE"
    option_names: tuple[str, ...] = ()
    option_values: tuple[str, ...] = ()
    tracked: bool = True
    barcode: str | None = None

    @property
    def has_options(self) -> bool:
        return bool(self.option_values) and self.option_values != ("Default Title",)

    def describe(self) -> dict[str, Any]:
        return {
            "variant_id": self.id,
            "sku": self.sku,
            "product": self.product_title,
            "handle": self.product_handle,
            "options": dict(zip(self.option_names, self.option_values, strict=False)),
            "status": self.product_status,
            "tracked": self.tracked,
        }


@dataclass(frozen=True)
class ShopifyLocationRecord:
    id: str
    name: str
    is_active: bool = True


@dataclass(frozen=True)
class TaxLineSeen:
    title: str
    rate: float
    orders: int = 1

    @property
    def key(self) -> str:
        """How the tax map names this line: "GST 10%"."""
        return f"{self.title} {round(self.rate * 100, 4):g}%"


@dataclass
class ShopifyCatalog:
    shop_name: str
    taxes_included: bool
    variants: list[ShopifyVariantRecord]
    locations: list[ShopifyLocationRecord] | None = None  # None: the source has no location data
    tax_lines: list[TaxLineSeen] | None = None  # None: the source has no orders
    timezone: str = ""  # shop.ianaTimezone: decisions in the exported report are dated in it

    def __repr__(self) -> str:
        # Counts, not records: Python 3.11's asyncio.run formats the finished task's result when it puts
        # the Ctrl-C handler back, so a catalogue returned from it was written out whole (100,000 variants:
        # 2.5 s and 150 MB, the audit's peak memory).
        return f"ShopifyCatalog({self.shop_name!r}, {len(self.variants)} variants)"


@dataclass(frozen=True)
class Cin7ProductRecord:
    sku: str
    name: str
    status: str = "Active"
    type: str = "Stock"
    sellable: bool = True
    sale_tax_rule: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status.lower() == "active"

    @property
    def is_stock(self) -> bool:
        return self.type.lower() == "stock"

    def describe(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "status": self.status,
            "type": self.type,
            "sale_tax_rule": self.sale_tax_rule,
        }


@dataclass(frozen=True)
class Cin7FamilyRecord:
    sku: str
    name: str
    option_names: tuple[str, ...]
    members: tuple[tuple[str, tuple[str, ...]], ...]  # (member SKU, option values in order)


@dataclass(frozen=True)
class Cin7LocationRecord:
    name: str
    is_deprecated: bool = False


@dataclass(frozen=True)
class Cin7TaxRuleRecord:
    name: str
    percent: float
    inclusive: bool
    is_active: bool = True
    for_sale: bool = True


@dataclass
class Cin7Catalog:
    company: str
    products: list[Cin7ProductRecord]
    families: list[Cin7FamilyRecord] = field(default_factory=list)
    locations: list[Cin7LocationRecord] | None = None
    tax_rules: list[Cin7TaxRuleRecord] | None = None
    stock_by_location: dict[str, float] = field(default_factory=dict)  # units on hand per location

    def __repr__(self) -> str:  # counts, not records (ShopifyCatalog.__repr__ says why)
        return f"Cin7Catalog({len(self.products)} products, {len(self.families)} families)"


@dataclass
class Finding:
    kind: str
    severity: Severity
    sku: str | None
    shopify: dict[str, Any] | None
    cin7: dict[str, Any] | None
    message: str
    fix: str

    @property
    def key(self) -> str:
        """Stable across audits: what the finding is about, so a decision about it can be remembered."""
        side = self.shopify or self.cin7 or {}
        subject = side.get("variant_id") or side.get("location_id") or side.get("tax_line") or side.get("family")
        return f"{self.kind}|{self.sku or ''}|{subject or ''}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "sku": self.sku,
            "shopify": self.shopify,
            "cin7": self.cin7,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class MappingProposal:
    """A suggested row of the location or tax map: only a proposal until someone approves it."""

    source: str  # Shopify location id, or tax line key such as "GST 10%"
    source_label: str
    target: str | None  # Cin7 location or tax rule name
    confidence: float
    reason: str


@dataclass
class AuditReport:
    store: str
    findings: list[Finding]
    location_proposals: list[MappingProposal] = field(default_factory=list)
    tax_proposals: list[MappingProposal] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ready(self) -> bool:
        return self.count("blocker") == 0

    @property
    def verdict(self) -> str:
        blockers, warnings = self.count("blocker"), self.count("warning")
        if blockers:
            return f"NO-GO: {blockers} blocker{'s' if blockers != 1 else ''} to fix before go-live."
        if warnings:
            return f"GO, with {warnings} warning{'s' if warnings != 1 else ''} to review."
        return "GO: nothing found that would stop the sync."

    def summary(self) -> dict[str, Any]:
        by_kind: dict[str, int] = {}
        for finding in self.findings:
            by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        return {
            "ready": self.ready,
            "verdict": self.verdict,
            "blockers": self.count("blocker"),
            "warnings": self.count("warning"),
            "infos": self.count("info"),
            "by_kind": {kind: by_kind[kind] for kind in FINDING_KINDS if kind in by_kind},
            "not_checked": self.not_checked,
        }
