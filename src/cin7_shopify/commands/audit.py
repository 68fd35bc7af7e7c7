"""`cin7-shopify audit`: read both catalogues, compare, and report with a go/no-go exit status."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from cin7_shopify.audit.export import report_csv, report_json_text, report_markdown, shopify_fix_csv
from cin7_shopify.audit.service import AuditRun, audit_csv
from cin7_shopify.commands.output import emit
from cin7_shopify.commands.progress import step_progress
from cin7_shopify.commands.session import scenario_session, store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_OK, ConsoleError
from cin7_shopify.settings import SettingsError, StoreSettings
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.text import safe_text

READ_STEPS = 10  # five Cin7 reads, four Shopify reads, the comparison


def run_audit_command(args: argparse.Namespace) -> int:
    run = _run(args)
    report = run.report
    text = {"json": report_json_text, "md": report_markdown, "csv": report_csv}[args.format](report)
    emit(text, args.out)
    if args.fix_csv:
        fix_text, fixed = shopify_fix_csv(report, run.shopify)
        write_atomically(args.fix_csv, fix_text)
        print(f"wrote {safe_text(args.fix_csv)}: corrected SKUs for {fixed} Shopify variants", file=sys.stderr)
    if args.out:
        print(f"wrote {safe_text(args.out)}: {report.verdict}", file=sys.stderr)
    return EXIT_OK if report.ready else EXIT_BLOCKING


def _run(args: argparse.Namespace) -> AuditRun:
    if args.shopify_csv:
        if not args.cin7_csv:
            raise ConsoleError("--shopify-csv needs --cin7-csv too.", hint="Pass Cin7 Core's product export.")
        return audit_csv(args.shopify_csv, args.cin7_csv, args.cin7_stock_csv, settings=_settings(args))
    if args.cin7_csv or args.cin7_stock_csv or args.settings:
        raise ConsoleError("--cin7-csv, --cin7-stock-csv and --settings go with --shopify-csv.")
    if args.scenario:
        with scenario_session(args.scenario) as session, step_progress(READ_STEPS) as step:
            return asyncio.run(session.audit(on_step=step))
    session = store_session(args.store)
    with step_progress(READ_STEPS) as step:
        return asyncio.run(session.audit(on_step=step))


def _settings(args: argparse.Namespace) -> StoreSettings:
    if not args.settings:
        return StoreSettings()
    try:
        data = json.loads(args.settings.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConsoleError(f"{args.settings}: no such file.") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{args.settings.name}: not valid JSON at line {exc.lineno}, column {exc.colno}.") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{args.settings.name}: must be a JSON object.")
    return StoreSettings.from_json_dict(data, source=args.settings.name)
