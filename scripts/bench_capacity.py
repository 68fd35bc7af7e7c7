"""`plan capacity` over the grid of the issue: 1, 3 and 10 stores at 200, 1,000 and 5,000 orders an hour.

    python scripts/bench_capacity.py [--timeout SECONDS] [--only STORESxORDERS ...]

For each load: the prediction, then the same hour run through the sandboxes on the simulated clock
(each in its own process, stopped after --timeout real seconds: the heavy loads read tens of thousands
of orders from the Shopify sandbox). Prints predicted beside simulated and whether they agree within
10 %, and the real seconds each rehearsal took.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

GRID = [(stores, orders) for stores in (1, 3, 10) for orders in (200, 1000, 5000)]


def one(stores: int, orders: int) -> None:
    from cin7_shopify.reports.capacity import Load
    from cin7_shopify.sandbox.capacity import rehearse

    plan = rehearse(Load(orders_per_hour=orders, stores=stores))
    print(json.dumps(plan.to_json()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--figures", action="store_true", help="end with make bench's JSON row")
    args = parser.parse_args()
    if args.one:
        stores, orders = (int(x) for x in args.one.split("x"))
        one(stores, orders)
        return
    grid = [g for g in GRID if not args.only or f"{g[0]}x{g[1]}" in args.only]
    differences: list[float] = []
    agreed = 0
    for stores, orders in grid:
        began = time.monotonic()
        with tempfile.TemporaryDirectory() as home:
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--one", f"{stores}x{orders}"],
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    env={**os.environ, "CIN7_SHOPIFY_HOME": home},
                )
            except subprocess.TimeoutExpired:
                print(f"{stores:>2} stores × {orders:>5}/h: rehearsal stopped after {args.timeout} s", flush=True)
                continue
        seconds = time.monotonic() - began
        if done.returncode != 0:
            print(f"{stores:>2} stores × {orders:>5}/h: failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        plan = json.loads(done.stdout.strip().splitlines()[-1])
        row = ", ".join(
            f"{name} {v['predicted']:.1f}/{v['simulated']:.1f}{'' if v['within'] else ' DIFFERS'}"
            for name, v in plan["agreement"].items()
        )
        print(f"{stores:>2} stores × {orders:>5}/h ({seconds:.0f} s): {row}", flush=True)
        agreed += all(v["within"] for v in plan["agreement"].values())
        differences += [
            abs(v["predicted"] - v["simulated"]) / max(v["simulated"], 1e-9) * 100 for v in plan["agreement"].values()
        ]
    if args.figures:
        figure = {
            "what": f"plan capacity: predicted beside rehearsed ({', '.join(args.only) or 'the whole grid'})",
            "goal": "within 2 %",
            "measured": f"{agreed} of {len(grid)} agree, largest difference {max(differences, default=0):.1f} %",
            "met": agreed == len(grid),
        }
        print(json.dumps([figure], ensure_ascii=False))


if __name__ == "__main__":
    main()
