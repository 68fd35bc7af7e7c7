"""`cin7-shopify audit`: read both catalogues, compare, and report with a go/no-go exit status."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter

from cin7_shopify.audit.decisions import ROUTE_WORDS, Decision, decisions_json, fix_route, signoff_markdown
from cin7_shopify.audit.export import report_csv, report_json, shopify_fix_csv
from cin7_shopify.audit.models import AuditReport
from cin7_shopify.audit.service import AuditRun, audit_csv
from cin7_shopify.commands.output import emit
from cin7_shopify.commands.progress import step_progress
from cin7_shopify.commands.session import scenario_session, store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_OK, ConsoleError
from cin7_shopify.settings import SettingsError, StoreSettings
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.text import json_text, safe_text

READ_STEPS = 10  # five Cin7 reads, four Shopify reads, the comparison


def run_audit_command(args: argparse.Namespace) -> int:
    run, decisions = _run(args)
    report = run.report
    if args.format == "json":
        document = report_json(report)
        document["decisions"] = decisions_json(report, decisions)
        text = json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    elif args.format == "md":
        text = signoff_markdown(report, decisions, run.shopify.timezone)
    else:
        text = report_csv(report)
    emit(text, args.out)
    if args.fix_csv:
        fix_text, fixed = shopify_fix_csv(report, run.shopify)
        write_atomically(args.fix_csv, fix_text)
        print(f"wrote {safe_text(args.fix_csv)}: corrected SKUs for {fixed} Shopify variants", file=sys.stderr)
        elsewhere = _accepted_elsewhere(report, decisions)
        if elsewhere:
            print(
                f"accepted fixes the fix CSV cannot make: {elsewhere} (the Markdown report lists them)", file=sys.stderr
            )
    if args.out:
        print(f"wrote {safe_text(args.out)}: {report.verdict}", file=sys.stderr)
    return EXIT_OK if report.ready else EXIT_BLOCKING


def _accepted_elsewhere(report: AuditReport, decisions: dict[str, Decision]) -> str:
    """ "2 to do in Cin7 Core, 1 to do by hand in Shopify": accepted fixes that are no row of the fix CSV."""
    routes = Counter(
        fix_route(f)[0] for f in report.findings if (d := decisions.get(f.key)) is not None and d.choice == "fix"
    )
    return ", ".join(f"{routes[r]} {ROUTE_WORDS[r]}" for r in ("cin7", "shopify") if routes[r])


def _run(args: argparse.Namespace) -> tuple[AuditRun, dict[str, Decision]]:
    """The audit, and the decisions recorded for the store (none for exports or a scenario)."""
    if args.shopify_csv:
        if not args.cin7_csv:
            raise ConsoleError("--shopify-csv needs --cin7-csv too.", hint="Pass Cin7 Core's product export.")
        return audit_csv(args.shopify_csv, args.cin7_csv, args.cin7_stock_csv, settings=_settings(args)), {}
    if args.cin7_csv or args.cin7_stock_csv or args.settings:
        raise ConsoleError("--cin7-csv, --cin7-stock-csv and --settings go with --shopify-csv.")
    if args.scenario:
        with scenario_session(args.scenario) as session, step_progress(READ_STEPS) as step:
            return asyncio.run(session.audit(on_step=step)), {}
    session = store_session(args.store)
    with step_progress(READ_STEPS) as step:
        run = asyncio.run(session.audit(on_step=step))
    return run, session.decisions()


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
