"""A small search end to end: its folder, resume after an interruption, export, refusals."""

import json

import numpy as np
import pandas as pd
import pytest

from scenarios.schema import ScenarioError
from sim.search.api import optimize
from sim.search.command import export_member, main
from sim.sweeps.points import SweepError

TINY = dict(
    pop_size=4, generations=3, scenarios=2, replications=2, fresh_replications=2, posterior=0,
    days=20, front_size=3, budgets=(8e6, 30e6), workers=1, progress=False,
)  # fmt: skip


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    return optimize(out=tmp_path_factory.mktemp("s") / "search", **TINY)


@pytest.mark.slow
def test_a_search_writes_its_record_tables_and_figure(search):
    out = search.folder
    for name in ("search.json", "evaluations.csv", "front.csv", "named.csv", "gaps.csv",
                 "search.md", "front_baseline.png"):  # fmt: skip
        assert (out / name).is_file(), name
    rec = json.loads((out / "search.json").read_text())
    assert rec["finished"] and rec["settings"]["pop_size"] == 4
    assert rec["algorithm"].startswith("NSGA-II (pymoo")
    assert set(rec["searches"]) == {"host_baseline", "joint_baseline"}
    # 4 candidates a generation for 3 generations, in each of the two searches
    assert rec["evaluations"] == 24 == len(search.evaluations)
    assert sorted(search.named.index) == sorted(
        ["domestic_baseline", "domestic_surge", "joint_escort", "joint_command",
         "domestic_intel", "randomized_movement"])  # fmt: skip
    # host members have no foreign personnel, by construction
    host = search.front[search.front.space == "host"]
    assert (host[["foreign_per_escort", "foreign_site_guards"]] == 0).all().all()
    assert (host["fresh_foreign_security_person_days_p90"] == 0).all()
    assert list(search.gaps.budget_usd) == [8e6, 30e6]
    text = (out / "search.md").read_text()
    assert "| domestic_baseline |" in text and "host-baseline-00" in text


@pytest.mark.slow
def test_a_finished_search_is_read_back_not_run_again_and_a_changed_one_refused(search):
    parts = sorted(search.folder.glob("runs/*/part-*"))
    stamps = [p.stat().st_mtime_ns for p in parts]
    again = optimize(out=search.folder, **TINY)
    pd.testing.assert_frame_equal(again.front, search.front, check_dtype=False)
    pd.testing.assert_frame_equal(again.gaps, search.gaps, check_dtype=False)
    assert again.record == search.record
    assert [p.stat().st_mtime_ns for p in sorted(search.folder.glob("runs/*/part-*"))] == stamps
    with pytest.raises(SweepError, match="other settings .pop_size"):
        optimize(out=search.folder, **{**TINY, "pop_size": 6})


@pytest.mark.slow
def test_an_interrupted_search_resumes_to_the_identical_front(tmp_path, search, monkeypatch):
    import sim.search.evaluate as evaluate

    real = evaluate.SweepEvaluator.__call__

    def killed_at_generation_two(self, generation, x):
        if generation == 2:
            raise KeyboardInterrupt
        return real(self, generation, x)

    monkeypatch.setattr(evaluate.SweepEvaluator, "__call__", killed_at_generation_two)
    with pytest.raises(KeyboardInterrupt):
        optimize(out=tmp_path / "s", **TINY)
    first = sorted((tmp_path / "s" / "runs" / "host_baseline_gen_000").glob("part-*"))
    stamps = [p.stat().st_mtime_ns for p in first]
    assert json.loads((tmp_path / "s" / "search.json").read_text())["finished"] is False
    monkeypatch.setattr(evaluate.SweepEvaluator, "__call__", real)
    resumed = optimize(out=tmp_path / "s", **TINY)
    pd.testing.assert_frame_equal(resumed.front, search.front)
    # the finished generation was read back, not run again
    assert [p.stat().st_mtime_ns for p in first] == stamps


@pytest.mark.slow
def test_a_search_killed_by_sigkill_resumes_to_the_identical_front(tmp_path, search):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    args = [f"{k}={','.join(str(x) for x in v) if isinstance(v, tuple) else v}"
            for k, v in TINY.items() if k != "progress"] + ["progress=false"]  # fmt: skip
    out = tmp_path / "s"

    def start():
        return subprocess.Popen(
            [sys.executable, "-m", "sim.optimize", *args, f"out={out}"], cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip

    proc = start()
    second = out / "runs" / "host_baseline_gen_001"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not second.exists():
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not json.loads((out / "search.json").read_text())["finished"]
    final = start()
    assert final.wait(timeout=300) == 0, final.stderr.read()
    got = pd.read_csv(out / "front.csv", index_col="member")
    expected = pd.read_csv(search.folder / "front.csv", index_col="member")
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.slow
def test_a_member_exports_as_a_policy_file_that_runs_with_its_levers(search, tmp_path):
    from sim import run

    member = search.front.index[-1]
    path = export_member(search.folder, member, tmp_path / "m.yaml")
    r = run(overrides=[f"policy={path}"], days=5, seed=1)
    row = search.front.loc[member]
    assert r.scenario.policy.escort_size == row["escort_size"]
    assert r.scenario.policy.vetting == pytest.approx(row["vetting"])
    assert r.scenario.policy.force == ("joint" if row["space"] == "joint" else "domestic")
    # its own file is replaced; anyone else's is refused
    export_member(search.folder, member, path)
    other = tmp_path / "mine.yaml"
    other.write_text("name: mine\n")
    with pytest.raises(ScenarioError, match="not written by sim.optimize"):
        export_member(search.folder, member, other)
    assert other.read_text() == "name: mine\n"
    with pytest.raises(ScenarioError, match="no member 'nobody'"):
        export_member(search.folder, "nobody", tmp_path / "n.yaml")


def test_candidates_share_seeds_a_candidate_scores_the_same_in_any_generation(tmp_path):
    # common random numbers across candidates and generations: the same levers, evaluated in
    # two generations' sweeps (no cache), score the same; different levers score differently
    from sim.search.evaluate import EvalSettings, SweepEvaluator, scenario_points
    from sim.search.levers import lever_space

    space = lever_space("joint")
    s = EvalSettings("high", 30, 2, 0, tuple(scenario_points("high", 2, 1)), 5, 1)
    x = np.random.default_rng(0).random((3, space.size))
    f0, _ = SweepEvaluator(space, s, tmp_path, "a")(0, x)
    f1, _ = SweepEvaluator(space, s, tmp_path, "b")(1, x[::-1])
    assert np.array_equal(f0, f1[::-1])
    assert len({tuple(row) for row in f0}) == 3


def test_a_budget_is_a_constraint_on_the_robust_cost(tmp_path):
    from sim.search.evaluate import EvalSettings, SweepEvaluator, scenario_points
    from sim.search.levers import lever_space

    space = lever_space("host")
    s = EvalSettings("baseline", 10, 1, 0, tuple(scenario_points("baseline", 1, 1)), 5, 1)
    x = np.random.default_rng(0).random((4, space.size))
    free, g = SweepEvaluator(space, s, tmp_path, "free")(0, x)
    assert g is None
    ev = SweepEvaluator(space, s, tmp_path, "capped", budget=float(np.median(free[:, 1])))
    f, g = ev(0, x)
    assert np.array_equal(f, free) and ev.n_constr == 1
    assert g[:, 0].tolist() == pytest.approx((free[:, 1] - np.median(free[:, 1])).tolist())
    assert (g[:, 0] <= 0).sum() == 2


def test_a_folder_holding_something_else_is_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main([f"out={tmp_path}", "pop_size=4", "generations=1", "progress=false"]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    "arg, field",
    [("pop_size=2", "pop_size"), ("threats=extreme", "threats"), ("spaces=foreign", "spaces"),
     ("budgets=-5", "budgets"), ("export=x", "export"), ("popsize=8", "popsize")],
)  # fmt: skip
def test_bad_settings_are_refused_naming_the_field(tmp_path, capsys, arg, field):
    assert main([f"out={tmp_path / 'o'}", arg]) == 2
    assert capsys.readouterr().err.startswith(f"error: {field}")
    assert not (tmp_path / "o").exists()


def test_policy_files_compose_as_their_base_with_each_field_overridden(tmp_path):
    from scenarios.compose import compose_config

    path = tmp_path / "p.yaml"
    path.write_text("defaults: [joint_escort, _self_]\nname: mine\nescort_size: 9\n")
    assert compose_config([f"policy={path}"]) == compose_config(
        ["policy=joint_escort", "policy.name=mine", "policy.escort_size=9"]
    )
    path.write_text("defaults: [joint_escort]\nescort_sise: 9\n")
    with pytest.raises(ScenarioError, match="escort_sise: unknown field; did you mean"):
        compose_config([f"policy={path}"])
    path.write_text("escort_size: 9\n")
    with pytest.raises(ScenarioError, match="'defaults' must list one named policy"):
        compose_config([f"policy={path}"])
    with pytest.raises(ScenarioError, match="no policy file"):
        compose_config([f"policy={tmp_path / 'absent.yaml'}"])


def test_host_candidates_equal_joint_ones_without_foreign_personnel():
    # the joint space holds the host space: a joint policy with no foreign personnel runs as
    # the host policy with the same levers (so the gap at a budget cannot favour the host by
    # construction)
    from sim import run

    levers = dict(policy__escort_size=7, policy__foreign_per_escort=0, policy__site_guards=5,
                  policy__foreign_site_guards=0, days=60, seed=3)  # fmt: skip
    a = run(policy="domestic_baseline", **levers).outcomes
    b = run(policy="joint_escort", **levers).outcomes
    assert {k: v for k, v in a.items()} == {k: v for k, v in b.items()}
    assert np.isfinite(a["foreign_killed"])


@pytest.mark.slow
def test_the_report_carries_the_search_with_the_same_cells_as_its_markdown(search, tmp_path):
    from sim import sweep
    from sim.report.command import build
    from sim.search.outputs import front_table, gap_table

    folder = tmp_path / "sweep"
    sweep(policies=["domestic_baseline", "joint_escort"], threats=["low"], replications=2,
          days=5, workers=1, progress=False, out=folder)  # fmt: skip
    page = build(folder, search=search.folder).read_text()
    tables = folder / "_report" / "tables"
    assert "The lever search: robust fronts, host-only and joint" in page
    assert (folder / "_report" / "figures" / "search_front_baseline.png").is_file()
    shown = pd.read_csv(tables / "search_front_baseline.csv", dtype=str, keep_default_na=False)
    expected = front_table(search, "baseline").astype(str)
    pd.testing.assert_frame_equal(shown, expected)
    gaps = pd.read_csv(tables / "search_gap_baseline.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(gaps, gap_table(search, "baseline").astype(str))
    for cell in expected["deaths/yr, fresh"]:
        assert f">{cell}<" in page
    # a folder that holds no search is refused before anything is written
    with pytest.raises(ScenarioError, match="no search record"):
        build(folder, tmp_path / "r2", search=tmp_path)
    assert not (tmp_path / "r2").exists()
