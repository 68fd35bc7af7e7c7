"""The error journal: append-only JSON Lines per store, the record a consultant checks every week.

Each entry: time, kind, the order or SKU it concerns, Cin7's or Shopify's own message, the fix in
plain words, and open/resolved. Resolving appends a record; nothing is ever rewritten. Secrets are
scrubbed before anything is written.

A crash mid-append leaves a torn last line: the next append first moves it aside (to
`errors.jsonl.torn-<time>`), so the new record is not glued to it. Readers skip a line that is not
a journal record and say which (file and line) through `warn`: losing one line of a report is
better than showing none of it.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.storage import append_lock, open_private_append, set_torn_tail_aside

# Notices the sync writes as resolved: not errors, so they stay out of the error counts.
NOTICE_KINDS = frozenset({"retrying", "order_voided", "product_created", "credit_note_created"})
# Credit notes a person still has to raise (or that failed): open until resolved.
CREDIT_NOTE_KINDS = frozenset({"credit_note_needed", "credit_note_failed"})

Warn = Callable[[str], None]
_TOKEN_PATTERNS = re.compile(r"\b(shpat|shpca|shppa|shpss)_[A-Za-z0-9]+")


@dataclass
class JournalEntry:
    id: str
    time: str
    kind: str
    ref: str  # the order name or SKU
    message: str  # Cin7's or Shopify's own words, or ours
    fix: str
    status: str = "open"
    store: str = ""
    order_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_REQUIRED = ("id", "time", "kind", "ref", "message", "fix")
_OPTIONAL = {f.name for f in fields(JournalEntry)} - set(_REQUIRED)


def entry_from_record(record: object) -> JournalEntry:
    """The entry an "error" record holds; ValueError saying what is wrong when it holds none."""
    if not isinstance(record, dict):
        raise ValueError(f"a JSON {type(record).__name__}, not a journal record")
    data = {k: v for k, v in record.items() if k != "event"}
    missing = [name for name in _REQUIRED if not isinstance(data.get(name), str)]
    if missing:
        raise ValueError(f"no text in {', '.join(missing)}")
    unknown = sorted(set(data) - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}")
    if not isinstance(data.get("status", ""), str) or not isinstance(data.get("store", ""), str):
        raise ValueError("status and store must be text")
    if data.get("order_id") is not None and not isinstance(data["order_id"], str):
        raise ValueError("order_id must be text")
    return JournalEntry(**data)


def parse_line(line: str) -> dict[str, Any]:
    """One journal line as a record; ValueError naming the problem when it is not one."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ValueError(f"a JSON {type(record).__name__}, not a journal record")
    event = record.get("event")
    if event == "error":
        entry_from_record(record)
    elif event in {"resolved", "reopened"}:
        if not isinstance(record.get("id"), str):
            raise ValueError(f"a {event} record without the id of its entry")
    else:
        raise ValueError(f"unknown event {event!r}")
    return record


def skipped(path: Path, line: int, problem: str) -> str:
    """The warning for a journal line that readers skip."""
    return f"{path}: line {line}: {problem}; skipped (the rest of the journal is shown)."


class Journal:
    def __init__(
        self, path: Path, *, store: str = "", secrets: Iterable[str] = (), crash: CrashPoints | None = None
    ) -> None:
        self.path = path
        self.store = store
        self.crash = crash or CrashPoints()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN_PATTERNS.sub("[redacted]", text)

    def record(
        self, kind: str, ref: str, message: str, fix: str, *, order_id: str | None = None, notice: bool = False
    ) -> JournalEntry:
        """An error to act on; `notice`: something the sync did that needs no action (written as resolved)."""
        entry = JournalEntry(
            id=uuid.uuid4().hex[:12],
            time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            kind=kind,
            ref=ref,
            message=self.scrub(message),
            fix=self.scrub(fix),
            store=self.store,
            order_id=order_id,
            status="resolved" if notice else "open",
        )
        self._append({"event": "error", **entry.to_json()})
        return entry

    def resolve(self, entry_id: str, *, note: str = "") -> None:
        self._append(
            {
                "event": "resolved",
                "id": entry_id,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "note": self.scrub(note),
            }
        )

    def reopen(self, entry_id: str, *, note: str = "") -> None:
        """Undo a resolve: the entry is open again (appended, like everything else)."""
        self._append(
            {
                "event": "reopened",
                "id": entry_id,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "note": self.scrub(note),
            }
        )

    def resolve_order(self, order_id: str, *, note: str = "imported") -> int:
        """Resolve every open entry of an order (its hold is over)."""
        open_ids = [e.id for e in self.entries() if e.order_id == order_id and e.status == "open"]
        for entry_id in open_ids:
            self.resolve(entry_id, note=note)
        return len(open_ids)

    def _append(self, record: dict[str, Any]) -> None:
        # Appenders take turns (the sync and the console may both write), so a torn tail seen here
        # is one a crash left, never a line another process is still writing.
        with append_lock(self.path):
            set_torn_tail_aside(self.path)
            with open_private_append(self.path) as stream:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
        self.crash.hit(f"journal {record.get('event')}")

    def entries(self, warn: Warn | None = None) -> list[JournalEntry]:
        """Every error with its current status, oldest first."""
        return list(fold(read_records(self.path, warn=warn)))


def read_records(path: Path, start: int = 0, *, warn: Warn | None = None) -> Iterator[dict[str, Any]]:
    """The journal's records from byte `start`; a line that is not one is skipped, and `warn` told."""
    if not path.exists():
        return
    with path.open("rb") as stream:
        stream.seek(start)
        for number, raw in enumerate(stream, start=1):
            if not raw.endswith(b"\n"):
                return  # still being written, or torn: set aside at the next append
            try:
                yield parse_line(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                if warn is not None:
                    problem = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
                    warn(skipped(path, number, problem) if not start else f"{path}: {problem}; skipped.")


def fold(records: Iterable[dict[str, Any]]) -> Iterator[JournalEntry]:
    entries: dict[str, JournalEntry] = {}
    for record in records:
        if record.get("event") == "error":
            entry = entry_from_record(record)
            entries[entry.id] = entry
        elif record.get("event") in {"resolved", "reopened"} and record.get("id") in entries:
            entries[record["id"]].status = "resolved" if record["event"] == "resolved" else "open"
    yield from entries.values()
