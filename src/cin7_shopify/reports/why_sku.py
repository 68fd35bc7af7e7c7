"""Why does this SKU show N in Shopify? For each mapped location: the figures and the story behind them.

The figures are the stock plan's own (`plan_stock(..., explain={sku})`), so this never explains a
number the push would not write: Cin7 Core's Available there (per bin), a kit's components, the units
on orders Cin7 Core does not hold yet, a location's share, the buffer. The story comes from what the
sync kept: every push saves a snapshot of what it wrote (time, the figure before, the figure after),
and Shopify's orders placed since the last write say how many units Shopify itself took off. What
is left over moved with no order to explain it: someone changed the stock in Shopify (the admin's
adjustment history is not in the Admin API, so we can only see that it moved, and by how much).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.sync.stock import StockBreakdown, plan_stock

WRITES_SHOWN = 5  # the last few writes of an item go on its timeline


@dataclass
class Moment:
    time: str  # ISO 8601 UTC, "" when not known
    what: str


@dataclass
class LocationStory:
    location: str  # Shopify location name
    cin7_location: str
    shopify_now: int
    next_push: int  # what the next push would set
    available: int  # Cin7's Available there (a kit: what its components make after orders)
    bins: list[dict[str, Any]]
    components: list[dict[str, Any]]
    on_orders: int
    orders: list[str]
    share_percent: int
    buffer: int
    last_written: int | None  # what our last push set, and when
    last_written_at: str | None
    sold_since: int  # units on Shopify orders placed since that write, at this location
    unexplained: int  # Shopify's move since our write that no order explains (someone changed it)
    timeline: list[Moment] = field(default_factory=list)  # newest first
    sentence: str = ""


@dataclass
class SkuStory:
    sku: str
    kit: bool
    locations: list[LocationStory] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)  # the plan's reasons for leaving it as it is
    sentence: str = ""  # the whole answer in one sentence
    cin7_calls: int = 0
    shopify_calls: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Write:
    time: str
    before: int
    after: int


def written(snapshots: Path, sku: str) -> dict[str, list[_Write]]:
    """Every write of `sku` the saved snapshots hold, by Shopify location id, oldest first."""
    found: dict[str, list[_Write]] = {}
    for path in sorted(snapshots.glob("stock-*.json")) if snapshots.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            when = datetime.strptime(data["time"], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
            items = [item for item in data["items"] if item["sku"] == sku]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a snapshot a push wrote: `stock rollback` names it if someone picks it
        for item in items:
            found.setdefault(item["location_id"], []).append(
                _Write(when.strftime("%Y-%m-%dT%H:%M:%SZ"), int(item["current"]), int(item["target"]))
            )
    return found


def _units_at(order: ShopifyOrder, sku: str, location_id: str) -> int:
    located = next((fo.location_id for fo in order.fulfillment_orders if fo.location_id), None)
    if located != location_id:
        return 0
    return sum(line.quantity for line in order.lines if line.sku == sku)


async def explain_sku(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    settings: StoreSettings,
    ledger: Ledger,
    snapshots: Path,
    sku: str,
) -> SkuStory:
    """What Shopify shows for `sku` at each mapped location, why, and what changed it since our last write."""
    sku = sku.strip()
    if not sku:
        raise ConsoleError("No SKU given.", hint="Name the SKU as Shopify and Cin7 Core spell it, e.g. TEE-BLK-M.")
    cin7_before, shopify_before = cin7.calls, shopify.calls
    plan = await plan_stock(cin7, shopify, settings, ledger=ledger, explain=frozenset({sku}))
    story = SkuStory(sku=sku, kit=any(b.components for b in plan.breakdown))
    story.left_alone = [f"{item.location}: {item.reason}" for item in plan.left_alone if item.sku == sku]
    story.left_alone += [reason for reason in plan.skipped if reason.startswith(f"{sku}:")]
    if plan.breakdown:  # a location a 3PL's app keeps the stock of is left to it (stock.location_feeds)
        story.left_alone += [note for note in plan.notes if "is run by a fulfillment service" in note]
    writes = written(snapshots, sku)
    since = min((ws[-1].time for ws in writes.values() if ws), default=None)
    orders = (
        [o for o in await shopify.orders(f"created_at:>='{since}'") if not o.cancelled_at] if since is not None else []
    )
    for breakdown in plan.breakdown:
        story.locations.append(_location_story(breakdown, writes.get(breakdown.location_id, []), orders))
    story.cin7_calls, story.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    story.sentence = _overall(story)
    return story


def _location_story(b: StockBreakdown, writes: list[_Write], orders: list[ShopifyOrder]) -> LocationStory:
    last = writes[-1] if writes else None
    sold: list[tuple[ShopifyOrder, int]] = []
    if last is not None:
        sold = [
            (o, units) for o in orders if o.created_at >= last.time and (units := _units_at(o, b.sku, b.location_id))
        ]
    sold_since = sum(units for _, units in sold)
    unexplained = b.shopify_now - (last.after - sold_since) if last is not None else 0
    story = LocationStory(
        location=b.location,
        cin7_location=b.cin7_location,
        shopify_now=b.shopify_now,
        next_push=b.target,
        available=b.available,
        bins=[{"bin": name or "(no bin)", "available": available} for name, available in b.bins],
        components=[
            {"sku": code, "available": have, "on_orders": held, "per_kit": quantity}
            for code, have, held, quantity in b.components
        ],
        on_orders=b.on_orders,
        orders=b.orders,
        share_percent=b.share_percent,
        buffer=b.buffer,
        last_written=last.after if last else None,
        last_written_at=last.time if last else None,
        sold_since=sold_since,
        unexplained=unexplained,
    )
    moments: list[Moment] = []
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moments.append(Moment(now, f"Shopify shows {b.shopify_now}; the next push would set {b.target}"))
    if unexplained:
        moments.append(
            Moment(
                "",
                f"Shopify's figure moved by {unexplained:+d} since our write with no order to explain it "
                "(someone changed it in Shopify)",
            )
        )
    for order, units in sorted(sold, key=lambda pair: pair[0].created_at, reverse=True):
        moments.append(Moment(order.created_at, f"{order.name} placed in Shopify: {units} sold"))
    for write in reversed(writes[-WRITES_SHOWN:]):
        moments.append(Moment(write.time, f"we set {write.after} (Shopify had {write.before})"))
    story.timeline = moments
    story.sentence = _sentence(story, b)
    return story


def _because_cin7(story: LocationStory, b: StockBreakdown) -> str:
    if b.components:
        parts = ", ".join(f"{c['sku']} {c['available'] - c['on_orders']}/{c['per_kit']:g}" for c in story.components)
        reason = f"{b.sku} is a kit whose components make {b.available} at {b.cin7_location} (least of {parts})"
    else:
        bins = [bin_ for bin_ in story.bins if bin_["bin"] != "(no bin)"]
        where = " (" + ", ".join(f"bin {x['bin']} {x['available']:g}" for x in bins) + ")" if bins else ""
        reason = f"Cin7 Core has {b.available} available at {b.cin7_location}{where}"
        if b.on_orders:
            reason += f", less {b.on_orders} on orders Cin7 Core does not hold yet ({', '.join(b.orders)})"
    if b.share_percent != 100:
        reason += f", of which this location gets {b.share_percent}%"
    if b.buffer:
        reason += f", less the safety buffer of {b.buffer}"
    return reason


def _sentence(story: LocationStory, b: StockBreakdown) -> str:
    shows = f"Shopify shows {story.shopify_now} at {story.location}"
    if story.unexplained and story.last_written is not None:
        sold = f", {story.sold_since} sold since" if story.sold_since else ", nothing sold since"
        return (
            f"{shows} because someone changed it in Shopify: we set {story.last_written} at "
            f"{story.last_written_at}{sold}, and it moved by {story.unexplained:+d} with no order to explain it; "
            f"the next push sets {story.next_push} ({_because_cin7(story, b)})."
        )
    if story.shopify_now == story.next_push:
        return f"{shows} because {_because_cin7(story, b)}."
    if story.last_written is not None and story.sold_since:
        return (
            f"{shows} because we set {story.last_written} at {story.last_written_at} and {story.sold_since} sold "
            f"since; the next push sets {story.next_push} because {_because_cin7(story, b)}."
        )
    return (
        f"{shows}, but the next push sets {story.next_push} because {_because_cin7(story, b)} "
        "(Cin7 Core's stock changed since the last push, or no push has run yet)."
    )


def _overall(story: SkuStory) -> str:
    if story.locations:
        return " ".join(location.sentence for location in story.locations)
    if story.left_alone:
        return f"The sync leaves {story.sku} as Shopify has it: {'; '.join(story.left_alone)}"
    return (
        f"No tracked Shopify variant with SKU {story.sku} is stocked at a mapped location, so the sync writes "
        "no stock for it."
    )


def story_text(story: SkuStory) -> str:
    """The story as the terminal shows it: per location, the figures, then the timeline, newest first."""
    lines = [f"{story.sku}{' (kit)' if story.kit else ''}"]
    for location in story.locations:
        lines.append("")
        lines.append(f"{location.location} ← Cin7 Core '{location.cin7_location}'")
        lines.append(f"  Shopify now       {location.shopify_now}")
        lines.append(f"  next push sets    {location.next_push}")
        if location.components:
            for part in location.components:
                lines.append(
                    f"  component         {part['sku']}: {part['available']} available, {part['on_orders']} on "
                    f"orders, {part['per_kit']:g} a kit"
                )
            lines.append(f"  kits they make    {location.available}")
        else:
            lines.append(f"  Cin7 Available    {location.available}")
            for bin_ in location.bins:
                lines.append(f"    {bin_['bin']:<15} {bin_['available']:g}")
            orders = f" ({', '.join(location.orders)})" if location.orders else ""
            lines.append(f"  on orders         {location.on_orders}{orders}")
        if location.share_percent != 100:
            lines.append(f"  share             {location.share_percent}%")
        lines.append(f"  buffer            {location.buffer}")
        if location.last_written is not None:
            lines.append(f"  we last wrote     {location.last_written} at {location.last_written_at}")
            lines.append(f"  sold since        {location.sold_since}")
            lines.append(f"  unexplained       {location.unexplained:+d}")
        else:
            lines.append("  we last wrote     nothing yet (no push changed it)")
        lines.append("  timeline (newest first)")
        for moment in location.timeline:
            lines.append(f"    {moment.time or '—':<20} {moment.what}")
    for reason in story.left_alone:
        lines.append(f"left alone: {reason}")
    lines.append("")
    lines.append(story.sentence)
    return "\n".join(lines) + "\n"
