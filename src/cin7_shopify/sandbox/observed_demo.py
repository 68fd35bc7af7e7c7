"""The observed demo store: a merchant whose orders Cin7 Core's own Shopify connector imports.

`sample_data/demo-observed/` is written by `python -m cin7_shopify.sandbox.observed_demo`. Its settings
put our sync in observe mode; the emulated connector (sandbox/builtin_connector.py) makes its four
seeded mistakes, listed in SEEDED_MISTAKES, and nothing else goes wrong: Shopify's stock is what the
connector last pushed (Cin7's Available after it allocated the orders it imported).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEEDED_MISTAKES = {
    "#2003": "order_missed",
    "#2004": "total_differs",
    "#2005": "wrong_location",
    "#2006": "duplicate_customer",
}

WAREHOUSE, SHOP = "gid://shopify/Location/81001", "gid://shopify/Location/81002"
PRODUCTS = [  # SKU, title, price, Cin7 on hand at the warehouse and at the shop
    ("CAP-NVY", "Harbour Cap", "35.00", 40, 6),
    ("SCARF-GRY", "Wool Scarf", "49.00", 25, 4),
    ("BEANIE-RED", "Beanie", "29.00", 60, 8),
    ("GLOVE-BLK", "Leather Gloves", "39.00", 30, 5),
]
CUSTOMERS = [
    ("Ava", "Nguyen", "ava.nguyen@example.com"),
    ("Ben", "Carter", "ben.carter@example.com"),
    ("Chloe", "Singh", "chloe.singh@example.com"),
    ("Dan", "Reid", "dan.reid@example.com"),
]


def _tax(amount: str) -> str:
    """GST included in a price: one eleventh, to the cent."""
    from decimal import ROUND_HALF_UP, Decimal

    return str((Decimal(amount) / 11).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _order(
    number: int,
    customer: tuple[str, str, str],
    lines: list[tuple[str, int, str | None]],
    *,
    location: str = WAREHOUSE,
    shipping: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """lines: (SKU, quantity, discount code amount over the line or None)."""
    from decimal import Decimal

    first, last, email = customer
    variants = {sku: (index, price) for index, (sku, _, price, _, _) in enumerate(PRODUCTS)}
    items = []
    for position, (sku, quantity, code_off) in enumerate(lines):
        index, price = variants[sku]
        charged = Decimal(price) * quantity - Decimal(code_off or "0")
        item: dict[str, Any] = {
            "id": f"gid://shopify/LineItem/{number}{position}",
            "sku": sku,
            "variantId": f"gid://shopify/ProductVariant/{index + 1}",
            "quantity": quantity,
            "originalUnitPrice": price,
            "taxLines": [{"title": "GST", "rate": 0.1, "price": _tax(str(charged))}],
        }
        if code_off:
            item["discountAllocations"] = [{"amount": code_off, "code": "SAVE10"}]
        items.append(item)
    hour = 8 + number % 10
    order: dict[str, Any] = {
        "id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "createdAt": f"2026-11-20T{hour:02d}:15:00Z",
        "displayFinancialStatus": "PAID",
        "email": email,
        "currencyCode": "AUD",
        "taxesIncluded": True,
        "customer": {"id": f"gid://shopify/Customer/{email}", "firstName": first, "lastName": last, "email": email},
        "lineItems": items,
        "fulfillmentLocationId": location,
        **extra,
    }
    if any(code for _, _, code in lines):
        order["discountCodes"] = ["SAVE10"]
    if shipping:
        order["shippingLines"] = [
            {
                "title": "Standard",
                "price": shipping,
                "taxLines": [{"title": "GST", "rate": 0.1, "price": _tax(shipping)}],
            }
        ]
    return order


def build() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    ava, ben, chloe, dan = CUSTOMERS
    eve = ("Eve", "Park", "eve.park@example.com")
    orders = [
        _order(2001, ava, [("CAP-NVY", 1, None)]),
        _order(2002, ben, [("SCARF-GRY", 1, None)], shipping="10.00"),
        _order(2003, chloe, [("BEANIE-RED", 2, None)]),
        _order(2004, dan, [("GLOVE-BLK", 1, "3.90"), ("CAP-NVY", 1, "3.50")]),
        _order(2005, ava, [("SCARF-GRY", 1, None)], location=SHOP),
        _order(2006, ben, [("BEANIE-RED", 1, None)]),
        _order(2007, eve, [("CAP-NVY", 2, None)], shipping="10.00"),
        _order(2008, dan, [("GLOVE-BLK", 10, None)], tags=["wholesale"]),
        _order(2009, chloe, [("CAP-NVY", 1, None)], test=True),
        _order(2010, chloe, [("GLOVE-BLK", 1, None)], location=SHOP),
    ]
    shopify = {
        "shop": {
            "name": "Harbour Outfitters",
            "myshopifyDomain": "harbour-outfitters.myshopify.com",
            "currencyCode": "AUD",
            "taxesIncluded": True,
        },
        "locations": [{"id": WAREHOUSE, "name": "Sydney Warehouse"}, {"id": SHOP, "name": "Bondi Store"}],
        "products": [
            {
                "id": f"gid://shopify/Product/{index + 1}",
                "title": title,
                "variants": [
                    {
                        "id": f"gid://shopify/ProductVariant/{index + 1}",
                        "sku": sku,
                        "price": price,
                        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{index + 1}", "tracked": True},
                        "inventoryLevels": [
                            {"locationId": WAREHOUSE, "available": warehouse},
                            {"locationId": SHOP, "available": shop},
                        ],
                    }
                ],
            }
            for index, (sku, title, price, warehouse, shop) in enumerate(PRODUCTS)
        ],
        "orders": orders,
    }
    locations = {WAREHOUSE: "Main Warehouse", SHOP: "Bondi Shop"}
    cin7 = {
        "me": {
            "Company": "Harbour Outfitters Pty Ltd",
            "BaseCurrency": "AUD",
            "DefaultSaleTaxRuleName": "GST on Income",
        },
        "Locations": [{"Name": "Main Warehouse", "IsDefault": True}, {"Name": "Bondi Shop"}],
        "TaxRules": [
            {"Name": "GST on Income", "TaxPercent": 10, "TaxInclusive": True, "IsActive": True, "IsTaxForSale": True}
        ],
        "Products": [
            {"SKU": sku, "Name": title, "Type": "Stock", "Status": "Active", "PriceTier1": float(price)}
            for sku, title, price, _, _ in PRODUCTS
        ]
        + [{"SKU": "Shipping", "Name": "Shipping", "Type": "Service", "Status": "Active", "PriceTier1": 0.0}],
        "ProductAvailability": [
            {"SKU": sku, "Location": where, "OnHand": on_hand, "Allocated": 0}
            for sku, _, _, warehouse, shop in PRODUCTS
            for where, on_hand in (("Main Warehouse", warehouse), ("Bondi Shop", shop))
        ],
        "Customers": [
            {
                "Name": f"{first} {last}",
                "Status": "Active",
                "Currency": "AUD",
                "PaymentTerm": "30 days",
                "AccountReceivable": "610",
                "RevenueAccount": "200",
                "TaxRule": "GST on Income",
                "Contacts": [{"Name": f"{first} {last}", "Email": email, "Default": True}],
            }
            for first, last, email in CUSTOMERS
        ],
        "Sales": [],
        "BuiltinConnector": {
            "LoadOrders": True,
            "CaptureOrderWhen": "Paid",
            "OrderLockDate": "2026-11-01T00:00:00Z",
            "OrderExclusionTags": ["wholesale"],
            "LocationMap": locations,
            "TaxMap": {"GST 10%": "GST on Income"},
            "ShippingProduct": "Shipping",
            "Mistakes": [
                {"Kind": "order_missed", "Order": "#2003"},
                {"Kind": "total_differs", "Order": "#2004"},
                {"Kind": "wrong_location", "Order": "#2005", "Location": "Main Warehouse"},
                {"Kind": "duplicate_customer", "Order": "#2006"},
            ],
        },
    }
    settings = {
        "mode": "observe",
        "order_trigger": "paid",
        "location_map": locations,
        "tax_map": {"GST 10%": "GST on Income"},
        "go_live": "2026-11-01T00:00:00Z",
        "exclude_tags": ["wholesale"],
    }
    return shopify, cin7, settings


def _pushed_stock(shopify: dict[str, Any], cin7: dict[str, Any]) -> None:
    """Shopify's levels as the connector's stock sync leaves them: Cin7's Available after its imports."""
    from cin7_shopify.sandbox.scenario import Scenario
    from cin7_shopify.sandbox.session import open_sandbox

    session = open_sandbox(Scenario("demo-observed", shopify, cin7))
    assert session.connector is not None
    session.connector.catch_up()
    available: dict[tuple[str, str], float] = {}
    for row in session.cin7.availability:
        key = (row["SKU"], row["Location"])
        available[key] = available.get(key, 0.0) + float(row["OnHand"]) - float(row["Allocated"])
    names = cin7["BuiltinConnector"]["LocationMap"]
    for product in shopify["products"]:
        variant = product["variants"][0]
        for level in variant["inventoryLevels"]:
            level["available"] = int(available[(variant["sku"], names[level["locationId"]])])


def write(folder: Path) -> None:
    shopify, cin7, settings = build()
    _pushed_stock(shopify, cin7)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("shopify.json", shopify), ("cin7.json", cin7), ("settings.json", settings)):
        (folder / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).resolve().parents[3] / "sample_data" / "demo-observed")
