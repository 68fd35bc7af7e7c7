"""Write a scenario's catalogues the way Shopify's and Cin7 Core's exports lay them out (test helper)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

SHOPIFY_HEADER = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Status",
]
CIN7_HEADER = [
    "ProductCode",
    "Name",
    "Category",
    "Brand",
    "Type",
    "CostingMethod",
    "UOM",
    "Status",
    "Sellable",
    "SaleTaxRule",
    "PriceTier1",
    "ProductFamilySKU",
    "ProductFamilyName",
    "ProductFamilyOption1Name",
    "ProductFamilyOption1Value",
    "ProductFamilyOption2Name",
    "ProductFamilyOption2Value",
]
STOCK_HEADER = ["ProductCode", "Name", "Location", "Bin", "OnHand", "Allocated", "Available", "OnOrder"]


def _text(header: list[str], rows: list[dict[str, Any]], *, bom: bool, crlf: bool) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\r\n" if crlf else "\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "") + out.getvalue()


def _tracker(variant: dict[str, Any]) -> str:
    return "shopify" if variant["inventoryItem"].get("tracked", True) else ""


def write_shopify_export(shopify: dict[str, Any], path: Path) -> None:
    rows: list[dict[str, Any]] = []
    for product in shopify["products"]:
        handle = product.get("handle") or product["title"].lower().replace(" ", "-").replace("(", "").replace(")", "")
        for index, variant in enumerate(product["variants"]):
            options = variant.get("selectedOptions") or []
            row: dict[str, Any] = {
                "Handle": handle,
                "Variant SKU": variant.get("sku") or "",
                "Variant Price": variant.get("price", "0.00"),
                "Variant Barcode": variant.get("barcode") or "",
                "Variant Inventory Tracker": "shopify" if variant["inventoryItem"].get("tracked", True) else "",
                "Variant Inventory Policy": "deny",
            }
            for n, option in enumerate(options[:3], start=1):
                row[f"Option{n} Value"] = option["value"]
                if index == 0:
                    row[f"Option{n} Name"] = option["name"]
            if index == 0:
                row.update(
                    {
                        "Title": product["title"],
                        "Vendor": "Demo Apparel",
                        "Published": "true",
                        "Status": product.get("status", "ACTIVE").lower(),
                    }
                )
            rows.append(row)
        rows.append({"Handle": handle, "Image Src": f"https://cdn.example.com/{handle}.jpg", "Image Position": "2"})
    path.write_text(_text(SHOPIFY_HEADER, rows, bom=True, crlf=True), encoding="utf-8", newline="")


def write_cin7_exports(cin7: dict[str, Any], products_path: Path, stock_path: Path) -> None:
    family_of: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for family in cin7.get("ProductFamilies", []):
        for member in family["Products"]:
            family_of[member["SKU"]] = (family, member)
    rows = []
    for product in cin7["Products"]:
        row = {
            "ProductCode": product["SKU"],
            "Name": product["Name"],
            "Category": product.get("Category"),
            "Type": product.get("Type", "Stock"),
            "Status": product.get("Status", "Active"),
            "Sellable": "Yes" if product.get("Sellable", True) else "No",
            "SaleTaxRule": product.get("SaleTaxRule") or "",
            "UOM": "Item",
            "CostingMethod": "FIFO",
        }
        if product["SKU"] in family_of:
            family, member = family_of[product["SKU"]]
            row.update(
                {
                    "ProductFamilySKU": family["SKU"],
                    "ProductFamilyName": family["Name"],
                    "ProductFamilyOption1Name": family.get("Option1Name") or "",
                    "ProductFamilyOption1Value": member.get("Option1") or "",
                    "ProductFamilyOption2Name": family.get("Option2Name") or "",
                    "ProductFamilyOption2Value": member.get("Option2") or "",
                }
            )
        rows.append(row)
    # Cin7's exports put columns in their own order; a re-saved sheet may shuffle them.
    products_path.write_text(_text(list(reversed(CIN7_HEADER)), rows, bom=False, crlf=True), encoding="utf-8")
    stock = [
        {
            "ProductCode": r["SKU"],
            "Location": r["Location"],
            "Bin": r.get("Bin") or "",
            "OnHand": r["OnHand"],
            "Allocated": r.get("Allocated", 0),
            "Available": r["OnHand"] - r.get("Allocated", 0),
        }
        for r in cin7.get("ProductAvailability", [])
    ]
    stock_path.write_text(_text(STOCK_HEADER, stock, bom=True, crlf=False), encoding="utf-8")
