"""Read both catalogues through the API clients with as few calls as the APIs allow.

Cin7 Core (60 calls a minute): products incl. deprecated, families, availability, locations and tax
rules at 1,000 records a call. Shopify: shop and locations, every variant with its option names in one
bulk operation (a page of variants cannot carry option names within Shopify's 1,000-point query cost,
and the fix CSV needs them), and the tax lines of recent orders in a second bulk operation.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from cin7_shopify.audit.models import (
    Cin7Catalog,
    Cin7FamilyRecord,
    Cin7LocationRecord,
    Cin7ProductRecord,
    Cin7TaxRuleRecord,
    ShopifyCatalog,
    ShopifyLocationRecord,
    ShopifyVariantRecord,
    TaxLineSeen,
)
from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder, ShopifyVariant

Step = Callable[[str], None]
First = TypeVar("First")
Second = TypeVar("Second")
TAX_LOOKBACK_DAYS = 60  # Shopify shows 60 days of orders without read_all_orders


async def read_cin7_catalog(cin7: Cin7Client, *, on_step: Step | None = None) -> Cin7Catalog:
    step = on_step or (lambda _: None)
    # Every page is reduced to the few fields the checks need as it arrives: a 100,000-variant account
    # is 420,000 rows, and full models of them would take over a gigabyte.
    step("Cin7 Core products")
    products = [
        Cin7ProductRecord(
            sku=p.SKU,
            name=p.Name,
            status=p.Status or "Active",
            type=p.Type or "Stock",
            sellable=p.Sellable,
            sale_tax_rule=p.SaleTaxRule or None,
        )
        async for p in cin7.product_summaries(include_deprecated=True)
    ]
    step("Cin7 Core product families")
    families = [
        Cin7FamilyRecord(
            sku=f.SKU,
            name=f.Name,
            option_names=tuple(n for n in (f.Option1Name, f.Option2Name, f.Option3Name) if n),
            members=tuple((m.SKU, tuple(v for v in (m.Option1, m.Option2, m.Option3) if v)) for m in f.Products),
        )
        async for f in cin7.family_summaries()
    ]
    step("Cin7 Core stock")
    stock: dict[str, float] = {}
    async for row in cin7.stock_summaries():
        stock[row.Location] = stock.get(row.Location, 0.0) + float(row.OnHand)
    step("Cin7 Core locations")
    locations = await cin7.list_locations()
    step("Cin7 Core tax rules")
    tax_rules = await cin7.list_tax_rules()
    return Cin7Catalog(
        company="",
        products=products,
        families=families,
        locations=[Cin7LocationRecord(loc.Name, loc.IsDeprecated) for loc in locations],
        tax_rules=[
            Cin7TaxRuleRecord(t.Name, float(t.TaxPercent), t.TaxInclusive, t.IsActive, t.IsTaxForSale)
            for t in tax_rules
        ],
        stock_by_location=stock,
    )


async def read_shopify_catalog(
    shopify: ShopifyClient, *, orders_since: datetime | None = None, on_step: Step | None = None
) -> ShopifyCatalog:
    step = on_step or (lambda _: None)
    step("Shopify shop")
    shop = await shopify.shop_info()
    step("Shopify locations")
    locations = await shopify.locations()
    since = orders_since or datetime.now(UTC) - timedelta(days=TAX_LOOKBACK_DAYS)

    async def variants_read() -> list[ShopifyVariantRecord]:
        step("Shopify variants")
        # Streamed: each JSONL line becomes the few fields the checks need before the next is read.
        return [_variant_record(v) async for v in shopify.catalog_variants()]

    async def orders_read() -> list[ShopifyOrder]:
        step("Shopify orders (tax lines)")
        return await shopify.bulk_orders(f"created_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'")

    # Both bulk operations run at once (2026-01 and later allow five bulk queries a shop): the wait is the
    # longer of the two, not their sum.
    variants, orders = await both(variants_read(), orders_read())
    return ShopifyCatalog(
        shop_name=shop.name,
        taxes_included=shop.taxes_included,
        variants=variants,
        locations=[ShopifyLocationRecord(loc.id, loc.name, loc.is_active) for loc in locations],
        tax_lines=tax_lines_seen(orders),
        timezone=shop.timezone,
    )


async def both(first: Awaitable[First], second: Awaitable[Second]) -> tuple[First, Second]:
    """Two reads at once. The first to fail cancels the other, and its error is the one raised: a refused Cin7
    key is named at once, not after Shopify's bulk operations finish."""
    tasks = (asyncio.ensure_future(first), asyncio.ensure_future(second))
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # nothing if it finished; the caller's cancellation reaches both
        await asyncio.wait(tasks)
    for task in tasks:  # both failed: the first one's error (the audit: Cin7's, as when read in turn)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure
    return tasks[0].result(), tasks[1].result()


def _variant_record(variant: ShopifyVariant) -> ShopifyVariantRecord:
    names = tuple(variant.options) if variant.options else ()
    return ShopifyVariantRecord(
        id=variant.id,
        sku=variant.sku,
        product_id=variant.product_id,
        product_title=variant.product_title,
        product_handle=variant.product_handle,
        product_status=variant.product_status,
        option_names=names,
        option_values=tuple(variant.option_values),
        tracked=variant.tracked,
        barcode=variant.barcode,
    )


def tax_lines_seen(orders: list[ShopifyOrder]) -> list[TaxLineSeen]:
    """Each distinct (title, rate) on line items and shipping, with how many orders carry it."""
    counts: Counter[tuple[str, float]] = Counter()
    for order in orders:
        seen = {(t.title, round(t.rate or 0.0, 6)) for line in order.lines for t in line.tax_lines}
        seen |= {(t.title, round(t.rate or 0.0, 6)) for charge in order.shipping for t in charge.tax_lines}
        counts.update(seen)
    return [TaxLineSeen(title, rate, count) for (title, rate), count in sorted(counts.items())]
