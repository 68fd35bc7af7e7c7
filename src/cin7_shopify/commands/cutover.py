"""`cin7-shopify cutover plan|check`: moving a store from another integration to our sync at one moment."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from cin7_shopify.commands.output import emit
from cin7_shopify.commands.session import scenario_session, store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_OK, ConsoleError
from cin7_shopify.sync.cutover import CutoverReport, cutover_check, cutover_plan, report_text
from cin7_shopify.text import json_text
from cin7_shopify.workspace import StoreSession


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConsoleError(
            f"'{text}' is not a time.", hint="Give the cut-over moment as ISO time, e.g. 2026-12-01T09:00:00+10:00."
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def run_cutover(session: StoreSession, what: str, at: datetime) -> CutoverReport:
    cin7, shopify = session.open_clients()
    async with cin7, shopify:
        job = cutover_plan if what == "plan" else cutover_check
        return await job(cin7, shopify, session.settings(), at, store=session.name)


def run_cutover_command(args: argparse.Namespace) -> int:
    at = parse_time(args.at)
    if args.scenario:
        with scenario_session(args.scenario) as session:
            report = asyncio.run(run_cutover(session, args.cutover_command, at))
    else:
        report = asyncio.run(run_cutover(store_session(args.store), args.cutover_command, at))
    if args.format == "json":
        emit(json_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False)) + "\n", None)
    else:
        emit(report_text(report, plan=args.cutover_command == "plan"), None)
    return EXIT_OK if args.cutover_command == "plan" or report.clean else EXIT_BLOCKING
