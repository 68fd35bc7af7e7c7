"""The GraphQL documents we send, kept as .graphql files next to this module."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DOCUMENT_NAMES = (
    "shop",
    "locations",
    "variants",
    "inventory_levels",
    "inventory_level",
    "orders",
    "order_stamps",
    "order_line_items",
    "store_counts",
    "fulfillment_orders",
    "inventory_set_quantities",
    "fulfillment_create",
    "fulfillment_tracking_update",
    "order_create",
    "job",
    "order_cancel",
    "bulk_run",
    "bulk_status",
    "bulk_variants",
    "bulk_orders",
    "bulk_catalog",
)


@cache
def document(name: str) -> str:
    return resources.files("cin7_shopify.shopify").joinpath("documents", f"{name}.graphql").read_text()


def bulk_orders_query(search: str) -> str:
    """The bulk order query with its search filter quoted as a GraphQL string."""
    return document("bulk_orders").replace("ORDER_FILTER", json.dumps(search))
