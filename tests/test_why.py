"""`why sku` and `why order` on the demo store after a real sync: the numbers and the path, through the
real clients and both sandboxes."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cin7_shopify.cli import main
from cin7_shopify.errors import ConsoleError
from cin7_shopify.reports.why_order import OrderStory
from cin7_shopify.reports.why_sku import LocationStory, SkuStory
from cin7_shopify.sandbox.demo_data import LOC_SYDNEY
from cin7_shopify.sandbox.store import SandboxStore, scenario_workspace
from cin7_shopify.workspace import StoreSession
from tests.conftest import DEMO
from tests.sync_harness import ship


@dataclass
class Demo:
    session: StoreSession
    store: SandboxStore

    def sync(self, *, push: bool = True) -> None:
        async def run() -> None:
            async with self.session.open_sync() as sync:
                await sync.orders_pass()
                await sync.fulfilment_pass()
                if push:
                    await sync.stock_push(force=True)

        asyncio.run(run())

    def why_sku(self, sku: str) -> SkuStory:
        return asyncio.run(self.session.why_sku(sku))

    def why_order(self, name: str) -> OrderStory:
        return asyncio.run(self.session.why_order(name))

    def available(self, sku: str, location: str) -> int:
        """Cin7 Core's Available, as its sandbox holds it (bins added up)."""
        return sum(
            int(row["OnHand"] - row["Allocated"])
            for row in self.store.session.cin7.availability
            if row["SKU"] == sku and row["Location"] == location
        )


@pytest.fixture
def demo_store() -> Iterator[Demo]:
    workspace, store = scenario_workspace(DEMO)
    try:
        yield Demo(workspace.session(store.profile.name), store)
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo store after one pass of the sync (orders, fulfilment, a stock push), for tests that only read."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CIN7_SHOPIFY_HOME", str(tmp_path_factory.mktemp("why-home")))
        workspace, store = scenario_workspace(DEMO)
        try:
            demo = Demo(workspace.session(store.profile.name), store)
            demo.sync()
            yield demo
        finally:
            workspace.close()


def at(story: SkuStory, location: str) -> LocationStory:
    (found,) = [loc for loc in story.locations if loc.location == location]
    return found


@pytest.mark.xdist_group("why-synced-demo")  # one worker syncs the module's demo once
def test_a_kit_shows_what_its_scarcest_component_makes(synced: Demo) -> None:
    demo_store = synced
    story = demo_store.why_sku("TEE-3PK")
    assert story.kit
    sydney = at(story, "Sydney Warehouse")
    parts = {part["sku"]: part for part in sydney.components}
    assert set(parts) == {"TEE-BLK-M", "TEE-WHT-M", "TEE-NVY-M"}
    for sku, part in parts.items():
        assert part["available"] == demo_store.available(sku, "Main Warehouse")
        assert part["per_kit"] == 1
    makes = min(part["available"] - part["on_orders"] for part in parts.values())
    assert sydney.available == makes == sydney.next_push == sydney.shopify_now
    assert sydney.last_written == makes and sydney.unexplained == 0
    assert str(makes) in sydney.sentence and sydney.sentence.startswith(f"Shopify shows {makes} ")
    # KEY-3PK takes 3 keyrings a kit: rounded down.
    keyrings = at(demo_store.why_sku("KEY-3PK"), "Sydney Warehouse")
    (keyring,) = keyrings.components
    assert keyring["per_kit"] == 3
    assert keyrings.next_push == (keyring["available"] - keyring["on_orders"]) // 3


def test_bins_add_up_and_the_buffer_is_taken_off(demo_store: Demo) -> None:
    demo_store.session.save_settings(demo_store.session.settings().model_copy(update={"safety_buffer": 2}))
    demo_store.sync()
    sydney = at(demo_store.why_sku("TEE-BLK-L"), "Sydney Warehouse")
    assert sorted(b["bin"] for b in sydney.bins) == ["A1", "A2"]
    assert (
        sum(b["available"] for b in sydney.bins)
        == sydney.available
        == demo_store.available("TEE-BLK-L", "Main Warehouse")
    )
    assert sydney.buffer == 2
    assert sydney.shopify_now == sydney.next_push == sydney.available - sydney.on_orders - 2
    assert "buffer of 2" in sydney.sentence


@pytest.mark.xdist_group("why-synced-demo")  # one worker syncs the module's demo once
def test_units_on_an_order_cin7_does_not_hold_yet_are_held_back(synced: Demo) -> None:
    demo_store = synced
    story = demo_store.why_sku("DNM-BLU-M")  # on #1010, held for its tax line
    sydney = at(story, "Sydney Warehouse")
    assert sydney.on_orders == 1
    assert any(order.startswith("#1010") for order in sydney.orders)
    assert sydney.available == demo_store.available("DNM-BLU-M", "Main Warehouse")
    assert sydney.shopify_now == sydney.next_push == sydney.available - 1
    # ShipBob's app keeps the stock at its location: the sync leaves it, and the story says so.
    assert not [loc for loc in story.locations if loc.location == "ShipBob 3PL"]
    assert any(reason.startswith("ShipBob 3PL is run by a fulfillment service") for reason in story.left_alone)


def test_stock_changed_in_shopify_behind_our_back_is_seen(demo_store: Demo) -> None:
    demo_store.sync()
    before = at(demo_store.why_sku("TEE-NVY-L"), "Sydney Warehouse")
    assert before.unexplained == 0
    demo_store.store.session.shopify.adjust_by_hand("TEE-NVY-L", LOC_SYDNEY, -3, reason="damaged")
    story = demo_store.why_sku("TEE-NVY-L")
    sydney = at(story, "Sydney Warehouse")
    assert sydney.last_written == before.shopify_now
    assert sydney.shopify_now == before.shopify_now - 3
    assert sydney.sold_since == 0 and sydney.unexplained == -3
    assert sydney.next_push == before.next_push  # Cin7 Core did not change: the next push puts it back
    assert "-3" in sydney.sentence and "someone changed it in Shopify" in sydney.sentence
    assert all(loc.unexplained == 0 for loc in story.locations if loc.location != "Sydney Warehouse")
    # The next push puts it right, and the story says so.
    demo_store.sync()
    after = at(demo_store.why_sku("TEE-NVY-L"), "Sydney Warehouse")
    assert after.unexplained == 0 and after.shopify_now == after.next_push
    assert after.timeline[1].what == f"we set {after.next_push} (Shopify had {before.shopify_now - 3})"


@pytest.mark.xdist_group("why-synced-demo")  # one worker syncs the module's demo once
def test_a_sku_the_sync_leaves_alone_says_why(synced: Demo) -> None:
    demo_store = synced
    with pytest.raises(ConsoleError, match="No SKU"):
        demo_store.why_sku("  ")
    story = demo_store.why_sku("NO-SUCH-SKU")
    assert story.locations == [] and "writes no stock" in story.sentence
    shared = demo_store.why_sku("TEE-BLK-M")  # a seeded problem: two Shopify variants share it
    assert shared.locations == [] and "shared by 2 Shopify variants" in shared.sentence


def _place_unpaid(demo_store: Demo, name: str) -> None:
    """A new order, pending payment, as the shop would take it (the order trigger is `paid`)."""
    shopify = demo_store.store.session.shopify
    order = copy.deepcopy(next(o for o in demo_store.store.session.scenario.shopify["orders"] if o["name"] == "#1001"))
    order.update(id="gid://shopify/Order/990001", name=name, displayFinancialStatus="PENDING")
    order["createdAt"] = order["processedAt"] = "2026-11-27T10:00:00Z"
    shopify.add_order(order)


def test_why_order_held_shipped_cancelled_and_waiting(demo_store: Demo) -> None:
    _place_unpaid(demo_store, "#2001")
    demo_store.sync(push=False)

    held = demo_store.why_order("1010")
    assert held.status == "held" and not held.in_cin7
    assert [error["kind"] for error in held.held_for] == ["unmapped_tax"]
    assert held.held_since and held.next_retry
    assert held.attempts >= 1 and "what it waits on changes" in held.next_retry  # it rests on its backoff
    assert held.sentence.startswith("Not in Cin7 because it is held (unmapped_tax)")

    waiting = demo_store.why_order("#2001")
    assert waiting.status == "waiting" and not waiting.in_cin7
    assert "waiting for payment" in waiting.sentence
    assert any("not at its trigger" in m.what for m in waiting.timeline)

    cancelled = demo_store.why_order("#1028")
    assert not cancelled.in_cin7 and "cancelled in Shopify before it was imported" in cancelled.sentence

    shipped = demo_store.why_order("#1001")
    assert shipped.in_cin7 and not shipped.complete and shipped.sale_number
    assert shipped.sentence.endswith("not shipped yet.")

    async def warehouse() -> None:
        cin7, shopify = demo_store.session.open_clients()
        async with cin7, shopify:
            await ship(cin7, str(shipped.sale_id), tracking="AP777")

    asyncio.run(warehouse())
    demo_store.sync(push=False)  # the fulfilment pass sends the shipment to Shopify
    done = demo_store.why_order("#1001")
    assert done.complete and done.sentence == "Complete."
    assert done.tracking == ["AP777"] and done.fulfilments_sent == 1 == done.shipments
    assert done.timeline[0].what.endswith("fulfilment sent to Shopify with tracking AP777")

    # Cancelled in Shopify after import: the sync voids the sale, and the story says so.
    demo_store.store.session.shopify.cancel_order(demo_store.store.session.shopify.orders[1]["id"])
    demo_store.sync(push=False)
    voided = demo_store.why_order("#1002")
    assert voided.status == "voided"
    assert voided.sentence.startswith("Cancelled") and str(voided.sale_number) in voided.sentence


def test_why_commands_on_a_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "sku", "DNM-BLU-M", "--scenario", str(DEMO), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sydney = next(loc for loc in data["locations"] if loc["location"] == "Sydney Warehouse")
    assert sydney["on_orders"] == 1 and sydney["shopify_now"] == sydney["next_push"]
    assert main(["why", "order", "#1010", "--scenario", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith("Not in Cin7 because it is held (unmapped_tax)")
    assert main(["why", "order", "#9999", "--scenario", str(DEMO)]) == 2
    assert "Shopify has no order named #9999" in capsys.readouterr().err


def test_why_needs_a_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "sku", "TEE-BLK-M"]) == 2
    assert "--store" in capsys.readouterr().err
    assert main(["why", "order", "#1001", "--store", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
