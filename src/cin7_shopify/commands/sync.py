"""Commands that run the sync of a saved store: sync run, backfill, stock, errors, reconcile."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from cin7_shopify.commands.output import emit
from cin7_shopify.connections import open_profile_clients
from cin7_shopify.errors import ConsoleError
from cin7_shopify.secrets import SECRET_NAMES, default_store
from cin7_shopify.settings import StoreSettings
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.sync.journal import Journal, JournalEntry, entry_from_record, fold, parse_line, read_records, skipped
from cin7_shopify.sync.paths import journal_path, snapshots_dir
from cin7_shopify.sync.runner import StoreSync, run_forever
from cin7_shopify.text import json_text, safe_text

EXIT_OK, EXIT_BLOCKING = 0, 1


class ProfileSettings:
    """The store's settings, re-read when the profile file changes (an approval takes effect at once)."""

    def __init__(self, profiles: ProfileStore, name: str) -> None:
        self.profiles = profiles
        self.name = name
        self._stamp = -1.0
        self._settings = StoreSettings()

    def __call__(self) -> StoreSettings:
        stamp = self.profiles.path.stat().st_mtime if self.profiles.path.exists() else 0.0
        if stamp != self._stamp:
            self._settings = self.profiles.get(self.name).settings
            self._stamp = stamp
        return self._settings


def _store_sync(name: str) -> tuple[StoreSync, StoreProfile]:
    profiles = ProfileStore()
    profile = profiles.get(name)
    secrets, _ = default_store()
    cin7, shopify = open_profile_clients(profile, secrets)
    known = [s.get_secret_value() for n in SECRET_NAMES if (s := secrets.get(name, n)) is not None]
    return StoreSync(name, cin7, shopify, ProfileSettings(profiles, name), secrets=known), profile


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConsoleError(f"'{text}' is not a date.", hint="Use YYYY-MM-DD, e.g. 2026-10-01.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _say(text: str) -> None:
    print(f"{datetime.now().strftime('%H:%M:%S')} {safe_text(text)}", file=sys.stderr, flush=True)


T = TypeVar("T")


async def _run(name: str, job: Callable[[StoreSync], Awaitable[T]]) -> T:
    sync, _ = _store_sync(name)
    async with sync.cin7, sync.shopify:
        with sync:
            if sync.ledger.torn is not None:
                _warn(f"the ledger's last line was torn by a crash; kept in {sync.ledger.torn}.")
            return await job(sync)


def run_sync_command(args: argparse.Namespace) -> int:
    if args.command == "sync":
        asyncio.run(_run(args.store, lambda sync: run_forever(sync, once=args.once, report=_say)))
        return EXIT_OK
    if args.command == "backfill":
        since = _date(args.since)
        result = asyncio.run(_run(args.store, lambda sync: sync.backfill(since)))
        data = {
            "imported": result.imported,
            "held": result.held,
            "skipped": result.skipped,
            "retry_later": result.retry_later,
        }
        if args.format == "json":
            emit(json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", None)
        else:
            print(
                f"backfill since {safe_text(args.since)}: {len(data['imported'])} imported, {len(data['held'])} held, "
                f"{len(data['skipped'])} skipped, {len(data['retry_later'])} to retry"
            )
        return EXIT_BLOCKING if data["held"] else EXIT_OK
    if args.command == "reconcile":
        return _reconcile(args)
    raise ConsoleError(f"unknown command {args.command}")


def run_stock_command(args: argparse.Namespace) -> int:
    from cin7_shopify.sync.stock import rollback_stock

    if args.stock_command == "plan":
        plan = asyncio.run(_run(args.store, lambda sync: sync.stock_plan()))
        changes = plan.changes
        if args.format == "json":
            emit(
                json_text(
                    json.dumps(
                        {
                            "changes": [c.__dict__ for c in changes],
                            "tracked": plan.tracked,
                            "skipped": plan.skipped,
                        },
                        indent=2,
                        ensure_ascii=False,
                    )
                )
                + "\n",
                None,
            )
        else:
            for c in changes:
                print(f"{safe_text(c.sku):<24} {safe_text(c.location):<24} {c.current:>6} → {c.target}")
            print(f"{len(changes)} levels differ of {plan.tracked} tracked; nothing written.", file=sys.stderr)
        return EXIT_OK
    if args.stock_command == "push":
        plan, pushed = asyncio.run(_run(args.store, lambda sync: sync.stock_push(force=args.force)))
        print(
            f"{pushed.applied} levels updated of {len(plan.changes)}; snapshot {safe_text(pushed.snapshot)}",
            file=sys.stderr,
        )
        for failure in pushed.failed:
            print(f"not updated: {safe_text(failure)}", file=sys.stderr)
        return EXIT_BLOCKING if pushed.failed else EXIT_OK
    snapshot = Path(args.snapshot)
    if not snapshot.exists():
        candidate = snapshots_dir(args.store) / args.snapshot
        if not candidate.exists():
            raise ConsoleError(f"No snapshot {args.snapshot}.", hint=f"Snapshots are in {snapshots_dir(args.store)}.")
        snapshot = candidate
    restored = asyncio.run(_run(args.store, lambda sync: rollback_stock(sync.shopify, snapshot)))
    print(f"restored {restored.applied} levels from {safe_text(snapshot.name)}", file=sys.stderr)
    return EXIT_OK


def _reconcile(args: argparse.Namespace) -> int:
    from cin7_shopify.sync.reconcile import ReconcileReport, reconcile, report_csv, report_json_text, report_markdown

    since = _date(args.since)
    sync, profile = _store_sync(args.store)

    async def job() -> ReconcileReport:
        async with sync.cin7, sync.shopify:
            return await reconcile(sync.cin7, sync.shopify, profile.settings, since)

    report = asyncio.run(job())
    text = {"json": report_json_text, "md": report_markdown, "csv": report_csv}[args.format](report)
    emit(text, args.out)
    return EXIT_OK if report.clean else EXIT_BLOCKING


def run_errors_command(args: argparse.Namespace) -> int:
    ProfileStore().get(args.store)
    path = journal_path(args.store)

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


__all__ = ["Journal", "run_errors_command", "run_stock_command", "run_sync_command"]
