"""Benchmark the pilot on the demo store and a simulated clock: Cin7 calls are the budget.

    python scripts/bench_pilot.py

Prints, for tracing the store's orders and for placing 4 test orders, the Cin7 Core and Shopify
calls, the simulated minutes they take at Cin7's 60 calls a minute, and the CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from cin7_shopify.clock import ManualClock
from cin7_shopify.paths import sample_data_dir
from cin7_shopify.pilot.engine import Pilot
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.settings import StoreSettings
from cin7_shopify.sync.runner import StoreSync


async def bench(place: int) -> dict[str, object]:
    clock = ManualClock()
    session = open_sandbox(sample_data_dir() / "demo-apparel", clock=clock)
    settings = StoreSettings.from_json_dict(session.scenario.settings)
    sync = StoreSync(
        "demo-apparel",
        session.cin7_client(),
        session.shopify_client(),
        lambda: settings,
        folder=Path(tempfile.mkdtemp(prefix="bench-pilot-")),
    )
    with sync:
        if place:  # a store already in sync: only what the pilot itself costs is counted
            await sync.orders_pass()
        cin7_before, shopify_before = sync.cin7.calls, sync.shopify.calls
        started, cpu = clock.now(), time.process_time()
        pilot = Pilot(sync, plays_warehouse=True)
        report = await (pilot.place_and_trace(place) if place else pilot.trace_existing())
        minutes = (clock.now() - started) / 60
        cpu = time.process_time() - cpu
    passed = sum(o.outcome == "passed" for o in report.orders)
    cin7, shopify = sync.cin7.calls - cin7_before, sync.shopify.calls - shopify_before
    what = f"place {place} test orders" if place else "trace the store's orders"
    print(
        f"{what:<26} {len(report.orders):>3} orders, {passed:>2} passed · {cin7:>4} Cin7 calls "
        f"({cin7 / max(1, len(report.orders)):.1f}/order) · {shopify:>3} Shopify calls · "
        f"{minutes:.1f} simulated min · {cpu:.2f} s CPU"
    )
    return {
        "what": f"pilot: {what} (demo)",
        "goal": "—",
        "measured": f"{passed} of {len(report.orders)} passed; {cin7} Cin7 + {shopify} Shopify calls, "
        f"{minutes:.1f} simulated min, {cpu:.2f} s CPU",
        "met": None,
    }


if __name__ == "__main__":
    print("Demo Apparel; the pilot plays the warehouse. Tracing includes importing the 28 orders since go-live;")
    print("placing starts from a store already in sync.")
    rows = [asyncio.run(bench(0)), asyncio.run(bench(4))]
    if "--figures" in sys.argv:
        print(json.dumps(rows, ensure_ascii=False))
