"""Stock out: Cin7 Core is the stock master; each mapped Shopify location shows what Cin7 has available.

Target = Cin7 Available at the mapped location, summed over its bins, less the units on Shopify
orders Cin7 Core does not hold yet (`in_flight.py`), less the safety buffer, never below 0. A kit
(BillOfMaterial with AutoAssembly) has no stock of its own: it gets the least, over its components,
of the component's figure divided by its quantity, rounded down. One Cin7 location's stock goes to
one Shopify location: where the map sends it to several, `location_split` shares it, else the first
of them in the map gets it and the others are left as Shopify has them. A SKU Cin7 Core does not
know is left as Shopify has it, and so is a location run by a fulfillment service that keeps its own
stock (a 3PL's app). The plan lists everything it left alone, and why.

Only differences are written, ≤250 a call, each with `changeFromQuantity` = the value just read: if
a sale lands in Shopify between the read and the write, that item is re-read and its target lowered
by the sale, never overwritten. A push that would zero more than the guard share of tracked items is
refused unless forced, and every push first saves a snapshot that `rollback` restores.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import BomComponent, Product
from cin7_shopify.errors import ConsoleError
from cin7_shopify.paths import private_folder
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.documents import document
from cin7_shopify.shopify.models import SetStockResult, ShopifyLocation, ShopifyVariant, StockLevel, StockSet
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.sync.in_flight import UnitsOnOrders, orders_not_in_cin7, units_on_orders
from cin7_shopify.sync.write_step import WriteSteps


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
    why: str = ""  # how the target was reached, where it is more than Cin7's Available there


@dataclass
class LeftAlone:
    """A Shopify stock level the push does not write, and why."""

    sku: str
    location: str  # Shopify location name
    current: int
    reason: str


@dataclass
class StockPlan:
    changes: list[StockChange] = field(default_factory=list)
    unchanged: int = 0
    tracked: int = 0  # tracked items at mapped locations
    skipped: list[str] = field(default_factory=list)
    left_alone: list[LeftAlone] = field(default_factory=list)
    held_back: list[UnitsOnOrders] = field(default_factory=list)  # units on orders Cin7 Core does not hold yet
    notes: list[str] = field(default_factory=list)  # shared locations, kits, orders that could not be placed
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


@dataclass(frozen=True)
class Feed:
    """What one Shopify location is given of one Cin7 Core location's stock."""

    cin7_location: str
    shares: tuple[tuple[str, int], ...]  # every (Shopify location id, percent) of that Cin7 location

    def part(self, units: int, location_id: str) -> int:
        """This location's share of `units`, rounded down; what rounding leaves goes to the first share."""
        if units <= 0:
            return 0
        parts = {lid: units * percent // 100 for lid, percent in self.shares}
        if self.shares and location_id == self.shares[0][0]:
            return parts[location_id] + units - sum(parts.values())
        return parts.get(location_id, 0)


def location_feeds(
    settings: StoreSettings, locations: Mapping[str, ShopifyLocation]
) -> tuple[dict[str, Feed], list[str]]:
    """Which active Shopify locations the push writes, and from which Cin7 Core location's stock."""
    by_cin7: dict[str, list[str]] = defaultdict(list)
    notes: list[str] = []
    for location_id, cin7_location in settings.location_map.items():
        location = locations.get(location_id)
        if location is not None and location.is_active and location.service_keeps_stock:
            notes.append(
                f"{location.name} is run by a fulfillment service ({location.service_name or 'a 3PL app'}) that "
                "keeps its stock in Shopify itself: not pushed, so two writers never fight over it."
            )
        elif location is not None and location.is_active:
            by_cin7[cin7_location].append(location_id)
    feeds: dict[str, Feed] = {}

    def name(location_id: str) -> str:
        return locations[location_id].name if location_id in locations else location_id

    for cin7_location, sharing in by_cin7.items():
        split = settings.location_split.get(cin7_location)
        if split:
            shares = tuple((lid, pct) for lid, pct in split.items() if lid in sharing)
            for lid in split:
                if lid not in sharing:
                    notes.append(
                        f"location_split gives {name(lid)} {split[lid]}% of '{cin7_location}', but the location "
                        f"map does not send an active {name(lid)} there: that share is not pushed anywhere."
                    )
            described = ", ".join(f"{name(lid)} {pct}%" for lid, pct in shares)
            if len(sharing) > 1 or len(shares) != len(split):
                notes.append(f"Cin7 Core location '{cin7_location}' is shared as location_split says: {described}.")
        else:
            shares = ((sharing[0], 100),)
            if len(sharing) > 1:
                others = ", ".join(name(lid) for lid in sharing[1:])
                notes.append(
                    f"Cin7 Core location '{cin7_location}' feeds {len(sharing)} Shopify locations: its stock goes "
                    f"to {name(sharing[0])} (first in the location map) and {others} "
                    f"{'is' if len(sharing) == 2 else 'are'} left as Shopify has it, so no unit is counted "
                    "twice. Set location_split to share it."
                )
        for lid in sharing:
            if lid in dict(shares):
                feeds[lid] = Feed(cin7_location, shares)
            elif split:
                notes.append(f"{name(lid)} has no share in location_split for '{cin7_location}': left as it is.")
    return feeds, notes


def _unknown_sku_reason(sku: str, products: Mapping[str, Product]) -> str:
    near = {" ".join(known.split()).lower(): known for known in products}.get(" ".join(sku.split()).lower())
    if near is not None:
        return (
            f"Cin7 Core has no product '{sku}' (it has '{near}', which differs in case or spaces): left as Shopify "
            "has it until the SKUs match."
        )
    return "Cin7 Core has no product with this SKU: left as Shopify has it."


async def plan_stock(
    cin7: Cin7Client, shopify: ShopifyClient, settings: StoreSettings, *, ledger: Ledger | None = None
) -> StockPlan:
    """What a push would write. With the sync's `ledger`, units on orders Cin7 does not hold yet are held back."""
    plan = StockPlan()
    cin7_before, shopify_before = cin7.calls, shopify.calls
    # Products tell a SKU Cin7 does not know from one it holds none of, and carry the kits' components.
    products = {p.SKU: p for p in await cin7.list_products(include_deprecated=True, include_bom=True)}
    kits: dict[str, list[BomComponent]] = {
        sku: p.BillOfMaterialsProducts for sku, p in products.items() if p.is_kit and p.BillOfMaterialsProducts
    }
    available: dict[tuple[str, str], float] = defaultdict(float)
    for row in await cin7.list_availability():
        available[(row.SKU, row.Location)] += float(row.Available)  # bins of one location add up
    locations = {loc.id: loc for loc in await shopify.locations()}
    feeds, plan.notes = location_feeds(settings, locations)
    held: dict[tuple[str, str], UnitsOnOrders] = {}
    if ledger is not None:
        in_flight = await orders_not_in_cin7(shopify, settings, ledger)
        held, unplaced = units_on_orders(in_flight, settings.location_map, kits)
        plan.notes += unplaced
        # A SKU Cin7 does not know has no Cin7 stock to hold back (the order is held for it anyway).
        held = {key: units for key, units in held.items() if units.sku in products}
        plan.held_back = sorted(held.values(), key=lambda u: (u.sku, u.location))

    def pool(sku: str, cin7_location: str) -> int:
        """Cin7's Available less what orders not yet in Cin7 hold: negative on a backorder."""
        on_orders = held[(sku, cin7_location)].units if (sku, cin7_location) in held else 0
        return math.floor(available.get((sku, cin7_location), 0.0)) - on_orders

    def sellable(sku: str, cin7_location: str) -> tuple[int, str]:
        parts = kits.get(sku)
        if not parts:
            return pool(sku, cin7_location), ""
        each = [(part.ProductCode or "", pool(part.ProductCode or "", cin7_location), part.Quantity) for part in parts]
        units = min(math.floor(have / quantity) if quantity > 0 else 0 for _, have, quantity in each)
        return units, "kit: least of " + ", ".join(
            f"{code} {have}/{float(quantity):g}" for code, have, quantity in each
        )

    for sku, parts in sorted(kits.items()):
        plan.notes.append(
            f"{sku} is a kit: Shopify gets the least over "
            + ", ".join(f"{part.ProductCode} (×{float(part.Quantity):g})" for part in parts)
            + " of the component's stock divided by its quantity."
        )
    variants, levels_by_location = await _shopify_stock(shopify, list(feeds))
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
    for location_id, feed in feeds.items():
        location = locations[location_id]
        for item_id, level in levels_by_location.get(location_id, {}).items():
            listed = by_item.get(item_id)
            if listed is None or listed.sku is None:
                continue
            if listed.sku not in products:
                plan.left_alone.append(
                    LeftAlone(listed.sku, location.name, level.available, _unknown_sku_reason(listed.sku, products))
                )
                continue
            plan.tracked += 1
            units, why = sellable(listed.sku, feed.cin7_location)
            on_orders = held.get((listed.sku, feed.cin7_location))
            if on_orders is not None:
                why = "; ".join(filter(None, [why, f"less {on_orders.units} on {', '.join(on_orders.orders)}"]))
            share = feed.part(units, location_id)
            if len(feed.shares) > 1:
                why = "; ".join(filter(None, [why, f"{dict(feed.shares)[location_id]}% of {max(units, 0)}"]))
            target = max(0, share - settings.safety_buffer)
            if target == level.available:
                plan.unchanged += 1
            else:
                plan.changes.append(
                    StockChange(listed.sku, item_id, location_id, location.name, level.available, target, why)
                )
    plan.skipped = sorted(set(plan.skipped))
    plan.left_alone.sort(key=lambda item: (item.sku, item.location))
    plan.cin7_calls, plan.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    return plan


async def _shopify_stock(
    shopify: ShopifyClient, written: list[str]
) -> tuple[list[ShopifyVariant], dict[str, dict[str, StockLevel]]]:
    """Variants and levels at the locations the push writes: pages for a small shop, a bulk read for a big one."""
    data = await shopify.execute(document("variants"), {"after": None, "query": None})
    page = data["productVariants"]
    if page["pageInfo"]["hasNextPage"]:
        variants = await shopify.bulk_variants()
        levels: dict[str, dict[str, StockLevel]] = defaultdict(dict)
        for variant in variants:
            for level in variant.levels:
                levels[level.location_id][variant.inventory_item_id] = level
        return variants, dict(levels)
    variants = [ShopifyVariant.from_graphql(node) for node in page["nodes"]]
    return variants, {lid: await shopify.location_stock(lid) for lid in written}


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
    writes: WriteSteps | None = None,
) -> PushResult:
    """Write the plan's changes, compare-and-set, through the one write step (`writes`; tests may omit it)."""
    check_guard(plan, settings, force=force)
    result = PushResult()
    if not plan.changes:
        return result
    calls = shopify.calls
    if writes is not None:
        writes.supersede("stock_batch")  # this plan was read afresh: an interrupted push is moot
    result.snapshot = save_snapshot(snapshots, store, plan.changes)
    pending = {(c.inventory_item_id, c.location_id): c for c in plan.changes}
    for attempt in range(3):
        sets = [
            StockSet(
                inventory_item_id=c.inventory_item_id,
                location_id=c.location_id,
                quantity=c.target,
                change_from=c.current,
            )
            for c in pending.values()
        ]
        outcome = await _write_batch(
            shopify, writes, sets, f"{result.snapshot.stem}:{attempt}", f"StockPush/{result.snapshot.stem}"
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
    private_folder(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"stock-{stamp}.json"
    write_atomically(path, json.dumps({"store": store, "time": stamp, "items": [asdict(c) for c in changes]}, indent=1))
    return path


async def rollback_stock(shopify: ShopifyClient, snapshot: Path, *, writes: WriteSteps | None = None) -> PushResult:
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
    outcome = await _write_batch(
        shopify, writes, restore, f"rollback:{snapshot.stem}", f"StockRollback/{snapshot.stem}"
    )
    result.applied = len(outcome.applied)
    result.failed += [c.message for c in outcome.conflicts]
    result.shopify_calls = shopify.calls - calls
    return result


async def _write_batch(
    shopify: ShopifyClient, writes: WriteSteps | None, sets: list[StockSet], subject: str, reference: str
) -> SetStockResult:
    """One compare-and-set write of stock levels, framed as every remote write is."""
    outcome = SetStockResult()

    async def send() -> dict[str, int]:
        nonlocal outcome
        outcome = await shopify.set_available(sets, reference=f"gid://cin7-shopify-console/{reference}")
        return {"applied": len(outcome.applied), "refused": len(outcome.conflicts)}

    if writes is None:
        await send()
    else:  # a key of its own per batch, and a new push supersedes an interrupted one: no look-up
        await writes.write("stock_batch", subject, send=send, look_up=None, detail={"items": len(sets)})
    return outcome
