"""Both sandboxes in-process, with real clients wired to them (the demo, the tests, benchmarks)."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import Clock, SystemClock
from cin7_shopify.paths import demo_scenario_dir
from cin7_shopify.sandbox.builtin_connector import BuiltinConnector, connector_settings
from cin7_shopify.sandbox.cin7_server import SANDBOX_CIN7_ACCOUNT, SANDBOX_CIN7_KEY, Cin7Sandbox
from cin7_shopify.sandbox.faults import Faults, FaultyTransport, ThrottleShape
from cin7_shopify.sandbox.scenario import Scenario, load_scenario, validate_scenario
from cin7_shopify.sandbox.shopify_server import SANDBOX_SHOPIFY_TOKEN, ShopifySandbox
from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient

CIN7_SANDBOX_URL = "http://cin7.sandbox/ExternalApi/v2/"
SHOPIFY_SANDBOX_URL = "http://shopify.sandbox"


@dataclass
class SandboxSession:
    scenario: Scenario
    clock: Clock
    cin7: Cin7Sandbox
    shopify: ShopifySandbox
    cin7_faults: Faults = field(default_factory=Faults)
    shopify_faults: Faults = field(default_factory=Faults)
    cin7_pacer: Cin7Pacer | None = None
    connector: BuiltinConnector | None = None  # Cin7 Core's own Shopify connector, when the scenario enables it

    def cin7_client(
        self, *, account_id: str = SANDBOX_CIN7_ACCOUNT, key: str = SANDBOX_CIN7_KEY, **options: Any
    ) -> Cin7Client:
        if self.cin7_pacer is None:
            self.cin7_pacer = Cin7Pacer(clock=self.clock)
        return Cin7Client(
            account_id,
            key,
            base_url=options.pop("base_url", CIN7_SANDBOX_URL),
            transport=FaultyTransport(self.cin7, self.cin7_faults),
            pacer=options.pop("pacer", self.cin7_pacer),
            **options,
        )

    def shopify_client(
        self,
        *,
        token: str = SANDBOX_SHOPIFY_TOKEN,
        credentials: AccessToken | ClientCredentials | None = None,
        **options: Any,
    ) -> ShopifyClient:
        return ShopifyClient(
            self.scenario.shopify["shop"]["myshopifyDomain"],
            credentials or AccessToken(token),
            base_url=SHOPIFY_SANDBOX_URL,
            transport=FaultyTransport(self.shopify, self.shopify_faults),
            clock=self.clock,
            **options,
        )


def open_sandbox(
    scenario: Scenario | str | Path | None = None,
    *,
    clock: Clock | None = None,
    cin7_calls_per_minute: int = 60,
    throttle_shape: ThrottleShape = "429",
    hand_over: bool = False,
) -> SandboxSession:
    """Seed both sandboxes from a scenario (the bundled demo store by default).

    `hand_over`: a scenario folder loaded for this session alone gives its catalogue lists to the
    sandboxes instead of being copied (a command's scenario: peak memory is one catalogue, not two);
    `session.scenario` keeps the rest (shop, settings, orders)."""
    hand_over = hand_over and isinstance(scenario, (str, Path))
    # Seeding builds millions of containers and no garbage: the cycle collector, run every few thousand
    # of them over an ever larger heap, took half the time (10.3 s → 5.0 s at 30,000 variants).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _open(scenario, clock, cin7_calls_per_minute, throttle_shape, hand_over)
    finally:
        if hand_over:
            # A command's sandboxes live as long as the command: kept out of the collector's walks from
            # here on (else the first collection after seeding walked them all, a second at 100,000 variants).
            gc.freeze()
        if paused:
            gc.enable()


def _open(
    scenario: Scenario | str | Path | None,
    clock: Clock | None,
    cin7_calls_per_minute: int,
    throttle_shape: ThrottleShape,
    hand_over: bool,
) -> SandboxSession:
    if scenario is None:
        scenario = load_scenario(demo_scenario_dir())
    elif not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    else:
        validate_scenario(scenario)
    clock = clock or SystemClock()
    cin7_faults, shopify_faults = Faults(), Faults()
    session = SandboxSession(
        scenario=scenario,
        clock=clock,
        cin7=Cin7Sandbox(
            scenario.cin7,
            clock=clock,
            calls_per_minute=cin7_calls_per_minute,
            throttle_shape=throttle_shape,
            faults=cin7_faults,
            hand_over=hand_over,
        ),
        shopify=ShopifySandbox(scenario.shopify, clock=clock, faults=shopify_faults, hand_over=hand_over),
        cin7_faults=cin7_faults,
        shopify_faults=shopify_faults,
    )
    settings = connector_settings(scenario.cin7)
    if settings is not None:
        session.connector = BuiltinConnector(settings, session.cin7, session.shopify)
        session.cin7.background.append(session.connector.catch_up)
    return session
