"""The Cin7 Core client against the Cin7 sandbox: paging, pacing, retries and typed errors."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import pytest

from cin7_shopify.cin7.errors import (
    Cin7AuthError,
    Cin7ConnectionError,
    Cin7NotFound,
    Cin7RateLimited,
    Cin7ServerError,
    Cin7UnexpectedResponse,
    Cin7ValidationError,
)
from cin7_shopify.cin7.models import Product
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.scenario import Scenario
from cin7_shopify.sandbox.session import CIN7_SANDBOX_URL, SandboxSession, open_sandbox


def catalogue(products: int) -> Scenario:
    """A store with `products` Cin7 products (and an empty Shopify side)."""
    return Scenario(
        name="catalogue",
        shopify={"shop": {"name": "Shop", "myshopifyDomain": "shop.myshopify.com"}},
        cin7={
            "me": {"Company": "Catalogue Pty Ltd", "BaseCurrency": "AUD"},
            "Locations": [{"Name": "Main Warehouse"}],
            "TaxRules": [{"Name": "GST on Income", "TaxPercent": 10, "TaxInclusive": False}],
            "Products": [{"SKU": f"SKU-{n:05d}", "Name": f"Product {n}"} for n in range(products)],
        },
    )


def max_calls_in_any_window(times: list[float], window: float = 60.0) -> int:
    recent: deque[float] = deque()
    worst = 0
    for t in sorted(times):
        recent.append(t)
        while recent[0] <= t - window:
            recent.popleft()
        worst = max(worst, len(recent))
    return worst


async def test_reading_2500_products_takes_exactly_three_calls(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(2500), clock=clock)
    async with session.cin7_client() as cin7:
        products = await cin7.list_products()
    assert cin7.calls == 3
    assert len(products) == 2500
    assert len({p.SKU for p in products}) == 2500
    assert [call[2] for call in session.cin7.call_log] == ["/externalapi/v2/product"] * 3


async def test_a_burst_of_200_calls_stays_within_60_a_minute(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(3), clock=clock)
    started = clock.now()
    async with session.cin7_client() as cin7:
        for _ in range(200):
            await cin7.me()
    times = [t for t, _, _, status in session.cin7.call_log]
    assert len(times) == 200
    assert all(status == 200 for *_, status in session.cin7.call_log), "the pacer let a call be throttled"
    assert max_calls_in_any_window(times) <= 60
    # 200 calls at 60 a minute need at least three full windows of waiting.
    assert clock.now() - started >= 180


async def test_two_stores_on_one_account_share_one_budget(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(3), clock=clock)
    pacer = Cin7Pacer(clock=clock)
    async with session.cin7_client(pacer=pacer) as first, session.cin7_client(pacer=pacer) as second:
        for _ in range(50):
            await first.me()
            await second.me()
    times = [t for t, *_ in session.cin7.call_log]
    assert max_calls_in_any_window(times) <= 60
    assert all(status == 200 for *_, status in session.cin7.call_log)


@pytest.mark.parametrize("shape", ["429", "503", "400"])
async def test_each_throttle_shape_is_retried_and_no_record_is_lost(clock: ManualClock, shape: str) -> None:
    session = open_sandbox(catalogue(2500), clock=clock, throttle_shape=shape)  # type: ignore[arg-type]
    session.cin7_faults.throttle_next = 2
    async with session.cin7_client() as cin7:
        products = await cin7.list_products()
    statuses = [status for *_, status in session.cin7.call_log]
    assert statuses.count(int(shape)) == 2
    assert cin7.retries == 2
    assert len(products) == 2500 and len({p.SKU for p in products}) == 2500


async def test_a_403_throttle_on_an_account_that_just_answered_is_waited_out(clock: ManualClock) -> None:
    """Production clients report Cin7 throttling with 403 too: mid-run it is retried, not bad credentials."""
    session = open_sandbox(catalogue(2500), clock=clock, throttle_shape="403")
    async with session.cin7_client() as cin7:
        await cin7.me()
        session.cin7_faults.throttle_next = 2
        products = await cin7.list_products()
    assert [status for *_, status in session.cin7.call_log].count(403) == 2
    assert cin7.retries == 2 and len(products) == 2500


async def test_a_403_that_persists_or_comes_first_is_bad_credentials(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(3), clock=clock, throttle_shape="403")
    async with session.cin7_client(key="not-the-key") as cin7:
        with pytest.raises(Cin7AuthError):
            await cin7.me()  # nothing answered before: a connection test says so at once
    assert len(session.cin7.call_log) == 1
    async with session.cin7_client(max_retries=3) as cin7:
        await cin7.me()
        session.cin7_faults.throttle_next = 100
        with pytest.raises(Cin7AuthError) as caught:
            await cin7.me()
    assert "after 3 retries" in caught.value.explain()


async def test_a_server_that_throttles_for_real_is_waited_out(clock: ManualClock) -> None:
    """The sandbox allows fewer calls than the pacer thinks: the client backs off and finishes."""
    session = open_sandbox(catalogue(10), clock=clock, cin7_calls_per_minute=20, throttle_shape="503")
    async with session.cin7_client() as cin7:
        for _ in range(45):
            await cin7.me()
    assert cin7.retries > 0
    assert sum(1 for *_, status in session.cin7.call_log if status == 200) == 45


async def test_retry_after_is_honoured(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(3), clock=clock)
    session.cin7.retry_after_seconds = 17
    session.cin7_faults.throttle_next = 1
    async with session.cin7_client() as cin7:
        started = clock.now()
        await cin7.me()
    first, second = session.cin7.call_log
    assert first[3] == 429 and second[3] == 200
    assert second[0] - first[0] == pytest.approx(17)
    assert clock.now() - started == pytest.approx(17)


async def test_throttling_that_never_ends_gives_a_rate_limit_error(clock: ManualClock) -> None:
    session = open_sandbox(catalogue(3), clock=clock)
    session.cin7_faults.throttle_next = 100
    async with session.cin7_client(max_retries=3) as cin7:
        with pytest.raises(Cin7RateLimited) as caught:
            await cin7.me()
    assert (cin7.calls, cin7.retries) == (4, 3), "the first call and three retries"
    assert "60 calls" in caught.value.cin7_message
    assert "wait a minute" in caught.value.explain()


async def test_bad_credentials_are_one_clear_line(demo: SandboxSession) -> None:
    async with demo.cin7_client(key="not-the-key") as cin7:
        with pytest.raises(Cin7AuthError) as caught:
            await cin7.me()
    text = caught.value.explain()
    assert "Incorrect credentials" in text and "Application Key" in text
    assert "\n" not in text and "not-the-key" not in text


async def test_cin7_error_array_carries_cin7s_own_message(demo: SandboxSession) -> None:
    product = Product(
        SKU="TEE-BLK-M", Name="Another tee", Category="Tees", Type="Stock", CostingMethod="FIFO", UOM="Item"
    )
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7ValidationError) as caught:
            await cin7.create_product(product)
    assert caught.value.status == 400 and caught.value.error_code == 400
    assert "Product SKU must be unique" in caught.value.cin7_message


async def test_an_error_code_inside_a_200_is_an_error(demo: SandboxSession) -> None:
    demo.cin7_faults.error_in_200_next = 1
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7ValidationError) as caught:
            await cin7.list_tax_rules()
    assert caught.value.status == 200
    assert caught.value.cin7_message == "Unable to process the request at this time."


async def test_html_in_a_200_is_an_unexpected_response(demo: SandboxSession) -> None:
    async with demo.cin7_client(base_url=CIN7_SANDBOX_URL.replace("/v2/", "/v1/")) as wrong:
        with pytest.raises(Cin7UnexpectedResponse) as caught:
            await wrong.me()
    assert "HTML page" in caught.value.explain()


async def test_a_malformed_body_is_reported_not_parsed(demo: SandboxSession) -> None:
    demo.cin7_faults.malformed_next = 1
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7UnexpectedResponse):
            await cin7.list_products()


async def test_reads_survive_5xx_and_dropped_connections(demo: SandboxSession) -> None:
    demo.cin7_faults.server_error_next = 2
    demo.cin7_faults.drop_next = 1
    demo.cin7_faults.timeout_next = 1
    async with demo.cin7_client() as cin7:
        started = demo.clock.now()
        rules = await cin7.list_tax_rules()
    assert {r.Name for r in rules} == {"GST on Income", "GST Free Income"}
    assert sorted(demo.cin7_faults.log) == ["drop_next", "server_error_next", "server_error_next", "timeout_next"]
    assert (cin7.calls, cin7.retries) == (4, 3), "a timeout lost the second 5xx's answer: three failed calls"
    assert demo.clock.now() - started == pytest.approx(1 + 2 + 4), "backing off 1, 2 and 4 s"


async def test_a_write_is_never_sent_twice_after_a_lost_answer(demo: SandboxSession) -> None:
    """A timed-out POST may have landed: the client says so instead of retrying blindly."""
    from cin7_shopify.cin7.models import SaleCreate

    async with demo.cin7_client() as cin7:
        customer = (await cin7.list_customers())[0]
        demo.cin7_faults.timeout_next = 1
        with pytest.raises(Cin7ConnectionError) as caught:
            await cin7.create_sale(
                SaleCreate(CustomerID=customer.ID, Location="Main Warehouse", ExternalID="gid://shopify/Order/1")
            )
        assert "may or may not have been saved" in caught.value.explain()
        found = await cin7.find_sales_by_external_id("gid://shopify/Order/1")
    assert len(found) == 1, "the sale landed once and can be found by ExternalID"


async def test_a_5xx_on_a_write_is_not_retried(demo: SandboxSession) -> None:
    from cin7_shopify.cin7.models import SaleCreate

    async with demo.cin7_client() as cin7:
        customer = (await cin7.list_customers())[0]
        demo.cin7_faults.server_error_next = 1
        with pytest.raises(Cin7ServerError):
            await cin7.create_sale(SaleCreate(CustomerID=customer.ID, Location="Main Warehouse"))
    assert demo.cin7.sales == {}


async def test_unknown_ids_are_not_found(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7ValidationError, match="Sale not found"):
            await cin7.get_sale("00000000-0000-0000-0000-000000000001")
        with pytest.raises(Cin7NotFound):
            from cin7_shopify.cin7.models import Product as P

            await cin7.update_product(P(ID="nope", SKU="X"))


async def test_list_envelopes_and_bins(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        locations = await cin7.list_locations()
        with_bins = await cin7.list_locations(include_bins=True)
        availability = await cin7.list_availability()
        families = await cin7.list_product_families()
    assert {loc.Name for loc in locations} == {"Main Warehouse", "3PL - ShipBob", "Melbourne Store", "Parramatta Store"}
    bins = [loc for loc in with_bins if loc.is_bin]
    assert {b.Name for b in bins} == {"A1", "A2"} and all(b.ParentName == "Main Warehouse" for b in bins)
    assert next(loc for loc in locations if loc.Name == "Parramatta Store").IsDeprecated
    split = [row for row in availability if row.Bin]
    assert split, "some stock is split across bins"
    assert all(row.Available == row.OnHand - row.Allocated for row in availability)
    hoodie = next(f for f in families if f.SKU == "HOOD")
    assert hoodie.Option1Name == "Colour" and len(hoodie.Products) == 8


async def test_customer_is_matched_by_exact_email_ignoring_case(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        found = await cin7.find_customer_by_email("  Olivia.Smith@EXAMPLE.com ")
        missing = await cin7.find_customer_by_email("olivia.smith@example")
    assert found is not None and found.Name == "Olivia Smith"
    assert missing is None


def test_models_absorb_documented_asymmetries() -> None:
    from cin7_shopify.cin7.models import Location, Sale, SaleCreate, ShipLine, TaxRule

    rule = TaxRule.model_validate(
        {
            "Name": "GST",
            "TaxPercent": "10.0000",
            "TaxInclusive": "false",
            "IsActive": "1",
            "Components": [{"Percent": "10.0000000000", "ComponentOrder": "1", "Compound": "false"}],
        }
    )
    assert rule.TaxPercent == Decimal("10") and rule.TaxInclusive is False and rule.IsActive is True
    assert rule.Components[0].Percent == Decimal("10") and rule.Components[0].ComponentOrder == 1
    assert ShipLine.model_validate({"ShipmentDate": "2026-11-27", "Boxes": "Box 2"}).Box == "Box 2"
    assert ShipLine(ShipmentDate="2026-11-27", Box="Box 1").to_wire()["Box"] == "Box 1"
    assert Location.model_validate({"Name": "Old", "Deprecated": True}).IsDeprecated is True
    sale = Sale.model_validate({"ID": "s", "TaxCalculation": "Inclusive", "Fulfilments": None})
    assert sale.tax_inclusive is True and sale.Fulfilments == []
    wire = SaleCreate(Location="Main Warehouse", TaxInclusive=True, CurrencyRate=Decimal("1.5")).to_wire()
    assert wire["TaxInclusive"] is True and "TaxCalculation" not in wire and wire["CurrencyRate"] == 1.5
    assert "Customer" not in wire, "unset fields are left out, not sent as null"
