"""The sync's ledger: what it meant to do, what it did, and where each order stands.

Append-only JSON Lines, one event per line, fsynced before the call it describes, so after a crash
at any point the next run knows which writes may have landed and checks Cin7 Core or Shopify before
doing them again. A torn last line (the crash came mid-append) is moved aside at open, to
`ledger.jsonl.torn-<time>`, before anything is appended. Any other line that is not an event stops
the open with the file and line named: skipping it could repeat a write that already landed. The
state is rebuilt by replaying the events, and the file is compacted at open once it holds many
superseded events.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cin7_shopify.paths import private_folder
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.storage import (
    CorruptStore,
    WriterLock,
    open_private_append,
    set_torn_tail_aside,
    write_atomically,
)

OrderStatus = Literal["seen", "waiting", "skipped", "held", "retry", "imported", "voided", "cancelled_after_pick"]
COMPACT_AFTER = 5_000  # events


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class OrderEntry:
    order_id: str
    name: str = ""
    status: OrderStatus = "seen"
    sale_id: str | None = None
    reason: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    order: dict[str, Any] | None = None  # the Shopify order, kept while it is held so it can be retried
    # Cin7 shipments already sent to Shopify: "TaskID/Box" per shipped box ("TaskID" alone: the whole task)
    shipments: list[str] = field(default_factory=list)
    # Shopify fulfilment id → the boxes it carries and the tracking numbers Shopify has for it
    fulfilments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[str] = field(default_factory=list)  # Shopify refunds already reported
    # A credit note (cancellation or refund) Cin7 has not taken yet: retried every pass with `order`.
    credit_due: bool = False
    waits_on: str = ""  # a held order: digest of what it waits on (settings, its SKUs' products, customer)
    retry_at: str = ""  # a held order: when it is tried again even if nothing it waits on changed
    attempts: int = 0  # a held order: how many times it was held in a row (its backoff doubles)
    updated: str = ""


@dataclass
class Intent:
    key: str  # e.g. "create_sale:gid://shopify/Order/1"
    started: str
    detail: dict[str, Any] = field(default_factory=dict)


def _event(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(event, dict):
        raise ValueError(f"a JSON {type(event).__name__}, not an event")
    return event


def _problem(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"an event without its {exc}"
    if isinstance(exc, ValueError):
        return str(exc)
    return "not an event the sync wrote"


class Ledger:
    def __init__(self, path: Path, *, crash: CrashPoints | None = None) -> None:
        self.path = path
        self.crash = crash or CrashPoints()
        self.orders: dict[str, OrderEntry] = {}
        self.pending: dict[str, Intent] = {}  # begun, not known to have finished
        self.finished: dict[str, dict[str, Any]] = {}  # what each write that went through left behind
        self.customers: dict[str, dict[str, str]] = {}  # email (lower case) → {"id", "name"}
        self.meta: dict[str, Any] = {}
        self._events = 0
        self._lock = WriterLock(path)
        self._handle: Any = None
        self.torn: Path | None = None  # where open() moved a torn last line, if it found one

    # -- lifecycle ------------------------------------------------------------------------

    def open(self) -> Ledger:
        """Take the writer lock (one sync per store) and replay the events."""
        private_folder(self.path.parent)
        self._lock.acquire()
        try:
            self.torn = set_torn_tail_aside(self.path)
            self._replay()
        except BaseException:
            self._lock.release()
            raise
        if self._events > COMPACT_AFTER:
            self._compact()
        self._handle = open_private_append(self.path)
        return self

    def _replay(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.endswith(b"\n"):
                    break  # a line still being written (a reader beside a running sync) or torn (set aside on open)
                try:
                    self._apply(_event(raw))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise CorruptStore(
                        f"{self.path}: line {number}: {_problem(exc)}.",
                        hint="Restore the file from a backup, or remove that line (one JSON event per line) and "
                        "check that order in Cin7 Core and Shopify by hand; the sync will not run on a ledger "
                        "it cannot read.",
                    ) from None
                self._events += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._lock.release()

    def __enter__(self) -> Ledger:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------

    def begin(self, key: str, **detail: Any) -> None:
        """Record the intent before the write it names (durable before the call is made)."""
        self._append({"e": "begin", "key": key, "detail": detail, "t": _now()})

    def finish(self, key: str, **result: Any) -> None:
        self._append({"e": "finish", "key": key, "result": result, "t": _now()})

    def update_order(self, order_id: str, **fields: Any) -> OrderEntry:
        self._append({"e": "order", "order_id": order_id, "fields": fields, "t": _now()})
        return self.orders[order_id]

    def remember_customer(self, email: str, customer_id: str, name: str) -> None:
        self._append({"e": "customer", "email": email.strip().lower(), "id": customer_id, "name": name})

    def set_meta(self, **values: Any) -> None:
        self._append({"e": "meta", "values": values})

    def _append(self, event: dict[str, Any]) -> None:
        assert self._handle is not None, "open the ledger first"
        self._handle.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._apply(event)
        self._events += 1
        self.crash.hit(f"ledger {event.get('e')}")

    # -- reading --------------------------------------------------------------------------

    def order(self, order_id: str) -> OrderEntry | None:
        return self.orders.get(order_id)

    def is_pending(self, key: str) -> bool:
        return key in self.pending

    def result_of(self, key: str) -> dict[str, Any] | None:
        """What a write that went through recorded (None: it never finished, or was refused)."""
        return self.finished.get(key)

    def held(self) -> list[OrderEntry]:
        return [entry for entry in self.orders.values() if entry.status == "held"]

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("e")
        if kind == "begin":
            self.pending[event["key"]] = Intent(event["key"], event.get("t", ""), event.get("detail") or {})
        elif kind == "finish":
            self.pending.pop(event["key"], None)
            result = event.get("result") or {}
            if result.get("failed"):
                self.finished.pop(event["key"], None)
            else:
                self.finished[event["key"]] = result
        elif kind == "order":
            entry = self.orders.setdefault(event["order_id"], OrderEntry(event["order_id"]))
            for name, value in (event.get("fields") or {}).items():
                setattr(entry, name, value)
            entry.updated = event.get("t", entry.updated)
        elif kind == "customer":
            self.customers[event["email"]] = {"id": event["id"], "name": event["name"]}
        elif kind == "meta":
            self.meta.update(event.get("values") or {})

    def _compact(self) -> None:
        """Rewrite the events as the state they add up to (atomically), keeping pending intents."""
        events: list[dict[str, Any]] = [{"e": "meta", "values": self.meta}]
        events += [{"e": "customer", "email": e, **c} for e, c in self.customers.items()]
        for entry in self.orders.values():
            fields = {k: v for k, v in entry.__dict__.items() if k not in {"order_id", "updated"}}
            events.append({"e": "order", "order_id": entry.order_id, "fields": fields, "t": entry.updated})
        events += [{"e": "finish", "key": k, "result": r} for k, r in self.finished.items()]
        events += [{"e": "begin", "key": i.key, "detail": i.detail, "t": i.started} for i in self.pending.values()]
        write_atomically(self.path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events))
        self._events = len(events)


@dataclass
class LedgerSummary:
    imported: int = 0
    held: int = 0
    last_import: str | None = None
    last_stock_push: str | None = None


def read_ledger(path: Path) -> Ledger:
    """The ledger's state, read without the writer's lock and without compacting: a running sync is
    never kept from starting, and its figures show while it runs. Not for writing."""
    ledger = Ledger(path)
    ledger._replay()
    return ledger


def read_ledger_summary(path: Path) -> LedgerSummary:
    """Counts for a status line (see `read_ledger`)."""
    ledger = read_ledger(path)
    imported = [o for o in ledger.orders.values() if o.status == "imported"]
    return LedgerSummary(
        imported=len(imported),
        held=len(ledger.held()),
        last_import=max((o.updated for o in imported), default=None),
        last_stock_push=ledger.meta.get("last_stock_push"),
    )
