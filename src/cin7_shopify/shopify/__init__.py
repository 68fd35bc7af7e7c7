"""Shopify Admin GraphQL: async client, models, and the .graphql documents we send."""

from cin7_shopify.shopify.client import (
    AccessToken,
    ClientCredentials,
    ShopifyClient,
    normalize_shop_domain,
)
from cin7_shopify.shopify.errors import ShopifyAuthError, ShopifyError

__all__ = [
    "AccessToken",
    "ClientCredentials",
    "ShopifyAuthError",
    "ShopifyClient",
    "ShopifyError",
    "normalize_shop_domain",
]
