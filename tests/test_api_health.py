"""`health`: the pinned Shopify version's support window, deprecation headers, scopes, Cin7 answers."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

from cin7_shopify.cin7.drift import ModelDrift, unknown_fields
from cin7_shopify.cin7.models import Product, Sale
from cin7_shopify.reports.api_health import api_health_summary, build_api_health, health_text
from cin7_shopify.reports.versions import version_window
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.sandbox.store import scenario_workspace
from cin7_shopify.state.api_health import ApiAnswers, ScopeCheck, read_api_answers
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.workspace import SCOPE_PURPOSES
from tests.conftest import DEMO
from tests.test_audit_cli import cli, saved_demo_store

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("version", "today", "verdict", "until", "forward"),
    [
        ("2026-10", TODAY, "ok", "2027-10-01", "2027-01"),
        ("2026-10", date(2027, 7, 15), "ending", "2027-10-01", "2027-01"),
        ("2026-10", date(2027, 9, 30), "ending", "2027-10-01", "2027-01"),
        ("2026-10", date(2027, 10, 1), "past", "2027-10-01", "2027-01"),
        ("2025-01", TODAY, "past", "2026-01-01", "2026-01"),  # the oldest still supported today
        ("2024-07", date(2025, 7, 1), "past", "2025-07-01", "2024-10"),
        ("2026-01", TODAY, "ending", "2027-01-01", "2026-04"),
        ("2026-04", TODAY, "ok", "2027-04-01", "2026-07"),
        ("2025-10", date(2026, 7, 1), "ending", "2026-10-01", "2026-01"),
    ],
)
def test_support_window(version: str, today: date, verdict: str, until: str, forward: str) -> None:
    window = version_window(version, today)
    assert (window.verdict, window.supported_until, window.falls_forward_to) == (verdict, until, forward)


def test_unstable_has_no_window() -> None:
    window = version_window("unstable", TODAY)
    assert window.verdict == "unstable" and window.severity == "warning" and window.supported_until is None


async def test_the_client_keeps_each_deprecation_header_shopify_sends(demo: SandboxSession) -> None:
    demo.shopify.deprecated_operations = {"Shop": "Shop.plan.displayName"}
    async with demo.shopify_client() as shopify:
        await shopify.shop_info()
        await shopify.shop_info()
        await shopify.locations()
    assert shopify.deprecations == [("Shop", "Shop.plan.displayName")], "once per operation and reason"


def test_unknown_cin7_fields_are_named_without_their_values() -> None:
    product = Product.model_validate({"SKU": "TEE", "DropShipMode": "secret-value", "Name": "Tee"})
    assert unknown_fields(product) == {"DropShipMode"}
    sale = Sale.model_validate(
        {"ID": "s1", "Customer": "Jane", "Order": {"Lines": [{"SKU": "TEE", "Quantity": 1, "Colour": "Blue"}]}}
    )
    assert "Order.Lines[].Colour" in unknown_fields(sale)
    drift = ModelDrift()
    drift.note("GET /product", product)
    found = drift.endpoints["GET /product"]
    assert found.unknown == {"DropShipMode"} and "Brand" in found.missing and "Name" not in found.missing


def test_a_sync_records_deprecations_and_cin7_fields_for_the_store() -> None:
    workspace, store = scenario_workspace(DEMO)
    store.session.shopify.deprecated_operations = {"Orders": "Order.email"}
    session = workspace.session(store.profile.name)
    try:

        async def run() -> None:
            async with session.open_sync() as sync:
                await sync.orders_pass()

        asyncio.run(run())
        answers = read_api_answers(session.folder)
        assert [(d.operation, d.reason, d.api_version) for d in answers.deprecations] == [
            ("Orders", "Order.email", "2026-10")
        ]
        endpoints = {c.endpoint: c for c in answers.cin7_fields}
        assert "GET /product" in endpoints and "DropShipMode" in endpoints["GET /product"].unknown
        assert "No Drop Ship" not in (session.folder / "api-health.json").read_text(), "names, never values"
        summary = api_health_summary(session, today=TODAY)
        assert summary.startswith("API 2026-10 · until 2027-10-01 · 1 deprecated call")
        health = asyncio.run(session.check_api_health(today=TODAY))
        assert health.verdict == "warning" and not health.blocking
        assert health.scopes is not None and all(s.granted for s in health.scopes)
        assert "Operation Orders uses what Shopify deprecated in 2026-10: Order.email." in health_text(health)
    finally:
        workspace.close()


def test_a_version_past_its_window_is_a_blocker() -> None:
    workspace, store = scenario_workspace(DEMO)
    store.profile = store.profile.model_copy(update={"api_version": "2025-01"})
    session = workspace.session(store.profile.name)
    try:
        health = asyncio.run(session.check_api_health(today=TODAY))
        assert health.blocking and health.verdict == "blocker"
        assert health.findings[0].severity == "blocker"
        assert "2025-01 left its support window on 2026-01-01" in health_text(health)
        assert "out of support since 2026-01-01" in api_health_summary(session, today=TODAY)
    finally:
        workspace.close()


def test_a_missing_scope_is_a_blocker_that_says_what_stops() -> None:
    granted = [s for s in SCOPE_PURPOSES if s != "write_inventory"]
    answers = ApiAnswers(scopes=ScopeCheck(granted=granted, missing=["write_inventory"], checked="now"))
    health = build_api_health("demo", "2026-10", answers, needed_scopes=SCOPE_PURPOSES, today=TODAY)
    assert health.blocking
    assert "Scope write_inventory is not granted: the sync cannot push Cin7 Core's stock to Shopify." in [
        f.message for f in health.findings
    ]


def test_health_command_exits_1_for_an_old_version(served_sandbox: str, tmp_path: Path) -> None:
    env = saved_demo_store(served_sandbox, tmp_path)
    profiles = ProfileStore(Path(env["CIN7_SHOPIFY_HOME"]) / "data" / "profiles.json")
    profiles.save(profiles.get("demo-apparel").model_copy(update={"api_version": "2025-01"}))
    text = cli(env, "health", "--store", "demo-apparel")
    assert text.returncode == 1, text.stderr
    assert "BLOCKER: API version 2025-01 left its support window" in text.stdout
    as_json = cli(env, "health", "--store", "demo-apparel", "--format", "json")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["verdict"] == "blocker" and data["api_version"]["verdict"] == "past"
    assert all(row["granted"] for row in data["scopes"])
