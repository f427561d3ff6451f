"""The Python API: every input fault is an error of the project that subclasses ``ValueError``.

``compare``, ``summarize`` and the other analyses name the column, policy or table that is
wrong (never a ``KeyError`` or ``AttributeError`` from pandas); the model refuses a graph that
is not one; the sweep refuses settings of the wrong type (``events="no"`` is not true).
"""

from __future__ import annotations

import networkx as nx
import pytest

from scenarios import ScenarioError
from sim import CorridorModel, load_scenario, sweep
from sim.analysis import (
    compare,
    paired_differences,
    pareto_front,
    regret_table,
    summarize,
)
from sim.sweeps.reader import open_sweep

from .catalogue import kind


@pytest.fixture(scope="module")
def results():
    return sweep(
        policies=["domestic_baseline", "joint_escort"], replications=2, days=3, progress=False
    )


CASES = {
    kind("compare", "baseline", "policies present", "unknown baseline"): (
        lambda r: compare(r, baseline="nope"),
        "nope",
    ),
    kind("compare", "results", "results table", "no rows"): (
        lambda r: compare(r.iloc[:0]),
        "no successful run",
    ),
    kind("compare", "outcomes", "columns present", "unknown outcome"): (
        lambda r: compare(r, outcomes=["deaths"]),
        "deaths",
    ),
    kind("compare", "results", "results table", "not a table"): (
        lambda r: compare("results.parquet"),
        "must be a results table",
    ),
    kind("compare", "by", "columns present", "unknown grouping"): (
        lambda r: compare(r, by="region"),
        "region",
    ),
    kind("summarize", "outcomes", "columns present", "unknown outcome"): (
        lambda r: summarize(r, outcomes=["deaths"]),
        "deaths",
    ),
    kind("summarize", "results", "results table", "not a table"): (
        lambda r: summarize(None),
        "must be a results table",
    ),
    kind("summarize", "by", "columns present", "unknown grouping"): (
        lambda r: summarize(r, by=["region"]),
        "region",
    ),
    kind("pareto_front", "results", "results table", "no rows"): (
        lambda r: pareto_front(r.iloc[:0]),
        "no successful run",
    ),
    kind("pareto_front", "objectives", "columns present", "unknown objective"): (
        lambda r: pareto_front(r, objectives={"deaths": "lower"}),
        "deaths",
    ),
    kind("regret_table", "outcome", "outcome known", "unknown outcome"): (
        lambda r: regret_table(r, "deaths"),
        "deaths",
    ),
    kind("regret_table", "scenario", "columns present", "unknown scenario column"): (
        lambda r: regret_table(r, scenario="region"),
        "region",
    ),
    kind("paired_differences", "policy", "policies present", "unknown policy"): (
        lambda r: paired_differences(r, "nope", "domestic_baseline", "foreign_killed"),
        "nope",
    ),
    kind("CorridorModel", "graph", "graph type", "a string"): (
        lambda r: CorridorModel(load_scenario(days=2), graph="cpec"),
        "graph",
    ),
    kind("CorridorModel", "graph", "graph content", "empty graph"): (
        lambda r: CorridorModel(load_scenario(days=2), graph=nx.Graph()),
        "graph",
    ),
    kind("sweep", "events", "bool settings", "the text 'no'"): (
        lambda r: sweep(policies=["domestic_baseline"], replications=1, days=2, events="no"),
        "events",
    ),
    kind("sweep", "progress", "bool settings", "a number"): (
        lambda r: sweep(policies=["domestic_baseline"], replications=1, days=2, progress=0),
        "progress",
    ),
    kind("sweep", "posterior", "posterior bound", "a million sets"): (
        lambda r: sweep(policies=["domestic_baseline"], replications=1, posterior=1_000_000),
        "posterior",
    ),
    kind("sweep", "experiment.design.samples", "design size", "a million LHS points"): (
        lambda r: sweep(
            policies=["domestic_baseline"],
            design={"kind": "lhs", "samples": 10**6, "ranges": {"threat.lethality": [0.1, 0.9]}},
        ),
        "design points",
    ),
    kind("open_sweep", "out", "sweep folder", "not a folder"): (
        lambda r: open_sweep("/nonexistent/sweep"),
        "is not a folder",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_python_api_raises_an_error_of_the_project(case, results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call, fragment = CASES[case]
    with pytest.raises(ScenarioError) as info:
        call(results)
    assert isinstance(info.value, ValueError)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_asked_for_fewer_replications_than_its_folder_holds_returns_those(tmp_path):
    args = dict(policies=["domestic_baseline"], days=2, progress=False, out=tmp_path / "s")
    assert len(sweep(replications=3, **args)) == 3
    assert sorted(sweep(replications=2, **args).replication) == [0, 1]
    record = open_sweep(tmp_path / "s").record
    assert record["replications"] == 3  # the record says what the folder holds


def test_the_record_follows_a_resume_that_adds_replications(tmp_path):
    args = dict(policies=["domestic_baseline"], days=2, progress=False, out=tmp_path / "s")
    sweep(replications=2, **args)
    assert open_sweep(tmp_path / "s").record["replications"] == 2
    sweep(replications=4, **args)
    folder = open_sweep(tmp_path / "s")
    assert folder.record["replications"] == 4 and len(folder.rows) == 4
