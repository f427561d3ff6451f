"""Sweeps: designs, paired seeds, resumable Parquet results, backends and failure isolation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scenarios import Threat
from sim import OUTCOMES, Experiment, sweep
from sim.model.network import cpec_graph, save_graphml
from sim.sweeps.command import main
from sim.sweeps.designs import SweepError, design_points, load_experiment
from sim.sweeps.execution import run_sweep
from sim.sweeps.plan import Plan, replication_seed
from sim.sweeps.store import ResultStore

ROOT = Path(__file__).resolve().parents[2]
SMALL = dict(
    policies=["domestic_baseline", "joint_escort", "randomized_movement"],
    threats=["baseline", "high"],
    replications=3,
    days=20,
    progress=False,
)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["runtime_s"]).sort_values("run_id", ignore_index=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    return sweep(out=out, **SMALL), out


def test_results_table_has_every_column(reference):
    df, out = reference
    assert len(df) == 3 * 2 * 3
    assert list(df.run_id) == list(range(18))
    for col in [
        "run_id",
        "policy",
        "threat",
        "replication",
        "seed",
        "status",
        "error",
        "version",
        *OUTCOMES,
        *(f.name for f in Threat.fields() if f.name != "name"),
    ]:
        assert col in df.columns, col
    assert (df.status == "ok").all() and df.error.isna().all()
    saved = yaml.safe_load((out / "_experiment.yaml").read_text())
    assert saved["experiment"]["policies"] == SMALL["policies"]
    assert saved["design_points"] == [{"threat": "baseline"}, {"threat": "high"}]
    bases = {(b["policy"], b["threat"]): b["scenario"] for b in saved["base_scenarios"]}
    assert len(bases) == 6 and bases[("joint_escort", "high")]["threat"]["cells"] == 12
    assert bases[("joint_escort", "high")]["days"] == 20
    assert pd.read_parquet(out).shape == df.shape


def test_replications_share_seeds_across_policies_and_threats(reference):
    df, _ = reference
    assert df.groupby("replication").seed.nunique().eq(1).all()
    assert df.seed.nunique() == 3
    assert df.seed.iloc[0] == replication_seed(0, 0)
    # common random numbers: the same trips under every policy
    assert df.groupby(["replication", "threat"]).trips_started.nunique().eq(1).all()
    # uncertainty columns carry the threat level's values
    high = df[df.threat == "high"]
    assert (high.cells == 12).all() and (df[df.threat == "baseline"].cells == 6).all()


def test_rerun_runs_only_what_is_missing(tmp_path, reference):
    ref, _ = reference
    sweep(out=tmp_path, **{**SMALL, "replications": 2})
    parts_before = sorted(p.name for p in tmp_path.glob("part-*.parquet"))
    again = sweep(out=tmp_path, **{**SMALL, "replications": 2})
    assert sorted(p.name for p in tmp_path.glob("part-*.parquet")) == parts_before
    assert len(again) == 12
    full = sweep(out=tmp_path, **SMALL)
    pd.testing.assert_frame_equal(comparable(full), comparable(ref))
    assert full.run_id.is_unique


@pytest.mark.slow
def test_workers_and_backends_give_identical_results(tmp_path, reference):
    ref, _ = reference
    two = sweep(out=tmp_path / "w2", workers=2, **SMALL)
    pd.testing.assert_frame_equal(comparable(two), comparable(ref))
    dask = sweep(out=tmp_path / "dask", workers=2, backend="dask", **SMALL)
    pd.testing.assert_frame_equal(comparable(dask), comparable(ref))


def test_different_experiment_seed_differs(tmp_path, reference):
    ref, _ = reference
    other = sweep(out=tmp_path, seed=1, **SMALL)
    assert not other.seed.equals(ref.seed)
    assert not other.trips_started.equals(ref.trips_started)


def test_failing_runs_are_recorded_and_the_rest_go_on(tmp_path):
    good = tmp_path / "good.graphml"
    save_graphml(cpec_graph(), good)
    exp = Experiment(
        name="fail",
        policies=("domestic_baseline",),
        replications=2,
        design={
            "kind": "factorial",
            "factors": {"network.path": [str(good), str(tmp_path / "missing.graphml")]},
        },
        network="graphml",
        overrides=("days=5",),
    )
    store = run_sweep(exp, tmp_path / "out", progress=False)
    df = store.read()
    assert len(df) == 4 and store.failed == 2
    failed = df[df.status == "failed"]
    assert (failed["network.path"] == str(tmp_path / "missing.graphml")).all()
    assert failed.error.str.contains("no GraphML file").all()
    assert failed.foreign_killed.isna().all()
    assert (df[df.status == "ok"].trips_started > 0).all()
    # a rerun does not repeat them
    assert run_sweep(exp, tmp_path / "out", progress=False).read().shape == df.shape


def test_events_are_optional_and_keyed_by_run(tmp_path):
    df = sweep(
        out=tmp_path,
        events=True,
        policies=["domestic_baseline"],
        threats=["high"],
        replications=2,
        days=120,
        progress=False,
    )
    ev = pd.read_parquet(tmp_path / "_events")
    assert set(ev.run_id) <= set(df.run_id) and len(ev) > 0
    per_run = ev[ev.event == "attack"].groupby("run_id").size()
    executed = df.set_index("run_id").attacks_executed
    assert (per_run == executed[per_run.index]).all()


def test_designs():
    lhs = design_points(
        {
            "kind": "lhs",
            "samples": 16,
            "ranges": {"threat.ambush_rate": [1e-5, 1e-4], "threat.cells": [2, 9]},
        },
        seed=3,
    )
    assert len(lhs) == 16
    rates = sorted(p["threat.ambush_rate"] for p in lhs)
    # one point in each of the 16 strata
    assert all(1e-5 + i * 9e-5 / 16 <= r < 1e-5 + (i + 1) * 9e-5 / 16 for i, r in enumerate(rates))
    assert all(isinstance(p["threat.cells"], int) and 2 <= p["threat.cells"] <= 9 for p in lhs)
    assert lhs == design_points(
        {
            "kind": "lhs",
            "samples": 16,
            "ranges": {"threat.ambush_rate": [1e-5, 1e-4], "threat.cells": [2, 9]},
        },
        seed=3,
    )
    sobol = design_points(
        {
            "kind": "sobol",
            "samples": 8,
            "ranges": {
                "threat.lethality": [0.1, 0.9],
                "threat.leak_prob": [0, 1e-4],
                "days": [5, 10],
            },
        },
        0,
    )
    assert len(sobol) == 8 * (3 + 2)
    morris = design_points(
        {
            "kind": "morris",
            "samples": 4,
            "ranges": {"threat.lethality": [0.1, 0.9], "threat.backlash": [0, 0.01]},
        },
        0,
    )
    assert len(morris) == 4 * 3
    fact = design_points(
        {"kind": "factorial", "factors": {"threat": ["low", "high"], "days": [1, 2, 3]}}, 0
    )
    assert fact[0] == {"threat": "low", "days": 1} and len(fact) == 6


@pytest.mark.parametrize(
    ("design", "field"),
    [
        ({"kind": "grid"}, "experiment.design.kind"),
        (
            {"kind": "lhs", "samples": 4, "ranges": {"threat.nope": [0, 1]}},
            "experiment.design.ranges.threat.nope",
        ),
        (
            {"kind": "lhs", "samples": 4, "ranges": {"threat.lethality": [0.5, 0.1]}},
            "experiment.design.ranges.threat.lethality",
        ),
        (
            {"kind": "lhs", "samples": 0, "ranges": {"threat.lethality": [0.1, 0.5]}},
            "experiment.design.samples",
        ),
        (
            {"kind": "factorial", "factors": {"threat": ["medium"]}},
            "experiment.design.factors.threat",
        ),
        (
            {"kind": "lhs", "samples": 4, "ranges": {"threat.lethality": [0.5, 1.5]}},
            "threat.lethality",
        ),
    ],
)
def test_bad_designs_are_rejected(design, field):
    with pytest.raises(SweepError) as info:
        Plan(Experiment(design=design, replications=1))
    assert info.value.field == field


def test_experiment_files_load_and_plan():
    jvd = Plan(load_experiment("joint_vs_domestic"))
    assert jvd.n_points == 3 and jvd.n_policies == 10  # six named policies, four twins
    lhs = Plan(load_experiment("uncertainty_lhs"))
    assert lhs.n_points == 64 and lhs.n_policies == 6
    assert Plan(load_experiment("sobol_threat")).n_points == 64 * (16 + 2)
    for name in ("joint_vs_domestic", "uncertainty_lhs", "sobol_threat"):
        first = (ROOT / "conf" / "experiment" / f"{name}.yaml").read_text().splitlines()[:2]
        assert first[0] == "# @package _global_"
        assert first[1].startswith(f"# python -m sim.sweep experiment={name}")


def test_memory_stays_flat_while_enumerating():
    """The plan is lazy: 100,000 runs are enumerated without building them all at once."""
    plan = Plan(Experiment(policies=("domestic_baseline",), replications=100_000))
    runs = plan.runs()
    first = next(runs)
    assert first.run_id == 0 and plan.total == 100_000


def test_store_ignores_and_cleans_partial_writes(tmp_path):
    """What an interrupted write left is cleared: its temporary file, and an event-log part
    whose results part never landed, named with its checksum in the record; nothing else."""
    from sim.sweeps.parts import CHECKSUMS, sha256_of

    (tmp_path / ".part-000001.parquet.tmp").write_text("half a file")
    (tmp_path / "_events").mkdir()
    orphan = tmp_path / "_events" / "part-000007.parquet"
    pd.DataFrame({"run_id": [1]}).to_parquet(orphan)
    digest = sha256_of(orphan)
    (tmp_path / CHECKSUMS).write_text(
        f"{digest}  _events/part-000007.parquet\n{'0' * 64}  part-000007.parquet\n"
    )
    store = ResultStore(tmp_path)
    assert store.done == set() and store.next_part == 1
    assert not list(tmp_path.glob(".part*")) and not list((tmp_path / "_events").iterdir())
    assert (tmp_path / CHECKSUMS).read_text() == ""


def test_store_refuses_a_part_no_checksum_names_and_deletes_nothing(tmp_path):
    (tmp_path / "_events").mkdir()
    stray = tmp_path / "_events" / "part-000007.parquet"
    pd.DataFrame({"run_id": [1]}).to_parquet(stray)
    notes = tmp_path / ".part-notes.txt"
    notes.write_text("mine")
    with pytest.raises(SweepError, match="part-000007.parquet has no checksum"):
        ResultStore(tmp_path)
    assert stray.exists() and notes.read_text() == "mine"


# ---- command line ------------------------------------------------------------------------------
def cli(*args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "sim.sweep", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.mark.slow
def test_cli_sweep_prints_summary_and_writes_rows(tmp_path):
    proc = cli(
        "experiment=joint_vs_domestic", "replications=2", "days=10", "workers=2", f"out={tmp_path}"
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    df = pd.read_parquet(tmp_path)
    assert len(df) == 10 * 3 * 2 and df.run_id.is_unique  # six named policies, four twins
    assert "joint_escort" in out and "foreign_killed" in out and "60 runs" in out
    assert "run/s" in err  # the progress bar


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["experiment=nope"], "error: experiment: unknown experiment 'nope'"),
        ([], "error: experiment: is required"),
        (["experiment=joint_vs_domestic", "workers=0"], "error: workers: must be a whole number"),
        (["experiment=joint_vs_domestic", "backend=mpi"], "error: backend: unknown backend"),
        (
            ["experiment=joint_vs_domestic", "policy.escort_units=-3"],
            "error: policy.escort_units: must be a whole number >= 0",
        ),
        (["experiment=joint_vs_domestic", "replications=many"], "error: replications"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, args, fragment):
    out = tmp_path / "out"
    assert main([*args, f"out={out}", "progress=false"]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_a_folder_of_another_experiment(tmp_path, capsys):
    base = ["replications=1", "days=3", f"out={tmp_path}", "progress=false"]
    assert main(["experiment=joint_vs_domestic", *base]) == 0
    capsys.readouterr()
    assert main(["experiment=joint_vs_domestic", "days=4", *base[:1], *base[2:]]) == 2
    assert "holds results of a different sweep" in capsys.readouterr().err


def test_cli_exit_status_reports_failures(tmp_path, capsys):
    assert (
        main(
            [
                "experiment=joint_vs_domestic",
                "replications=1",
                "days=3",
                "network=graphml",
                f"network.path={tmp_path / 'missing.graphml'}",
                f"out={tmp_path / 'out'}",
                "progress=false",
            ]
        )
        == 1
    )
    assert "30 runs failed" in capsys.readouterr().err
    assert (pd.read_parquet(tmp_path / "out").status == "failed").all()


@pytest.mark.slow
def test_sigkill_at_any_moment_then_rerun_gives_the_uninterrupted_rows(tmp_path):
    args = [
        "experiment=joint_vs_domestic",
        "replications=4",
        "days=200",  # long enough that a sweep is still running 0.4 s after a part lands
        "workers=2",
        "flush_rows=3",
        "progress=false",
    ]
    ref = cli(*args, f"out={tmp_path / 'ref'}")
    assert ref.wait(timeout=300) == 0
    expected = comparable(pd.read_parquet(tmp_path / "ref"))
    out = tmp_path / "killed"
    rng = np.random.default_rng(0)
    kills = 0
    for _attempt in range(6):
        proc = cli(*args, f"out={out}", start_new_session=True)
        deadline = time.monotonic() + 120
        before = len(list(out.glob("part-*.parquet"))) if out.exists() else 0
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and len(list(out.glob("part-*.parquet"))) > before:
                break
            time.sleep(0.02)
        time.sleep(float(rng.uniform(0.0, 0.4)))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        else:
            break
    assert kills >= 2
    final = cli(*args, f"out={out}")
    assert final.wait(timeout=300) == 0
    got = comparable(pd.read_parquet(out))
    assert got.run_id.is_unique
    pd.testing.assert_frame_equal(got, expected)


def test_workers_default_to_the_cores_unless_sim_workers_says_otherwise(monkeypatch):
    from sim.sweeps.execution import default_workers

    monkeypatch.delenv("SIM_WORKERS", raising=False)
    assert default_workers() == os.cpu_count()
    monkeypatch.setenv("SIM_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("SIM_WORKERS", "many")
    with pytest.raises(SweepError, match="SIM_WORKERS"):
        default_workers()
