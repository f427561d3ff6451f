"""corridor-sim: protection of foreign workers on a road network under militant threat.

Public API::

    from sim import run
    r = run(policy="joint_escort", threat="high", seed=7, days=90)
    r.outcomes["foreign_killed"], r.events, r.timeseries

or, step by step::

    from sim import load_scenario, CorridorModel
    model = CorridorModel(load_scenario(policy="joint_escort", seed=7)).run()
    model.outcomes()

The code is in subpackages, from one run to documents (``docs/architecture.md``):

* :mod:`sim.model`: one run (the coordinator, its submodels, randomness, outcomes, network);
* :mod:`sim.sweeps`: many runs (designs, plan, store, the sweep-folder reader, execution);
* :mod:`sim.analysis`: statistics on results (comparisons, formatting, sensitivity, plots);
* :mod:`sim.calibration`: the record, the calibration and the validation;
* :mod:`sim.report`: a sweep folder as a report; the ODD's generated tables;
* :mod:`sim.studies`: the demo and the recorded studies;
* :mod:`sim.view`: the browser view;
* :mod:`sim.cli` and :mod:`sim.files`: the commands' settings and what they may write.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys

from scenarios import Scenario, ScenarioError
from sim.files.provenance import __version__

#: Public names and the modules that define them, imported on first use (PEP 562), so that
#: importing one submodule (``sim.model.randomness``, say) does not import the whole model.
_LAZY = {
    "OUTCOMES": "sim.model.outcomes",
    "CorridorModel": "sim.model.coordinator",
    "Experiment": "sim.sweeps.designs",
    "RunResult": "sim.model.runner",
    "build_model": "sim.model.runner",
    "load_scenario": "sim.model.runner",
    "run": "sim.model.runner",
    "run_scenario": "sim.model.runner",
    "sweep": "sim.sweeps.execution",
    "compare": "sim.analysis.statistics",
    "foreign_increment": "sim.analysis.increments",
    "summarize": "sim.analysis.statistics",
    "open_sweep": "sim.sweeps.reader",
    "optimize": "sim.search.api",
}
#: Modules reached as attributes (``from sim import plots``).
_MODULES = {"plots": "sim.analysis.plots"}

#: Module paths of earlier versions, and the modules that live there now: ``import sim.designs``
#: and ``python -m sim.demo`` keep working, without a file at the old place.
MOVED = {
    "sim.submodel": "sim.model.submodel",
    "sim.movement": "sim.model.movement",
    "sim.population": "sim.model.population",
    "sim.demand": "sim.model.demand",
    "sim.targets": "sim.model.targets",
    "sim.security": "sim.model.security",
    "sim.threat": "sim.model.threat",
    "sim.engagement": "sim.model.engagement",
    "sim.randomness": "sim.model.randomness",
    "sim.outcomes": "sim.model.outcomes",
    "sim.network": "sim.model.network",
    "sim.runner": "sim.model.runner",
    "sim.designs": "sim.sweeps.designs",
    "sim.plan": "sim.sweeps.plan",
    "sim.store": "sim.sweeps.store",
    "sim.reader": "sim.sweeps.reader",
    "sim.posterior": "sim.sweeps.posterior",
    "sim.execution": "sim.sweeps.execution",
    "sim.precision": "sim.sweeps.precision",
    "sim.sweep_cli": "sim.sweeps.command",
    "sim.plots": "sim.analysis.plots",
    "sim.record": "sim.calibration.record",
    "sim.calibrate": "sim.calibration.calibrate",
    "sim.validate": "sim.calibration.validate",
    "sim.reference": "sim.calibration.reference_study",
    "sim.demo": "sim.studies.demo",
    "sim.displacement": "sim.studies.displacement",
    "sim.insider": "sim.studies.insider",
    "sim.conditions": "sim.studies.conditions",
    "sim.equivalence": "sim.studies.equivalence",
    "sim.levers": "sim.studies.levers",
    "sim.app": "sim.view.app",
    "sim.side_by_side": "sim.view.side_by_side",
    "sim.viewmodel": "sim.view.viewmodel",
}
#: ``python -m sim.run``, ``python -m sim.sweep`` and ``python -m sim.optimize``: commands
#: named after the public functions :func:`sim.run`, :func:`sim.sweep` and :func:`sim.optimize`.
#: No module takes those names (importing it would rebind the function), so these are found
#: here, for ``python -m`` only.
LAUNCHERS = {
    "sim.run": "sim.model.runner",
    "sim.sweep": "sim.sweeps.command",
    "sim.optimize": "sim.search.command",
}


def _file_of(name: str) -> str:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin, name
    return spec.origin


class _Moved(importlib.machinery.SourceFileLoader):
    """Loads an old module path as the module that lives at its new one (the same object)."""

    def create_module(self, spec):
        module = importlib.import_module(MOVED[self.name])
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec  # the import system stamped the old path's spec on it


class _Launcher(importlib.machinery.SourceFileLoader):
    """``python -m sim.run``: runpy takes the code; an import is refused, naming the module."""

    def exec_module(self, module):
        raise ImportError(
            f"{self.name} is the function {self.name}(); its command line's code is "
            f"{LAUNCHERS[self.name]} (run it as python -m {self.name})"
        )


class _Finder:
    """Finds the old paths of :data:`MOVED` and the commands of :data:`LAUNCHERS`, only those."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in MOVED:
            loader = _Moved(name, _file_of(MOVED[name]))
        elif name in LAUNCHERS:
            loader = _Launcher(name, _file_of(LAUNCHERS[name]))
        else:
            return None
        return importlib.util.spec_from_file_location(name, loader.path, loader=loader)


if not any(isinstance(f, type) and f.__name__ == "_Finder" for f in sys.meta_path):
    sys.meta_path.append(_Finder)  # after the standard finders: only names no file has


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_MODULES])


__all__ = [
    "OUTCOMES",
    "CorridorModel",
    "Experiment",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build_model",
    "compare",
    "foreign_increment",
    "load_scenario",
    "open_sweep",
    "run",
    "run_scenario",
    "summarize",
    "sweep",
]
