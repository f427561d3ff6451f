"""Hostile and malformed files: experiment files, GraphML networks, posterior files, records.

Nothing foreign is ever read: an alias bomb is refused within a second, a tag that would build
a Python object is refused, a GraphML file with a document type or entities is refused before
a parser resolves anything, and every malformed file is one line naming it.
"""

from __future__ import annotations

import shutil
import time

import networkx as nx
import pytest

import scenarios.compose as compose
from sim.calibration.validate import main as validate_main
from sim.model.network import cpec_graph
from sim.sweeps.command import main as sweep_main

from .catalogue import kind, refused

QUICK = ["policy=domestic_baseline", "replications=1", "days=2", "workers=1", "progress=false"]

BOMB = "\n".join(
    [f"a0: &a0 [{', '.join(['x'] * 9)}]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
)
EXPERIMENT_FILES = {
    kind("sim.sweep", "experiment file", "yaml budget", "alias bomb"): (
        "# @package _global_\n" + BOMB + "\n",
        "expands to more than",
    ),
    kind("sim.sweep", "experiment file", "yaml tags", "python object"): (
        "# @package _global_\nexperiment: !!python/object/apply:os.system ['true']\n",
        "is not allowed",
    ),
    kind("sim.sweep", "experiment file", "yaml tags", "custom tag"): (
        "# @package _global_\nexperiment: !mine {name: x}\n",
        "is not allowed",
    ),
    kind("sim.sweep", "experiment file", "yaml syntax", "unclosed"): (
        "# @package _global_\nexperiment: {name: [x\n",
        "not valid YAML",
    ),
    kind("sim.sweep", "experiment file", "yaml size", "over 4 MB"): (
        "# @package _global_\n# " + "x" * (5 * 1024 * 1024) + "\n",
        "larger than",
    ),
    kind("sim.sweep", "experiment", "experiment mapping", "null"): (
        "# @package _global_\nexperiment: null\n",
        "must hold an 'experiment:' mapping",
    ),
    kind("sim.sweep", "experiment", "experiment mapping", "a list"): (
        "# @package _global_\nexperiment: [1, 2]\n",
        "must hold an 'experiment:' mapping",
    ),
    kind("sim.sweep", "experiment.name", "experiment name", "../escaped"): (
        "# @package _global_\nexperiment: {name: ../escaped, policies: [domestic_baseline]}\n",
        "experiment.name",
    ),
    kind("sim.sweep", "experiment.name", "experiment name", "absolute"): (
        "# @package _global_\nexperiment: {name: /tmp/x, policies: [domestic_baseline]}\n",
        "experiment.name",
    ),
    kind("sim.sweep", "experiment.seed", "experiment types", "text"): (
        "# @package _global_\nexperiment: {seed: abc, policies: [domestic_baseline]}\n",
        "seed",
    ),
    kind("sim.sweep", "experiment.threat", "experiment types", "a number"): (
        "# @package _global_\nexperiment: {threat: 5, policies: [domestic_baseline]}\n",
        "threat",
    ),
    kind("sim.sweep", "experiment.policies", "experiment types", "a string"): (
        "# @package _global_\nexperiment: {policies: domestic_baseline}\n",
        "policies",
    ),
    kind("sim.sweep", "experiment.overrides", "experiment types", "a number"): (
        "# @package _global_\nexperiment: {policies: [domestic_baseline], overrides: 5}\n",
        "experiment.overrides",
    ),
    kind("sim.sweep", "experiment.replicatons", "experiment fields", "misspelt"): (
        "# @package _global_\nexperiment: {policies: [domestic_baseline], replicatons: 3}\n",
        "experiment.replicatons",
    ),
    kind("sim.sweep", "days", "experiment types", "a list at top level"): (
        "# @package _global_\ndays: [1, 2]\nexperiment: {policies: [domestic_baseline]}\n",
        "days",
    ),
    kind("sim.sweep", "experiment.design.samples", "design size", "a million LHS points"): (
        "# @package _global_\nexperiment:\n  policies: [domestic_baseline]\n  design:\n"
        "    kind: lhs\n    samples: 1000000\n    ranges: {threat.lethality: [0.1, 0.9]}\n",
        "design points",
    ),
    kind("sim.sweep", "experiment.design.factors", "design size", "10^6 factorial points"): (
        "# @package _global_\nexperiment:\n  policies: [domestic_baseline]\n  design:\n"
        "    kind: factorial\n    factors:\n"
        + "".join(
            f"      threat.{f}: [{', '.join(str(0.01 * i) for i in range(1, 11))}]\n"
            for f in (
                "lethality",
                "leak_prob",
                "belief_rate",
                "rationality",
                "learn_rate",
                "leak_exploit",
            )
        ),
        "design points",
    ),
    kind("sim.sweep", "posterior", "experiment types", "a million sets"): (
        "# @package _global_\nexperiment: {policies: [domestic_baseline], posterior: 1000000}\n",
        "posterior",
    ),
}


@pytest.fixture
def conf_copy(tmp_path_factory, monkeypatch):
    """A copy of ``conf/`` that the test may add files to (the project's stays as it is)."""
    folder = tmp_path_factory.mktemp("conf") / "conf"
    shutil.copytree(compose.CONF_DIR, folder)
    monkeypatch.setattr(compose, "CONF_DIR", folder)
    return folder


#: What the refusal names, where it is not the kind's field itself.
NAMED = {"experiment file": "experiment", "experiment.seed": "seed", "experiment.threat": "threat",
         "experiment.policies": "policies", "posterior": "posterior"}  # fmt: skip


@pytest.mark.parametrize("case", sorted(EXPERIMENT_FILES))
def test_a_hostile_or_malformed_experiment_file_is_refused(case, conf_copy, sandbox, capsys):
    text, fragment = EXPERIMENT_FILES[case]
    (conf_copy / "experiment" / "hostile.yaml").write_text(text)
    field = case.split(":")[1]
    argv = ["experiment=hostile", "policy=domestic_baseline", "replications=1", "workers=1"]
    started = time.perf_counter()
    refused(
        sweep_main,
        [*argv, "progress=false", f"out={sandbox.root / 'out'}"],
        NAMED.get(field, field),
        capsys,
        sandbox,
        fragment,
    )
    assert time.perf_counter() - started < 20  # refused, never left to hang


def test_a_hostile_experiment_file_does_not_stop_the_other_commands(conf_copy, sandbox):
    """Only the files a command loads are read: sim.run runs beside a broken experiment."""
    from sim.model.runner import main

    (conf_copy / "experiment" / "hostile.yaml").write_text(
        EXPERIMENT_FILES[next(iter(EXPERIMENT_FILES))][0]
    )
    assert main(["days=2", f"hydra.run.dir={sandbox.root / 'r'}"]) == 0


# ---- GraphML -----------------------------------------------------------------------------------
def _write(tmp, name, text):
    path = tmp / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


XXE = """<?xml version="1.0"?>
<!DOCTYPE graphml [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">
<node id="a"/></graph></graphml>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE graphml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">
<node id="&c;"/></graph></graphml>
"""
DOCTYPE_ONLY = """<?xml version="1.0"?>
<!DOCTYPE graphml SYSTEM "http://example.invalid/graphml.dtd">
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">
<node id="a"/></graph></graphml>
"""


def _text_length(tmp):
    G = cpec_graph()
    G.graph.pop("regions", None)
    for _, _, d in G.edges(data=True):
        d["length"] = "far"
        d.pop("length_km")
    path = tmp / "osm_text.graphml"
    nx.write_graphml(G, path)
    return path


GRAPHML = {
    kind("sim.run", "network.path", "graphml dtd", "external entity"): (
        lambda t: _write(t, "xxe.graphml", XXE),
        "document type",
    ),
    kind("sim.run", "network.path", "graphml dtd", "entity expansion"): (
        lambda t: _write(t, "laughs.graphml", LAUGHS),
        "document type",
    ),
    kind("sim.run", "network.path", "graphml dtd", "external DTD"): (
        lambda t: _write(t, "dtd.graphml", DOCTYPE_ONLY),
        "document type",
    ),
    kind("sim.run", "network.path", "graphml parse", "binary garbage"): (
        lambda t: _write(t, "garbage.graphml", bytes(range(256)) * 4),
        "cannot read GraphML",
    ),
    kind("sim.run", "network.path", "graphml parse", "empty file"): (
        lambda t: _write(t, "empty.graphml", ""),
        "cannot read GraphML",
    ),
    kind("sim.run", "network.path", "graphml numbers", "length as words"): (
        _text_length,
        "must be a number",
    ),
}


@pytest.mark.parametrize("case", sorted(GRAPHML))
def test_a_hostile_or_malformed_graphml_file_is_refused(case, sandbox, capsys):
    from sim.model.runner import main

    make, fragment = GRAPHML[case]
    path = make(sandbox.root)
    argv = [
        "days=2",
        "network=graphml",
        f"network.path={path}",
        f"hydra.run.dir={sandbox.root / 'r'}",
    ]
    refused(main, argv, "network.path", capsys, sandbox, fragment)


def test_numbers_stored_as_text_as_osmnx_writes_them_are_read(tmp_path):
    """OSMnx's save_graphml writes every attribute as text: numeric text is a number."""
    from sim import CorridorModel, load_scenario
    from sim.model.network import load_graphml

    G = cpec_graph()
    G.graph.pop("regions", None)
    for _, _, d in G.edges(data=True):
        d["length"] = str(d.pop("length_km") * 1000)
        d["speed_kph"] = str(d.pop("speed_kmh"))
    for _, d in G.nodes(data=True):
        d["x"], d["y"] = str(d["x"]), str(d["y"])
    nx.write_graphml(G, tmp_path / "osm.graphml")
    H = load_graphml(tmp_path / "osm.graphml")
    km = {tuple(sorted((u, v))): d["length_km"] for u, v, d in H.edges(data=True)}
    want = {tuple(sorted((u, v))): d["length_km"] for u, v, d in cpec_graph().edges(data=True)}
    assert km == pytest.approx(want)
    model = CorridorModel(load_scenario(days=3, seed=1), graph=H).run()
    assert model.outcomes()["trips_completed"] > 0


# ---- posterior files ---------------------------------------------------------------------------
POSTERIORS = {
    "empty": ("", "no table of particles"),
    "comments only": ("# command: x\n# date: y\n", "no table of particles"),
    "text for numbers": ("threat.lethality,weight\nhigh,0.5\n0.4,0.5\n", "text where numbers"),
    "zero weights": ("threat.lethality,weight\n0.4,0\n0.5,0\n", "sum to a positive"),
    "overflowing weights": ("threat.lethality,weight\n0.4,1e400\n0.5,1\n", "non-finite"),
    "binary garbage": (bytes(range(128, 256)) * 8, "not a readable text file"),
}
POSTERIOR_CASES = {}
for entry, field in (("sim.sweep", "posterior"), ("sim.validate", "posterior")):
    for fault, (content, fragment) in POSTERIORS.items():
        check = "posterior file" if fault != "binary garbage" else "posterior text"
        POSTERIOR_CASES[kind(entry, field, check + " " + fault, fault)] = (entry, content, fragment)


@pytest.mark.parametrize("case", sorted(POSTERIOR_CASES))
def test_a_malformed_posterior_file_is_refused(case, sandbox, capsys):
    entry, content, fragment = POSTERIOR_CASES[case]
    path = sandbox.root / "posterior.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    if entry == "sim.sweep":
        argv = ["experiment=joint_vs_domestic", "threat=low", *QUICK, "posterior=2"]
        argv += [f"posterior_file={path}", f"out={sandbox.root / 'out'}"]
        main = sweep_main
    else:
        argv = ["draws=10", f"posterior={path}", f"out={sandbox.root / 'v.md'}"]
        main = validate_main
    refused(main, argv, "posterior", capsys, sandbox, fragment)


# ---- a sweep's record --------------------------------------------------------------------------
RECORDS = {
    kind("sim.report", "out", "record yaml", "alias bomb"): BOMB + "\n",
    kind("sim.report", "out", "record yaml", "python tag"): "identity: !!python/name:os.system\n",
    kind("sim.report", "out", "record yaml", "not a mapping"): "- 1\n- 2\n",
}


@pytest.mark.parametrize("case", sorted(RECORDS))
def test_a_hostile_sweep_record_is_refused_by_the_report(case, sandbox, capsys):
    from sim.report import main

    out = sandbox.root / "sweep"
    argv = ["experiment=joint_vs_domestic", "threat=low", "policy=domestic_baseline,joint_escort"]
    assert sweep_main([*argv, "replications=1", "days=2", "progress=false", f"out={out}"]) == 0
    (out / "_experiment.yaml").write_text(RECORDS[case])
    started = time.perf_counter()
    refused(main, [f"out={out}"], "out", capsys, sandbox)
    assert time.perf_counter() - started < 20
