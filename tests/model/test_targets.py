"""Targets beyond convoys (sim/model/targets.py): sites, unescorted movements, which a cell hits."""

from __future__ import annotations

import pytest
from helpers import limiting_scenario, tolerance, two_site_graph

from sim import CorridorModel, build_model, load_scenario
from sim.model.engagement import contest, detection_probability


def test_an_attack_on_a_site_meets_its_guards_and_hardening():
    """p_foil = 1 - (1 - d)^g, p_break = A / (A + g e + h H), lethality cut by h x protection,
    the staff the site holds as the people present."""
    guards, hardening, big_h, e, d = 3, 0.5, 4.0, 1.2, 0.1
    sc = limiting_scenario(
        days=600,
        trips_per_day=0.0,
        threat=dict(
            cells=5,
            site_attack_rate=0.2,
            hardening=big_h,
            hardening_protection=0.6,
            effect_domestic=e,
            detect_domestic=d,
            lethality=0.5,
        ),
        policy=dict(site_guards=guards, site_hardening=hardening),
        demand=dict(camp_staff=6, office_staff=3),
    )
    model = CorridorModel(sc, graph=two_site_graph()).run()
    ev = model.events
    assert len(ev) > 50 and set(ev.target) == {"site"} and set(ev.node) == {"A", "B"}
    a = 5.0  # team_size 5 of a cell of 10, capability 1
    assert ev.p_break.to_numpy() == pytest.approx(contest(a, guards * e + hardening * big_h))
    assert ev.p_foil.to_numpy() == pytest.approx(detection_probability(guards, 0, d, 0.0))
    assert (ev.passengers == ev.node.map({"A": 6, "B": 3})).all()
    assert (ev.force == "domestic").all() and ev.trip.isna().all()
    # foreign deaths in a breakthrough: Bin(staff, lethality (1 - h x protection))
    broke = ev[ev.breakthrough]
    lethality = 0.5 * (1.0 - hardening * 0.6)
    share = broke.foreign_killed.sum() / broke.passengers.sum()
    assert abs(share - lethality) < tolerance(lethality, int(broke.passengers.sum()))
    out = model.outcomes()
    assert out["attacks_on_sites"] == len(ev) == out["attacks_attempted"]
    assert out["foreign_killed_at_sites"] == out["foreign_killed"] == ev.foreign_killed.sum()


def test_a_cell_ambushes_only_the_kind_of_movement_it_targets():
    """Convoys worth nothing to the cell (symbolic weight 0, lambda 100): it always targets the
    unescorted cars, and no convoy is ever attacked although both share the road."""
    sc = limiting_scenario(
        days=40,
        threat=dict(ambush_rate=0.005, symbolic_convoy=0.0, rationality=100.0),
        policy=dict(escort_coverage=0.5),
    )
    model = CorridorModel(sc).run()
    out = model.outcomes()
    assert 0.4 < out["trips_unescorted"] / out["trips_started"] < 0.6
    assert out["attacks_on_convoys"] == 0 and out["attacks_on_unescorted"] > 30
    assert {t for _, _, t in model.targets.choices} == {"unescorted"}


def test_unescorted_movements_never_wait_for_an_escort_nor_leak():
    """One escort team for many convoys: convoys wait, low-profile cars never do; nothing told
    to nobody can leak."""
    sc = limiting_scenario(
        days=20,
        threat=dict(ambush_rate=0.003, leak_prob=1.0, leak_exploit=0.0),
        policy=dict(escort_coverage=0.5, escort_units=1, escort_size=2),
    )
    model = CorridorModel(sc).run()
    trips = model.demand.trip_table()
    assert trips.escorted.any() and (~trips.escorted).any()
    assert not trips.leaked[~trips.escorted].any() and trips.leaked[trips.escorted].all()
    ev = model.events
    on_cars = ev[ev.target == "unescorted"]
    assert len(on_cars) > 0 and not on_cars.escorted.any() and not on_cars.leaked.any()
    assert model.outcomes()["trips_delayed"] > 0  # the convoys did wait


def test_site_staff_follow_where_trips_start_and_end():
    """On the CPEC network: 6 at the busiest camp (Port Qasim), 3 at the busiest city; nodes
    whose rounded share is 0 have no site."""
    model = build_model(load_scenario(days=1))
    name = model.net.G.nodes
    staff = {name[s.node]["name"]: s.staff for s in model.targets.sites}
    assert staff["Port Qasim"] == 6 and max(staff.values()) == 6
    assert max(v for k, v in staff.items() if name[k]["kind"] == "city") == 3
    assert "Quetta" not in staff and "Islamabad" not in staff  # few trips; an airport
    assert all(v >= 1 for v in staff.values()) and len(staff) == 17


@pytest.mark.parametrize("days", [1, 6])
def test_cells_learn_the_protection_they_see(days):
    """No attack ever happens; each day a cell sees the escorts of 10 guards (the status quo it
    believed was 2) and sites of 8 guards (believed 1): pi_n = pi + (pi_0 - pi)(1 - alpha)^n."""
    alpha, d, e, a = 0.3, 0.1, 1.0, 5.0
    sc = limiting_scenario(
        days=days,
        threat=dict(
            cells=3,
            site_attack_rate=1e-9,
            belief_rate=alpha,
            detect_domestic=d,
            effect_domestic=e,
            prior_escort_guards=2,
            prior_site_guards=1,
            prior_site_hardening=0.0,
        ),
        policy=dict(escort_units=1000, escort_size=10, site_guards=8, site_hardening=0.0),
    )
    model = CorridorModel(sc).run()

    def pi(guards):
        return (1 - d) ** guards * a / (a + guards * e)

    for cell in model.threat.cells:
        for kind, (prior, seen) in {"convoy": (2, 10), "site": (1, 8)}.items():
            expected = pi(seen) + (pi(prior) - pi(seen)) * (1 - alpha) ** days
            assert cell.beliefs[kind] == pytest.approx(expected, rel=1e-12), kind
        assert cell.beliefs["unescorted"] == 1.0  # none seen: the prior (no protection)


@pytest.mark.slow
def test_site_exposure_is_the_expected_number_of_strikes_and_counts_in_threat_exposure():
    """Each site's hazard (strike rate x hours under a cell's choice) is the expected number of
    strikes on it: over 30 years, the strikes counted agree with the summed hazard (Poisson);
    a hazard twice too large (hours counted as half-days) fails."""
    expected, struck = 0.0, 0
    for seed in range(30):
        sc = load_scenario(policy="domestic_baseline", threat="high", seed=seed, days=365)
        sc = sc.replace(threat={"leak_prob": 0.0, "insider_rate": 0.0, "site_attack_rate": 0.02})
        model = CorridorModel(sc).run()
        out = model.outcomes()
        assert out["threat_exposure"] == pytest.approx(out["road_exposure"] + out["site_exposure"])
        staff = [s.staff for s in model.targets.sites]
        site = sum(n * h for n, h in zip(staff, model.targets.site_hazard, strict=True))
        assert out["site_exposure"] == pytest.approx(site) and site > 0
        years = sum(staff) * 365 / 365.0
        assert out["exposure_per_person_year"] == pytest.approx(out["threat_exposure"] / years)
        expected += sum(model.targets.site_hazard)
        ev = model.events
        struck += int(((ev.target == "site") & ev.event.isin(["attack", "foiled"])).sum())
    assert struck >= 20
    assert abs(struck - expected) < 3.0 * expected**0.5
