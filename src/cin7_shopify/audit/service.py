"""Run an audit from wherever the catalogues are: a store's clients (through its session), or CSV exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cin7_shopify.audit.csv_sources import read_cin7_csv, read_shopify_csv
from cin7_shopify.audit.engine import run_audit
from cin7_shopify.audit.models import AuditReport, Cin7Catalog, ShopifyCatalog
from cin7_shopify.audit.sources import TAX_LOOKBACK_DAYS, both, read_cin7_catalog, read_shopify_catalog
from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient

Step = Callable[[str], None]


@dataclass
class AuditRun:
    report: AuditReport
    shopify: ShopifyCatalog
    cin7: Cin7Catalog
    cin7_calls: int = 0
    shopify_calls: int = 0
    read_at: datetime | None = None  # when both sides were read; None for CSV exports


def orders_window_start(settings: StoreSettings) -> datetime:
    """Tax lines come from orders of the 60 days before go-live, or before today without one."""
    anchor = settings.go_live or datetime.now(UTC)
    return anchor - timedelta(days=TAX_LOOKBACK_DAYS)


async def audit_with_clients(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    settings: StoreSettings,
    *,
    store: str,
    other_stores: Mapping[str, Mapping[str, str]] | None = None,
    on_step: Step | None = None,
) -> AuditRun:
    cin7_before, shopify_before = cin7.calls, shopify.calls
    # Both sides at once: Cin7's 60 calls a minute and Shopify's bulk operations each wait on their own clock.
    cin7_catalog, shopify_catalog = await both(
        read_cin7_catalog(cin7, on_step=on_step),
        read_shopify_catalog(shopify, orders_since=orders_window_start(settings), on_step=on_step),
    )
    if on_step:
        on_step("comparing")
    report = run_audit(shopify_catalog, cin7_catalog, settings, store=store, other_stores=other_stores)
    return AuditRun(
        report,
        shopify_catalog,
        cin7_catalog,
        cin7.calls - cin7_before,
        shopify.calls - shopify_before,
        read_at=datetime.now(UTC),
    )


def audit_csv(
    shopify_csv: Path,
    cin7_csv: Path,
    cin7_stock_csv: Path | None = None,
    *,
    settings: StoreSettings | None = None,
    store: str | None = None,
) -> AuditRun:
    """Audit exports before API access exists: SKU checks in full; locations and taxes need the APIs."""
    settings = settings or StoreSettings()
    shopify = read_shopify_csv(shopify_csv)
    cin7 = read_cin7_csv(cin7_csv, cin7_stock_csv)
    report = run_audit(shopify, cin7, settings, store=store or shopify.shop_name)
    return AuditRun(report, shopify, cin7)
