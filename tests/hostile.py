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
    return hostile_merchant([text])


def hostile_merchant(texts: list[str | None]) -> dict[str, Any]:
    """One merchant carrying several strings at once: each its own location, product, SKUs, orders, tax
    line and customer, as `hostile_scenario` has for one; the shop and the Cin7 company,
    which a merchant has one of, carry them all, one after another (the last one ends those names)."""
    parts = [_part(text, k) for k, text in enumerate(texts)]
    joined = "".join(SHOP_NAME if text is None else text for text in texts)
    company = "".join(COMPANY if text is None else text for text in texts)
    shopify = {
        "shop": {
            "name": joined,
            "myshopifyDomain": "hostile.myshopify.com",
            "currencyCode": "AUD",
            "taxesIncluded": True,
        },
        "locations": [part["location"] for part in parts],
        "products": [part["product"] for part in parts],
        "orders": [order for part in parts for order in part["orders"]],
    }
    cin7 = {
        "me": {"Company": company, "BaseCurrency": "AUD", "DefaultSaleTaxRuleName": "GST on Income"},
        "Locations": [part["cin7_location"] for part in parts],
        "TaxRules": [
            {
                "ID": _guid(0, 2),
                "Name": "GST on Income",
                "TaxPercent": 10,
                "TaxInclusive": True,
                "IsActive": True,
                "IsTaxForSale": True,
                "IsTaxForPurchase": False,
            }
        ],
        "Products": [product for part in parts for product in part["cin7_products"]],
        "ProductAvailability": [row for part in parts for row in part["availability"]],
        "Customers": [part["customer"] for part in parts],
        "Sales": [],
    }
    settings = {
        "location_map": {part["location"]["id"]: part["location"]["name"] for part in parts},
        "tax_map": {"GST 10%": "GST on Income"},
        "go_live": "2026-11-01T00:00:00Z",
        "default_customer": parts[0]["customer"]["Name"],  # a Cin7 customer's name
    }
    return {"shopify": shopify, "cin7": cin7, "settings": settings}


def _guid(k: int, n: int) -> str:
    # The first string keeps the ids the scenario folder has; the others their own block.
    return f"00000000-0000-0000-0000-0000000000{n:02d}" if k == 0 else f"00000000-0000-0000-0000-{k:06d}0000{n:02d}"


def _part(text: str | None, k: int) -> dict[str, Any]:
    """The k-th string's own names: a location, a product with three variants, three orders, a customer."""
    sku_red = SKU_RED if text is None else f"R-{text}"
    sku_close = SKU_CLOSE if text is None else f"C-{text}"
    only_in_shopify = "ORPHAN[/]" + OSC_TITLE if text is None else f"O-{text}"
    customer = CUSTOMER if text is None else text
    tax = TAX_TITLE if text is None else text
    location = LOCATION if text is None else text
    title = "[b]Classic[/b] Tee \x1b[31mred" if text is None else text
    loc_id = f"gid://shopify/Location/{k + 1}"
    email = "jane@example.com" if k == 0 else f"jane{k}@example.com"

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
            "email": email,
            "currencyCode": "AUD",
            "taxesIncluded": True,
            "customer": {
                "id": f"gid://shopify/Customer/{7 + 100 * k}",
                "firstName": customer,
                "lastName": customer,
                "email": email,
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

    v = 3 * k  # variants 1-3 for the first string, 4-6 for the second, ...
    o = 1000 + 10 * k  # orders #1001-#1003, #1011-#1013, ...
    return {
        "location": {"id": loc_id, "name": location, "isActive": True, "fulfillsOnlineOrders": True},
        "product": {
            "id": f"gid://shopify/Product/{k + 1}",
            "title": title,
            "status": "ACTIVE",
            "options": [{"name": "Size", "values": [f"S{v + 1}", f"S{v + 2}", f"S{v + 3}"]}],
            "variants": [variant(v + 1, sku_red), variant(v + 2, sku_close), variant(v + 3, only_in_shopify)],
        },
        "orders": [
            order(o + 1, sku_red, v + 1, "GST"),  # mapped tax: imported, traced to the end
            order(o + 2, sku_close, v + 2, tax),  # a tax line with no rule: held, its message names the line
            order(o + 3, only_in_shopify, v + 3, "GST"),  # a SKU Cin7 does not know: held
        ],
        "cin7_location": {
            "ID": _guid(k, 1),
            "Name": location,
            "IsDefault": k == 0,
            "IsDeprecated": False,
            "ParentID": None,
            "Bins": None,
        },
        "cin7_products": [
            {
                "ID": _guid(k, 10 + n),
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
        "availability": [
            {
                "ID": _guid(k, 10 + n),
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
        "customer": {
            "ID": _guid(k, 30),
            "Name": customer,
            "Status": "Active",
            "Currency": "AUD",
            "TaxRule": "GST on Income",
            "Contacts": [{"Name": customer, "Email": email, "Default": True}],
        },
    }


def write_hostile(folder: Path, text: str | None = None, *, more: tuple[str, ...] = ()) -> Path:
    """The scenario folder of `hostile_scenario(text)`, or with `more`, of `hostile_merchant([text, *more])`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_merchant([text, *more]).items():
        document = json.dumps(data, indent=1, ensure_ascii=False)
        if not document.isascii() and any("\ud800" <= ch <= "\udfff" for ch in document):
            document = json.dumps(data, indent=1)  # a lone surrogate has no UTF-8: JSON writes it as \ud800
        (folder / f"{name}.json").write_text(document + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    write_hostile(FOLDER)
