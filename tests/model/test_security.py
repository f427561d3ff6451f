"""Security (sim/model/security.py): escort teams allocated and waited for, the footprint."""

from __future__ import annotations

from helpers import limiting_scenario, personnel_by_hand, run_model

from sim import load_scenario
from sim.model.security import largest_remainder as _largest_remainder


def test_largest_remainder_allocates_exactly():
    assert _largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert _largest_remainder(5, {"a": 0.7, "b": 0.3}) == {"a": 4, "b": 1}
    assert _largest_remainder(0, {"a": 1}) == {"a": 0}


def test_convoys_wait_for_a_free_escort():
    scarce = run_model(limiting_scenario(days=20, policy=dict(escort_units=1, escort_size=2)))
    ample = run_model(limiting_scenario(days=20, policy=dict(escort_units=500, escort_size=2)))
    assert scarce.outcomes()["trips_delayed"] > 0 and scarce.outcomes()["delay_hours"] > 0
    assert ample.outcomes()["trips_delayed"] == 0 == ample.outcomes()["delay_hours"]
    assert ample.outcomes()["trips_completed"] > scarce.outcomes()["trips_completed"]


def test_joint_force_footprint_and_cost():
    sc = load_scenario(policy="joint_command", days=10)
    model = run_model(sc)
    sites = len(model.targets.sites)
    assert sites > 0 and sc.policy.site_guards > 0 and sc.policy.foreign_site_guards > 0
    host, foreign = personnel_by_hand(sc.policy, sites)
    out = model.outcomes()
    assert out["foreign_security_person_days"] == foreign * 10
    assert out["guard_person_days"] == (host + foreign) * 10
    assert run_model(load_scenario(days=10)).outcomes()["foreign_security_person_days"] == 0
