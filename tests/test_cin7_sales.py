"""Sale stage rules and stock movements, through the real client against the Cin7 sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.errors import Cin7ValidationError
from cin7_shopify.cin7.models import PickPackLine, SaleCreate, SaleLine, ShipLine
from cin7_shopify.sandbox.session import SandboxSession

SKU = "TEE-BLK-M"


async def stock(cin7: Cin7Client, sku: str, location: str = "Main Warehouse") -> tuple[Decimal, Decimal, Decimal]:
    rows = [r for r in await cin7.list_availability() if r.SKU == sku and r.Location == location]
    return (
        sum((r.OnHand for r in rows), Decimal(0)),
        sum((r.Allocated for r in rows), Decimal(0)),
        sum((r.Available for r in rows), Decimal(0)),
    )


async def new_sale(cin7: Cin7Client, *, skip_quote: bool = True, external_id: str = "gid://shopify/Order/77") -> str:
    customer = await cin7.find_customer_by_email("olivia.smith@example.com")
    assert customer is not None
    sale = await cin7.create_sale(
        SaleCreate(
            CustomerID=customer.ID,
            Location="Main Warehouse",
            TaxRule="GST on Income",
            TaxInclusive=True,
            SkipQuote=skip_quote,
            CustomerReference="#1077",
            ExternalID=external_id,
        )
    )
    return sale.ID


def tee(quantity: int = 2) -> SaleLine:
    total = Decimal("29.95") * quantity
    return SaleLine(
        SKU=SKU,
        Name="Classic Tee - Black / M",
        Quantity=quantity,
        Price=Decimal("29.95"),
        Tax=(total / 11).quantize(Decimal("0.01")),
        TaxRule="GST on Income",
        Total=total,
    )


async def test_sale_header_reads_back_with_cin7s_read_side_names(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        sale = await cin7.get_sale(await new_sale(cin7))
    assert sale.TaxCalculation == "Inclusive" and sale.tax_inclusive is True
    assert sale.CustomerReference == "#1077" and sale.ExternalID == "gid://shopify/Order/77"
    assert sale.Customer == "Olivia Smith" and sale.Location == "Main Warehouse"


async def test_order_needs_skip_quote_or_an_authorised_quote(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        sale_id = await new_sale(cin7, skip_quote=False)
        with pytest.raises(Cin7ValidationError, match="quote should be authorised"):
            await cin7.save_order(sale_id, [tee()])


async def test_authorising_the_order_allocates_and_shipping_deducts(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        on_hand, allocated, available = await stock(cin7, SKU)
        sale_id = await new_sale(cin7)
        order = await cin7.save_order(sale_id, [tee(2)])
        assert order.Status == "AUTHORISED" and order.Total == Decimal("59.90")
        assert await stock(cin7, SKU) == (on_hand, allocated + 2, available - 2)

        task = (await cin7.get_fulfilments(sale_id))[0].TaskID
        with pytest.raises(Cin7ValidationError, match="Pick should be authorised before packing"):
            await cin7.pack(task, [PickPackLine(SKU=SKU, Quantity=2, Box="Box 1")])
        with pytest.raises(Cin7ValidationError, match="Pack should be authorised before shipping"):
            await cin7.ship(task, [ShipLine(ShipmentDate="2026-11-27", Box="Box 1")])
        await cin7.pick(task, [PickPackLine(SKU=SKU, Quantity=2, Location="Main Warehouse")])
        await cin7.pack(task, [PickPackLine(SKU=SKU, Quantity=2, Box="Box 1")])
        shipped = await cin7.ship(
            task,
            [
                ShipLine(
                    ShipmentDate="2026-11-27",
                    Carrier="Australia Post",
                    Box="Box 1",
                    TrackingNumber="AP123456",
                    TrackingURL="https://auspost.com.au/AP123456",
                )
            ],
        )
        assert shipped.Status == "AUTHORISED"
        assert await stock(cin7, SKU) == (on_hand - 2, allocated, available - 2)

        fulfilment = (await cin7.get_fulfilments(sale_id))[0]
        line = fulfilment.ship_lines[0]
        assert line.Box == "Box 1" and line.TrackingNumber == "AP123456", "read back from Boxes"
        listed = await cin7.find_sales_by_external_id("gid://shopify/Order/77")
        assert listed[0].CombinedShippingStatus == "SHIPPED" and listed[0].CombinedTrackingNumbers == "AP123456"


async def test_a_kit_allocates_its_components(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        before = {sku: await stock(cin7, sku) for sku in ("TEE-BLK-M", "TEE-WHT-M", "TEE-NVY-M")}
        sale_id = await new_sale(cin7)
        await cin7.save_order(
            sale_id,
            [
                SaleLine(
                    SKU="TEE-3PK",
                    Name="Classic Tee 3-Pack",
                    Quantity=1,
                    Price=Decimal("79.95"),
                    Tax=Decimal("7.27"),
                    TaxRule="GST on Income",
                    Total=Decimal("79.95"),
                )
            ],
        )
        after = {sku: await stock(cin7, sku) for sku in before}
    assert all(after[sku][1] == before[sku][1] + 1 for sku in before)


async def test_void_releases_stock_before_picking_and_is_refused_after(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        start = await stock(cin7, SKU)
        first = await new_sale(cin7, external_id="gid://shopify/Order/1")
        await cin7.save_order(first, [tee(1)])
        voided = await cin7.void_sale(first)
        assert voided.Status == "VOIDED"
        assert await stock(cin7, SKU) == start

        second = await new_sale(cin7, external_id="gid://shopify/Order/2")
        await cin7.save_order(second, [tee(1)])
        task = (await cin7.get_fulfilments(second))[0].TaskID
        await cin7.pick(task, [PickPackLine(SKU=SKU, Quantity=1, Location="Main Warehouse")])
        with pytest.raises(Cin7ValidationError, match="credit note"):
            await cin7.void_sale(second)


async def test_credit_note_needs_an_invoice_and_restocks(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        sale_id = await new_sale(cin7)
        await cin7.save_order(sale_id, [tee(1)])
        restock = [PickPackLine(SKU=SKU, Quantity=1)]
        with pytest.raises(Cin7ValidationError, match="Invoice 'INV-00001' not found"):
            await cin7.create_credit_note(
                sale_id, [tee(1)], invoice_number="INV-00001", credit_date="2026-11-28", restock=restock
            )
        invoice = await cin7.create_invoice(sale_id, [tee(1)], invoice_date="2026-11-27")
        on_hand = (await stock(cin7, SKU))[0]
        note = await cin7.create_credit_note(
            sale_id,
            [tee(1)],
            invoice_number=str(invoice["InvoiceNumber"]),
            credit_date="2026-11-28",
            restock=restock,
            restock_location="Main Warehouse",
        )
        assert note.Status == "AUTHORISED" and note.CreditNoteNumber
        assert note.CreditNoteInvoiceNumber == invoice["InvoiceNumber"] and note.CreditNoteDate == "2026-11-28"
        assert (await stock(cin7, SKU))[0] == on_hand + 1


async def test_credit_note_refuses_what_the_blueprint_requires(demo: SandboxSession) -> None:
    """APIB:L24280 CreditNoteInvoiceNumber, L24283 CreditNoteDate, L29837 a restock line's Location."""
    async with demo.cin7_client() as cin7:
        sale_id = await new_sale(cin7)
        await cin7.save_order(sale_id, [tee(1)])
        invoice = await cin7.create_invoice(sale_id, [tee(1)], invoice_date="2026-11-27")
        number = str(invoice["InvoiceNumber"])
        body = {"SaleID": sale_id, "TaskID": "00000000-0000-0000-0000-000000000000", "Status": "AUTHORISED"}
        with pytest.raises(Cin7ValidationError, match="CreditNoteInvoiceNumber is required"):
            await cin7._request("POST", "sale/creditnote", json_body=body)
        with pytest.raises(Cin7ValidationError, match="CreditNoteDate is required"):
            await cin7._request("POST", "sale/creditnote", json_body={**body, "CreditNoteInvoiceNumber": number})
        with pytest.raises(Cin7ValidationError, match="Location or LocationID is required"):
            await cin7._request(
                "POST",
                "sale/creditnote",
                json_body={
                    **body,
                    "CreditNoteInvoiceNumber": number,
                    "CreditNoteDate": "2026-11-28",
                    "Restock": [{"SKU": SKU, "Quantity": 1}],
                },
            )


async def test_a_simple_sale_takes_one_invoice_and_numbers_never_repeat(demo: SandboxSession) -> None:
    """APIB:L24031: a second invoice is refused once the first is past DRAFT; numbers are the account's."""
    async with demo.cin7_client() as cin7:
        first, second = await new_sale(cin7), await new_sale(cin7, external_id="gid://shopify/Order/78")
        for sale_id in (first, second):
            await cin7.save_order(sale_id, [tee(1)])
        one = await cin7.create_invoice(first, [tee(1)], invoice_date="2026-11-27")
        two = await cin7.create_invoice(second, [tee(1)], invoice_date="2026-11-27")
        with pytest.raises(Cin7ValidationError, match="Invoice with status 'AUTHORISED' cannot be changed"):
            await cin7.create_invoice(first, [tee(1)], invoice_date="2026-11-28")
    assert one["InvoiceNumber"] != two["InvoiceNumber"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"SKU": "NOPE-1", "Quantity": 1, "Price": 1, "Tax": 0, "TaxRule": "GST on Income"},
            "Product 'NOPE-1' not found",
        ),
        ({"SKU": "RJK-YEL-S", "Quantity": 1, "Price": 1, "Tax": 0, "TaxRule": "GST on Income"}, "deprecated"),
        ({"SKU": SKU, "Quantity": 1, "Price": 1, "Tax": 0, "TaxRule": "VAT 20%"}, "Tax rule 'VAT 20%' was not found"),
        ({"SKU": SKU, "Quantity": 0, "Price": 1, "Tax": 0, "TaxRule": "GST on Income"}, "minimal value is 1"),
        ({"SKU": SKU, "Quantity": 2, "Price": 10, "Tax": 0, "TaxRule": "GST on Income", "Total": 25}, "does not match"),
    ],
)
async def test_cin7_rejects_bad_order_lines_in_its_own_words(
    demo: SandboxSession, line: dict[str, object], message: str
) -> None:
    async with demo.cin7_client() as cin7:
        sale_id = await new_sale(cin7)
        with pytest.raises(Cin7ValidationError, match=message):
            await cin7.save_order(sale_id, [SaleLine.model_validate({"Name": "x", **line})])


async def test_sale_for_an_unknown_customer_or_location_is_refused(demo: SandboxSession) -> None:
    async with demo.cin7_client() as cin7:
        with pytest.raises(Cin7ValidationError, match="Customer 'Nobody' not found"):
            await cin7.create_sale(SaleCreate(Customer="Nobody", Location="Main Warehouse"))
        with pytest.raises(Cin7ValidationError, match="Location 'Parramatta Store' not found"):
            await cin7.create_sale(SaleCreate(Customer="Olivia Smith", Location="Parramatta Store"))


async def _packed_in_two_boxes(cin7: Cin7Client) -> tuple[str, str]:
    """A sale of two tees packed one a box: (sale id, task id)."""
    sale_id = await new_sale(cin7)
    await cin7.save_order(sale_id, [tee(2)])
    task = (await cin7.get_fulfilments(sale_id))[0].TaskID
    await cin7.pick(task, [PickPackLine(SKU=SKU, Quantity=2, Location="Main Warehouse")])
    await cin7.pack(
        task, [PickPackLine(SKU=SKU, Quantity=1, Box="Box 1"), PickPackLine(SKU=SKU, Quantity=1, Box="Box 2")]
    )
    return sale_id, task


async def test_a_ship_line_must_name_a_packed_box(demo: SandboxSession) -> None:
    """APIB:L29863: Box is required on a ship line; it must be one of the task's packed boxes."""
    async with demo.cin7_client() as cin7:
        _, task = await _packed_in_two_boxes(cin7)
        with pytest.raises(Cin7ValidationError, match="Box is required"):
            await cin7.ship(task, [ShipLine(ShipmentDate="2026-11-27", TrackingNumber="AP1")])
        with pytest.raises(Cin7ValidationError, match="Box 'Box 9' was not packed"):
            await cin7.ship(task, [ShipLine(ShipmentDate="2026-11-27", Box="Box 9")])


async def test_a_ship_is_authorised_only_when_every_packed_box_shipped(demo: SandboxSession) -> None:
    """APIB:L23705: AUTHORISED once all packed boxes are shipped; before that PARTIALLY AUTHORISED,
    and only the shipped box's stock has left. L23763: a second POST is refused; L23844: a PUT with
    AddTrackingNumbers ships the rest and can change tracking."""
    async with demo.cin7_client() as cin7:
        on_hand, _, _ = await stock(cin7, SKU)
        sale_id, task = await _packed_in_two_boxes(cin7)
        first = await cin7.ship(task, [ShipLine(ShipmentDate="2026-11-27", Box="Box 1", TrackingNumber="AP1")])
        assert first.Status == "PARTIALLY AUTHORISED"
        assert (await stock(cin7, SKU))[0] == on_hand - 1
        (row,) = await cin7.find_sales_by_external_id("gid://shopify/Order/77")
        assert row.CombinedShippingStatus == "PARTIALLY SHIPPED"
        with pytest.raises(Cin7ValidationError, match="PARTIALLY AUTHORISED' cannot be changed"):
            await cin7.ship(task, [ShipLine(ShipmentDate="2026-11-27", Box="Box 2")])
        done = await cin7.add_tracking(
            task,
            [
                ShipLine(ShipmentDate="2026-11-28", Box="Box 2", TrackingNumber="AP2"),
                ShipLine(ShipmentDate="2026-11-27", Box="Box 1", TrackingNumber="AP1-FIXED"),
            ],
        )
        assert done.Status == "AUTHORISED"
        assert (await stock(cin7, SKU))[0] == on_hand - 2, "each box's stock leaves once"
        lines = (await cin7.get_fulfilments(sale_id))[0].ship_lines
        assert {(line.Box, line.TrackingNumber) for line in lines} == {("Box 1", "AP1-FIXED"), ("Box 2", "AP2")}
        (row,) = await cin7.find_sales_by_external_id("gid://shopify/Order/77")
        assert row.CombinedShippingStatus == "SHIPPED" and row.CombinedTrackingNumbers == "AP1-FIXED, AP2"


async def test_a_backordered_sale_cannot_be_picked_until_the_stock_is_there(demo: SandboxSession) -> None:
    """APIB:L20058: BACKORDERED means PickStatus NOT AVAILABLE; the warehouse cannot pick what is not on hand."""
    async with demo.cin7_client() as cin7:
        on_hand, _, _ = await stock(cin7, SKU)
        wanted = int(on_hand) + 1
        sale_id = await new_sale(cin7)
        await cin7.save_order(sale_id, [tee(wanted)])
        (row,) = await cin7.find_sales_by_external_id("gid://shopify/Order/77")
        assert row.Status == "BACKORDERED"
        task = (await cin7.get_fulfilments(sale_id))[0].TaskID
        with pytest.raises(Cin7ValidationError, match=f"Not enough stock of '{SKU}' at Main Warehouse"):
            await cin7.pick(task, [PickPackLine(SKU=SKU, Quantity=wanted, Location="Main Warehouse")])
        assert (await stock(cin7, SKU))[0] == on_hand, "nothing left the shelf"
        await cin7.pick(task, [PickPackLine(SKU=SKU, Quantity=int(on_hand), Location="Main Warehouse")])
