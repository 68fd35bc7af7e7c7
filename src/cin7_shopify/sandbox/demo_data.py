"""The bundled demo merchant, "Demo Apparel".

Demo Apparel is an Australian clothing brand with a Sydney warehouse, a ShipBob 3PL and shops.
Its data is believable and deliberately imperfect: every audit finding kind and every pilot error
kind in SCENARIO.md occurs at least twice, each seeded on purpose and listed in SEEDED_PROBLEMS and
SEEDED_ORDER_ERRORS so tests can check the audit and the pilot find exactly these.

`python -m cin7_shopify.sandbox.demo_data` rewrites sample_data/demo-apparel from this module.
"""

from __future__ import annotations

import json
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

GO_LIVE = "2026-11-01T00:00:00Z"
CURRENCY = "AUD"

LOC_SYDNEY = "gid://shopify/Location/71001"
LOC_SHIPBOB = "gid://shopify/Location/71002"
LOC_MELBOURNE = "gid://shopify/Location/71003"
LOC_BONDI = "gid://shopify/Location/71004"
LOC_BRISBANE = "gid://shopify/Location/71005"
LOC_PARRAMATTA = "gid://shopify/Location/71006"

SHOPIFY_LOCATIONS = [
    {"id": LOC_SYDNEY, "name": "Sydney Warehouse", "isActive": True, "fulfillsOnlineOrders": True},
    {
        "id": LOC_SHIPBOB,
        "name": "ShipBob 3PL",
        "isActive": True,
        "fulfillsOnlineOrders": True,
        # ShipBob's app registered this location: it ships these orders and keeps their stock in Shopify.
        "isFulfillmentService": True,
        "fulfillmentService": {"serviceName": "ShipBob", "inventoryManagement": True},
    },
    {
        "id": LOC_MELBOURNE,
        "name": "Melbourne Store",
        "isActive": True,
        "fulfillsOnlineOrders": True,
    },
    {"id": LOC_BONDI, "name": "Bondi Pop-up", "isActive": True, "fulfillsOnlineOrders": False},
    {
        "id": LOC_BRISBANE,
        "name": "Brisbane Market Stall",
        "isActive": True,
        "fulfillsOnlineOrders": False,
    },
    {
        "id": LOC_PARRAMATTA,
        "name": "Old Parramatta Store",
        "isActive": False,
        "fulfillsOnlineOrders": False,
    },
]
CIN7_LOCATIONS = [
    {
        "Name": "Main Warehouse",
        "IsDefault": True,
        "IsDeprecated": False,
        "Bins": [{"Name": "A1"}, {"Name": "A2"}],
    },
    {"Name": "3PL - ShipBob", "IsDefault": False, "IsDeprecated": False},
    {"Name": "Melbourne Store", "IsDefault": False, "IsDeprecated": False},
    {"Name": "Parramatta Store", "IsDefault": False, "IsDeprecated": True},
]
# Saved mapping: two good rows, two naming Cin7 locations that do not exist or are deprecated;
# Melbourne Store and Brisbane Market Stall are left unmapped.
LOCATION_MAP = {
    LOC_SYDNEY: "Main Warehouse",
    LOC_SHIPBOB: "3PL - ShipBob",
    LOC_BONDI: "Bondi Pop-up",
    LOC_PARRAMATTA: "Parramatta Store",
}
TAX_RULES = [
    # Exclusive in Cin7 while the shop's prices include tax: the classic misconfiguration.
    {
        "Name": "GST on Income",
        "TaxPercent": 10,
        "TaxInclusive": False,
        "IsActive": True,
        "IsTaxForSale": True,
        "IsTaxForPurchase": False,
        "Account": "820",
    },
    {
        "Name": "GST Free Income",
        "TaxPercent": 0,
        "TaxInclusive": False,
        "IsActive": True,
        "IsTaxForSale": True,
        "IsTaxForPurchase": False,
        "Account": "820",
    },
]
TAX_MAP = {"GST 10%": "GST on Income", "GST Free 0%": "GST Free Income"}

# (code, title, category, price, option names, option value lists)
FAMILIES: list[tuple[str, str, str, str, list[str], list[list[str]]]] = [
    (
        "TEE",
        "Classic Tee",
        "Tees",
        "29.95",
        ["Colour", "Size"],
        [["Black", "White", "Navy"], ["S", "M", "L", "XL"]],
    ),
    (
        "VNK",
        "V-Neck Tee",
        "Tees",
        "32.95",
        ["Colour", "Size"],
        [["Black", "Grey"], ["S", "M", "L"]],
    ),
    (
        "HOOD",
        "Pullover Hoodie",
        "Hoodies",
        "79.95",
        ["Colour", "Size"],
        [["Black", "Charcoal"], ["S", "M", "L", "XL"]],
    ),
    (
        "SOCK",
        "Crew Socks",
        "Accessories",
        "12.95",
        ["Colour", "Size"],
        [["Black", "White"], ["M", "L"]],
    ),
    ("CAP", "Baseball Cap", "Headwear", "34.95", ["Colour"], [["Navy", "Black", "Khaki"]]),
    (
        "LSH",
        "Linen Shirt",
        "Shirts",
        "89.95",
        ["Colour", "Size"],
        [["White", "Sand"], ["S", "M", "L"]],
    ),
    (
        "CHS",
        "Chino Shorts",
        "Shorts",
        "59.95",
        ["Colour", "Waist"],
        [["Khaki", "Navy"], ["30", "32", "34"]],
    ),
    (
        "PUF",
        "Puffer Jacket",
        "Outerwear",
        "189.95",
        ["Colour", "Size"],
        [["Black", "Olive"], ["S", "M", "L", "XL"]],
    ),
    (
        "RJK",
        "Rain Jacket",
        "Outerwear",
        "149.95",
        ["Colour", "Size"],
        [["Yellow", "Navy"], ["S", "M", "L"]],
    ),
    (
        "MER",
        "Merino Sweater",
        "Knitwear",
        "129.95",
        ["Colour", "Size"],
        [["Charcoal", "Oat"], ["S", "M", "L", "XL"]],
    ),
    (
        "TRK",
        "Track Pants",
        "Pants",
        "69.95",
        ["Colour", "Size"],
        [["Black"], ["S", "M", "L", "XL"]],
    ),
    (
        "POLO",
        "Polo Shirt",
        "Shirts",
        "54.95",
        ["Colour", "Size"],
        [["White", "Navy", "Green"], ["S", "M", "L"]],
    ),
    (
        "JEAN",
        "Slim Jeans",
        "Denim",
        "119.95",
        ["Colour", "Waist"],
        [["Indigo"], ["28", "30", "32", "34", "36"]],
    ),
    (
        "FLN",
        "Flannel Shirt",
        "Shirts",
        "74.95",
        ["Colour", "Size"],
        [["Red", "Blue"], ["S", "M", "L", "XL"]],
    ),
    (
        "CRG",
        "Cargo Pants",
        "Pants",
        "94.95",
        ["Colour", "Waist"],
        [["Olive", "Black"], ["30", "32", "34", "36"]],
    ),
    ("BNI", "Knit Beanie", "Headwear", "29.95", ["Colour"], [["Black", "Grey", "Navy", "Rust"]]),
    (
        "TNK",
        "Tank Top",
        "Tees",
        "24.95",
        ["Colour", "Size"],
        [["Black", "White", "Grey"], ["S", "M", "L"]],
    ),
    (
        "DNM",
        "Denim Jacket",
        "Denim",
        "159.95",
        ["Colour", "Size"],
        [["Blue"], ["S", "M", "L", "XL"]],
    ),
    (
        "LEG",
        "Leggings",
        "Pants",
        "64.95",
        ["Colour", "Size"],
        [["Black", "Navy"], ["XS", "S", "M", "L"]],
    ),
    ("TRC", "Trench Coat", "Outerwear", "249.95", ["Colour", "Size"], [["Camel"], ["S", "M", "L"]]),
    (
        "BRD",
        "Board Shorts",
        "Shorts",
        "49.95",
        ["Colour", "Waist"],
        [["Blue", "Red"], ["30", "32", "34"]],
    ),
]
SIMPLE_PRODUCTS = [
    ("BELT-BRN", "Leather Belt", "Accessories", "59.95"),
    ("SUN-AVI", "Aviator Sunglasses", "Accessories", "89.95"),
    ("BTL-750", "Steel Water Bottle 750ml", "Accessories", "34.95"),
    ("LAN-01", "Woven Lanyard", "Accessories", "9.95"),
    ("KEY-01", "Brass Keyring", "Accessories", "14.95"),
    ("LBAG", "Laundry Bag", "Accessories", "19.95"),
    ("TIE-NVY", "Knit Tie Navy", "Accessories", "39.95"),
    ("WAL-BLK", "Leather Wallet", "Accessories", "69.95"),
    ("UMB-BLK", "Compact Umbrella", "Accessories", "44.95"),
    ("BKT-KHA", "Bucket Hat Khaki", "Headwear", "39.95"),
    ("HB-BLK", "Headband Black", "Accessories", "12.95"),
    ("PATCH-5", "Patch Pack (5)", "Accessories", "19.95"),
    ("PIN-3", "Enamel Pin Set", "Accessories", "24.95"),
    ("BAN-RED", "Bandana Red", "Accessories", "14.95"),
    ("LACE-BLK", "Shoe Laces Black", "Accessories", "6.95"),
]
B2B_LINES = 64  # more than Shopify's first page of lines: the order must be read and imported in full
KIT_SKU = "TEE-3PK"
KIT_COMPONENTS = ["TEE-BLK-M", "TEE-WHT-M", "TEE-NVY-M"]
MULTI_KIT_SKU, MULTI_KIT_COMPONENT = "KEY-3PK", "KEY-01"  # a kit of three of one product

# What the scenario deliberately gets wrong, by finding kind (SKU or location as found).
SEEDED_PROBLEMS: dict[str, list[str]] = {
    "missing_sku": ["Sample Tote", "Mystery Box"],
    "duplicate_sku": ["TEE-BLK-M", "POLO-WHT-M"],
    "sku_whitespace": ["SOCK-BLK-M ", " CAP-KHA"],
    "sku_case_mismatch": ["lsh-wht-s", "Lsh-Snd-M"],
    "only_in_shopify": ["TOTE-CANVAS", "BEANIE-RED", "HOOD-FOR-M", "HOOD-FOR-L"],
    "only_in_cin7": ["SCARF-WOOL-GRY", "GLOVES-LTH-M", "JEAN-IND-36"],
    "variant_set_mismatch": ["Pullover Hoodie", "Slim Jeans"],
    "untracked_inventory": ["PUF-OLV-S", "PUF-OLV-M"],
    "deprecated_in_cin7": ["RJK-YEL-S", "RJK-YEL-M"],
    "unmapped_location": ["Melbourne Store", "Brisbane Market Stall"],
    "unknown_cin7_location": ["Bondi Pop-up", "Parramatta Store"],
    "missing_tax_rule": ["MER-OAT-S", "MER-OAT-M"],
    "unmapped_tax": ["VAT 20%", "NZ GST 15%"],
    "tax_inclusive_mismatch": ["GST 10%", "GST Free 0%"],
}
# Orders since go-live the sync considers (#1026–#1028 it skips: a test order, a tag, a cancellation).
ORDERS_SINCE_GO_LIVE = [*(f"#{n}" for n in range(1001, 1026)), "#1029", "#1030", "#1031"]
# Orders that ship from ShipBob's location (a fulfillment service): ShipBob's app fulfils them in
# Shopify, so the pilot shows them waiting on it once Cin7 Core has shipped them.
ORDERS_AT_3PL = ["#1004", "#1005", "#1009", "#1012", "#1016", "#1020", "#1025"]
# Pilot: order name → error kinds it must be held with (orders not listed, nor at the 3PL, pass).
SEEDED_ORDER_ERRORS: dict[str, list[str]] = {
    "#1006": ["unknown_sku"],
    "#1013": ["unknown_sku"],
    "#1008": ["missing_sku"],
    "#1017": ["missing_sku"],
    "#1010": ["unmapped_tax"],
    "#1019": ["unmapped_tax"],
    "#1011": ["unmapped_location"],
    "#1021": ["unmapped_location"],
    "#1014": ["missing_customer"],
    "#1023": ["missing_customer"],
    "#1015": ["cin7_rejected"],
    "#1024": ["cin7_rejected"],
}

FIRST_NAMES = [
    "Olivia",
    "Jack",
    "Charlotte",
    "William",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Mia",
    "Leo",
    "Ava",
    "Henry",
    "Grace",
    "Lucas",
    "Chloe",
    "Thomas",
    "Zoe",
    "James",
    "Ruby",
    "Ethan",
    "Sophie",
    "Harrison",
    "Matilda",
    "Archie",
    "Evie",
    "Lachlan",
    "Harper",
    "Cooper",
    "Willow",
    "Hamish",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
    "King",
    "Davis",
    "Wright",
    "Evans",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Campbell",
]
CITIES = [
    ("Sydney", "NSW", "2000"),
    ("Melbourne", "VIC", "3000"),
    ("Brisbane", "QLD", "4000"),
    ("Perth", "WA", "6000"),
    ("Adelaide", "SA", "5000"),
    ("Hobart", "TAS", "7000"),
    ("Canberra", "ACT", "2600"),
]


COLOUR_CODES = {
    "Black": "BLK",
    "White": "WHT",
    "Navy": "NVY",
    "Grey": "GRY",
    "Charcoal": "CHR",
    "Forest": "FOR",
    "Khaki": "KHA",
    "Sand": "SND",
    "Olive": "OLV",
    "Yellow": "YEL",
    "Oat": "OAT",
    "Green": "GRN",
    "Indigo": "IND",
    "Red": "RED",
    "Blue": "BLU",
    "Rust": "RST",
    "Camel": "CML",
}


def _short(value: str) -> str:
    return COLOUR_CODES.get(value, value)


def _sku(code: str, values: list[str]) -> str:
    return "-".join([code, *(_short(v) for v in values)])


def _combinations(values: list[list[str]]) -> list[list[str]]:
    combos: list[list[str]] = [[]]
    for options in values:
        combos = [[*c, v] for c in combos for v in options]
    return combos


def _gst_included(amount: Decimal) -> Decimal:
    return (amount / Decimal(11)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def build_demo_apparel() -> dict[str, Any]:
    """Both sides of Demo Apparel plus its saved settings, deterministically."""
    rng = random.Random(20261101)
    shop_products: list[dict[str, Any]] = []
    cin7_products: list[dict[str, Any]] = []
    families: list[dict[str, Any]] = []
    variant_ids = iter(range(44_000_001, 45_000_000))
    product_ids = iter(range(8_800_001, 8_900_000))
    variant_by_sku: dict[str, dict[str, Any]] = {}

    def shopify_variant(
        sku: str | None, options: list[tuple[str, str]], price: str, *, tracked: bool = True
    ) -> dict[str, Any]:
        number = next(variant_ids)
        levels = [
            {"locationId": LOC_SYDNEY, "available": rng.randint(0, 40)},
            {"locationId": LOC_SHIPBOB, "available": rng.randint(0, 25)},
        ]
        if rng.random() < 0.4:
            levels.append({"locationId": LOC_MELBOURNE, "available": rng.randint(0, 6)})
        variant = {
            "id": f"gid://shopify/ProductVariant/{number}",
            "sku": sku,
            "barcode": f"93{number:011d}",
            "price": price,
            "selectedOptions": [{"name": n, "value": v} for n, v in options],
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}", "tracked": tracked},
            "inventoryLevels": levels if tracked else [],
        }
        if sku:
            variant_by_sku.setdefault(sku, variant)
        return variant

    def cin7_product(sku: str, name: str, category: str, price: str, **extra: Any) -> dict[str, Any]:
        record = {
            "SKU": sku,
            "Name": name,
            "Category": category,
            "Brand": "Demo Apparel",
            "Type": "Stock",
            "CostingMethod": "FIFO",
            "UOM": "Item",
            "Status": "Active",
            "SaleTaxRule": "GST on Income",
            "PurchaseTaxRule": None,
            "PriceTier1": float(price),
            "Sellable": True,
            **extra,
        }
        cin7_products.append(record)
        return record

    for code, title, category, price, names, values in FAMILIES:
        shopify_values = [list(v) for v in values]
        cin7_values = [list(v) for v in values]
        if code == "HOOD":  # Shopify sells a third colour the Cin7 family does not have
            shopify_values[0].append("Forest")
        if code == "JEAN":  # Cin7 stocks waist 36, Shopify never listed it
            shopify_values[1].remove("36")
        variants = []
        for combo in _combinations(shopify_values):
            if code == "HOOD" and combo[0] == "Forest" and combo[1] not in {"M", "L"}:
                continue
            sku: str | None = _sku(code, combo)
            if sku == "SOCK-BLK-M":
                sku = "SOCK-BLK-M "
            if sku in {"LSH-WHT-S", "LSH-SND-M"}:  # typed by hand in Shopify
                sku = {"LSH-WHT-S": "lsh-wht-s", "LSH-SND-M": "Lsh-Snd-M"}[sku]
            tracked = sku not in {"PUF-OLV-S", "PUF-OLV-M"}
            variants.append(shopify_variant(sku, list(zip(names, combo, strict=True)), price, tracked=tracked))
        shop_products.append(
            {
                "id": f"gid://shopify/Product/{next(product_ids)}",
                "title": title,
                "status": "ACTIVE",
                "options": [{"name": n, "values": v} for n, v in zip(names, shopify_values, strict=True)],
                "variants": variants,
            }
        )
        members = []
        for combo in _combinations(cin7_values):
            sku = _sku(code, combo)
            if sku == "CAP-KHA":
                sku = " CAP-KHA"  # pasted from a spreadsheet with a leading space
            name = f"{title} - {' / '.join(combo)}"
            extra: dict[str, Any] = {}
            if sku in {"RJK-YEL-S", "RJK-YEL-M"}:
                extra["Status"] = "Deprecated"  # yellow discontinued in Cin7, still on sale in Shopify
            if sku in {"MER-OAT-S", "MER-OAT-M"}:
                extra["SaleTaxRule"] = None  # imported without a sale tax rule
            cin7_product(sku, name, category, price, **extra)
            member = {"SKU": sku, "Name": name}
            member.update({f"Option{i + 1}": v for i, v in enumerate(combo)})
            members.append(member)
        family = {
            "SKU": code,
            "Name": title,
            "Category": category,
            "Option1Name": names[0],
            "Option2Name": names[1] if len(names) > 1 else None,
            "Products": members,
        }
        families.append(family)
    for sku, title, category, price in SIMPLE_PRODUCTS:
        shop_products.append(
            {
                "id": f"gid://shopify/Product/{next(product_ids)}",
                "title": title,
                "status": "ACTIVE",
                "options": [],
                "variants": [shopify_variant(sku, [("Title", "Default Title")], price)],
            }
        )
        cin7_product(sku, title, category, price)
    # A kit: three tees sold as one pack, assembled from stock on sale.
    shop_products.append(
        {
            "id": f"gid://shopify/Product/{next(product_ids)}",
            "title": "Classic Tee 3-Pack",
            "status": "ACTIVE",
            "options": [],
            "variants": [shopify_variant(KIT_SKU, [("Title", "Default Title")], "79.95")],
        }
    )
    cin7_product(
        KIT_SKU,
        "Classic Tee 3-Pack",
        "Tees",
        "79.95",
        BillOfMaterial=True,
        AutoAssembly=True,
        BillOfMaterialsProducts=[{"ProductCode": c, "Name": c, "Quantity": 1} for c in KIT_COMPONENTS],
    )
    # Only in Shopify: never created in Cin7.
    for sku, title, price in [
        ("TOTE-CANVAS", "Canvas Tote", "24.95"),
        ("BEANIE-RED", "Beanie Red", "29.95"),
    ]:
        shop_products.append(
            {
                "id": f"gid://shopify/Product/{next(product_ids)}",
                "title": title,
                "status": "ACTIVE",
                "options": [],
                "variants": [shopify_variant(sku, [("Title", "Default Title")], price)],
            }
        )
    # Duplicate listings reusing an existing SKU.
    for title, sku, price, option in [
        ("Classic Tee (Sale)", "TEE-BLK-M", "19.95", [("Title", "Default Title")]),
        ("Polo Shirt - Gift Edition", "POLO-WHT-M", "59.95", [("Title", "Default Title")]),
    ]:
        shop_products.append(
            {
                "id": f"gid://shopify/Product/{next(product_ids)}",
                "title": title,
                "status": "ACTIVE",
                "options": [],
                "variants": [shopify_variant(sku, option, price)],
            }
        )
    # Variants with no SKU at all.
    for title, sku in [("Sample Tote", ""), ("Mystery Box", None)]:
        variant = shopify_variant(sku, [("Title", "Default Title")], "15.00")
        variant_by_sku[f"<{title}>"] = variant  # orders below reach these by title: they have no SKU
        shop_products.append(
            {
                "id": f"gid://shopify/Product/{next(product_ids)}",
                "title": title,
                "status": "ACTIVE",
                "options": [],
                "variants": [variant],
            }
        )
    # Only in Cin7: active stock nobody listed; plus records that must NOT be reported.
    cin7_product("SCARF-WOOL-GRY", "Wool Scarf Grey", "Accessories", "49.95")
    cin7_product("GLOVES-LTH-M", "Leather Gloves M", "Accessories", "79.95")
    cin7_product("TEE-ORG-S", "Classic Tee - Orange / S", "Tees", "29.95", Status="Deprecated")
    cin7_product("BOX-SMALL", "Mailer Box Small", "Packaging", "0", Sellable=False)
    cin7_product("Shipping", "Shipping", "Services", "0", Type="Service", CostingMethod="FIFO")
    cin7_product("GIFT-WRAP", "Gift Wrapping", "Services", "5", Type="Service")
    # What tips, duties and gift cards are charged on in Cin7 Core (settings: tip_product, …); untaxed.
    cin7_product("TIP", "Tip", "Services", "0", Type="Service", SaleTaxRule="GST Free Income")
    cin7_product("DUTIES", "Duties", "Services", "0", Type="Service", SaleTaxRule="GST Free Income")
    cin7_product("GIFT-CARD", "Gift Card", "Services", "0", Type="Service", SaleTaxRule="GST Free Income")

    availability: list[dict[str, Any]] = []
    for product in cin7_products:
        if product["Type"] != "Stock" or product["Status"] != "Active" or product.get("BillOfMaterial"):
            continue
        sku = product["SKU"]
        stock = rng.randint(0, 60)
        if rng.random() < 0.3:  # split across bins: sync must sum them
            in_first_bin = rng.randint(0, stock)
            availability.append(
                {
                    "SKU": sku,
                    "Location": "Main Warehouse",
                    "Bin": "A1",
                    "OnHand": in_first_bin,
                    "Allocated": 0,
                }
            )
            availability.append(
                {
                    "SKU": sku,
                    "Location": "Main Warehouse",
                    "Bin": "A2",
                    "OnHand": stock - in_first_bin,
                    "Allocated": 0,
                }
            )
        else:
            availability.append(
                {
                    "SKU": sku,
                    "Location": "Main Warehouse",
                    "Bin": None,
                    "OnHand": stock,
                    "Allocated": 0,
                }
            )
        availability.append(
            {
                "SKU": sku,
                "Location": "3PL - ShipBob",
                "Bin": None,
                "OnHand": rng.randint(0, 30),
                "Allocated": 0,
            }
        )
        if rng.random() < 0.3:
            availability.append(
                {
                    "SKU": sku,
                    "Location": "Melbourne Store",
                    "Bin": None,
                    "OnHand": rng.randint(0, 8),
                    "Allocated": 0,
                }
            )
    for component in KIT_COMPONENTS:  # enough tees for the pilot's kit order
        for row in availability:
            if row["SKU"] == component and row["Location"] == "Main Warehouse":
                row["OnHand"] = max(row["OnHand"], 12)

    customers: list[dict[str, Any]] = []
    people: list[tuple[str, str]] = []
    for index in range(30):
        first, last = FIRST_NAMES[index], LAST_NAMES[index]
        email = f"{first.lower()}.{last.lower()}@example.com"
        city, state, postcode = CITIES[index % len(CITIES)]
        customers.append(
            {
                "Name": f"{first} {last}",
                "Status": "Active",
                "Currency": CURRENCY,
                "PaymentTerm": "30 days",
                "TaxRule": "GST on Income",
                "PriceTier": "Tier 1",
                "Contacts": [{"Name": f"{first} {last}", "Email": email, "Default": True}],
                "Addresses": [
                    {
                        "Line1": f"{index + 1} {last} St",
                        "City": city,
                        "State": state,
                        "Postcode": postcode,
                        "Country": "Australia",
                        "Type": "Shipping",
                    }
                ],
            }
        )
        people.append((first, last))

    orders = _orders(variant_by_sku, people, rng, _b2b_skus(variant_by_sku, cin7_products, availability))
    # A kit of three of one component (added last, so no other record's ids or figures move): Shopify
    # may sell floor(KEY-01's Available / 3) of it.
    shop_products.append(
        {
            "id": f"gid://shopify/Product/{next(product_ids)}",
            "title": "Brass Keyring 3-Pack",
            "status": "ACTIVE",
            "options": [],
            "variants": [shopify_variant(MULTI_KIT_SKU, [("Title", "Default Title")], "34.95")],
        }
    )
    cin7_product(
        MULTI_KIT_SKU,
        "Brass Keyring 3-Pack",
        "Accessories",
        "34.95",
        BillOfMaterial=True,
        AutoAssembly=True,
        BillOfMaterialsProducts=[{"ProductCode": MULTI_KIT_COMPONENT, "Name": "Brass Keyring", "Quantity": 3}],
    )
    shopify = {
        "shop": {
            "name": "Demo Apparel",
            "myshopifyDomain": "demo-apparel.myshopify.com",
            "currencyCode": CURRENCY,
            "taxesIncluded": True,
            # Shopify's `shop.ianaTimezone`: the console shows times in the shop's own zone.
            "ianaTimezone": "Australia/Sydney",
        },
        "locations": SHOPIFY_LOCATIONS,
        "products": shop_products,
        "orders": orders,
    }
    cin7 = {
        "me": {
            "Company": "Demo Apparel Pty Ltd",
            "BaseCurrency": CURRENCY,
            "DefaultSaleTaxRuleName": "GST on Income",
            "TimeZone": "AUS Eastern Standard Time",
        },
        "Locations": CIN7_LOCATIONS,
        "TaxRules": TAX_RULES,
        "Products": cin7_products,
        "ProductFamilies": families,
        "ProductAvailability": availability,
        "Customers": customers,
        "Sales": [],
    }
    settings = {
        "order_trigger": "paid",
        "customer_mode": "match_email",
        "default_customer": None,
        "unknown_sku": "hold",
        "location_map": LOCATION_MAP,
        "tax_map": TAX_MAP,
        "go_live": GO_LIVE,
        "skip_test_orders": True,
        "exclude_tags": ["wholesale"],
        "inventory_interval_minutes": 60,
        "safety_buffer": 0,
        "tip_product": "Tip",
        "duty_product": "Duties",
        "gift_card_product": "Gift Card",
    }
    return {"shopify": shopify, "cin7": cin7, "settings": settings}


def _b2b_skus(
    variant_by_sku: dict[str, dict[str, Any]], cin7_products: list[dict[str, Any]], availability: list[dict[str, Any]]
) -> list[str]:
    """SKUs a wholesale-sized order can take from the main warehouse: clean on both sides, in stock."""
    seeded = {sku.strip() for skus in SEEDED_PROBLEMS.values() for sku in skus} | set(KIT_COMPONENTS)
    clean = {
        p["SKU"]
        for p in cin7_products
        if p["Type"] == "Stock" and p["Status"] == "Active" and not p.get("BillOfMaterial")
    }
    on_hand: dict[str, int] = {}
    for row in availability:
        if row["Location"] == "Main Warehouse":
            on_hand[row["SKU"]] = on_hand.get(row["SKU"], 0) + row["OnHand"]
    return sorted(
        sku
        for sku, variant in variant_by_sku.items()
        if sku in clean and sku not in seeded and variant["sku"] == sku and on_hand.get(sku, 0) >= 5
    )[:B2B_LINES]


def _orders(
    variant_by_sku: dict[str, dict[str, Any]],
    people: list[tuple[str, str]],
    rng: random.Random,
    b2b_skus: list[str],
) -> list[dict[str, Any]]:
    """28 orders after go-live (16 clean, 12 seeded problems) and 5 the sync must skip.

    The last three carry the money a sync gets wrong most: an order-level code discount with a
    free-shipping code, a tip and a gift card, and a 64-line wholesale order with a code discount.
    """
    # name → (created, lines [(sku, qty)], fulfilment location, options)
    plans: list[tuple[str, str, list[tuple[str, int]], str, dict[str, Any]]] = [
        ("#1001", "2026-11-02T09:14:00Z", [("TEE-BLK-M", 2)], LOC_SYDNEY, {}),
        ("#1002", "2026-11-02T11:40:00Z", [("HOOD-BLK-L", 1), ("SOCK-WHT-M", 3)], LOC_SYDNEY, {}),
        ("#1003", "2026-11-03T08:05:00Z", [(KIT_SKU, 1)], LOC_SYDNEY, {}),
        ("#1004", "2026-11-03T16:22:00Z", [("JEAN-IND-32", 1), ("BELT-BRN", 1)], LOC_SHIPBOB, {}),
        ("#1005", "2026-11-04T10:10:00Z", [("PUF-BLK-M", 1)], LOC_SHIPBOB, {"discount": "0.15"}),
        ("#1006", "2026-11-05T12:30:00Z", [("TOTE-CANVAS", 1), ("TEE-WHT-L", 1)], LOC_SYDNEY, {}),
        (
            "#1007",
            "2026-11-05T19:45:00Z",
            [("LSH-WHT-M", 1), ("CAP-NVY", 1)],
            LOC_SYDNEY,
            {"email_case": True},
        ),
        ("#1008", "2026-11-06T07:55:00Z", [("<Sample Tote>", 1), ("BTL-750", 1)], LOC_SYDNEY, {}),
        ("#1009", "2026-11-07T13:00:00Z", [("MER-CHR-M", 1)], LOC_SHIPBOB, {"new_customer": True}),
        (
            "#1010",
            "2026-11-08T02:15:00Z",
            [("DNM-BLU-M", 1)],
            LOC_SYDNEY,
            {"tax": ("VAT", 0.2), "country": "GB"},
        ),
        ("#1011", "2026-11-08T10:20:00Z", [("FLN-RED-L", 1)], LOC_MELBOURNE, {}),
        ("#1012", "2026-11-09T15:35:00Z", [("TRK-BLK-S", 2), ("HB-BLK", 1)], LOC_SHIPBOB, {}),
        ("#1013", "2026-11-10T09:00:00Z", [("BEANIE-RED", 2)], LOC_SYDNEY, {}),
        ("#1014", "2026-11-11T11:11:00Z", [("TNK-BLK-M", 1)], LOC_SYDNEY, {"no_customer": True}),
        ("#1015", "2026-11-12T08:45:00Z", [("RJK-YEL-S", 1)], LOC_SYDNEY, {}),
        ("#1016", "2026-11-13T17:20:00Z", [("CRG-OLV-32", 1), ("LACE-BLK", 2)], LOC_SHIPBOB, {}),
        ("#1017", "2026-11-14T12:00:00Z", [("<Mystery Box>", 1)], LOC_SYDNEY, {}),
        ("#1018", "2026-11-15T10:30:00Z", [("LEG-BLK-S", 2)], LOC_SYDNEY, {"new_customer": True}),
        (
            "#1019",
            "2026-11-16T04:40:00Z",
            [("BNI-RST", 1)],
            LOC_SYDNEY,
            {"tax": ("NZ GST", 0.15), "country": "NZ"},
        ),
        ("#1020", "2026-11-17T14:14:00Z", [("BRD-BLU-32", 1), ("SUN-AVI", 1)], LOC_SHIPBOB, {}),
        ("#1021", "2026-11-18T09:50:00Z", [("CHS-KHA-32", 1)], LOC_BRISBANE, {}),
        ("#1022", "2026-11-19T18:05:00Z", [("POLO-NVY-L", 1), ("TIE-NVY", 1)], LOC_SYDNEY, {}),
        ("#1023", "2026-11-20T10:00:00Z", [("VNK-GRY-S", 1)], LOC_SYDNEY, {"no_customer": True}),
        ("#1024", "2026-11-21T12:25:00Z", [("RJK-YEL-M", 1), ("WAL-BLK", 1)], LOC_SYDNEY, {}),
        ("#1025", "2026-11-22T16:45:00Z", [("TRC-CML-M", 1)], LOC_SHIPBOB, {}),
        # Not for import: before go-live, a test order, an excluded tag, one cancelled.
        ("#0987", "2026-10-20T10:00:00Z", [("TEE-NVY-S", 1)], LOC_SYDNEY, {}),
        ("#0994", "2026-10-29T15:30:00Z", [("CAP-BLK", 1)], LOC_SYDNEY, {}),
        ("#1026", "2026-11-23T09:00:00Z", [("TEE-WHT-M", 1)], LOC_SYDNEY, {"test": True}),
        ("#1027", "2026-11-24T11:30:00Z", [("TEE-BLK-L", 20)], LOC_SYDNEY, {"tags": ["wholesale"]}),
        ("#1028", "2026-11-25T13:45:00Z", [("SOCK-WHT-L", 2)], LOC_SYDNEY, {"cancelled": True}),
        # Money: order-level and code discounts, free shipping, a tip, a gift card, a long order.
        (
            "#1029",
            "2026-11-26T09:30:00Z",
            [("TEE-NVY-M", 1), ("SOCK-WHT-M", 3), ("CAP-NVY", 1)],
            LOC_SYDNEY,
            {"code": ("SPRING10", "0.10"), "free_shipping": "FREESHIP"},
        ),
        (
            "#1030",
            "2026-11-26T14:05:00Z",
            [("HOOD-BLK-L", 1), ("<Gift Card>", 1)],
            LOC_SYDNEY,
            {"tip": "5.00", "gift_card": "50.00"},
        ),
        ("#1031", "2026-11-27T08:00:00Z", [(sku, 2) for sku in b2b_skus], LOC_SYDNEY, {"code": ("B2B15", "0.15")}),
    ]
    orders: list[dict[str, Any]] = []
    for index, (name, created, lines, location, options) in enumerate(plans):
        number = 5_500_001 + index
        first, last = people[index % len(people)]
        email: str | None = f"{first.lower()}.{last.lower()}@example.com"
        if options.get("email_case"):
            email = f"{first}.{last}@Example.com"  # same customer, different case
        if options.get("new_customer"):
            first, last = ("Priya", "Sharma") if name == "#1009" else ("Marco", "Rossi")
            email = f"{first.lower()}.{last.lower()}@example.net"
        customer = (
            None
            if options.get("no_customer")
            else {
                "id": f"gid://shopify/Customer/{6_600_001 + index}",
                "firstName": first,
                "lastName": last,
                "email": email,
            }
        )
        if options.get("no_customer"):
            email = None
        tax_title, tax_rate = options.get("tax", ("GST", 0.1))
        city, state, postcode = CITIES[index % len(CITIES)]
        country = options.get("country", "AU")
        line_items: list[dict[str, Any]] = []
        code, share = options.get("code", (None, "0"))
        # An order-level code discount is allocated to lines in proportion, Shopify-style: each share
        # rounded to the cent, the last line taking what is left so the allocations sum to the discount.
        goods = [(key, qty) for key, qty in lines if key != "<Gift Card>"]
        prices = [
            Decimal(variant_by_sku[key]["price"]) if key in variant_by_sku else Decimal("15.00") for key, _ in goods
        ]
        subtotal = sum((price * qty for price, (_, qty) in zip(prices, goods, strict=True)), Decimal(0))
        order_discount = (subtotal * Decimal(share)).quantize(Decimal("0.01"))
        allocated = Decimal(0)
        goods_seen = 0
        for l_index, (key, qty) in enumerate(lines):
            if key == "<Gift Card>":
                line_items.append(
                    {
                        "id": f"gid://shopify/LineItem/{number * 10 + l_index}",
                        "sku": None,
                        "variantId": None,
                        "name": "Gift Card",
                        "quantity": qty,
                        "originalUnitPrice": options["gift_card"],
                        "isGiftCard": True,
                        "requiresShipping": False,
                        "taxLines": [],
                    }
                )
                continue
            sku: str | None = key
            variant = variant_by_sku.get(sku) if sku else None
            if sku and sku.startswith("<"):
                sku = variant["sku"] if variant else None
            price = Decimal(variant["price"]) if variant else Decimal("15.00")
            discounted = price
            if options.get("discount"):
                discounted = (price * (1 - Decimal(options["discount"]))).quantize(Decimal("0.01"))
            line_total = discounted * qty
            record: dict[str, Any] = {
                "id": f"gid://shopify/LineItem/{number * 10 + l_index}",
                "sku": sku,
                "variantId": variant["id"] if variant else None,
                "quantity": qty,
                "originalUnitPrice": str(price),
                "discountedUnitPrice": str(discounted),
            }
            goods_seen += 1
            if code:
                share_of_line = (line_total * Decimal(share)).quantize(Decimal("0.01"))
                amount = order_discount - allocated if goods_seen == len(goods) else share_of_line
                allocated += amount
                record["discountAllocations"] = [{"amount": str(amount), "code": code}]
                line_total -= amount
            tax = (line_total * Decimal(str(tax_rate)) / (1 + Decimal(str(tax_rate)))).quantize(Decimal("0.01"))
            record["taxLines"] = [{"title": tax_title, "rate": tax_rate, "price": str(tax)}]
            line_items.append(record)
        shipping_price = (
            Decimal("0.00")
            if sum(Decimal(li["discountedUnitPrice"]) * li["quantity"] for li in line_items if not li.get("isGiftCard"))
            >= 100
            and not options.get("free_shipping")
            else Decimal("9.95")
        )
        shipping_charged = Decimal(0) if options.get("free_shipping") else shipping_price
        shipping = [
            {
                "title": "Standard Shipping",
                "price": str(shipping_price),
                **(
                    {"discountAllocations": [{"amount": str(shipping_price), "code": options["free_shipping"]}]}
                    if options.get("free_shipping")
                    else {}
                ),
                "taxLines": [
                    {
                        "title": tax_title,
                        "rate": tax_rate,
                        "price": str(
                            _gst_included(shipping_charged)
                            if tax_title == "GST"
                            else (shipping_charged * Decimal(str(tax_rate)) / (1 + Decimal(str(tax_rate)))).quantize(
                                Decimal("0.01")
                            )
                        ),
                    }
                ],
            }
        ]
        order: dict[str, Any] = {
            "id": f"gid://shopify/Order/{number}",
            "name": name,
            "createdAt": created,
            "processedAt": created,
            "updatedAt": created,
            "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "UNFULFILLED",
            "test": bool(options.get("test")),
            "tags": options.get("tags", []),
            "email": email,
            "currencyCode": CURRENCY,
            "taxesIncluded": True,
            "customer": customer,
            "shippingAddress": {
                "name": f"{first} {last}",
                "address1": f"{10 + index} Example Rd",
                "city": city if country == "AU" else ("London" if country == "GB" else "Auckland"),
                "provinceCode": state if country == "AU" else None,
                "zip": postcode if country == "AU" else ("SW1A 1AA" if country == "GB" else "1010"),
                "countryCode": country,
            },
            "lineItems": line_items,
            "shippingLines": shipping,
            "fulfillmentLocationId": location,
        }
        if code or options.get("tip") or options.get("free_shipping"):
            # Shopify's own figures, as a scenario may state them (the sandbox would derive the same).
            paid = sum(
                (
                    Decimal(li["originalUnitPrice"]) * li["quantity"]
                    - sum((Decimal(a["amount"]) for a in li.get("discountAllocations", [])), Decimal(0))
                    for li in line_items
                ),
                Decimal(0),
            )
            order["totalPrice"] = str(paid + shipping_charged + Decimal(options.get("tip", "0")))
            order["totalDiscounts"] = str(order_discount + (shipping_price - shipping_charged))
            order["discountCodes"] = [c for c in (code, options.get("free_shipping")) if c]
            if options.get("tip"):
                order["totalTipReceived"] = options["tip"]
        if options.get("cancelled"):
            order.update(
                cancelledAt="2026-11-25T15:00:00Z",
                cancelReason="CUSTOMER",
                displayFinancialStatus="REFUNDED",
                updatedAt="2026-11-25T15:00:00Z",
            )
        orders.append(order)
    return orders


def write_scenario(data: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("shopify", "cin7", "settings"):
        (folder / f"{name}.json").write_text(json.dumps(data[name], indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[3] / "sample_data" / "demo-apparel"
    write_scenario(build_demo_apparel(), target)
    print(f"wrote {target}")
