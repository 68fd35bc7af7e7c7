"""Scopes as Shopify enforces them: ACCESS_DENIED without one, the last 60 days of orders only without
read_all_orders, and every command that would miss something says which scope and how to grant it
(issue 9, item 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cin7_shopify import workspace
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.shopify.errors import ShopifyAccessDenied
from cin7_shopify.sync.reconcile import reconcile
from cin7_shopify.workspace import SCOPES_NEEDED, SCOPES_WANTED
from tests.sync_harness import Harness


def _without(demo: SandboxSession, *scopes: str) -> None:
    demo.shopify.scopes = [s for s in demo.shopify.scopes if s not in scopes]


def _days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _make_old(demo: SandboxSession, harness: Harness, name: str, days: int) -> str:
    order_id = harness.order_id(name)
    stamp = _days_ago(days).strftime("%Y-%m-%dT%H:%M:%SZ")
    demo.shopify.update_order(order_id, createdAt=stamp, processedAt=stamp)
    return order_id


async def test_a_field_without_its_scope_is_access_denied_as_shopify_says(demo: SandboxSession) -> None:
    _without(demo, "read_orders")
    async with demo.shopify_client() as shopify:
        with pytest.raises(ShopifyAccessDenied) as caught:
            await shopify.orders("")
    assert "Access denied for orders field. Required access: `read_orders` access scope." in caught.value.message
    assert "Grant the missing access scope" in caught.value.explain()


async def test_orders_older_than_60_days_are_absent_without_read_all_orders(
    demo: SandboxSession, tmp_path: Path
) -> None:
    old = _make_old(demo, Harness(demo, tmp_path), "#1001", days=90)
    async with demo.shopify_client() as shopify:
        assert old in {o.id for o in await shopify.orders("")}
        _without(demo, "read_all_orders")
        seen = {o.id for o in await shopify.orders("")}
    assert old not in seen and seen, "Shopify leaves them out without an error"


async def test_backfill_past_60_days_without_read_all_orders_says_which_scope_and_how(
    demo: SandboxSession, tmp_path: Path
) -> None:
    harness = Harness(demo, tmp_path)
    _make_old(demo, harness, "#1001", days=90)
    _without(demo, "read_all_orders")
    with harness.sync() as sync:
        with pytest.raises(ShopifyAccessDenied) as caught:
            await sync.backfill(_days_ago(100))
        text = caught.value.explain()
        assert "read_all_orders" in text and "older than 60 days" in text
        assert "Admin API access scopes" in text and "within the last 60 days" in text
        assert harness.sales_for(harness.order_id("#1001")) == [], "nothing half-imported"
        # Within the window it runs as before.
        result = await sync.backfill(_days_ago(30))
    assert result.imported


async def test_reconcile_past_60_days_without_read_all_orders_says_so(demo: SandboxSession, tmp_path: Path) -> None:
    harness = Harness(demo, tmp_path)
    _without(demo, "read_all_orders")
    async with demo.cin7_client() as cin7, demo.shopify_client() as shopify:
        with pytest.raises(ShopifyAccessDenied, match="read_all_orders"):
            await reconcile(cin7, shopify, harness.settings, _days_ago(75), stock=False)
        report = await reconcile(cin7, shopify, harness.settings, _days_ago(59), stock=False)
    assert report.orders_checked


@pytest.mark.parametrize("scope", [*SCOPES_NEEDED, *SCOPES_WANTED])
async def test_the_connection_test_names_each_missing_scope_with_what_breaks(demo: SandboxSession, scope: str) -> None:
    demo.shopify.scopes = [*demo.shopify.scopes, *SCOPES_WANTED]
    _without(demo, scope)
    async with demo.cin7_client() as cin7, demo.shopify_client() as shopify:
        check = await workspace.test_connection(cin7, shopify)
    said = check.problems + check.scope_warnings
    why = {**SCOPES_NEEDED, **SCOPES_WANTED}[scope]
    assert said == [f"Shopify scope {scope} is missing: {why}."]
    assert check.ok is (scope not in SCOPES_NEEDED), "a scope the sync cannot work without fails the test"
