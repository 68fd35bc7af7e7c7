"""The sandbox as a store source: how the CLI, the console's demo and the tests register it.

The core reaches stores through `Workspace` and never imports the sandbox; a face that wants a
scenario's store builds one of these and hands it to the workspace.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import Clock, ManualClock
from cin7_shopify.paths import private_folder, sample_data_dir, sandbox_runs_dir
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY
from cin7_shopify.sandbox.session import SandboxSession, open_sandbox
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.client import ShopifyClient
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.workspace import Workspace, remove_folder


class SandboxStore:
    """A scenario served by both sandboxes in this process, as one store of a workspace."""

    def __init__(
        self, session: SandboxSession, *, settings: StoreSettings | None = None, cin7_account_id: str | None = None
    ) -> None:
        self.session = session
        scenario = session.scenario
        self.title = str(scenario.shopify["shop"].get("name") or scenario.name)  # what reports call it
        # A second sandbox store beside the first is another merchant: its own Cin7 account, so neither
        # sees the other's locations as shared.
        self.cin7_account_id = cin7_account_id or SANDBOX_CIN7_ACCOUNT
        if cin7_account_id:
            session.cin7.accounts[cin7_account_id] = SANDBOX_CIN7_KEY
        self.profile = StoreProfile(
            name=_profile_name(scenario.name),
            shop_domain=scenario.shopify["shop"]["myshopifyDomain"],
            cin7_account_id=self.cin7_account_id,
            settings=settings or StoreSettings.from_json_dict(scenario.settings, source="settings.json"),
        )
        # The sandbox's state lives as long as the sandbox: kept under the tool's home (never in the
        # system temp folder, it holds customer data) and removed on close.
        runs = private_folder(sandbox_runs_dir())
        self.folder = Path(tempfile.mkdtemp(prefix=f"{scenario.name}-", dir=runs))

    def open_clients(self) -> tuple[Cin7Client, ShopifyClient]:
        return self.session.cin7_client(account_id=self.cin7_account_id), self.session.shopify_client()

    def pacer(self) -> Cin7Pacer | None:
        return self.session.cin7_pacer

    def close(self) -> None:
        remove_folder(self.folder)


def _profile_name(folder_name: str) -> str:
    """Any scenario folder name as a valid profile name ("My Store 2" → "my-store-2")."""
    return re.sub(r"[^a-z0-9]+", "-", folder_name.lower()).strip("-")[:63] or "scenario"


# The observed demo store's Cin7 account: another merchant than the demo store's.
OBSERVED_DEMO_CIN7_ACCOUNT = "5a4d0000-0000-4000-8000-0000000b5e7d"


def sandbox_workspace(
    scenario: str | Path | None = None,
    *,
    clock: Clock | None = None,
    workspace: Workspace | None = None,
    observed: bool = False,
) -> tuple[Workspace, SandboxStore]:
    """A workspace holding one scenario's store (the demo store by default) beside any saved profiles.

    `observed`: the observed demo store too (`sample_data/demo-observed`, Cin7 Core's own connector
    importing its orders, our sync in observe mode), beside the synced one."""
    workspace = workspace or Workspace()
    store, *_ = register_sandboxes(workspace, open_sandboxes(scenario, clock=clock, observed=observed))
    return workspace, store


def open_sandboxes(
    scenario: str | Path | None = None, *, clock: Clock | None = None, observed: bool = False
) -> list[tuple[SandboxSession, str | None]]:
    """The slow half of `sandbox_workspace`, which writes nothing: each scenario read and checked and both
    sandboxes seeded, with the Cin7 account its store uses (None: the sandbox's own). The console does
    this off its event loop, after home's first paint."""
    opened: list[tuple[SandboxSession, str | None]] = [(open_sandbox(scenario, clock=clock), None)]
    if observed:
        beside = open_sandbox(sample_data_dir() / "demo-observed", clock=clock)
        opened.append((beside, OBSERVED_DEMO_CIN7_ACCOUNT))
    return opened


def register_sandboxes(workspace: Workspace, opened: list[tuple[SandboxSession, str | None]]) -> list[SandboxStore]:
    """The quick half: each opened sandbox becomes a store of the workspace (its state folder made now)."""
    stores = [SandboxStore(session, cin7_account_id=account) for session, account in opened]
    workspace.sources.extend(stores)
    return stores


def scenario_workspace(scenario: str | Path) -> tuple[Workspace, SandboxStore]:
    """A scenario run by a command, on its own: the simulated clock (limits enforced, waits take no
    real time) and no saved profiles beside it."""
    store = SandboxStore(open_sandbox(scenario, clock=ManualClock(), hand_over=True))
    return Workspace(ProfileStore(store.folder / "profiles.json"), sources=[store]), store
