"""Stock out: Cin7 Core is the stock master; each mapped Shopify location shows what Cin7 has available.

Target = Cin7 Available at the mapped location, summed over its bins, less the safety buffer, never
below 0. Only differences are written, ≤250 a call, each with `changeFromQuantity` = the value just
read: if a sale lands in Shopify between the read and the write, that item is re-read and its target
lowered by the sale, never overwritten. A push that would zero more than the guard share of tracked
items is refused unless forced, and every push first saves a snapshot that `rollback` restores.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.documents import document
from cin7_shopify.shopify.models import ShopifyLocation, ShopifyVariant, StockLevel, StockSet
from cin7_shopify.state.storage import write_atomically


class StockPushRefused(ConsoleError):
    hint = "Check the Cin7 Core stock and the location mapping; push with --force only if the zeros are real."


@dataclass
class StockChange:
    sku: str
    inventory_item_id: str
    location_id: str
    location: str  # Shopify location name
    current: int
    target: int


@dataclass
class StockPlan:
    changes: list[StockChange] = field(default_factory=list)
    unchanged: int = 0
    tracked: int = 0  # tracked items at mapped locations
    skipped: list[str] = field(default_factory=list)
    cin7_calls: int = 0
    shopify_calls: int = 0

    @property
    def zeroed(self) -> list[StockChange]:
        return [c for c in self.changes if c.target == 0 and c.current > 0]

    def zero_share(self) -> float:
        return len(self.zeroed) / self.tracked if self.tracked else 0.0


@dataclass
class PushResult:
    applied: int = 0
    adjusted_for_sales: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    snapshot: Path | None = None
    shopify_calls: int = 0


async def plan_stock(cin7: Cin7Client, shopify: ShopifyClient, settings: StoreSettings) -> StockPlan:
    plan = StockPlan()
    cin7_before, shopify_before = cin7.calls, shopify.calls
    available: dict[tuple[str, str], float] = defaultdict(float)
    for row in await cin7.list_availability():
        available[(row.SKU, row.Location)] += float(row.Available)  # bins of one location add up
    locations = {loc.id: loc for loc in await shopify.locations()}
    variants, levels_by_location = await _shopify_stock(shopify, settings, locations)
    by_item: dict[str, ShopifyVariant] = {}
    sku_count: dict[str, int] = defaultdict(int)
    for variant in variants:
        if variant.sku:
            sku_count[variant.sku] += 1
    for variant in variants:
        if not variant.sku or not variant.tracked:
            continue
        if sku_count[variant.sku] > 1:
            plan.skipped.append(f"{variant.sku}: shared by {sku_count[variant.sku]} Shopify variants")
            continue
        by_item[variant.inventory_item_id] = variant
    for location_id, cin7_location in settings.location_map.items():
        location = locations.get(location_id)
        if location is None or not location.is_active:
            continue
        for item_id, level in levels_by_location.get(location_id, {}).items():
            listed = by_item.get(item_id)
            if listed is None or listed.sku is None:
                continue
            plan.tracked += 1
            target = max(0, math.floor(available.get((listed.sku, cin7_location), 0.0)) - settings.safety_buffer)
            if target == level.available:
                plan.unchanged += 1
            else:
                plan.changes.append(
                    StockChange(listed.sku, item_id, location_id, location.name, level.available, target)
                )
    plan.skipped = sorted(set(plan.skipped))
    plan.cin7_calls, plan.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    return plan


async def _shopify_stock(
    shopify: ShopifyClient, settings: StoreSettings, locations: dict[str, ShopifyLocation]
) -> tuple[list[ShopifyVariant], dict[str, dict[str, StockLevel]]]:
    """Variants and their levels at the mapped locations: pages for a small shop, one bulk read for a big one."""
    data = await shopify.execute(document("variants"), {"after": None, "query": None})
    page = data["productVariants"]
    mapped = [lid for lid in settings.location_map if lid in locations and locations[lid].is_active]
    if page["pageInfo"]["hasNextPage"]:
        variants = await shopify.bulk_variants()
        levels: dict[str, dict[str, StockLevel]] = defaultdict(dict)
        for variant in variants:
            for level in variant.levels:
                levels[level.location_id][variant.inventory_item_id] = level
        return variants, dict(levels)
    variants = [ShopifyVariant.from_graphql(node) for node in page["nodes"]]
    return variants, {lid: await shopify.location_stock(lid) for lid in mapped}


def check_guard(plan: StockPlan, settings: StoreSettings, *, force: bool) -> None:
    share = plan.zero_share()
    if not force and share * 100 > settings.zero_stock_guard_percent:
        raise StockPushRefused(
            f"This push would set {len(plan.zeroed)} of {plan.tracked} tracked items to zero ({share:.0%}, more "
            f"than the {settings.zero_stock_guard_percent}% guard); nothing was written."
        )


async def push_stock(
    shopify: ShopifyClient,
    plan: StockPlan,
    settings: StoreSettings,
    snapshots: Path,
    *,
    store: str,
    force: bool = False,
) -> PushResult:
    check_guard(plan, settings, force=force)
    result = PushResult()
    if not plan.changes:
        return result
    calls = shopify.calls
    result.snapshot = save_snapshot(snapshots, store, plan.changes)
    pending = {(c.inventory_item_id, c.location_id): c for c in plan.changes}
    for _attempt in range(3):
        outcome = await shopify.set_available(
            [
                StockSet(
                    inventory_item_id=c.inventory_item_id,
                    location_id=c.location_id,
                    quantity=c.target,
                    change_from=c.current,
                )
                for c in pending.values()
            ],
            reference=f"gid://cin7-shopify-console/StockPush/{result.snapshot.stem}",
        )
        result.applied += len(outcome.applied)
        retry: dict[tuple[str, str], StockChange] = {}
        for conflict in outcome.conflicts:
            key = (conflict.inventory_item_id or "", conflict.location_id or "")
            change = pending.get(key)
            if change is None:  # never dropped without a word, even if Shopify names no item
                result.failed.append(f"a stock write Shopify did not name: {conflict.message}")
                continue
            if conflict.code != "CHANGE_FROM_QUANTITY_STALE":
                result.failed.append(f"{change.sku} at {change.location}: {conflict.message}")
                continue
            level = await shopify.stock_level(change.inventory_item_id, change.location_id)
            if level is None:
                result.failed.append(f"{change.sku} at {change.location}: no longer stocked there")
                continue
            sold = max(0, change.current - level.available)  # sold in Shopify since we read it
            retry[key] = StockChange(
                change.sku,
                change.inventory_item_id,
                change.location_id,
                change.location,
                level.available,
                max(0, change.target - sold),
            )
            result.adjusted_for_sales.append(f"{change.sku} at {change.location}")
        pending = {k: c for k, c in retry.items() if c.current != c.target}
        if not pending:
            break
    result.failed += [f"{c.sku} at {c.location}: kept changing while we wrote" for c in pending.values()]
    result.shopify_calls = shopify.calls - calls
    return result


def save_snapshot(folder: Path, store: str, changes: list[StockChange]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"stock-{stamp}.json"
    write_atomically(path, json.dumps({"store": store, "time": stamp, "items": [asdict(c) for c in changes]}, indent=1))
    return path


async def rollback_stock(shopify: ShopifyClient, snapshot: Path) -> PushResult:
    """Put back what a push changed: each item to its value before the push (compare-and-set again)."""
    try:
        data = json.loads(snapshot.read_text())
        items = [StockChange(**item) for item in data["items"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise ConsoleError(
            f"{snapshot} is not a stock snapshot.", hint="Pick a file from the store's snapshots."
        ) from None
    result = PushResult(snapshot=snapshot)
    calls = shopify.calls
    restore = []
    current = {}
    for location_id in sorted({item.location_id for item in items}):  # a page of 250 items per call
        for item_id, stock in (await shopify.location_stock(location_id)).items():
            current[(item_id, location_id)] = stock
    for item in items:
        level = current.get((item.inventory_item_id, item.location_id))
        if level is None:
            result.failed.append(f"{item.sku} at {item.location}: no longer stocked there")
            continue
        if level.available != item.current:
            restore.append(
                StockSet(
                    inventory_item_id=item.inventory_item_id,
                    location_id=item.location_id,
                    quantity=item.current,
                    change_from=level.available,
                )
            )
    outcome = await shopify.set_available(
        restore, reference=f"gid://cin7-shopify-console/StockRollback/{snapshot.stem}"
    )
    result.applied = len(outcome.applied)
    result.failed += [c.message for c in outcome.conflicts]
    result.shopify_calls = shopify.calls - calls
    return result
