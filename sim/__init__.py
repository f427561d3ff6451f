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
from sim.designs import Experiment  # noqa: E402
from sim.execution import sweep  # noqa: E402
from sim.model import CorridorModel  # noqa: E402
from sim.outcomes import OUTCOMES  # noqa: E402
from sim.runner import RunResult, load_scenario, run, run_scenario  # noqa: E402

__all__ = [
    "OUTCOMES",
    "CorridorModel",
    "Experiment",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "run_scenario",
    "sweep",
]
