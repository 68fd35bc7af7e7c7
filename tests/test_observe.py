"""Observe mode: Cin7 Core's own connector imports the orders; we write nothing and report exactly its mistakes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from cin7_shopify.cli import main
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.builtin_connector import ConnectorSettings
from cin7_shopify.sandbox.observed_demo import SEEDED_MISTAKES
from cin7_shopify.sandbox.scenario import Scenario, ScenarioError, load_scenario
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.sandbox.store import SandboxStore, sandbox_workspace
from cin7_shopify.settings import SettingsError, StoreSettings
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.sync.reconcile import reconcile
from cin7_shopify.sync.runner import run_forever
from cin7_shopify.tui.app import make_app
from cin7_shopify.tui.screens.error_log import ErrorLogScreen
from cin7_shopify.tui.screens.pilot import PilotScreen
from cin7_shopify.tui.widgets.virtual_table import VirtualTable
from cin7_shopify.workspace import Workspace
from tests.tui_support import SandboxRouter, settle

OBSERVED = Path(__file__).resolve().parents[1] / "sample_data" / "demo-observed"
WRITES = {"POST", "PUT", "DELETE"}


def _scenario(**settings: Any) -> Scenario:
    scenario = load_scenario(OBSERVED)
    scenario.settings = {**scenario.settings, **settings}
    return scenario


def _store(scenario: Scenario | Path = OBSERVED) -> tuple[Workspace, SandboxStore]:
    store = SandboxStore(open_sandbox(scenario, clock=ManualClock()))
    return Workspace(ProfileStore(store.folder / "profiles.json"), sources=[store]), store


def _quantities(store: SandboxStore) -> dict[tuple[str, str], dict[str, Any]]:
    """Shopify's stock numbers per item and location (the level records link back to their items)."""
    levels = store.session.shopify.levels
    return {key: {k: v for k, v in level.items() if isinstance(v, int | float)} for key, level in levels.items()}


def test_observe_reports_each_seeded_mistake_with_its_kind_and_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["pilot", "--scenario", str(OBSERVED), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    found = {(o["order"], e["kind"]) for o in report["orders"] for e in o["errors"]}
    assert found == set(SEEDED_MISTAKES.items())
    orders = {o["order"]: o for o in report["orders"]}
    (total,) = orders["#2004"]["errors"]
    assert total["cause"] == "discount" and "74.00" in total["message"] and "66.60" in total["message"]
    assert "Bondi Shop" in orders["#2005"]["errors"][0]["message"]
    assert "Ben Carter 2" in orders["#2006"]["errors"][0]["message"]
    assert orders["#2003"]["outcome"] == "failed", "the other integration's import step failed; ours held nothing"
    # Every other order was imported by the connector, matched by CustomerReference, and is right so far:
    # waiting only for the warehouse to ship it.
    for name, order in orders.items():
        if name not in SEEDED_MISTAKES:
            assert order["outcome"] == "waiting" and order["matched_by"] == "customer_reference", order
    assert {s["order"] for s in report["skipped"]} == {"#2008", "#2009"}


async def test_the_observe_pass_journals_the_mistakes_once_and_writes_nothing_to_either_side() -> None:
    workspace, store = _store()
    session = workspace.session(store.profile.name)
    levels_before = _quantities(store)
    async with session.open_sync() as sync:
        for _ in range(2):
            passed = await sync.orders_pass()
            await sync.fulfilment_pass()
    assert passed.held == sorted(SEEDED_MISTAKES)
    entries = session.journal_entries()
    assert {(e.ref, e.kind) for e in entries} == set(SEEDED_MISTAKES.items()), "each once, however many passes"
    assert all(e.status == "open" and e.fix for e in entries)
    ours = [(method, path) for _, method, path, _ in store.session.cin7.call_log if method in WRITES]
    assert ours == [], "observe mode writes nothing to Cin7 Core"
    assert _quantities(store) == levels_before and all(not o["fulfillments"] for o in store.session.shopify.orders)


async def test_a_fixed_mistake_is_resolved_in_the_journal_and_writes_are_refused() -> None:
    workspace, store = _store()
    session = workspace.session(store.profile.name)
    async with session.open_sync() as sync:
        await sync.orders_pass()
        assert store.session.connector is not None
        store.session.connector.load_order("#2003")  # the consultant loads the missed order by hand
        await sync.orders_pass()
        with pytest.raises(Exception, match="observe mode") as refused:
            await sync.stock_push()
        assert "mode=sync" in str(getattr(refused.value, "hint", ""))
    open_kinds = {(e.ref, e.kind) for e in session.journal_entries() if e.status == "open"}
    # Loading it allocated its 2 beanies in Cin7 Core; Shopify shows them until the connector's stock update runs.
    drift = ("BEANIE-RED at Sydney Warehouse", "stock_drift")
    assert open_kinds == set(SEEDED_MISTAKES.items()) - {("#2003", "order_missed")} | {drift}


async def test_stock_drift_per_mapped_location_is_reported() -> None:
    scenario = load_scenario(OBSERVED)
    scenario.shopify = copy.deepcopy(scenario.shopify)
    scenario.shopify["products"][1]["variants"][0]["inventoryLevels"][1]["available"] += 3  # SCARF-GRY at Bondi
    workspace, store = _store(scenario)
    async with workspace.session(store.profile.name).open_sync() as sync:
        report = await sync.observe_pass()
    assert [(ref, p.kind) for ref, p in report.problems() if p.kind == "stock_drift"] == [
        ("SCARF-GRY at Bondi Store", "stock_drift")
    ]


async def test_an_order_within_the_grace_period_is_waiting_not_an_error() -> None:
    workspace, store = _store(_scenario(observe_grace_minutes=60))
    async with workspace.session(store.profile.name).open_sync() as sync:
        report = await sync.observe_pass(now=datetime(2026, 11, 20, 11, 45, tzinfo=UTC))  # #2003 paid 11:15
    missed = next(o for o in report.orders if o.name == "#2003")
    assert missed.waiting and missed.problems == []
    assert {p.kind for _, p in report.problems()} == {"total_differs", "wrong_location", "duplicate_customer"}


@pytest.mark.parametrize(
    ("rule", "matched"),
    [("customer_reference", 7), ("external_id", 0), ("sale_number", 0), ("any", 7)],
)
async def test_the_match_rule_decides_which_sales_belong_to_which_order(rule: str, matched: int) -> None:
    workspace, store = _store(_scenario(observe_match=rule))
    async with workspace.session(store.profile.name).open_sync() as sync:
        report = await sync.observe_pass()
    assert sum(bool(o.sales) for o in report.orders) == matched
    missed = {o.name for o in report.orders if any(p.kind == "order_missed" for p in o.problems)}
    assert len(missed) == 8 - matched


async def test_a_sale_number_pattern_matches_an_integration_that_numbers_sales_after_the_order() -> None:
    workspace, store = _store(_scenario(observe_match="sale_number", sale_number_pattern="SHOP-{number}"))
    assert store.session.connector is not None
    store.session.connector.catch_up()
    for sale in store.session.cin7.sales.values():  # an integration that numbers sales after the order
        sale["OrderNumber"] = "SHOP-" + sale["CustomerReference"].lstrip("#")
        sale["CustomerReference"] = None
    async with workspace.session(store.profile.name).open_sync() as sync:
        report = await sync.observe_pass()
    assert {o.name for o in report.orders if o.rule == "sale_number"} == {
        "#2001", "#2002", "#2004", "#2005", "#2006", "#2007", "#2010"
    }  # fmt: skip


def test_a_sale_number_pattern_without_its_number_is_refused_with_an_example() -> None:
    with pytest.raises(SettingsError, match=r"no \{number\}.*SHOP-\{number\}"):
        StoreSettings.from_json_dict({"sale_number_pattern": "SHOP-"})


async def test_reconcile_on_an_observed_store_finds_the_missed_order_and_the_wrong_total() -> None:
    workspace, store = _store()
    session = workspace.session(store.profile.name)
    cin7, shopify = session.open_clients()
    async with cin7, shopify:
        report = await reconcile(cin7, shopify, session.settings(), datetime(2026, 11, 1, tzinfo=UTC))
    assert {(m.kind, m.ref) for m in report.mismatches} == {("missing_in_cin7", "#2003"), ("total_differs", "#2004")}


def test_sandbox_check_names_a_connector_mistake_on_an_order_that_is_not_there(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in ("shopify.json", "settings.json"):
        (folder / name).write_text((OBSERVED / name).read_text())
    cin7 = json.loads((OBSERVED / "cin7.json").read_text())
    cin7["BuiltinConnector"]["Mistakes"].append({"Kind": "order_missed", "Order": "#9999"})
    (folder / "cin7.json").write_text(json.dumps(cin7))
    with pytest.raises(ScenarioError, match=r'Mistakes\[4\] "order_missed" → Order: "#9999" is not an order'):
        load_scenario(folder)
    cin7["BuiltinConnector"]["Mistakes"][-1] = {"Kind": "lost_order", "Order": "#2001"}
    (folder / "cin7.json").write_text(json.dumps(cin7))
    with pytest.raises(ScenarioError, match=r"BuiltinConnector\.Mistakes\[4\]\.Kind: Input should be 'order_missed'"):
        load_scenario(folder)


def test_the_connector_settings_state_its_defaults() -> None:
    settings = ConnectorSettings()
    assert settings.CaptureOrderWhen == "Paid" and settings.LoadOrders and settings.ShippingProduct == "Shipping"


async def test_the_console_pilot_traces_an_observed_store_and_shows_each_mistake(tmp_path: Path) -> None:
    session = open_sandbox(OBSERVED, clock=ManualClock())
    workspace = Workspace(
        ProfileStore(tmp_path / "profiles.json"),
        sources=[SandboxStore(session)],
        transport=SandboxRouter(session),  # type: ignore[arg-type]
    )
    app = make_app(workspace, remember=False, theme="cin7-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PilotScreen)
        await pilot.press("i")  # trace the store's own orders
        await settle(pilot)
        rows = {row[0]: row for row in screen.query_one(VirtualTable).rows}
        assert {name for name, row in rows.items() if row[8] in {"failed", "held"}} == set(SEEDED_MISTAKES)
        table = screen.query_one(VirtualTable)
        table.cursor = list(rows).index("#2004")
        await pilot.pause()
        text = str(screen.query_one("#detail-text").render())
        assert "total_differs" in text and "discount" in text
        # The error log holds the same mistakes, each once, from the same pass.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        log = pilot.app.screen
        assert isinstance(log, ErrorLogScreen)
        entries = [entry for row in log.shown for entry in log._entries_of(row)]
        assert {(entry.ref, entry.kind) for entry in entries} == set(SEEDED_MISTAKES.items())


async def test_the_demo_shows_the_observed_store_beside_the_synced_one(tmp_path: Path) -> None:
    workspace, _ = sandbox_workspace(
        clock=ManualClock(), workspace=Workspace(ProfileStore(tmp_path / "profiles.json")), observed=True
    )
    try:
        observed = workspace.session("demo-observed")
        assert observed.settings().mode == "observe"
        assert workspace.other_location_maps(observed) == {}, "another merchant: no locations shared with the demo"
        app = make_app(workspace, remember=False, theme="cin7-dark")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#stores", DataTable)
            names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert names[:2] == ["demo-apparel (sandbox)", "demo-observed (sandbox)"]
        async with observed.open_sync() as sync:
            passed = await sync.orders_pass()
        assert passed.held == sorted(SEEDED_MISTAKES)
    finally:
        workspace.close()


def test_sandbox_check_names_the_built_in_connector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "check", "--scenario", str(OBSERVED)]) == 0
    assert "Cin7's built-in connector with 4 seeded mistakes" in capsys.readouterr().out


async def test_a_sync_run_on_an_observed_store_says_what_it_observed_and_pushes_no_stock() -> None:
    workspace, store = _store()
    said: list[str] = []
    async with workspace.session(store.profile.name).open_sync() as sync:
        assert await run_forever(sync, once=True, report=said.append, clock=ManualClock())
    assert said == ["observed: 4 order(s) with problems (the error log says which); nothing written"]
    assert not [c for c in store.session.cin7.call_log if c[1] in WRITES]


async def test_a_second_pass_reads_no_sale_that_did_not_change() -> None:
    """An observed store is checked every few minutes for weeks: a sale is read again only when it (or
    its Shopify order) changed, so the pass costs what is new, not one Cin7 call per order since go-live."""
    workspace, store = _store()
    async with workspace.session(store.profile.name).open_sync() as sync:
        first = await sync.observe_pass()
        log = store.session.cin7.call_log
        before = len([call for call in log if call[1] == "GET" and call[2].endswith("/sale")])
        again = await sync.observe_pass()
        reads = len([call for call in log if call[1] == "GET" and call[2].endswith("/sale")]) - before
        assert store.session.connector is not None
        store.session.connector.load_order("#2003")  # a new sale: read once
        third = await sync.observe_pass()
        new_reads = len([call for call in log if call[1] == "GET" and call[2].endswith("/sale")]) - before - reads
    assert before > 0 and reads == 0
    assert [o.to_json() for o in again.orders] == [o.to_json() for o in first.orders]
    assert new_reads == 1 and "#2003" not in {ref for ref, p in third.problems() if p.kind == "order_missed"}
