"""The lever spaces, the robust objectives and the fronts' arithmetic, on constructed values."""

import numpy as np
import pandas as pd
import pytest

from scenarios.twins import levers
from sim.search.evaluate import OBJECTIVES, objective_table, per_year, scenario_points
from sim.search.fronts import best_at, dominated_by, gap_at, robust_of, winners_curse
from sim.search.levers import SEARCHED, lever_space


def test_the_spaces_take_their_ranges_from_the_lever_file_and_host_leaves_out_foreign_levers():
    spec = levers()
    joint, host = lever_space("joint"), lever_space("host")
    assert joint.names == SEARCHED
    assert set(joint.names) - set(host.names) == {"foreign_per_escort", "foreign_site_guards"}
    for space in (joint, host):
        for name, lo, hi in zip(space.names, space.lows, space.highs, strict=True):
            assert [lo, hi] == [float(v) for v in spec[name]["range"]]
    assert host.base == "domestic_baseline" and joint.base == "joint_escort"
    # a host candidate's design point sets the foreign levers to zero
    over = host.overrides(host.decode(np.full(host.size, 0.5)))
    assert over["policy.foreign_per_escort"] == 0 and over["policy.foreign_site_guards"] == 0


def test_decode_rounds_counts_switches_at_one_half_and_encode_inverts_it():
    space = lever_space("joint")
    u = np.linspace(0.0, 1.0, space.size)
    lev = space.decode(u)
    assert lev["escort_size"] == 2  # u=0: the range's low end
    u2 = np.zeros(space.size)
    u2[0] = 0.6 / 12  # escort_size 2.6 on [2, 14]: the nearest whole number
    assert space.decode(u2)["escort_size"] == 3
    assert lev["daylight_only"] is True  # u=1
    assert isinstance(lev["site_guards"], int) and isinstance(lev["vetting"], float)
    assert space.decode(space.encode(lev)) == lev
    assert space.inside(lev)
    # every named policy's levers are inside the joint space's ranges (the lever file says so)
    from sim.model.runner import load_scenario

    pol = load_scenario(policy="joint_escort").policy
    assert space.inside({k: getattr(pol, k) for k in SEARCHED})
    with pytest.raises(ValueError, match="11 coordinates"):
        space.decode(np.zeros(3))


def test_the_robust_objective_is_the_90th_percentile_across_scenarios_of_replication_means():
    # candidate 0: scenario means 1, 3, 5, 9 (two replications each); candidate 1: all 2
    deaths = [0, 2, 3, 3, 4, 6, 8, 10] + [2] * 8
    values = pd.DataFrame({o: np.zeros(16) for o in OBJECTIVES})
    values["foreign_killed"] = np.asarray(deaths, float)
    table = objective_table(values, [0] * 8 + [1] * 8, [0, 0, 1, 1, 2, 2, 3, 3] * 2)
    assert table.loc[0, "foreign_killed_p90"] == pytest.approx(np.quantile([1, 3, 5, 9], 0.9))
    assert table.loc[0, "foreign_killed_p90"] == pytest.approx(7.8)
    assert table.loc[0, "foreign_killed_mean"] == pytest.approx(4.5)
    assert table.loc[1, "foreign_killed_p90"] == table.loc[1, "foreign_killed_mean"] == 2


def test_objectives_are_a_year_and_the_legitimacy_shortfall_a_level():
    frame = pd.DataFrame({
        "days": [73, 365], "foreign_killed": [1.0, 2.0], "cost_usd": [100.0, 100.0],
        "foreign_security_person_days": [10.0, 0.0], "mean_legitimacy": [0.6, 0.75],
    })  # fmt: skip
    out = per_year(frame)
    assert out["foreign_killed"].tolist() == [5.0, 2.0]
    assert out["cost_usd"].tolist() == [500.0, 100.0]
    assert out["foreign_security_person_days"].tolist() == [50.0, 0.0]
    assert out["legitimacy_shortfall"].tolist() == pytest.approx([0.4, 0.25])


def test_scenario_zero_is_the_configurations_own_and_the_rest_cover_the_study_ranges():
    from sim.sweeps.designs import load_experiment

    ranges = load_experiment("foreign_increment_conditions").design["ranges"]
    pts = scenario_points("high", 9, 4)
    assert len(pts) == 9 and set(pts[0]) == set(ranges)
    assert pts[0]["threat.foreign_effect_ratio"] == 0.8
    for p in pts[1:]:
        for key, (lo, hi) in ranges.items():
            assert lo <= p[key] <= hi
    assert pts == scenario_points("high", 9, 4) and pts != scenario_points("high", 9, 5)


def _runs(members: dict) -> pd.DataFrame:
    """Runs of members given as (replication, scenario) matrices of deaths."""
    rows = []
    for m, mat in members.items():
        for r, row in enumerate(np.asarray(mat, float)):
            for s, v in enumerate(row):
                rows.append({"member": m, "replication": r, "scenario": s, "foreign_killed": v})
    return pd.DataFrame(rows)


def test_the_gap_is_joint_minus_host_on_paired_runs_with_a_bootstrap_interval():
    rng = np.random.default_rng(0)
    host = rng.poisson(3.0, size=(40, 3))
    joint = host - 1  # exactly one death fewer in every run
    gap = gap_at(_runs({"h": host, "j": joint}), "h", "j", seed=1)
    assert gap["gap_mean"] == pytest.approx(-1.0)
    assert gap["gap_mean_lo"] == pytest.approx(-1.0) and gap["gap_mean_hi"] == pytest.approx(-1.0)
    assert gap["gap_p90"] == pytest.approx(-1.0)
    # unpaired noise: the interval is wide and holds the truth (0)
    other = rng.poisson(3.0, size=(40, 3))
    gap = gap_at(_runs({"h": host, "j": other}), "h", "j", seed=1)
    assert gap["gap_mean_lo"] < 0 < gap["gap_mean_hi"]
    assert robust_of(_runs({"h": host}))["h"] == pytest.approx(np.quantile(host.mean(0), 0.9))


def _front(rows: dict) -> pd.DataFrame:
    cols = ["foreign_killed_p90"] + [f"fresh_{o}_p90" for o in OBJECTIVES]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def test_best_at_a_budget_chooses_on_search_values_among_members_the_budget_affords():
    front = _front({
        "a": [0.5, 2.0, 30e6, 0, 0.4], "b": [1.0, 1.1, 15e6, 0, 0.4], "c": [3.0, 2.9, 5e6, 0, 0.4],
    })  # fmt: skip
    assert best_at(front, 40e6) == "a"
    assert best_at(front, 20e6) == "b"
    assert best_at(front, 5e6) == "c"
    assert best_at(front, 1e6) is None


def test_a_named_policy_is_dominated_only_by_members_better_or_equal_in_every_objective():
    front = _front({"m1": [0, 1.0, 10e6, 0, 0.40], "m2": [0, 0.5, 20e6, 100, 0.40]})
    named = _front({"cheap": [0, 2.0, 5e6, 0, 0.40], "worse": [0, 1.5, 12e6, 0, 0.41]})
    by = dominated_by(named, front)
    assert by["cheap"] == ""  # cheaper than every member: on the combined front
    assert by["worse"] == "m1"


def test_reevaluation_on_fresh_seeds_removes_the_selection_bias_of_the_best_member():
    # 200 candidates with the same true deaths; each search value is a noisy mean. The one the
    # search picks looks far better than it is; the fresh value of the same candidate does not.
    rng = np.random.default_rng(7)
    true, trials, picked, fresh = 3.0, 200, [], []
    for _ in range(trials):
        search = rng.poisson(true, size=(200, 8)).mean(axis=1)
        front = _front({i: [search[i], 0, 1e6, 0, 0.4] for i in range(200)})
        best = best_at(front, 2e6)
        picked.append(search[best])
        fresh.append(rng.poisson(true, size=24).mean())
    se = np.sqrt(true / 24 / trials)
    assert np.mean(picked) < true - 1.0  # the winner's curse, built in on purpose
    assert abs(np.mean(fresh) - true) < 4 * se  # gone on fresh seeds
    curse = winners_curse(
        pd.DataFrame({"foreign_killed_p90": picked, "fresh_foreign_killed_p90": fresh})
    )
    assert curse["mean_in_search_minus_fresh"] < -1.0
