"""corridor-sim: protection of foreign workers on a road network under militant threat.

Public API::

    from sim import run
    r = run(policy="joint_escort", threat="high", seed=7, days=90)
    r.outcomes["foreign_killed"], r.events, r.timeseries

or, step by step::

    from sim import load_scenario, CorridorModel
    model = CorridorModel(load_scenario(policy="joint_escort", seed=7)).run()
    model.outcomes()
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("corridor-sim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

from scenarios import Scenario, ScenarioError  # noqa: E402

#: Public names and the modules that define them, imported on first use (PEP 562), so that
#: importing one submodule (``sim.randomness``, say) does not import the whole model.
_LAZY = {
    "OUTCOMES": "sim.outcomes",
    "CorridorModel": "sim.model",
    "Experiment": "sim.designs",
    "RunResult": "sim.runner",
    "build_model": "sim.runner",
    "load_scenario": "sim.runner",
    "run": "sim.runner",
    "run_scenario": "sim.runner",
    "sweep": "sim.execution",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "OUTCOMES",
    "CorridorModel",
    "Experiment",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build_model",
    "load_scenario",
    "run",
    "run_scenario",
    "sweep",
]
