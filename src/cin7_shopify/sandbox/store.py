"""The sandbox as a store source: how the CLI, the console's demo and the tests register it.

The core reaches stores through `Workspace` and never imports the sandbox; a face that wants a
scenario's store builds one of these and hands it to the workspace.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cin7_shopify.clock import Clock, ManualClock
from cin7_shopify.paths import demo_scenario_dir, private_folder, sandbox_runs_dir
from cin7_shopify.settings import StoreSettings
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.workspace import Workspace, remove_folder

if TYPE_CHECKING:  # the sandboxes themselves start on first use: the console paints home first
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.cin7.pacer import Cin7Pacer
    from cin7_shopify.sandbox.scenario import Scenario
    from cin7_shopify.sandbox.session import SandboxSession
    from cin7_shopify.shopify.client import ShopifyClient

SANDBOX_CIN7_ACCOUNT = "5a4d0000-0000-4000-8000-00000000c1a7"  # as sandbox/cin7_server.py serves it


class SandboxStore:
    """A scenario served by both sandboxes in this process, as one store of a workspace."""

    def __init__(
        self,
        session: SandboxSession | None = None,
        *,
        settings: StoreSettings | None = None,
        scenario: Scenario | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Either a running `session`, or a loaded `scenario` whose sandboxes start (on `clock`) when
        the store is first used."""
        if session is not None:
            scenario = session.scenario
        if scenario is None:
            raise ValueError("a sandbox store needs a session or a scenario")
        self._session, self._clock = session, clock
        self._scenario: Scenario | Path = scenario
        self._describe(scenario.name, scenario.shopify["shop"], scenario.settings, settings)

    @classmethod
    def bundled_demo(cls, *, clock: Clock | None = None) -> SandboxStore:
        """The bundled demo store, loaded and served when first used: the console paints home first.

        Only its shop and settings are read now (it ships checked: the tests load it through the
        scenario loader); a scenario a consultant names is loaded and checked before anything starts."""
        folder = demo_scenario_dir()
        store = cls.__new__(cls)
        store._session, store._clock, store._scenario = None, clock, folder
        shop = json.loads((folder / "shopify.json").read_text(encoding="utf-8"))["shop"]
        settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
        store._describe(folder.name, shop, settings, None)
        return store

    def _describe(self, name: str, shop: dict[str, Any], settings: dict[str, Any], given: StoreSettings | None) -> None:
        self.title = str(shop.get("name") or name)  # what reports call it
        self.profile = StoreProfile(
            name=_profile_name(name),
            shop_domain=shop["myshopifyDomain"],
            cin7_account_id=SANDBOX_CIN7_ACCOUNT,
            settings=given or StoreSettings.from_json_dict(settings, source="settings.json"),
        )
        # The sandbox's state lives as long as the sandbox: kept under the tool's home (never in the
        # system temp folder, it holds customer data) and removed on close.
        runs = private_folder(sandbox_runs_dir())
        self.folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=runs))

    @property
    def session(self) -> SandboxSession:
        """Both sandboxes, started on first use (building the GraphQL schema takes a while)."""
        if self._session is None:
            from cin7_shopify.sandbox.session import open_sandbox

            self._session = open_sandbox(self._scenario, clock=self._clock)
        return self._session

    def open_clients(self) -> tuple[Cin7Client, ShopifyClient]:
        return self.session.cin7_client(), self.session.shopify_client()

    def pacer(self) -> Cin7Pacer | None:
        return self.session.cin7_pacer

    def close(self) -> None:
        remove_folder(self.folder)


def _profile_name(folder_name: str) -> str:
    """Any scenario folder name as a valid profile name ("My Store 2" → "my-store-2")."""
    return re.sub(r"[^a-z0-9]+", "-", folder_name.lower()).strip("-")[:63] or "scenario"


def sandbox_workspace(
    scenario: str | Path | None = None, *, clock: Clock | None = None, workspace: Workspace | None = None
) -> tuple[Workspace, SandboxStore]:
    """A workspace holding one scenario's store (the demo store by default) beside any saved profiles.

    A named scenario is read and checked now (a broken one is said before anything starts); the
    sandboxes start when the store is first used."""
    if scenario is None:
        store = SandboxStore.bundled_demo(clock=clock)
    else:
        from cin7_shopify.sandbox.scenario import load_scenario

        store = SandboxStore(scenario=load_scenario(scenario), clock=clock)
    workspace = workspace or Workspace()
    workspace.sources.append(store)
    return workspace, store


def scenario_workspace(scenario: str | Path) -> tuple[Workspace, SandboxStore]:
    """A scenario run by a command, on its own: the simulated clock (limits enforced, waits take no
    real time) and no saved profiles beside it."""
    from cin7_shopify.sandbox.scenario import load_scenario

    store = SandboxStore(scenario=load_scenario(scenario), clock=ManualClock())
    return Workspace(ProfileStore(store.folder / "profiles.json"), sources=[store]), store
