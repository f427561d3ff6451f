"""A sweep cannot be wrong silently: selections, identity, kills, locks, flushes and retries."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

import scenarios.compose as compose
import sim.sweeps.identity
from sim import Experiment, sweep
from sim.sweeps.backends import SweepAborted, drive, explain_broken_pool
from sim.sweeps.designs import SweepError, load_experiment
from sim.sweeps.execution import run_sweep
from sim.sweeps.identity import code_hash
from sim.sweeps.plan import Plan, RunSpec, check_labels
from sim.sweeps.store import ResultStore
from sim.sweeps.worker import run_batch, run_one

ROOT = Path(__file__).resolve().parents[2]


def rows_of(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["runtime_s"]).sort_values("run_id", ignore_index=True)


# ---- overrides mean what they say --------------------------------------------------------------
def test_a_policy_on_the_command_line_selects_that_policy(tmp_path):
    df = sweep("joint_vs_domestic", policy="joint_escort", replications=1, days=5, out=tmp_path)
    assert set(df.policy) == {"joint_escort"} and len(df) == 3
    assert (df.foreign_security_person_days > 0).all()  # really the joint policy
    both = load_experiment("joint_vs_domestic", ["policy=domestic_intel,joint_escort"])
    assert both.policies == ("joint_escort", "domestic_intel")  # the experiment's order


def test_a_threat_selects_a_level_of_the_design_or_sets_the_only_one():
    jvd = Plan(load_experiment("joint_vs_domestic", ["threat=high"]))
    assert jvd.points == [{"threat": "high"}]
    assert {t["threat"]["name"] for row in jvd.templates for t in row} == {"high"}
    lhs = load_experiment("uncertainty_lhs", ["threat=high"])
    assert lhs.threat == "high" and lhs.design == load_experiment("uncertainty_lhs").design
    plan = Plan(lhs.replace(design={**lhs.design, "samples": 2}))
    assert all(t["threat"]["name"] == "high" for row in plan.templates for t in row)
    # the design's own values still win over the threat file for the keys it varies
    assert plan.templates[0][0]["threat"]["cells"] == plan.points[0]["threat.cells"]


def test_an_override_of_a_varied_key_is_refused_and_others_apply_everywhere():
    with pytest.raises(SweepError, match="varies this parameter"):
        load_experiment("uncertainty_lhs", ["threat.leak_prob=0.0"])
    exp = load_experiment("joint_vs_domestic", ["threat.leak_prob=0.0"])
    plan = Plan(exp)
    assert all(t["threat"]["leak_prob"] == 0.0 for row in plan.templates for t in row)


def test_every_run_checks_its_labels_against_its_scenario():
    plan = Plan(Experiment(policies=("domestic_baseline", "joint_escort"), replications=1))
    scenario = plan.templates[0][0]
    check_labels("domestic_baseline", {"threat": "baseline"}, scenario)
    with pytest.raises(SweepError, match="would run policy 'domestic_baseline'"):
        check_labels("joint_escort", {}, scenario)
    with pytest.raises(SweepError, match="would run threat 'baseline'"):
        check_labels("domestic_baseline", {"threat": "high"}, scenario)
    with pytest.raises(SweepError, match="days=7"):
        check_labels("domestic_baseline", {"days": 7}, scenario)
    spec = RunSpec(0, 0, 0, "joint_escort", 1, {}, dict(scenario, days=2, seed=1))
    row, _ = run_one(spec)
    assert row["status"] == "failed" and "would run policy" in row["error"]


# ---- identity ----------------------------------------------------------------------------------
SMALL = dict(policies=["domestic_baseline"], replications=2, days=3, progress=False)


def test_resume_after_a_config_edit_is_refused_and_rows_never_mix(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    shutil.copytree(ROOT / "conf", conf)
    monkeypatch.setattr(compose, "CONF_DIR", conf)
    out = tmp_path / "out"
    first = sweep(out=out, **SMALL)
    baseline = conf / "threat" / "baseline.yaml"
    baseline.write_text(baseline.read_text().replace("cells: 6", "cells: 7"))
    with pytest.raises(SweepError, match="composed scenario of some run"):
        sweep(out=out, **{**SMALL, "replications": 3})
    pd.testing.assert_frame_equal(rows_of(pd.read_parquet(out)), rows_of(first))


def test_resume_after_a_code_edit_is_refused(tmp_path, monkeypatch):
    sweep(out=tmp_path, **SMALL)
    monkeypatch.setattr(sim.sweeps.identity, "code_hash", lambda root=None: "edited")
    with pytest.raises(SweepError, match="the code or data that make results"):
        sweep(out=tmp_path, **SMALL)


def test_code_hash_follows_every_file_that_makes_results(tmp_path):
    for d in ("sim", "agents", "scenarios", "conf"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "f.txt").write_text(d)
    first = code_hash(tmp_path)
    sim.sweeps.identity._CODE_HASH.clear()
    (tmp_path / "conf" / "f.txt").write_text("changed")
    assert code_hash(tmp_path) != first
    sim.sweeps.identity._CODE_HASH.clear()
    (tmp_path / "conf" / "f.txt").write_text("conf")
    (tmp_path / "sim" / "__pycache__").mkdir()
    (tmp_path / "sim" / "__pycache__" / "x.pyc").write_text("ignored")
    assert code_hash(tmp_path) == first
    sim.sweeps.identity._CODE_HASH.clear()


def test_a_resume_may_add_replications_but_not_change_the_seed(tmp_path):
    sweep(out=tmp_path, **SMALL)
    more = sweep(out=tmp_path, **{**SMALL, "replications": 3})
    assert sorted(more.replication) == [0, 1, 2]
    with pytest.raises(SweepError, match="the experiment"):
        sweep(out=tmp_path, seed=4, **SMALL)


# ---- flushing on time --------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _row(i):
    return {"run_id": i, "status": "ok", "foreign_killed": 0.0}


def test_a_buffered_row_is_written_once_it_has_waited_flush_seconds(tmp_path):
    clock = FakeClock()
    store = ResultStore(tmp_path, "id", flush_rows=1000, flush_seconds=1.0, clock=clock)
    store.add([_row(0)])
    clock.now = 0.99
    store.tick()
    assert not list(tmp_path.glob("part-*"))
    store.add([_row(1)])  # a later row does not restart the wait
    clock.now = 1.0
    store.tick()
    assert len(list(tmp_path.glob("part-*"))) == 1
    assert sorted(pd.read_parquet(tmp_path).run_id) == [0, 1]


class SlowBackend:
    """A backend whose first batch finishes at once and whose second takes ``wait_polls`` polls."""

    capacity = 2

    def __init__(self, clock, wait_polls=12):
        self.clock, self.polls, self.wait_polls = clock, 0, wait_polls
        self.parts_seen_before_second = None

    def submit(self, batch):
        return batch[0]

    def wait(self, pending, timeout):
        self.clock.now += timeout
        self.polls += 1
        if 0 in pending:
            return [0]
        return [1] if self.polls > self.wait_polls else []

    def result(self, fut):
        return [_row(fut)], [], []


def test_rows_reach_disk_while_other_batches_are_still_running(tmp_path):
    clock = FakeClock()
    store = ResultStore(tmp_path, "id", flush_rows=1000, flush_seconds=1.0, clock=clock)
    backend = SlowBackend(clock)
    written_at = []

    def tick():
        store.tick()
        if list(tmp_path.glob("part-*")) and not written_at:
            written_at.append(clock.now)

    drive(backend, iter([[0], [1]]), lambda rows, frames: store.add(rows, frames), tick, 0.25)
    # row 0 finished at t=0.25 and was on disk by t=1.25, long before batch 1 came back (t=3.25)
    assert written_at and written_at[0] <= 0.25 + 1.0 + 0.25 < clock.now
    store.flush()
    assert sorted(pd.read_parquet(tmp_path).run_id) == [0, 1]


def test_a_worker_batch_returns_after_its_time_budget():
    plan = Plan(Experiment(policies=("domestic_baseline",), replications=4, overrides=("days=1",)))
    specs = list(plan.runs())
    clock = FakeClock()

    def ticking():
        clock.now += 0.3
        return clock.now

    rows, _, rest = run_batch(specs, budget=0.5, clock=ticking)
    assert [r["run_id"] for r in rows] == [0, 1] and [s.run_id for s in rest] == [2, 3]
    rows, _, rest = run_batch(specs, budget=None)
    assert len(rows) == 4 and rest == []


# ---- kills, locks, retries ---------------------------------------------------------------------
KILL_EXP = Experiment(
    name="kill",
    policies=("domestic_baseline", "joint_escort", "randomized_movement"),
    design={"kind": "factorial", "factors": {"threat": ["baseline", "high"]}},
    replications=4,
    overrides=("days=40",),
)


def _sweep_child(out: str, workers: int) -> None:
    os.setsid()
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the child is killed, never closes it
    run_sweep(KILL_EXP, out, workers=workers, progress=False, flush_rows=2)
    os._exit(0)


def _parts(out) -> int:
    return len(list(out.glob("part-*.parquet"))) if out.exists() else 0


@pytest.mark.slow
def test_sigkill_at_20_random_moments_then_resume_gives_the_uninterrupted_rows(tmp_path):
    """Each child is killed with its whole process group at a random moment, whatever it is
    doing (starting, running, writing a part); a child that hangs is killed the same way.

    A quarter of the kills come at a random moment in the child's first second (start-up);
    the others once the child has written a random number of the parts still missing, so that
    they cut a sweep in progress on a fast host or a slow one alike. When a sweep is whole it
    must equal the uninterrupted one, and the next attempts start again from nothing. The
    children are spawned, fresh interpreters as a user's command is: a forked child inherits
    the parent's forkserver, which it cannot wait on (ChildProcessError as soon as an earlier
    test in the same process had run a sweep on two workers), and so failed before writing
    anything, which a CI run showed as 20 kills that left no rows."""
    expected = rows_of(run_sweep(KILL_EXP, tmp_path / "ref", progress=False).read())
    total_parts = len(expected) // 2  # flush_rows=2
    out = tmp_path / "killed"
    rng = np.random.default_rng(2024)
    ctx = mp.get_context("spawn")
    progress, killed, cut = [], 0, 0
    for attempt in range(20):
        child = ctx.Process(target=_sweep_child, args=(str(out), 1 + attempt % 2))
        child.start()
        if rng.random() < 0.25:
            time.sleep(float(rng.uniform(0.0, 1.0)))
        else:
            have = _parts(out)
            target = have + int(rng.integers(1, max(2, total_parts - have)))
            deadline = time.monotonic() + 120  # a child that hangs is killed too
            while _parts(out) < target and child.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it had finished
        child.join()
        killed += child.exitcode == -signal.SIGKILL
        rows = len(pd.read_parquet(out)) if _parts(out) else 0
        cut += 0 < rows < len(expected)
        progress.append(rows)
        if rows == len(expected):
            done = pd.read_parquet(out)
            assert done.run_id.is_unique
            pd.testing.assert_frame_equal(rows_of(done), expected)
            shutil.rmtree(out)
    assert killed >= 10, f"only {killed} of 20 children were killed before they finished"
    assert cut >= 5, progress  # kills left partial sweeps that later attempts added to
    final = run_sweep(KILL_EXP, out, progress=False).read()
    assert final.run_id.is_unique
    pd.testing.assert_frame_equal(rows_of(final), expected)


@pytest.mark.slow
def test_a_worker_killed_by_the_system_says_so_and_the_sweep_resumes(tmp_path):
    """A worker is killed while runs remain. Each run is long (5.5 years, about 0.4 s) so that
    the sweep is still running when the kill comes: with 120-day runs the whole sweep could end
    between finding a worker and killing it, which a CI run showed as NoSuchProcess."""
    exp = KILL_EXP.replace(overrides=("days=2000",), replications=3)
    errors = []

    def target():
        try:
            run_sweep(exp, tmp_path, workers=2, progress=False)
        except SweepAborted as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=target)
    thread.start()
    me = psutil.Process()
    deadline = time.monotonic() + 60
    killed = False
    while not killed and thread.is_alive() and time.monotonic() < deadline:
        # workers are the children of the forkserver, itself a child of this process
        for child in me.children():
            try:
                workers = child.children()
            except psutil.NoSuchProcess:  # a helper process that has just exited
                continue
            for worker in workers:
                try:
                    worker.send_signal(signal.SIGKILL)
                    killed = True
                    break
                except psutil.NoSuchProcess:
                    continue
            if killed:
                break
        time.sleep(0.05)
    thread.join(timeout=120)
    assert killed, "no worker was found alive while the sweep ran"
    stored = len(pd.read_parquet(tmp_path)) if _parts(tmp_path) else 0
    assert stored < 3 * 2 * 3, "the sweep ended before the kill"
    assert errors and "killed by SIGKILL" in errors[0] and "rerun the same command" in errors[0]
    assert "__main__" not in errors[0]
    done = run_sweep(exp, tmp_path, workers=2, progress=False).read()
    assert done.run_id.is_unique and len(done) == 3 * 2 * 3


def test_the_main_guard_hint_appears_only_when_it_can_be_the_cause(monkeypatch):
    assert "SIGKILL" in explain_broken_pool([-9, 0]) and "__main__" not in explain_broken_pool([-9])
    guarded = type(sys)("__main__")
    monkeypatch.setitem(sys.modules, "__main__", guarded)
    assert "exit code 1" in explain_broken_pool([1])
    script = type(sys)("__main__")
    script.__file__, script.__spec__ = "/tmp/my_script.py", None
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert "__main__" in explain_broken_pool([1])


def test_a_lock_left_by_a_dead_process_is_released(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / ".lock").write_text("999999")  # no process holds it
    df = sweep(out=tmp_path, **SMALL)
    assert len(df) == 2


def test_retry_failed_reruns_failed_rows_in_place(tmp_path, monkeypatch):
    from sim import model

    reference = rows_of(sweep(out=tmp_path / "ref", **SMALL))
    bad_seed = int(reference.seed.iloc[1])
    real_run = model.CorridorModel.run

    def flaky(self):
        if self.cfg.seed == bad_seed:
            raise MemoryError("transient")
        return real_run(self)

    monkeypatch.setattr(model.CorridorModel, "run", flaky)
    first = sweep(out=tmp_path / "out", **SMALL)
    assert list(first.status) == ["ok", "failed"]
    monkeypatch.setattr(model.CorridorModel, "run", real_run)
    again = sweep(out=tmp_path / "out", **SMALL)  # without retry_failed the failure stays
    assert list(again.status) == ["ok", "failed"]
    fixed = sweep(out=tmp_path / "out", retry_failed=True, **SMALL)
    assert fixed.run_id.is_unique and (fixed.status == "ok").all()
    pd.testing.assert_frame_equal(rows_of(fixed), reference)


# ---- memory ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_million_runs_are_enumerated_in_flat_memory():
    """The plan is lazy: a million run specs pass through in a few MB (a list would take GBs)."""
    exp = Experiment(
        policies=("domestic_baseline",),
        design={"kind": "factorial", "factors": {"days": list(range(1, 1001))}},
        replications=1000,
    )
    plan = Plan(exp)
    assert plan.total == 1_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in plan.runs())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1_000_000
    assert peak < 5_000_000, peak
