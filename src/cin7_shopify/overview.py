"""What the home screen shows for a store: who is connected and how much data each side holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # home imports this module to paint: the clients load when a store is first read
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.shopify.client import ShopifyClient
    from cin7_shopify.shopify.models import Count

Step = Callable[[str, int, int], None]  # what is being read, steps done, steps in all


@dataclass(frozen=True)
class StoreOverview:
    shop_name: str
    shop_domain: str
    shop_currency: str
    cin7_company: str
    cin7_currency: str
    shopify_products: Count  # Shopify's own counts: products and variants exact, orders at least 10,000 past it
    shopify_variants: Count
    shopify_locations: int
    shopify_orders: Count
    cin7_products: int  # Cin7 Core's Total of active (not deprecated) products
    cin7_locations: int
    cin7_calls: int
    shopify_calls: int
    seconds: float


def figure(value: Count | int) -> str:
    """A count as home shows it: 1,234, or 10,000+ where Shopify stopped counting (precision AT_LEAST)."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value.count:,}" if value.exact else f"{value.count:,}+"


OVERVIEW_STEPS = (
    "Shopify shop",
    "Cin7 company",
    "Shopify locations",
    "Cin7 locations",
    "Shopify counts",
    "Cin7 products",
)


async def load_overview(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    *,
    on_step: Step | None = None,
    orders_since: str | None = None,
) -> StoreOverview:
    """Read both sides through the real clients, reporting each step as it starts.

    Catalogues are counted, never read: Shopify counts products, variants and orders in one call and Cin7
    Core's product list answers its Total with a page of one, so the calls do not grow with the catalogue."""
    started = time.perf_counter()
    cin7_calls, shopify_calls = cin7.calls, shopify.calls
    total = len(OVERVIEW_STEPS)

    def step(index: int) -> None:
        if on_step:
            on_step(OVERVIEW_STEPS[index], index, total)

    step(0)
    shop = await shopify.shop_info()
    step(1)
    me = await cin7.me()
    step(2)
    shopify_locations = await shopify.locations()
    step(3)
    cin7_locations = await cin7.list_locations()
    step(4)
    counts = await shopify.store_counts(f"created_at:>='{orders_since}'" if orders_since else None)
    step(5)
    cin7_products = await cin7.count_products()
    if on_step:
        on_step("done", total, total)
    return StoreOverview(
        shop_name=shop.name,
        shop_domain=shop.domain,
        shop_currency=shop.currency,
        cin7_company=me.Company,
        cin7_currency=me.Currency or "",
        shopify_products=counts.products,
        shopify_variants=counts.variants,
        shopify_locations=sum(1 for loc in shopify_locations if loc.is_active),
        shopify_orders=counts.orders,
        cin7_products=cin7_products,
        cin7_locations=sum(1 for loc in cin7_locations if not loc.IsDeprecated),
        cin7_calls=cin7.calls - cin7_calls,
        shopify_calls=shopify.calls - shopify_calls,
        seconds=time.perf_counter() - started,
    )
