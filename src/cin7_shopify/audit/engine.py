"""One audit: every check over both catalogues, joined into a report with a go/no-go verdict."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from cin7_shopify.audit.mapping import location_findings, propose_locations, propose_taxes, tax_findings
from cin7_shopify.audit.models import FINDING_KINDS, SEVERITY_ORDER, AuditReport, Cin7Catalog, ShopifyCatalog
from cin7_shopify.audit.services import service_product_findings
from cin7_shopify.audit.skus import sku_findings
from cin7_shopify.settings import StoreSettings


@contextmanager
def collector_paused() -> Iterator[None]:
    """The diff makes some 100,000 short-lived objects beside catalogues of 400,000 long-lived records,
    and each collection the allocations set off walks those records again: a quarter of the diff's CPU
    at 100,000 variants. The collector waits until the diff is done (what it made is collected then)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_audit(
    shopify: ShopifyCatalog,
    cin7: Cin7Catalog,
    settings: StoreSettings,
    *,
    store: str,
    other_stores: Mapping[str, Mapping[str, str]] | None = None,
) -> AuditReport:
    """Pure: no I/O. Findings are raised against the saved maps in `settings`, never the proposals."""
    with collector_paused():
        return _run_audit(shopify, cin7, settings, store=store, other_stores=other_stores)


def _run_audit(
    shopify: ShopifyCatalog,
    cin7: Cin7Catalog,
    settings: StoreSettings,
    *,
    store: str,
    other_stores: Mapping[str, Mapping[str, str]] | None,
) -> AuditReport:
    report = AuditReport(store=store, findings=sku_findings(shopify, cin7, unknown_sku=settings.unknown_sku))
    if shopify.locations is None or cin7.locations is None:
        report.not_checked.append("locations (the sources hold no location list)")
    else:
        report.location_proposals = propose_locations(shopify, cin7)
        findings, notices = location_findings(
            shopify,
            cin7,
            settings.location_map,
            report.location_proposals,
            other_stores=other_stores,
            location_split=settings.location_split,
        )
        report.findings += findings
        report.notices += notices
    if shopify.tax_lines is None:
        report.not_checked.append("tax lines (the sources hold no orders)")
    elif cin7.tax_rules is None:
        report.not_checked.append("tax rules (the sources hold no Cin7 Core tax rules)")
    else:
        report.tax_proposals = propose_taxes(shopify, cin7)
        report.findings += tax_findings(shopify, cin7, settings.tax_map, report.tax_proposals)
    if cin7.locations is None:
        # Exports list the products a merchant picked; only Cin7 Core itself can say a service is missing.
        report.not_checked.append("service products (checked once Cin7 Core is connected)")
    else:
        report.findings += service_product_findings(cin7, settings)
    order = {kind: index for index, kind in enumerate(FINDING_KINDS)}
    report.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.kind], f.sku or "", f.message))
    return report
