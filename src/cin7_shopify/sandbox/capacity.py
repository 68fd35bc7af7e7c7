"""The peak hour run through the sandboxes, on the simulated clock: what `reports/capacity.py` predicts,
measured on the real sync code (orders pass, fulfilment pass, stock push) against both emulators.

Every store is the demo store with its orders and sales taken away; orders arrive as
`order_stream` spreads them (a copy of the demo's first order, with its own id, time and customer).
The stores share one Cin7 pacer, as stores on one account do. A transport beside the sandbox's own
counts each Cin7 call by kind and notes when each order's sale was authorised (its import time);
at the end of the hour the next call stops the run, so what is counted is what fit in the hour.
"""

from __future__ import annotations

import asyncio
import copy
import json
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.paths import demo_scenario_dir
from cin7_shopify.reports import capacity as model
from cin7_shopify.reports.capacity import HOUR, CapacityPlan, HourFigures, Load, order_stream
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.faults import FaultyTransport
from cin7_shopify.sandbox.scenario import Scenario, load_scenario
from cin7_shopify.sandbox.session import CIN7_SANDBOX_URL, SHOPIFY_SANDBOX_URL, SandboxSession, open_sandbox
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import DEFAULT_API_VERSION, ORDERS_PAGE_SIZE
from cin7_shopify.shopify.documents import document
from cin7_shopify.sync.runner import StoreSync

BASE = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # Black Friday, on the orders' own clock
TEMPLATE_ORDER = "#1001"


class HourOver(BaseException):
    """The simulated hour ended: stops the pass in flight (not an Exception: nothing may swallow it)."""


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts Cin7 calls by kind and notes each order's import time (its sale's authorisation)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ManualClock, end: float) -> None:
        self.inner = inner
        self.clock = clock
        self.end = end
        self.phase = "orders"
        self.calls: Counter[str] = Counter()
        self.sale_orders: dict[str, str] = {}  # SaleID → Shopify order id
        self.imported: dict[str, float] = {}  # Shopify order id → clock time

    def _kind(self, request: httpx.Request) -> str:
        path = request.url.path.rsplit("/v2/", 1)[-1].strip("/").lower()
        params = request.url.params
        if request.method == "POST" and path == "sale":
            return model.SALE_CREATE
        if request.method == "POST" and path == "sale/order":
            return model.SALE_AUTHORISE
        if path == "customer" and request.method == "POST":
            return model.CUSTOMER_CREATE
        if path == "customer":
            if "Email" in params or "ContactFilter" in params:
                return model.CUSTOMER_LOOKUP
            if "Name" in params:
                return model.CUSTOMER_NAME
            return model.CUSTOMER_TEMPLATE
        if path in {"product", "ref/productavailability"} and self.phase == "stock":
            return model.STOCK_READS
        if path in {"product", "ref/location", "ref/tax"}:
            return model.REFERENCE
        if path == "salelist" and self.phase == "fulfilment":
            return model.FULFILMENT_LIST
        return f"other: {request.method} /{path}"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.clock.now() >= self.end:
            raise HourOver
        kind = self._kind(request)
        self.calls[kind] += 1
        response = await self.inner.handle_async_request(request)
        if kind in {model.SALE_CREATE, model.SALE_AUTHORISE}:
            content = await response.aread()
            sent = json.loads(request.content or b"{}")
            if kind == model.SALE_CREATE and response.status_code == 200:
                self.sale_orders[str(json.loads(content)["ID"])] = str(sent.get("ExternalID"))
            elif response.status_code == 200:
                order_id = self.sale_orders.get(str(sent.get("SaleID")))
                if order_id is not None:
                    self.imported[order_id] = self.clock.now()
            return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def rehearsal_scenario(scenario: Scenario) -> Scenario:
    """The scenario with no orders and no sales: the hour's orders are the only ones."""
    shopify = copy.deepcopy(scenario.shopify)
    shopify["orders"] = []
    cin7 = copy.deepcopy(scenario.cin7)
    cin7["Sales"] = []
    return Scenario(scenario.name, shopify, cin7, dict(scenario.settings), scenario.folder)


def load_for(scenario: Scenario, load: Load) -> Load:
    """`load` with the scenario's catalogue sizes (what the stock push and the first pass read) and what a
    page of its orders costs in Shopify's points."""
    requested, points = order_page_costs(scenario)
    return replace(
        load,
        products=len(scenario.cin7.get("Products", [])),
        stock_rows=len(scenario.cin7.get("ProductAvailability", [])),
        known_customers=len(scenario.cin7.get("Customers", [])),
        order_page_requested=requested,
        order_page_points=points,
    )


def order_page_costs(scenario: Scenario) -> tuple[float, tuple[float, ...]]:
    """The orders document's requested cost, and its actual cost with 0 to 3 of the hour's orders on the
    page, as the Shopify sandbox charges them (its cost model is Shopify's: `shopify_server.py`)."""
    template = next(o for o in scenario.shopify["orders"] if o["name"] == TEMPLATE_ORDER)
    known = [c for c in scenario.cin7.get("Customers", []) if any(x.get("Email") for x in c.get("Contacts", []))]
    session = open_sandbox(rehearsal_scenario(scenario), clock=ManualClock())
    planned = [model.PlannedOrder(0, n, 0.5 + n, f"known:{n}") for n in range(ORDERS_PAGE_SIZE)]
    for order in planned:
        session.shopify.add_order(_order(template, order, known))

    async def cost(on_page: int) -> tuple[float, float]:
        search = " OR ".join(f"name:#R0-{n}" for n in range(on_page)) if on_page else "name:#none"
        transport = httpx.ASGITransport(app=session.shopify)
        async with httpx.AsyncClient(transport=transport, base_url=SHOPIFY_SANDBOX_URL) as client:
            answer = await client.post(
                f"/admin/api/{DEFAULT_API_VERSION}/graphql.json",
                headers={"X-Shopify-Access-Token": SANDBOX_SHOPIFY_TOKEN},
                json={"query": document("orders"), "variables": {"query": search, "first": ORDERS_PAGE_SIZE}},
            )
        spent = answer.json()["extensions"]["cost"]
        return float(spent["requestedQueryCost"]), float(spent["actualQueryCost"])

    costs = [asyncio.run(cost(n)) for n in range(ORDERS_PAGE_SIZE + 1)]
    return costs[-1][0], tuple(actual for _, actual in costs)


def _order(template: dict[str, Any], planned: model.PlannedOrder, known: list[dict[str, Any]]) -> dict[str, Any]:
    order = copy.deepcopy(template)
    number = 7_000_000 + planned.store * 100_000 + planned.number
    when = (BASE + timedelta(seconds=planned.arrival)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kind, index = planned.customer.split(":")
    if kind == "new":
        email = f"rehearsal.{planned.store}.{index}@example.com"
        first, last = "Rehearsal", f"Customer {planned.store}-{index}"
    else:
        customer = known[int(index) % len(known)]
        email = next(c["Email"] for c in customer["Contacts"] if c.get("Email"))
        first, _, last = customer["Name"].partition(" ")
    order.update(
        id=f"gid://shopify/Order/{number}",
        name=f"#R{planned.store}-{planned.number}",
        createdAt=when,
        processedAt=when,
        updatedAt=when,
        email=email,
        customer={"id": f"gid://shopify/Customer/{number}", "firstName": first, "lastName": last, "email": email},
    )
    for line in order["lineItems"]:
        line["id"] = f"gid://shopify/LineItem/{number}{line['id'].rsplit('/', 1)[-1][-2:]}"
    return order


def simulate(load: Load, scenario_dir: str | Path | None = None) -> HourFigures:
    """Run the hour through the sandboxes; the figures `predict` gives, measured."""
    return asyncio.run(_simulate(load, scenario_dir))


async def _simulate(load: Load, scenario_dir: str | Path | None) -> HourFigures:
    source = load_scenario(scenario_dir or demo_scenario_dir())
    template = next(o for o in source.shopify["orders"] if o["name"] == TEMPLATE_ORDER)
    known = [c for c in source.cin7.get("Customers", []) if any(x.get("Email") for x in c.get("Contacts", []))]
    scenario = rehearsal_scenario(source)
    clock = ManualClock()
    start = clock.now()
    pacer = Cin7Pacer(clock=clock)
    settings = StoreSettings.from_json_dict(scenario.settings).model_copy(
        update={
            "go_live": BASE,
            "order_poll_minutes": load.poll_minutes,
            "inventory_interval_minutes": load.stock_minutes,
            "customer_mode": "match_email",
        }
    )
    stream = order_stream(load)
    waiting = {store: [o for o in stream if o.store == store] for store in range(load.stores)}
    counters: list[CountingTransport] = []
    syncs: list[StoreSync] = []
    sessions: list[SandboxSession] = []
    longest_push = 0.0
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as folder:
        for store in range(load.stores):
            session = open_sandbox(scenario, clock=clock)
            counter = CountingTransport(FaultyTransport(session.cin7, session.cin7_faults), clock, start + HOUR)
            cin7 = Cin7Client(
                SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, base_url=CIN7_SANDBOX_URL, transport=counter, pacer=pacer
            )
            sync = StoreSync(
                f"rehearsal-{store}", cin7, session.shopify_client(), lambda: settings, Path(folder) / str(store)
            )
            sync.__enter__()
            sessions.append(session)
            counters.append(counter)
            syncs.append(sync)
        try:
            tick = 0.0
            while tick < HOUR:
                for store, (session, counter, sync) in enumerate(zip(sessions, counters, syncs, strict=True)):
                    if clock.now() < start + tick:
                        clock.advance(start + tick - clock.now())
                    now = clock.now() - start
                    due = [o for o in waiting[store] if o.arrival <= now]
                    waiting[store] = [o for o in waiting[store] if o.arrival > now]
                    for planned in due:
                        session.shopify.add_order(_order(template, planned, known))
                    counter.phase = "orders"
                    await sync.orders_pass()
                    counter.phase = "fulfilment"
                    await sync.fulfilment_pass()
                    if tick % (load.stock_minutes * 60) == 0:
                        counter.phase = "stock"
                        began = clock.now()
                        await sync.stock_push(force=True)
                        longest_push = max(longest_push, clock.now() - began)
                tick += load.poll_minutes * 60
        except HourOver:
            pass
        finally:
            for sync in syncs:
                sync.ledger.close()
    calls: Counter[str] = Counter()
    imported_at: dict[tuple[int, int], float] = {}
    for store, counter in enumerate(counters):
        calls.update(counter.calls)
        for order_id, when in counter.imported.items():
            number = int(order_id.rsplit("/", 1)[-1]) - 7_000_000 - store * 100_000
            imported_at[(store, number)] = when - start
    figures = model._figures(stream, imported_at, calls, longest_push)
    figures.calls = {kind: count for kind, count in sorted(calls.items())}
    return figures


def rehearse(load: Load, scenario_dir: str | Path | None = None) -> CapacityPlan:
    """Predicted beside simulated, for the scenario's catalogue."""
    sized = load_for(load_scenario(scenario_dir or demo_scenario_dir()), load)
    plan = model.predict(sized)
    plan.simulated = simulate(sized, scenario_dir)
    return plan
