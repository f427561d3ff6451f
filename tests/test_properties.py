"""Property tests over generated configurations: invariants that hold for every scenario."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import Convoy
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
            notification_chain=st.integers(0, 30),
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
            detect_foreign=probs,
            screen_prob=probs,
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


def _step_and_check(model: CorridorModel) -> None:
    """Step the model, checking that every moving convoy is on a road of the network."""
    net = model.net
    while model.time < model.end_time:
        model.step()
        for convoy in model.agents_by_type.get(Convoy, []):
            if convoy.state != "moving":
                continue
            e = convoy.edges[convoy.leg]
            assert net.G.has_edge(net.edge_u[e], net.edge_v[e])
            assert {net.edge_u[e], net.edge_v[e]} == set(convoy.route[convoy.leg : convoy.leg + 2])
            assert -1e-9 <= convoy.s <= net.edge_len[e] + 1e-9
            assert convoy.cell.coordinate in convoy.route
    model.run()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_invariants_hold_for_any_scenario(sc):
    model = CorridorModel(sc)
    _step_and_check(model)
    out, ev = model.outcomes(), model.events
    assert all(out[k] >= 0 and float(out[k]).is_integer() for k in COUNTS)
    assert out["attacks_executed"] + out["attacks_foiled"] == out["attacks_attempted"]
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
    # every event happens on a road of the network
    names = {d["name"]: n for n, d in model.net.G.nodes(data=True)}
    for u, v, x in zip(attacks.edge_u, attacks.edge_v, attacks.x_km, strict=True):
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
                    escort_units=1000, escort_size=1, checkpoints=0, patrols=0, qrf_units=0
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
