"""Replications by precision: the stopping rule, its coverage, its resume, its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.schema import ScenarioError
from sim import sweep
from sim.analysis import compare, sign_flip
from sim.sweeps.designs import Experiment
from sim.sweeps.execution import run_sweep
from sim.sweeps.precision import (
    MIN_EVENTS,
    PrecisionRule,
    half_widths,
    next_stage,
    run_to_precision,
    stage_ratio,
    stated_contrasts,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def test_next_stage_projects_the_variance_and_bounds_the_step():
    assert next_stage(30, 0.9, 2000) is None  # every target reached
    assert next_stage(30, 1.0, 2000) is None
    assert next_stage(30, float("nan"), 2000) is None
    assert next_stage(30, 1.5, 2000) == 75  # ceil(1.1 * 30 * 2.25) = 75
    assert next_stage(30, 1.01, 2000) == 40  # at least 10 more
    assert next_stage(30, 5.0, 2000) == 120  # at most 4x
    assert next_stage(1000, 5.0, 2000) == 2000  # never beyond the maximum
    assert next_stage(2000, 5.0, 2000) is None


def _rule_on(d: np.ndarray, target: float, pilot: int = 30) -> tuple[float, float, int, int]:
    """The stopping rule applied to a stream of paired differences: final interval, n, stages."""
    n, stages = pilot, 1
    while True:
        x = d[:n]
        lo, hi, _, _ = sign_flip(x, n_resamples=999, seed=n)
        m = float(x.mean())
        ratio = stage_ratio(max(m - lo, hi - m), target, np.count_nonzero(x), MIN_EVENTS)
        following = next_stage(n, ratio, len(d))
        if following is None:
            return lo, hi, n, stages
        n, stages = following, stages + 1


def _model_differences(policy: str) -> np.ndarray:
    """Paired differences of foreign deaths, policy - domestic_baseline, in the reference set
    (300 one-year runs at the baseline threat): mostly 0, a few large."""
    ref = pd.read_csv(DATA / "reference_v0.1.0.csv", comment="#")
    deaths = ref.set_index(["policy", "replication"]).foreign_killed
    return (deaths[policy] - deaths["domestic_baseline"]).to_numpy(float)


@pytest.mark.parametrize(
    ("kind", "target"),
    [("model: joint_escort", 0.5), ("model: randomized_movement", 0.5), ("zero-inflated", 0.15)],
)
def test_the_stopping_rule_covers_the_true_difference_93_to_97_percent(kind, target):
    """Each procedure draws paired differences with a known mean, runs the rule from a pilot of
    30 and records whether the final 95% interval holds the true mean. Model: resampled from
    the model's own paired differences of foreign deaths (true mean: their mean). Zero-inflated:
    baseline deaths are zero-inflated negative binomial counts (60% zeros, mean 3 otherwise)
    and the policy saves each death with probability 0.3 (true mean -0.3 * 1.2)."""
    rng = np.random.default_rng(20261129)
    procedures, max_n = 400, 3000
    if kind.startswith("model"):
        pool = _model_differences(kind.split(": ")[1])
        true = float(pool.mean())
    covered, finals, multi = 0, [], 0
    for _ in range(procedures):
        if kind.startswith("model"):
            d = rng.choice(pool, max_n)
        else:
            base = rng.negative_binomial(1.0, 1.0 / 4.0, max_n) * (rng.random(max_n) > 0.6)
            d = (rng.binomial(base, 0.7) - base).astype(float)
            true = -0.3 * 1.2
        lo, hi, n, stages = _rule_on(d, target)
        covered += lo <= true <= hi
        finals.append(n)
        multi += stages > 1
    coverage = covered / procedures
    assert 0.93 <= coverage <= 0.97, coverage
    assert multi > procedures / 2  # the rule did run in stages, not on the pilot alone
    assert max(finals) < max_n  # and it stopped on precision, not on the maximum


def test_auto_replications_reach_their_target_and_the_table_agrees(tmp_path):
    target = 0.04
    results = sweep(
        policies=["domestic_baseline", "joint_escort"],
        replications="auto",
        precision={"threat_exposure": target},
        max_replications=400,
        days=60,
        progress=False,
        out=tmp_path,
    )
    report = results.attrs["precision"]
    assert report["reached"] and report["stopped"] == "every target reached"
    assert report["stages"][0] == 30 and report["replications"] == report["stages"][-1]
    assert results.replication.nunique() == report["replications"] == results.replication.max() + 1
    # the interval the user reads is the one the rule judged
    table = compare(results, outcomes=["threat_exposure"])
    half = max(table["diff"][0] - table.lo[0], table.hi[0] - table["diff"][0])
    assert half <= target == report["table"][0]["target"]
    assert half == pytest.approx(report["table"][0]["half_width"])
    assert len(report["stages"]) > 1  # the stage before the last had not reached the target
    if len(report["stages"]) > 1:
        earlier = results[results.replication < report["stages"][-2]]
        t = compare(earlier, outcomes=["threat_exposure"])
        assert max(t["diff"][0] - t.lo[0], t.hi[0] - t["diff"][0]) > target
    on_disk = json.loads((tmp_path / "_precision.json").read_text())
    assert on_disk["replications"] == report["replications"]


def test_the_maximum_stops_the_rule_and_says_so(tmp_path):
    results = sweep(
        policies=["domestic_baseline", "randomized_movement"],
        replications="auto",
        precision={"threat_exposure": 1e-6},
        max_replications=35,
        days=20,
        progress=False,
        out=tmp_path,
    )
    report = results.attrs["precision"]
    assert not report["reached"] and report["replications"] == 35
    assert report["stopped"].startswith("maximum of 35 replications reached")


@pytest.mark.slow
def test_an_interrupted_auto_sweep_resumes_to_the_same_rows_and_stages(tmp_path):
    exp = Experiment(
        policies=("domestic_baseline", "joint_escort"), overrides=("days=60",), replications=30
    )
    rule = PrecisionRule({"threat_exposure": 0.04}, max_replications=300)
    whole, report = run_to_precision(exp, tmp_path / "whole", rule, run_sweep, progress=False)
    assert len(report["stages"]) > 1  # a resume across stages is what is tested
    calls = []

    def killed_in_second_stage(e, out, **kw):
        calls.append(e.replications)
        if len(calls) == 2:
            # part of the stage is written, then the process dies
            run_sweep(e.replace(replications=e.replications - 3), out, **kw)
            raise KeyboardInterrupt
        return run_sweep(e, out, **kw)

    with pytest.raises(KeyboardInterrupt):
        run_to_precision(exp, tmp_path / "cut", rule, killed_in_second_stage, progress=False)
    resumed, again = run_to_precision(exp, tmp_path / "cut", rule, run_sweep, progress=False)
    assert again["stages"] == report["stages"]
    a = whole.read().sort_values("run_id").reset_index(drop=True)
    b = resumed.read().sort_values("run_id").reset_index(drop=True)
    assert b.run_id.is_unique
    cols = [c for c in a.columns if c != "runtime_s"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["precision.foreign_killed=0.5"], "precision.foreign_killed"),  # without auto
        (["replications=auto"], "precision"),
        (["replications=auto", "precision.foreign_kiled=0.5"], "precision.foreign_kiled"),
        (["replications=auto", "precision.foreign_killed=-1"], "precision.foreign_killed"),
        (["replications=auto", "precision.foreign_killed=x"], "precision.foreign_killed"),
        (["replications=auto", "precision.foreign_killed=1", "pilot=10"], "pilot"),
        (["replications=auto", "precision.foreign_killed=1", "max_replications=31"], "max"),
        (["replications=auto", "precision.foreign_killed=1", "baseline=joint_x"], "baseline"),
        (["replications=many"], "replications"),
    ],
)
def test_bad_precision_settings_exit_2_and_write_nothing(tmp_path, args, field, capsys):
    from sim.sweeps.command import main

    out = tmp_path / "out"
    extra = ["pilot=40"] if field == "max" else []
    code = main(["experiment=joint_vs_domestic", f"out={out}", *args, *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (field if field != "max" else "max_replications") in err
    assert err.count("\n") == 1 and not out.exists()


def test_the_python_api_refuses_precision_without_auto_and_a_word_for_replications():
    with pytest.raises(ScenarioError, match="precision"):
        sweep(replications=10, precision={"foreign_killed": 1.0}, days=5, progress=False)
    with pytest.raises(ScenarioError, match="'auto'"):
        sweep(replications="lots", days=5, progress=False)


def test_the_rule_covers_declared_contrasts_and_every_foreign_increment():
    """Besides each policy against the baseline, the rule judges what the report will state:
    the experiment's declared contrasts and each joint policy against its twins."""
    policies = ("domestic_baseline", "joint_escort", "joint_escort_twin_cost", "domestic_intel")
    exp = Experiment(policies=policies, contrasts=("domestic_intel - joint_escort",))
    pairs = stated_contrasts(exp)
    assert pairs == (("domestic_intel", "joint_escort"), ("joint_escort", "joint_escort_twin_cost"))
    rng = np.random.default_rng(2)
    rows = [
        dict(policy=p, replication=r, point=0, status="ok",
             foreign_killed=float(rng.poisson(4.0 + (p == "joint_escort"))))
        for r in range(40) for p in policies
    ]  # fmt: skip
    results = pd.DataFrame(rows)
    rule = PrecisionRule({"foreign_killed": 0.5}, contrasts=pairs)
    table = half_widths(results, rule)
    got = set(zip(table.policy, table.baseline, strict=True))
    assert ("joint_escort", "joint_escort_twin_cost") in got
    assert ("domestic_intel", "joint_escort") in got
    assert ("joint_escort", "domestic_baseline") in got and len(table) == 5
    row = table[(table.policy == "joint_escort") & (table.baseline == "joint_escort_twin_cost")]
    t = compare(results[results.policy.isin(["joint_escort", "joint_escort_twin_cost"])],
                baseline="joint_escort_twin_cost", outcomes=["foreign_killed"])  # fmt: skip
    assert row["diff"].iloc[0] == pytest.approx(t["diff"].iloc[0])
    assert row.lo.iloc[0] == pytest.approx(t.lo.iloc[0])


@pytest.mark.parametrize(
    ("contrasts", "words"),
    [
        (("joint_escort-domestic_baseline",), "'A - B'"),
        (("joint_escort - joint_command",), "not a policy of the sweep"),
        (("joint_escort - joint_escort",), "itself"),
        ("joint_escort - domestic_baseline", "list"),
    ],
)
def test_a_bad_contrast_is_refused_by_name(contrasts, words):
    exp = Experiment(policies=("domestic_baseline", "joint_escort"), contrasts=contrasts)
    with pytest.raises(ScenarioError, match="contrasts") as err:
        exp.check()
    assert words in str(err.value)
