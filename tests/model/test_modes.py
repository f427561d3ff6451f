"""Each attack mode's resolution against its closed form, and the switches that turn modes off."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import limiting_scenario, tolerance

from sim import CorridorModel
from sim.model.engagement import Exposure, _foreign_share, contest
from sim.model.modes import (
    carleton,
    ied_defeat_probability,
    interception_probability,
    mode_shares,
    pick_mode,
)

N = 20_000
THREAT = dict(
    detect_domestic=0.05,
    foreign_detect_ratio=2.0,
    screen_per_guard=0.0,
    intel_detection=0.0,
    tip_detection=0.0,
    tip_rate=0.0,
    lethality=0.6,
    injury=0.2,
    bystanders=0,
    qrf_reach_h=0.0,
)
ATTACKS = dict(modes=True, vbied_intercept_ratio=0.5, standoff_m=20.0, vbied_radius_m=15.0)


def engagement(policy=None, threat=None, attacks=None):
    sc = limiting_scenario(
        days=1,
        threat={**THREAT, **(threat or {})},
        policy={**dict(checkpoints=0, patrols=0, qrf_units=0, qrf_size=0), **(policy or {})},
        attacks={**ATTACKS, **(attacks or {})},
    )
    return CorridorModel(sc).engagement


def exposure(host=0, foreign=0, people=8, cut=0.0, predictability=1.0):
    return Exposure(
        kind="convoy", people=people, drivers=2, host=host, foreign=foreign, shield=0.0,
        cut=cut, checkpoints=0, reach_h=math.inf, predictability=predictability,
    )  # fmt: skip


def node_of(eng):
    return eng.model.net.nodes[0]


def test_interception_rises_with_screening_guards_as_its_closed_form_says():
    eng = engagement()
    rng = np.random.default_rng(1)
    node = node_of(eng)
    shares = []
    for host in (0, 4, 12):
        want = 1.0 - (1.0 - 0.05 * 0.5) ** host  # vehicle bomb: detection x 0.5 per guard
        assert interception_probability(host, 0, 0.025, 0.05, 0.0, 0.0, 0.0, 0) == pytest.approx(
            want
        )
        got = np.mean([eng._suicide(exposure(host), rng, "vbied", node, False).detected
                       for _ in range(N)])  # fmt: skip
        assert abs(got - want) <= tolerance(want, N) + 1e-12
        shares.append(got)
    assert shares[0] == 0.0 < shares[1] < shares[2]
    # a foreign guard intercepts with the foreign detection ratio; on foot at ratio 1
    res = eng._suicide(exposure(0, 3), rng, "suicide_foot", node, False)
    assert res.p_foil == pytest.approx(1.0 - (1.0 - 0.1) ** 3)


def test_a_vehicle_bombs_toll_does_not_depend_on_the_escorts_headcount():
    """With interception fixed (no guard can stop it), 0 or 12 guards leave the same toll."""
    eng = engagement(threat=dict(detect_domestic=0.0))
    node = node_of(eng)
    tolls = {}
    for host in (0, 12):  # each attack its own generator, as in the model (K_COMBAT, n)
        tolls[host] = [eng._suicide(exposure(host), np.random.default_rng([7, i]), "vbied", node,
                                    False).cas.foreign_killed for i in range(N)]  # fmt: skip
    assert tolls[0] == tolls[12]
    # the mean toll at contact is n L (1 - cut), Carleton at 0 is 1
    assert np.mean(tolls[0]) == pytest.approx(8 * 0.6, rel=0.02)
    # the headcount contest, by contrast, does depend on it
    th = eng.cfg.threat
    assert contest(5.0, 12 * th.effect_domestic) < contest(5.0, 0.0)


def test_an_intercepted_bomb_kills_by_the_carleton_function_of_the_standoff():
    # every guard intercepts
    eng = engagement(threat=dict(detect_domestic=1.0), attacks=dict(vbied_intercept_ratio=1.0))
    rng = np.random.default_rng(3)
    node = node_of(eng)
    got = [eng._suicide(exposure(1, cut=0.5), rng, "vbied", node, False) for _ in range(N)]
    assert all(r.detected and not r.breakthrough and r.cas.militants_killed == 1 for r in got)
    want = 8 * 0.6 * carleton(20.0, 15.0) * 0.5
    assert carleton(20.0, 15.0) == pytest.approx(math.exp(-((20 / 15) ** 2)))
    assert carleton(1000.0, 1e-300) == 0.0 and carleton(0.0, 1e-300) == 1.0  # no overflow
    mean = np.mean([r.cas.foreign_killed for r in got])
    assert abs(mean - want) <= 4 * math.sqrt(want / N * (1 - want / 8)) * math.sqrt(8)


def test_a_planted_bomb_is_found_by_clearance_or_passed_by_a_randomized_movement():
    eng = engagement(policy=dict(patrols=2, patrol_size=10), attacks=dict(clearance_per_guard=0.01))
    rng = np.random.default_rng(5)
    node = node_of(eng)
    patrol = eng.model.security.patrol_personnel[eng.model.net.region[node]]
    assert patrol > 0
    p_defeat = ied_defeat_probability(patrol, 0.01, 0.0, 0.0, 0.0, 0)
    assert p_defeat == pytest.approx(1.0 - 0.99**patrol)
    for pi in (1.0, 1.0 / 3.0):
        got = [eng._ied(exposure(0, predictability=pi), None if False else _Cell(), rng, node,
                        False) for _ in range(N)]  # fmt: skip
        want = (1.0 - p_defeat) * pi
        struck = np.mean([r.struck for r in got])
        assert abs(struck - want) <= tolerance(want, N)
        assert all(r.cas.foreign_killed == 0 for r in got if not r.struck)
        assert got[0].p_break == pytest.approx(want)


class _Cell:
    attackers = 3


def test_small_arms_keep_the_contest():
    eng = engagement(threat=dict(detect_domestic=0.0, capability=1.0, decisiveness=1.0))
    rng = np.random.default_rng(2)
    res = eng._contest(exposure(4), _CellSA(), rng, False, node_of(eng), False)
    th = eng.cfg.threat
    assert res.p_break == pytest.approx(5.0 / (5.0 + 4 * th.effect_domestic))
    assert res.p_foil == 0.0 and res.struck


class _CellSA:
    attackers = 5


def test_mode_choice_follows_the_actors_weights_and_the_target():
    weights = dict(vbied=2.0, suicide_foot=1.0, ied=1.0, small_arms=0.0)
    assert mode_shares(weights, "convoy") == pytest.approx(
        dict(vbied=0.5, suicide_foot=0.25, ied=0.25)
    )
    assert "vbied" not in mode_shares(weights, "unescorted")  # no vehicle bomb on a car
    assert "ied" not in mode_shares(weights, "site")
    assert mode_shares(dict(ied=1.0), "site") == {"small_arms": 1.0}
    u = np.random.default_rng(0).random(N)
    picks = [pick_mode(weights, "convoy", x) for x in u]
    assert abs(picks.count("vbied") / N - 0.5) <= tolerance(0.5, N)


def test_foreign_guards_killed_are_a_hypergeometric_share():
    rng = np.random.default_rng(4)
    draws = [_foreign_share(rng, 3, host=6, foreign=4) for _ in range(N)]
    assert np.mean(draws) == pytest.approx(3 * 4 / 10, rel=0.03)
    assert _foreign_share(rng, 3, host=0, foreign=4) == 3
    assert _foreign_share(rng, 3, host=6, foreign=0) == 0


def test_modes_on_with_only_small_arms_is_todays_contest_on_the_same_seeds():
    from sim.model.outcomes import OUTCOMES  # noqa: F401  (every outcome compared)

    base = dict(threat="high", seed=3)
    from sim.model.runner import load_scenario

    off = CorridorModel(load_scenario(**base, days=200)).run().outcomes()
    only = dict(generic_vbied=0.0, generic_suicide_foot=0.0, generic_ied=0.0)
    sc = load_scenario(**base, days=200).replace(attacks=dict(modes=True, **only))
    on = CorridorModel(sc).run().outcomes()
    assert off == on and off["attacks_executed"] > 0
    mixed = load_scenario(**base, days=200).replace(attacks=dict(modes=True))
    got = CorridorModel(mixed).run().outcomes()
    assert got != off and got["attacks_small_arms"] < got["attacks_executed"]
