"""`why sku` and `why order`: the answers consultants dig through both admins for, from one command."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cin7_shopify.commands.output import emit
from cin7_shopify.commands.session import scenario_session, store_session
from cin7_shopify.errors import EXIT_OK
from cin7_shopify.reports.why_order import OrderStory, order_text
from cin7_shopify.reports.why_sku import SkuStory, story_text
from cin7_shopify.text import safe_text
from cin7_shopify.workspace import StoreSession


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[StoreSession]:
    if args.scenario is None:
        yield store_session(args.store)
        return
    with scenario_session(args.scenario) as session:
        # A scenario has no history: one pass of the sync (orders, fulfilment, stock) gives it one.
        async def one_pass() -> None:
            async with session.open_sync() as sync:
                await sync.orders_pass()
                await sync.fulfilment_pass()
                await sync.stock_push(force=True)

        asyncio.run(one_pass())
        yield session


def run_why_command(args: argparse.Namespace) -> int:
    with _session(args) as session:
        story: SkuStory | OrderStory
        if args.why_command == "sku":
            story = asyncio.run(session.why_sku(args.sku))
            text = story_text(story)
        else:
            story = asyncio.run(session.why_order(args.name))
            text = order_text(story)
    if args.format == "json":
        emit(json.dumps(story.to_json(), indent=2, ensure_ascii=False) + "\n", None)
    else:
        sys.stdout.write(safe_text(text, multiline=True))
    return EXIT_OK
