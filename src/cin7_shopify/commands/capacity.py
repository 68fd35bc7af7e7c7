"""`plan capacity`: a peak hour predicted, then rehearsed in the sandboxes, printed side by side."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from cin7_shopify.commands.output import emit
from cin7_shopify.commands.session import store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_OK
from cin7_shopify.reports.capacity import Load, capacity_text, predict


def run_capacity_command(args: argparse.Namespace) -> int:
    load = Load(
        orders_per_hour=int(args.orders_per_hour),
        new_customers=float(args.new_customers) / 100,
        stock_changes_per_hour=int(args.stock_changes_per_hour),
        stores=int(args.stores),
    )
    parts = []
    fits = True
    if args.store is not None:
        session = store_session(args.store)
        settings = session.settings()
        sized = asyncio.run(session.capacity_load(load))
        own = predict(sized)
        fits = own.demand_per_minute <= 59
        parts.append((f"{session.name}: predicted", own))
        load = Load(
            **{
                **load.__dict__,
                "poll_minutes": settings.order_poll_minutes,
                "stock_minutes": settings.inventory_interval_minutes,
            }
        )
    if not args.no_rehearsal:
        from cin7_shopify.sandbox.capacity import rehearse

        print("rehearsing the hour in the sandboxes (simulated clock)…", file=sys.stderr)
        rehearsal = rehearse(load, args.scenario)
        parts.append(("rehearsal on the sandbox catalogue: predicted beside simulated", rehearsal))
    elif args.store is None:
        from cin7_shopify.paths import demo_scenario_dir
        from cin7_shopify.sandbox.capacity import load_for
        from cin7_shopify.sandbox.scenario import load_scenario

        rehearsal = predict(load_for(load_scenario(args.scenario or demo_scenario_dir()), load))
        parts.append(("predicted", rehearsal))
    if args.store is None:
        fits = parts[-1][1].demand_per_minute <= 59
    if args.format == "json":
        emit(json.dumps({title: plan.to_json() for title, plan in parts}, indent=2) + "\n", None)
    else:
        sys.stdout.write("\n".join(f"== {title}\n{capacity_text(plan)}" for title, plan in parts))
    return EXIT_OK if fits else EXIT_BLOCKING
