"""Calibration (ABC rejection) on small settings, and the calibrated baseline against the record."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import sweep
from sim.calibrate import (
    BASELINE,
    calibrate,
    distance_and_acceptance,
    load_config,
    main,
    report,
    write_baseline,
)
from sim.record import targets, validation_table


def test_acceptance_rule_and_distance_by_hand():
    t = {x.name: x for x in targets()}
    stats = pd.DataFrame(
        {
            "attacks_per_year": [1.0, 3.0],
            "lethal_share": [4 / 7, 0.5],
            "deaths_per_lethal_attack": [4.75, 5.0],
            "deaths_per_year": [19 / 7, 3.0],
        }
    )
    out = distance_and_acceptance(stats)
    assert list(out.accepted) == [True, False]  # 3 attacks a year is outside 0.40-2.06
    assert out.distance.iloc[0] == pytest.approx(0.0, abs=1e-12)
    half = (t["attacks_per_year"].hi - t["attacks_per_year"].lo) / 2
    expected = ((3.0 - 1.0) / half) ** 2 + (
        (0.5 - 4 / 7) / ((t["lethal_share"].hi - t["lethal_share"].lo) / 2)
    ) ** 2
    expected += ((5.0 - 4.75) / 3.5) ** 2 + (
        (3.0 - 19 / 7) / ((t["deaths_per_year"].hi - t["deaths_per_year"].lo) / 2)
    ) ** 2
    assert out.distance.iloc[1] == pytest.approx(expected)


def test_calibration_runs_end_to_end_on_a_small_setting(tmp_path):
    cfg = load_config()
    result = calibrate(
        samples=6, replications=2, days=120, out=tmp_path, progress=False, config=cfg
    )
    sets = result.sets
    assert len(sets) == 6 and set(sets.columns) >= {"distance", "accepted", "ambush_rate"}
    for key, (lo, hi) in cfg["priors"].items():
        col = key.split(".", 1)[1]
        assert sets[col].between(lo, hi).all()
    assert (tmp_path / "sets.csv").exists() and (tmp_path / "accepted.csv").exists()
    text = report(result, 6, 2, 1.0, "python -m sim.calibrate samples=6")
    assert "## Targets" in text and "attacks_per_year" in text
    if result.best is not None:
        best = sets[sets.accepted].sort_values("distance").iloc[0]
        assert result.best["threat.ambush_rate"] == pytest.approx(best.ambush_rate)
    # rerunning resumes: nothing new is run, the same sets come back
    again = calibrate(samples=6, replications=2, days=120, out=tmp_path, progress=False, config=cfg)
    pd.testing.assert_frame_equal(again.sets, sets)


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
    "args", [["samples=0"], ["nonsense=1"], ["write_baseline=maybe"], ["replications=x"]]
)
def test_calibrate_cli_rejects_bad_input(tmp_path, capsys, args):
    assert main([*args, f"out={tmp_path / 'out'}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_baseline_reproduces_every_target_over_50_replications():
    """domestic_baseline under the calibrated baseline threat, 50 simulated years."""
    runs = sweep(
        policies=["domestic_baseline"],
        threats=["baseline"],
        replications=50,
        days=365,
        workers=2,
        progress=False,
    )
    table = validation_table(runs)
    assert len(runs) == 50
    assert table.within.all(), table[["observed_lo", "simulated", "observed_hi"]]
    assert np.isfinite(table.simulated).all()
