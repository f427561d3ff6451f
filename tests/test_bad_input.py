"""The bad-input catalogue: every kind of bad input is one line naming the field, exit 2, nothing
written, no traceback, across ``sim.run``, ``sim.sweep``, GraphML files and the Python API.

Most cases call the entry points in-process (``main(argv)``) so the catalogue stays fast; a few
run real subprocesses.
"""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from scenarios import Scenario, ScenarioError
from sim import CorridorModel, Experiment, load_scenario, run, sweep
from sim.model.network import cpec_graph
from sim.model.runner import main as run_main
from sim.sweeps.command import main as sweep_main
from sim.sweeps.execution import run_sweep

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["days=2"]


def tree(folder: Path) -> dict:
    """Every file and folder below ``folder`` with its size (what "nothing written" compares)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1)
        for p in sorted(folder.rglob("*"))
    }


# ---- GraphML files -----------------------------------------------------------------------------
def graphml(tmp: Path, name: str, change) -> str:
    G = cpec_graph()
    G.graph.pop("regions", None)
    change(G)
    path = tmp / f"{name}.graphml"
    nx.write_graphml(G, path)
    return str(path)


def _first_node(G):
    return next(iter(G.nodes))


def _set_node(attr, value):
    def change(G):
        G.nodes[_first_node(G)][attr] = value

    return change


def _drop_node_attr(attr):
    def change(G):
        del G.nodes[_first_node(G)][attr]

    return change


def _set_edge(attr, value):
    def change(G):
        u, v = next(iter(G.edges))
        G.edges[u, v][attr] = value

    return change


def _disconnect(G):
    G.add_node("island", name="island", x=80.0, y=30.0, region="R", kind="project_site")


def _no_anchor(G):
    for n in G.nodes:
        G.nodes[n]["kind"] = "junction"


def _single_node(G):
    G.remove_nodes_from(list(G.nodes)[1:])


GRAPHML_CASES = {
    "graphml_disconnected": (_disconnect, "disconnected"),
    "graphml_no_region": (_drop_node_attr("region"), "'region'"),
    "graphml_negative_length": (_set_edge("length_km", -5.0), "length_km"),
    "graphml_zero_speed": (_set_edge("speed_kmh", 0.0), "speed_kmh"),
    "graphml_nan_x": (_set_node("x", float("nan")), "finite number"),
    "graphml_inf_y": (_set_node("y", float("inf")), "finite number"),
    "graphml_text_x": (_set_node("x", "east"), "finite number"),
    "graphml_hardship_above_1": (_set_node("hardship", 1.5), "hardship"),
    "graphml_no_anchor": (_no_anchor, "no trips can start"),
    "graphml_single_node": (_single_node, "at least two nodes"),
}


# ---- sim.run -----------------------------------------------------------------------------------
RUN_CASES = {
    "unknown_policy": (["policy=nope"], "policy"),
    "unknown_threat": (["threat=extreme"], "threat"),
    "unknown_network": (["network=hexagon"], "network"),
    "field_typo": (["policy.escort_unitz=3"], "policy.escort_unitz"),
    "section_typo": (["polcy.escort_units=3"], "polcy.escort_units"),
    "unknown_top_field": (["escort_units=3"], "escort_units"),
    "not_an_override": (["justaword"], "justaword"),
    "negative_count": (["policy.escort_units=-3"], "policy.escort_units"),
    "fractional_count": (["policy.escort_units=2.5"], "policy.escort_units"),
    "text_count": (["policy.escort_units=many"], "policy.escort_units"),
    "huge_escorts": (["policy.escort_units=1e8"], "policy.escort_units"),
    "probability_above_1": (["threat.leak_prob=1.5"], "threat.leak_prob"),
    "negative_probability": (["threat.leak_prob=-0.1"], "threat.leak_prob"),
    "bool_probability": (["policy.armored_share=true"], "policy.armored_share"),
    "huge_decisiveness": (["threat.decisiveness=1e6"], "threat.decisiveness"),
    "zero_decisiveness": (["threat.decisiveness=0"], "threat.decisiveness"),
    "huge_passengers": (["demand.passengers_mean=1e20"], "demand.passengers_mean"),
    "huge_trip_rate": (["demand.trips_per_day=1e20"], "demand.trips_per_day"),
    "negative_trip_rate": (["demand.trips_per_day=-1"], "demand.trips_per_day"),
    "huge_cells": (["threat.cells=1e12"], "threat.cells"),
    "coverage_above_1": (["policy.escort_coverage=1.2"], "policy.escort_coverage"),
    "negative_site_guards": (["policy.site_guards=-1"], "policy.site_guards"),
    "foreign_site_guards_domestic": (
        ["policy.foreign_site_guards=2"],
        "policy.foreign_site_guards",
    ),
    "hardening_above_1": (["policy.site_hardening=2"], "policy.site_hardening"),
    "negative_rationality": (["threat.rationality=-1"], "threat.rationality"),
    "belief_rate_above_1": (["threat.belief_rate=1.5"], "threat.belief_rate"),
    "negative_site_staff": (["demand.camp_staff=-3"], "demand.camp_staff"),
    "removed_chain": (["policy.notification_chain=6"], "policy.notification_chain"),
    "vetting_above_1": (["policy.vetting=1.5"], "policy.vetting"),
    "foreign_raids_domestic": (["policy.foreign_raids=0.5"], "policy.foreign_raids"),
    "foreign_planning_domestic": (["policy.foreign_planning=0.5"], "policy.foreign_planning"),
    "negative_tip_rate": (["threat.tip_rate=-1"], "threat.tip_rate"),
    "insider_rate_above_1": (["threat.insider_rate=2"], "threat.insider_rate"),
    "huge_days": (["days=1e9"], "days"),
    "zero_days": (["days=0"], "days"),
    "negative_days": (["days=-5"], "days"),
    "negative_seed": (["seed=-1"], "seed"),
    "fractional_seed": (["seed=1.5"], "seed"),
    "huge_seed": (["seed=1e30"], "seed"),
    "step_not_dividing_day": (["step_hours=5"], "step_hours"),
    "cell_above_split_size": (
        ["threat.cell_strength=20", "threat.max_cell_strength=14"],
        "threat.cell_strength",
    ),
    "halt_before_start": (["demand.move_end_h=5"], "demand.move_end_h"),
    "unknown_force": (["policy.force=mixed"], "policy.force"),
    "foreign_in_domestic": (["policy.foreign_per_escort=2"], "policy.foreign_per_escort"),
    "unknown_network_kind": (["network.kind=hexagon"], "network.kind"),
    "graphml_without_path": (["network=graphml"], "network.path"),
    "graphml_missing_file": (
        ["network=graphml", "network.path=/nonexistent/road.graphml"],
        "network.path",
    ),
    "grid_one_row": (["network=grid", "network.rows=1"], "network.rows"),
    "grid_too_many_sites": (["network=grid", "network.sites=100"], "network.sites"),
    "radius_too_wide": (["network=random_geometric", "network.radius=2"], "network.radius"),
    "zero_speed": (["network=line", "network.speed_kmh=0"], "network.speed_kmh"),
    "speed_factor_above_1": (["demand.speed_factor=1.5"], "demand.speed_factor"),
    "departure_at_24": (["demand.departure_hour=24"], "demand.departure_hour"),
    "zero_route_choices": (["policy.route_choices=0"], "policy.route_choices"),
    "detour_below_1": (["policy.detour_limit=0.5"], "policy.detour_limit"),
    "hardship_above_1": (["population.hardship=2"], "population.hardship"),
    "infinite_capability": (["threat.capability=inf"], "threat.capability"),
    "nan_ambush_rate": (["threat.ambush_rate=nan"], "threat.ambush_rate"),
    "list_for_label": (["policy.name=[1,2]"], "policy.name"),
    "huge_team": (["threat.team_size=1e7"], "threat.team_size"),
    "huge_recruitment": (["threat.recruitment_rate=1e9"], "threat.recruitment_rate"),
    "hydra_syntax_error": (["demand.trips_per_day=[1,"], "overrides"),
}


def assert_one_line_error(err: str, field: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and field in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_run_bad_input(case, tmp_path, monkeypatch, capsys):
    args, field = RUN_CASES[case]
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    assert run_main([*QUICK, *args]) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, field)
    assert out == ""
    assert tree(tmp_path) == before


@pytest.mark.parametrize("case", sorted(GRAPHML_CASES))
def test_run_bad_graphml(case, tmp_path, monkeypatch, capsys):
    change, fragment = GRAPHML_CASES[case]
    path = graphml(tmp_path, case, change)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    assert run_main([*QUICK, "network=graphml", f"network.path={path}"]) == 2
    _, err = capsys.readouterr()
    assert_one_line_error(err, "network.path")
    assert fragment in err
    assert tree(tmp_path) == before


def test_run_malformed_graphml(tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.graphml"
    path.write_text("<graphml><node id='a'>")
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    assert run_main([*QUICK, "network=graphml", f"network.path={path}"]) == 2
    assert_one_line_error(capsys.readouterr().err, "network.path")
    assert tree(tmp_path) == before


def _run_dir_file(tmp):
    (tmp / "taken").write_text("x")
    return tmp / "taken"


def _run_dir_under_file(tmp):
    (tmp / "plain").write_text("x")
    return tmp / "plain" / "run"


def _run_dir_used(tmp):
    (tmp / "used").mkdir()
    (tmp / "used" / "outcomes.json").write_text("{}")
    return tmp / "used"


@pytest.mark.parametrize("make", [_run_dir_file, _run_dir_under_file, _run_dir_used])
def test_run_bad_output_folder(make, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = make(tmp_path)
    before = tree(tmp_path)
    assert run_main([*QUICK, f"hydra.run.dir={target}"]) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, "hydra.run.dir")
    assert out == ""  # refused before simulating: no outcomes printed
    assert tree(tmp_path) == before


def test_run_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    monkeypatch.chdir(tmp_path)
    assert run_main([*QUICK, f"hydra.run.dir={tmp_path / 'run'}"]) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, "hydra.run.dir")
    assert "No space left" in err and out == ""
    assert tree(tmp_path) == {}


def test_killed_run_leaves_its_temporary_folder_to_the_next_run(tmp_path, monkeypatch, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **TEXT)
    stale = tmp_path / f".old.tmp-{dead.stdout.strip()}-abcd"
    stale.mkdir()
    (stale / "outcomes.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert run_main([*QUICK, f"hydra.run.dir={tmp_path / 'run'}"]) == 0
    assert not stale.exists() and (tmp_path / "run" / "outcomes.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# ---- sim.sweep ---------------------------------------------------------------------------------
JVD = ["experiment=joint_vs_domestic", "replications=1", "progress=false"]
SWEEP_CASES = {
    "no_experiment": (["replications=1"], "experiment"),
    "unknown_experiment": (["experiment=nope"], "experiment"),
    "zero_workers": ([*JVD, "workers=0"], "workers"),
    "text_workers": ([*JVD, "workers=two"], "workers"),
    "unknown_backend": ([*JVD, "backend=mpi"], "backend"),
    "zero_replications": (["experiment=joint_vs_domestic", "replications=0"], "replications"),
    "text_replications": (["experiment=joint_vs_domestic", "replications=many"], "replications"),
    "negative_replications": (["experiment=joint_vs_domestic", "replications=-2"], "replications"),
    "negative_seed": ([*JVD, "seed=-1"], "seed"),
    "text_events": ([*JVD, "events=maybe"], "events"),
    "text_retry": ([*JVD, "retry_failed=perhaps"], "retry_failed"),
    "zero_flush_rows": ([*JVD, "flush_rows=0"], "flush_rows"),
    "negative_scheduler_timeout": ([*JVD, "scheduler_timeout=-1"], "scheduler_timeout"),
    "setting_given_twice": ([*JVD, "workers=1", "workers=2"], "workers"),
    "select_unknown_policy": ([*JVD, "policy=nope"], "policy"),
    "select_policy_not_in_experiment": (
        ["experiment=sobol_threat", "policy=domestic_surge"],
        "policy",
    ),
    "select_unknown_threat": ([*JVD, "threat=extreme"], "threat"),
    "select_threat_level_not_in_design": (
        ["experiment=sobol_threat", "threat=low,high"],
        "threat",
    ),
    "override_of_varied_key": (["experiment=uncertainty_lhs", "threat.leak_prob=0.0"], "leak_prob"),
    "override_of_label": ([*JVD, "policy.name=mine"], "policy.name"),
    "override_typo": ([*JVD, "threat.leek_prob=0"], "threat.leek_prob"),
    "override_out_of_range": ([*JVD, "threat.leak_prob=2"], "threat.leak_prob"),
    "override_huge_days": ([*JVD, "days=1e9"], "days"),
    "override_huge_escorts": ([*JVD, "policy.escort_units=1e8"], "policy.escort_units"),
    "malformed_scheduler": ([*JVD, "backend=dask", "scheduler=nothere"], "scheduler"),
    "unreachable_scheduler": (
        [*JVD, "backend=dask", "scheduler=tcp://127.0.0.1:9", "scheduler_timeout=1"],
        "scheduler",
    ),
}


@pytest.mark.parametrize("case", sorted(SWEEP_CASES))
def test_sweep_bad_input(case, tmp_path, capsys):
    args, field = SWEEP_CASES[case]
    before = tree(tmp_path)
    assert sweep_main(["days=2", *args, f"out={tmp_path / 'out'}"]) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, field)
    assert out == ""
    assert tree(tmp_path) == before


def _sweep_once(out: Path, *extra) -> None:
    assert sweep_main([*JVD, "days=2", "policy=domestic_baseline", f"out={out}", *extra]) == 0


def _out_is_file(tmp):
    (tmp / "out").write_text("x")


def _out_under_file(tmp):
    (tmp / "f").write_text("x")
    return tmp / "f" / "out"


def _parts_without_identity(tmp):
    _sweep_once(tmp / "out")
    (tmp / "out" / "_experiment.yaml").unlink()


def _other_sweep(tmp):
    _sweep_once(tmp / "out", "threat.cells=3")


def _corrupt_part(tmp):
    _sweep_once(tmp / "out")
    part = next((tmp / "out").glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[:100])


def _rehash(folder: Path) -> None:
    """Recompute the checksums, as a hand who edits the folder might, to reach the next check."""
    from sim.sweeps.parts import CHECKSUMS, sha256_of

    names = sorted(p.name for p in folder.glob("part-*.parquet"))
    names += sorted(f"_events/{p.name}" for p in (folder / "_events").glob("part-*.parquet"))
    (folder / CHECKSUMS).write_text("".join(f"{sha256_of(folder / n)}  {n}\n" for n in names))


def _corrupt_part_rehashed(tmp):
    _corrupt_part(tmp)
    _rehash(tmp / "out")


def _foreign_part_rehashed(tmp):
    _foreign_part(tmp)
    _rehash(tmp / "out")


def _foreign_part(tmp):
    _sweep_once(tmp / "other", "seed=5")
    _sweep_once(tmp / "out")
    part = next((tmp / "other").glob("part-*.parquet"))
    (tmp / "out" / "part-000099.parquet").write_bytes(part.read_bytes())


def _unreadable_record(tmp):
    _sweep_once(tmp / "out")
    (tmp / "out" / "_experiment.yaml").write_text(": : :\n- [")


FOLDER_CASES = {
    "out_is_a_file": (_out_is_file, "is a file"),
    "out_under_a_file": (_out_under_file, "which is a file"),
    "parts_without_identity": (_parts_without_identity, "no _experiment.yaml"),
    "folder_of_another_sweep": (_other_sweep, "different sweep"),
    "corrupt_part": (_corrupt_part, "does not match its checksum"),
    "corrupt_part_rehashed": (_corrupt_part_rehashed, "corrupt or truncated"),
    "foreign_part": (_foreign_part, "has no checksum"),
    "foreign_part_rehashed": (_foreign_part_rehashed, "not written by this sweep"),
    "unreadable_record": (_unreadable_record, "not a readable sweep record"),
}


@pytest.mark.parametrize("case", sorted(FOLDER_CASES))
def test_sweep_bad_folder(case, tmp_path, capsys):
    make, fragment = FOLDER_CASES[case]
    out = make(tmp_path) or tmp_path / "out"
    capsys.readouterr()
    before = tree(tmp_path)
    assert sweep_main([*JVD, "days=2", "policy=domestic_baseline", f"out={out}"]) == 2
    _, err = capsys.readouterr()
    assert_one_line_error(err, "out")
    assert fragment in err
    assert tree(tmp_path) == before


def test_sweep_folder_in_use_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    _sweep_once(out)
    capsys.readouterr()
    before = tree(tmp_path)
    with open(out / ".lock", "r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert sweep_main([*JVD, "days=2", "policy=domestic_baseline", f"out={out}"]) == 2
    _, err = capsys.readouterr()
    assert_one_line_error(err, "out")
    assert "in use by another sweep" in err
    assert tree(tmp_path) == before
    # released: the same command resumes (nothing to do) and succeeds
    _sweep_once(out)


# ---- Python API --------------------------------------------------------------------------------
def _exp(**kw):
    return Experiment(policies=("domestic_baseline",), replications=1, **kw)


API_CASES = {
    "run_scenario_as_string": (lambda out: run(scenario="joint_escort"), "scenario"),
    "run_policy_not_a_name": (lambda out: run(policy=3), "policy"),
    "run_overrides_as_string": (lambda out: run(overrides="days=3"), "overrides"),
    "load_scenario_bad_field": (lambda out: load_scenario(policy__escort_size=-1), "escort_size"),
    "scenario_from_list": (lambda out: Scenario.from_dict([1]), "scenario"),
    "scenario_section_not_mapping": (
        lambda out: Scenario.from_dict({"policy": 3}),
        "policy",
    ),
    "scenario_replace_unknown": (lambda out: Scenario().replace(policy__nope=1), "policy.nope"),
    "model_from_string": (lambda out: CorridorModel("joint_escort"), "cfg"),
    "sweep_policies_as_string": (
        lambda out: sweep(policies="joint_escort", out=out),
        "policies",
    ),
    "sweep_threats_as_string": (lambda out: sweep(threats="high", out=out), "threats"),
    "sweep_design_as_list": (lambda out: sweep(design=["x"], out=out), "experiment.design"),
    "sweep_replications_as_string": (
        lambda out: sweep(replications="5", out=out),
        "replications",
    ),
    "sweep_zero_workers": (lambda out: sweep(workers=0, out=out, days=2), "workers"),
    "sweep_experiment_as_number": (lambda out: sweep(42, out=out), "experiment"),
    "sweep_duplicate_policy": (
        lambda out: sweep(policies=["domestic_baseline", "domestic_baseline"], out=out),
        "policies",
    ),
    "sweep_huge_days": (lambda out: sweep(days=1e9, out=out), "days"),
    "sweep_select_unknown_threat": (
        lambda out: sweep("joint_vs_domestic", threat="nope", out=out),
        "threat",
    ),
    "sweep_varied_key_kwarg": (
        lambda out: sweep("uncertainty_lhs", threat__leak_prob=0.0, out=out),
        "threat.leak_prob",
    ),
    "experiment_negative_seed": (lambda out: run_sweep(_exp(seed=-1), out), "seed"),
    "experiment_group_override": (
        lambda out: run_sweep(_exp(overrides=("policy=joint_escort",)), out),
        "policy",
    ),
    "morris_one_level": (
        lambda out: run_sweep(
            _exp(
                design={
                    "kind": "morris",
                    "samples": 2,
                    "levels": 1,
                    "ranges": {"threat.lethality": [0.1, 0.9]},
                }
            ),
            out,
        ),
        "experiment.design.levels",
    ),
    "design_unknown_kind": (lambda out: run_sweep(_exp(design={"kind": "grid"}), out), "kind"),
    "design_unknown_key": (
        lambda out: run_sweep(
            _exp(design={"kind": "factorial", "factors": {"threat.nope": [1]}}), out
        ),
        "threat.nope",
    ),
    "design_range_on_text_field": (
        lambda out: run_sweep(
            _exp(design={"kind": "lhs", "samples": 2, "ranges": {"policy.force": [0, 1]}}), out
        ),
        "policy.force",
    ),
    "design_zero_samples": (
        lambda out: run_sweep(
            _exp(design={"kind": "lhs", "samples": 0, "ranges": {"threat.lethality": [0, 1]}}),
            out,
        ),
        "samples",
    ),
    "design_range_beyond_schema": (
        lambda out: run_sweep(
            _exp(design={"kind": "lhs", "samples": 2, "ranges": {"threat.lethality": [0.5, 1.5]}}),
            out,
        ),
        "threat.lethality",
    ),
    "design_field_misspelt": (
        lambda out: run_sweep(_exp(design={"kind": "factorial", "factorz": {}}), out),
        "factorz",
    ),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_python_api_bad_input(case, tmp_path):
    call, field = API_CASES[case]
    before = tree(tmp_path)
    with pytest.raises(ScenarioError) as info:
        call(tmp_path / "out")
    message = str(info.value)
    assert field in message and "\n" not in message
    assert tree(tmp_path) == before


#: The kinds of this file (the catalogue before the ownership issue), counted as before.
def legacy_kinds() -> int:
    return (
        len(RUN_CASES)
        + len(GRAPHML_CASES)
        + 1  # malformed GraphML
        + 3  # run folders
        + 1  # full disk
        + len(SWEEP_CASES)
        + len(FOLDER_CASES)
        + 1  # folder in use
        + len(API_CASES)
        + len(SUBPROCESS_CASES)
    )


#: The kinds this file held before the catalogue grew by entry point (tests/bad_input/).
LEGACY = 142


def test_the_catalogue_counts_its_kinds_by_entry_point():
    """At least 150 kinds beyond the 142 of the earlier catalogue, at most 3 per validator.

    A kind is a distinct check: one (entry point, field, check). A fourth fault of the same
    validator on the same field (one more negative number) is not a new kind.
    """
    import importlib
    from collections import Counter

    for module in ("api", "commands", "files", "folders", "processes"):
        importlib.import_module(f"bad_input.test_bad_{module}")
    from bad_input.catalogue import KINDS

    per_validator = Counter((k.entry, k.field, k.check) for k in KINDS.values())
    assert max(per_validator.values()) <= 3, per_validator.most_common(3)
    assert legacy_kinds() >= LEGACY + len(FOLDER_CASES) - 7  # the earlier kinds are all here
    assert len(KINDS) >= 150, len(KINDS)
    by_entry = Counter(k.entry for k in KINDS.values())
    assert set(by_entry) >= {
        "sim.run", "sim.sweep", "sim.report", "sim.demo", "sim.calibrate", "sim.validate",
        "sim.displacement", "sim.insider", "sim.equivalence", "compare", "sweep", "open_sweep",
    }  # fmt: skip


# ---- real processes ----------------------------------------------------------------------------
TEXT = dict(capture_output=True, text=True, cwd=ROOT, timeout=120)
SUBPROCESS_CASES = {
    "run_unknown_policy": (["-m", "sim.run", "policy=nope"], "policy"),
    "run_huge_days": (["-m", "sim.run", "days=1e9"], "days"),
    "sweep_unknown_experiment": (["-m", "sim.sweep", "experiment=nope"], "experiment"),
    "sweep_varied_key": (
        ["-m", "sim.sweep", "experiment=uncertainty_lhs", "threat.leak_prob=0.0"],
        "threat.leak_prob",
    ),
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_bad_input_in_a_real_process(case, tmp_path):
    args, field = SUBPROCESS_CASES[case]
    target = "hydra.run.dir" if "sim.run" in args else "out"
    proc = subprocess.run([sys.executable, *args, f"{target}={tmp_path / 'x'}"], **TEXT)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, field)
    assert proc.stdout == "" and not (tmp_path / "x").exists()


def test_read_only_folder_is_refused_before_running(tmp_path, monkeypatch, capsys):
    """A folder the process cannot write into (simulated: root may write anywhere)."""
    real = os.access

    def deny(path, mode, *args, **kwargs):
        if str(path).startswith(str(tmp_path)) and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", deny)
    assert sweep_main([*JVD, "days=2", f"out={tmp_path / 'out'}"]) == 2
    assert_one_line_error(capsys.readouterr().err, "out")
    assert run_main([*QUICK, f"hydra.run.dir={tmp_path / 'run'}"]) == 2
    assert_one_line_error(capsys.readouterr().err, "hydra.run.dir")
    assert tree(tmp_path) == {}
