"""The weekly digest: how each store's sync did over a period, from what the sync recorded.

Nothing here calls Cin7 Core or Shopify: the ledger (held orders, calls per day, the last stock
push), the journal (errors, credit notes), the snapshots folder (pushes) and the store profile (API
version, credentials) are enough, read without the sync's lock so a running sync is never in the way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cin7_shopify.errors import ConsoleError
from cin7_shopify.reports.versions import VersionWindow, version_window
from cin7_shopify.state.ledger import OrderEntry, read_ledger
from cin7_shopify.state.profiles import StoreProfile
from cin7_shopify.sync.journal import CREDIT_NOTE_KINDS, NOTICE_KINDS, JournalEntry, fold, read_records

AGE_BUCKETS = (("under 1 day", 1.0), ("1 to 3 days", 3.0), ("3 to 7 days", 7.0), ("over 7 days", float("inf")))
_SNAPSHOT_NAME = re.compile(r"^stock-(\d{8}T\d{6})\d*Z\.json$")
_PERIOD = re.compile(r"^(\d+)\s*([hdw])$")


class RecordedStore(Protocol):
    """What the digest reads of a store (a `StoreSession` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def profile(self) -> StoreProfile: ...

    @property
    def ledger_path(self) -> Path: ...

    @property
    def journal_path(self) -> Path: ...

    @property
    def snapshots_dir(self) -> Path: ...


@dataclass
class HeldOrder:
    order: str
    placed: str | None
    held_since: str
    age_days: float  # since the customer placed it (since it was held when the order's date is unknown)
    reasons: list[str]


@dataclass
class ErrorKind:
    kind: str
    this_period: int
    period_before: int
    still_open: int

    @property
    def trend(self) -> str:
        if self.period_before == 0:
            return "new" if self.this_period else "none"
        if self.this_period == self.period_before:
            return "same"
        return "up" if self.this_period > self.period_before else "down"


@dataclass
class StockPush:
    time: str
    levels: int  # inventory levels changed
    units: int  # units moved, up or down


@dataclass
class CallUse:
    cin7: int = 0
    shopify: int = 0
    shopify_throttled: int = 0  # waits for Shopify's query-cost bucket to refill
    cin7_budget: int = 0  # the Cin7 Core account's limit over the period (shared by its stores)
    days_recorded: int = 0


@dataclass
class PendingCreditNote:
    order: str
    kind: str
    since: str
    message: str


@dataclass
class Credential:
    what: str
    expiry: str


@dataclass
class StoreDigest:
    store: str
    title: str
    held: list[HeldOrder] = field(default_factory=list)
    held_by_age: dict[str, int] = field(default_factory=dict)
    errors: list[ErrorKind] = field(default_factory=list)
    stock_drift: dict[str, Any] | None = None  # what the last stock push found
    pushes: list[StockPush] = field(default_factory=list)
    calls: CallUse = field(default_factory=CallUse)
    credit_notes: list[PendingCreditNote] = field(default_factory=list)
    api_version: VersionWindow | None = None
    credentials: list[Credential] = field(default_factory=list)

    @property
    def errors_this_period(self) -> int:
        return sum(e.this_period for e in self.errors)

    @property
    def errors_period_before(self) -> int:
        return sum(e.period_before for e in self.errors)


@dataclass
class Digest:
    since: datetime
    until: datetime
    stores: list[StoreDigest]

    @property
    def blocking(self) -> bool:
        """A store is served an API version it was never tested on."""
        return any(s.api_version is not None and s.api_version.verdict == "past" for s in self.stores)

    def to_json(self) -> dict[str, Any]:
        def store(s: StoreDigest) -> dict[str, Any]:
            data = asdict(s)
            data["errors"] = [{**asdict(e), "trend": e.trend} for e in s.errors]
            data["api_version"] = s.api_version.to_json() if s.api_version else None
            return data

        return {
            "since": _stamp(self.since),
            "until": _stamp(self.until),
            "stores": [store(s) for s in self.stores],
        }


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `2w`, `48h` back from now, or a date (YYYY-MM-DD, UTC)."""
    value = text.strip().lower()
    found = _PERIOD.match(value)
    if found:
        hours = {"h": 1, "d": 24, "w": 24 * 7}[found.group(2)] * int(found.group(1))
        if hours > 0:
            return now - timedelta(hours=hours)
    else:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            if moment < now:
                return moment
    raise ConsoleError(
        f"--since '{text}' is not a period back from now.",
        hint="Use e.g. 7d, 2w or 48h, or a past date such as 2026-11-21.",
    )


def build_digest(stores: list[RecordedStore], *, since: datetime, until: datetime) -> Digest:
    return Digest(since, until, [store_digest(store, since=since, until=until) for store in stores])


def store_digest(store: RecordedStore, *, since: datetime, until: datetime) -> StoreDigest:
    digest = StoreDigest(store=store.name, title=store.title)
    ledger = read_ledger(store.ledger_path)
    digest.held = sorted((_held(entry, until) for entry in ledger.held()), key=lambda h: h.age_days, reverse=True)
    digest.held_by_age = _by_age(digest.held)
    entries = list(fold(read_records(store.journal_path)))
    digest.errors = _errors(entries, since, until)
    digest.credit_notes = [
        PendingCreditNote(e.ref, e.kind, e.time, e.message)
        for e in entries
        if e.kind in CREDIT_NOTE_KINDS and e.status == "open"
    ]
    drift = ledger.meta.get("last_stock_drift")
    digest.stock_drift = dict(drift) if isinstance(drift, dict) else None
    digest.pushes = _pushes(store.snapshots_dir, since, until)
    digest.calls = _calls(ledger.meta.get("calls_by_day"), store.profile, since, until)
    digest.api_version = version_window(store.profile.api_version, until.date())
    digest.credentials = credentials(store.profile)
    return digest


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _held(entry: OrderEntry, now: datetime) -> HeldOrder:
    placed = (entry.order or {}).get("created_at") or (entry.order or {}).get("createdAt")
    start = _when(placed) or _when(entry.updated) or now
    return HeldOrder(
        order=entry.name or entry.order_id,
        placed=placed,
        held_since=entry.updated,
        age_days=round(max(0.0, (now - start) / timedelta(days=1)), 1),
        reasons=[str(e.get("kind", "")) for e in entry.errors],
    )


def _by_age(held: list[HeldOrder]) -> dict[str, int]:
    counts = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for order in held:
        label = next(label for label, limit in AGE_BUCKETS if order.age_days < limit)
        counts[label] += 1
    return counts


def _errors(entries: list[JournalEntry], since: datetime, until: datetime) -> list[ErrorKind]:
    """Errors raised in the period and in the period of the same length before it, by kind."""
    before = since - (until - since)
    this_period: Counter[str] = Counter()
    period_before: Counter[str] = Counter()
    still_open: Counter[str] = Counter()
    for entry in entries:
        if entry.kind in NOTICE_KINDS:
            continue
        if entry.status == "open":
            still_open[entry.kind] += 1
        when = _when(entry.time)
        if when is None:
            continue
        if since <= when < until:
            this_period[entry.kind] += 1
        elif before <= when < since:
            period_before[entry.kind] += 1
    kinds = sorted(set(this_period) | set(period_before) | set(still_open), key=lambda k: (-this_period[k], k))
    return [ErrorKind(k, this_period[k], period_before[k], still_open[k]) for k in kinds]


def _pushes(folder: Path, since: datetime, until: datetime) -> list[StockPush]:
    """Every stock push of the period, from the snapshot each push saves before it writes."""
    pushes = []
    for path in sorted(folder.glob("stock-*.json")) if folder.is_dir() else []:
        found = _SNAPSHOT_NAME.match(path.name)
        if not found:
            continue
        when = datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        if not since <= when < until:
            continue
        try:
            items = json.loads(path.read_text(encoding="utf-8")).get("items") or []
        except (OSError, ValueError, AttributeError):
            continue
        units = sum(abs(int(i.get("target", 0)) - int(i.get("current", 0))) for i in items if isinstance(i, dict))
        pushes.append(StockPush(_stamp(when), len(items), units))
    return pushes


def _calls(tally: object, profile: StoreProfile, since: datetime, until: datetime) -> CallUse:
    use = CallUse(cin7_budget=int(profile.cin7_calls_per_minute * (until - since) / timedelta(minutes=1)))
    if not isinstance(tally, dict):
        return use
    first, last = since.strftime("%Y-%m-%d"), until.strftime("%Y-%m-%d")
    for day, counts in tally.items():
        if first <= str(day) <= last and isinstance(counts, dict):
            use.days_recorded += 1
            use.cin7 += int(counts.get("cin7", 0))
            use.shopify += int(counts.get("shopify", 0))
            use.shopify_throttled += int(counts.get("shopify_throttled", 0))
    return use


def credentials(profile: StoreProfile) -> list[Credential]:
    """What is known of when each credential stops working (none of them carries a date we can read)."""
    if profile.shopify_auth == "client_credentials":
        shopify = Credential(
            "Shopify (client credentials)",
            "Access tokens last about 24 hours and the sync renews them itself (5 minutes before expiry, and "
            "on a refused call). The client secret has no expiry date; it stops working if it is rotated in "
            "the Dev Dashboard.",
        )
    else:
        shopify = Credential(
            "Shopify (Admin API access token)",
            "Does not expire. It stops working only if the app is uninstalled or the token is revoked.",
        )
    cin7 = Credential(
        "Cin7 Core (application key)",
        "No expiry is documented. It stops working if the API application is deleted in Cin7 Core.",
    )
    return [shopify, cin7]
