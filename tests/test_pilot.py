"""The pilot: test orders traced from Shopify through Cin7 Core and back, every failure explained."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.cli import main
from cin7_shopify.pilot.cleanup import plan_cleanup, run_cleanup
from cin7_shopify.pilot.engine import STEPS, Pilot
from cin7_shopify.sandbox.demo_data import ORDERS_AT_3PL, ORDERS_SINCE_GO_LIVE, SEEDED_ORDER_ERRORS
from cin7_shopify.sandbox.session import SandboxSession
from cin7_shopify.text import md_text
from tests.conftest import DEMO
from tests.sync_harness import Harness, ship
from tests.test_audit_cli import cli, saved_demo_store


def _pilot_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    if not args:
        code, out = _demo_report()
        return code, json.loads(out)
    code = main(["pilot", "--scenario", str(DEMO), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


@cache
def _demo_report() -> tuple[int, str]:
    """`pilot --scenario DEMO --format json` run once a process for the three tests that read its report (about
    0.45 s CPU a run; their xdist_group keeps them on one worker)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["pilot", "--scenario", str(DEMO), "--format", "json"])
    return code, out.getvalue()


@pytest.mark.xdist_group("pilot-demo-report")  # one worker runs the demo's pilot once for these three
def test_scenario_reports_every_seeded_order_with_its_outcome_and_error_kinds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = _pilot_json(capsys)
    assert code == 1, "held orders block the sign-off"
    orders = {o["order"]: o for o in report["orders"]}
    assert len(orders) == len(ORDERS_SINCE_GO_LIVE)
    for name, order in orders.items():
        assert [s["step"] for s in order["steps"]] == list(STEPS)
        if name in SEEDED_ORDER_ERRORS:
            assert order["outcome"] == "held", name
            assert [e["kind"] for e in order["errors"]] == SEEDED_ORDER_ERRORS[name], name
            assert all(e["message"] and e["fix"] for e in order["errors"])
            assert order["steps"][0]["ok"] is False and order["steps"][0]["detail"] == order["errors"][0]["message"]
            assert all(s["ok"] is None for s in order["steps"][1:]), "nothing after a failed import is claimed"
        elif name in ORDERS_AT_3PL:
            # Cin7 shipped it; ShipBob's app fulfils it in Shopify, not the sync: right so far, waiting.
            assert order["outcome"] == "waiting", (name, order["steps"])
            assert all(s["ok"] is True for s in order["steps"][:-1]), name
            fulfilled = order["steps"][-1]
            assert fulfilled["ok"] is None and "fulfillment service at ShipBob 3PL" in fulfilled["detail"]
            assert order["errors"] == []
        else:
            assert order["outcome"] == "passed", (name, order["steps"])
            assert all(s["ok"] is True and s["detail"] for s in order["steps"]), name
            assert order["errors"] == []
    skipped = {s["order"]: s["reason"] for s in report["skipped"]}
    assert skipped == {
        "#1026": "a test order",
        "#1027": "tagged wholesale",
        "#1028": "cancelled before it was imported",
    }


@pytest.mark.xdist_group("pilot-demo-report")  # one worker runs the demo's pilot once for these three
def test_every_imported_order_carries_equal_totals_and_line_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """SCENARIO.md: totals (Shopify's totalPrice, the Cin7 sale's own Total) and lines for every imported order."""
    _, report = _pilot_json(capsys)
    orders = report["orders"]
    imported = [o for o in orders if o["steps"][0]["ok"]]
    assert len(imported) == len(orders) - len(SEEDED_ORDER_ERRORS)
    for order in imported:
        assert order["totals"]["cin7"] == order["totals"]["shopify"], order["order"]
        assert order["lines"]["cin7"] == order["lines"]["shopify"] >= 1, order["order"]
    assert all("totals" not in o for o in orders if not o["steps"][0]["ok"]), "nothing claimed for a held order"


@pytest.mark.xdist_group("pilot-demo-report")  # one worker runs the demo's pilot once for these three
def test_failures_name_the_cause_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = _pilot_json(capsys)
    errors = {o["order"]: o["errors"][0] for o in report["orders"] if o["errors"]}
    assert "TOTE-CANVAS" in errors["#1006"]["message"] and "Create TOTE-CANVAS" in errors["#1006"]["fix"]
    assert "'VAT 20%'" in errors["#1010"]["message"] and "Map 'VAT 20%'" in errors["#1010"]["fix"]
    assert "'Melbourne Store'" in errors["#1011"]["message"]
    assert "RJK-YEL-S" in errors["#1015"]["message"] and "deprecated in Cin7 Core" in errors["#1015"]["message"]
    assert "no customer email" in errors["#1014"]["message"] and "default_customer" in errors["#1014"]["fix"]


def test_placing_orders_passes_end_to_end_for_simple_variant_and_kit(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _pilot_json(capsys, "--place", "4")
    orders = report["orders"]
    assert code == 0, orders
    assert len(orders) == 4
    for order in orders:
        assert order["outcome"] == "passed", order
        assert all(s["ok"] for s in order["steps"])
    shipped = [o["steps"][STEPS.index("fulfilled_in_shopify")]["detail"] for o in orders]
    assert all("tracking PILOT" in detail for detail in shipped)


def test_place_covers_each_product_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    signoff = tmp_path / "signoff.md"
    assert main(["pilot", "--scenario", str(DEMO), "--place", "4", "--signoff", str(signoff)]) == 0
    out = capsys.readouterr()
    assert "4 of 4 orders passed every step" in out.err
    assert "steps: 1 imported · 2 lines match · 3 customer · 4 tax · 5 stock allocated" in out.err, "a legend"
    assert "✓ passed, ✗ failed, … not reached" in out.err
    text = signoff.read_text()
    assert text.startswith("# Pilot sign-off: demo-apparel")
    assert "4 of 4 test orders passed" in text and "What to fix" not in text
    assert "| imported | lines match | customer | tax | stock allocated |" in text


def test_signoff_lists_what_to_fix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    signoff = tmp_path / "signoff.md"
    main(["pilot", "--scenario", str(DEMO), "--signoff", str(signoff)])
    capsys.readouterr()
    text = signoff.read_text()
    assert "9 of 28 store orders passed" in text and text.count("| waiting |") == len(ORDERS_AT_3PL)
    assert "test orders" not in text, "the store's own orders are not called test orders"
    assert f"- **{md_text('#1004')}**: waiting for the fulfillment service at ShipBob 3PL" in text
    # Store text is escaped so the sign-off renders it literally (no markup, no link from a name).
    message = md_text("Order #1010: tax line 'VAT 20%'")
    expected = f"- **{md_text('#1010')}** ({md_text('unmapped tax line')}): {message}"
    assert expected in text
    assert text.count("| held |") == len(SEEDED_ORDER_ERRORS)


def test_pilot_kinds_are_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    """The text report names what each placed order tests, so the consultant sees the coverage."""
    assert main(["pilot", "--scenario", str(DEMO), "--place", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all("✓✓✓✓✓✓✓" in line and "passed" in line for line in lines)


def test_pilot_on_a_saved_store_waits_for_the_warehouse(served_sandbox: str, tmp_path: Path) -> None:
    """Against a real account the pilot does not ship: it reports the orders waiting for Cin7."""
    env = saved_demo_store(served_sandbox, tmp_path)
    run = cli(env, "pilot", "--store", "demo-apparel", "--place", "2", "--format", "json")
    assert run.returncode == 1, run.stderr
    orders = json.loads(run.stdout)["orders"]
    assert len(orders) == 2
    for order in orders:
        steps = {s["step"]: s for s in order["steps"]}
        assert all(steps[s]["ok"] is True for s in STEPS[:5]), order
        assert steps["shipped_in_cin7"]["ok"] is None and "ship" in steps["shipped_in_cin7"]["detail"].lower()
        assert order["outcome"] == "waiting", "right so far, waiting on the warehouse (SCENARIO.md)"


async def test_the_pilot_watches_for_the_consultants_shipment(demo: SandboxSession, tmp_path: Path) -> None:
    """Against a real account the consultant ships in Cin7 Core; a follow-up sees it reach Shopify."""
    harness = Harness(demo, tmp_path)
    with harness.sync() as sync:
        pilot = Pilot(sync, plays_warehouse=False)
        report = await pilot.place_and_trace(2)
        assert [o.outcome for o in report.orders] == ["waiting", "waiting"]
        assert pilot.waiting(report) == report.orders

        first = report.orders[0]
        entry = sync.ledger.order(first.order_id)
        assert entry is not None and entry.sale_id
        await ship(sync.cin7, entry.sale_id, tracking="AP-PILOT-1")
        still_waiting = await pilot.follow_up(report)

        assert still_waiting == [report.orders[1]], "the order nobody shipped is still waited for"
        assert first.outcome == "passed"
        assert first.steps[STEPS.index("fulfilled_in_shopify")].detail == "fulfilled with tracking AP-PILOT-1"
        texts = [text for _, text in first.timeline]
        assert len(texts) == len(set(texts)), "a follow-up adds only what is new to the timeline"
        assert texts[0].startswith("placed test order") and texts[-1].startswith("fulfillmentCreate in Shopify")


async def test_a_pilot_before_go_live_imports_its_test_orders_and_none_of_the_stores(
    demo: SandboxSession, tmp_path: Path
) -> None:
    """The pilot runs before go-live: its orders are older than the go-live date, the store's are not its to import."""
    harness = Harness(demo, tmp_path)
    harness.settings = harness.settings.model_copy(update={"go_live": datetime(2027, 1, 15, tzinfo=UTC)})
    with harness.sync() as sync:
        report = await Pilot(sync, plays_warehouse=True).place_and_trace(2)
        assert [o.outcome for o in report.orders] == ["passed", "passed"]
        placed = {o.order_id for o in report.orders}
        imported = {e.order_id for e in sync.ledger.orders.values() if e.sale_id}
    assert imported == placed, "placing test orders does not start importing the store"


async def test_a_backordered_test_order_is_not_shipped_by_the_played_warehouse(
    demo: SandboxSession, tmp_path: Path
) -> None:
    """Shopify sold what Cin7 Core does not hold: Cin7 will not pick a backorder, so no ship is faked."""
    harness = Harness(demo, tmp_path)
    for row in demo.cin7.availability:
        if row["Location"] == "Main Warehouse":
            row["OnHand"], row["Available"] = 0.0, -row["Allocated"]
    with harness.sync() as sync:
        report = await Pilot(sync, plays_warehouse=True).place_and_trace(1)
    (order,) = report.orders
    stock_step, ship_step = order.steps[STEPS.index("stock_allocated")], order.steps[STEPS.index("shipped_in_cin7")]
    assert stock_step.ok is False and "backordered at Main Warehouse" in stock_step.detail
    assert ship_step.ok is None and "nothing can be picked at Main Warehouse until stock arrives" in ship_step.detail
    (sale,) = harness.sales_for(order.order_id)
    assert sale["CombinedShippingStatus"] != "SHIPPED" and order.outcome == "failed"


async def test_clean_up_lists_then_cancels_the_test_orders_and_voids_their_sales(
    demo: SandboxSession, tmp_path: Path
) -> None:
    harness = Harness(demo, tmp_path)
    with harness.sync() as sync:
        report = await Pilot(sync, plays_warehouse=False).place_and_trace(2)
        placed = [o.order_id for o in report.orders]
        real = harness.order_id("#1001")
        demo.shopify.update_order(real, tags=["cin7-shopify-pilot"])  # a real order someone tagged: never touched
        # A merchant tags a test order too: `tag:` finds an order by any one of its tags (Shopify's search).
        demo.shopify.update_order(placed[0], tags=["reviewed", "cin7-shopify-pilot"])

        items = await plan_cleanup(sync)
        assert [i.order_id for i in items] == placed
        assert all(i.sale.startswith("SO-") and i.cin7_action == "voided, its stock released" for i in items)
        assert not any(s["Status"] == "VOIDED" for o in placed for s in harness.sales_for(o)), "listing touches nothing"

        assert await run_cleanup(sync, items) == [o.name for o in report.orders]
        for order_id in placed:
            assert demo.shopify.orders_by_id[order_id]["cancelledAt"]
            (sale,) = harness.sales_for(order_id)
            assert sale["Status"] == "VOIDED"
        assert not demo.shopify.orders_by_id[real]["cancelledAt"]
        assert await plan_cleanup(sync) == [], "nothing is left to clean up"


async def test_clean_up_of_shipped_orders_asks_for_a_credit_note(demo: SandboxSession, tmp_path: Path) -> None:
    harness = Harness(demo, tmp_path)
    with harness.sync() as sync:
        report = await Pilot(sync, plays_warehouse=True).place_and_trace(1)
        (item,) = await plan_cleanup(sync)
        assert "will not void it" in item.cin7_action
        await run_cleanup(sync, [item])
        (sale,) = harness.sales_for(report.orders[0].order_id)
        assert sale["Status"] != "VOIDED", "Cin7 Core refuses to void a shipped sale"
        kinds = [e.kind for e in sync.journal.entries() if e.ref == report.orders[0].name]
        assert "credit_note_needed" in kinds
