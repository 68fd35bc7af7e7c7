"""`cin7-shopify pilot`: test orders traced end to end, with the SCENARIO.md JSON contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from cin7_shopify.commands.output import emit
from cin7_shopify.commands.session import scenario_session, store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_CANNOT_RUN, EXIT_OK
from cin7_shopify.pilot.cleanup import CleanupItem, plan_cleanup, run_cleanup
from cin7_shopify.pilot.engine import STEPS, Pilot, PilotReport, which_orders
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.text import json_text, safe_text


def run_pilot_command(args: argparse.Namespace) -> int:
    if args.clean_up and not args.scenario:
        return asyncio.run(_clean_up_store(args))
    report = asyncio.run(_scenario(args) if args.scenario else _store(args))
    if args.format == "json":
        emit(json_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False)) + "\n", None)
    else:
        # The marks are one a step, in order: said once, so the columns read without the README.
        steps = " · ".join(f"{n} {step.replace('_', ' ')}" for n, step in enumerate(STEPS, start=1))
        print(f"steps: {steps}; ✓ passed, ✗ failed, … not reached", file=sys.stderr)
        for order in report.orders:
            marks = "".join({True: "✓", False: "✗", None: "…"}[s.ok] for s in order.steps)
            problem = next((s.detail for s in order.steps if s.ok is False), "")
            if order.outcome == "waiting":  # what it waits on: the first step not reached says so
                problem = next((s.detail for s in order.steps if s.ok is None and s.detail), "")
            print(f"{safe_text(order.name):<8} {marks}  {order.outcome:<7} {safe_text(problem)}")
        passed = sum(o.outcome == "passed" for o in report.orders)
        print(f"{passed} of {len(report.orders)} orders passed every step.", file=sys.stderr)
    if args.signoff:
        write_atomically(args.signoff, report.markdown())
        print(f"wrote {safe_text(args.signoff)}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_BLOCKING


async def _scenario(args: argparse.Namespace) -> PilotReport:
    """A scenario runs in both sandboxes on a simulated clock: the pilot plays the warehouse."""
    with scenario_session(args.scenario) as session:
        async with session.open_sync() as sync:
            pilot = Pilot(sync, plays_warehouse=True)
            report = await (pilot.place_and_trace(args.place) if args.place else pilot.trace_existing())
            if args.clean_up:  # a rehearsal: the sandbox's test orders are cleaned up at once
                items = await plan_cleanup(sync)
                _list(items)
                await run_cleanup(sync, items)
            return report


async def _store(args: argparse.Namespace) -> PilotReport:
    session = store_session(args.store)
    async with session.open_sync() as sync:
        pilot = Pilot(sync, plays_warehouse=args.play_warehouse)
        report = await (pilot.place_and_trace(args.place) if args.place else pilot.trace_existing())
        report = await _watch(pilot, report, args.wait)
    session.note_pilot(
        sum(o.outcome == "passed" for o in report.orders),
        len(report.orders),
        test_orders=which_orders(report.orders),
    )
    return report


async def _watch(pilot: Pilot, report: PilotReport, minutes: int) -> PilotReport:
    """Give the warehouse `minutes` to ship in Cin7 Core, looking once a minute (a read per waiting order)."""
    waiting = pilot.waiting(report)
    for left in range(minutes, 0, -1):
        if not waiting:
            break
        print(
            f"{len(waiting)} order(s) waiting for Cin7 Core to ship; looking again in a minute "
            f"({left} minute(s) left, Ctrl+C to stop).",
            file=sys.stderr,
        )
        await asyncio.sleep(60)
        waiting = await pilot.follow_up(report)
    return report


def _list(items: list[CleanupItem]) -> None:
    print(f"{len(items)} pilot test order(s) to clean up:", file=sys.stderr)
    for item in items:
        print(f"  {safe_text(item.line())}", file=sys.stderr)


async def _clean_up_store(args: argparse.Namespace) -> int:
    """List exactly what will be touched, ask, then cancel in Shopify and undo in Cin7 Core."""
    async with store_session(args.store).open_sync() as sync:
        items = await plan_cleanup(sync)
        _list(items)
        if not items:
            return EXIT_OK
        if not args.yes:
            if not sys.stdin.isatty():
                print("Nothing was touched: add --yes to clean up without asking.", file=sys.stderr)
                return EXIT_CANNOT_RUN
            answer = input(f"Cancel these {len(items)} order(s) and undo their sales? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("Nothing was touched.", file=sys.stderr)
                return EXIT_OK
        done = await run_cleanup(sync, items)
    print(
        f"Cleaned up {len(done)} test order(s): {safe_text(', '.join(done))}. The error log lists anything left to do."
    )
    return EXIT_OK
