"""`cin7-shopify mapping show|approve`: proposals become mappings only when a person says so."""

from __future__ import annotations

import argparse
import asyncio
import sys

from cin7_shopify.audit.mapping import approve_proposals
from cin7_shopify.commands.progress import step_progress
from cin7_shopify.commands.session import store_session
from cin7_shopify.errors import EXIT_OK, ConsoleError
from cin7_shopify.text import safe_text

READ_STEPS = 10


def run_mapping_command(args: argparse.Namespace) -> int:
    if args.mapping_command == "approve" and not (args.all or args.location or args.tax):
        raise ConsoleError("Say what to approve.", hint="Use --location, --tax, or --all.")  # before any call
    session = store_session(args.store)  # fails before spending any API calls
    with step_progress(READ_STEPS) as step:
        run = asyncio.run(session.audit(on_step=step))
    report, profile = run.report, session.profile
    if args.mapping_command == "show":
        print(f"Locations of {profile.name} (saved → proposed):")
        for proposal in report.location_proposals:
            saved = safe_text(profile.settings.location_map.get(proposal.source, "—"))
            target = safe_text(proposal.target or "no proposal")
            label, reason = safe_text(proposal.source_label), safe_text(proposal.reason)
            print(f"  {label:<28} {saved:<24} {target} ({proposal.confidence:.0%}, {reason})")
        print("Tax lines (saved → proposed):")
        for proposal in report.tax_proposals:
            saved = safe_text(profile.settings.tax_map.get(proposal.source, "—"))
            source, target = safe_text(proposal.source), safe_text(proposal.target or "no proposal")
            print(f"  {source:<28} {saved:<24} {target} ({safe_text(proposal.reason)})")
        return EXIT_OK
    locations, taxes, changes = approve_proposals(
        profile.settings.location_map,
        profile.settings.tax_map,
        report.location_proposals,
        report.tax_proposals,
        locations=None if args.all else set(args.location or []),
        taxes=None if args.all else set(args.tax or []),
        min_confidence=args.min_confidence,
    )
    if not changes:
        print("Nothing to approve: the chosen proposals are already saved or have no target.", file=sys.stderr)
        return EXIT_OK
    session.save_settings(profile.settings.model_copy(update={"location_map": locations, "tax_map": taxes}))
    for change in changes:
        print(f"approved {safe_text(change)}", file=sys.stderr)
    return EXIT_OK
