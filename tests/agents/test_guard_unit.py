"""GuardUnit (agents/guard_unit.py): teams of host and foreign personnel, and their release."""

from __future__ import annotations

from agents import GuardUnit
from agents.guard_unit import ROLES
from sim import CorridorModel, load_scenario


def test_a_joint_team_counts_its_host_and_foreign_personnel():
    sc = load_scenario(policy="joint_escort", days=1)
    model = CorridorModel(sc)
    escorts = [g for g in model.agents_by_type[GuardUnit] if g.role == "escort"]
    assert len(escorts) == sc.policy.escort_units
    for team in escorts:
        assert (team.host, team.foreign) == (sc.policy.escort_size, sc.policy.foreign_per_escort)
        assert team.personnel == team.host + team.foreign and team.force == "joint"
    assert {g.role for g in model.agents_by_type[GuardUnit]} <= set(ROLES)


def test_a_released_escort_team_is_free_again_in_its_home_region():
    model = CorridorModel(load_scenario(days=1))
    team = next(g for g in model.agents_by_type[GuardUnit] if g.role == "escort")
    pool = model.security.escort_pool[team.region]
    pool.remove(team)
    team.busy = True
    team.release()
    assert not team.busy and pool[-1] is team
    assert team.region == model.net.region[team.node]
