"""make demo's command: a comparison to a stated precision, figures, and the report at the end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def demo(*args: str, timeout: float = 600):
    return subprocess.run(
        [sys.executable, "-m", "sim.demo", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_the_demo_runs_to_its_precision_and_ends_with_the_report(tmp_path):
    out, figures = tmp_path / "sweep", tmp_path / "figures"
    proc = demo(
        "threats=high", "days=30", "precision=3", "max_replications=60", "workers=1",
        f"out={out}", f"figures={figures}",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "replications by precision" not in proc.stderr  # the demo states its own header
    said = " ".join(proc.stdout.split())  # the console wraps long lines
    rule = "until every paired difference in foreign deaths has a 95% half-width of at most 3"
    assert rule in said
    assert "Precision: " in proc.stdout and "precision: stopped after" in proc.stderr
    assert (
        proc.stdout.rstrip()
        .splitlines()[-1]
        .startswith(f"Report written to {out / '_report' / 'report.html'}")
    )
    report = (out / "_report" / "report.html").read_text()
    assert len(report) > 10_000
    stopped = json.loads((out / "_precision.json").read_text())["stopped"]
    assert "Replications were chosen by precision (targets: foreign_killed +/- 3" in report
    # in the scenario set, the conclusion and the Methods, as the rule said it; here the maximum
    # stopped it
    assert report.count(stopped) == 3 and "NOT every target reached: maximum of 60" in report
    assert (out / "_command.txt").read_text().startswith("python -m sim.demo threats=high")
    assert sorted(p.name for p in figures.iterdir()) == [
        "paired_differences_high.pdf",
        "paired_differences_high.png",
        "tradeoff_high.pdf",
        "tradeoff_high.png",
    ]
    again = demo(
        "threats=high", "days=30", "precision=3", "max_replications=60", "workers=1",
        f"out={out}", f"figures={figures}",
    )  # fmt: skip
    # a rerun resumes: nothing left to run (no progress bar), the same stages and tables
    assert again.returncode == 0 and "demo:" not in again.stderr
    precision = [ln for ln in proc.stdout.splitlines() if ln.startswith("Precision")]
    assert precision == [ln for ln in again.stdout.splitlines() if ln.startswith("Precision")]


@pytest.mark.parametrize(
    ("args", "named"),
    [(["threats=extreme"], "extreme"), (["workers=0"], "workers"),
     (["precision=-1"], "precision"), (["--threats", "high"], "--threats")],
)  # fmt: skip
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, named, capsys):
    from sim.studies.demo import main

    code = main([*args, f"out={tmp_path / 'sweep'}", f"figures={tmp_path / 'figures'}"])
    err = capsys.readouterr().err
    assert code == 2 and named in err
    assert err.count("\n") == 1
    assert not (tmp_path / "sweep").exists() and not (tmp_path / "figures").exists()
