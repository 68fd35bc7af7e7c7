"""Where is order #1234? Its story across Shopify, Cin7 Core and what the sync kept, in one sentence.

Shopify says when it was placed, paid, refunded or cancelled; the sync's rules (`waiting_reason`)
say whether it has reached its trigger; the ledger says whether it was imported (as which sale),
held (for what: the error journal has when and Cin7's or our own words), or is to be retried; Cin7
Core's sale says whether it was authorised, picked, packed and shipped (with which tracking); the
ledger again says which shipments were sent back to Shopify as fulfilments. Read only: a few calls.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import Sale
from cin7_shopify.errors import ConsoleError
from cin7_shopify.reports.why_sku import Moment
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.shopify.models import ShopifyOrder
from cin7_shopify.state.ledger import Ledger, OrderEntry
from cin7_shopify.sync.journal import JournalEntry
from cin7_shopify.sync.translate import waiting_reason

SHIPPED = {"SHIPPED", "AUTHORISED", "PARTIALLY AUTHORISED"}


def _second(stamp: str) -> str:
    """The ledger's microsecond stamps to the second, as every other time on the timeline."""
    return (
        stamp[:19] + "Z" if len(stamp) > 20 and stamp.endswith("Z") else stamp
    )  # a Ship stage in either state has left the warehouse


@dataclass
class OrderStory:
    name: str
    order_id: str
    status: str  # the ledger's word: seen, waiting, skipped, held, retry, imported, voided, cancelled_after_pick
    in_cin7: bool
    complete: bool
    sale_id: str | None = None
    sale_number: str | None = None
    held_for: list[dict[str, str]] = field(default_factory=list)  # kind, message, fix
    held_since: str | None = None
    next_retry: str | None = None
    attempts: int = 0  # a held order: how many passes in a row held it (its backoff doubles each time)
    tracking: list[str] = field(default_factory=list)
    shipments: int = 0  # Cin7 fulfilment tasks shipped
    fulfilments_sent: int = 0
    timeline: list[Moment] = field(default_factory=list)  # newest first
    sentence: str = ""
    cin7_calls: int = 0
    shopify_calls: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def find_order(shopify: ShopifyClient, ledger: Ledger, name: str) -> ShopifyOrder:
    """The Shopify order named `name` ("#1001" or "1001"); the ledger's copy if Shopify no longer has it."""
    wanted = name.strip()
    if not wanted:
        raise ConsoleError("No order name given.", hint="Name it as Shopify does, e.g. #1001.")
    names = [wanted] if wanted.startswith("#") else [f"#{wanted}", wanted]
    for candidate in names:
        for order in await shopify.orders(f"name:{candidate}"):
            if order.name == candidate:
                return order
    for entry in ledger.orders.values():
        if entry.name in names and entry.order:
            return ShopifyOrder.model_validate(entry.order)
    raise ConsoleError(
        f"Shopify has no order named {wanted}.",
        hint="Check the name in Shopify's Orders page (with its #), and that this is the right store.",
    )


async def explain_order(
    cin7: Cin7Client,
    shopify: ShopifyClient,
    settings: StoreSettings,
    ledger: Ledger,
    journal: list[JournalEntry],
    name: str,
    *,
    next_pass: str | None = None,
) -> OrderStory:
    cin7_before, shopify_before = cin7.calls, shopify.calls
    order = await find_order(shopify, ledger, name)
    entry = ledger.order(order.id)
    mine = sorted((e for e in journal if e.order_id == order.id), key=lambda e: e.time)
    sale: Sale | None = None
    sale_id = entry.sale_id if entry else None
    if sale_id is None and not (entry and entry.status in {"held", "skipped", "waiting"}):
        found = await cin7.find_sales_by_external_id(order.id)  # imported, though the ledger does not say so
        sale_id = found[0].SaleID if found else None
    if sale_id is not None:
        sale = await cin7.get_sale(sale_id)
    story = OrderStory(
        name=order.name,
        order_id=order.id,
        status=entry.status if entry else "not seen by the sync",
        in_cin7=sale is not None,
        complete=False,
        sale_id=sale_id,
        sale_number=sale.OrderNumber if sale else None,
    )
    moments: list[Moment] = []  # oldest first; reversed at the end
    units = sum(line.quantity for line in order.lines)
    moments.append(Moment(order.created_at, f"placed in Shopify: {len(order.lines)} lines, {units} units"))
    moments.append(Moment(order.processed_at or "", f"payment: {(order.financial_status or 'unknown').lower()}"))
    reason = waiting_reason(order, settings, backfill=bool(entry and entry.reason == "backfill"))
    trigger = {"paid": "paid", "fulfilled": "fulfilled in Shopify"}.get(settings.order_trigger, settings.order_trigger)
    if reason is None or (entry and entry.status in {"imported", "voided", "cancelled_after_pick"}):
        moments.append(Moment("", f"reached its trigger (import once {trigger})"))
    elif reason.startswith("waiting"):
        moments.append(Moment("", f"not at its trigger yet: {reason} (imported once {trigger})"))
    else:
        moments.append(Moment("", f"never imported: {reason}"))
    for record in mine:
        state = "" if record.status == "open" else f" [{record.status}]"
        moments.append(Moment(record.time, f"{record.kind}: {record.message}{state}"))
    if entry is not None and entry.status == "held":
        story.held_for = list(entry.errors)
        story.held_since = next((r.time for r in mine if r.status == "open"), None) or _second(entry.updated)
        story.attempts = entry.attempts
        # A held order rests until its backoff expires, or sooner when what it waits on changes (sync/orders.py).
        story.next_retry = (
            f"{entry.retry_at}, or at the first order pass after what it waits on changes"
            if entry.retry_at
            else next_pass or f"the next order pass (every {settings.order_poll_minutes} minutes)"
        )
        kinds = ", ".join(error["kind"] for error in entry.errors)
        tries = f"held {entry.attempts} time{'s' if entry.attempts != 1 else ''} in a row; " if entry.attempts else ""
        moments.append(Moment(story.held_since, f"held for {kinds}; {tries}next try: {story.next_retry}"))
    if entry is not None and entry.status == "retry":
        story.next_retry = next_pass or f"the next order pass (every {settings.order_poll_minutes} minutes)"
        moments.append(Moment(_second(entry.updated), f"Cin7 Core did not answer; to retry at {story.next_retry}"))
    if sale is not None:
        _sale_moments(sale, entry, story, moments)
    for refund in order.refunds:
        count = sum(line.quantity for line in refund.lines)
        reported = " (reported)" if entry and refund.id in entry.refunds else ""
        moments.append(Moment(refund.created_at or "", f"refunded in Shopify: {count} units{reported}"))
    if order.cancelled_at:
        moments.append(Moment(order.cancelled_at, f"cancelled in Shopify ({(order.cancel_reason or '').lower()})"))
        if entry is not None and entry.status == "voided":
            moments.append(Moment(_second(entry.updated), "its Cin7 Core sale was voided"))
        elif entry is not None and entry.status == "cancelled_after_pick":
            moments.append(Moment(_second(entry.updated), "already picked in Cin7 Core: it needs a credit note there"))
    story.timeline = list(reversed(moments))
    story.sentence = _sentence(order, entry, story, reason, trigger)
    story.cin7_calls, story.shopify_calls = cin7.calls - cin7_before, shopify.calls - shopify_before
    return story


def _sale_moments(sale: Sale, entry: OrderEntry | None, story: OrderStory, moments: list[Moment]) -> None:
    moments.append(
        Moment(_second(entry.updated) if entry else "", f"imported into Cin7 Core as {sale.OrderNumber or sale.ID}")
    )
    if sale.Order is not None and sale.Order.Status not in {"NOT AVAILABLE", "DRAFT"}:
        moments.append(Moment("", f"sale order {sale.Order.Status.lower()} in Cin7 Core"))
    sent = set(entry.shipments) if entry else set()
    for task in sale.Fulfilments:
        label = f"fulfilment {task.FulfillmentNumber or task.TaskID}"
        for stage, what in ((task.Pick, "picked"), (task.Pack, "packed")):
            if stage.Status == "AUTHORISED":
                moments.append(Moment("", f"{label}: {what}"))
        if task.Ship.Status in SHIPPED:
            story.shipments += 1
            tracking = [line.TrackingNumber for line in task.ship_lines if line.TrackingNumber]
            story.tracking += tracking
            when = next((line.ShipmentDate for line in task.ship_lines), "")
            carrier = next((line.Carrier for line in task.ship_lines if line.Carrier), None)
            moments.append(
                Moment(
                    when,
                    f"{label}: shipped"
                    + (f" by {carrier}" if carrier else "")
                    + f", tracking {', '.join(tracking) or 'none'}",
                )
            )
        boxes = {f"{task.TaskID}/{line.Box or 'Box 1'}" for line in task.ship_lines if line.IsShipped}
        if task.TaskID in sent or (boxes and boxes <= sent):  # sent whole, or box by box (sync/fulfilment.py)
            story.fulfilments_sent += 1
            moments.append(
                Moment("", f"{label}: fulfilment sent to Shopify with tracking {', '.join(story.tracking) or 'none'}")
            )


def _sentence(
    order: ShopifyOrder, entry: OrderEntry | None, story: OrderStory, reason: str | None, trigger: str
) -> str:
    status = entry.status if entry else None
    if order.cancelled_at:
        if status == "voided":
            return f"Cancelled: cancelled in Shopify, and its Cin7 Core sale {story.sale_number} was voided."
        if status == "cancelled_after_pick":
            return (
                f"Cancelled in Shopify after Cin7 Core picked it: sale {story.sale_number} needs a credit note "
                "in Cin7 Core."
            )
        if story.in_cin7:
            return f"Cancelled in Shopify; its Cin7 Core sale {story.sale_number} is voided on the next order pass."
        return "Not in Cin7 because it was cancelled in Shopify before it was imported."
    if story.in_cin7:
        if story.shipments and story.fulfilments_sent >= story.shipments:
            story.complete = True
            return "Complete."
        if story.tracking and not story.fulfilments_sent:
            return f"In Cin7 Core as {story.sale_number} and shipped; the fulfilment goes to Shopify on the next pass."
        return f"In Cin7 Core as {story.sale_number}; not shipped yet."
    if status == "held":
        first = story.held_for[0] if story.held_for else {"kind": "review", "message": "", "fix": ""}
        return f"Not in Cin7 because it is held ({first['kind']}): {first['message']} Fix: {first['fix']}"
    if status == "retry":
        return f"Not in Cin7 yet because Cin7 Core did not answer; it is retried at {story.next_retry}."
    if reason is not None and reason.startswith("waiting"):
        return f"Not in Cin7 because it has not reached its trigger: it is imported once {trigger} ({reason})."
    if reason is not None:
        return f"Not in Cin7 because it is {reason}: the sync never imports it."
    return "Not in Cin7 yet: it has reached its trigger and is imported on the next order pass."


def order_text(story: OrderStory) -> str:
    """The story as the terminal shows it: the timeline, newest first, then the one sentence."""
    lines = [f"{story.name}  ({story.status})"]
    if story.sale_number:
        lines.append(f"Cin7 Core sale {story.sale_number} ({story.sale_id})")
    lines.append("timeline (newest first)")
    for moment in story.timeline:
        lines.append(f"  {moment.time or '—':<20} {moment.what}")
    lines.append("")
    lines.append(story.sentence)
    return "\n".join(lines) + "\n"
