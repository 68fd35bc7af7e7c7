"""Cut-over from Cin7 Core's own connector to our sync at TIME: every double and every gap found, and fixed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.cli import main
from cin7_shopify.clock import ManualClock
from cin7_shopify.sandbox.scenario import Scenario, load_scenario
from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.sandbox.store import SandboxStore
from cin7_shopify.state.profiles import ProfileStore
from cin7_shopify.sync.cutover import CutoverReport, cutover_check, cutover_plan
from cin7_shopify.workspace import StoreSession, Workspace
from tests.test_observe import OBSERVED

AT = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _at(seconds: float) -> str:
    return (AT + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _order(number: int, created: float, **fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = copy.deepcopy(
        next(o for o in load_scenario(OBSERVED).shopify["orders"] if o["name"] == "#2001")
    )
    order.update(id=f"gid://shopify/Order/{number}", name=f"#{number}", createdAt=_at(created), **fields)
    for index, line in enumerate(order["lineItems"]):
        line["id"] = f"gid://shopify/LineItem/{number}{index}"
    return order


def cutover_scenario() -> Scenario:
    """Orders before, at and after TIME; the old connector switched off a minute late; our sync live at TIME."""
    scenario = load_scenario(OBSERVED)
    scenario.shopify = copy.deepcopy(scenario.shopify)
    scenario.cin7 = copy.deepcopy(scenario.cin7)
    scenario.shopify["orders"] += [
        _order(3001, -600),  # before: the old connector's
        _order(3002, -120, processedAt=_at(90)),  # placed before, paid after the switch: nobody's by itself
        _order(3003, 0),  # at TIME: ours, and the old connector's too (still on)
        _order(3004, 30),  # after: the same
        _order(3005, 300),  # after the old connector stopped: ours only
        _order(3006, -300, displayFinancialStatus="PENDING"),  # in flight: not paid yet
    ]
    scenario.cin7["BuiltinConnector"]["LoadOrdersUntil"] = _at(60)  # the consultant was a minute late
    scenario.settings = {**scenario.settings, "mode": "sync", "go_live": _at(0)}
    return scenario


def _session(scenario: Scenario) -> tuple[StoreSession, SandboxStore]:
    store = SandboxStore(open_sandbox(scenario, clock=ManualClock()))
    workspace = Workspace(ProfileStore(store.folder / "profiles.json"), sources=[store])
    return workspace.session(store.profile.name), store


async def _check(session: StoreSession) -> CutoverReport:
    cin7, shopify = session.open_clients()
    async with cin7, shopify:
        return await cutover_check(cin7, shopify, session.settings(), AT, store=session.name)


async def test_cutover_check_finds_every_double_and_gap_and_none_after_its_fixes() -> None:
    session, store = _session(cutover_scenario())
    async with session.open_sync() as sync:
        await sync.orders_pass()  # our sync, live at TIME
    report = await _check(session)
    found = {(e.order, e.kind) for e in report.exceptions}
    assert found == {("#3003", "double"), ("#3004", "double"), ("#3002", "gap"), ("#2003", "gap")}
    assert [o.order for o in report.in_flight] == ["#3006"]
    double = next(e for e in report.exceptions if e.order == "#3003")
    assert {s.made_by for s in double.sales} == {"our sync", "the other integration"}
    assert "(the other integration)" in double.fix and "(our sync) stays" in double.fix
    # The fixes, as listed: void the old connector's extra sales, load the gaps by hand in it.
    connector = store.session.connector
    assert connector is not None
    cin7, _ = session.open_clients()
    async with cin7:
        for exception in report.exceptions:
            for action in exception.actions:
                if "void_sale" in action:
                    await cin7.void_sale(action["void_sale"])
                elif "load_in_old_connector" in action:
                    assert connector.load_order(action["load_in_old_connector"])
    after = await _check(session)
    assert after.exceptions == [] and after.clean
    assert [o.order for o in after.in_flight] == ["#3006"], "still to be paid: listed, not an exception"


async def test_an_order_our_sync_imported_before_time_is_left_to_the_old_connector() -> None:
    scenario = cutover_scenario()
    scenario.settings["go_live"] = _at(-900)  # go-live set too early: our sync takes orders the old one had
    session, _ = _session(scenario)
    async with session.open_sync() as sync:
        await sync.orders_pass()
    report = await _check(session)
    kinds = {(e.order, e.kind) for e in report.exceptions}
    assert ("#3001", "double") in kinds and ("#3002", "imported_by_us") in kinds
    double = next(e for e in report.exceptions if e.order == "#3001")
    assert "(our sync)" in double.fix.split(";")[0], "before TIME the old connector's sale stays"


async def test_cutover_plan_lists_the_switches_and_the_orders_in_flight() -> None:
    scenario = cutover_scenario()
    scenario.settings["mode"] = "observe"
    session, _ = _session(scenario)
    cin7, shopify = session.open_clients()
    async with cin7, shopify:
        plan = await cutover_plan(cin7, shopify, session.settings(), AT, store=session.name)
    text = " ".join(plan.steps)
    assert "'Load orders from Shopify'" in text and "'Update stock levels in Shopify'" in text
    assert f"mode=sync go_live={_at(0)}" in text
    assert [o.order for o in plan.in_flight] == ["#3006"]


def test_cutover_check_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = cutover_scenario()
    folder = tmp_path / "cutover"
    folder.mkdir()
    for name, data in (("shopify.json", scenario.shopify), ("cin7.json", scenario.cin7)):
        (folder / name).write_text(json.dumps(data))
    (folder / "settings.json").write_text(json.dumps(scenario.settings))
    code = main(["cutover", "check", "--scenario", str(folder), "--at", _at(0), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    # Our sync has not run here: the orders after the old connector stopped have no sale yet.
    assert {(e["order"], e["kind"]) for e in report["exceptions"]} == {
        ("#3005", "gap"), ("#3002", "gap"), ("#2003", "gap")
    }  # fmt: skip
    assert main(["cutover", "check", "--scenario", str(folder), "--at", "tomorrow"]) == 2
    assert "'tomorrow' is not a time" in capsys.readouterr().err
