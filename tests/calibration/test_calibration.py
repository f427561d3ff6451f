"""The record's statistics, ABC-SMC calibration on small settings, and the posterior file."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from scenarios.schema import ScenarioError
from sim.calibration.calibrate import (
    BASELINE,
    POSTERIOR,
    Posterior,
    Scale,
    calibrate,
    load_config,
    load_posterior,
    main,
    write_baseline,
)
from sim.calibration.record import (
    DERIVED,
    FIT,
    HELD_OUT,
    STATISTICS,
    incidents,
    observed,
    targets,
    window_statistics,
)


def test_the_record_is_classed_and_counted_by_hand():
    att = incidents()
    assert len(att) == 12  # 2018-2024, without the "likely not militant" shooting
    assert att.kind.value_counts().to_dict() == {"convoy": 7, "site": 3, "unescorted": 2}
    assert int(att.insider.sum()) == 2
    obs = observed()
    assert obs["attacks_per_year"] == pytest.approx(12 / 7)
    assert obs["share_convoy"] == pytest.approx(7 / 12)
    assert obs["share_site"] == pytest.approx(3 / 12)
    assert obs["insider_share"] == pytest.approx(2 / 12)
    assert obs["lethal_share"] == pytest.approx(5 / 12)  # Dasu, KU, clinic, Besham, airport
    assert obs["deaths_per_lethal_attack"] == pytest.approx(20 / 5)
    assert obs["deaths_per_year"] == pytest.approx(20 / 7)
    assert obs["share_sindh"] == pytest.approx(7 / 12)
    assert obs["lethal_share_convoy"] == pytest.approx(4 / 7)
    assert obs["host_killed_per_attack"] == pytest.approx(13 / 12)
    assert obs["years_without_attack"] == 2 and obs["most_in_a_year"] == 4
    assert set(FIT) | set(HELD_OUT) | set(DERIVED) == set(STATISTICS)
    assert not set(FIT) & set(HELD_OUT) and not (set(FIT) | set(HELD_OUT)) & set(DERIVED)


def test_a_simulated_log_shaped_like_the_record_gives_the_record_statistics():
    """The simulated side computes every statistic exactly as the record side does."""
    att = incidents()
    days = (att.date - pd.Timestamp("2018-01-01")).dt.days.to_numpy()
    years = att.year.to_numpy() - 2018
    day = years * 365 + np.minimum(days - (years * 365.25).astype(int), 364)
    guard = att.target.str.contains("assigned guard")
    events = pd.DataFrame(
        {
            "day": day,
            "event": np.where(guard, "insider", "attack"),
            "target": att.kind,
            "region": att.region,
            "targeted": att.insider & ~guard,
            "foreign_killed": att.foreign_killed,
            "guards_killed": att.host_killed,
            "civilians_killed": 0,
        }
    )
    events = pd.concat([events, events.iloc[:2].assign(event="foiled")])  # never counted
    sim = window_statistics(events, 7 * 365)
    assert sim == pytest.approx(observed())


def test_intervals_follow_their_counts():
    t = {x.name: x for x in targets()}
    assert t["attacks_per_year"].lo == pytest.approx(stats.chi2.ppf(0.025, 24) / 2 / 7)
    assert t["attacks_per_year"].hi == pytest.approx(stats.chi2.ppf(0.975, 26) / 2 / 7)
    # Wilson interval of 7 of 12, worked out by hand
    z, n, p = stats.norm.ppf(0.975), 12, 7 / 12
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (t["share_convoy"].lo, t["share_convoy"].hi) == pytest.approx(
        (centre - half, centre + half)
    )
    for x in t.values():
        assert x.lo <= x.observed <= x.hi, x
        assert x.fit == (x.name in FIT)


def _small(tmp, workers, generations=2):
    return calibrate(
        workers=workers,
        out=tmp,
        progress=False,
        population_size=3,
        max_generations=generations,
        days=365,
        epsilon_quantile=0.95,
    )


@pytest.mark.slow
def test_abc_smc_gives_the_same_posterior_on_one_or_two_workers_and_resumes(tmp_path):
    one, history = _small(tmp_path / "one", 1, generations=1)
    two, _ = _small(tmp_path / "two", 2, generations=1)
    pd.testing.assert_frame_equal(one.particles, two.particles)
    assert one.meta["simulations"] == two.meta["simulations"]
    assert history.max_t == 0 and len(one.particles) == 3
    cfg = load_config()
    for key, (lo, hi) in cfg["priors"].items():
        assert one.particles[key].between(lo, hi).all()
    assert one.particles.weight.sum() == pytest.approx(1.0)
    # a rerun with one more generation resumes: the first is not run again
    again, history = _small(tmp_path / "one", 1, generations=2)
    assert history.max_t == 1
    first = Scale.of(cfg).frame(history.get_distribution(m=0, t=0)[0].reset_index(drop=True))
    pd.testing.assert_frame_equal(first, one.particles.drop(columns="weight"))
    assert int(again.meta["simulations"]) > int(one.meta["simulations"])
    # the saved file reads back the same
    path = tmp_path / "posterior.csv"
    one.save(path)
    back = load_posterior(path)
    assert back.meta["seed"] == str(cfg["seed"]) and back.meta["days"] == "365"
    np.testing.assert_allclose(back.particles.to_numpy(), one.particles.to_numpy(), rtol=1e-5)


def test_the_scale_maps_priors_to_order_one_and_back():
    cfg = {"priors": {"threat.ambush_rate": [1e-5, 1e-3], "threat.lethality": [0.2, 0.6]}}
    cfg["log_uniform"] = ["threat.ambush_rate"]
    scale = Scale.of(cfg)
    assert scale.values({"ambush_rate": -4.0, "lethality": 0.25}) == pytest.approx(
        {"threat.ambush_rate": 1e-4, "threat.lethality": 0.3}
    )
    np.random.seed(2024)  # noqa: NPY002 (pyabc's priors draw from numpy's global generator)
    draws = pd.DataFrame(scale.prior().rvs() for _ in range(2000))
    assert draws.ambush_rate.between(-5, -3).all() and draws.lethality.between(0, 1).all()
    values = scale.frame(draws)
    assert np.median(values["threat.ambush_rate"]) == pytest.approx(1e-4, rel=0.15)  # log-uniform
    assert values["threat.lethality"].mean() == pytest.approx(0.4, abs=0.01)


def test_posterior_draws_follow_weights_and_keep_their_prefix():
    post = Posterior(
        pd.DataFrame({"threat.lethality": [0.2, 0.5, 0.8], "weight": [0.0, 0.25, 0.75]}), {}
    )
    many = post.draws(4000, seed=3)
    assert 0.2 not in set(many["threat.lethality"])  # weight 0 is never drawn
    assert (many["threat.lethality"] == 0.8).mean() == pytest.approx(0.75, abs=0.03)
    pd.testing.assert_frame_equal(post.draws(5, seed=3), many.iloc[:5])
    assert not post.draws(50, seed=4).equals(many.iloc[:50])
    assert post.quantile(0.5) == {"threat.lethality": 0.8}


@pytest.mark.parametrize(
    "text",
    [
        "threat.lethality\n0.5\n",  # no weight
        "threat.nonsense,weight\n0.5,1\n",  # not a parameter
        "demand.camp_staff,weight\n3,1\n",  # not a threat parameter
        "threat.lethality,weight\n0.5,-1\n",  # negative weight
        "threat.lethality,weight\nnan,1\n",
        "threat.lethality,weight\n",  # no particle
    ],
)
def test_a_malformed_posterior_file_is_refused(tmp_path, text):
    path = tmp_path / "p.csv"
    path.write_text("# command: test\n" + text)
    with pytest.raises(ScenarioError, match="posterior"):
        load_posterior(path)


def test_the_shipped_posterior_reads_and_its_median_is_the_baseline():
    post = load_posterior(POSTERIOR)
    assert set(post.keys) == set(load_config()["priors"])
    assert int(post.meta["population_size"]) == len(post.particles)
    baseline = yaml.safe_load(BASELINE.read_text())
    for key, value in post.quantile(0.5).items():
        assert baseline[key.split(".", 1)[1]] == pytest.approx(value, rel=1e-3)


def test_write_baseline_replaces_values_and_stamps_the_command(tmp_path):
    path = tmp_path / "baseline.yaml"
    shutil.copy(BASELINE, path)
    write_baseline(
        {"threat.ambush_rate": 6.25e-5, "threat.plan_days": 45.5},
        "python -m sim.calibrate samples=9",
        path=path,
    )
    text = path.read_text()
    data = yaml.safe_load(text)
    assert data["ambush_rate"] == 6.25e-5 and data["plan_days"] == 45.5
    assert "# Calibrated on " in text and "by: python -m sim.calibrate samples=9" in text
    original = yaml.safe_load(BASELINE.read_text())
    assert {k for k in data if data[k] != original[k]} == {"ambush_rate", "plan_days"}
    # a second calibration replaces the stamp instead of adding one
    write_baseline({"threat.plan_days": 50.0}, "python -m sim.calibrate", path=path)
    assert path.read_text().count("# Calibrated on ") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["population_size=1"],
        ["nonsense=1"],
        ["write_baseline=maybe"],
        ["max_generations=x"],
        ["days=0"],
    ],
)
def test_calibrate_cli_rejects_bad_input(tmp_path, capsys, args):
    assert main([*args, f"out={tmp_path / 'out'}", f"posterior={tmp_path / 'p.csv'}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "out").exists() and not (tmp_path / "p.csv").exists()


def test_a_bad_calibration_config_is_refused(tmp_path):
    cfg = yaml.safe_load((POSTERIOR.parent / "abc.yaml").read_text())
    for change, field in [
        ({"priors": {"threat.nonsense": [0, 1]}}, "priors.threat.nonsense"),
        ({"priors": {"threat.lethality": [0.9, 0.2]}}, "priors.threat.lethality"),
        ({"log_uniform": ["threat.lethality"], "priors": {"threat.lethality": [0, 1]}}, "log"),
    ]:
        path = tmp_path / "abc.yaml"
        path.write_text(yaml.safe_dump({**cfg, **change}))
        with pytest.raises(ScenarioError, match=field):
            load_config(path)


@pytest.mark.slow
def test_the_calibrate_command_writes_the_posterior_and_the_report(tmp_path, capsys):
    post, report = tmp_path / "posterior.csv", tmp_path / "calibration.md"
    args = ["population_size=3", "max_generations=1", "days=365", "progress=false"]
    paths = [f"out={tmp_path / 'abc'}", f"posterior={post}", f"report={report}"]
    assert main([*args, *paths]) == 0
    back = load_posterior(post)
    assert len(back.particles) == 3 and back.meta["command"].startswith("python -m sim.calibrate")
    text = report.read_text()
    for heading in ("## Statistics of the record", "## Generations", "## Posterior"):
        assert heading in text
    assert "| held out |" in text and "| derived |" in text and "| fit |" in text
    assert "Coding of the record: `current`" in text
    assert "posterior written to" in capsys.readouterr().out
