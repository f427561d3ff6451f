"""The shape of the code: layers that import only downwards, no circles, small functions.

The packages form layers, from the scenario at the bottom to the studies and the view at the
top (``docs/architecture.md``); a package imports only from its own layer or the layers below.
``agents/`` holds the model's agent classes: it imports only from ``sim.model``, and the two form
one layer (the submodels create the agents).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "scenarios")
#: Each package's layer: a package imports only from its own layer or the ones below.
LAYERS = {
    "scenarios": 0,
    "sim.files": 1,
    "sim.cli": 1,
    "sim.model": 2,
    "agents": 2,
    "sim.analysis": 3,
    "sim.sweeps": 4,
    "sim.calibration": 5,
    "sim.search": 5,
    "sim.report": 6,
    "sim.studies": 7,
    "sim.view": 7,
    "sim": 8,  # the public API, which names (lazily) what the layers define
}
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = p
    return found


def _imports(path: Path) -> set[str]:
    """Project modules a file imports, including those inside functions or for type checking."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def import_graph() -> nx.DiGraph:
    """Module -> module it imports (a package's ``__init__`` is the package's node)."""
    modules = _modules()
    g = nx.DiGraph()
    for name, path in modules.items():
        g.add_node(name)
        for target in _imports(path):
            if target in modules and target != name:
                g.add_edge(name, target)
    return g


def package_of(module: str) -> str:
    """The package a module belongs to, as the layers name them."""
    parts = module.split(".")
    if parts[0] in ("scenarios", "agents"):
        return parts[0]
    return ".".join(parts[:2]) if len(parts) > 1 else "sim"


def package_graph(g: nx.DiGraph) -> nx.DiGraph:
    p = nx.DiGraph()
    for a, b in g.edges:
        pa, pb = package_of(a), package_of(b)
        if pa != pb:
            p.add_edge(pa, pb)
    return p


def test_modules_import_without_a_circle():
    g = import_graph()
    assert g.has_edge("sim.model.coordinator", "sim.model.outcomes")  # it sees real imports
    assert list(nx.simple_cycles(g)) == []


def test_the_import_check_sees_a_circle():
    g = import_graph()
    g.add_edge("sim.model.outcomes", "sim.model.coordinator")
    assert list(nx.simple_cycles(g))


def test_every_package_is_in_a_layer_and_imports_only_downwards():
    modules = _modules()
    assert {package_of(m) for m in modules} == set(LAYERS), "a package without a layer"
    p = package_graph(import_graph())
    upward = [(a, b) for a, b in p.edges if LAYERS[b] > LAYERS[a]]
    assert upward == []
    merged = nx.relabel_nodes(p, {"agents": "sim.model"})  # one layer: agents and the model
    merged.remove_edges_from(nx.selfloop_edges(merged))
    assert list(nx.simple_cycles(merged)) == []


def test_the_layer_check_sees_an_upward_import():
    p = package_graph(import_graph())
    p.add_edge("sim.model", "sim.sweeps")
    assert [(a, b) for a, b in p.edges if LAYERS[b] > LAYERS[a]] == [("sim.model", "sim.sweeps")]


def test_scenarios_know_nothing_of_the_model_and_agents_only_of_sim_model():
    g = import_graph()
    for module in g:
        targets = {package_of(t) for t in g.successors(module)}
        if module.startswith("scenarios"):
            assert targets <= {"scenarios"}, module
        if module.startswith("agents"):
            assert targets <= {"agents", "sim.model"}, module


def test_every_submodule_imports_and_sim_run_sweep_compare_stay_functions():
    """Importing every module (and every old path) never rebinds a public function of sim."""
    import sim

    for info in pkgutil.walk_packages(sim.__path__, "sim."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for old in sim.MOVED:
        assert importlib.import_module(old) is importlib.import_module(sim.MOVED[old])
    for launcher in sim.LAUNCHERS:
        with pytest.raises(ImportError, match="is the function"):
            importlib.import_module(launcher)
    assert all(callable(getattr(sim, n)) for n in ("run", "sweep", "compare", "summarize"))
    assert inspect.isfunction(sim.run) and inspect.isfunction(sim.sweep)


#: Every import path the README, the notebooks and the documents use.
DOCUMENTED = {
    "sim": ["run", "sweep", "plots", "CorridorModel", "load_scenario", "build_model", "Experiment",
            "__version__", "compare", "summarize"],
    "sim.network": ["cpec_graph", "validate_graph"],
    "sim.analysis": ["summarize", "format_summary", "format_estimate", "sobol_indices",
                     "pareto_front", "regret_table", "replications_needed", "compare",
                     "break_even", "policy_wins", "prim_boxes"],
    "sim.validate": ["predictive_checks", "VARIANTS"],
    "sim.record": ["incidents", "targets", "HELD_OUT"],
    "sim.outcomes": ["OUTCOMES"],
    "sim.execution": ["run_sweep"],
    "sim.designs": ["load_experiment"],
    "sim.calibrate": ["load_config", "load_posterior"],
    "sim.app": ["serve"],
    "sim.studies.decompose": ["decompose"],
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(DOCUMENTED))
def test_every_documented_import_path_works(module):
    m = importlib.import_module(module)
    for name in DOCUMENTED[module]:
        assert hasattr(m, name), f"{module}.{name}"


def test_no_module_outgrows_its_limit_and_no_function_either():
    long_modules, long_functions = [], []
    for name, path in _modules().items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}")
    assert long_modules == [] and long_functions == []


def test_the_coordinator_stays_small():
    from sim.model import CorridorModel

    lines, _ = inspect.getsourcelines(CorridorModel)
    assert len(lines) <= 250


def test_the_citation_says_what_pyproject_says():
    """CITATION.cff's version and authors come from pyproject.toml (tools/citation.py)."""
    import subprocess
    import sys
    import tomllib

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, str(root / "tools" / "citation.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    cff = (root / "CITATION.cff").read_text()
    assert f"version: {project['version']}\n" in cff
    assert all(a["name"].split()[-1] in cff for a in project["authors"])


def test_notebook_checkpoints_are_ignored():
    root = Path(__file__).resolve().parents[1]
    assert ".ipynb_checkpoints/" in (root / ".gitignore").read_text().splitlines()
