"""A merchant whose data is hostile: markup, links, terminal escapes and bidi controls in every name.

`hostile_scenario(text)` puts one string into every name the console and the reports show (shop,
company, product, SKU on both sides, location, tax line, customer, order); the folder
tests/scenarios/hostile/ is `hostile_scenario()` with the strings of issue 10, written to disk for
`cin7-shopify demo --scenario tests/scenarios/hostile`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SHOP_NAME = '[link="https://example.com"]x[/link]'
OSC_TITLE = "\x1b]2;T\x07"  # sets the terminal's title, if it reaches the terminal
SKU_CLOSE = "CAP[/]" + OSC_TITLE
SKU_RED = "TEE[RED]"
CUSTOMER = "Jane[/] " + OSC_TITLE + "Citizen"
TAX_TITLE = "GST[/b]\u202e01"
LOCATION = "Main [@click=app.quit]Warehouse[/]"
COMPANY = "[link=https://evil.example]Co[/link]\x07 \x9b31m"
FOLDER = Path(__file__).with_name("scenarios") / "hostile"


def hostile_scenario(text: str | None = None) -> dict[str, Any]:
    """shopify.json, cin7.json and settings.json of the hostile merchant, with `text` in every name."""
    shop_name = SHOP_NAME if text is None else text
    sku_red = SKU_RED if text is None else f"R-{text}"
    sku_close = SKU_CLOSE if text is None else f"C-{text}"
    only_in_shopify = "ORPHAN[/]" + OSC_TITLE if text is None else f"O-{text}"
    customer = CUSTOMER if text is None else text
    tax = TAX_TITLE if text is None else text
    location = LOCATION if text is None else text
    company = COMPANY if text is None else text
    title = "[b]Classic[/b] Tee \x1b[31mred" if text is None else text
    loc_id = "gid://shopify/Location/1"

    def variant(n: int, sku: str) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ProductVariant/{n}",
            "sku": sku,
            "price": "29.95",
            "selectedOptions": [{"name": "Size", "value": f"S{n}"}],
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{n}", "tracked": True},
            "inventoryLevels": [{"locationId": loc_id, "available": 5, "onHand": 5}],
        }

    def order(n: int, sku: str, variant_id: int, tax_title: str) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/Order/{n}",
            "name": f"#{n}" if text is None else f"#{n} {text}",
            "createdAt": "2026-11-20T10:00:00Z",
            "processedAt": "2026-11-20T10:00:00Z",
            "displayFinancialStatus": "PAID",
            "email": "jane@example.com",
            "currencyCode": "AUD",
            "taxesIncluded": True,
            "customer": {
                "id": "gid://shopify/Customer/7",
                "firstName": customer,
                "lastName": customer,
                "email": "jane@example.com",
            },
            "shippingAddress": {"address1": customer, "city": "Sydney", "countryCode": "AU", "name": customer},
            "lineItems": [
                {
                    "id": f"gid://shopify/LineItem/{n}",
                    "sku": sku,
                    "name": title,
                    "variantId": f"gid://shopify/ProductVariant/{variant_id}",
                    "quantity": 1,
                    "originalUnitPrice": "29.95",
                    "discountedUnitPrice": "29.95",
                    "taxLines": [{"title": tax_title, "rate": 0.1, "price": "2.72"}],
                }
            ],
            "shippingLines": [],
            "fulfillmentLocationId": loc_id,
        }

    shopify = {
        "shop": {
            "name": shop_name,
            "myshopifyDomain": "hostile.myshopify.com",
            "currencyCode": "AUD",
            "taxesIncluded": True,
        },
        "locations": [{"id": loc_id, "name": location, "isActive": True, "fulfillsOnlineOrders": True}],
        "products": [
            {
                "id": "gid://shopify/Product/1",
                "title": title,
                "status": "ACTIVE",
                "options": [{"name": "Size", "values": ["S1", "S2", "S3"]}],
                "variants": [variant(1, sku_red), variant(2, sku_close), variant(3, only_in_shopify)],
            }
        ],
        "orders": [
            order(1001, sku_red, 1, "GST"),  # mapped tax: imported, traced to the end
            order(1002, sku_close, 2, tax),  # a tax line with no rule: held, its message names the line
            order(1003, only_in_shopify, 3, "GST"),  # a SKU Cin7 does not know: held
        ],
    }
    guid = "00000000-0000-0000-0000-0000000000{:02d}".format
    cin7 = {
        "me": {"Company": company, "BaseCurrency": "AUD", "DefaultSaleTaxRuleName": "GST on Income"},
        "Locations": [
            {"ID": guid(1), "Name": location, "IsDefault": True, "IsDeprecated": False, "ParentID": None, "Bins": None}
        ],
        "TaxRules": [
            {
                "ID": guid(2),
                "Name": "GST on Income",
                "TaxPercent": 10,
                "TaxInclusive": True,
                "IsActive": True,
                "IsTaxForSale": True,
                "IsTaxForPurchase": False,
            }
        ],
        "Products": [
            {
                "ID": guid(10 + n),
                "SKU": sku,
                "Name": title,
                "Status": "Active",
                "Type": "Stock",
                "Category": "Tees",
                "UOM": "Item",
                "CostingMethod": "FIFO",
                "SaleTaxRule": "GST on Income",
                "PriceTier1": 29.95,
            }
            for n, sku in enumerate([sku_red, sku_close])
        ],
        "ProductAvailability": [
            {
                "ID": guid(10 + n),
                "SKU": sku,
                "Location": location,
                "Bin": None,
                "OnHand": 10,
                "Allocated": 0,
                "Available": 10,
                "OnOrder": 0,
            }
            for n, sku in enumerate([sku_red, sku_close])
        ],
        "Customers": [
            {
                "ID": guid(30),
                "Name": customer,
                "Status": "Active",
                "Currency": "AUD",
                "TaxRule": "GST on Income",
                "Contacts": [{"Name": customer, "Email": "jane@example.com", "Default": True}],
            }
        ],
        "Sales": [],
    }
    settings = {
        "location_map": {loc_id: location},
        "tax_map": {"GST 10%": "GST on Income"},
        "go_live": "2026-11-01T00:00:00Z",
        "default_customer": customer,
    }
    return {"shopify": shopify, "cin7": cin7, "settings": settings}


def write_hostile(folder: Path, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_scenario(text).items():
        document = json.dumps(data, indent=1, ensure_ascii=False)
        if not document.isascii() and any("\ud800" <= ch <= "\udfff" for ch in document):
            document = json.dumps(data, indent=1)  # a lone surrogate has no UTF-8: JSON writes it as \ud800
        (folder / f"{name}.json").write_text(document + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    write_hostile(FOLDER)
