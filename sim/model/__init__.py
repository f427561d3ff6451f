"""One run: the coordinator, its submodels, randomness, outcomes, the network, and ``run()``.

The coordinator (:class:`CorridorModel`, ``coordinator.py``) wires the submodels (``movement``,
``population``, ``demand``, ``targets``, ``security``, ``threat``, ``engagement``; each a
:class:`~sim.model.submodel.Submodel`) and runs the day's plan; ``randomness`` keys every draw;
``outcomes`` defines every outcome once; ``network`` builds and routes the road graph;
``runner`` runs one scenario (``sim.run``, ``python -m sim.run``). The agents (``agents/``) are
the model's small classes; they import from here, and the submodels create them.

The coordinator's names are imported on first use, so that an agent importing a submodel does
not import the coordinator (which imports the agents) half-way.
"""

from __future__ import annotations

import importlib

__all__ = ["SERIES_COUNTS", "SUBMODELS", "CorridorModel", "DayPlan"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("sim.model.coordinator"), name)
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
