"""A store's sync on the demo sandbox, for tests: the merchant's and the warehouse's moves included."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import PickPackLine, ShipLine
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.settings import StoreSettings
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.sync.runner import StoreSync


class Harness:
    def __init__(self, session: SandboxSession, home: Path) -> None:
        self.session = session
        self.home = home
        self.settings = StoreSettings.from_json_dict(session.scenario.settings)

    @contextmanager
    def sync(self, crash: CrashPoints | None = None) -> Iterator[StoreSync]:
        sync = StoreSync(
            "demo-apparel",
            self.session.cin7_client(),
            self.session.shopify_client(),
            lambda: self.settings,
            crash=crash or CrashPoints(),
            folder=self.home,
        )
        with sync:
            yield sync

    def sales_for(self, order_id: str) -> list[dict[str, Any]]:
        return [s for s in self.session.cin7.sales.values() if s.get("ExternalID") == order_id]

    def order_id(self, name: str) -> str:
        return str(next(o["id"] for o in self.session.shopify.orders if o["name"] == name))

    def sale_for(self, name: str) -> dict[str, Any]:
        (sale,) = self.sales_for(self.order_id(name))
        return sale


async def ship(
    cin7: Cin7Client,
    sale_id: str,
    quantities: dict[str, int] | None = None,
    *,
    tracking: str = "AP1",
    carrier: str = "Australia Post",
    new_task: bool = False,
) -> None:
    """Play the warehouse: pick, pack and ship (all of the order, or `quantities` by SKU)."""
    sale = await cin7.get_sale(sale_id)
    assert sale.Order is not None
    wanted = quantities or {line.SKU or "": int(line.Quantity) for line in sale.Order.Lines}
    tasks = await cin7.add_fulfilment(sale_id) if new_task else await cin7.get_fulfilments(sale_id)
    task = tasks[-1].TaskID
    lines = [PickPackLine(SKU=sku, Quantity=Decimal(qty), Location=sale.Location) for sku, qty in wanted.items()]
    await cin7.pick(task, lines)
    await cin7.pack(task, [PickPackLine(SKU=sku, Quantity=Decimal(qty), Box="Box 1") for sku, qty in wanted.items()])
    await cin7.ship(
        task,
        [
            ShipLine(
                ShipmentDate="2026-11-27",
                Carrier=carrier,
                Box="Box 1",
                TrackingNumber=tracking,
                TrackingURL=f"https://auspost.com.au/mypost/track/#/details/{tracking}",
            )
        ],
    )
