"""One store's sync, wired together, and the scheduler that runs it.

Orders every few minutes and fulfilment after each order pass; stock at the store's interval. Setting
the stop event (the CLI sets it on Ctrl-C or SIGTERM) ends the loop: the call in flight finishes (its
ledger entry is closed) and no new one starts. The ledger's lock allows one sync process per store.
After every pass the store's health file says how it went, for a monitor to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.state.api_health import record_api_answers
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.health import StoreHealth, stamp, write_health
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.sync.fulfilment import FulfilmentResult, push_fulfilments
from cin7_shopify.sync.journal import Journal
from cin7_shopify.sync.observe import ObservedOrder, ObserveReport, journal_problems, observe
from cin7_shopify.sync.orders import OrderSync, PassResult
from cin7_shopify.sync.stock import (
    PushResult,
    StockPlan,
    StockPushRefused,
    plan_stock,
    push_stock,
    rollback_stock,
)

Report = Callable[[str], None]
log = logging.getLogger(__name__)


@dataclass
class StoreSync:
    store: str
    cin7: Cin7Client
    shopify: ShopifyClient
    settings: Callable[[], StoreSettings]
    folder: Path  # the store's ledger, journal, snapshots and health file
    secrets: list[str] = field(default_factory=list)
    crash: CrashPoints = field(default_factory=CrashPoints)

    def __post_init__(self) -> None:
        self._tallied = (0, 0, 0)  # Cin7 calls, Shopify calls, Shopify throttle waits already in the tally
        self.ledger = Ledger(self.folder / "ledger.jsonl", crash=self.crash)
        self.journal = Journal(self.folder / "errors.jsonl", store=self.store, secrets=self.secrets, crash=self.crash)
        self.orders = OrderSync(self.cin7, self.shopify, self.ledger, self.journal, self.settings, crash=self.crash)
        self.writes = self.orders.writes  # one write step for everything this store's sync writes
        self._observed: dict[str, tuple[str, ObservedOrder]] = {}  # observe mode: what the last pass checked

    def __enter__(self) -> StoreSync:
        self.ledger.open()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.record_pass()
        finally:
            self.ledger.close()

    def record_pass(self) -> None:
        """What the APIs cost and said since the last record: calls per day in the ledger (for the weekly
        digest's budget), deprecation headers and Cin7 fields our models do not know in api-health.json."""
        now = (self.cin7.calls, self.shopify.calls, len(self.shopify.throttle_waits))
        used = [current - before for current, before in zip(now, self._tallied, strict=True)]
        self._tallied = now
        if any(used):
            self.ledger.set_meta(calls_by_day=add_calls(self.ledger.meta.get("calls_by_day"), *used))
        record_api_answers(
            self.folder,
            api_version=self.shopify.api_version,
            deprecations=self.shopify.deprecations,
            drift=self.cin7.drift if self.cin7.drift.endpoints else None,
        )

    @property
    def observing(self) -> bool:
        """Observe mode: another integration imports the orders; this sync writes nothing."""
        return self.settings().mode == "observe"

    def must_write(self, what: str) -> None:
        """Refuse a write in observe mode, saying how to get out of it."""
        if self.observing:
            raise ConsoleError(
                f"Store '{self.store}' is in observe mode: our sync writes nothing, so it will not {what}.",
                hint=f"Switch it to sync first: `cin7-shopify store set {self.store} mode=sync` "
                "(at cut-over: `cin7-shopify cutover plan`).",
            )

    async def observe_pass(self, *, now: datetime | None = None) -> ObserveReport:
        """Observe mode's pass: every order checked against the sale another integration made; each
        problem into the error journal once (and resolved there when it is gone)."""
        report = await observe(self.cin7, self.shopify, self.settings(), now=now, checked=self._observed)
        journal_problems(self.journal, report, {o.name: o.order_id for o in report.orders})
        return report

    async def orders_pass(self) -> PassResult:
        if self.observing:
            report = await self.observe_pass()
            return PassResult(held=sorted({o.name for o in report.orders if o.problems}))
        return await self.orders.poll()

    async def backfill(self, since: datetime) -> PassResult:
        self.must_write("import past orders")
        return await self.orders.backfill(since)

    async def fulfilment_pass(self) -> FulfilmentResult:
        if self.observing:
            return FulfilmentResult()  # the other integration sends its own fulfilments
        return await push_fulfilments(self.cin7, self.shopify, self.ledger, self.journal, crash=self.crash)

    async def stock_plan(self) -> StockPlan:
        return await plan_stock(self.cin7, self.shopify, self.settings(), ledger=self.ledger)

    async def stock_push(self, *, force: bool = False) -> tuple[StockPlan, PushResult]:
        self.must_write("push stock to Shopify")
        plan = await self.stock_plan()
        pushed = await push_stock(
            self.shopify,
            plan,
            self.settings(),
            self.folder / "snapshots",
            store=self.store,
            force=force,
            writes=self.writes,
        )
        # What the push found, for the weekly digest (a push with nothing to change saves no snapshot).
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        drift = {
            "time": when,
            "tracked": plan.tracked,
            "differed": len(plan.changes),
            "units": sum(abs(c.target - c.current) for c in plan.changes),
            "to_zero": len(plan.zeroed),
            "applied": pushed.applied,
            "failed": len(pushed.failed),
        }
        self.ledger.set_meta(last_stock_push=when, last_stock_drift=drift)
        return plan, pushed

    async def stock_rollback(self, snapshot: Path) -> PushResult:
        self.must_write("put a stock snapshot back")
        return await rollback_stock(self.shopify, snapshot, writes=self.writes)


async def run_forever(
    sync: StoreSync,
    *,
    once: bool = False,
    report: Report | None = None,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
) -> bool:
    """The scheduler. `once`: one order pass, one fulfilment pass and one stock push, then return.

    Returns whether the last pass went through (a `--once` run exits non-zero when it did not).
    """
    say = report or (lambda text: log.info("%s: %s", sync.store, text))
    clock = clock or SystemClock()
    stop = stop or asyncio.Event()
    next_stock = clock.now()
    went_through = True
    while not stop.is_set():
        settings = sync.settings()
        started, went_through, problem = stamp(), True, None
        try:
            passed = await sync.orders_pass()
            if settings.mode == "observe":
                say(f"observed: {len(passed.held)} order(s) with problems (the error log says which); nothing written")
            else:
                say(
                    f"orders: {len(passed.imported)} imported, {len(passed.held)} held, {len(passed.voided)} voided, "
                    f"{len(passed.retry_later)} to retry ({passed.cin7_calls} Cin7 calls)"
                )
            if not stop.is_set():
                shipped = await sync.fulfilment_pass()
                if shipped.sent or shipped.failed or shipped.tracking_updated:
                    say(
                        f"fulfilment: {len(shipped.sent)} sent to Shopify, {len(shipped.tracking_updated)} tracking "
                        f"updated, {len(shipped.failed)} failed"
                    )
        except ConsoleError as exc:  # an outage must not end the sync: note it, try again next pass
            sync.journal.record("sync_pass_failed", sync.store, exc.message, exc.hint or "Retried on the next pass.")
            went_through, problem = False, sync.journal.scrub(exc.explain())
            say(f"pass failed: {problem}")
        # In observe mode the order pass has reported stock drift already; nothing is pushed.
        if not stop.is_set() and (clock.now() >= next_stock or once) and settings.mode != "observe":
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
                problem = exc.message
                say(f"stock: {exc.message}")
            except ConsoleError as exc:
                sync.journal.record("stock_push_failed", sync.store, exc.message, exc.hint or "Retried next time.")
                went_through, problem = False, sync.journal.scrub(exc.explain())
                say(f"stock: {problem}")
            next_stock = clock.now() + settings.inventory_interval_minutes * 60
        _write_health(sync, started, went_through, problem, None if once else settings.order_poll_minutes)
        if once or stop.is_set():
            break
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.order_poll_minutes * 60)
    return went_through


def add_calls(tally: object, cin7: int, shopify: int, throttled: int, *, keep_days: int = 35) -> dict[str, Any]:
    """Calls per UTC day, {"2026-11-28": {"cin7": n, "shopify": n, "shopify_throttled": n}}; days older
    than `keep_days` drop off so the ledger's meta stays small."""
    days: dict[str, Any] = dict(tally) if isinstance(tally, dict) else {}
    today = datetime.now(UTC)
    day = days[today.strftime("%Y-%m-%d")] = dict(days.get(today.strftime("%Y-%m-%d")) or {})
    for name, count in (("cin7", cin7), ("shopify", shopify), ("shopify_throttled", throttled)):
        day[name] = int(day.get(name, 0)) + count
    oldest = (today - timedelta(days=keep_days)).strftime("%Y-%m-%d")
    return {d: v for d, v in sorted(days.items()) if d >= oldest}


def _write_health(
    sync: StoreSync, started: str, went_through: bool, problem: str | None, next_in_minutes: int | None
) -> None:
    sync.record_pass()
    previous_error = (sync.ledger.meta.get("last_error"), sync.ledger.meta.get("last_error_time"))
    if problem:
        sync.ledger.set_meta(last_error=problem, last_error_time=stamp())
        previous_error = (problem, stamp())
    now = datetime.now(UTC)
    write_health(
        sync.folder,
        StoreHealth(
            store=sync.store,
            last_pass_start=started,
            last_pass_end=stamp(now),
            last_pass_ok=went_through,
            held=len(sync.ledger.held()),
            imported=sum(1 for o in sync.ledger.orders.values() if o.status == "imported"),
            last_error=previous_error[0],
            last_error_time=previous_error[1],
            last_stock_push=sync.ledger.meta.get("last_stock_push"),
            next_pass=stamp(now + timedelta(minutes=next_in_minutes)) if next_in_minutes else None,
        ),
    )
