"""What the console works with: the store profiles (and the sandbox demo), their credentials, their
sync files, and the services each screen calls. No Textual here: the CLI could use it too."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import httpx

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.pacer import Cin7Pacer, PacerRegistry
from cin7_shopify.connections import open_profile_clients
from cin7_shopify.errors import ConsoleError
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox
from cin7_shopify.secrets import SecretStore, default_store
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient
from cin7_shopify.state.ledger import Ledger
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.state.storage import write_atomically
from cin7_shopify.sync.journal import Journal, JournalEntry, fold, read_records
from cin7_shopify.sync.paths import store_dir
from cin7_shopify.sync.runner import StoreSync

REQUIRED_SCOPES = (
    "read_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_orders",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
)


@dataclass
class StoreEntry:
    profile: StoreProfile
    kind: Literal["sandbox", "live"]
    folder: Path  # where its ledger, journal and snapshots live

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def label(self) -> str:
        return f"{self.profile.name} (sandbox)" if self.kind == "sandbox" else self.profile.name

    @property
    def journal_path(self) -> Path:
        return self.folder / "errors.jsonl"

    @property
    def ledger_path(self) -> Path:
        return self.folder / "ledger.jsonl"


@dataclass
class StoreStatus:
    last_import: str | None = None
    last_stock_push: str | None = None
    imported: int = 0
    held: int = 0
    open_errors: int = 0
    errors_by_hour: list[int] = field(default_factory=list)  # the last 24 hours, oldest first


@dataclass
class ConnectionCheck:
    shop_name: str = ""
    plan: str = ""
    api_version: str = ""
    scopes: list[str] = field(default_factory=list)
    missing_scopes: list[str] = field(default_factory=list)
    cin7_company: str = ""
    cin7_currency: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_scopes


class Workspace:
    def __init__(
        self,
        profiles: ProfileStore | None = None,
        secrets: SecretStore | None = None,
        *,
        sandbox: SandboxSession | None = None,
        secrets_notice: str | None = None,
    ) -> None:
        if secrets is None:
            secrets, secrets_notice = default_store()
        self.profiles = profiles or ProfileStore()
        self.secrets = secrets
        self.secrets_notice = secrets_notice
        self.sandbox = sandbox
        self.pacers = PacerRegistry()
        self.export_dir = Path.cwd()  # where reports the consultant exports are written
        self.transport: httpx.AsyncBaseTransport | None = None  # tests route the network to the sandboxes
        self._sandbox_folder = Path(tempfile.mkdtemp(prefix="cin7-shopify-sandbox-"))
        self._sandbox_profile: StoreProfile | None = None
        if sandbox is not None:
            settings = StoreSettings.from_json_dict(sandbox.scenario.settings, source="settings.json")
            self._sandbox_profile = StoreProfile(
                name=sandbox.scenario.name,
                shop_domain=sandbox.scenario.shopify["shop"]["myshopifyDomain"],
                cin7_account_id=SANDBOX_CIN7_ACCOUNT,
                settings=settings,
            )

    @classmethod
    def demo(cls) -> Workspace:
        """The bundled Demo Apparel store in both sandboxes, beside any saved profiles."""
        return cls(sandbox=open_sandbox())

    # -- stores ---------------------------------------------------------------------------

    def stores(self) -> list[StoreEntry]:
        entries = []
        if self._sandbox_profile is not None:
            entries.append(StoreEntry(self._sandbox_profile, "sandbox", self._sandbox_folder))
        entries += [StoreEntry(p, "live", store_dir(p.name)) for p in self.profiles.list()]
        return entries

    def store(self, name: str) -> StoreEntry:
        for entry in self.stores():
            if entry.name == name:
                return entry
        raise ConsoleError(f"No store named '{name}'.")

    def open_clients(self, entry: StoreEntry) -> tuple[Cin7Client, ShopifyClient]:
        if entry.kind == "sandbox":
            assert self.sandbox is not None
            return self.sandbox.cin7_client(), self.sandbox.shopify_client()
        cin7, shopify = open_profile_clients(entry.profile, self.secrets)
        cin7.pacer = self.pacers.for_account(entry.profile.cin7_account_id)  # stores of one account share it
        return cin7, shopify

    @asynccontextmanager
    async def open_sync(self, entry: StoreEntry) -> AsyncIterator[StoreSync]:
        """The store's sync with its clients open and its lock held, for one piece of console work."""
        cin7, shopify = self.open_clients(entry)
        async with cin7, shopify:
            # Settings are read through the entry, so a mapping saved meanwhile is what the next pass uses.
            with StoreSync(entry.name, cin7, shopify, lambda: entry.profile.settings, home=entry.folder) as sync:
                yield sync

    def clients_for(self, profile: StoreProfile, secrets: dict[str, str]) -> tuple[Cin7Client, ShopifyClient]:
        """Clients for credentials typed in the connection form, before anything is saved."""
        credentials: AccessToken | ClientCredentials = (
            AccessToken(secrets["shopify_access_token"])
            if profile.shopify_auth == "token"
            else ClientCredentials(profile.shopify_client_id or "", secrets["shopify_client_secret"])
        )
        cin7 = Cin7Client(
            profile.cin7_account_id,
            secrets["cin7_application_key"],
            base_url=profile.cin7_base_url,
            transport=self.transport,
        )
        shopify = ShopifyClient(
            profile.shop_domain,
            credentials,
            api_version=profile.api_version,
            base_url=profile.shopify_base_url,
            transport=self.transport,
        )
        return cin7, shopify

    def pacer(self, entry: StoreEntry) -> Cin7Pacer | None:
        if entry.kind == "sandbox":
            return self.sandbox.cin7_pacer if self.sandbox else None
        return self.pacers.for_account(entry.profile.cin7_account_id)

    def save_settings(self, entry: StoreEntry, settings: StoreSettings) -> None:
        entry.profile = entry.profile.model_copy(update={"settings": settings})
        if entry.kind == "sandbox":
            self._sandbox_profile = entry.profile  # the demo keeps its settings for this session only
        else:
            self.profiles.save(entry.profile)

    def save_profile(self, profile: StoreProfile, secrets: dict[str, str]) -> None:
        """Credentials to the keyring first (so a failure leaves no half-made profile), then the profile."""
        for name, value in secrets.items():
            if value:
                self.secrets.set(profile.name, name, value)
        self.profiles.save(profile)

    # -- audit decisions --------------------------------------------------------------------

    def decisions(self, entry: StoreEntry) -> dict[str, str]:
        """Per finding: "fix" (accepted: goes in the fix file) or "risk" (accepted as it is)."""
        path = entry.folder / "audit-decisions.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def decide(self, entry: StoreEntry, key: str, decision: str | None) -> dict[str, str]:
        decisions = self.decisions(entry)
        if decision is None:
            decisions.pop(key, None)
        else:
            decisions[key] = decision
        entry.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(entry.folder / "audit-decisions.json", json.dumps(decisions, indent=1))
        return decisions

    # -- sync files -----------------------------------------------------------------------

    def journal(self, entry: StoreEntry) -> Journal:
        return Journal(entry.journal_path, store=entry.name)

    def journal_entries(self, entry: StoreEntry) -> list[JournalEntry]:
        return list(fold(read_records(entry.journal_path)))

    def status(self, entry: StoreEntry) -> StoreStatus:
        status = StoreStatus()
        if entry.ledger_path.exists():
            ledger = Ledger(entry.ledger_path)
            try:
                ledger.open()
            except ConsoleError:
                pass  # the sync is running and holds the ledger: show the journal only
            else:
                try:
                    imported = [o for o in ledger.orders.values() if o.status == "imported"]
                    status.imported, status.held = len(imported), len(ledger.held())
                    status.last_import = max((o.updated for o in imported), default=None)
                    status.last_stock_push = ledger.meta.get("last_stock_push")
                finally:
                    ledger.close()
        entries = self.journal_entries(entry)
        status.open_errors = sum(1 for e in entries if e.status == "open")
        status.errors_by_hour = errors_per_hour(entries)
        return status


def errors_per_hour(entries: list[JournalEntry], *, hours: int = 24, now: datetime | None = None) -> list[int]:
    """Errors still open, by the hour they were raised in, over the last `hours` hours, oldest first."""
    now = now or datetime.now(UTC)
    counts: Counter[int] = Counter()
    for entry in entries:
        try:
            when = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
        except ValueError:
            continue
        age = int((now - when) / timedelta(hours=1))
        if 0 <= age < hours and entry.kind not in {
            "retrying",
            "order_voided",
            "product_created",
            "credit_note_created",
        }:
            counts[age] += 1
    return [counts[hours - 1 - i] for i in range(hours)]


async def test_connection(cin7: Cin7Client, shopify: ShopifyClient) -> ConnectionCheck:
    """Both sides in two calls each way, every failure named in words (never a secret)."""
    check = ConnectionCheck(api_version=shopify.api_version)
    try:
        shop = await shopify.shop_info()
        check.shop_name, check.plan, check.scopes = shop.name, shop.plan, shop.scopes
        check.missing_scopes = [s for s in REQUIRED_SCOPES if s not in shop.scopes]
    except ConsoleError as exc:
        check.problems.append(exc.explain())
    try:
        me = await cin7.me()
        check.cin7_company, check.cin7_currency = me.Company, me.Currency or ""
    except ConsoleError as exc:
        check.problems.append(exc.explain())
    return check
