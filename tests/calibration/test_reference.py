"""The reference table: prior draws, statistics as the record's, the validation rule, power."""

import numpy as np
import pandas as pd
import pytest

from sim.calibration.record import FIT, HELD_OUT, window_statistics
from sim.calibration.reference import (
    WRONG_MODELS,
    power,
    prior_bounds,
    prior_draws,
    rejects,
    run_table,
)


def test_prior_draws_follow_the_calibrations_priors():
    draws = prior_draws(4000, 1)
    bounds = prior_bounds()
    log = np.log10(draws["threat.ambush_rate"])
    assert list(draws.columns)[0] == "threat.ambush_rate"
    assert bounds[0, 0] <= log.min() and log.max() <= bounds[0, 1]
    # uniform on the log axis: each half of it holds half of the draws
    mid = bounds[0].mean()
    assert (log < mid).mean() == pytest.approx(0.5, abs=0.03)
    lethality = draws["threat.lethality"]
    assert bounds[2, 0] <= lethality.min() and lethality.max() <= bounds[2, 1]
    assert draws.equals(prior_draws(4000, 1)) and not draws.equals(prior_draws(4000, 2))


def test_the_table_holds_the_statistics_a_run_computes_from_its_own_event_log(tmp_path):
    from sim import run

    params = prior_draws(3, 5)
    stats = run_table(params, tmp_path / "t", workers=1, seed=9, progress=False, days=200)
    from sim.sweeps.reader import open_sweep

    rows = open_sweep(tmp_path / "t").rows.sort_values("point")
    for point, seed in zip(rows["point"], rows["seed"], strict=True):
        over = [f"{k}={v!r}" for k, v in params.iloc[point].items()]
        r = run(policy="domestic_baseline", threat="baseline", seed=int(seed), days=200,
                overrides=over)  # fmt: skip
        assert stats.loc[point].to_dict() == pytest.approx(window_statistics(r.events, 200))


def test_a_wrong_model_fixes_what_it_leaves_out(tmp_path):
    from sim.sweeps.reader import open_sweep

    params = prior_draws(2, 5)
    run_table(params, tmp_path / "w", 1, 9, WRONG_MODELS["no insiders"], False, days=20)
    exp = open_sweep(tmp_path / "w").experiment
    assert "threat.leak_prob" not in exp["design"]["points"][0]
    assert "threat.ambush_rate" in exp["design"]["points"][0]
    assert list(exp["overrides"])[:2] == ["threat.leak_prob=0", "threat.insider_rate=0"]


def _table(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    fit = rng.normal(size=(n, len(FIT)))
    held = fit[:, np.arange(len(HELD_OUT)) % len(FIT)] + rng.normal(0, 0.5, (n, len(HELD_OUT)))
    return fit, held


def test_the_rule_rejects_a_record_whose_held_out_statistic_its_fit_cannot_reach():
    fit, held = _table()
    record = np.zeros(len(FIT))  # the centre of the table: every prediction covers it
    assert not rejects(fit, held, record, np.zeros(len(HELD_OUT)), 100)
    far = np.zeros(len(HELD_OUT))
    far[3] += 5.0  # ten noise SDs beyond what the accepted draws predict
    assert rejects(fit, held, record, far, 100)


def test_power_is_the_share_of_a_models_records_the_rule_rejects():
    fit, held = _table()
    cols = list(FIT) + list(HELD_OUT)
    table = pd.DataFrame(np.column_stack([fit, held]), columns=cols)
    own = table.iloc[:200]  # the true model's own records: rarely rejected
    shifted = own.copy()
    shifted[HELD_OUT[0]] += 3.0  # a model that gets one held-out statistic wrong
    result = power(table, {"true": own, "wrong": shifted})
    assert result.loc["true", "rejected"] < 0.5
    assert result.loc["wrong", "rejected"] > 0.9
    assert result.loc["wrong", "lo95"] <= result.loc["wrong", "rejected"] <= 1.0


def test_the_draws_of_a_table_have_their_own_random_numbers(tmp_path):
    # a reference table's runs are independent draws: one seed shared by every draw (the
    # common random numbers of a comparison) would make the table one realisation of the
    # stochastic parts, and its statistics a poor sample of the model's
    from sim.sweeps.reader import open_sweep

    run_table(prior_draws(4, 5), tmp_path / "t", workers=1, seed=9, progress=False, days=5)
    rows = open_sweep(tmp_path / "t").rows
    assert rows["seed"].nunique() == 4
