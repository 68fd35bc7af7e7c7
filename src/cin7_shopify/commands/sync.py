"""Commands that run the sync of a saved store: sync run, backfill, stock, errors, reconcile."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cin7_shopify.commands.output import emit
from cin7_shopify.commands.session import store_session
from cin7_shopify.errors import EXIT_BLOCKING, EXIT_CANNOT_RUN, EXIT_OK, ConsoleError
from cin7_shopify.sync.journal import JournalEntry, entry_from_record, fold, parse_line, read_records, skipped
from cin7_shopify.text import json_text, safe_text
from cin7_shopify.workspace import StoreSession, Workspace

if TYPE_CHECKING:
    from cin7_shopify.sync.runner import StoreSync

log = logging.getLogger("cin7_shopify.sync")
T = TypeVar("T")


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConsoleError(f"'{text}' is not a date.", hint="Use YYYY-MM-DD, e.g. 2026-10-01.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _with_sync(session: StoreSession, job: Callable[[StoreSync], Awaitable[T]]) -> T:
    async with session.open_sync() as sync:
        if sync.ledger.torn is not None:
            _warn(f"the ledger's last line was torn by a crash; kept in {sync.ledger.torn}.")
        return await job(sync)


def run_sync_command(args: argparse.Namespace) -> int:
    if args.command == "sync":
        return _sync_run(args)
    if args.command == "backfill":
        since = _date(args.since)
        result = asyncio.run(_with_sync(store_session(args.store), lambda sync: sync.backfill(since)))
        data = {
            "imported": result.imported,
            "held": result.held,
            "skipped": result.skipped,
            "retry_later": result.retry_later,
        }
        if args.format == "json":
            emit(json.dumps(data, indent=2) + "\n", None)
        else:
            print(
                f"backfill since {args.since}: {len(data['imported'])} imported, {len(data['held'])} held, "
                f"{len(data['skipped'])} skipped, {len(data['retry_later'])} to retry"
            )
        return EXIT_BLOCKING if data["held"] else EXIT_OK
    if args.command == "reconcile":
        return _reconcile(args)
    raise ConsoleError(f"unknown command {args.command}")


# -- sync run -------------------------------------------------------------------------------


def _sync_run(args: argparse.Namespace) -> int:
    """One store, or every saved store in one process (one Cin7 budget per account, shared)."""
    workspace = Workspace()
    if args.all:
        sessions = [s for s in workspace.stores() if s.kind == "live"]
        if not sessions:
            raise ConsoleError("No saved stores to sync.", hint="Add one with `cin7-shopify store add`.")
    else:
        sessions = [workspace.session(args.store)]
    went_through = asyncio.run(_run_stores(sessions, once=args.once, keep_going=args.all))
    return EXIT_OK if all(went_through) else EXIT_CANNOT_RUN


async def _run_stores(sessions: list[StoreSession], *, once: bool, keep_going: bool) -> list[bool]:
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        runs = (_run_store(s, once=once, stop=stop, keep_going=keep_going) for s in sessions)
        return list(await asyncio.gather(*runs))


async def _run_store(session: StoreSession, *, once: bool, stop: asyncio.Event, keep_going: bool) -> bool:
    """With several stores, one that cannot start (no credentials, already running, a ledger it cannot
    read) is reported and the others go on; a single store's problem is the command's own."""
    from cin7_shopify.sync.runner import run_forever  # here: `errors`, `health` and the rest never load the clients

    try:
        async with session.open_sync() as sync:
            if sync.ledger.torn is not None:
                _warn(f"{session.name}: the ledger's last line was torn by a crash; kept in {sync.ledger.torn}.")
            log.info("%s: sync started", session.name)
            return await run_forever(sync, once=once, stop=stop)
    except ConsoleError as exc:
        if not keep_going:
            raise
        log.error("%s: %s", session.name, exc.explain())
        return False


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Ctrl-C or SIGTERM (a service manager stopping us) ends every store's loop after its call in flight."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def run_health_command(args: argparse.Namespace) -> int:
    """For monitors: every store's last pass went through, and recently."""
    workspace = Workspace()
    sessions = [workspace.session(args.store)] if args.store else [s for s in workspace.stores() if s.kind == "live"]
    if not sessions:
        raise ConsoleError("No saved stores.", hint="Add one with `cin7-shopify store add`.")
    rows: list[dict[str, Any]] = []
    for session in sessions:
        health = session.status().health
        if health is None:
            verdict = "never ran"
        elif not health.last_pass_ok:
            verdict = f"last pass failed: {health.last_error}"
        elif health.age_seconds() > args.max_age_minutes * 60:
            verdict = f"stale: last pass ended {health.last_pass_end}"
        else:
            verdict = "ok"
        rows.append({"store": session.name, "verdict": verdict, "health": health.__dict__ if health else None})
    if args.format == "json":
        emit(json.dumps(rows, indent=2) + "\n", None)
    else:
        for row in rows:
            held = f", {row['health']['held']} held" if row["health"] else ""
            print(f"{row['store']:<24} {row['verdict']}{held}")
    return EXIT_OK if all(r["verdict"] == "ok" for r in rows) else EXIT_BLOCKING


# -- stock ----------------------------------------------------------------------------------


def run_stock_command(args: argparse.Namespace) -> int:
    session = store_session(args.store)
    if args.stock_command == "plan":
        plan = asyncio.run(_with_sync(session, lambda sync: sync.stock_plan()))
        changes = plan.changes
        if args.format == "json":
            data = {
                "changes": [c.__dict__ for c in changes],
                "tracked": plan.tracked,
                "skipped": plan.skipped,
                # what the push leaves alone or holds back, and why
                "left_alone": [item.__dict__ for item in plan.left_alone],
                "held_back": [units.__dict__ for units in plan.held_back],
                "notes": plan.notes,
            }
            emit(json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", None)
        else:
            for c in changes:
                why = f"  ({safe_text(c.why)})" if c.why else ""
                print(f"{safe_text(c.sku):<24} {safe_text(c.location):<24} {c.current:>6} → {c.target}{why}")
            for item in plan.left_alone:
                print(
                    f"left alone: {safe_text(item.sku)} at {safe_text(item.location)} ({item.current}): "
                    f"{safe_text(item.reason)}"
                )
            for units in plan.held_back:
                print(
                    f"held back: {units.units} of {safe_text(units.sku)} at {safe_text(units.location)} for "
                    f"{safe_text(', '.join(units.orders))}"
                )
            for note in plan.notes:
                print(f"note: {safe_text(note)}")
            print(f"{len(changes)} levels differ of {plan.tracked} tracked; nothing written.", file=sys.stderr)
        return EXIT_OK
    if args.stock_command == "push":
        plan, pushed = asyncio.run(_with_sync(session, lambda sync: sync.stock_push(force=args.force)))
        print(
            f"{pushed.applied} levels updated of {len(plan.changes)}; snapshot {safe_text(pushed.snapshot)}",
            file=sys.stderr,
        )
        for failure in pushed.failed:
            print(f"not updated: {safe_text(failure)}", file=sys.stderr)
        return EXIT_BLOCKING if pushed.failed else EXIT_OK
    snapshot = Path(args.snapshot)
    if not snapshot.exists():
        candidate = session.snapshots_dir / args.snapshot
        if not candidate.exists():
            raise ConsoleError(f"No snapshot {args.snapshot}.", hint=f"Snapshots are in {session.snapshots_dir}.")
        snapshot = candidate
    restored = asyncio.run(_with_sync(session, lambda sync: sync.stock_rollback(snapshot)))
    print(f"restored {restored.applied} levels from {safe_text(snapshot.name)}", file=sys.stderr)
    return EXIT_OK


# -- reconcile and errors -------------------------------------------------------------------


def _reconcile(args: argparse.Namespace) -> int:
    from cin7_shopify.sync.reconcile import ReconcileReport, reconcile, report_csv, report_json_text, report_markdown

    since = _date(args.since)
    session = store_session(args.store)

    async def job() -> ReconcileReport:
        cin7, shopify = session.open_clients()
        async with cin7, shopify:
            return await reconcile(cin7, shopify, session.settings(), since)

    report = asyncio.run(job())
    text = {"json": report_json_text, "md": report_markdown, "csv": report_csv}[args.format](report)
    emit(text, args.out)
    return EXIT_OK if report.clean else EXIT_BLOCKING


def run_errors_command(args: argparse.Namespace) -> int:
    path = store_session(args.store).journal_path

    def wanted(entry: JournalEntry) -> bool:
        return (args.all or entry.status == "open") and (not args.kind or entry.kind == args.kind)

    entries = [e for e in fold(read_records(path, warn=_warn)) if wanted(e)]
    for entry in entries:
        _print_entry(entry, args.format)
    if not args.follow:
        return EXIT_OK
    position, line = _complete_lines(path)
    try:
        while True:
            time.sleep(0.5)
            if not path.exists() or path.stat().st_size <= position:
                continue
            with path.open("rb") as stream:
                stream.seek(position)
                chunk = stream.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits for its end
            position += len(complete)
            for raw in complete.splitlines():
                line += 1
                try:
                    record = parse_line(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as exc:
                    _warn(skipped(path, line, "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)))
                    continue
                if record.get("event") == "error":
                    entry = entry_from_record(record)
                    if wanted(entry):
                        _print_entry(entry, args.format)
    except KeyboardInterrupt:
        return EXIT_OK


def _warn(text: str) -> None:
    print(f"warning: {safe_text(text)}", file=sys.stderr, flush=True)


def _complete_lines(path: Path) -> tuple[int, int]:
    """Where following starts: the end of the last complete line, and how many lines come before it."""
    if not path.exists():
        return 0, 0
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    return end, data.count(b"\n", 0, end)


def _print_entry(entry: JournalEntry, fmt: str) -> None:
    if fmt == "json":
        print(json_text(json.dumps(entry.to_json(), ensure_ascii=False)), flush=True)
    else:
        print(
            f"{safe_text(entry.time)}  {safe_text(entry.status):<8} {safe_text(entry.kind):<20} "
            f"{safe_text(entry.ref):<10} {safe_text(entry.message)}\n"
            f"{'':>30}fix: {safe_text(entry.fix)}",
            flush=True,
        )
