"""Shopify Admin GraphQL: async client, models, and the .graphql documents we send.

The names below load on first use (PEP 562), so reading a shop domain does not load httpx and the
models: a command that fails fast stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient
    from cin7_shopify.shopify.domain import normalize_shop_domain
    from cin7_shopify.shopify.errors import ShopifyAuthError, ShopifyError

_WHERE = {
    "AccessToken": "client",
    "ClientCredentials": "client",
    "ShopifyClient": "client",
    "normalize_shop_domain": "domain",
    "ShopifyAuthError": "errors",
    "ShopifyError": "errors",
}
__all__ = [
    "AccessToken",
    "ClientCredentials",
    "ShopifyAuthError",
    "ShopifyClient",
    "ShopifyError",
    "normalize_shop_domain",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
