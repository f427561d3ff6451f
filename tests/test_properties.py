"""Property tests over generated configurations: invariants that hold for every scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios import Scenario
from sim import CorridorModel

probs = st.floats(0.0, 1.0)

scenarios = st.builds(
    lambda seed, kind, length, policy, threat, trips: Scenario.from_dict(
        dict(
            seed=seed,
            days=12,
            network=dict(
                kind=kind,
                length_km=length,
                rows=3,
                cols=4,
                spacing_km=40.0,
                n_nodes=15,
                radius=0.45,
                regions=2,
            ),
            policy=policy,
            threat=threat,
            demand=dict(trips_per_day=trips),
        )
    ),
    seed=st.integers(0, 2**31),
    kind=st.sampled_from(["line", "grid", "random_geometric", "cpec"]),
    length=st.floats(20.0, 600.0),
    policy=st.fixed_dictionaries(
        dict(
            force=st.just("joint"),
            escort_units=st.integers(0, 6),
            escort_size=st.integers(0, 8),
            foreign_per_escort=st.integers(0, 4),
            checkpoints=st.integers(0, 4),
            patrols=st.integers(0, 3),
            qrf_units=st.integers(0, 2),
            intel_sharing=probs,
            route_choices=st.integers(1, 3),
            departure_window_h=st.floats(0.0, 8.0),
            armored_share=probs,
            vetting=probs,
            foreign_planning=probs,
            foreign_raids=probs,
        )
    ),
    threat=st.fixed_dictionaries(
        dict(
            cells=st.integers(0, 8),
            reach_km=st.floats(0.0, 300.0),
            ambush_rate=st.floats(0.0, 0.02),
            plan_days=st.floats(0.0, 5.0),
            knowledge0=probs,
            leak_prob=st.floats(0.0, 0.2),
            leak_exploit=probs,
            lethality=probs,
            injury=probs,
            guard_lethality=probs,
            bystander_lethality=probs,
            detect_domestic=probs,
            foreign_detect_ratio=probs,
            screen_per_guard=probs,
            militant_loss=probs,
            recruitment_rate=st.floats(0.0, 2.0),
            interdiction_rate=st.floats(0.0, 0.5),
            backlash=st.floats(0.0, 0.1),
            collateral=probs,
        )
    ),
    trips=st.floats(0.0, 15.0),
)

COUNTS = [
    "foreign_killed",
    "foreign_injured",
    "guards_killed",
    "civilians_killed",
    "militants_killed",
    "attacks_attempted",
    "attacks_executed",
    "attacks_foiled",
    "plots_interdicted",
    "trips_started",
    "trips_completed",
    "trips_delayed",
]


def _step_and_check(model: CorridorModel) -> int:
    """Step the model, checking that every convoy on the road is on a road of its route.

    Returns how many positions were checked (a test can then ask that some were).
    """
    net = model.net
    checked = 0
    while model.time < model.end_time:
        model.step()
        for convoy in model.movement.travelling():
            at = convoy.position()
            if at is None:  # waiting for an escort
                assert convoy.state == "waiting"
                continue
            leg, s = at
            e = convoy.info.edges[leg]
            assert net.G.has_edge(net.edge_u[e], net.edge_v[e])
            assert {net.edge_u[e], net.edge_v[e]} == set(convoy.route[leg : leg + 2])
            assert -1e-9 <= s <= net.edge_len[e] + 1e-9
            checked += 1
    model.run()
    return checked


def _check_target_kinds(out: dict, ev) -> None:
    """Attacks and foreign deaths add up over the target kinds, in the outcomes and the log."""
    by_kind = {"convoy": "attacks_on_convoys", "site": "attacks_on_sites"}
    by_kind["unescorted"] = "attacks_on_unescorted"
    assert sum(out[k] for k in by_kind.values()) == out["attacks_attempted"]
    killed = ("foreign_killed_on_convoys", "foreign_killed_at_sites", "foreign_killed_unescorted")
    assert sum(out[k] for k in killed) == out["foreign_killed"]
    assert out["attacks_on_escorted"] <= out["attacks_on_convoys"]
    assert out["trips_unescorted"] <= out["trips_started"]
    counted = ev[ev.event.isin(["attack", "foiled"])].target.value_counts()
    for kind, name in by_kind.items():
        assert counted.get(kind, 0) == out[name]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_invariants_hold_for_any_scenario(sc):
    model = CorridorModel(sc)
    _step_and_check(model)
    out, ev = model.outcomes(), model.events
    assert all(out[k] >= 0 and float(out[k]).is_integer() for k in COUNTS)
    assert out["attacks_executed"] + out["attacks_foiled"] == out["attacks_attempted"]
    _check_target_kinds(out, ev)
    assert out["attacks_successful"] <= out["attacks_executed"]
    assert out["attacks_lethal"] <= out["attacks_successful"]
    assert out["trips_completed"] <= out["trips_started"]
    assert out["threat_exposure"] >= 0 and out["foreign_person_km"] >= 0
    assert 0.0 <= out["mean_legitimacy"] <= 1.0
    attacks = ev[ev.event.isin(["attack", "foiled"])]
    # casualties never exceed the people present
    assert (attacks.foreign_killed + attacks.foreign_injured <= attacks.passengers).all()
    assert (attacks.militants_killed <= attacks.attackers).all()
    assert (attacks.attackers <= sc.threat.team_size).all()
    foiled = attacks[attacks.event == "foiled"]
    assert (
        foiled[
            ["foreign_killed", "foreign_injured", "guards_killed", "civilians_killed"]
        ].to_numpy()
        == 0
    ).all()
    # every attack on a movement happens on a road of the network, every other at a site
    names = {d["name"]: n for n, d in model.net.G.nodes(data=True)}
    on_site = attacks[attacks.target == "site"]
    site_nodes = {model.net.G.nodes[s.node]["name"] for s in model.targets.sites}
    assert set(on_site.node) <= site_nodes and on_site.edge_u.isna().all()
    moving = attacks[attacks.target != "site"]
    for u, v, x in zip(moving.edge_u, moving.edge_v, moving.x_km, strict=True):
        a, b = names[u], names[v]
        assert model.net.G.has_edge(a, b)
        assert -1e-9 <= x <= model.net.G.edges[a, b]["length_km"] + 1e-9


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), a=st.floats(20.0, 250.0), b=st.floats(20.0, 250.0))
def test_exposure_grows_with_distance(seed, a, b):
    """Same trips on a longer road: person-km and threat exposure scale with the length.

    Every attack is foiled (one escort who always detects), so no trip is cut short.
    """

    def out(length):
        sc = Scenario.from_dict(
            dict(
                seed=seed,
                days=10,
                network=dict(kind="line", length_km=length, segments=3),
                policy=dict(
                    escort_units=1000,
                    escort_size=1,
                    checkpoints=0,
                    patrols=0,
                    qrf_units=0,
                    escort_coverage=1.0,  # every movement a convoy
                ),
                threat=dict(
                    cells=1,
                    reach_km=1e6,
                    plan_days=0.0,
                    knowledge0=1.0,
                    ambush_rate=0.003,
                    detect_domestic=1.0,
                    militant_loss=0.0,
                    interdiction_rate=0.0,
                    recruitment_rate=0.0,
                    leak_prob=0.0,  # a cell waiting in a leak ambush sets no other ambush
                    site_attack_rate=0.0,  # nor does one that targets a site
                    insider_rate=0.0,  # an escort who turns on his convoy ends its trip
                ),
            )
        )
        return CorridorModel(sc).run().outcomes()

    short, long_ = sorted((a, b))
    o1, o2 = out(short), out(long_)
    assert o1["trips_completed"] == o2["trips_completed"] == o1["trips_started"]
    assert o1["attacks_executed"] == o2["attacks_executed"] == 0
    np.testing.assert_allclose(o2["foreign_person_km"] * short, o1["foreign_person_km"] * long_)
    np.testing.assert_allclose(o2["threat_exposure"] * short, o1["threat_exposure"] * long_)
    assert o2["foreign_person_hours"] >= o1["foreign_person_hours"]


# ---- every schema field ------------------------------------------------------------------------
#: Practical upper ends for a three-day run (the schema allows more; its bounds are tested in
#: the bad-input catalogue). Fields not listed draw over their whole allowed range.
CAPS = {
    "policy.escort_units": 12,
    "policy.escort_size": 20,
    "policy.foreign_per_escort": 10,
    "policy.checkpoints": 6,
    "policy.checkpoint_size": 20,
    "policy.foreign_at_checkpoints": 10,
    "policy.patrols": 5,
    "policy.patrol_size": 20,
    "policy.qrf_units": 3,
    "policy.qrf_size": 30,
    "policy.route_choices": 4,
    "policy.detour_limit": 3.0,
    "threat.cells": 10,
    "threat.cell_strength": 30,
    "threat.max_cell_strength": 60,
    "threat.capability": 100.0,
    "threat.team_size": 50,
    "threat.reach_km": 400.0,
    "threat.ambush_rate": 0.05,
    "threat.site_attack_rate": 5.0,
    "threat.hardening": 100.0,
    "threat.plan_days": 5.0,
    "threat.leak_surprise": 5.0,
    "threat.recruitment_rate": 20.0,
    "threat.interdiction_rate": 1.0,
    "threat.patrol_interdiction_per_guard": 1.0,
    "threat.intel_interdiction": 1.0,
    "threat.backlash": 2.0,
    "threat.effect_domestic": 20.0,
    "threat.foreign_effect_ratio": 20.0,
    "threat.armor": 20.0,
    "threat.bystanders": 60,
    "threat.qrf_reach_h": 12.0,
    "demand.trips_per_day": 150.0,
    "demand.passengers_mean": 60.0,
    "demand.passengers_per_vehicle": 12,
    "demand.distance_scale_km": 2000.0,
}


def _field_strategy(path: str, meta: dict):
    kind, lo, hi = meta["kind"], meta["lo"], meta["hi"]
    hi = CAPS.get(path, hi)
    if meta["choices"] is not None:
        return st.sampled_from(meta["choices"])
    if kind == "bool":
        return st.booleans()
    if path == "attacks.actors":
        return st.just("generic")  # the record's actors: on the CPEC network (any_scenario)
    if kind in ("count", "int"):
        return st.integers(int(lo or 0), int(hi))
    low = float(lo or 0.0)
    return st.floats(
        low, float(hi), exclude_min=meta["lo_open"], exclude_max=meta["hi_open"], allow_nan=False
    )


def _section_strategy(section: str):
    klass = Scenario.SECTIONS[section]
    return st.fixed_dictionaries(
        {
            f.name: _field_strategy(f"{section}.{f.name}", f.metadata)
            for f in klass.fields()
            if f.name != "name"
        }
    )


def _fix(policy: dict, threat: dict, demand: dict) -> None:
    """Apply the schema's cross-field rules to drawn values."""
    if policy["force"] == "domestic":
        policy["foreign_per_escort"] = policy["foreign_at_checkpoints"] = 0
        policy["foreign_site_guards"] = 0
        policy["foreign_planning"] = policy["foreign_raids"] = 0.0
    threat["max_cell_strength"] = max(threat["max_cell_strength"], threat["cell_strength"], 2)
    start, end = sorted((demand["move_start_h"], demand["move_end_h"]))
    demand["move_start_h"], demand["move_end_h"] = start, max(end, start + 1.0)
    if demand["move_end_h"] > 24.0:
        demand["move_start_h"], demand["move_end_h"] = 23.0, 24.0


@st.composite
def any_scenario(draw):
    policy = draw(_section_strategy("policy"))
    threat = draw(_section_strategy("threat"))
    demand = draw(_section_strategy("demand"))
    attacks = draw(_section_strategy("attacks"))
    _fix(policy, threat, demand)
    kind = draw(st.sampled_from(["line", "grid", "random_geometric", "cpec"]))
    if kind == "cpec":
        attacks["actors"] = draw(st.sampled_from(["generic", "cpec"]))
    if sum(attacks[f"generic_{m}"] for m in ("vbied", "suicide_foot", "ied", "small_arms")) <= 0:
        attacks["generic_small_arms"] = 1.0
    return Scenario.from_dict(
        dict(
            seed=draw(st.integers(0, 2**40)),
            days=3,
            step_hours=draw(st.sampled_from([0.5, 1.0, 2.0])),
            network=dict(
                kind=kind,
                length_km=draw(st.floats(20.0, 600.0)),
                rows=3,
                cols=4,
                n_nodes=15,
                radius=0.45,
                regions=draw(st.integers(1, 3)),
            ),
            policy=policy,
            threat=threat,
            demand=demand,
            population=draw(_section_strategy("population")),
            attacks=attacks,
        )
    )


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_scenario())
def test_invariants_hold_over_every_schema_field(sc):
    """200 scenarios drawn over every field of the schema, both forces, any contest exponent,
    capability and team size, trip rates up to 150 a day: counts stay whole and non-negative,
    attacks add up, casualties never exceed the people present."""
    model = CorridorModel(sc).run()
    out, ev = model.outcomes(), model.events
    assert all(out[k] >= 0 and float(out[k]).is_integer() for k in COUNTS)
    assert out["attacks_executed"] + out["attacks_foiled"] == out["attacks_attempted"]
    _check_target_kinds(out, ev)
    assert out["attacks_lethal"] <= out["attacks_successful"] <= out["attacks_executed"]
    assert out["trips_completed"] <= out["trips_started"]
    assert 0.0 <= out["mean_legitimacy"] <= 1.0
    if sc.policy.force == "domestic":
        assert out["foreign_security_person_days"] == 0
    attacks = ev[ev.event.isin(["attack", "foiled"])]
    assert (attacks.foreign_killed + attacks.foreign_injured <= attacks.passengers).all()
    assert (attacks.militants_killed <= attacks.attackers).all()
    assert (attacks.attackers <= sc.threat.team_size).all()
    assert ((attacks.p_break >= 0) & (attacks.p_break <= 1)).all()
    assert ((attacks.p_foil >= 0) & (attacks.p_foil <= 1)).all()


def test_the_road_check_sees_convoys_on_the_road():
    """The stepping check above is not vacuous: on three CPEC days it checks many positions."""
    assert _step_and_check(CorridorModel(Scenario.from_dict(dict(days=3, seed=1)))) > 50
