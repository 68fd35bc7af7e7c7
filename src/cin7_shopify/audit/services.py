"""Service products: what shipping, tips, duties and gift cards are charged on in Cin7 Core.

Cin7 Core takes an additional charge only on a Service product, named by its Name (APIB:L29892),
so every service product the settings name must exist, be active and be of type Service before
go-live; otherwise every order carrying such a charge is held.
"""

from __future__ import annotations

from cin7_shopify.audit.models import Cin7Catalog, Cin7ProductRecord, Finding
from cin7_shopify.settings import StoreSettings

# setting → what it carries, in the merchant's words
SERVICE_SETTINGS = {
    "shipping_product": "shipping",
    "tip_product": "tips",
    "duty_product": "duties",
    "gift_card_product": "gift cards",
}


def service_product_findings(cin7: Cin7Catalog, settings: StoreSettings) -> list[Finding]:
    findings = []
    names = {getattr(settings, setting) for setting in SERVICE_SETTINGS} - {None, ""}
    by_name: dict[str, list[Cin7ProductRecord]] = {}
    for product in cin7.products if names else ():  # one walk over 100,000 products, not one a setting
        if product.name in names:
            by_name.setdefault(product.name, []).append(product)
    for setting, what in SERVICE_SETTINGS.items():
        name = getattr(settings, setting)
        if not name:
            continue  # not named: an order that needs it is held with this fix, the audit has nothing to check
        named = by_name.get(name, [])
        if any(p.type == "Service" and p.status == "Active" for p in named):
            continue
        found = named[0] if named else None
        if found is None:
            why = "Cin7 Core has no product of that name"
        elif found.type != "Service":
            why = f"'{name}' is a {found.type} product in Cin7 Core, not a Service product"
        else:
            why = f"'{name}' is {found.status.lower()} in Cin7 Core"
        findings.append(
            Finding(
                "missing_service_product",
                "blocker",
                found.sku if found else None,
                None,
                {"setting": setting, "product": name, **({"found": found.describe()} if found else {})},
                f"The store charges {what} on Cin7 Core service product '{name}' ({setting}), but {why}; "
                f"orders with {what} cannot be imported.",
                f"Create an active Service product named '{name}' in Cin7 Core, or set {setting} to one that exists.",
            )
        )
    return findings
