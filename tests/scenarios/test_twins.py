"""Host-only twins and the lever file (scenarios/twins.py, conf/levers.yaml)."""

from __future__ import annotations

import dataclasses

import pytest

from scenarios.compose import group_options, joint_policies
from scenarios.schema import Policy
from scenarios.twins import FOREIGN_LEVERS, TEAMS, levers, split_twin, twin_name
from sim import load_scenario, run

#: Fields a twin may change: the foreign ones, the host personnel that replace them, the label.
REPLACED = set(FOREIGN_LEVERS) | {h for h, _ in TEAMS} | {"force", "name"}


@pytest.mark.parametrize("joint", ["joint_escort", "joint_command"])
@pytest.mark.parametrize("basis", ["personnel", "cost"])
def test_a_twin_keeps_every_host_lever_and_replaces_the_foreign_ones(joint, basis):
    sc = load_scenario(policy=joint)
    twin = load_scenario(policy=twin_name(joint, basis))
    a, b = dataclasses.asdict(sc.policy), dataclasses.asdict(twin.policy)
    kept = [f for f in a if f not in REPLACED]
    assert kept and {f: a[f] for f in kept} == {f: b[f] for f in kept}
    assert b["force"] == "domestic" and all(b[f] == 0 for f in FOREIGN_LEVERS)
    assert b["name"] == f"{joint}_twin_{basis}"
    per = (
        1
        if basis == "personnel"
        else round(sc.costs.foreign_guard_day_usd / sc.costs.host_guard_day_usd)
    )
    for host, foreign in TEAMS:
        assert b[host] == a[host] + per * a[foreign]
    # the rest of the scenario is the joint policy's
    assert twin.threat == sc.threat and twin.demand == sc.demand and twin.costs == sc.costs


def test_twins_at_equal_personnel_and_cost_deploy_and_pay_what_the_joint_policy_does():
    joint = run(policy="joint_escort", threat="high", seed=3, days=120).outcomes
    same_people = run(policy="joint_escort_twin_personnel", threat="high", seed=3, days=120)
    same_money = run(policy="joint_escort_twin_cost", threat="high", seed=3, days=120)
    assert same_people.outcomes["guard_person_days"] == joint["guard_person_days"]
    assert same_people.outcomes["foreign_security_person_days"] == 0
    # personnel cost alike (staff hours lost to waits may differ a little)
    assert same_money.outcomes["cost_usd"] == pytest.approx(joint["cost_usd"], rel=0.01)
    assert same_money.outcomes["guard_person_days"] > joint["guard_person_days"]


def test_twin_names_and_options():
    assert split_twin("joint_escort_twin_cost") == ("joint_escort", "cost")
    assert split_twin("joint_escort") == ("joint_escort", None)
    joint = joint_policies()
    assert "joint_escort" in joint and "domestic_baseline" not in joint
    options = group_options("policy")
    assert "joint_command_twin_personnel" in options
    assert "domestic_baseline_twin_cost" not in options  # a host policy has no twin
    with pytest.raises(ValueError, match="policy"):
        load_scenario(policy="domestic_baseline_twin_cost")


def test_the_lever_file_states_every_lever_and_its_class():
    spec = levers()
    fields = {f.name for f in dataclasses.fields(Policy)} - {"name", "force"}
    assert set(spec) == fields
    assert {n for n, s in spec.items() if s["class"] == "foreign"} == set(FOREIGN_LEVERS)
    for name, s in spec.items():
        lo, hi = s["range"]
        assert lo < hi and s["why"], name
    for policy in ("domestic_baseline", "domestic_surge", "joint_escort", "joint_command"):
        p = load_scenario(policy=policy).policy
        for name, s in spec.items():
            lo, hi = s["range"]
            assert lo <= getattr(p, name) <= hi, (policy, name)
