"""Break-even prices obey the comparison's 95% rule: a price only where deaths are averted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import compare, ratio_interval, sign_flip
from sim.report.inputs import Sweep
from sim.report.numbers import break_even_prices
from sim.report.sections import break_even_cells

N = 200


def _results() -> pd.DataFrame:
    """Four policies on N paired replications: one averts deaths, one ties, one costs lives.

    ``rare_saver`` averts deaths clearly (its sign-flip interval excludes 0), but a few of 4,000
    bootstrap resamples of its pairs avert none, so the old rule, which gave up when any
    resample's deaths averted reached 0, called its price undefined (checked below).
    """
    rng = np.random.default_rng(7)
    base = rng.poisson(1.0, N).astype(float)
    saved = np.zeros(N)
    pick = rng.choice(N, 25, replace=False)
    saved[pick[:20]], saved[pick[20:]] = 1.0, -1.0  # 20 pairs with a death averted, 5 lost
    policies = {
        "domestic_baseline": (base, 1_000.0),
        "rare_saver": (base - saved, 1_500.0),
        "tie": (base + rng.choice([-1.0, 0.0, 1.0], N, p=[0.05, 0.9, 0.05]), 1_200.0),
        "killer": (base + (rng.random(N) < 0.4), 1_100.0),
    }
    rows = []
    for policy, (killed, cost) in policies.items():
        for r in range(N):
            rows.append({"policy": policy, "replication": r, "point": 0, "threat": "baseline",
                         "status": "ok", "foreign_killed": killed[r],
                         "attacks_executed": killed[r], "threat_exposure": 1.0,
                         "foreign_security_person_days": 0.0,
                         "cost_usd": cost + rng.normal(0, 10), "mean_legitimacy": 0.6})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def prices():
    results = _results()
    sweep = Sweep(Path("."), results, {}, threats=["baseline"], days=365)
    return break_even_prices(sweep), results


def test_a_price_exactly_where_the_comparison_says_deaths_are_averted(prices):
    table, results = prices
    t = table.set_index("policy")
    cmp = compare(results, outcomes=["foreign_killed"]).set_index("policy")
    assert cmp.loc["rare_saver", "hi"] < 0  # clearly fewer deaths
    assert t.loc["rare_saver", "status"] == "averts deaths"
    assert t.loc["tie", "status"] == "averts none"
    assert cmp.loc["tie", "lo"] <= 0 <= cmp.loc["tie", "hi"]
    assert t.loc["killer", "status"] == "costs lives" and cmp.loc["killer", "lo"] > 0
    # deaths averted are the comparison's own numbers, negated
    assert t.loc["rare_saver", "deaths_averted_lo"] == -cmp.loc["rare_saver", "hi"]
    # never a negative or meaningless price
    assert t.loc[["tie", "killer"], "cost_usd_per_death_averted"].isna().all()
    v, lo, hi = t.loc["rare_saver", ["cost_usd_per_death_averted",
                                     "cost_usd_per_death_averted_lo",
                                     "cost_usd_per_death_averted_hi"]]  # fmt: skip
    assert 0 < lo < v < hi < np.inf
    cells = break_even_cells(table).set_index("policy")
    assert cells.loc["tie", "cost (USD) per death averted"] == "averts none"
    assert cells.loc["killer", "cost (USD) per death averted"] == "costs lives"
    assert "[" in cells.loc["rare_saver", "cost (USD) per death averted"]
    # the old rule: some of 4,000 paired bootstrap resamples avert no death
    pairs = results.pivot(index="replication", columns="policy", values="foreign_killed")
    d = (pairs.domestic_baseline - pairs.rare_saver).to_numpy()
    idx = np.random.default_rng(0).integers(0, N, size=(4000, N))
    assert (d[idx].mean(axis=1) <= 0).any()


def test_the_price_interval_inverts_the_sign_flip_test():
    """Closed form: extra cost exactly proportional to deaths averted gives the point [c, c]; and
    at the ends of an interval the test of num - R den is at its 5% boundary."""
    rng = np.random.default_rng(1)
    den = rng.poisson(0.6, 300) - rng.poisson(0.3, 300).astype(float)
    assert sign_flip(den)[2] <= 0.05
    value, lo, hi = ratio_interval(2_500.0 * den, den)
    assert value == pytest.approx(2_500.0) and lo == pytest.approx(2_500.0)
    assert hi == pytest.approx(2_500.0)
    num = 1e6 + rng.normal(0, 2e5, 300)
    value, lo, hi = ratio_interval(num, den)
    for end, inside in ((lo, 1.001), (hi, 0.999)):
        assert sign_flip(num - end * inside * den)[2] > 0.05  # just inside: not rejected
        assert sign_flip(num - end / inside * den)[2] <= 0.05  # just outside: rejected
    # a denominator the test cannot tell from 0 gives an unbounded interval
    flat = rng.choice([-1.0, 1.0], 300)
    assert sign_flip(flat)[2] > 0.05
    assert not np.isfinite(ratio_interval(num, flat)[1:]).all()
