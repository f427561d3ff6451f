"""The engagement submodels against values computed by hand, and their limiting cases."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import limiting_scenario, run_model

from agents import GuardUnit
from sim.model.engagement import (
    Casualties,
    contest,
    detection_probability,
    draw_casualties,
    foil_probability,
)


def test_detection_probability_by_hand():
    assert detection_probability(0, 0, 0.3, 0.5) == 0.0
    assert detection_probability(2, 0, 0.1, 0.9) == pytest.approx(1 - 0.9**2)  # 0.19
    assert detection_probability(0, 3, 0.9, 0.2) == pytest.approx(1 - 0.8**3)  # 0.488
    assert detection_probability(2, 1, 0.1, 0.5) == pytest.approx(1 - 0.81 * 0.5)  # 0.595
    assert detection_probability(4, 4, 1.0, 0.0) == 1.0


def test_foil_probability_by_hand():
    assert foil_probability(0.0, 0.0, 0.0) == 0.0
    assert foil_probability(0.5, 0.0, 0.0) == 0.5
    assert foil_probability(0.0, 0.25, 0.0) == 0.25
    assert foil_probability(0.0, 0.0, 0.2) == pytest.approx(0.2)
    assert foil_probability(0.5, 0.5, 0.5) == pytest.approx(0.875)
    assert foil_probability(0.1, 0.2, 0.3) == pytest.approx(1 - 0.9 * 0.8 * 0.7)


def test_contest_by_hand_and_in_its_limits():
    assert contest(3.0, 1.0) == pytest.approx(0.75)
    assert contest(1.0, 3.0) == pytest.approx(0.25)
    assert contest(2.0, 1.0, m=2.0) == pytest.approx(0.8)  # 4 / (4 + 1)
    assert contest(1.0, 2.0, m=0.5) == pytest.approx(1 / (1 + np.sqrt(2)))
    assert contest(0.0, 1.0) == 0.0 and contest(0.0, 0.0) == 0.0
    assert contest(1e-9, 0.0) == 1.0 and contest(5.0, 0.0, m=3.0) == 1.0
    assert contest(2.0, 2.0, m=7.0) == pytest.approx(0.5)


class FixedRng:
    """Records every binomial draw and returns n * p rounded down (a deterministic stand-in)."""

    def __init__(self):
        self.calls = []

    def binomial(self, n, p):
        self.calls.append((n, p))
        return int(n * p)


BASE = dict(
    passengers=10,
    drivers=3,
    guards=6,
    bystanders=20,
    attackers=5,
    lethality=0.5,
    injury=0.5,
    guard_lethality=0.5,
    bystander_lethality=0.25,
    militant_loss=0.3,
    attack=3.0,
    defence=1.0,
)


def test_casualties_in_a_breakthrough_by_hand():
    rng = FixedRng()
    cas = draw_casualties(rng, breakthrough=True, **BASE)
    # p_mil = min(1, 0.3 * 2 * 1 / (3 + 1)) = 0.15
    assert rng.calls == [(10, 0.5), (5, 0.5), (3, 0.5), (6, 0.5), (20, 0.25), (5, 0.15)]
    assert cas == Casualties(
        foreign_killed=5, foreign_injured=2, guards_killed=3, civilians_killed=1 + 5
    )


def test_casualties_when_the_attack_is_held_make_the_same_draws():
    rng = FixedRng()
    cas = draw_casualties(rng, breakthrough=False, **BASE)
    assert rng.calls == [(10, 0.0), (10, 0.0), (3, 0.0), (6, 0.5), (20, 0.25), (5, 0.15)]
    assert cas.foreign_killed == 0 and cas.foreign_injured == 0
    assert cas.guards_killed == 3 and cas.civilians_killed == 5


def test_attacker_losses_cap_at_one_and_vanish_without_strength():
    rng = FixedRng()
    draw_casualties(rng, breakthrough=False, **{**BASE, "defence": 9.0, "militant_loss": 0.9})
    assert rng.calls[-1] == (5, 1.0)  # 0.9 * 2 * 9 / 12 = 1.35 -> 1
    rng = FixedRng()
    draw_casualties(rng, breakthrough=False, **{**BASE, "attack": 0.0, "defence": 0.0})
    assert rng.calls[-1] == (5, 0.0)


def test_casualties_never_exceed_the_people_present():
    rng = np.random.default_rng(3)
    for _ in range(200):
        cas = draw_casualties(rng, breakthrough=True, **{**BASE, "lethality": 0.9, "injury": 1})
        assert cas.foreign_killed + cas.foreign_injured == 10
        assert cas.foreign_killed <= 10 and cas.guards_killed <= 6
        assert cas.civilians_killed <= 3 + 20 and cas.militants_killed <= 5


def test_attacker_losses_with_weak_forces_on_both_sides():
    rng = FixedRng()
    draw_casualties(rng, breakthrough=False, **{**BASE, "attack": 0.5, "defence": 0.25})
    assert rng.calls[-1] == (5, pytest.approx(0.2))  # 0.3 * 2 * 0.25 / 0.75


def test_checkpoints_screen_attacks_on_adjacent_roads():
    sc = limiting_scenario(
        days=30,
        threat=dict(ambush_rate=0.01, screen_per_guard=0.5),
        policy=dict(checkpoints=1, checkpoint_size=1),
    )
    model = run_model(sc)
    (cp,) = [g for g in model.agents_by_type[GuardUnit] if g.role == "checkpoint"]
    name = model.net.G.nodes[cp.node]["name"]
    ev = model.events[model.events.event.isin(["attack", "foiled"])]
    near = ((ev.edge_u == name) | (ev.edge_v == name)).to_numpy(bool)
    assert near.any() and (~near).any()
    np.testing.assert_allclose(ev.p_foil[near], 0.5)
    np.testing.assert_allclose(ev.p_foil[~near], 0.0)


def test_quick_reaction_force_cuts_lethality():
    common = dict(ambush_rate=0.01, lethality=0.8, qrf_mitigation_per_guard=1.0)
    near = run_model(
        limiting_scenario(days=30, threat=dict(common, qrf_reach_h=100.0), policy=dict(qrf_units=1))
    )
    far = run_model(
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
    ev = run_model(sc).events
    np.testing.assert_allclose(ev.p_break, 0.5)
