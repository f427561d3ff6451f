"""Parameter uncertainty in sweeps: ``posterior=N`` draws parameter sets, paired across policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from scenarios.compose import CONF_DIR
from sim import Experiment, sweep
from sim.analysis import compare, uncertainty_statement
from sim.sweeps.command import main as sweep_main
from sim.sweeps.designs import SweepError
from sim.sweeps.plan import Plan

BASE = yaml.safe_load((CONF_DIR / "threat" / "baseline.yaml").read_text())
HIGH = yaml.safe_load((CONF_DIR / "threat" / "high.yaml").read_text())


@pytest.fixture
def posterior(tmp_path):
    path = tmp_path / "posterior.csv"
    path.write_text(
        "# command: test\n"
        "threat.ambush_rate,threat.lethality,weight\n"
        "5e-05,0.4,0.25\n"
        "1e-04,0.7,0.5\n"
        "2e-04,0.6,0.25\n"
    )
    return path


def small(path, **kw):
    args = dict(
        policies=["domestic_baseline", "joint_escort"],
        threats=["baseline", "high"],
        replications=5,
        days=20,
        posterior=3,
        posterior_file=path,
        progress=False,
    )
    return {**args, **kw}


def test_replication_j_uses_set_j_mod_n_under_every_policy_and_threat(posterior):
    runs = sweep(**small(posterior))
    assert (runs.posterior_draw == runs.replication % 3).all()
    sets = Plan(
        Experiment(policies=("domestic_baseline",), posterior=3, posterior_file=str(posterior))
    ).draws
    for _, row in runs.iterrows():
        drawn = sets[row.posterior_draw]
        ratio = drawn["threat.ambush_rate"] / BASE["ambush_rate"]
        want = (
            BASE["ambush_rate"] * ratio if row.threat == "baseline" else HIGH["ambush_rate"] * ratio
        )
        assert row.ambush_rate == pytest.approx(want, rel=1e-12)
        assert row.lethality == drawn["threat.lethality"]  # neither threat file sets it
    # pairs share the seed and the parameter set
    by = runs.groupby(["replication", "threat"])
    assert (by.seed.nunique() == 1).all() and (by.ambush_rate.nunique() == 1).all()
    distinct = {d["threat.ambush_rate"] for d in sets}
    assert set(runs[runs.threat == "baseline"].ambush_rate) == distinct


def test_a_baseline_draw_is_taken_exactly_and_parameters_change_outcomes(posterior):
    runs = sweep(**small(posterior, threats=["baseline"], days=365, replications=3))
    drawn = pd.read_csv(posterior, comment="#")
    assert set(runs.ambush_rate) <= set(drawn["threat.ambush_rate"])
    fixed = sweep(
        **small(None, threats=["baseline"], days=365, replications=3, posterior=0),
    )
    assert (fixed.posterior_draw == -1).all()
    assert (fixed.ambush_rate == BASE["ambush_rate"]).all()
    assert not np.array_equal(runs.threat_exposure, fixed.threat_exposure)
    # same seeds, different parameters: the paired comparison still pairs by replication
    table = compare(runs, outcomes=("threat_exposure",), n_resamples=99)
    assert len(table) == 1


def test_draws_keep_their_prefix_and_the_sweep_is_reproducible(posterior):
    three = Plan(Experiment(posterior=3, posterior_file=str(posterior))).draws
    five = Plan(Experiment(posterior=5, posterior_file=str(posterior))).draws
    assert five[:3] == three
    other = Plan(Experiment(posterior=5, seed=1, posterior_file=str(posterior))).draws
    assert other != five
    a = sweep(**small(posterior))
    b = sweep(**small(posterior), workers=2)
    cols = ["run_id", "posterior_draw", "ambush_rate", "foreign_killed", "threat_exposure"]
    pd.testing.assert_frame_equal(
        a[cols].sort_values("run_id").reset_index(drop=True),
        b[cols].sort_values("run_id").reset_index(drop=True),
    )


def test_a_resume_under_another_posterior_is_refused(tmp_path, posterior):
    out = tmp_path / "out"
    sweep(out=out, **small(posterior))
    more = sweep(out=out, **small(posterior, replications=6))
    assert sorted(more.replication.unique()) == list(range(6))
    with pytest.raises(SweepError, match="the experiment"):
        sweep(out=out, **small(posterior, posterior=4))
    text = posterior.read_text()
    for old, new in [("0.4,", "0.45,"), ("0.7,", "0.75,"), ("0.6,", "0.65,")]:
        text = text.replace(old, new)
    posterior.write_text(text)  # a recalibration: every set changes
    with pytest.raises(SweepError, match="composed scenario"):
        sweep(out=out, **small(posterior))
    assert len(pd.read_parquet(out)) == 6 * 4


def test_a_drawn_parameter_that_the_design_or_an_override_fixes_is_refused(posterior):
    with pytest.raises(SweepError, match="draws threat.ambush_rate .* an override"):
        sweep(**small(posterior), threat__ambush_rate=1e-4)
    design = {"kind": "factorial", "factors": {"threat.lethality": [0.3, 0.5]}}
    with pytest.raises(SweepError, match="draws threat.lethality .* the design varies"):
        sweep(**small(posterior, threats=None), design=design)


def test_a_draw_that_breaks_a_threat_level_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("threat.lethality,weight\n0.5,0.5\n1.5,0.5\n")  # a chance above 1
    with pytest.raises(SweepError, match=r"lethality.*\(posterior set \d under the 'high' threat"):
        Plan(Experiment(posterior=8, posterior_file=str(path), threat="high"))


def test_the_command_line_takes_posterior_and_says_what_the_intervals_include(
    tmp_path, posterior, capsys
):
    args = [
        "experiment=joint_vs_domestic",
        "policy=domestic_baseline,joint_escort",
        "threat=baseline",
        "replications=2",
        "days=10",
        "progress=false",
        f"out={tmp_path / 'out'}",
    ]
    assert sweep_main([*args, "posterior=2", f"posterior_file={posterior}"]) == 0
    assert "the uncertainty of the calibrated parameters" in capsys.readouterr().out
    for bad in (["posterior=-1"], [f"posterior_file={posterior}"], ["posterior=x"]):
        assert sweep_main([*args, *bad, f"out={tmp_path / 'bad'}"]) == 2
        assert capsys.readouterr().err.startswith("error: ")
        assert not (tmp_path / "bad").exists()
    missing = tmp_path / "none.csv"
    assert sweep_main([*args, "posterior=2", f"posterior_file={missing}"]) == 2
    assert "run `python -m sim.calibrate` first" in capsys.readouterr().err


def test_the_uncertainty_statement_follows_the_runs():
    with_draws = pd.DataFrame({"posterior_draw": [0, 1, 1, 0]})
    assert uncertainty_statement(with_draws).startswith(
        "Intervals include run-to-run variation and the uncertainty of the calibrated "
        "parameters (ambush_rate, site_attack_rate, lethality, effect_domestic, leak_prob, "
        "insider_rate): every replication ran with one of 2"
    )
    # the deciding assumptions are named with the value they were held at, or as varied
    held = with_draws.assign(foreign_effect_ratio=0.8, backlash=[0.0, 0.01, 0.0, 0.01])
    text = uncertainty_statement(held)
    assert "Held at one value, not drawn" in text and "foreign_effect_ratio = 0.8" in text
    assert "(varied by the design: backlash)" in text
    assert "not parameter uncertainty" in uncertainty_statement(
        pd.DataFrame({"posterior_draw": [-1, -1]})
    )
    assert "mix" in uncertainty_statement(pd.DataFrame({"posterior_draw": [-1, 0]}))
