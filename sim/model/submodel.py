"""The shape every submodel shares: set up, act on the day's plan, record.

After Starsim's modules (``starsim/modules.py``): each process of the model is a small class with
the same few hooks. The coordinator (:class:`sim.model.CorridorModel`, which a submodel knows only
as a ``mesa.Model``) wires them and runs the day's plan (:class:`sim.model.coordinator.DayPlan`)
in a stated order. Hooks a submodel does not need are left as the no-ops below.
"""

from __future__ import annotations

import mesa

__all__ = ["Submodel"]


class Submodel:
    """One process of the model.

    Hooks:
        ``setup()``: build state once, after the submodels listed before it.
        ``start_day(day)``: act at the start of a day (after the previous day closed).
        ``end_day(day)``: act at the end of a day.
        ``record(row)``: add this submodel's columns to the day's row of the time series.
        ``outcomes()``: outcomes computed from this submodel's state at the end of the run.
    """

    #: Name under which the coordinator holds this submodel (``model.<name>``).
    name = ""

    def __init__(self, model: mesa.Model):
        self.model = model
        self.cfg = model.cfg

    def setup(self) -> None:  # noqa: D102
        pass

    def start_day(self, day: int) -> None:  # noqa: D102
        pass

    def end_day(self, day: int) -> None:  # noqa: D102
        pass

    def record(self, row: dict) -> None:  # noqa: D102
        pass

    def outcomes(self) -> dict[str, float]:  # noqa: D102
        return {}
