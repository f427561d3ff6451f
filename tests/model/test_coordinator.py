"""The coordinator (sim/model/coordinator.py): the day's plan, the time series and the event log."""

from __future__ import annotations

import pandas as pd
from helpers import limiting_scenario, run_model

from sim import load_scenario
from sim.model.outcomes import EVENT_COLUMNS, OUTCOMES


def test_timeseries_and_events_are_tidy():
    model = run_model(load_scenario(threat="high", days=60, seed=3))
    ts, ev, out = model.timeseries, model.events, model.outcomes()
    assert list(ts.day) == list(range(60))
    for col in ("foreign_killed", "attacks_attempted", "trips_completed"):
        assert ts[col].is_monotonic_increasing
        assert ts[col].iloc[-1] == out[col]
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert (ev.event == "attack").sum() == out["attacks_executed"]
    assert (ev.event == "foiled").sum() == out["attacks_foiled"]
    assert ev.foreign_killed.sum() == out["foreign_killed"]
    assert set(out) == set(OUTCOMES)


def test_the_event_log_built_by_columns_equals_the_frame_of_rows_cast():
    """Column by column in final types gives the frame of rows, casualties filled, cast."""
    from sim.model.outcomes import CASUALTY_GROUPS

    sc = load_scenario(policy="joint_escort", threat="high", days=365, seed=5)
    model = run_model(sc.replace(attacks__modes=True, attacks__night=True))
    rows = pd.DataFrame(model._events, columns=list(EVENT_COLUMNS))
    for col in CASUALTY_GROUPS:
        rows[col] = rows[col].fillna(0)
    expected = rows.astype(EVENT_COLUMNS)
    kinds = set(expected.event)
    assert len(expected) >= 10 and {"attack", "interdiction"} <= kinds, kinds
    pd.testing.assert_frame_equal(model.events, expected)


def test_empty_event_log_keeps_its_columns():
    ev = run_model(limiting_scenario(days=2)).events
    assert ev.empty and list(ev.columns) == list(EVENT_COLUMNS)
    assert str(ev.dtypes["foreign_killed"]) == "int64"
    assert isinstance(ev, pd.DataFrame)


def test_the_day_plan_is_the_submodels_hooks_in_order_with_their_times():
    from sim import CorridorModel
    from sim.model.submodel import Submodel

    model = CorridorModel(load_scenario(days=3, seed=1))
    steps = model.plan.steps()
    assert [(phase, hook.__self__.name, hook.__name__) for phase, hook in steps] == [
        ("close", "threat", "end_day"),
        ("close", "targets", "end_day"),
        ("close", "population", "end_day"),
        ("record", "population", "record"),
        ("record", "threat", "record"),
        ("open", "population", "start_day"),
        ("open", "demand", "start_day"),
    ]
    assert all(isinstance(hook.__self__, Submodel) for _, hook in steps)
    model.run()
    table = model.plan_table()
    assert list(table.hook) == [hook.__name__ for _, hook in steps]
    assert (table.seconds > 0).all()
    assert len(model.timeseries) == 3  # every day closed once, with its row
