"""A shop's domain and the API version we pin: what a store profile needs of Shopify, without the client."""

from __future__ import annotations

import re

from cin7_shopify.errors import ConsoleError

DEFAULT_API_VERSION = "2026-10"
_SHOP_HANDLE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")


def normalize_shop_domain(text: str) -> str:
    """Accept what people paste (handle, domain, admin URL) and return `handle.myshopify.com`."""
    value = text.strip().lower()
    value = re.sub(r"^https?://", "", value).rstrip("/")
    if value.startswith("admin.shopify.com/store/"):
        value = value.split("/")[2] + ".myshopify.com"
    if "/" in value:
        value = value.split("/", 1)[0]
    if value.endswith(".myshopify.com"):
        handle = value.removesuffix(".myshopify.com")
    elif "." not in value:
        handle = value
    else:
        handle = ""
    if not handle or not _SHOP_HANDLE.match(handle):
        raise ConsoleError(
            f"'{text.strip()}' is not a Shopify shop domain.",
            hint="Use the store's permanent domain, e.g. demo-apparel.myshopify.com (Settings → Domains).",
        )
    return f"{handle}.myshopify.com"
