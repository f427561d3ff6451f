"""One attack and one leak, resolved with scripted random draws and checked against hand values.

These pin the arithmetic of :meth:`sim.model.engagement.Engagement.resolve` and
:meth:`sim.model.threat.Threat.exploit_leak` term by term (detection layers, contest inputs,
reaction force reach, lethality, who is exposed), which the statistical checks of ``test_analytic``
only see on average.
"""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import limiting_scenario, parallel_routes_graph

from agents import Convoy, GuardUnit, MilitantCell
from sim import CorridorModel
from sim.model.engagement import contest


class ScriptedRng:
    """``random()`` returns scripted values in turn; ``binomial(n, p)`` records and returns 0."""

    def __init__(self, *uniforms):
        self.uniforms = list(uniforms)
        self.calls: list[tuple[int, float]] = []

    def random(self):
        return self.uniforms.pop(0)

    def integers(self, n):
        return 0

    def binomial(self, n, p):
        self.calls.append((n, p))
        return 0


class ScriptedDraws(ScriptedRng):
    """Stands in for an entity's :class:`sim.model.randomness.Draws`: keys ignored, values scripted.

    ``generator()`` hands out ``rng`` (the attack's own generator).
    """

    def __init__(self, *uniforms, rng=None):
        super().__init__(*uniforms)
        self.rng = rng

    def random(self, *key):
        return self.uniforms.pop(0)

    def integers(self, n, *key):
        return 0

    def generator(self, *key):
        return self.rng


def make_convoy(model, **kw):
    """A convoy of trip (0, 0) leaving at hour 8 of day 0, with keyed draws of its own."""
    base = dict(
        trip_id=1,
        key=(0, 0),
        draws=model.draws.child(0, 0),
        escorted=True,
        depart_h=8.0,
        planned_h=8.0,
    )
    return Convoy(model, **{**base, "predictability": 1.0, **kw})


def make_cell(model, node, strength, knowledge=1.0, ready=True):
    key = (9, len(model.threat.founded))
    cell = MilitantCell(
        model,
        node=node,
        strength=strength,
        knowledge=knowledge,
        key=key,
        draws=model.draws.child(*key),
    )
    cell.ready = ready
    return cell


THREAT = dict(
    detect_domestic=0.1,
    foreign_detect_ratio=2.0,  # a foreign guard detects 0.2, screens 0.2
    screen_per_guard=0.1,
    intel_detection=0.5,
    capability=1.5,
    leak_surprise=0.5,
    team_size=4,
    effect_domestic=1.2,
    foreign_effect_ratio=0.7 / 1.2,  # a foreign guard protects 0.7
    armor=2.0,
    decisiveness=1.5,
    lethality=0.8,
    armor_protection=0.5,
    qrf_mitigation_per_guard=0.25,
    qrf_reach_h=1.0,
    injury=0.2,
    guard_lethality=0.05,
    bystander_lethality=0.1,
    bystanders=10,
    militant_loss=0.3,
)


def setup(targeted=False, armored=True, **threat):
    sc = limiting_scenario(
        days=1,
        threat={**THREAT, **threat},
        policy=dict(
            force="joint",
            foreign_at_checkpoints=2,
            intel_sharing=0.4,
            checkpoint_size=1,
            qrf_size=1,
        ),
    )
    model = CorridorModel(sc)
    net = model.net
    e = 1
    u, v = net.edge_u[e], net.edge_v[e]
    route = [net.edge_u[0], u, v]
    convoy = make_convoy(
        model,
        origin=route[0],
        destination=route[-1],
        routes=[route],
        passengers=10,
        drivers=3,
        armored=armored,
        leaked=targeted,
    )
    convoy.escort = GuardUnit(model, role="escort", force="joint", host=3, foreign=2, node=u)
    cell = make_cell(model, node=u, strength=9)
    model.security.checkpoint_count = Counter({u: 2, v: 1})
    model.security.qrf_time = {u: 0.5, v: 2.0}
    return model, convoy, cell, e


def hand(targeted, armored=True):
    p_esc = 1 - 0.9**3 * 0.8**2
    p_one = 1 - 0.9 * (1 - 2 * 0.1) ** 2  # a foreign checkpoint guard screens 2 x 0.1
    p_cp = 1 - (1 - p_one) ** 3
    p_foil = 1 - (1 - p_esc) * (1 - p_cp) * (1 - 0.4 * 0.5)
    attack = 4 * 1.5 * (1.5 if targeted else 1.0)
    defence = 3 * 1.2 + 2 * 0.7 + (2.0 if armored else 0.0)
    return p_foil, contest(attack, defence, 1.5)


@pytest.mark.parametrize("targeted", [False, True])
def test_detection_layers_and_contest_inputs_by_hand(targeted):
    model, convoy, cell, e = setup(targeted)
    rng = ScriptedRng(0.999, 0.999)  # neither detected nor breaking through
    convoy.draws = ScriptedDraws(rng=rng)
    model.engagement.resolve(convoy, cell, e, 5.0, targeted=targeted)
    ev = model._events[-1]
    p_foil, p_break = hand(targeted)
    assert ev["p_foil"] == pytest.approx(p_foil, rel=1e-12)
    assert ev["p_break"] == pytest.approx(p_break, rel=1e-12)
    assert ev["event"] == "attack" and not ev["detected"] and not ev["breakthrough"]
    assert model.counters["attacks_with_leak"] == int(targeted)
    assert model.counters["attacks_on_escorted"] == 1


def test_a_draw_equal_to_the_probability_is_a_miss():
    """u ~ U[0, 1) hits with probability p exactly when the rule is u < p."""
    _, p_break = hand(False)
    model, convoy, cell, e = setup()
    p_foil, _ = hand(False)
    convoy.draws = ScriptedDraws(rng=ScriptedRng(p_foil, p_break))
    model.engagement.resolve(convoy, cell, e, 5.0, targeted=False)
    ev = model._events[-1]
    assert not ev["detected"] and not ev["breakthrough"]
    model, convoy, cell, e = setup()
    convoy.draws = ScriptedDraws(rng=ScriptedRng(p_foil - 1e-9, 0.0))
    model.engagement.resolve(convoy, cell, e, 5.0, targeted=False)
    assert model._events[-1]["detected"] and model.counters["attacks_foiled"] == 1


def test_who_is_exposed_and_how_lethal_a_breakthrough_is():
    model, convoy, cell, e = setup()
    net = model.net
    length, hours = net.edge_len[e], net.edge_time[e]
    # QRF reach from either end: 0.5 + x/l t from u, 2.0 + (1 - x/l) t from v
    x = length * (0.5 / hours) if hours > 0.5 else 0.0
    reach = min(0.5 + x / length * hours, 2.0 + (1 - x / length) * hours)
    model.cfg.threat.__dict__["qrf_reach_h"] = reach  # exactly at the limit: it arrives
    rng = ScriptedRng(0.999, 0.0)  # not detected, breaks through
    convoy.draws = ScriptedDraws(rng=rng)
    model.engagement.resolve(convoy, cell, e, x, targeted=False)
    ev = model._events[-1]
    assert ev["breakthrough"] and ev["qrf"]
    lethal = 0.8 * (1 - 0.5) * (1 - 0.25)
    assert rng.calls[0] == (10, pytest.approx(lethal))  # passengers
    assert rng.calls[1] == (10, pytest.approx(0.2))  # injured among survivors
    assert rng.calls[2] == (3, pytest.approx(lethal))  # drivers
    assert rng.calls[3] == (5, 0.05)  # the whole escort, host and foreign
    assert rng.calls[4] == (10, 0.1)  # bystanders


def test_reaction_force_out_of_reach_and_no_armor():
    model, convoy, cell, e = setup(armored=False)
    model.security.qrf_time = {model.net.edge_u[e]: 5.0, model.net.edge_v[e]: 5.0}
    rng = ScriptedRng(0.999, 0.0)
    convoy.draws = ScriptedDraws(rng=rng)
    model.engagement.resolve(convoy, cell, e, 1.0, targeted=False)
    assert not model._events[-1]["qrf"]
    assert rng.calls[0] == (10, pytest.approx(0.8))


def test_a_foiled_attack_exposes_no_guards_or_bystanders():
    model, convoy, cell, e = setup()
    rng = ScriptedRng(0.0, 0.0)
    convoy.draws = ScriptedDraws(rng=rng)
    model.engagement.resolve(convoy, cell, e, 5.0, targeted=False)
    assert model._events[-1]["event"] == "foiled" and not model._events[-1]["qrf"]
    assert rng.calls[3] == (0, 0.05) and rng.calls[4] == (0, 0.1)
    assert rng.calls[0] == (10, 0.0)


# ---- leaks -------------------------------------------------------------------------------------
def leak_setup(reach_km, leak_exploit=1.0):
    sc = limiting_scenario(days=1, threat=dict(leak_exploit=leak_exploit, reach_km=reach_km))
    model = CorridorModel(sc)
    net = model.net
    route = list(net.fastest_route(net.nodes[0], net.nodes[-1]))
    for c in list(model.agents_by_type[MilitantCell]):
        model.threat.remove_cell(c)
    cell = make_cell(model, node=route[1], strength=8)
    convoy = make_convoy(
        model,
        origin=route[0],
        destination=route[-1],
        routes=[route],
        passengers=5,
        drivers=2,
        armored=False,
        leaked=True,
    )
    return model, convoy, cell


def test_a_leaked_ambush_is_placed_uniformly_on_the_covered_road():
    model, convoy, cell = leak_setup(reach_km=10.0)  # covers 10 km either side of node 1
    spans = [
        (e, a, b) for e in model.net.route_edges(convoy.routes[0]) for a, b in cell.cover.get(e, ())
    ]
    assert len(spans) == 2 and sum(b - a for _, a, b in spans) == pytest.approx(20.0)
    # u = 0.75 of 20 km: 15 km into the covered road, i.e. 5 km into the second span
    convoy.draws = ScriptedDraws(0.0, 0.75)
    model.threat.exploit_leak(convoy)
    placed_cell, e, x, *_ = convoy.ambush
    second = spans[1]
    assert placed_cell is cell and e == second[0]
    assert x == pytest.approx(second[1] + (15.0 - (spans[0][2] - spans[0][1])))


def test_a_leak_is_acted_on_with_probability_leak_exploit():
    model, convoy, _ = leak_setup(reach_km=10.0, leak_exploit=0.0)
    convoy.draws = ScriptedDraws(0.0, 0.5)
    model.threat.exploit_leak(convoy)
    assert convoy.ambush is None  # u = 0 is not below 0
    model, convoy, _ = leak_setup(reach_km=10.0, leak_exploit=0.5)
    convoy.draws = ScriptedDraws(0.4999, 0.5)
    model.threat.exploit_leak(convoy)
    assert convoy.ambush is not None


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_the_reaction_force_arrives_exactly_when_its_reach_covers_the_spot(share):
    for margin, arrives in ((0.0, True), (-1e-9, False)):
        model, convoy, cell, e = setup()
        length, hours = model.net.edge_len[e], model.net.edge_time[e]
        x = share * length
        reach = min(0.5 + share * hours, 2.0 + (1 - share) * hours)
        model.cfg.threat.__dict__["qrf_reach_h"] = reach + margin
        convoy.draws = ScriptedDraws(rng=ScriptedRng(0.999, 0.0))
        model.engagement.resolve(convoy, cell, e, x, targeted=False)
        assert model._events[-1]["qrf"] is arrives, (share, margin)


def test_counted_outcomes_equal_the_event_log():
    sc = limiting_scenario(
        days=30,
        threat=dict(ambush_rate=0.01, lethality=0.3, injury=0.3, leak_prob=0.02, leak_exploit=1.0),
        policy=dict(escort_units=60, escort_size=2),
    )
    model = CorridorModel(sc).run()
    out, ev = model.outcomes(), model.events
    hits = ev[ev.event == "attack"]
    assert len(hits) > 20 and hits.escorted.all() and hits.targeted.any()
    assert out["attacks_executed"] == len(hits)
    assert out["attacks_on_escorted"] == hits.escorted.sum()
    assert out["attacks_successful"] == ((hits.foreign_killed + hits.foreign_injured) > 0).sum()
    assert out["attacks_lethal"] == (hits.foreign_killed > 0).sum()
    attempts = ev[ev.event.isin(["attack", "foiled"])]
    assert out["attacks_with_leak"] == attempts.targeted.sum()
    for group in ("foreign_killed", "foreign_injured", "guards_killed", "militants_killed"):
        assert out[group] == ev[group].sum(), group


def test_a_guess_at_a_road_the_cell_does_not_reach_sets_no_ambush():
    sc = limiting_scenario(days=1, threat=dict(leak_exploit=1.0, reach_km=10.0))
    model = CorridorModel(sc, graph=parallel_routes_graph(2))
    for c in list(model.agents_by_type[MilitantCell]):
        model.threat.remove_cell(c)
    make_cell(model, node="J0", strength=8)  # reaches route 0 only
    routes = [["A", "J0", "B"], ["A", "J1", "B"]]
    convoy = make_convoy(
        model,
        origin="A",
        destination="B",
        routes=routes,
        passengers=5,
        drivers=2,
        armored=False,
        leaked=True,
    )
    convoy.draws = ScriptedDraws(0.0, 0.5)
    convoy.draws.integers = lambda n, *key: n - 1  # the cells' only one, then the guess: route 1
    model.threat.exploit_leak(convoy)
    assert convoy.ambush is None


def test_a_short_reach_still_sets_an_ambush_and_span_ends_belong_to_their_span():
    model, convoy, cell = leak_setup(reach_km=0.4)  # 0.8 km of road in all
    convoy.draws = ScriptedDraws(0.0, 0.5)
    model.threat.exploit_leak(convoy)
    assert convoy.ambush is not None
    model, convoy, cell = leak_setup(reach_km=10.0)
    spans = [
        (e, a, b) for e in model.net.route_edges(convoy.routes[0]) for a, b in cell.cover.get(e, ())
    ]
    first = spans[0]
    total = sum(b - a for _, a, b in spans)
    convoy.draws = ScriptedDraws(0.0, (first[2] - first[1]) / total)
    model.threat.exploit_leak(convoy)
    assert convoy.ambush[1:3] == (first[0], pytest.approx(first[2]))


def test_foreign_guards_follow_the_host_values_they_are_ratios_of():
    """Calibration moves the host guard's protection and detection; a foreign guard moves with
    it (foreign_effect_ratio, foreign_detect_ratio). Doubling the host values doubles the
    foreign ones in the contest and the detection layers, term by term."""
    model, convoy, cell, e = setup(effect_domestic=2.4, detect_domestic=0.05, screen_per_guard=0.05)
    convoy.draws = ScriptedDraws(rng=ScriptedRng(0.999, 0.999))
    model.engagement.resolve(convoy, cell, e, 5.0, targeted=False)
    ev = model._events[-1]
    th = model.cfg.threat
    assert th.effect_foreign == pytest.approx(0.7 / 1.2 * 2.4)  # was 0.7 at a host 1.2
    assert th.detect_foreign == pytest.approx(0.1) and th.screen_foreign == pytest.approx(0.1)
    defence = 3 * 2.4 + 2 * (0.7 / 1.2 * 2.4) + 2.0
    assert ev["p_break"] == pytest.approx(contest(4 * 1.5, defence, 1.5), rel=1e-12)
    p_esc = 1 - 0.95**3 * 0.9**2
    p_cp = 1 - (0.95 * 0.9**2) ** 3
    p_foil = 1 - (1 - p_esc) * (1 - p_cp) * (1 - 0.4 * 0.5)
    assert ev["p_foil"] == pytest.approx(p_foil, rel=1e-12)
