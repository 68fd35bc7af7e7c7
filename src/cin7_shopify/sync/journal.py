"""The error journal: append-only JSON Lines per store, the record a consultant checks every week.

Each entry: time, kind, the order or SKU it concerns, Cin7's or Shopify's own message, the fix in
plain words, and open/resolved. Resolving appends a record; nothing is ever rewritten. Secrets are
scrubbed before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cin7_shopify.state.crash import CrashPoints

# Notices the sync writes as resolved: not errors, so they stay out of the error counts.
NOTICE_KINDS = frozenset({"retrying", "order_voided", "product_created", "credit_note_created"})
# Credit notes a person still has to raise (or that failed): open until resolved.
CREDIT_NOTE_KINDS = frozenset({"credit_note_needed", "credit_note_failed"})

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

    def resolve_order(self, order_id: str, *, note: str = "imported") -> int:
        """Resolve every open entry of an order (its hold is over)."""
        open_ids = [e.id for e in self.entries() if e.order_id == order_id and e.status == "open"]
        for entry_id in open_ids:
            self.resolve(entry_id, note=note)
        return len(open_ids)

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        self.crash.hit(f"journal {record.get('event')}")

    def entries(self) -> list[JournalEntry]:
        """Every error with its current status, oldest first."""
        return list(fold(read_records(self.path)))


def read_records(path: Path, start: int = 0) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as stream:
        stream.seek(start)
        for line in stream:
            if not line.endswith("\n"):
                return  # still being written
            try:
                yield json.loads(line)
            except ValueError:
                continue


def fold(records: Iterable[dict[str, Any]]) -> Iterator[JournalEntry]:
    entries: dict[str, JournalEntry] = {}
    for record in records:
        if record.get("event") == "error":
            fields = {k: v for k, v in record.items() if k != "event"}
            entries[record["id"]] = JournalEntry(**fields)
        elif record.get("event") == "resolved" and record.get("id") in entries:
            entries[record["id"]].status = "resolved"
    yield from entries.values()
