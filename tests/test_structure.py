"""The shape of the code: submodules import without a circle, the coordinator stays small."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import networkx as nx

from sim import CorridorModel, load_scenario
from sim.model import DAY_PLAN, SUBMODELS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "scenarios")


def _imports(path: Path) -> set[str]:
    """Project modules a file imports, including those imported for type checking only."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()

    def visit(node):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): p
        for pkg in PACKAGES
        for p in (ROOT / pkg).glob("*.py")
    }
    modules = {name.removesuffix(".__init__"): path for name, path in modules.items()}
    for name, path in modules.items():
        g.add_node(name)
        targets = _imports(path)
        # importing a submodule of another package runs that package's __init__ first
        package = name.split(".")[0]
        targets |= {t.split(".")[0] for t in targets if t.split(".")[0] != package}
        for target in targets:
            if target in modules and target != name:
                g.add_edge(name, target)
    return g


def test_project_modules_import_without_a_circle():
    g = import_graph()
    assert g.has_edge("sim.model", "sim.outcomes")  # the graph sees real imports
    cycles = list(nx.simple_cycles(g))
    assert cycles == []


def test_the_import_check_sees_a_circle(tmp_path):
    g = import_graph()
    g.add_edge("sim.outcomes", "sim.model")
    assert list(nx.simple_cycles(g))


def test_the_coordinator_stays_small():
    lines, _ = inspect.getsourcelines(CorridorModel)
    assert len(lines) <= 250


def test_the_day_plan_names_real_hooks_and_reports_their_time():
    names = {cls.name for cls in SUBMODELS}
    for hook, name in DAY_PLAN:
        assert name in names and hook in ("start_day", "end_day", "record")
    model = CorridorModel(load_scenario(days=3, seed=1)).run()
    table = model.plan_table()
    assert list(table["submodel"])[: len(DAY_PLAN)] == [n for _, n in DAY_PLAN]
    assert (table["seconds"] > 0).all()
