"""One way to a store: the workspace of saved stores, and the store session both faces work through.

A `StoreSession` is everything the CLI and the console need of one store: its clients (with the
Cin7 pacer at the profile's rate, shared by every store on the same Cin7 account), its journal that
scrubs the store's own secrets, its sync, its live settings and its last audit. The faces parse,
call a session, and format; they never build clients themselves, so the two cannot drift.

Stores that are not saved profiles (the sandbox) come from a `StoreSource` that a face or a test
registers: the core never imports the sandbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from cin7_shopify.cin7.pacer import Cin7Pacer, PacerRegistry
from cin7_shopify.errors import ConsoleError
from cin7_shopify.paths import cin7_budget_dir, private_folder, store_dir, store_locks_dir
from cin7_shopify.state.health import StoreHealth, read_health
from cin7_shopify.state.ledger import read_ledger, read_ledger_summary
from cin7_shopify.state.milestones import reach, read_milestones
from cin7_shopify.state.profile_names import profiles_path, unknown_store
from cin7_shopify.state.storage import StoreLocked, WriterLock, write_atomically
from cin7_shopify.sync.journal import NOTICE_KINDS, Journal, JournalEntry, fold, read_records

# The models (settings, profiles, secrets), the clients, the audit and the sync load when first used: the
# console paints home before any of them, and a command that fails fast stays fast.
if TYPE_CHECKING:
    import httpx

    from cin7_shopify.audit.decisions import Choice, Decision
    from cin7_shopify.audit.models import AuditReport
    from cin7_shopify.audit.service import AuditRun, Step
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.overview import StoreOverview
    from cin7_shopify.reports.api_health import ApiHealth
    from cin7_shopify.reports.capacity import Load
    from cin7_shopify.reports.why_order import OrderStory
    from cin7_shopify.reports.why_sku import SkuStory
    from cin7_shopify.secrets import SecretStore
    from cin7_shopify.settings import StoreSettings
    from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient
    from cin7_shopify.state.profiles import ProfileStore, StoreProfile
    from cin7_shopify.sync.runner import StoreSync

# Shopify access scopes the sync cannot work without, and what breaks without each.
SCOPES_NEEDED = {
    "read_products": "the audit cannot read the catalogue",
    "read_inventory": "stock levels cannot be read",
    "write_inventory": "stock cannot be pushed from Cin7 Core to Shopify",
    "read_locations": "Shopify locations cannot be mapped",
    "read_orders": "no order can be imported",
    "read_merchant_managed_fulfillment_orders": "orders at your own locations cannot be fulfilled",
    "write_merchant_managed_fulfillment_orders": "shipments cannot be sent back to Shopify",
}
# Scopes some work needs; without them the rest still runs.
SCOPES_WANTED = {
    "write_orders": "the pilot cannot place or cancel test orders",
    "read_all_orders": "backfill and reconcile cannot see orders older than 60 days",
    "read_third_party_fulfillment_orders": "orders at a 3PL (fulfilment service) location cannot be read",
    "write_third_party_fulfillment_orders": "orders at a 3PL (fulfilment service) location cannot be fulfilled",
}
REQUIRED_SCOPES = tuple(SCOPES_NEEDED)
# What each needed scope is for, in the API health check's words.
SCOPE_PURPOSES = {
    "read_products": "match Shopify variants to Cin7 Core products by SKU",
    "read_inventory": "read Shopify's stock levels before it changes them",
    "write_inventory": "push Cin7 Core's stock to Shopify",
    "read_locations": "map Shopify locations to Cin7 Core locations",
    "read_orders": "import orders into Cin7 Core",
    "read_merchant_managed_fulfillment_orders": "see what your own locations are to ship",
    "write_merchant_managed_fulfillment_orders": "mark orders fulfilled with Cin7 Core's tracking",
}
CONNECTION_TEST_SECONDS = 8.0  # per side, both sides at once: a dead host is named within 10 s

UNMAPPED_KINDS = frozenset({"unmapped_location", "unknown_cin7_location", "unmapped_tax"})


class MissingCredential(ConsoleError):
    pass


class StoreSource(Protocol):
    """A store that is not a saved profile, e.g. a scenario in the sandboxes.

    It brings its own clients and pacer, and a folder of its own for the ledger and journal, which
    `close()` removes (a sandbox's state lives as long as the sandbox does).
    """

    profile: StoreProfile
    folder: Path
    title: str  # the store's name in reports (the shop's name)

    def open_clients(self) -> tuple[Cin7Client, ShopifyClient]: ...

    def pacer(self) -> Cin7Pacer | None: ...

    def close(self) -> None: ...


@dataclass
class ChecklistStep:
    """One step towards go-live, as home shows it: its state now, when it was first reached, the way there."""

    key: str
    title: str
    done: bool
    detail: str
    action: str  # the key on home that goes where this step is done
    reached: str | None = None  # first reached (UTC), from milestones.json


@dataclass
class StoreStatus:
    last_import: str | None = None
    last_stock_push: str | None = None
    imported: int = 0
    held: int = 0
    open_errors: int = 0
    errors_by_hour: list[int] = field(default_factory=list)  # the last 24 hours, oldest first
    health: StoreHealth | None = None  # what a running `sync run` last wrote


@dataclass
class ConnectionCheck:
    shop_name: str = ""
    plan: str = ""
    api_version: str = ""
    scopes: list[str] = field(default_factory=list)
    missing_scopes: list[str] = field(default_factory=list)
    scope_warnings: list[str] = field(default_factory=list)  # optional scopes missing, with what breaks
    cin7_company: str = ""
    cin7_currency: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_scopes


class StoreSession:
    """One store as both faces reach it."""

    def __init__(self, workspace: Workspace, profile: StoreProfile, source: StoreSource | None = None) -> None:
        self.workspace = workspace
        self.profile = profile
        self.source = source
        self.kind: Literal["sandbox", "live"] = "sandbox" if source is not None else "live"
        self.folder: Path = source.folder if source is not None else store_dir(profile.name)
        self.last_audit: AuditRun | None = None
        self._audit_window: datetime | None = None
        self._read_ahead: tuple[datetime, asyncio.Task[AuditRun]] | None = None  # (orders window, the read)
        self._profile_stamp = self._stamp()

    # -- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def label(self) -> str:
        return f"{self.profile.name} (sandbox)" if self.kind == "sandbox" else self.profile.name

    @property
    def title(self) -> str:
        """The store's name in reports."""
        return self.source.title if self.source is not None else self.profile.name

    @property
    def journal_path(self) -> Path:
        return self.folder / "errors.jsonl"

    @property
    def ledger_path(self) -> Path:
        return self.folder / "ledger.jsonl"

    @property
    def snapshots_dir(self) -> Path:
        return self.folder / "snapshots"

    # -- settings -------------------------------------------------------------------------

    def _stamp(self) -> float:
        path = self.workspace.profiles.path
        return path.stat().st_mtime if self.kind == "live" and path.exists() else 0.0

    def settings(self) -> StoreSettings:
        """The live settings: a mapping approved in another process takes effect on the next pass."""
        if self.kind == "live":
            stamp = self._stamp()
            if stamp != self._profile_stamp:
                self._profile_stamp = stamp
                self.profile = self.workspace.profiles.get(self.name)
        return self.profile.settings

    def save_settings(self, settings: StoreSettings) -> None:
        self.profile = self.profile.model_copy(update={"settings": settings})
        if settings.go_live is not None:
            reach(self.folder, "settings")
        if self.kind == "live":  # the sandbox keeps its settings for this session only
            self.workspace.profiles.save(self.profile)
            self._profile_stamp = self._stamp()
        if self.last_audit is not None:  # saved maps change the verdict: judge the data already read again
            from cin7_shopify.audit.service import orders_window_start

            if self._audit_window == orders_window_start(settings):
                self.last_audit = self.reaudit(settings)
                self._note_audit(self.last_audit.report, settings)

    # -- clients --------------------------------------------------------------------------

    def pacer(self) -> Cin7Pacer:
        if self.source is not None:
            pacer = self.source.pacer()
            if pacer is not None:
                return pacer
        return self.workspace.pacers.for_account(self.profile.cin7_account_id, cin7_share(self.profile))

    def secret_values(self) -> list[str]:
        """The store's own secrets, so everything it writes can scrub them."""
        if self.source is not None:
            return []
        from cin7_shopify.secrets import SECRET_NAMES

        found = (self.workspace.secrets.get(self.name, n) for n in SECRET_NAMES)
        return [s.get_secret_value() for s in found if s is not None]

    def open_clients(self, *, quick: bool = False) -> tuple[Cin7Client, ShopifyClient]:
        """Both clients, unopened (use them in `async with`). `quick`: no retries, a short timeout."""
        if self.source is not None:
            return self.source.open_clients()
        return self.workspace.clients_for(self.profile, self._saved_secrets(), pacer=self.pacer(), quick=quick)

    def _saved_secrets(self) -> dict[str, str]:
        from cin7_shopify.secrets import environment_variable

        profile, secrets = self.profile, self.workspace.secrets

        def need(name: str, what: str) -> str:
            value = secrets.get(profile.name, name)
            if value is None:
                raise MissingCredential(
                    f"Store '{profile.name}' has no {what} saved.",
                    hint=f"Save it with `cin7-shopify store add` or the console's connection setup, or set "
                    f"{environment_variable(profile.name, name)}.",
                )
            return value.get_secret_value()

        found = {"cin7_application_key": need("cin7_application_key", "Cin7 Core application key")}
        if profile.shopify_auth == "client_credentials":
            if not profile.shopify_client_id:
                raise MissingCredential(
                    f"Store '{profile.name}' has no Shopify client id.",
                    hint=f"Set it with `cin7-shopify store add {profile.name} --shopify-client-id ID`.",
                )
            found["shopify_client_secret"] = need("shopify_client_secret", "Shopify client secret")
        else:
            found["shopify_access_token"] = need("shopify_access_token", "Shopify access token")
        return found

    # -- work -----------------------------------------------------------------------------

    def journal(self) -> Journal:
        return Journal(self.journal_path, store=self.name, secrets=self.secret_values())

    def journal_entries(self) -> list[JournalEntry]:
        return list(fold(read_records(self.journal_path)))

    def make_sync(self, cin7: Cin7Client, shopify: ShopifyClient) -> StoreSync:
        from cin7_shopify.sync.runner import StoreSync

        return StoreSync(self.name, cin7, shopify, self.settings, folder=self.folder, secrets=self.secret_values())

    @asynccontextmanager
    async def open_sync(self) -> AsyncIterator[StoreSync]:
        """The store's sync with its clients open and its locks held, for one piece of work."""
        with self._store_lock():
            cin7, shopify = self.open_clients()
            async with cin7, shopify:
                with self.make_sync(cin7, shopify) as sync:
                    yield sync

    @contextmanager
    def _store_lock(self) -> Iterator[None]:
        """One sync per real store however many profiles name it: locked on the shop and the Cin7 account.

        (The ledger's own lock only keeps one process per profile.) A sandbox source keeps its state
        apart per run, so it needs none.
        """
        if self.source is not None:
            yield
            return
        profile = self.profile
        identity = "|".join(
            [profile.shop_domain, profile.cin7_account_id.strip().lower(), profile.shopify_base_url or ""]
        )
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        lock = WriterLock(store_locks_dir() / f"{digest}", owner=profile.name)
        try:
            lock.acquire()
        except StoreLocked:
            pid, _, holder = lock.holder().partition(" ")
            raise StoreLocked(
                f"{profile.shop_domain} with Cin7 account {profile.cin7_account_id} is being synced already"
                + (f" by store profile '{holder}' (process {pid})" if holder else "")
                + ".",
                hint="One sync per store: stop that one first, or remove the duplicate profile.",
            ) from None
        try:
            yield
        finally:
            lock.release()

    async def audit(
        self, *, settings: StoreSettings | None = None, on_step: Step | None = None, reread: bool = True
    ) -> AuditRun:
        """The audit, with the other stores on this Cin7 account in view (shared locations); kept as
        last_audit. `settings`: mappings being edited, not yet saved (the mapping screen).
        `reread=False` audits the data last read again, with no API call, unless it was read for
        another order window (a new go-live date changes which orders' tax lines count)."""
        settings = settings or self.settings()
        from cin7_shopify.audit.service import orders_window_start

        window = orders_window_start(settings)
        if not reread and (self.last_audit is None or self._audit_window != window):
            await self._take_read_ahead(window)
        if not reread and self.last_audit is not None and self._audit_window == window:
            run = self.reaudit(settings)
        else:
            run = await self._read_both_sides(settings, on_step)
            self._audit_window, self._read_ahead = window, None  # this read is newer than any read ahead
        self.last_audit = run
        saved = self.settings()
        if _maps_fingerprint(settings) != _maps_fingerprint(saved):  # maps still being edited: keep the saved verdict
            self.last_audit = self.reaudit(saved)
            settings = saved
        self._note_audit(self.last_audit.report, settings)
        return run

    async def _read_both_sides(self, settings: StoreSettings, on_step: Step | None) -> AuditRun:
        from cin7_shopify.audit.service import audit_with_clients

        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            return await audit_with_clients(
                cin7,
                shopify,
                settings,
                store=self.title,
                other_stores=self.workspace.other_location_maps(self),
                on_step=on_step,
            )

    async def read_ahead(self) -> None:
        """Both sides read for the audit before anyone asks (the console does it for a sandbox store, whose
        reads cost no Cin7 budget and no real time). Nothing is judged or recorded: the checklist's audit
        step waits for someone to open the audit, whose `audit(reread=False)` then takes this read, waiting
        for it if it is still under way, instead of reading both sides a second time."""
        if self.last_audit is not None or self._read_ahead is not None:
            return
        from cin7_shopify.audit.service import orders_window_start

        settings = self.settings()
        reading = asyncio.ensure_future(self._read_both_sides(settings, None))
        self._read_ahead = (orders_window_start(settings), reading)
        try:
            await reading  # cancelling the caller cancels the read
        except BaseException:
            if self._read_ahead is not None and self._read_ahead[1] is reading:
                self._read_ahead = None
            raise

    async def _take_read_ahead(self, window: datetime) -> None:
        """The read ahead, if it read this order window, becomes the last audit's data (when it failed or was
        cancelled, the audit reads both sides itself and says what went wrong)."""
        ahead, self._read_ahead = self._read_ahead, None
        if ahead is None or ahead[0] != window:
            return
        reading = ahead[1]
        try:
            run = await asyncio.shield(reading)  # leaving the audit screen does not stop the read it waits on
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not reading.cancelled() or (current is not None and current.cancelling()):
                if self._read_ahead is None and not reading.cancelled():
                    self._read_ahead = ahead  # this audit was cancelled, not the read: the next one takes it
                raise
            return
        except Exception:
            return
        self.last_audit, self._audit_window = run, window

    def reaudit(self, settings: StoreSettings) -> AuditRun:
        """The last read's catalogues audited again under these settings: no API call."""
        from cin7_shopify.audit.engine import run_audit
        from cin7_shopify.audit.service import AuditRun

        last = self.last_audit
        assert last is not None, "reaudit needs an audit that has read both sides"
        report = run_audit(
            last.shopify, last.cin7, settings, store=self.title, other_stores=self.workspace.other_location_maps(self)
        )
        return AuditRun(report, last.shopify, last.cin7, read_at=last.read_at)

    def _note_audit(self, report: AuditReport, settings: StoreSettings) -> None:
        """The checklist's mapping and GO steps come from this, with the maps it was judged on."""
        summary = {
            "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ready": report.ready,
            "verdict": report.verdict,
            "blockers": sum(f.severity == "blocker" for f in report.findings),
            "unmapped": sum(f.kind in UNMAPPED_KINDS for f in report.findings),
            "maps": _maps_fingerprint(settings),
        }
        private_folder(self.folder)
        write_atomically(self.folder / "audit-summary.json", json.dumps(summary, indent=1) + "\n")

    def note_pilot(self, passed: int, total: int, *, test_orders: bool | None = True) -> None:
        """Both faces call this after a pilot: the checklist's "Pilot passed" step comes from it.
        `test_orders`: orders the pilot placed (True), the store's own orders (False), or both (None),
        said on the step."""
        private_folder(self.folder)
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        orders = {True: "test", False: "store", None: "test and store"}[test_orders]
        summary = {"when": when, "passed": passed, "total": total, "orders": orders}
        write_atomically(self.folder / "pilot-summary.json", json.dumps(summary) + "\n")

    def _summary(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def checklist(self, *, now: datetime | None = None, status: StoreStatus | None = None) -> list[ChecklistStep]:
        """Connect → Test → Settings → Mapping approved → Audit GO → Pilot passed → Go live → First week clean."""
        now = now or datetime.now(UTC)
        settings = self.settings()
        audit, pilot = self._summary("audit-summary.json"), self._summary("pilot-summary.json")
        # judged on other maps (saved by the CLI or another console since): not a verdict to show the client
        stale = "maps" in audit and audit["maps"] != _maps_fingerprint(settings)
        status = status or self.status()  # home has just read it: the ledger and journal are read once
        milestones = read_milestones(self.folder)
        missing = [] if self.source is not None else [n for n in self._needed_secrets() if not self._has_secret(n)]
        go_live = settings.go_live
        ran_after_go_live = bool(
            go_live and status.health and status.health.last_pass_end >= go_live.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        steps = [
            ChecklistStep(
                "connect",
                "Connect",
                not missing,
                ("sandbox: no credentials needed" if self.source else "credentials saved")
                if not missing
                else "missing: " + ", ".join(m.replace("_", " ") for m in missing),
                "e",
            ),
            ChecklistStep(
                "test",
                "Test",
                "test" in milestones or self.source is not None,
                ("sandbox: both sides in this process" if self.source else "both sides answered")
                if "test" in milestones or self.source
                else "test both sides (e, then Ctrl+T)",
                "e",
            ),
            ChecklistStep(
                "settings",
                "Settings",
                go_live is not None,
                f"go-live {go_live:%Y-%m-%d %H:%M %Z}, orders on {settings.order_trigger}"
                if go_live
                else "set the go-live date and order trigger",
                "g",
            ),
            ChecklistStep(
                "mapping",
                "Mapping approved",
                bool(audit) and not stale and not audit.get("unmapped"),
                (
                    "the maps changed since the last audit: re-run it"
                    if stale
                    else "every location and tax line mapped"
                    if not audit.get("unmapped")
                    else f"{audit['unmapped']} unmapped"
                )
                if audit
                else "run the audit to see what needs mapping",
                "m",
            ),
            ChecklistStep(
                "audit",
                "Audit GO",
                bool(audit.get("ready")) and not stale,
                ("the maps changed since the last audit: re-run it" if stale else "")
                or str(audit.get("verdict") or "not run yet"),
                "a",
            ),
            ChecklistStep(
                "pilot",
                "Pilot passed",
                bool(pilot) and pilot.get("passed") == pilot.get("total") and bool(pilot.get("total")),
                f"{pilot['passed']} of {pilot['total']} {pilot.get('orders', 'test')} orders passed every step"
                if pilot
                else "not run yet",
                "p",
            ),
            ChecklistStep(
                "go_live",
                "Go live",
                ran_after_go_live,
                "the sync has run since go-live"
                if ran_after_go_live
                else (f"go-live {go_live:%Y-%m-%d}; start the sync" if go_live else "no go-live date yet"),
                "s",
            ),
            ChecklistStep(
                "first_week",
                "First week clean",
                ran_after_go_live
                and go_live is not None
                and now >= go_live + timedelta(days=7)
                and status.open_errors == 0,
                f"{status.open_errors} open errors" if status.open_errors else "no open errors",
                "l",
            ),
        ]
        for step in steps:
            if step.done and step.key not in milestones:
                reach(self.folder, step.key, when=now)
                milestones = read_milestones(self.folder)
            step.reached = milestones.get(step.key) if step.done else None
        return steps

    def _needed_secrets(self) -> list[str]:
        second = (
            "shopify_client_secret" if self.profile.shopify_auth == "client_credentials" else "shopify_access_token"
        )
        return ["cin7_application_key", second]

    def _has_secret(self, name: str) -> bool:
        return self.workspace.secrets.get(self.name, name) is not None

    async def overview(self, *, on_step: Callable[[str, int, int], None] | None = None) -> StoreOverview:
        go_live = self.settings().go_live
        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            from cin7_shopify.overview import load_overview

            return await load_overview(
                cin7,
                shopify,
                orders_since=go_live.strftime("%Y-%m-%dT%H:%M:%SZ") if go_live else None,
                on_step=on_step,
            )

    async def check_api_health(self, *, today: date | None = None) -> ApiHealth:
        """The API health report, with the granted scopes asked of Shopify now (that call's own
        deprecation header is recorded too); the rest is what the sync recorded."""
        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            shop = await shopify.shop_info()
        from cin7_shopify.reports.api_health import build_api_health
        from cin7_shopify.state.api_health import ScopeCheck, record_api_answers

        scopes = ScopeCheck(
            granted=shop.scopes,
            missing=[s for s in REQUIRED_SCOPES if s not in shop.scopes],
            checked=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        answers = record_api_answers(
            self.folder, api_version=shopify.api_version, deprecations=shopify.deprecations, scopes=scopes
        )
        return build_api_health(
            self.name,
            self.profile.api_version,
            answers,
            needed_scopes=SCOPE_PURPOSES,
            today=today or datetime.now(UTC).date(),
        )

    async def why_sku(self, sku: str) -> SkuStory:
        """Why Shopify shows what it shows for `sku` (reads both APIs and what the sync kept; writes nothing)."""
        ledger = read_ledger(self.ledger_path)
        from cin7_shopify.reports.why_sku import explain_sku

        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            return await explain_sku(cin7, shopify, self.settings(), ledger, self.snapshots_dir, sku)

    async def why_order(self, name: str) -> OrderStory:
        """An order's story across both systems and what the sync kept (writes nothing)."""
        ledger = read_ledger(self.ledger_path)
        entries = list(fold(read_records(self.journal_path)))
        health = read_health(self.folder)
        from cin7_shopify.reports.why_order import explain_order

        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            return await explain_order(
                cin7, shopify, self.settings(), ledger, entries, name, next_pass=health.next_pass if health else None
            )

    async def capacity_load(self, load: Load) -> Load:
        """`load` with this store's intervals and catalogue size (reads products and availability once)."""
        settings = self.settings()
        cin7, shopify = self.open_clients()
        async with cin7, shopify:
            products = len(await cin7.list_products(include_deprecated=True))
            rows = len(await cin7.list_availability())
            customers = len(await cin7.list_customers())
        return replace(
            load,
            poll_minutes=settings.order_poll_minutes,
            stock_minutes=settings.inventory_interval_minutes,
            products=products,
            stock_rows=rows,
            known_customers=max(1, customers),
        )

    async def test_connection(self) -> ConnectionCheck:
        cin7, shopify = self.open_clients(quick=True)
        async with cin7, shopify:
            check = await test_connection(cin7, shopify)
        if check.ok:
            reach(self.folder, "test")
        return check

    # -- audit decisions --------------------------------------------------------------------

    def decisions(self) -> dict[str, Decision]:
        """Per finding key: "fix" (accepted) or "risk" (accepted as it is), with who and when. Files
        written before who and when were kept still load (those two then read as not recorded)."""
        from cin7_shopify.audit.decisions import Decision, carried_over

        path = self.folder / "audit-decisions.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        found = {str(k): Decision.from_json(v) for k, v in data.items()}
        return carried_over({k: d for k, d in found.items() if d is not None})

    def decide(self, key: str, choice: Choice | None, *, at: datetime) -> dict[str, Decision]:
        """Record a decision by this store's consultant (the `consultant` setting, else the OS user)."""
        from cin7_shopify.audit.decisions import Decision, consultant_name, stamp

        made = None if choice is None else Decision(choice, consultant_name(self.settings().consultant), stamp(at))
        return self.restore_decision(key, made)

    def restore_decision(self, key: str, decision: Decision | None) -> dict[str, Decision]:
        """Put a finding's decision back as it was (undo), who and when included."""
        decisions = self.decisions()
        if decision is None:
            decisions.pop(key, None)
        else:
            decisions[key] = decision
        private_folder(self.folder)
        document = {k: d.to_json() for k, d in decisions.items()}
        write_atomically(self.folder / "audit-decisions.json", json.dumps(document, indent=1))
        return decisions

    # -- status -----------------------------------------------------------------------------

    def status(self) -> StoreStatus:
        """What home shows: read without the sync's lock, so it never stands in a running sync's way."""
        status = StoreStatus()
        summary = read_ledger_summary(self.ledger_path)
        status.imported, status.held = summary.imported, summary.held
        status.last_import, status.last_stock_push = summary.last_import, summary.last_stock_push
        entries = self.journal_entries()
        status.open_errors = sum(1 for e in entries if e.status == "open")
        status.errors_by_hour = errors_per_hour(entries)
        status.health = read_health(self.folder)
        return status


class Workspace:
    """The stores this machine knows: saved profiles, plus any registered sources (the sandbox)."""

    def __init__(
        self,
        profiles: ProfileStore | None = None,
        secrets: SecretStore | None = None,
        *,
        sources: Iterable[StoreSource] = (),
        secrets_notice: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._profiles = profiles  # None: the saved profiles, read (and their models loaded) when first needed
        self._secrets = secrets  # None: the OS keyring is looked for when a credential is first needed
        self._secrets_notice = secrets_notice
        self.sources = list(sources)
        # One budget per Cin7 account across every process on this machine (two `sync run`s included).
        self.pacers = PacerRegistry(shared_dir=cin7_budget_dir())
        self.export_dir = Path.cwd()  # where reports the consultant exports are written
        self.transport = transport  # tests route the network to the sandboxes
        self._sessions: dict[str, StoreSession] = {}

    @property
    def profiles(self) -> ProfileStore:
        if self._profiles is None:
            from cin7_shopify.state.profiles import ProfileStore

            self._profiles = ProfileStore()
        return self._profiles

    @property
    def secrets(self) -> SecretStore:
        """The OS keyring, or the environment where there is none; looked for when first needed (loading
        keyring and asking for its backends takes a while, and most commands that fail fast need neither)."""
        if self._secrets is None:
            from cin7_shopify.secrets import default_store

            self._secrets, self._secrets_notice = default_store()
        return self._secrets

    @property
    def secrets_notice(self) -> str | None:
        """Said where credentials are entered: there is no keyring here (None: there is one)."""
        self.secrets  # noqa: B018  # the notice comes with the store
        return self._secrets_notice

    # -- stores ---------------------------------------------------------------------------

    def stores(self) -> list[StoreSession]:
        """Every store, sandbox first; a session is kept per store so its last audit survives."""
        wanted: list[tuple[StoreProfile, StoreSource | None]] = [(s.profile, s) for s in self.sources]
        if self._profiles is not None or profiles_path().exists():  # none saved: home paints without the models
            wanted += [(p, None) for p in self.profiles.list()]
        sessions = []
        for profile, source in wanted:
            session = self._sessions.get(profile.name)
            if session is None or session.source is not source:
                session = self._sessions[profile.name] = StoreSession(self, profile, source)
            elif source is None:
                session.profile = profile
            sessions.append(session)
        return sessions

    def session(self, name: str) -> StoreSession:
        for session in self.stores():
            if session.name == name:
                return session
        raise unknown_store(name, (s.name for s in self.stores()))

    def other_location_maps(self, session: StoreSession) -> dict[str, dict[str, str]]:
        """Location maps of the other stores on the same Cin7 Core account (for shared-location checks)."""
        account = session.profile.cin7_account_id.strip().lower()
        return {
            other.name: other.settings().location_map
            for other in self.stores()
            if other.name != session.name and other.profile.cin7_account_id.strip().lower() == account
        }

    def clients_for(
        self,
        profile: StoreProfile,
        secrets: Mapping[str, str],
        *,
        pacer: Cin7Pacer | None = None,
        quick: bool = False,
    ) -> tuple[Cin7Client, ShopifyClient]:
        """Clients for a profile and its credentials (also those typed in a form, before anything is saved).

        `quick` (a connection test): no retries and a short timeout, so a dead host is named in seconds.
        """
        patience: dict[str, Any] = {"max_retries": 0, "timeout": CONNECTION_TEST_SECONDS} if quick else {}
        from cin7_shopify.cin7.client import Cin7Client
        from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient

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
            pacer=pacer or self.pacers.for_account(profile.cin7_account_id, cin7_share(profile)),
            **patience,
        )
        shopify = ShopifyClient(
            profile.shop_domain,
            credentials,
            api_version=profile.api_version,
            base_url=profile.shopify_base_url,
            transport=self.transport,
            **patience,
        )
        return cin7, shopify

    def save_profile(self, profile: StoreProfile, secrets: Mapping[str, str]) -> list[str]:
        """Credentials to the keyring first (so a failure leaves no half-made profile), then the profile.

        Where there is no keyring, a profile still saves when each secret is already in its
        environment variable; the names of those variables come back so a face can say so.
        """
        from cin7_shopify.secrets import environment_variable

        from_environment = []
        for name, value in secrets.items():
            if not value:
                continue
            variable = environment_variable(profile.name, name)
            current = self.secrets.get(profile.name, name)
            if self.secrets_notice is not None:  # no keyring: the environment is the only home
                if current is None or current.get_secret_value() != value:
                    raise MissingCredential(
                        f"No OS keyring here, so the {name.replace('_', ' ')} cannot be saved.",
                        hint=f"Set {variable} in the environment (e.g. in the service's environment file) "
                        "and save again.",
                    )
                from_environment.append(variable)
            else:
                self.secrets.set(profile.name, name, value)
        self.profiles.save(profile)
        self._sessions.pop(profile.name, None)
        return from_environment

    def remove_profile(self, name: str) -> None:
        """The profile and its saved credentials; the store's ledger and journal stay on disk."""
        profile = self.profiles.get(name)
        if self.secrets_notice is None:
            from cin7_shopify.secrets import SECRET_NAMES

            for secret in SECRET_NAMES:
                self.secrets.delete(profile.name, secret)
        self.profiles.delete(profile.name)
        self._sessions.pop(profile.name, None)

    def close(self) -> None:
        """Remove what registered sources kept on disk (a sandbox's state dies with the sandbox)."""
        for source in self.sources:
            source.close()


def _maps_fingerprint(settings: StoreSettings) -> str:
    """Which location and tax maps an audit was judged on: a map saved since makes its verdict stale."""
    maps = {"locations": settings.location_map, "taxes": settings.tax_map}
    return hashlib.sha256(json.dumps(maps, sort_keys=True).encode()).hexdigest()[:16]


def cin7_share(profile: StoreProfile) -> int:
    """The Cin7 calls a minute the sync may spend: the profile's rate less what the settings keep for
    the merchant's other apps (never below one, or nothing would ever be sent)."""
    return max(1, profile.cin7_calls_per_minute - profile.settings.cin7_reserved_calls_per_minute)


def errors_per_hour(entries: list[JournalEntry], *, hours: int = 24, now: datetime | None = None) -> list[int]:
    """Errors by the hour they were raised in, over the last `hours` hours, oldest first."""
    now = now or datetime.now(UTC)
    counts: Counter[int] = Counter()
    for entry in entries:
        try:
            when = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
        except ValueError:
            continue
        age = int((now - when) / timedelta(hours=1))
        if 0 <= age < hours and entry.kind not in NOTICE_KINDS:
            counts[age] += 1
    return [counts[hours - 1 - i] for i in range(hours)]


async def test_connection(cin7: Cin7Client, shopify: ShopifyClient) -> ConnectionCheck:
    """Both sides at once, one call each way; every failure named in words (never a secret): the host
    not found, TLS, refused, no answer, refused credentials, and each missing scope with what breaks."""
    check = ConnectionCheck(api_version=shopify.api_version)

    async def shopify_side() -> None:
        try:
            shop = await shopify.shop_info()
        except ConsoleError as exc:
            check.problems.append(exc.explain())
            return
        check.shop_name, check.plan, check.scopes = shop.name, shop.plan, shop.scopes
        check.missing_scopes = [s for s in SCOPES_NEEDED if s not in shop.scopes]
        check.problems += [f"Shopify scope {s} is missing: {SCOPES_NEEDED[s]}." for s in check.missing_scopes]
        check.scope_warnings = [
            f"Shopify scope {s} is missing: {why}." for s, why in SCOPES_WANTED.items() if s not in shop.scopes
        ]

    async def cin7_side() -> None:
        try:
            me = await cin7.me()
        except ConsoleError as exc:
            check.problems.append(exc.explain())
            return
        check.cin7_company, check.cin7_currency = me.Company, me.Currency or ""

    import asyncio

    await asyncio.gather(shopify_side(), cin7_side())
    return check


def remove_folder(folder: Path) -> None:
    """For sources: their state folder goes with them."""
    shutil.rmtree(folder, ignore_errors=True)
