"""The mechanisms that bias a comparison, fixed: leaks need a prepared cell and the right time,
predictability comes from a trip's real routes, personnel counts act, and every lever is priced.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import limiting_scenario, parallel_routes_graph, personnel_by_hand, tolerance

from scenarios.schema import RENAMED, ScenarioError
from sim import CorridorModel, load_scenario, run

LEAKY = dict(leak_prob=1.0, leak_exploit=1.0, cells=60)  # every itinerary leaks to a free cell


def test_a_leak_needs_a_prepared_cell():
    never_ready = limiting_scenario(days=30, threat=dict(LEAKY, plan_days=36_500.0))
    out = CorridorModel(never_ready).run()
    assert out.outcomes()["itineraries_leaked"] > 500
    assert out.outcomes()["attacks_with_leak"] == 0 and out.threat.ambushes == []
    ready = CorridorModel(limiting_scenario(days=30, threat=LEAKY)).run()
    assert ready.outcomes()["attacks_with_leak"] > 500


@pytest.mark.parametrize(("window", "wait"), [(4.0, 1.0), (4.0, 2.0), (2.0, 4.0), (0.0, 1.0)])
def test_a_randomized_departure_misses_the_ambush_in_proportion(window, wait):
    """Departures uniform over W around the leaked hour, a wait w centred on the leaked passing
    time: a convoy on the right road is met with probability min(w, W) / W (1 when W = 0)."""
    sc = limiting_scenario(
        days=60,
        threat=dict(LEAKY, ambush_wait_h=wait),
        policy=dict(departure_window_h=window),
    )
    out = CorridorModel(sc).run().outcomes()
    n = out["trips_started"]
    expected = 1.0 if window == 0 else min(wait, window) / window
    assert out["itineraries_leaked"] == n > 1000
    assert abs(out["attacks_with_leak"] / n - expected) < tolerance(expected, n) + 1e-9  # p = 1


def test_predictability_comes_from_a_trips_real_routes():
    sc = load_scenario(policy="randomized_movement", days=30, seed=3)
    trips = CorridorModel(sc).run().demand.trip_table()
    spread = 1.0 + sc.policy.departure_window_h / sc.threat.schedule_scale_h
    np.testing.assert_allclose(trips.predictability, 1.0 / (trips.routes * spread))
    # most corridor trips have one route within the detour limit: no discount for route choice
    assert (trips.routes == 1).mean() > 0.5 and trips.routes.max() >= 2
    one = CorridorModel(
        limiting_scenario(days=3, policy=dict(route_choices=3, detour_limit=1.0)),
        graph=parallel_routes_graph(3),
    ).run()
    assert (one.demand.trip_table().predictability == 1 / 3).all()


# ---- personnel counts act ------------------------------------------------------------------
def _attacks(sc):
    model = CorridorModel(sc).run()
    ev = model.events
    return model, ev[ev.event.isin(["attack", "foiled"])]


@pytest.mark.parametrize("size", [0, 1, 3])
def test_checkpoint_screening_grows_with_its_staff(size):
    sc = limiting_scenario(
        days=20,
        threat=dict(ambush_rate=0.01, screen_per_guard=0.3),
        policy=dict(checkpoints=1, checkpoint_size=size),
    )
    _, ev = _attacks(sc)
    assert len(ev) > 50
    np.testing.assert_allclose(ev.p_foil.max(), 1 - 0.7**size)


def test_a_reaction_force_of_nobody_cuts_nothing():
    common = dict(ambush_rate=0.01, lethality=0.8, qrf_mitigation_per_guard=0.5, qrf_reach_h=100.0)
    for size, arrives in ((0, False), (2, True)):
        sc = limiting_scenario(days=20, threat=common, policy=dict(qrf_units=1, qrf_size=size))
        _, ev = _attacks(sc)
        hits = ev[ev.event == "attack"]
        assert len(hits) > 50 and bool(hits.qrf.all()) is arrives


def test_patrol_interdiction_grows_with_patrol_staff():
    threat = dict(cells=300, patrol_interdiction_per_guard=0.002)
    counts = []
    for size in (0, 5, 20):
        sc = limiting_scenario(days=10, threat=threat, policy=dict(patrols=1, patrol_size=size))
        counts.append(CorridorModel(sc).run().outcomes()["plots_interdicted"])
    assert counts[0] == 0 < counts[1] < counts[2]


def test_an_escort_team_of_nobody_means_unescorted_convoys():
    sc = limiting_scenario(days=20, threat=dict(ambush_rate=0.01), policy=dict(escort_units=5))
    empty = sc.replace(policy={"escort_size": 0})
    model, ev = _attacks(empty)
    assert len(ev) > 50 and not ev.escorted.any()
    assert model.outcomes()["trips_delayed"] == 0 and model.security.guard_personnel == 0
    _, ev_staffed = _attacks(sc.replace(policy={"escort_size": 1}))
    assert ev_staffed.escorted.all()


# ---- cost -----------------------------------------------------------------------------------
def test_cost_by_hand_without_trips():
    sc = load_scenario(policy="joint_command", days=10, demand__trips_per_day=0.0)
    sc = sc.replace(policy={"intel_sharing": 0.5})
    model = CorridorModel(sc).run()
    out = model.outcomes()
    pol, c = sc.policy, sc.costs
    sites = len(model.targets.sites)
    host, foreign = personnel_by_hand(pol, sites)
    expected = 10 * (host * c.host_guard_day_usd + foreign * c.foreign_guard_day_usd)
    expected += c.intel_usd_per_year * 0.5 * 10 / 365
    expected += c.site_hardening_usd_per_year * pol.site_hardening * sites * 10 / 365
    expected += c.vetting_usd_per_year * pol.vetting * 10 / 365
    assert pol.vetting > 0
    assert out["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert out["staff_hours_lost"] == 0 == out["armored_vehicle_days"]


def test_equal_cost_variants_cost_what_the_baseline_costs():
    base = run(policy="domestic_baseline", seed=4, days=120).outcomes
    for name in ("joint_escort_equal_cost", "joint_command_equal_cost"):
        out = run(policy=name, seed=4, days=120).outcomes
        assert out["cost_usd"] == pytest.approx(base["cost_usd"], rel=1e-9), name
    for name in ("joint_escort_equal_personnel", "joint_command_equal_personnel"):
        out = run(policy=name, seed=4, days=120).outcomes
        assert out["guard_person_days"] == base["guard_person_days"], name
        assert out["foreign_security_person_days"] > 0


def test_randomized_movement_pays_for_its_detours_and_moved_departures():
    base = run(policy="domestic_baseline", seed=2, days=60).outcomes
    rnd = run(policy="randomized_movement", seed=2, days=60).outcomes
    assert rnd["staff_hours_lost"] > 3 * base["staff_hours_lost"]
    assert rnd["cost_usd"] > base["cost_usd"]


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_renamed_fields_are_refused_with_their_new_name(old, new):
    with pytest.raises(ScenarioError, match=f"became '{new}'"):
        load_scenario(**{f"threat__{old}": 0.1})
