"""How the console reaches a store: a profile name plus a way to open both clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.shopify.client import ShopifyClient


@dataclass
class StoreConnection:
    profile: str
    label: str
    kind: Literal["sandbox", "live"]
    open_clients: Callable[[], tuple[Cin7Client, ShopifyClient]]
    orders_since: str | None = None


def demo_connection() -> StoreConnection:
    """The bundled Demo Apparel store, served by both sandboxes in this process (no network)."""
    from cin7_shopify.sandbox.session import open_sandbox

    session = open_sandbox()
    go_live = session.scenario.settings.get("go_live")
    return StoreConnection(
        profile="demo-apparel",
        label="Demo Apparel (sandbox)",
        kind="sandbox",
        open_clients=lambda: (session.cin7_client(), session.shopify_client()),
        orders_since=go_live,
    )
