"""`plan capacity`: the peak hour predicted from the sync's own call counts, and rehearsed in the sandboxes.

The rehearsal runs the real sync against both sandboxes for a simulated hour; at 200 orders an hour
it takes a minute of real time, and the heavy loads of the grid (3 and 10 stores, 1,000 and 5,000
orders an hour) take many minutes each, mostly the Shopify sandbox serving tens of thousands of
order pages: those are `scripts/bench_capacity.py`'s. Here the prediction covers the whole grid.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cin7_shopify.cli import main
from cin7_shopify.reports.capacity import SALE_AUTHORISE, SALE_CREATE, Load, predict
from tests.conftest import DEMO as DEMO_STORE

CATALOGUE = Load(orders_per_hour=1, products=161, stock_rows=401, known_customers=30)  # the demo's catalogue


@pytest.mark.parametrize("stores", [1, 3, 10])
@pytest.mark.parametrize("orders", [200, 1000, 5000])
def test_the_grid_is_predicted_within_the_budget(stores: int, orders: int) -> None:
    plan = predict(replace(CATALOGUE, orders_per_hour=orders, stores=stores))
    hour = plan.predicted
    assert hour.arrived == stores * orders
    assert hour.imported <= hour.arrived
    assert sum(hour.calls.values()) <= 60 * 61  # the pacer's 60 calls in any 61 s, never more
    assert hour.calls[SALE_CREATE] >= hour.imported and hour.calls[SALE_AUTHORISE] == hour.imported
    # Every order costs at least its sale and its authorisation: the demand grows with the load.
    assert plan.demand_per_minute >= stores * orders * 2 / 60
    if plan.demand_per_minute > 60:
        assert hour.backlog > 0 and hour.worst_lag_minutes > 5
        advice = " ".join(plan.recommendations)
        assert ("applications of 60 calls" in advice) if stores > 1 else ("cut calls per order" in advice)
    else:
        assert "The load fits" in plan.recommendations[0]


def test_more_stores_on_one_account_wait_longer() -> None:
    lags = [
        predict(replace(CATALOGUE, orders_per_hour=200, stores=stores)).predicted.mean_lag_minutes
        for stores in (1, 3, 10)
    ]
    assert lags == sorted(lags) and lags[-1] > 3 * lags[0]


def test_a_new_customer_costs_its_create_and_the_advice_says_how_to_save_it() -> None:
    """The customer list is read once (then once a pass for what changed): a new customer costs its create."""
    known = predict(replace(CATALOGUE, orders_per_hour=1000, new_customers=0.0))
    new = predict(replace(CATALOGUE, orders_per_hour=1000, new_customers=1.0))
    assert new.demand_per_minute == pytest.approx(known.demand_per_minute + 1000 * 1 / 60, abs=1)
    over = predict(replace(CATALOGUE, orders_per_hour=2000, new_customers=1.0))  # past the budget
    assert any("customer_mode=default_customer" in line for line in over.recommendations)


def test_rehearsal_agrees_with_the_prediction(capsys: pytest.CaptureFixture[str]) -> None:
    """200 orders an hour on the demo store, one store: the hour run through the sync and both sandboxes."""
    code = main(
        [
            "plan",
            "capacity",
            "--scenario",
            str(DEMO_STORE),
            "--orders-per-hour",
            "200",
            "--new-customers",
            "30",
            "--format",
            "json",
        ]
    )
    assert code == 0  # the load fits
    (plan,) = json.loads(capsys.readouterr().out).values()
    predicted, simulated = plan["predicted"], plan["simulated"]
    assert simulated["arrived"] == predicted["arrived"] == 200
    assert simulated["calls"] == predicted["calls"]  # the model counts every call the sync makes, by kind
    for name, figure in plan["agreement"].items():
        assert figure["within"], (name, figure)
    assert 0 < simulated["mean_lag_minutes"] < 5  # orders every 5 minutes: half of that on average, and the pass


def test_plan_capacity_refuses_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "capacity", "--scenario", str(DEMO_STORE), "--orders-per-hour", "0"]) == 2
    assert "out of range" in capsys.readouterr().err
    assert main(["plan", "capacity", "--store", "nobody", "--orders-per-hour", "200", "--no-rehearsal"]) == 2
    assert "nobody" in capsys.readouterr().err
    assert main(["plan", "capacity", "--scenario", str(DEMO_STORE), "--orders-per-hour", "5000", "--no-rehearsal"]) == 1
    assert "against a budget of 60" in capsys.readouterr().out
