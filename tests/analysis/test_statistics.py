"""Analysis on results tables, checked against hand computations and known answers."""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import (
    compare,
    format_estimate,
    format_number,
    holm,
    mean_interval,
    morris_indices,
    paired_differences,
    pareto_front,
    policy_wins,
    prim_boxes,
    regret_table,
    replications_needed,
    sign_flip,
    sobol_indices,
    summarize,
)
from sim.sweeps.designs import design_points


def table(values: dict, outcome="foreign_killed") -> pd.DataFrame:
    rows = []
    for policy, ys in values.items():
        for rep, y in enumerate(ys):
            rows.append({"policy": policy, "replication": rep, "status": "ok", outcome: y})
    return pd.DataFrame(rows)


def test_compare_matches_hand_computed_paired_statistics():
    df = table({"domestic_baseline": [1, 2, 3, 4, 5], "joint_escort": [0, 2, 1, 4, 2]})
    # a failed run is left out, along with its pair
    df.loc[len(df)] = {
        "policy": "joint_escort",
        "replication": 9,
        "status": "failed",
        "foreign_killed": np.nan,
    }
    row = compare(df, outcomes=["foreign_killed"]).iloc[0]
    assert row.policy == "joint_escort" and row.n == 5
    assert row["diff"] == pytest.approx(-1.2)
    assert row.baseline_mean == 3.0 and row.policy_mean == pytest.approx(1.8)
    assert row.rel_change == pytest.approx(-0.4)
    assert row.p_better == pytest.approx(0.6) and row.p_tie == pytest.approx(0.4)
    assert row.p_worse == 0.0
    # d = (-1, 0, -2, 0, -3): of the 8 sign patterns of (1, 2, 3) only +-(1+2+3) reach
    # |sum| >= 6, so p = 2/8; with n = 5 no p-value is below 2/32 > 0.05: the interval is
    # the whole line
    assert row.p_value == pytest.approx(0.25)
    assert (row.lo, row.hi) == (-np.inf, np.inf)
    assert "exact" in row.method


def brute_force_p(d, mu0):
    d = np.asarray(d, float) - mu0
    obs = abs(d.mean())
    hits = [abs(np.mean(np.array(s) * d)) >= obs - 1e-12 for s in product([1, -1], repeat=len(d))]
    return float(np.mean(hits))


def test_sign_flip_matches_brute_force_enumeration_and_grid_inversion():
    d = np.array([2.0, -0.5, 1.5, 3.0, 0.0, 1.0, 2.5, -1.0])
    lo, hi, p, _ = sign_flip(d)
    assert p == pytest.approx(brute_force_p(d, 0.0))
    grid = np.arange(-3.0, 5.0, 0.01)
    accepted = [mu for mu in grid if brute_force_p(d, mu) > 0.05]
    assert lo == pytest.approx(min(accepted), abs=0.011)
    assert hi == pytest.approx(max(accepted), abs=0.011)


def test_sign_flip_agrees_with_the_t_test_on_normal_data():
    rng = np.random.default_rng(4)
    for effect in (0.0, 0.15, 0.3):
        d = rng.normal(effect, 1.0, 400)
        lo, hi, p, _ = sign_flip(d)
        t = stats.ttest_1samp(d, 0.0)
        ci = t.confidence_interval(0.95)
        assert p == pytest.approx(t.pvalue, abs=0.02)
        assert lo == pytest.approx(ci.low, abs=0.02) and hi == pytest.approx(ci.high, abs=0.02)


def test_interval_and_test_agree_on_every_row():
    """Synthetic results with known effects, many sizes: the interval excludes 0 iff p <= 0.05."""
    rng = np.random.default_rng(7)
    rows = 0
    for n in (6, 9, 13, 14, 25, 60, 150):
        base = rng.poisson(3.0, n).astype(float)
        values = {"domestic_baseline": base}
        for j, effect in enumerate(np.linspace(-1.5, 1.5, 13)):
            noise = rng.poisson(1.0, n) - rng.poisson(1.0, n)
            values[f"p{j}"] = np.maximum(base + np.round(effect) + noise, 0)
        t = compare(table(values), outcomes=["foreign_killed"])
        for r in t.itertuples():
            excludes = r.lo > 0 or r.hi < 0
            assert excludes == (r.p_value <= 0.05), (n, r.policy, r.lo, r.hi, r.p_value)
            assert r.lo <= r.diff <= r.hi
            rows += 1
        assert set(t.attrs["methods"]) == {"diff", "p_value", "lo, hi", "p_holm"}
    assert rows == 7 * 13


def test_compare_respects_the_direction_of_an_outcome():
    df = table(
        {"domestic_baseline": [0.5, 0.5, 0.5], "joint_escort": [0.4, 0.6, 0.3]},
        outcome="mean_legitimacy",
    )
    row = compare(df, outcomes=["mean_legitimacy"]).iloc[0]
    assert row.p_better == pytest.approx(1 / 3)  # higher legitimacy is better


def test_compare_recovers_a_known_true_difference():
    rng = np.random.default_rng(1)
    base = rng.normal(10, 3, 300)  # common random numbers: shared noise
    df = table(
        {
            "domestic_baseline": base,
            "joint_escort": base - 2 + rng.normal(0, 0.5, 300),
            "domestic_intel": base + rng.normal(0, 0.5, 300),
        }
    )
    t = compare(df, outcomes=["foreign_killed"]).set_index("policy")
    assert t.loc["joint_escort", "lo"] < -2 < t.loc["joint_escort", "hi"]
    assert t.loc["joint_escort", "hi"] < 0 and t.loc["joint_escort", "p_value"] == 1e-4
    assert t.loc["joint_escort", "p_holm"] == 2e-4
    assert t.loc["domestic_intel", "lo"] < 0 < t.loc["domestic_intel", "hi"]
    assert t.loc["domestic_intel", "p_holm"] > 0.01


def test_compare_groups_by_an_uncertainty_column():
    df = table({"domestic_baseline": [1, 1, 5, 5], "joint_escort": [0, 0, 5, 6]})
    df["threat"] = ["low", "low", "high", "high"] * 2
    t = compare(df, outcomes=["foreign_killed"], by="threat").set_index("threat")
    assert t.loc["low", "diff"] == -1 and t.loc["high", "diff"] == 0.5
    assert t.loc["low", "n"] == 2


def test_holm_by_hand():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_paired_differences_match_on_replication():
    df = table({"a": [1, 2], "b": [5, 7]})
    d = paired_differences(df.iloc[::-1], "b", "a", "foreign_killed")
    assert list(d.sort_values("replication")["diff"]) == [4, 5]


def test_replications_needed_formula():
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 400)
    df = table({"domestic_baseline": base, "joint_escort": base + rng.normal(0, 2, 400)})
    t = replications_needed(df, 0.5, outcomes=["foreign_killed"]).iloc[0]
    sd = t.sd_diff
    assert t.replications == int(np.ceil((stats.norm.ppf(0.975) * sd / 0.5) ** 2))
    assert 50 < t.replications < 75  # sd ~ 2: (1.96 * 2 / 0.5)^2 = 61.5


def _design_results(design, seed, f) -> pd.DataFrame:
    points = design_points(design, seed)
    names = list(design["ranges"])
    rows = []
    for j, p in enumerate(points):
        x = np.array([p[k] for k in names])
        rows.append({"point": j, "replication": 0, "policy": "p", "status": "ok", "y": f(x)})
    return pd.DataFrame(rows)


def test_sobol_indices_on_the_ishigami_function():
    from SALib.test_functions import Ishigami

    design = {
        "kind": "sobol",
        "samples": 1024,
        "ranges": {
            "threat.lethality": [-np.pi, np.pi],
            "threat.injury": [-np.pi, np.pi],
            "threat.armor": [-np.pi, np.pi],
        },
    }
    df = _design_results(design, 0, lambda x: Ishigami.evaluate(x[None, :])[0])
    s = sobol_indices(df, design, "y")
    # analytic first-order indices of Ishigami (a=7, b=0.1): 0.3139, 0.4424, 0
    np.testing.assert_allclose(s.S1, [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(s.ST, [0.5576, 0.4424, 0.2437], atol=0.06)


def test_morris_screening_on_a_linear_function():
    design = {
        "kind": "morris",
        "samples": 20,
        "ranges": {"threat.lethality": [0, 1], "threat.injury": [0, 1], "threat.armor": [0, 1]},
    }
    df = _design_results(design, 5, lambda x: 3 * x[0] + 0.5 * x[1])
    m = morris_indices(df, design, 5, "y")
    np.testing.assert_allclose(m.mu_star, [3.0, 0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(m.sigma, [0.0, 0.0, 0.0], atol=1e-9)


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(
        {
            "ambush_rate": rng.uniform(0, 1, 2000),
            "backlash": rng.uniform(0, 1, 2000),
            "noise": rng.uniform(0, 1, 2000),
        }
    )
    y = (x.ambush_rate > 0.7) & (x.backlash < 0.3)
    boxes = prim_boxes(x, y, threshold=0.9).set_index("parameter")
    assert set(boxes.index) == {"ambush_rate", "backlash"}
    assert boxes.loc["ambush_rate", "lower"] == pytest.approx(0.7, abs=0.05)
    assert boxes.loc["backlash", "upper"] == pytest.approx(0.3, abs=0.05)
    assert boxes.density.iloc[0] >= 0.9 and boxes.coverage.iloc[0] > 0.8


def test_policy_wins_pairs_settings_with_outcomes():
    df = table({"joint_escort": [1, 5, 2], "domestic_intel": [3, 2, 2]})
    df["point"] = 0
    df["ambush_rate"] = [0.1, 0.2, 0.3] * 2
    x, y = policy_wins(df, "joint_escort", "domestic_intel", "foreign_killed", ["ambush_rate"])
    # the tie (2 against 2) is neither a win nor a loss: left out, and counted
    assert list(x.ambush_rate) == [0.1, 0.2] and list(y) == [True, False]
    assert x.attrs["ties"] == 1 and x.attrs["pairs"] == 3
    x, y = policy_wins(
        df, "joint_escort", "domestic_intel", "foreign_killed", ["ambush_rate"], ties="lose"
    )
    assert list(x.ambush_rate) == [0.1, 0.2, 0.3] and list(y) == [True, False, False]


def _front_data(n: int = 20) -> pd.DataFrame:
    """Five policies on ``n`` paired replications sharing a common noise term."""
    values = {  # deaths, foreign person-days, cost
        "base": (10.0, 0.0, 1000.0),
        "cheaper_by_a_hair": (17.7, 0.0, 999.94),  # 0.006% cheaper, 77% more deaths
        "b": (5.0, 100.0, 1500.0),
        "c": (5.0, 120.0, 1500.0),
        "d": (11.0, 0.0, 1000.0),
    }
    noise = np.random.default_rng(0).normal(0, 1, n)
    rows = []
    for policy, (k, pd_, cost) in values.items():
        for r in range(n):
            rows.append(
                {"policy": policy, "replication": r, "status": "ok",
                 "foreign_killed": k + noise[r], "foreign_security_person_days": pd_,
                 "cost_usd": cost + noise[r]}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_pareto_front_by_hand_with_practical_margins():
    front = pareto_front(_front_data(), baseline="base")
    assert front.pareto.to_dict() == {
        "base": True, "cheaper_by_a_hair": False, "b": True, "c": False, "d": False,
    }  # fmt: skip
    # d loses fewer lives at a cost no different in practice
    assert front.dominated_by["cheaper_by_a_hair"] == "base, d"
    assert front.dominated_by["c"] == "b" and front.dominated_by["d"] == "base"
    base_cost = _front_data().query("policy == 'base'").cost_usd.mean()
    assert front.attrs["margins"]["cost_usd"] == pytest.approx(0.02 * base_cost)
    # without a margin, 0.06 USD cheaper is enough to be "efficient": the defect margins fix
    bare = pareto_front(_front_data(), baseline="base", margin=0.0)
    assert bare.pareto["cheaper_by_a_hair"]


def test_regret_table_by_hand():
    df = pd.DataFrame(
        {
            "policy": ["a", "b"] * 2,
            "point": [0, 0, 1, 1],
            "status": "ok",
            "foreign_killed": [1.0, 3.0, 4.0, 2.0],
        }
    )
    r = regret_table(df)
    assert r.loc["a", "max_regret"] == 2.0 and r.loc["b", "max_regret"] == 2.0
    assert r.loc["a", "share_best"] == 0.5


def test_summarize_interval_of_data_that_can_be_negative_is_the_t_interval():
    df = table({"a": [-1.0, 2.0, 3.0, 4.0]})
    s = summarize(df, outcomes=["foreign_killed"]).loc["a"]
    half = stats.t.ppf(0.975, 3) * np.std([-1, 2, 3, 4], ddof=1) / 2
    assert s.foreign_killed == 2.0 and s.foreign_killed_hi == pytest.approx(2.0 + half)
    assert s.foreign_killed_lo == pytest.approx(2.0 - half)


def test_summarize_interval_of_counts_is_the_log_link_one_and_stays_non_negative():
    x = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0]  # a t interval would reach -0.27
    s = summarize(table({"a": x}), outcomes=["foreign_killed"]).loc["a"]
    m, sd = np.mean(x), np.std(x, ddof=1)
    factor = np.exp(stats.t.ppf(0.975, 7) * sd / (m * np.sqrt(8)))
    assert s.foreign_killed_lo == pytest.approx(m / factor) and s.foreign_killed_lo > 0
    assert s.foreign_killed_hi == pytest.approx(m * factor)
    zero = summarize(table({"a": [0.0] * 20}), outcomes=["foreign_killed"]).loc["a"]
    # a zero total of Poisson counts: the exact upper bound -ln(0.025) / n
    assert zero.foreign_killed_lo == 0 and zero.foreign_killed_hi == pytest.approx(
        -np.log(0.025) / 20
    )
    assert mean_interval([0.0, 0.5, 0.0])[0] > 0  # not whole numbers: still the log link
    assert mean_interval([0.0, 0.0, 0.0])[:2] == (0.0, pytest.approx(-np.log(0.025) / 3))
    assert mean_interval([0.0, 0.0], 0.95)[0] == 0.0
    assert mean_interval([0.25, 0.25, 0.25])[:2] == (0.25, 0.25)


def _vector_mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mean_interval` over the rows of ``x`` (checked against it on the first rows)."""
    n = x.shape[1]
    m, sd = x.mean(axis=1), x.std(axis=1, ddof=1)
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.exp(t * sd / (m * np.sqrt(n)))
    zero_hi = stats.chi2.ppf(0.5 + level / 2, 2) / (2 * n)
    lo = np.where(m > 0, m / factor, 0.0)
    hi = np.where(m > 0, m * factor, zero_hi)
    for row in range(5):
        assert (lo[row], hi[row]) == pytest.approx(mean_interval(x[row], level)[:2])
    return lo, hi


@pytest.mark.parametrize(
    ("n", "zero_share", "mean_count", "shape"),
    [
        (50, 0.5, 1.0, None),  # zero-inflated Poisson
        (50, 0.7, 3.0, 1.0),  # zero-inflated negative binomial
        (200, 0.8, 1.0, None),
        (200, 0.9, 2.0, None),
        (200, 0.6, 5.0, 0.5),
        (500, 0.95, 4.0, None),
    ],
)
def test_count_interval_covers_known_means_93_to_97_percent(n, zero_share, mean_count, shape):
    """Coverage on synthetic zero-inflated counts with known means, the shape of yearly deaths:
    mostly zeros, a few runs with several. Each case has at least 5 expected non-zero runs
    (below that no interval can estimate the spread; stated in docs/glossary.md)."""
    rng = np.random.default_rng(n + int(100 * zero_share))
    reps = 4000
    if shape is None:
        counts = rng.poisson(mean_count, size=(reps, n))
    else:
        counts = rng.negative_binomial(shape, shape / (shape + mean_count), size=(reps, n))
    x = np.where(rng.random((reps, n)) < zero_share, 0, counts).astype(float)
    true_mean = (1 - zero_share) * mean_count
    lo, hi = _vector_mean_interval(x)
    coverage = np.mean((lo <= true_mean) & (true_mean <= hi))
    assert lo.min() >= 0
    assert 0.93 <= coverage <= 0.97, coverage


def test_estimates_print_with_the_precision_their_interval_shows():
    assert format_estimate(0.1, 0.02, 0.24) == "0.10 [0.02, 0.24]"
    assert format_estimate(-2.1e-5, -4e-5, -1e-6) == "-0.000021 [-0.000040, -0.000001]"
    assert format_estimate(-1e-12, -1e-2, 1e-2, sign=True) == "0.000 [-0.010, +0.010]"
    assert format_estimate(3.0, 2.9, 3.1, sign=True) == "+3.00 [+2.90, +3.10]"
    assert format_estimate(-0.001, -0.5, 0.5, sign=True) == "0.00 [-0.50, +0.50]"
    assert format_estimate(123456.7, 120000.0, 130000.0) == "123,457 [120,000, 130,000]"
    assert format_number(-0.0004, 3) == "0.000" and format_number(-0.0, 2) == "0.00"
    # a degenerate interval (every pair equal): three significant digits of the value
    assert format_estimate(-0.01364272, -0.01364272, -0.01364272 + 1e-17) == (
        "-0.0136 [-0.0136, -0.0136]"
    )


def test_interval_and_test_agree_when_many_differences_are_zero():
    """Ties at zero (common with rare events and Shapley shares) put an interval's end at 0
    exactly; rounding must not exclude 0 from an interval whose test does not reject it."""
    rng = np.random.default_rng(4)
    checked = 0
    for _ in range(60):
        n = int(rng.integers(14, 40))
        d = np.where(rng.random(n) < 0.8, 0.0, rng.choice([-2.0, -1.2, 0.01, 1.2], size=n))
        lo, hi, p, _ = sign_flip(d, n_resamples=999)
        assert (lo <= 0.0 <= hi) == (p > 0.05), (d.tolist(), lo, hi, p)
        assert not (lo == 0.0 and np.signbit(lo)) and not (hi == 0.0 and np.signbit(hi))
        checked += lo == 0.0 or hi == 0.0
    assert checked > 0  # the boundary case occurred
    lo, hi, p, _ = sign_flip([0.0] * 27 + [1.2, 1.2, 0.01])
    assert p > 0.05 and lo == 0.0 < hi


def test_prim_boxes_peel_whole_number_factors():
    """An integer design factor (``cells``) is peeled between its values, not refused."""
    from sim.analysis import prim_boxes

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"cells": rng.integers(2, 20, 400), "rate": rng.uniform(0, 1, 400)})
    y = (x.cells > 10) & (x.rate > 0.5)
    box = prim_boxes(x, y).set_index("parameter")
    assert 10 <= box.loc["cells", "lower"] <= 11 and 0.4 <= box.loc["rate", "lower"] <= 0.6
    assert box.density.min() > 0.8
