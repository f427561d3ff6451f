"""Verification: limiting configurations in which the model has a closed-form answer.

Each check runs the model by Monte Carlo and compares with the formula within a tolerance of
four binomial standard errors (a false alarm rate below 1e-4 per check; the seeds are fixed, so
the checks are also exactly repeatable).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import limiting_scenario, parallel_routes_graph, tolerance, two_site_graph
from scipy import stats

from agents import MilitantCell
from sim import CorridorModel
from sim.model.engagement import contest


def test_unattacked_share_is_exp_minus_lambda_L():
    lam, length = 0.005, 100.0
    sc = limiting_scenario(threat=dict(ambush_rate=lam), length_km=length, days=120)
    out = CorridorModel(sc).run().outcomes()
    n = out["trips_started"]
    # no security: every attack breaks through and ends the trip, so trips meet at most one
    unattacked = 1.0 - out["attacks_attempted"] / n
    expected = math.exp(-lam * length)
    assert n > 4000
    assert abs(unattacked - expected) < tolerance(expected, n)
    assert out["attacks_foiled"] == 0 and out["attacks_executed"] == out["attacks_attempted"]


def test_exposure_is_lambda_times_person_km():
    """Threat exposure = persons x ambush density x km, exactly, under a uniform density."""
    lam = 0.002
    out = CorridorModel(limiting_scenario(threat=dict(ambush_rate=lam), days=20)).run().outcomes()
    assert out["road_exposure"] > 0
    np.testing.assert_allclose(out["road_exposure"], lam * out["foreign_person_km"], rtol=1e-9)


def test_detection_thins_encounters():
    """Each guard detects with d; executed attacks arrive at rate lambda (1 - p_foil)."""
    lam, length, n_guards, d = 0.01, 100.0, 5, 0.1
    sc = limiting_scenario(
        length_km=length,
        days=120,
        threat=dict(ambush_rate=lam, detect_domestic=d, effect_domestic=0.0),
        policy=dict(escort_units=10_000, escort_size=n_guards),
    )
    out = CorridorModel(sc).run().outcomes()
    n = out["trips_started"]
    p_foil = 1.0 - (1.0 - d) ** n_guards
    expected = math.exp(-lam * (1.0 - p_foil) * length)
    assert abs(1.0 - out["attacks_executed"] / n - expected) < tolerance(expected, n)
    # foiled share of attempts is p_foil
    share = out["attacks_foiled"] / out["attacks_attempted"]
    assert abs(share - p_foil) < tolerance(p_foil, int(out["attacks_attempted"]))


def test_breakthrough_share_follows_contest_function():
    team, effect, guards, m = 3, 0.5, 4, 2.0
    sc = limiting_scenario(
        days=60,
        threat=dict(ambush_rate=0.02, team_size=team, effect_domestic=effect, decisiveness=m),
        policy=dict(escort_units=10_000, escort_size=guards),
    )
    ev = CorridorModel(sc).run().events
    attacks = ev[ev.event == "attack"]
    expected = contest(team * 1.0, guards * effect, m)
    assert expected == 9.0 / 13.0
    np.testing.assert_allclose(attacks.p_break, expected)
    n = len(attacks)
    assert n > 1000
    assert abs(attacks.breakthrough.mean() - expected) < tolerance(expected, n)


def test_leak_with_n_randomized_routes_hits_one_in_n():
    """A leaked itinerary names n disjoint equal routes; the ambush is on the right one 1/n."""
    n_routes, leak_prob, chain, exploit = 3, 0.3, 2, 0.8
    sc = limiting_scenario(
        days=150,
        trips_per_day=30,
        # enough always-ready cells that every leaked itinerary finds one free to wait for it
        threat=dict(leak_prob=leak_prob, leak_exploit=exploit, cells=60),
        policy=dict(route_choices=n_routes, detour_limit=1.0),
        # a chain of `chain` host members: one official and one driver (one vehicle), at the
        # reference grievance 0.2 (hardship 0.5, legitimacy 0.6), without vetting
        demand=dict(chain_officials=chain - 1, chain_per_intel=0, passengers_per_vehicle=100),
    )
    out = CorridorModel(sc, graph=parallel_routes_graph(n_routes)).run().outcomes()
    n = out["trips_started"]
    p_leak = 1.0 - (1.0 - leak_prob) ** chain
    assert abs(out["itineraries_leaked"] / n - p_leak) < tolerance(p_leak, n)
    expected = p_leak * exploit / n_routes
    assert out["attacks_with_leak"] == out["attacks_attempted"]
    assert abs(out["attacks_attempted"] / n - expected) < tolerance(expected, n)


def test_leak_without_randomization_always_finds_the_convoy():
    sc = limiting_scenario(
        days=30,
        threat=dict(leak_prob=1.0, leak_exploit=1.0, cells=60),
        policy=dict(route_choices=1),
    )
    out = CorridorModel(sc, graph=parallel_routes_graph(3)).run().outcomes()
    assert out["attacks_with_leak"] == out["trips_started"] > 0


def test_legitimacy_follows_its_closed_form():
    """L_t = L* + (L0 - L*)(1 - rho)^t with L* = L0 - beta F / (100 rho) (no collateral)."""
    rho, beta, L0, units, foreign = 0.05, 0.01, 0.7, 5, 4
    sc = limiting_scenario(
        days=40,
        trips_per_day=1,
        threat=dict(backlash=beta),
        policy=dict(force="joint", escort_units=units, escort_size=2, foreign_per_escort=foreign),
    )
    sc = sc.replace(population__relax_rate=rho, population__legitimacy0=L0)
    model = CorridorModel(sc).run()
    F = units * foreign
    L_star = L0 - beta * F / (100.0 * rho)
    t = np.arange(1, 41)
    expected = L_star + (L0 - L_star) * (1.0 - rho) ** t
    np.testing.assert_allclose(model.timeseries.mean_legitimacy, expected, rtol=1e-12)
    assert model.outcomes()["foreign_security_person_days"] == F * 40


def test_knowledge_follows_its_closed_form():
    """With traffic seen every day, k_t = k* + (k0 - k*)(1 - eta pi - phi)^t."""
    eta, phi, k0, n_routes, window, scale = 0.1, 0.02, 0.2, 1, 4.0, 2.0
    sc = limiting_scenario(
        days=50,
        trips_per_day=60,
        threat=dict(knowledge0=k0, learn_rate=eta, forget_rate=phi, schedule_scale_h=scale),
        policy=dict(route_choices=n_routes, departure_window_h=window),
    )
    model = CorridorModel(sc).run()
    cells = list(model.agents_by_type[MilitantCell])
    assert len(cells) == 1
    pi = 1.0 / (1.0 + window / scale)
    k_star = eta * pi / (eta * pi + phi)
    expected = k_star + (k0 - k_star) * (1.0 - eta * pi - phi) ** 50
    np.testing.assert_allclose(cells[0].knowledge, expected, rtol=1e-12)


def test_trip_counts_are_poisson():
    """Daily trips are Poisson(rate): mean, dispersion (variance/mean = 1) and distribution."""
    rate, days = 7.0, 1500
    model = CorridorModel(limiting_scenario(trips_per_day=rate, days=days)).run()
    daily = np.diff(model.timeseries.trips_started.to_numpy(), prepend=0)
    assert len(daily) == days
    assert abs(daily.mean() - rate) < 4 * math.sqrt(rate / days)
    # the dispersion index of a Poisson sample has standard error sqrt(2 / (n - 1))
    assert abs(daily.var(ddof=1) / daily.mean() - 1.0) < 4 * math.sqrt(2.0 / (days - 1))
    # chi-square goodness of fit over pooled bins 0-3, 4, ..., 11, 12+
    edges = [0, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    observed = [
        np.sum((daily >= a) & (daily < b)) for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    observed.append(np.sum(daily >= 12))
    cdf = stats.poisson.cdf(np.array(edges[1:]) - 1, rate)
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    assert stats.chisquare(observed, probs * days).pvalue > 1e-4


def test_encounters_per_km_are_lambda_by_monte_carlo():
    """Realised encounters per person-km match lambda (not two counters fed the same number).

    Attacks never break through (overwhelming protection) and cells never tire, so a convoy
    meets ambushes as a Poisson process of rate lambda per km over its whole trip; one
    passenger per convoy makes person-km the convoy-km.
    """
    lam = 0.004
    sc = limiting_scenario(
        days=150,
        threat=dict(ambush_rate=lam, effect_domestic=1000.0),
        policy=dict(escort_units=10_000, escort_size=100),
        demand=dict(passengers_mean=1.0),
    )
    out = CorridorModel(sc).run().outcomes()
    expected = lam * out["foreign_person_km"]
    assert expected > 2000 and out["trips_completed"] > 0.99 * out["trips_started"]
    assert abs(out["attacks_attempted"] - expected) < 4 * math.sqrt(expected)
    # and the exposure outcome is that same expectation
    np.testing.assert_allclose(out["road_exposure"], expected, rtol=1e-9)


def test_attacker_attrition_follows_its_closed_form():
    """Expected attackers killed = attackers x min(1, loss x 2D / (A + D)) (7.5 of the ODD)."""
    team, guards, effect, loss = 4, 4, 0.5, 0.3
    sc = limiting_scenario(
        days=60,
        threat=dict(
            ambush_rate=0.02,
            team_size=team,
            effect_domestic=effect,
            militant_loss=loss,
            cell_strength=10_000,  # the cell outlives every loss of the test
            max_cell_strength=100_000,
        ),
        policy=dict(escort_units=10_000, escort_size=guards),
    )
    ev = CorridorModel(sc).run().events
    attacks = ev[ev.event == "attack"]
    A, D = float(team), guards * effect
    p = min(1.0, loss * 2 * D / (A + D))
    n = int(attacks.attackers.sum())
    share = attacks.militants_killed.sum() / n
    assert n > 2000 and (attacks.attackers == team).all()
    assert abs(share - p) < tolerance(p, n)


def test_foreign_deaths_in_a_breakthrough_are_binomial():
    """E[foreign killed | breakthrough] = passengers x lethality, with no armor or QRF."""
    lethality = 0.35
    sc = limiting_scenario(days=40, threat=dict(ambush_rate=0.01, lethality=lethality))
    ev = CorridorModel(sc).run().events
    hit = ev[(ev.event == "attack") & ev.breakthrough.astype(bool)]
    n = int(hit.passengers.sum())
    assert n > 2000
    assert abs(hit.foreign_killed.sum() / n - lethality) < tolerance(lethality, n)


# ---- target choice (sim.model.targets) --------------------------------------------------------
@pytest.mark.parametrize("rationality", [0.0, 1.0])
def test_choice_shares_are_logit_in_the_payoffs(rationality):
    """Fixed beliefs (static adversary): cells choose target t with exp(lambda U_t) / sum.

    Line network, both ends camps of 6 staff, convoys (10 passengers) and unescorted cars (2).
    Believed success from the status quo by hand: ``(1 - d)^g A / (A + D)`` with A = 5.
    """
    sc = limiting_scenario(
        days=100,
        trips_per_day=20,
        threat=dict(
            cells=200,
            site_attack_rate=1e-9,  # sites are in the choice set; a strike never comes
            rationality=rationality,
            belief_rate=0.0,
            symbolic_site=1.0,
            lethality=0.5,
            detect_domestic=0.1,
            effect_domestic=1.0,
            prior_escort_guards=2,
            prior_site_guards=1,
            prior_site_hardening=0.5,
            hardening=2.0,
        ),
        policy=dict(escort_coverage=0.5),
        demand=dict(passengers_mean=10.0, local_passengers_mean=2.0, camp_staff=6),
    )
    model = CorridorModel(sc).run()
    a = 5.0
    pi_convoy = 0.9**2 * a / (a + 2.0)
    pi_site = 0.9 * a / (a + 1.0 + 0.5 * 2.0)
    payoff = {"convoy": 10 * 0.5 * pi_convoy, "unescorted": 2 * 0.5 * 1.0, 0: 6 * 0.5 * pi_site}
    payoff[1] = payoff[0]
    weights = {t: math.exp(rationality * u) for t, u in payoff.items()}
    total = sum(weights.values())
    chosen = [t for _, _, t in model.targets.choices]
    assert len(model.targets.sites) == 2 and len(chosen) > 20_000
    assert model.counters["attacks_attempted"] == 0
    for target, w in weights.items():
        share = chosen.count(target) / len(chosen)
        assert abs(share - w / total) < tolerance(w / total, len(chosen)), target


@pytest.mark.parametrize("belief_rate", [0.0, 1.0])
def test_hardening_displaces_attacks_to_the_smaller_site_only_if_cells_learn(belief_rate):
    """Two sites, a camp of 6 staff and an office of 3, the same guards; hardening both.

    A near-deterministic contest (m = 20) makes the success chance pi = 1 / (1 + (D/A)^m)
    ~0.99 unhardened (D = 4 < A = 5) and ~0 hardened (D = 8). Cells choose daily and strike the
    chosen site at one rate, so the share of attacks on the camp is the logit share
    ``1 / (1 + exp(-lambda w L (6 - 3) pi))``. The static adversary keeps the status quo belief
    (unhardened): no displacement. A learning one (rate 1) sees the hardening: the camp's share
    falls to 1/2.
    """
    lam, lethality, m, a = 1.0, 0.5, 20.0, 5.0

    def camp_share(hardening: float) -> tuple[float, int]:
        sc = limiting_scenario(
            days=400,
            trips_per_day=0.0,
            threat=dict(
                cells=40,
                site_attack_rate=0.05,
                rationality=lam,
                belief_rate=belief_rate,
                symbolic_site=1.0,
                lethality=lethality,
                decisiveness=m,
                effect_domestic=1.0,
                hardening=4.0,
                prior_site_guards=4,
                prior_site_hardening=0.0,
            ),
            policy=dict(site_guards=4, site_hardening=hardening),
            demand=dict(camp_staff=6, office_staff=3),
        )
        model = CorridorModel(sc, graph=two_site_graph()).run()
        assert [s.staff for s in model.targets.sites] == [6, 3]
        ev = model.events
        ev = ev[(ev.target == "site") & (ev.day >= 1)]  # after the first day's observation
        return float((ev.node == "A").mean()), len(ev)

    def logit(pi: float) -> float:
        return 1.0 / (1.0 + math.exp(-lam * lethality * (6 - 3) * pi))

    pi_open, pi_hard = 1.0 / (1.0 + (4.0 / a) ** m), 1.0 / (1.0 + (8.0 / a) ** m)
    share, n = camp_share(0.0)
    assert n > 500 and abs(share - logit(pi_open)) < tolerance(logit(pi_open), n)
    share_hard, n = camp_share(1.0)
    expected = logit(pi_hard if belief_rate > 0 else pi_open)
    assert n > 500 and abs(share_hard - expected) < tolerance(expected, n)


# ---- insiders, tips and joint operations -------------------------------------------------------
def test_leak_probability_of_a_mixed_chain():
    """P(leak) = 1 - (1 - q_h)^{n_h} (1 - q_f)^{n_f}: host members leak at q_h = leak_prob x
    G / 0.2 x (1 - e v), foreign ones at q_f = leak_prob x factor.

    Joint force; 4 officials, half of them foreign; one driver; escorts of 2 host and 3 foreign
    guards: n_h = 2 + 1 + 2 = 5, n_f = 2 + 3 = 5. Grievance 0.8 x (1 - 0.5) = 0.4, vetting 0.5
    with effect 0.6.
    """
    leak, factor, effect, vetting = 0.05, 0.1, 0.6, 0.5
    sc = limiting_scenario(
        days=60,
        threat=dict(leak_prob=leak, foreign_leak_factor=factor, vetting_effect=effect),
        policy=dict(
            force="joint",
            escort_units=10_000,
            escort_size=2,
            foreign_per_escort=3,
            vetting=vetting,
            foreign_planning=0.5,
        ),
        demand=dict(chain_officials=4, chain_per_intel=0, passengers_per_vehicle=100),
    ).replace(population={"hardship": 0.8, "legitimacy0": 0.5})
    out = CorridorModel(sc).run().outcomes()
    q_h = leak * (0.4 / 0.2) * (1 - effect * vetting)
    q_f = leak * factor
    expected = 1 - (1 - q_h) ** 5 * (1 - q_f) ** 5
    n = int(out["trips_started"])
    assert n > 2000
    assert abs(out["itineraries_leaked"] / n - expected) < tolerance(expected, n)


@pytest.mark.parametrize("legitimacy", [0.3, 0.9])
def test_tips_are_linear_in_legitimacy(legitimacy):
    """With legitimacy held at L0 (no backlash, no harm), tips a day and region ~ Poisson(t L)."""
    rate, days = 2.0, 300
    sc = limiting_scenario(days=days, threat=dict(tip_rate=rate), network=dict(regions=2))
    sc = sc.replace(population={"legitimacy0": legitimacy})
    model = CorridorModel(sc).run()
    regions = len(model.net.regions)
    assert regions == 2
    total = model.outcomes()["tips"]
    mean = rate * legitimacy
    # Poisson: the mean of n = days x regions counts has standard error sqrt(mean / n)
    assert abs(total / (days * regions) - mean) < 4 * math.sqrt(mean / (days * regions))


@pytest.mark.parametrize("joint", [False, True])
def test_legitimacy_cost_of_an_operation(joint):
    """One certain raid on day 0 kills all 5 bystanders: L_1 = L0 - gamma 5 (1 + b [joint])."""
    gamma, b, L0 = 0.01, 1.5, 0.6
    sc = limiting_scenario(
        days=3,
        threat=dict(
            interdiction_rate=100.0,
            collateral=1.0,
            bystanders=5,
            collateral_sensitivity=gamma,
            foreign_raid_backlash=b,
        ),
        policy=dict(force="joint" if joint else "domestic", foreign_raids=1.0 if joint else 0.0),
        network=dict(regions=1),
    )
    model = CorridorModel(sc).run()
    out, series = model.outcomes(), model.timeseries
    assert out["plots_interdicted"] == 1 and out["civilians_killed"] == 5
    assert out["raids_joint"] == int(joint)
    expected = L0 - gamma * 5 * (1 + (b if joint else 0.0))
    assert series.mean_legitimacy.iloc[0] == pytest.approx(expected, rel=1e-12)


def test_foreign_surveillance_lowers_legitimacy_to_its_closed_form():
    """With intelligence sharing s and no other loss: L* = L0 - sigma s / rho, approached as
    L_t = L* + (L0 - L*)(1 - rho)^t."""
    rho, sigma, s, L0, days = 0.05, 0.002, 0.5, 0.6, 40
    sc = limiting_scenario(
        days=days,
        threat=dict(surveillance_backlash=sigma, intel_interdiction=0.0, intel_detection=0.0),
        policy=dict(intel_sharing=s),
        network=dict(regions=1),
    ).replace(population={"relax_rate": rho, "legitimacy0": L0})
    series = CorridorModel(sc).run().timeseries
    star = L0 - sigma * s / rho
    t = np.arange(1, days + 1)
    np.testing.assert_allclose(series.mean_legitimacy, star + (L0 - star) * (1 - rho) ** t)


def test_tips_of_the_last_30_days_foil_attacks():
    """The only detection layer is the tips: p_foil = 1 - (1 - d)^k with k the region's tips of
    the last 30 days, Poisson with mean 30 t L once 30 days have passed."""
    d, rate, L0 = 2e-4, 50.0, 0.6
    sc = limiting_scenario(
        days=120,
        threat=dict(ambush_rate=0.003, tip_rate=rate, tip_detection=d, tip_interdiction=0.0),
        network=dict(regions=1),
    ).replace(population={"legitimacy0": L0})
    ev = CorridorModel(sc).run().events
    hits = ev[ev.event.isin(["attack", "foiled"]) & (ev.day >= 30)]
    assert len(hits) > 300
    k = np.log1p(-hits.p_foil.to_numpy(float)) / np.log1p(-d)
    mean = 30 * rate * L0
    assert np.allclose(k, np.round(k), atol=1e-6)  # a whole number of tips
    assert (np.abs(k - mean) < 5 * np.sqrt(mean)).all()
    foiled = (hits.event == "foiled").mean()
    p = float(hits.p_foil.mean())
    assert abs(foiled - p) < tolerance(p, len(hits))


def test_tips_lead_to_interdictions():
    """Tips are the only interdiction hazard: without them no cell is ever rolled up."""

    def interdicted(tip_interdiction):
        sc = limiting_scenario(
            days=200,
            trips_per_day=0.0,
            threat=dict(cells=8, tip_rate=1.0, tip_interdiction=tip_interdiction),
        )
        return CorridorModel(sc).run().outcomes()["plots_interdicted"]

    assert interdicted(0.0) == 0
    assert interdicted(0.3) >= 5
