"""Will Black Friday fit? What a peak hour costs in Cin7 Core calls, and how far order import falls behind.

The model is the sync's own arithmetic, written out: each order costs a sale create and its
authorisation; Cin7's customer list is read whole once, then once a pass for what changed when a new
customer's email is not in it, and a new customer costs its create (`customer_mode=match_email`); each
order pass reads the ids and times of the last ten minutes' orders, then in full only the new ones;
each store's first pass reads the reference data
(products, locations, tax rules), each fulfilment pass lists the sales updated since the last one,
and each stock push reads products and availability (1,000 rows a call). The calls are then placed
on Cin7's budget as the pacer places them (60 in any 61 seconds, every store of the account sharing
it), pass after pass at the poll interval, so import lag comes out of the same queue the sync
stands in. `sandbox/capacity.py` runs the same hour through the sandboxes to check the model.

The stores of one account run their passes one after another in this model; `sync run --all` runs
them side by side, which shares the same budget and so the same total lag.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

CALLS_PER_WINDOW = 60
WINDOW_SECONDS = 61.0  # the pacer's 60-second window and its one-second margin
HOUR = 3600.0
PAGE = 1000  # Cin7 Core list calls
ORDERS_PAGE = 3  # orders a Shopify page (`ORDERS_PAGE_SIZE` of the Shopify client)
SHOPIFY_BUCKET = 2000.0  # Shopify's query cost bucket and its restore rate a second (the sandbox's defaults)
SHOPIFY_RESTORE = 100.0

# Kinds of Cin7 call, as the command prints them.
SALE_CREATE = "sale create"
SALE_AUTHORISE = "sale authorise"
CUSTOMER_LOOKUP = "customer look-up by email"
CUSTOMER_NAME = "customer name check"
CUSTOMER_CREATE = "customer create"
CUSTOMER_TEMPLATE = "customer list read"
REFERENCE = "reference data (first pass)"
FULFILMENT_LIST = "fulfilment: sales list"
STOCK_READS = "stock push: products and availability"
KINDS = (
    SALE_CREATE,
    SALE_AUTHORISE,
    CUSTOMER_LOOKUP,
    CUSTOMER_NAME,
    CUSTOMER_CREATE,
    CUSTOMER_TEMPLATE,
    REFERENCE,
    FULFILMENT_LIST,
    STOCK_READS,
)


@dataclass(frozen=True)
class Load:
    orders_per_hour: int
    new_customers: float = 0.3  # share of orders from customers Cin7 Core does not know yet
    stock_changes_per_hour: int = 0
    stores: int = 1
    poll_minutes: int = 5
    stock_minutes: int = 60
    products: int = 0  # Cin7 Core products (the stock push and the first pass read them all)
    stock_rows: int = 0  # Cin7 Core availability rows
    locations_pages: int = 1
    known_customers: int = 30  # returning customers are drawn from this many
    # Shopify's cost of one page of the orders document (3 orders a page): what it asks the bucket for,
    # and what it really costs with 0, 1, 2 and 3 orders on it (measured on the sandbox by `load_for`).
    order_page_requested: float = 989.0
    order_page_points: tuple[float, ...] = (2.0, 48.0, 104.0, 160.0)


@dataclass(frozen=True)
class PlannedOrder:
    store: int
    number: int  # within its store, from 0
    arrival: float  # seconds into the hour
    customer: str  # "new:<n>" or "known:<n>"


def order_stream(load: Load) -> list[PlannedOrder]:
    """The hour's orders of every store, evenly spread, new customers spread as evenly (deterministic)."""
    orders = []
    gap = HOUR / load.orders_per_hour if load.orders_per_hour else HOUR
    for store in range(load.stores):
        for number in range(load.orders_per_hour):
            new = math.floor((number + 1) * load.new_customers) > math.floor(number * load.new_customers)
            customer = f"new:{number}" if new else f"known:{number % max(1, load.known_customers)}"
            orders.append(PlannedOrder(store, number, (number + 0.5) * gap, customer))
    return orders


@dataclass
class HourFigures:
    """One hour at the load, predicted or simulated: the same fields so they print side by side."""

    calls: dict[str, int] = field(default_factory=dict)  # Cin7 calls made within the hour, by kind
    imported: int = 0  # orders imported within the hour
    arrived: int = 0
    mean_lag_minutes: float = 0.0  # arrival to import; an order not imported by the hour's end counts to then
    worst_lag_minutes: float = 0.0
    stock_push_minutes: float = 0.0  # the longest push of the hour, start to end
    shopify_stock_writes: int = 0

    @property
    def backlog(self) -> int:
        return self.arrived - self.imported

    @property
    def calls_per_minute(self) -> float:
        return sum(self.calls.values()) / 60.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "backlog": self.backlog, "calls_per_minute": round(self.calls_per_minute, 1)}


@dataclass
class CapacityPlan:
    load: Load
    predicted: HourFigures
    demand_per_minute: float  # calls a minute the load asks for, before the budget caps it
    shopify_read_minutes: float = 0.0  # of the hour, spent waiting on Shopify's cost bucket to read orders
    recommendations: list[str] = field(default_factory=list)
    simulated: HourFigures | None = None

    def agreement(self) -> dict[str, tuple[float, float, bool]]:
        """Each compared figure: (predicted, simulated, within 10 % or half a minute / two calls)."""
        if self.simulated is None:
            return {}
        pairs = {
            "Cin7 calls a minute": (self.predicted.calls_per_minute, self.simulated.calls_per_minute, 2 / 60),
            "orders imported in the hour": (float(self.predicted.imported), float(self.simulated.imported), 2.0),
            "mean import lag (minutes)": (self.predicted.mean_lag_minutes, self.simulated.mean_lag_minutes, 0.5),
            "worst import lag (minutes)": (self.predicted.worst_lag_minutes, self.simulated.worst_lag_minutes, 0.5),
            "stock push (minutes)": (self.predicted.stock_push_minutes, self.simulated.stock_push_minutes, 0.5),
        }
        return {
            name: (p, s, abs(p - s) <= max(0.10 * max(abs(p), abs(s)), slack)) for name, (p, s, slack) in pairs.items()
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "load": asdict(self.load),
            "demand_per_minute": round(self.demand_per_minute, 1),
            "shopify_read_minutes": self.shopify_read_minutes,
            "predicted": self.predicted.to_json(),
            "simulated": self.simulated.to_json() if self.simulated else None,
            "agreement": {
                k: {"predicted": p, "simulated": s, "within": ok} for k, (p, s, ok) in self.agreement().items()
            },
            "recommendations": self.recommendations,
        }


class _Budget:
    """Cin7's budget as the pacer spends it: a call goes when fewer than 60 were sent in the last 61 s."""

    def __init__(self) -> None:
        self.sent: deque[float] = deque()
        self.now = 0.0

    def call(self) -> float:
        # Compared as sent + window, the way the wait is computed: never off by a rounding error.
        while self.sent and self.sent[0] + WINDOW_SECONDS <= self.now:
            self.sent.popleft()
        if len(self.sent) >= CALLS_PER_WINDOW:
            self.now = max(self.now, self.sent.popleft() + WINDOW_SECONDS)
        self.sent.append(self.now)
        return self.now


class _ShopifyBucket:
    """One store's Shopify cost bucket, as the client waits on it: a call waits until what it asked for
    last time is available, then the bucket loses what the call really cost."""

    def __init__(self) -> None:
        self.available = SHOPIFY_BUCKET
        self.at = 0.0
        self.asks = 50.0  # the client's guess before it has seen a cost

    def take(self, now: float, requested: float, actual: float) -> float:
        """The time the call goes."""
        self.available = min(SHOPIFY_BUCKET, self.available + (now - self.at) * SHOPIFY_RESTORE)
        if self.available < self.asks:
            now += (self.asks - self.available) / SHOPIFY_RESTORE
            self.available = self.asks
        self.available -= actual
        self.at = now
        self.asks = requested
        return now


def order_calls(customer: str, seen: set[str], directory: list[bool], fresh: list[bool]) -> list[str]:
    """The Cin7 calls one order costs, in the order the sync makes them (`sync/orders.py`): Cin7's
    customer list is read whole once, then at most once a pass for what changed when an email is not in
    it; a new customer costs its create; every order a sale and its authorisation."""
    calls = []
    if customer not in seen:
        if not directory[0]:
            calls.append(CUSTOMER_TEMPLATE)
            directory[0] = fresh[0] = True
        elif customer.startswith("new:") and not fresh[0]:
            calls.append(CUSTOMER_TEMPLATE)
            fresh[0] = True
        if customer.startswith("new:"):
            calls.append(CUSTOMER_CREATE)
        seen.add(customer)
    return [*calls, SALE_CREATE, SALE_AUTHORISE]


def predict(load: Load) -> CapacityPlan:
    """The hour at `load` on the model (no API call)."""
    budget = _Budget()
    calls: Counter[str] = Counter()
    stream = order_stream(load)
    waiting = {store: [o for o in stream if o.store == store] for store in range(load.stores)}
    imported_at: dict[tuple[int, int], float] = {}
    seen: dict[int, set[str]] = {store: set() for store in range(load.stores)}
    directory: dict[int, list[bool]] = {store: [False] for store in range(load.stores)}
    reference = math.ceil(load.products / PAGE) + load.locations_pages + 1  # products, locations, tax rules
    stock_reads = math.ceil(load.products / PAGE) + math.ceil(load.stock_rows / PAGE)
    longest_push = 0.0
    writes = 0
    buckets = {store: _ShopifyBucket() for store in range(load.stores)}
    shopify_wait = 0.0
    watermark: dict[int, float] = {store: 0.0 for store in range(load.stores)}  # go-live

    def read_orders(store: int, upto: float) -> None:
        """The pass's read: the window's ids and times (one call), then in full only the orders not seen
        before, 3 a page (`sync/orders.py` remembers what it has seen)."""
        found = [o.arrival for o in stream if o.store == store and watermark[store] < o.arrival <= upto]
        nonlocal shopify_wait
        went = buckets[store].take(budget.now, load.order_page_requested, load.order_page_points[0])
        shopify_wait += max(0.0, min(went, HOUR) - min(budget.now, HOUR))
        budget.now = went
        for page in range(math.ceil(len(found) / ORDERS_PAGE)):
            on_page = min(ORDERS_PAGE, len(found) - page * ORDERS_PAGE)
            points = load.order_page_points[max(0, min(on_page, len(load.order_page_points) - 1))]
            went = buckets[store].take(budget.now, load.order_page_requested, points)
            shopify_wait += max(0.0, min(went, HOUR) - min(budget.now, HOUR))
            budget.now = went
        if found:
            watermark[store] = max(watermark[store], max(found))

    def spend(kind: str, count: int = 1) -> float:
        for _ in range(count):
            when = budget.call()
            if when < HOUR:
                calls[kind] += 1
        return budget.now

    tick = 0.0
    first = True
    while tick < HOUR:
        for store in range(load.stores):
            budget.now = max(budget.now, tick)
            if budget.now >= HOUR:
                break
            if first:
                spend(REFERENCE, reference)
            started_reading = budget.now
            due = [o for o in waiting[store] if o.arrival <= started_reading]
            read_orders(store, started_reading)
            waiting[store] = [o for o in waiting[store] if o.arrival > started_reading]
            fresh = [False]  # the customer list is read at most once a pass
            for order in due:
                for kind in order_calls(order.customer, seen[store], directory[store], fresh):
                    spend(kind)
                imported_at[(order.store, order.number)] = budget.now
            spend(FULFILMENT_LIST)
            if tick % (load.stock_minutes * 60) == 0:
                started = budget.now
                spend(STOCK_READS, stock_reads)
                mark = watermark[store]
                read_orders(store, started_reading)  # the orders Cin7 does not hold yet, re-read for the push
                watermark[store] = mark
                longest_push = max(longest_push, budget.now - started)
                changes = load.stock_changes_per_hour * load.stock_minutes // 60 if not first else 0
                writes += math.ceil(changes / 250)
        first = False
        tick += load.poll_minutes * 60
    figures = _figures(stream, imported_at, calls, longest_push)
    figures.shopify_stock_writes = writes
    seen_once: set[str] = set()
    directory_once = [False]
    per_order = sum(
        len(order_calls(o.customer, seen_once, directory_once, [True])) for o in stream[: load.orders_per_hour]
    ) / max(1, load.orders_per_hour)
    demand = (
        load.stores * load.orders_per_hour / 60 * per_order
        + load.stores * (60 / load.poll_minutes) / 60
        + load.stores * stock_reads / load.stock_minutes
    )
    plan = CapacityPlan(load, figures, demand, shopify_read_minutes=round(shopify_wait / 60, 1))
    plan.recommendations = recommend(load, plan)
    return plan


def _figures(
    stream: list[PlannedOrder], imported_at: dict[tuple[int, int], float], calls: Counter[str], longest_push: float
) -> HourFigures:
    lags = [min(imported_at.get((o.store, o.number), HOUR), HOUR) - o.arrival for o in stream]
    return HourFigures(
        calls={kind: calls[kind] for kind in KINDS if calls[kind]},
        imported=sum(1 for when in imported_at.values() if when <= HOUR),
        arrived=len(stream),
        mean_lag_minutes=round(sum(lags) / len(lags) / 60, 2) if lags else 0.0,
        worst_lag_minutes=round(max(lags) / 60, 2) if lags else 0.0,
        stock_push_minutes=round(longest_push / 60, 2),
    )


def recommend(load: Load, plan: CapacityPlan) -> list[str]:
    """What to change, in the order it helps most."""
    advice = []
    budget = CALLS_PER_WINDOW * 60 / WINDOW_SECONDS
    customer_calls = sum(
        plan.predicted.calls.get(k, 0) for k in (CUSTOMER_LOOKUP, CUSTOMER_NAME, CUSTOMER_CREATE, CUSTOMER_TEMPLATE)
    )
    if plan.demand_per_minute > budget:
        over = plan.demand_per_minute / budget
        advice.append(
            f"The load asks for {plan.demand_per_minute:.0f} Cin7 Core calls a minute against a budget of 60: "
            f"order import falls behind by about {plan.predicted.worst_lag_minutes:.0f} minutes in the hour and "
            f"{plan.predicted.backlog} orders wait at its end."
        )
        applications = math.ceil(over)
        if load.stores > 1:
            advice.append(
                f"Give the stores Cin7 Core API applications of their own: {applications} applications of 60 calls a "
                "minute cover this load (each store's profile names its application key)."
            )
        else:
            advice.append(
                f"A second Cin7 Core API application does not help one store (its orders go through one sync): "
                f"it needs {applications}× the budget; cut calls per order instead."
            )
        if customer_calls:
            advice.append(
                f"{customer_calls} calls in the hour go to customer creates and reads of the customer list: "
                "customer_mode=default_customer puts web orders on one Cin7 Core customer and saves them."
            )
    else:
        advice.append(
            f"The load fits: {plan.demand_per_minute:.0f} Cin7 Core calls a minute of 60; orders are in Cin7 Core "
            f"within {plan.predicted.worst_lag_minutes:.1f} minutes at worst."
        )
    per_pass = load.stores * load.orders_per_hour * load.poll_minutes / 60
    if plan.demand_per_minute <= budget and load.poll_minutes > 2 and per_pass < 30:
        advice.append(
            f"order_poll_minutes={max(1, load.poll_minutes // 2)} would halve the wait for a pass at no real cost "
            f"(one more sales-list call a pass per store)."
        )
    if plan.shopify_read_minutes >= 6:
        advice.append(
            f"Reading orders from Shopify takes {plan.shopify_read_minutes:.0f} minutes of the hour "
            f"({ORDERS_PAGE} orders a page, each new order read once), "
            "in which that store's sync sends no Cin7 call: run the stores side by side (`sync run --all`) so "
            "one store's Shopify reads overlap another's Cin7 calls."
        )
    stock_share = plan.predicted.calls.get(STOCK_READS, 0) / max(1, sum(plan.predicted.calls.values()))
    if stock_share > 0.1:
        advice.append(
            f"Stock pushes take {stock_share:.0%} of the calls: inventory_interval_minutes={load.stock_minutes * 2} "
            "halves that."
        )
    return advice


def capacity_text(plan: CapacityPlan) -> str:
    load = plan.load
    lines = [
        f"{load.stores} store(s), {load.orders_per_hour} orders an hour each, {load.new_customers:.0%} new customers, "
        f"{load.stock_changes_per_hour} stock changes an hour; orders every {load.poll_minutes} min, stock every "
        f"{load.stock_minutes} min; {load.products} products, {load.stock_rows} stock rows",
        f"Cin7 Core calls the load asks for: {plan.demand_per_minute:.1f} a minute (budget 60); reading orders "
        f"from Shopify takes {plan.shopify_read_minutes:.1f} minutes of the hour",
        "",
        f"{'Cin7 calls in the hour, by kind':<44} {'predicted':>10} {'simulated':>10}",
    ]
    simulated = plan.simulated
    for kind in KINDS:
        p = plan.predicted.calls.get(kind, 0)
        s = simulated.calls.get(kind, 0) if simulated else None
        if p or s:
            lines.append(f"  {kind:<42} {p:>10} {s if s is not None else '—':>10}")
    lines.append("")
    rows = [
        (
            "Cin7 calls a minute",
            f"{plan.predicted.calls_per_minute:.1f}",
            simulated and f"{simulated.calls_per_minute:.1f}",
        ),
        (
            "orders imported in the hour",
            f"{plan.predicted.imported}/{plan.predicted.arrived}",
            simulated and f"{simulated.imported}/{simulated.arrived}",
        ),
        (
            "mean import lag (minutes)",
            f"{plan.predicted.mean_lag_minutes:.1f}",
            simulated and f"{simulated.mean_lag_minutes:.1f}",
        ),
        (
            "worst import lag (minutes)",
            f"{plan.predicted.worst_lag_minutes:.1f}",
            simulated and f"{simulated.worst_lag_minutes:.1f}",
        ),
        (
            "stock push (minutes)",
            f"{plan.predicted.stock_push_minutes:.1f}",
            simulated and f"{simulated.stock_push_minutes:.1f}",
        ),
    ]
    agreement = plan.agreement()
    for name, predicted, sim in rows:
        mark = "" if name not in agreement else ("  within 10 %" if agreement[name][2] else "  DIFFERS")
        lines.append(f"  {name:<42} {predicted:>10} {sim or '—':>10}{mark}")
    lines.append("")
    lines += [f"- {line}" for line in plan.recommendations]
    return "\n".join(lines) + "\n"
