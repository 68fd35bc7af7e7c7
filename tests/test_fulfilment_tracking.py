"""Every box, every tracking number, and tracking added later: Cin7 shipments as Shopify sees them.

The Cin7 sandbox ships by box as the blueprint says (a ship is PARTIALLY AUTHORISED until every packed
box has shipped; `AddTrackingNumbers` changes an authorised ship's tracking), and the Shopify sandbox
refuses a tracking URL that is not a URI, as Shopify's URL scalar does.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.models import PickPackLine, ShipLine
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.shopify.errors import ShopifyError
from cin7_shopify.shopify.tracking import tracking_input, usable_tracking_url
from tests.sync_harness import Harness


@pytest.fixture
def harness(demo: SandboxSession, tmp_path: Path) -> Harness:
    return Harness(demo, tmp_path)


async def pack_hoodie_and_socks_in_two_boxes(cin7: Cin7Client, sale_id: str) -> str:
    """#1002 (a hoodie, three pairs of socks) picked and packed: the hoodie in Box 1, the socks in Box 2."""
    task = (await cin7.get_fulfilments(sale_id))[0].TaskID
    lines = {"HOOD-BLK-L": 1, "SOCK-WHT-M": 3}
    await cin7.pick(
        task, [PickPackLine(SKU=s, Quantity=Decimal(q), Location="Main Warehouse") for s, q in lines.items()]
    )
    await cin7.pack(
        task,
        [
            PickPackLine(SKU="HOOD-BLK-L", Quantity=Decimal(1), Box="Box 1"),
            PickPackLine(SKU="SOCK-WHT-M", Quantity=Decimal(3), Box="Box 2"),
        ],
    )
    return task


def box(name: str, number: str = "", url: str = "") -> ShipLine:
    return ShipLine(
        ShipmentDate="2026-11-27", Carrier="Australia Post", Box=name, TrackingNumber=number, TrackingURL=url
    )


def shopify_order(harness: Harness, name: str) -> dict[str, Any]:
    return harness.session.shopify.orders_by_id[harness.order_id(name)]


def numbers(fulfilment: dict[str, Any]) -> list[str]:
    return [t["number"] for t in fulfilment["trackingInfo"]]


async def test_every_box_and_its_tracking_number_reach_shopify(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        task = await pack_hoodie_and_socks_in_two_boxes(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        await sync.cin7.ship(task, [box("Box 1", "AP-HOOD"), box("Box 2", "AP-SOCK")])
        sent = await sync.fulfilment_pass()
    order = shopify_order(harness, "#1002")
    (fulfilment,) = order["fulfillments"]
    assert sent.sent == ["#1002 (AP-HOOD, AP-SOCK)"] and numbers(fulfilment) == ["AP-HOOD", "AP-SOCK"]
    assert order["displayFulfillmentStatus"] == "FULFILLED"


async def test_a_partly_authorised_ship_sends_the_boxes_that_left(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        task = await pack_hoodie_and_socks_in_two_boxes(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        await sync.cin7.ship(task, [box("Box 1", "AP-HOOD")])  # the socks' box waits for a courier
        first = await sync.fulfilment_pass()
        order = shopify_order(harness, "#1002")
        assert first.sent == ["#1002 (AP-HOOD)"] and order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
        (hoodie_fulfilment,) = order["fulfillments"]
        assert [quantity for _, quantity in hoodie_fulfilment["lines"]] == [1], "the hoodie only"
        await sync.cin7.add_tracking(task, [box("Box 2", "AP-SOCK")])
        second = await sync.fulfilment_pass()
        third = await sync.fulfilment_pass()
    assert second.sent == ["#1002 (AP-SOCK)"] and third.sent == [] and third.tracking_updated == []
    assert [numbers(f) for f in order["fulfillments"]] == [["AP-HOOD"], ["AP-SOCK"]]
    assert order["displayFulfillmentStatus"] == "FULFILLED"


async def test_tracking_added_after_authorising_updates_the_shopify_fulfilment(harness: Harness) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        sale_id = str(harness.sale_for("#1002")["ID"])
        task = await pack_hoodie_and_socks_in_two_boxes(sync.cin7, sale_id)
        await sync.cin7.ship(task, [box("Box 1"), box("Box 2")])  # authorised first, numbers to come
        first = await sync.fulfilment_pass()
        order = shopify_order(harness, "#1002")
        assert first.sent == ["#1002"] and numbers(order["fulfillments"][0]) == []
        await sync.cin7.add_tracking(
            task,
            [box("Box 1", "AP-LATE-1", "auspost.com.au/mypost/track/AP-LATE-1"), box("Box 2", "AP-LATE-2")],
        )
        second = await sync.fulfilment_pass()
        again = await sync.fulfilment_pass()
    (fulfilment,) = order["fulfillments"]
    assert second.tracking_updated == ["#1002 (AP-LATE-1, AP-LATE-2)"] and again.tracking_updated == []
    assert numbers(fulfilment) == ["AP-LATE-1", "AP-LATE-2"]
    assert fulfilment["trackingInfo"][0]["company"] == "Australia Post"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("auspost.com.au/mypost/track/AP9", "https://auspost.com.au/mypost/track/AP9"),
        ("N/A", None),
        ("https://auspost.com.au/track/AP 9", None),
    ],
)
async def test_a_tracking_url_shopify_would_refuse_is_mended_or_dropped_keeping_the_number(
    harness: Harness, typed: str, sent: str | None
) -> None:
    await harness.first_orders_pass()
    with harness.sync() as sync:
        task = await pack_hoodie_and_socks_in_two_boxes(sync.cin7, str(harness.sale_for("#1002")["ID"]))
        await sync.cin7.ship(task, [box("Box 1", "AP9", typed), box("Box 2", "AP9")])
        result = await sync.fulfilment_pass()
    (fulfilment,) = shopify_order(harness, "#1002")["fulfillments"]
    assert result.failed == [] and fulfilment["trackingInfo"] == [
        {"company": "Australia Post", "number": "AP9", "url": sent}
    ]


async def test_shopify_refuses_a_tracking_url_that_is_not_a_uri(demo: SandboxSession) -> None:
    """Schema (URL): an RFC 3986 URI with a scheme and a host; a bad one fails the whole mutation."""
    async with demo.shopify_client() as shopify:
        order = (await shopify.orders("name:#1002"))[0]
        (fulfillment_order,) = await shopify.fulfillment_orders(order.id)
        with pytest.raises(ShopifyError, match="Invalid url"):
            await shopify.create_fulfillment(
                fulfillment_order.id, None, tracking={"number": "AP1", "url": "auspost.com.au/track/AP1"}
            )


def test_tracking_input_pairs_numbers_and_urls_and_drops_cin7s_default_carrier() -> None:
    assert usable_tracking_url("//track.example.com/x") == "https://track.example.com/x"
    assert usable_tracking_url("javascript:alert(1)") is None
    assert tracking_input("DEFAULT Carrier", [("A1", "https://t.example.com/A1")]) == {
        "number": "A1",
        "url": "https://t.example.com/A1",
    }
    assert tracking_input("DHL", [("A1", "https://t.example.com/A1"), ("A2", "")]) == {
        "company": "DHL",
        "numbers": ["A1", "A2"],
    }
    assert tracking_input(None, [("", "https://t.example.com")]) is None
