"""Benchmark an idle order pass: 300 orders changed in the last 10 minutes, all already imported.

    python scripts/bench_poll.py [--figures]

Both sandboxes in-process on a simulated clock: Shopify's query-cost bucket and Cin7's 60 calls a
minute hold, and the waits they impose are counted in simulated seconds (what the pass would take
against the real APIs) beside the real seconds the pass took here. `--figures` prints one JSON line
for `make bench`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.large_catalog import generate_large
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.settings import StoreSettings
from cin7_shopify.sync.runner import StoreSync

ORDERS = 300


async def bench() -> dict[str, float]:
    data = generate_large(2000, orders=ORDERS, customers=100, seed=3)
    start = datetime.now(UTC) - timedelta(minutes=9)
    for index, order in enumerate(data["shopify"]["orders"]):  # spread over the last 9 minutes
        stamp = (start + timedelta(seconds=index * 9 * 60 // ORDERS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        order.update(createdAt=stamp, processedAt=stamp, updatedAt=stamp)
    clock = ManualClock()
    session = open_sandbox(Scenario("bench", data["shopify"], data["cin7"], data["settings"]), clock=clock)
    session.cin7_pacer = Cin7Pacer(60, clock=clock)
    settings = StoreSettings.from_json_dict(
        {**data["settings"], "order_trigger": "created", "go_live": "2026-10-01T00:00:00Z"}
    )
    sync = StoreSync(
        "bench", session.cin7_client(), session.shopify_client(), lambda: settings, folder=Path(tempfile.mkdtemp())
    )
    with sync:
        first = await sync.orders_pass()
        print(f"first pass: {len(first.imported)} imported, {len(first.held)} held of {ORDERS} orders")
        shopify, cin7, simulated, wall = sync.shopify.calls, sync.cin7.calls, clock.now(), time.perf_counter()
        idle = await sync.orders_pass()
        figures = {
            "shopify_calls": sync.shopify.calls - shopify,
            "cin7_calls": sync.cin7.calls - cin7,
            "simulated_s": clock.now() - simulated,
            "real_s": time.perf_counter() - wall,
        }
    print(
        f"idle pass ({len(idle.imported)} imported, {len(idle.held)} held): "
        f"{figures['shopify_calls']} Shopify calls, {figures['cin7_calls']} Cin7 calls, "
        f"{figures['simulated_s']:.1f} s at the APIs' limits (simulated), {figures['real_s']:.2f} s real"
    )
    return figures


def main() -> None:
    figures = asyncio.run(bench())
    if "--figures" in sys.argv:
        pass_seconds = figures["simulated_s"] + figures["real_s"]
        print(
            json.dumps(
                [
                    {
                        "what": f"an idle `sync run` order pass with {ORDERS} orders in the last 10 minutes",
                        "goal": "≤ 2 Shopify calls, < 2 s",
                        "measured": f"{figures['shopify_calls']:.0f} Shopify calls, {pass_seconds:.2f} s",
                        "met": figures["shopify_calls"] <= 2 and pass_seconds < 2,
                    }
                ],
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
