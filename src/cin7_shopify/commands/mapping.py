"""`cin7-shopify mapping show|approve`: proposals become mappings only when a person says so."""

from __future__ import annotations

import argparse
import asyncio
import sys

from cin7_shopify.audit.mapping import approve_proposals
from cin7_shopify.commands.progress import step_progress
from cin7_shopify.commands.stores import audit_store
from cin7_shopify.errors import ConsoleError
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.text import safe_text

READ_STEPS = 10


def run_mapping_command(args: argparse.Namespace) -> int:
    profiles = ProfileStore()
    profile = profiles.get(args.store)  # fail before spending any API calls
    with step_progress(READ_STEPS) as step:
        run = asyncio.run(audit_store(args.store, on_step=step))
    report = run.report
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
        return 0
    if not (args.all or args.location or args.tax):
        raise ConsoleError("Say what to approve.", hint="Use --location, --tax, or --all.")
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
        return 0
    settings = profile.settings.model_copy(update={"location_map": locations, "tax_map": taxes})
    profiles.save(profile.model_copy(update={"settings": settings}))
    for change in changes:
        print(f"approved {safe_text(change)}", file=sys.stderr)
    return 0
