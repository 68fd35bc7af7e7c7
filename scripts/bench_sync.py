"""Benchmark the sync against the sandboxes on a simulated clock: calls are the budget.

    python scripts/bench_sync.py              # 1,000 orders from 100 buyers new to Cin7, 20,000 stock changes

Prints Cin7 calls per order, Shopify calls per stock change, and the simulated time each part takes
against the floor Cin7's 60 calls a minute implies.

The floor of calls per order: Cin7 Core takes a sale in two writes, POST /sale (the header: its
attributes have no lines, APIB "Sale POST/PUT Attributes") and POST /sale/order (the lines), and a
customer in one POST /customer each (one customer a body), so 2 per order plus one create per buyer
new to Cin7.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.settings import StoreSettings
from cin7_shopify.sync.runner import StoreSync


async def bench(orders: int, customers: int, variants: int) -> tuple[float, float]:
    data = generate_large(variants, orders=orders, customers=customers, seed=3)
    clock = ManualClock()
    session = open_sandbox(Scenario("bench", data["shopify"], data["cin7"], data["settings"]), clock=clock)
    session.cin7_pacer = Cin7Pacer(60, clock=clock)
    settings = StoreSettings.from_json_dict(
        {**data["settings"], "order_trigger": "created", "go_live": "2026-10-01T00:00:00Z"}
    )
    home = Path(tempfile.mkdtemp())
    sync = StoreSync("bench", session.cin7_client(), session.shopify_client(), lambda: settings, folder=home)
    with sync:
        await sync.orders.load_reference()
        cin7_before, shopify_before, clock_before = sync.cin7.calls, sync.shopify.calls, clock.now()
        wall = time.perf_counter()
        result = await sync.orders_pass()
        cin7_calls = sync.cin7.calls - cin7_before
        minutes = (clock.now() - clock_before) / 60
        imported = len(result.imported)
        calls_floor = (2 * imported + customers) / max(1, imported)
        print(
            f"orders: {imported} imported, {len(result.held)} held of {orders} "
            f"({customers} customers; {len(result.retry_later)} to retry)"
        )
        print(
            f"  Cin7 calls {cin7_calls} = {cin7_calls / max(1, imported):.2f} per order "
            f"({customers} customers new to Cin7: one read of its customer list, then a create each); "
            f"floor {calls_floor:.3f} (POST /sale and POST /sale/order each, and POST /customer for each new buyer)"
        )
        print(f"  Shopify calls {sync.shopify.calls - shopify_before} (order pages of 3: the query-cost limit)")
        print(
            f"  simulated {minutes:.1f} min; floor at 60 Cin7 calls/min {cin7_calls / 60:.1f} min; "
            f"real {time.perf_counter() - wall:.1f} s"
        )
        cin7_before, shopify_before, clock_before = sync.cin7.calls, sync.shopify.calls, clock.now()
        wall = time.perf_counter()
        plan, pushed = await sync.stock_push(force=True)
        writes = pushed.shopify_calls
        rows = len(data["cin7"]["ProductAvailability"])
        products = len(data["cin7"]["Products"])
        floor = math.ceil(rows / 1000) + math.ceil(products / 1000)
        print(f"stock: {len(plan.changes)} changes of {plan.tracked} tracked levels, {pushed.applied} applied")
        print(
            f"  Cin7 calls {sync.cin7.calls - cin7_before} "
            f"(floor ceil({rows} stock rows/1000) + ceil({products} products/1000) = {floor})"
        )
        print(
            f"  Shopify write calls {writes} = {writes / max(1, len(plan.changes)):.4f} per change "
            f"(floor ceil(changes/250) = {math.ceil(len(plan.changes) / 250)}); reads {plan.shopify_calls}"
        )
        print(f"  simulated {(clock.now() - clock_before) / 60:.1f} min; real {time.perf_counter() - wall:.1f} s")
    return cin7_calls / max(1, imported), calls_floor


def main() -> None:
    sizes = [a for a in sys.argv[1:] if not a.startswith("--")]
    orders = int(sizes[0]) if sizes else 1000
    start = datetime.now(UTC)
    per_order, floor = asyncio.run(bench(orders, customers=100, variants=7000))
    print(f"(benchmark ran {(datetime.now(UTC) - start).total_seconds():.0f} s)")
    if "--figures" in sys.argv:
        row = {
            "what": f"Cin7 calls per imported order, {orders:,} orders (100 new customers; API floor {floor:.2f})",
            "goal": "≤ 2.05",
            "measured": f"{per_order:.2f}",
            "met": per_order <= 2.05,
        }
        print(json.dumps([row], ensure_ascii=False))


if __name__ == "__main__":
    main()
