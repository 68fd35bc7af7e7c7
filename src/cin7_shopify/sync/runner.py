"""One store's sync, wired together, and the scheduler that runs it.

Orders every few minutes and fulfilment after each order pass; stock at the store's interval. Ctrl-C
or SIGTERM asks the loop to stop: the call in flight finishes (its ledger entry is closed) and no new
one starts. The ledger's lock allows one sync process per store.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.sync.crash import CrashPoints
from cin7_shopify.sync.fulfilment import FulfilmentResult, push_fulfilments
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.orders import OrderSync, PassResult
from cin7_shopify.sync.paths import journal_path, ledger_path, snapshots_dir
from cin7_shopify.sync.stock import PushResult, StockPlan, StockPushRefused, plan_stock, push_stock

Report = Callable[[str], None]


@dataclass
class StoreSync:
    store: str
    cin7: Cin7Client
    shopify: ShopifyClient
    settings: Callable[[], StoreSettings]
    secrets: list[str] = field(default_factory=list)
    crash: CrashPoints = field(default_factory=CrashPoints)
    home: Path | None = None  # overrides the data folder (tests)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self._path(ledger_path(self.store)))
        self.journal = Journal(self._path(journal_path(self.store)), store=self.store, secrets=self.secrets)
        self.orders = OrderSync(self.cin7, self.shopify, self.ledger, self.journal, self.settings, crash=self.crash)

    def _path(self, path: Path) -> Path:
        return self.home / path.name if self.home else path

    def __enter__(self) -> StoreSync:
        self.ledger.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ledger.close()

    async def orders_pass(self) -> PassResult:
        return await self.orders.poll()

    async def backfill(self, since: datetime) -> PassResult:
        return await self.orders.backfill(since)

    async def fulfilment_pass(self) -> FulfilmentResult:
        return await push_fulfilments(self.cin7, self.shopify, self.ledger, self.journal, crash=self.crash)

    async def stock_plan(self) -> StockPlan:
        return await plan_stock(self.cin7, self.shopify, self.settings(), ledger=self.ledger)

    async def stock_push(self, *, force: bool = False) -> tuple[StockPlan, PushResult]:
        plan = await self.stock_plan()
        folder = self.home / "snapshots" if self.home else snapshots_dir(self.store)
        pushed = await push_stock(self.shopify, plan, self.settings(), folder, store=self.store, force=force)
        self.ledger.set_meta(last_stock_push=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return plan, pushed


async def run_forever(
    sync: StoreSync,
    *,
    once: bool = False,
    report: Report | None = None,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """The scheduler. `once`: one order pass, one fulfilment pass and one stock push, then return."""
    say = report or (lambda _: None)
    clock = clock or SystemClock()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
            loop.add_signal_handler(signum, stop.set)
    next_stock = clock.now()
    try:
        while not stop.is_set():
            settings = sync.settings()
            try:
                passed = await sync.orders_pass()
                say(
                    f"orders: {len(passed.imported)} imported, {len(passed.held)} held, {len(passed.voided)} voided, "
                    f"{len(passed.retry_later)} to retry ({passed.cin7_calls} Cin7 calls)"
                )
                if not stop.is_set():
                    shipped = await sync.fulfilment_pass()
                    if shipped.sent or shipped.failed:
                        say(f"fulfilment: {len(shipped.sent)} sent to Shopify, {len(shipped.failed)} failed")
            except ConsoleError as exc:  # an outage must not end the sync: note it, try again next pass
                sync.journal.record(
                    "sync_pass_failed", sync.store, exc.message, exc.hint or "Retried on the next pass."
                )
                say(f"pass failed: {exc.explain()}")
            if stop.is_set():
                break
            if clock.now() >= next_stock or once:
                try:
                    plan, pushed = await sync.stock_push()
                    say(f"stock: {pushed.applied} levels updated of {len(plan.changes)} that differed")
                except StockPushRefused as exc:
                    sync.journal.record(
                        "stock_push_refused",
                        sync.store,
                        exc.message,
                        "Review with `cin7-shopify stock plan`, then push with --force if correct.",
                    )
                    say(f"stock: {exc.message}")
                except ConsoleError as exc:
                    sync.journal.record("stock_push_failed", sync.store, exc.message, exc.hint or "Retried next time.")
                    say(f"stock: {exc.explain()}")
                next_stock = clock.now() + settings.inventory_interval_minutes * 60
            if once:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.order_poll_minutes * 60)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
