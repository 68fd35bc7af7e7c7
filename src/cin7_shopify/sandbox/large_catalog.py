"""`sandbox generate`: a deterministic merchant of any size, for benchmarks and load tests.

Five size variants per product on both sides, stock at three locations, and about 2 % of SKUs
carrying a problem so the audit has real work to do at scale. The last three orders carry the money
a sync most often gets wrong: an order-level code discount with free shipping, a tip and a gift
card, and a 64-line wholesale order.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from cin7_shopify.sandbox.demo_data import (
    CIN7_LOCATIONS,
    CURRENCY,
    GO_LIVE,
    LOC_MELBOURNE,
    LOC_SHIPBOB,
    LOC_SYDNEY,
    SHOPIFY_LOCATIONS,
    TAX_RULES,
)

SIZES = ["XS", "S", "M", "L", "XL"]
# Share of SKUs given each problem (cumulative thresholds on one random draw per SKU).
PROBLEMS = [
    (0.004, "missing_sku"),  # Shopify variant has no SKU
    (0.008, "case"),  # Shopify SKU in lower case
    (0.012, "whitespace"),  # Shopify SKU with a trailing space
    (0.016, "renamed"),  # Shopify uses a SKU Cin7 does not know; Cin7 keeps the real one
    (0.020, "not_in_cin7"),  # never created in Cin7
]


def _problem(draw: float) -> str | None:
    return next((name for limit, name in PROBLEMS if draw < limit), None)


def generate_large(variants: int, *, seed: int = 7, orders: int = 100, customers: int | None = None) -> dict[str, Any]:
    """`customers`: how many distinct buyers place the orders (default: a new buyer per order)."""
    rng = random.Random(seed)
    shop_locations = SHOPIFY_LOCATIONS[:3]
    cin7_locations = CIN7_LOCATIONS[:3]
    products: list[dict[str, Any]] = []
    cin7_products: list[dict[str, Any]] = []
    availability: list[dict[str, Any]] = []
    families: list[dict[str, Any]] = []
    made = 0
    product_number = 0
    while made < variants:
        product_number += 1
        code = f"P{product_number:06d}"
        shop_variants: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for size in SIZES[: min(len(SIZES), variants - made)]:
            made += 1
            sku = f"{code}-{size}"
            problem = _problem(rng.random())
            shop_sku = {"missing_sku": "", "case": sku.lower(), "whitespace": sku + " ", "renamed": f"{sku}-OLD"}.get(
                problem or "", sku
            )
            number = 10_000_000 + made
            shop_variants.append(
                {
                    "id": f"gid://shopify/ProductVariant/{number}",
                    "sku": shop_sku,
                    "price": "19.95",
                    "selectedOptions": [{"name": "Size", "value": size}],
                    "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}", "tracked": True},
                    "inventoryLevels": [
                        {"locationId": loc["id"], "available": rng.randint(0, 50)} for loc in shop_locations
                    ],
                }
            )
            if problem == "not_in_cin7":
                continue
            cin7_products.append(
                {
                    "SKU": sku,
                    "Name": f"Product {code} - {size}",
                    "Category": "General",
                    "Type": "Stock",
                    "CostingMethod": "FIFO",
                    "UOM": "Item",
                    "Status": "Active",
                    "SaleTaxRule": "GST on Income",
                    "PriceTier1": 19.95,
                }
            )
            members.append({"SKU": sku, "Option1": size})
            availability.extend(
                {"SKU": sku, "Location": loc["Name"], "OnHand": rng.randint(0, 50), "Allocated": 0}
                for loc in cin7_locations
            )
        products.append(
            {
                "id": f"gid://shopify/Product/{product_number}",
                "title": f"Product {code}",
                "status": "ACTIVE",
                "options": [{"name": "Size", "values": [v["selectedOptions"][0]["value"] for v in shop_variants]}],
                "variants": shop_variants,
            }
        )
        if members:
            families.append({"SKU": code, "Name": f"Product {code}", "Option1Name": "Size", "Products": members})
    sellable = [v["sku"] for p in products for v in p["variants"] if v["sku"]]
    # Exact on both sides and well stocked at the main warehouse, so the money orders can ship.
    stocked = {row["SKU"] for row in availability if row["Location"] == "Main Warehouse" and row["OnHand"] >= 6}
    clean = sorted({p["SKU"] for p in cin7_products} & set(sellable) & stocked)
    money = _money_orders(clean, first_index=max(0, orders - 3)) if orders >= 3 and len(clean) >= B2B_LINES else []
    order_list = []
    for index in range(orders - len(money)):
        email = f"buyer{index % customers if customers else index}@example.com"
        order_list.append(
            {
                "id": f"gid://shopify/Order/{9_000_000 + index}",
                "name": f"#{5000 + index}",
                "createdAt": f"2026-11-{1 + index % 27:02d}T10:00:00Z",
                "email": email,
                "currencyCode": CURRENCY,
                "taxesIncluded": True,
                "customer": {"id": f"gid://shopify/Customer/{index + 1}", "email": email},
                "lineItems": [
                    {
                        "id": f"gid://shopify/LineItem/{9_000_000 + index}",
                        "sku": rng.choice(sellable),
                        "quantity": 1,
                        "originalUnitPrice": "19.95",
                        "taxLines": [{"title": "GST", "rate": 0.1, "price": "1.81"}],
                    }
                ],
                "fulfillmentLocationId": LOC_SYDNEY,
            }
        )
    order_list += money
    return {
        "shopify": {
            "shop": {
                "name": f"Large Store ({variants} variants)",
                "myshopifyDomain": "large-store.myshopify.com",
                "currencyCode": CURRENCY,
                "taxesIncluded": True,
            },
            "locations": shop_locations,
            "products": products,
            "orders": order_list,
        },
        "cin7": {
            "me": {"Company": "Large Store Pty Ltd", "BaseCurrency": CURRENCY},
            "Locations": cin7_locations,
            "TaxRules": TAX_RULES,
            "Products": cin7_products + SERVICE_PRODUCTS,
            "ProductFamilies": families,
            "ProductAvailability": availability,
            # A real account has customers; new ones copy the terms and accounts Cin7 requires from one.
            "Customers": [
                {
                    "Name": "Counter Sales",
                    "Status": "Active",
                    "Currency": CURRENCY,
                    "PaymentTerm": "30 days",
                    "AccountReceivable": "610",
                    "RevenueAccount": "200",
                    "TaxRule": "GST on Income",
                    "Contacts": [{"Name": "Counter Sales", "Email": "counter@large-store.example", "Default": True}],
                }
            ],
            "Sales": [],
        },
        "settings": {
            "location_map": {
                LOC_SYDNEY: "Main Warehouse",
                LOC_SHIPBOB: "3PL - ShipBob",
                LOC_MELBOURNE: "Melbourne Store",
            },
            "tax_map": {"GST 10%": "GST on Income"},
            "go_live": GO_LIVE,
            "tip_product": "Tip",
            "duty_product": "Duties",
            "gift_card_product": "Gift Card",
        },
    }


PRICE = Decimal("19.95")
B2B_LINES = 64
# The Cin7 Core service products additional charges go on (APIB:L29892: by Name); untaxed but shipping.
SERVICE_PRODUCTS: list[dict[str, Any]] = [
    {"SKU": sku, "Name": name, "Category": "Services", "Type": "Service", "Status": "Active", "SaleTaxRule": rule}
    for sku, name, rule in [
        ("Shipping", "Shipping", "GST on Income"),
        ("TIP", "Tip", "GST Free Income"),
        ("DUTIES", "Duties", "GST Free Income"),
        ("GIFT-CARD", "Gift Card", "GST Free Income"),
    ]
]


def _gst(amount: Decimal) -> str:
    return str((amount / 11).quantize(Decimal("0.01")))


def _money_orders(skus: list[str], *, first_index: int) -> list[dict[str, Any]]:
    """A code discount with free shipping; a tip and a gift card; a 64-line order with a code discount."""

    def order(offset: int, lines: list[tuple[str, int]], code: str | None, share: str, **extra: Any) -> dict[str, Any]:
        index = first_index + offset
        subtotal = sum((PRICE * qty for _, qty in lines), Decimal(0))
        discount = (subtotal * Decimal(share)).quantize(Decimal("0.01"))
        items, allocated = [], Decimal(0)
        for number, (sku, qty) in enumerate(lines):
            # Shopify allocates an order-level discount in proportion; the last line takes the rest.
            amount = (
                discount - allocated
                if number == len(lines) - 1
                else (PRICE * qty * Decimal(share)).quantize(Decimal("0.01"))
            )
            allocated += amount
            items.append(
                {
                    "id": f"gid://shopify/LineItem/{9_500_000 + index * 100 + number}",
                    "sku": sku,
                    "quantity": qty,
                    "originalUnitPrice": str(PRICE),
                    **({"discountAllocations": [{"amount": str(amount), "code": code}]} if code else {}),
                    "taxLines": [{"title": "GST", "rate": 0.1, "price": _gst(PRICE * qty - amount)}],
                }
            )
        email = f"money{offset}@example.com"
        return {
            "id": f"gid://shopify/Order/{9_000_000 + index}",
            "name": f"#{5000 + index}",
            "createdAt": f"2026-11-{27 + offset:02d}T12:00:00Z",
            "email": email,
            "currencyCode": CURRENCY,
            "taxesIncluded": True,
            "customer": {"id": f"gid://shopify/Customer/{800_000 + offset}", "email": email},
            "lineItems": items + extra.pop("gift_cards", []),
            "fulfillmentLocationId": LOC_SYDNEY,
            **extra,
        }

    free_shipping = [
        {
            "title": "Standard Shipping",
            "price": "9.95",
            "discountAllocations": [{"amount": "9.95", "code": "FREESHIP"}],
            "taxLines": [{"title": "GST", "rate": 0.1, "price": "0.00"}],
        }
    ]
    shipping = [
        {"title": "Standard Shipping", "price": "9.95", "taxLines": [{"title": "GST", "rate": 0.1, "price": "0.90"}]}
    ]
    gift_card: dict[str, Any] = {
        "id": f"gid://shopify/LineItem/{9_400_000 + first_index}",
        "sku": None,
        "name": "Gift Card",
        "quantity": 1,
        "originalUnitPrice": "25.00",
        "isGiftCard": True,
        "requiresShipping": False,
        "taxLines": [],
    }
    return [
        order(0, [(skus[0], 2), (skus[1], 1), (skus[2], 3)], "SAVE10", "0.10", shippingLines=free_shipping),
        order(1, [(skus[3], 1)], None, "0", shippingLines=shipping, totalTipReceived="3.00", gift_cards=[gift_card]),
        order(2, [(sku, 2) for sku in skus[-B2B_LINES:]], "B2B15", "0.15", shippingLines=free_shipping),
    ]
