"""What the home screen shows for a store: who is connected and how much data each side holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # home imports this module to paint: the clients load when a store is first read
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.shopify.client import ShopifyClient

Step = Callable[[str, int, int], None]  # what is being read, steps done, steps in all


@dataclass(frozen=True)
class StoreOverview:
    shop_name: str
    shop_domain: str
    shop_currency: str
    cin7_company: str
    cin7_currency: str
    shopify_products: int
    shopify_variants: int
    shopify_locations: int
    shopify_orders: int
    cin7_products: int
    cin7_locations: int
    cin7_calls: int
    shopify_calls: int
    seconds: float


OVERVIEW_STEPS = (
    "Shopify shop",
    "Cin7 company",
    "Shopify locations",
    "Cin7 locations",
    "Shopify variants",
    "Cin7 products",
    "Shopify orders",
)


async def load_overview(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    *,
    on_step: Step | None = None,
    orders_since: str | None = None,
) -> StoreOverview:
    """Read both sides through the real clients, reporting each step as it starts."""
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
    variants = await shopify.variants()
    step(5)
    products = await cin7.list_products()
    step(6)
    orders = await shopify.count_orders(f"created_at:>='{orders_since}'" if orders_since else None)
    if on_step:
        on_step("done", total, total)
    return StoreOverview(
        shop_name=shop.name,
        shop_domain=shop.domain,
        shop_currency=shop.currency,
        cin7_company=me.Company,
        cin7_currency=me.Currency or "",
        shopify_products=len({v.product_id for v in variants}),
        shopify_variants=len(variants),
        shopify_locations=sum(1 for loc in shopify_locations if loc.is_active),
        shopify_orders=orders,
        cin7_products=len(products),
        cin7_locations=sum(1 for loc in cin7_locations if not loc.IsDeprecated),
        cin7_calls=cin7.calls - cin7_calls,
        shopify_calls=shopify.calls - shopify_calls,
        seconds=time.perf_counter() - started,
    )
