"""The audit's missing_service_product: every service product the settings name must be a Cin7 Service product."""

from __future__ import annotations

import json

import pytest

from cin7_shopify.audit.engine import run_audit
from cin7_shopify.audit.export import KIND_TITLES, report_json
from cin7_shopify.audit.models import FINDING_KINDS
from cin7_shopify.audit.service import AuditRun
from cin7_shopify.settings import StoreSettings
from tests.conftest import DEMO, audit_of


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    return audit_of(DEMO, tmp_path_factory)  # type: ignore[no-any-return]


def settings(**services: str | None) -> StoreSettings:
    saved = StoreSettings.from_json_dict(json.loads((DEMO / "settings.json").read_text()))
    return saved.model_copy(update=services)


def test_every_named_service_product_that_cin7_lacks_is_a_blocker(demo_run: AuditRun) -> None:
    wanted = settings(
        shipping_product="Shipping",  # an active Service product: fine
        tip_product="Staff Tips",  # nowhere in Cin7 Core
        duty_product="Wool Scarf Grey",  # a stock product, not a service
        gift_card_product=None,  # not named: nothing to check
    )
    report = run_audit(demo_run.shopify, demo_run.cin7, wanted, store="Demo Apparel")
    found = {f.cin7["setting"]: f for f in report.findings if f.kind == "missing_service_product"}  # type: ignore[index]
    assert set(found) == {"tip_product", "duty_product"}
    assert all(f.severity == "blocker" for f in found.values())
    assert found["tip_product"].sku is None and "has no product of that name" in found["tip_product"].message
    assert found["duty_product"].sku == "SCARF-WOOL-GRY"
    assert "is a Stock product in Cin7 Core, not a Service product" in found["duty_product"].message
    assert "set duty_product to one that exists" in found["duty_product"].fix
    assert not report.ready
    exported = report_json(report)
    assert sum(f["kind"] == "missing_service_product" for f in exported["findings"]) == 2


def test_the_kind_is_listed_and_titled_like_the_others() -> None:
    assert "missing_service_product" in FINDING_KINDS and "missing_service_product" in KIND_TITLES
