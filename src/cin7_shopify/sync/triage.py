"""Triage of a store's error journal: entries grouped by their cause, kinds in words, where each is fixed,
times in the shop's zone, and the web-admin addresses of an order and its sale."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cin7_shopify.sync.journal import JournalEntry

# Journal kinds as a merchant says them; the machine names stay in the journal and in JSON.
KIND_WORDS = {
    "unknown_sku": "unknown SKU",
    "missing_sku": "missing SKU",
    "unmapped_tax": "unmapped tax line",
    "unmapped_location": "unmapped location",
    "missing_customer": "missing customer",
    "missing_service_product": "missing service product",
    "total_mismatch": "total mismatch",
    "cin7_rejected": "refused by Cin7 Core",
    "partial_order": "order read in part",
    "sync_pass_failed": "sync pass failed",
    "stock_push_failed": "stock push failed",
    "credit_note_needed": "credit note to raise",
    "credit_note_failed": "credit note failed",
    "fulfilment_failed": "fulfilment failed",
}

# What an entry's words name, so one cause is one group and "Go fix" lands on the row that fixes it.
_SUBJECTS = {
    "unknown_sku": re.compile(r"SKU (\S+) \("),
    "unmapped_tax": re.compile(r"tax line '([^']*)'"),
    "unmapped_location": re.compile(r"location '([^']*)'"),
    # Cin7's own words ("Product 'X' is deprecated."), or ours when the sync holds it before any call.
    "cin7_rejected": re.compile(r"Product '([^']*)'|SKU (\S+) \("),
}


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def subject(entry: JournalEntry) -> str:
    """The SKU, tax line or location the entry is about ("" when its words name none)."""
    return subject_of(entry.kind, entry.message)


def subject_of(kind: str, message: str) -> str:
    pattern = _SUBJECTS.get(kind)
    found = pattern.search(message) if pattern else None
    return next((group for group in found.groups() if group), "") if found else ""


def fix_target(kind: str, message: str) -> tuple[str, str | None] | None:
    """Where a held order's cause is fixed: ("sku", SKU) or ("mapping", "taxes:<line>" / "locations:<name>");
    None when it is fixed outside the console."""
    where = {"unknown_sku": "sku", "missing_sku": "sku", "cin7_rejected": "sku"}.get(kind)
    if kind in {"unmapped_tax", "unmapped_location"}:
        where = "mapping"
    if where is None:
        return None
    found = subject_of(kind, message)
    if where == "mapping":
        return where, (("taxes:" if kind == "unmapped_tax" else "locations:") + found) if found else None
    return where, found or None


@dataclass
class CauseGroup:
    """Every entry of one cause: same store, same kind, same thing to fix."""

    store: str
    kind: str
    subject: str
    entries: list[JournalEntry] = field(default_factory=list)

    @property
    def orders(self) -> list[str]:
        return sorted({e.ref for e in self.entries if e.order_id})

    @property
    def title(self) -> str:
        what = f"{kind_words(self.kind)} {self.subject}".strip()
        count = len(self.orders) or len(self.entries)
        noun = "order" if self.orders else "time"
        return f"{what} — {count} {noun}{'s' if count != 1 else ''}"

    @property
    def latest(self) -> str:
        return max(e.time for e in self.entries)


def group_by_cause(entries: list[JournalEntry]) -> list[CauseGroup]:
    """Groups of one cause, the most orders first (ties: the most recent first)."""
    groups: dict[tuple[str, str, str, str], CauseGroup] = {}
    for entry in entries:
        found = subject(entry)
        # Without a named subject the fix text tells causes apart (it never names the order).
        key = (entry.store, entry.kind, found, "" if found else entry.fix)
        groups.setdefault(key, CauseGroup(entry.store, entry.kind, found)).entries.append(entry)
    ordered = sorted(groups.values(), key=lambda g: g.latest, reverse=True)
    return sorted(ordered, key=lambda g: len(g.entries), reverse=True)


def shop_zone(name: str | None) -> ZoneInfo | None:
    """The shop's IANA zone (Shopify `shop.ianaTimezone`); None when unknown, so times stay in UTC."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(stamp: str, zone: ZoneInfo | None) -> str:
    """A journal time (UTC) as "MM-DD HH:MM" in the shop's zone."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[5:16].replace("T", " ")
    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%m-%d %H:%M")


def zone_label(zone: ZoneInfo | None, now: datetime) -> str:
    """ "Australia/Sydney (AEDT)", or "UTC" before the shop's zone is known."""
    if zone is None:
        return "UTC"
    return f"{zone.key} ({now.astimezone(zone).tzname()})"


_SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
_SALE_ID = re.compile(r"[0-9A-Fa-f-]{8,64}")
_OUR_LINK = re.compile(
    r"https://[a-z0-9][a-z0-9-]*\.myshopify\.com/admin/orders/[0-9]+|https://inventory\.dearsystems\.com/Sale#[0-9A-Fa-f-]{8,64}"
)


def shopify_order_url(shop_domain: str, order_id: str | None) -> str | None:
    """The order in Shopify's admin (the myshopify domain redirects to admin.shopify.com); built only from a
    myshopify domain and a numeric id, so outside text never becomes a link."""
    if not order_id or not _SHOP_DOMAIN.fullmatch(shop_domain or ""):
        return None
    number = order_id.rsplit("/", 1)[-1]
    return f"https://{shop_domain}/admin/orders/{number}" if number.isdigit() else None


def cin7_sale_url(sale_id: str | None) -> str | None:
    """The sale in Cin7 Core's web app (its own address for a sale: /Sale#<SaleID>)."""
    return f"https://inventory.dearsystems.com/Sale#{sale_id}" if sale_id and _SALE_ID.fullmatch(sale_id) else None


def is_our_link(url: str) -> bool:
    """A link the console made (an order or a sale in a web admin), never one outside text made."""
    return bool(_OUR_LINK.fullmatch(url))
