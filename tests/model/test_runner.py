"""``python -m sim.run``: tables, files, and bad input that exits 2 and writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import OUTCOMES, __version__, run
from sim.model.runner import main

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "sim.run", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONWARNINGS": ""},
    )


def test_cli_runs_and_writes_results(tmp_path):
    out = tmp_path / "run"
    proc = cli("policy=joint_escort", "threat=high", "seed=7", "days=90", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    assert "foreign_killed" in proc.stdout and "RuntimeWarning" not in proc.stderr
    record = json.loads((out / "outcomes.json").read_text())
    assert set(OUTCOMES) <= set(record)
    assert record["policy"] == "joint_escort" and record["threat"] == "high"
    assert record["seed"] == 7 and record["days"] == 90 and record["version"] == __version__
    events = pd.read_parquet(out / "events.parquet")
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 90
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["policy"]["name"] == "joint_escort" and config["seed"] == 7
    # the same run from Python gives the same numbers
    r = run(policy="joint_escort", threat="high", seed=7, days=90)
    assert {k: record[k] for k in OUTCOMES} == r.outcomes
    pd.testing.assert_frame_equal(events, r.events, check_dtype=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "config.yaml",
        "events.parquet",
        "outcomes.json",
        "timeseries.parquet",
    ]


def test_cli_bad_input_exits_2_as_a_process(tmp_path):
    out = tmp_path / "never"
    proc = cli("policy=joint_escrt", f"hydra.run.dir={out}")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: policy: unknown option 'joint_escrt' (did you mean 'joint_escort'?); allowed: "
        "domestic_baseline, domestic_intel, domestic_surge, joint_command, "
        "joint_command_equal_cost, joint_command_equal_personnel, joint_escort, "
        "joint_escort_equal_cost, joint_escort_equal_personnel, randomized_movement, and "
        "<joint>_twin_personnel or <joint>_twin_cost for a joint one (joint_command, "
        "joint_command_equal_cost, joint_command_equal_personnel, joint_escort, "
        "joint_escort_equal_cost, joint_escort_equal_personnel)"
    ]
    assert not out.exists() and proc.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["threat=nightmare"], "error: threat: unknown option 'nightmare'"),
        (["policy.escort_units=-1"], "error: policy.escort_units: must be a whole number >= 0"),
        (["policy.escort_units=1.5"], "error: policy.escort_units: must be a whole number"),
        (["threat.leak_prob=2"], "error: threat.leak_prob: must be a probability >= 0 and <= 1"),
        (["threat.lethalty=0.3"], "did you mean 'lethality'"),
        (
            ["network=graphml", "network.path=/nonexistent.graphml"],
            "error: network.path: no GraphML file at '/nonexistent.graphml'",
        ),
        (["network=graphml"], "error: network.path: is required"),
        (["days=-5"], "error: days: must be a whole number >= 1"),
        (
            ["policy=joint_escort", "policy.force=domestic"],
            "error: policy.foreign_per_escort: must be 0 when policy.force is 'domestic'",
        ),
    ],
)
def test_cli_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, fragment):
    out = tmp_path / "never"
    status = main([*args, f"hydra.run.dir={out}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and fragment in err[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_malformed_graphml_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.graphml"
    bad.write_text("not xml at all")
    assert (
        main(["network=graphml", f"network.path={bad}", f"hydra.run.dir={tmp_path / 'out'}"]) == 2
    )
    assert "cannot read GraphML" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_refuses_to_overwrite_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["days=3", f"hydra.run.dir={out}"]) == 0
    before = (out / "outcomes.json").read_bytes()
    assert main(["days=4", f"hydra.run.dir={out}"]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (out / "outcomes.json").read_bytes() == before


def test_cli_help(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "joint_escort" in text and "hydra.run.dir" in text
