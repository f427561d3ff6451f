"""The recovery machinery on a toy simulator whose posterior is known in closed form.

Toy: attacks a year ``lam`` ~ U(0.5, 5) and the lethal probability ``p`` ~ U(0.05, 0.95); a record
of seven years has N ~ Poisson(7 lam) attacks, K ~ Binomial(N, p) of them lethal; its statistics
are N / 7 and K / N, as the model's attack rate and lethal share are. The exact posterior is a
truncated Gamma(N + 1, 7) for ``lam`` and a truncated Beta(K + 1, N - K + 1) for ``p``.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from sim.calibration.recovery import abc_posterior, recovery

YEARS = 7
BOUNDS = np.array([[0.5, 5.0], [0.05, 0.95]])


def toy_table(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    lam = rng.uniform(*BOUNDS[0], n)
    p = rng.uniform(*BOUNDS[1], n)
    attacks = rng.poisson(YEARS * lam)
    lethal = rng.binomial(attacks, p)
    share = np.divide(lethal, attacks, out=np.zeros(n), where=attacks > 0)
    return (
        pd.DataFrame({"lam": lam, "p": p}),
        pd.DataFrame({"rate": attacks / YEARS, "lethal_share": share}),
    )


@pytest.fixture(scope="module")
def table():
    return toy_table(20_000, 1)


def exact_moments(n: int, k: int) -> list[tuple[float, float]]:
    """The exact posterior's mean and SD of ``lam`` and of ``p``."""

    def moments(density, lo, hi):
        z = integrate.quad(density, lo, hi)[0]
        m = integrate.quad(lambda x: x * density(x), lo, hi)[0] / z
        v = integrate.quad(lambda x: (x - m) ** 2 * density(x), lo, hi)[0] / z
        return m, float(np.sqrt(v))

    return [
        moments(lambda x: x**n * np.exp(-YEARS * x), *BOUNDS[0]),
        moments(lambda x: x**k * (1 - x) ** (n - k), *BOUNDS[1]),
    ]


@pytest.mark.parametrize("n, k", [(12, 5), (3, 0), (25, 20)])
def test_abc_with_regression_adjustment_matches_the_exact_posterior(table, n, k):
    # within a third of the exact posterior's SD, in mean and in SD
    params, statistics = table
    draws, w = abc_posterior(
        params.to_numpy(), statistics.to_numpy(), np.array([n / YEARS, k / n]), 500,
        bounds=BOUNDS,
    )  # fmt: skip
    for j, (mean, sd) in enumerate(exact_moments(n, k)):
        got = float((w * draws[:, j]).sum())
        spread = float(np.sqrt((w * (draws[:, j] - got) ** 2).sum()))
        assert got == pytest.approx(mean, abs=sd / 3)
        assert spread == pytest.approx(sd, abs=sd / 3)


@pytest.mark.slow
def test_an_honest_calibration_recovers_every_parameter(table):
    result = recovery(*table, records=200, accept=400, seed=2, bounds=BOUNDS).table()
    assert result["calibrated"].all(), result
    assert result["coverage_90"].between(0.84, 0.96).all()
    assert result["identified"].all()  # both posteriors far narrower than the priors


@pytest.mark.slow
def test_a_calibration_whose_windows_are_a_year_short_is_caught(table):
    # a stated bias: the calibration's simulated rates are counted over six years, the record's
    # over seven, so every rate in its table is 7/6 too high
    params, statistics = table

    def biased(p, s, obs):
        s = s.copy()
        s[:, 0] *= YEARS / (YEARS - 1)
        return abc_posterior(p, s, obs, 400, bounds=BOUNDS)

    result = recovery(params, statistics, records=200, accept=400, seed=2, calibrate=biased)
    t = result.table()
    assert not t.loc["lam", "calibrated"] and not result.passes
    # the ranks see it (their distribution is far from uniform); the coverage alone would not
    # (0.87 at this seed): the check needs both
    assert t.loc["lam", "rank_uniform_p"] < 1e-6
    assert t.loc["p", "calibrated"]  # the bias is where it was put


@pytest.mark.slow
def test_an_overconfident_calibration_is_caught(table):
    # a stated bias: posterior draws pulled halfway to their mean (intervals half as wide)
    def overconfident(p, s, obs):
        draws, w = abc_posterior(p, s, obs, 400, bounds=BOUNDS)
        mean = (w[:, None] * draws).sum(axis=0)
        return mean + 0.5 * (draws - mean), w

    t = recovery(*table, records=200, accept=400, seed=2, calibrate=overconfident).table()
    assert (t["coverage_90"] < 0.84).all() and not t["calibrated"].any()


@pytest.mark.slow
def test_a_statistic_ignored_is_not_seen_by_the_ranks_but_by_identification(table):
    # ignoring the lethal share leaves p at its prior: the prior is calibrated, so SBC passes,
    # and only the SD ratio shows that the record says nothing about p
    def blind(p, s, obs):
        return abc_posterior(p, s[:, :1], obs[:1], 400, bounds=BOUNDS)

    t = recovery(*table, records=200, accept=400, seed=2, calibrate=blind).table()
    assert t.loc["p", "calibrated"]
    assert not t.loc["p", "identified"] and t.loc["p", "sd_ratio"] > 0.9
    assert t.loc["lam", "identified"]


def test_the_regression_adjustment_corrects_a_wide_acceptance():
    # a small table: the 400 nearest draws reach far from the record's statistics; moved along
    # the regression they match the exact posterior's SD, left where they are they do not
    params, statistics = toy_table(2_000, 1)
    obs = np.array([25 / YEARS, 20 / 25])
    sd_p = exact_moments(25, 20)[1][1]
    spreads = {}
    for adjust in (True, False):
        draws, w = abc_posterior(params.to_numpy(), statistics.to_numpy(), obs, 400,
                                 adjust=adjust, bounds=BOUNDS)  # fmt: skip
        mean = float((w * draws[:, 1]).sum())
        spreads[adjust] = float(np.sqrt((w * (draws[:, 1] - mean) ** 2).sum()))
    assert spreads[True] == pytest.approx(sd_p, abs=sd_p / 3)
    assert spreads[False] > 1.4 * sd_p
