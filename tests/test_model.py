"""One test per mechanism of the model, on small limiting configurations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import limiting_scenario, personnel_by_hand

from agents import Convoy, GuardUnit, MilitantCell
from sim import CorridorModel, load_scenario
from sim.model.outcomes import EVENT_COLUMNS, OUTCOMES
from sim.model.security import largest_remainder as _largest_remainder


def run(sc, **kw):
    return CorridorModel(sc, **kw).run()


def test_largest_remainder_allocates_exactly():
    assert _largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert _largest_remainder(5, {"a": 0.7, "b": 0.3}) == {"a": 4, "b": 1}
    assert _largest_remainder(0, {"a": 1}) == {"a": 0}


def test_convoys_wait_for_a_free_escort():
    scarce = run(limiting_scenario(days=20, policy=dict(escort_units=1, escort_size=2)))
    ample = run(limiting_scenario(days=20, policy=dict(escort_units=500, escort_size=2)))
    assert scarce.outcomes()["trips_delayed"] > 0 and scarce.outcomes()["delay_hours"] > 0
    assert ample.outcomes()["trips_delayed"] == 0 == ample.outcomes()["delay_hours"]
    assert ample.outcomes()["trips_completed"] > scarce.outcomes()["trips_completed"]


def test_travel_time_counts_the_night_halt():
    """960 km at 48 km/h from 08:00: 11 h to the 19:00 halt, 9 h more from 06:00 next day."""
    sc = limiting_scenario(
        seed=2, days=3, trips_per_day=1.0, length_km=960.0, demand=dict(passengers_mean=1.0)
    )
    model = CorridorModel(sc)
    model.run()
    out = model.outcomes()
    assert out["trips_completed"] == out["trips_started"] >= 1  # this seed's trips all arrive
    per_trip_hours = out["foreign_person_hours"] / out["trips_completed"]
    np.testing.assert_allclose(per_trip_hours, 31.0)
    np.testing.assert_allclose(out["foreign_person_km"] / out["trips_completed"], 960.0)


def test_short_trip_hours_are_exact():
    sc = limiting_scenario(
        days=5, trips_per_day=2.0, length_km=120.0, demand=dict(passengers_mean=1.0)
    )
    out = run(sc).outcomes()
    np.testing.assert_allclose(out["foreign_person_hours"] / out["trips_completed"], 2.5)


def test_recruitment_creates_and_splits_cells():
    none = run(limiting_scenario(days=60, threat=dict(cells=0, recruitment_rate=0.0)))
    assert none.outcomes()["cells_active_end"] == 0
    grow = run(
        limiting_scenario(
            days=60,
            threat=dict(cells=0, recruitment_rate=2.0, cell_strength=5, max_cell_strength=8),
        )
    )
    cells = list(grow.agents_by_type[MilitantCell])
    assert len(cells) >= 3
    assert all(1 <= c.strength <= 8 for c in cells)
    assert grow.timeseries.cells_active.is_monotonic_increasing


def test_interdiction_rolls_up_cells():
    model = run(limiting_scenario(days=5, threat=dict(cells=10, interdiction_rate=50.0)))
    out = model.outcomes()
    assert out["plots_interdicted"] == 10 and out["cells_active_end"] == 0
    ev = model.events
    assert (ev.event == "interdiction").sum() == 10
    assert model.timeseries.cells_active.iloc[0] == 0


def test_intelligence_cuts_collateral_harm():
    common = dict(cells=40, interdiction_rate=50.0, collateral=0.5, bystanders=10)
    blunt = run(limiting_scenario(days=2, threat=dict(common, intel_precision=1.0)))
    precise = run(
        limiting_scenario(
            days=2, threat=dict(common, intel_precision=1.0), policy=dict(intel_sharing=1.0)
        )
    )
    assert blunt.outcomes()["civilians_killed"] > 100
    assert precise.outcomes()["civilians_killed"] == 0
    # collateral harm lowers legitimacy
    assert blunt.timeseries.mean_legitimacy.iloc[0] < 0.6 - 0.01 * 100 * 0.5
    assert precise.timeseries.mean_legitimacy.iloc[0] == pytest.approx(0.6)


def test_patrols_and_intelligence_raise_interdiction():
    base = dict(
        cells=200,
        interdiction_rate=0.0,
        patrol_interdiction_per_guard=0.001,
        intel_interdiction=0.05,
    )
    out0 = run(limiting_scenario(days=10, threat=base)).outcomes()
    out1 = run(limiting_scenario(days=10, threat=base, policy=dict(patrols=2))).outcomes()
    out2 = run(limiting_scenario(days=10, threat=base, policy=dict(intel_sharing=1.0))).outcomes()
    assert out0["plots_interdicted"] == 0
    assert 0 < out1["plots_interdicted"] < out2["plots_interdicted"]


def test_checkpoints_screen_attacks_on_adjacent_roads():
    sc = limiting_scenario(
        days=30,
        threat=dict(ambush_rate=0.01, screen_per_guard=0.5),
        policy=dict(checkpoints=1, checkpoint_size=1),
    )
    model = run(sc)
    (cp,) = [g for g in model.agents_by_type[GuardUnit] if g.role == "checkpoint"]
    name = model.net.G.nodes[cp.node]["name"]
    ev = model.events[model.events.event.isin(["attack", "foiled"])]
    near = ((ev.edge_u == name) | (ev.edge_v == name)).to_numpy(bool)
    assert near.any() and (~near).any()
    np.testing.assert_allclose(ev.p_foil[near], 0.5)
    np.testing.assert_allclose(ev.p_foil[~near], 0.0)


def test_quick_reaction_force_cuts_lethality():
    common = dict(ambush_rate=0.01, lethality=0.8, qrf_mitigation_per_guard=1.0)
    near = run(
        limiting_scenario(days=30, threat=dict(common, qrf_reach_h=100.0), policy=dict(qrf_units=1))
    )
    far = run(
        limiting_scenario(days=30, threat=dict(common, qrf_reach_h=0.0), policy=dict(qrf_units=1))
    )
    assert near.events.qrf.all() and near.outcomes()["foreign_killed"] == 0
    assert far.outcomes()["foreign_killed"] > 0


def test_armor_enters_the_contest():
    sc = limiting_scenario(
        days=20,
        threat=dict(ambush_rate=0.01, armor=3.0, team_size=3),
        policy=dict(armored_share=1.0),
    )
    ev = run(sc).events
    np.testing.assert_allclose(ev.p_break, 0.5)


def test_joint_force_footprint_and_cost():
    sc = load_scenario(policy="joint_command", days=10)
    model = run(sc)
    sites = len(model.targets.sites)
    assert sites > 0 and sc.policy.site_guards > 0 and sc.policy.foreign_site_guards > 0
    host, foreign = personnel_by_hand(sc.policy, sites)
    out = model.outcomes()
    assert out["foreign_security_person_days"] == foreign * 10
    assert out["guard_person_days"] == (host + foreign) * 10
    assert run(load_scenario(days=10)).outcomes()["foreign_security_person_days"] == 0


def test_visible_foreign_personnel_lower_legitimacy():
    dom = run(load_scenario(policy="domestic_baseline", days=60, seed=2))
    joint = run(load_scenario(policy="joint_escort", days=60, seed=2))
    assert joint.outcomes()["mean_legitimacy"] < dom.outcomes()["mean_legitimacy"]


def test_knowledge_raises_ambush_density():
    sc = limiting_scenario(days=1, threat=dict(ambush_rate=0.01, knowledge0=0.25))
    model = CorridorModel(sc)
    (cell,) = model.agents_by_type[MilitantCell]
    assert cell.target == "convoy"
    assert cell.ambush_density("convoy") == pytest.approx(0.0025)
    assert cell.ambush_density("unescorted") == 0.0  # not the kind it targets
    cell.ready = False
    assert cell.ambush_density("convoy") == 0.0


def test_cells_prepare_for_an_exponential_time():
    sc = limiting_scenario(days=1, threat=dict(cells=400, plan_days=10.0))
    model = CorridorModel(sc)
    model.run_until(5 * model.steps_per_day)
    ready = np.mean([c.ready for c in model.agents_by_type[MilitantCell]])
    expected = 1 - np.exp(-5 / 10)  # P(Exp(mean 10) <= 5 days)... within sampling error
    assert abs(ready - expected) < 4 * np.sqrt(expected * (1 - expected) / 400)


def test_timeseries_and_events_are_tidy():
    model = run(load_scenario(threat="high", days=60, seed=3))
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


def test_empty_event_log_keeps_its_columns():
    ev = run(limiting_scenario(days=2)).events
    assert ev.empty and list(ev.columns) == list(EVENT_COLUMNS)
    assert str(ev.dtypes["foreign_killed"]) == "int64"
    assert isinstance(ev, pd.DataFrame)


def test_convoys_leave_the_model_when_done():
    model = run(limiting_scenario(days=5, trips_per_day=5))
    assert len(model.agents_by_type.get(Convoy, [])) == 0


@pytest.mark.parametrize(
    ("start", "travel", "end"),
    [
        (8.0, 3.0, 11.0),  # inside the window
        (8.0, 11.0, 19.0),  # ends exactly at the window's end
        (8.0, 13.0, 32.0),  # 11 h today, 2 h tomorrow from 06:00
        (20.0, 1.0, 31.0),  # after the window: tomorrow from 06:00
        (3.0, 2.0, 8.0),  # before the window: from 06:00
        (8.0, 37.0, 67.0),  # 11 h + 13 h + 13 h: day 2 at 19:00
        (8.0, 0.0, 8.0),
        (30.0, 4.0, 34.0),  # day 1, hour 6
    ],
)
def test_driving_time_skips_the_nights(start, travel, end):
    from sim.model.threat import clock_after

    assert clock_after(start, travel, 6.0, 19.0) == pytest.approx(end)
