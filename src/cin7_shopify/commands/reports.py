"""Reports over what the sync recorded: `digest` (the weekly digest) and `health` (a store's API health)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from cin7_shopify.commands.output import emit
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_OK, ConsoleError
from cin7_shopify.reports.api_health import health_text
from cin7_shopify.reports.digest import build_digest, parse_since
from cin7_shopify.reports.digest_render import digest_html, digest_json, digest_markdown
from cin7_shopify.workspace import Workspace


def run_digest_command(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    since = parse_since(args.since, now)
    workspace = Workspace()
    if args.store:
        sessions = [workspace.session(args.store)]
    else:
        sessions = [s for s in workspace.stores() if s.kind == "live"]
        if not sessions:
            raise ConsoleError("No saved stores to report on.", hint="Add one with `cin7-shopify store add`.")
    digest = build_digest(list(sessions), since=since, until=now)
    render = {"md": digest_markdown, "html": digest_html, "json": digest_json}[args.format]
    emit(render(digest), args.out)
    if args.out is not None:
        print(f"wrote the digest of {len(sessions)} store(s) to {args.out}", file=sys.stderr)
    return EXIT_BLOCKING if digest.blocking else EXIT_OK


def run_api_health_command(args: argparse.Namespace) -> int:
    session = Workspace().session(args.store)
    health = asyncio.run(session.check_api_health())
    if args.format == "json":
        emit(json.dumps(health.to_json(), indent=2, ensure_ascii=False) + "\n", None)
    else:
        sys.stdout.write(health_text(health))
    return EXIT_BLOCKING if health.blocking else EXIT_OK
