"""Money on orders (SCENARIO.md): what the customer paid in Shopify is what the Cin7 Core sale totals.

Through the real clients against both sandboxes: discounts of every kind, free shipping, tips,
duties, gift cards, tax included or not, and orders longer than a page of lines.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.session import SandboxSession
from tests.sync_harness import Harness

SYDNEY = "gid://shopify/Location/71001"


def variant(demo: SandboxSession, sku: str) -> dict[str, Any]:
    return next(v for v in demo.shopify.variants if v.get("sku") == sku)


def line(
    demo: SandboxSession, number: int, sku: str, quantity: int, *, off: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """A line at the variant's price; `off` is a discount over the whole quantity (with its code)."""
    found = variant(demo, sku)
    record: dict[str, Any] = {
        "id": f"gid://shopify/LineItem/{number}",
        "sku": sku,
        "variantId": found["id"],
        "quantity": quantity,
        "originalUnitPrice": found["price"],
        "taxLines": [],
    }
    if off is not None:
        record["discountAllocations"] = [{"amount": off, "code": code}]
    return record


def with_gst(lines: list[dict[str, Any]], *, included: bool) -> list[dict[str, Any]]:
    """Shopify's tax lines for GST 10 % on what each line charged after every discount."""
    for item in lines:
        charged = Decimal(item["originalUnitPrice"]) * item["quantity"] - sum(
            (Decimal(a["amount"]) for a in item.get("discountAllocations") or []), Decimal(0)
        )
        tax = charged / 11 if included else charged / 10
        item["taxLines"] = [{"title": "GST", "rate": 0.1, "price": str(tax.quantize(Decimal("0.01")))}]
    return lines


def order(number: int, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "createdAt": "2026-11-26T09:00:00Z",
        "email": "jane.money@example.com",
        "customer": {
            "id": "gid://shopify/Customer/9001",
            "firstName": "Jane",
            "lastName": "Money",
            "email": "jane.money@example.com",
        },
        "currencyCode": "AUD",
        "taxesIncluded": True,
        "lineItems": lines,
        "fulfillmentLocationId": SYDNEY,
        **fields,
    }


MONEY_QUERY = """query Money($id: ID!) { order(id: $id) {
  totalPriceSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } } totalDiscountsSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } } totalTipReceivedSet { shopMoney { amount } }
  originalTotalDutiesSet { shopMoney { amount } } discountCodes
  lineItems(first: 5) { nodes { isGiftCard requiresShipping
    discountedUnitPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } }
      discountApplication { ... on DiscountCodeApplication { code } } } } }
  shippingLines(first: 2) { nodes { discountedPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } } } }"""


async def test_the_shopify_sandbox_serves_every_discount_and_derives_the_order_figures(demo: SandboxSession) -> None:
    lines = with_gst(
        [line(demo, 1, "TEE-BLK-M", 2, off="6.00", code="SPRING20"), line(demo, 2, "CAP-NVY", 1)],
        included=True,
    )
    lines[1]["discountedUnitPrice"] = str(Decimal(lines[1]["originalUnitPrice"]) - 5)  # a line-level $5 off
    demo.shopify.add_order(
        order(
            9101,
            lines,
            totalTipReceived="5.00",
            shippingLines=[
                {"title": "Standard", "price": "9.95", "discountAllocations": [{"amount": "9.95", "code": "FREESHIP"}]}
            ],
        )
    )
    async with demo.shopify_client() as shopify:
        data = await shopify.execute(MONEY_QUERY, {"id": "gid://shopify/Order/9101"})
    served = data["order"]
    tee, cap = served["lineItems"]["nodes"]
    assert tee["discountAllocations"][0]["allocatedAmountSet"]["shopMoney"]["amount"] == "6.00"
    assert tee["discountAllocations"][0]["discountApplication"] == {"code": "SPRING20"}
    assert tee["discountedUnitPriceSet"]["shopMoney"]["amount"] == variant(demo, "TEE-BLK-M")["price"], (
        "a code discount is not in discountedUnitPrice"
    )
    assert cap["discountAllocations"][0]["allocatedAmountSet"]["shopMoney"]["amount"] == "5.00"
    assert cap["isGiftCard"] is False and cap["requiresShipping"] is True
    shipping = served["shippingLines"]["nodes"][0]
    assert shipping["discountedPriceSet"]["shopMoney"]["amount"] == "0.00"
    subtotal = Decimal(lines[0]["originalUnitPrice"]) * 2 - 6 + Decimal(lines[1]["originalUnitPrice"]) - 5
    assert Decimal(served["subtotalPriceSet"]["shopMoney"]["amount"]) == subtotal
    assert Decimal(served["totalPriceSet"]["shopMoney"]["amount"]) == subtotal + 5, "tip added; shipping free"
    assert served["totalDiscountsSet"]["shopMoney"]["amount"] == "20.95"
    assert served["totalTipReceivedSet"]["shopMoney"]["amount"] == "5.00"
    assert served["originalTotalDutiesSet"] is None
    assert served["discountCodes"] == ["SPRING20", "FREESHIP"]
