"""The report's inputs: a sweep folder read with the engine's checks, and its command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scenarios.schema import ScenarioError
from sim.analysis import (
    COMPARED,
)
from sim.analysis.tradeoffs import MARGIN, check_margin
from sim.sweeps.identity import record_command

__all__ = [
    "BASELINE",
    "FEW_PAIRS",
    "ReportError",
    "SUMMARY",
    "Sweep",
    "baseline_first",
    "load",
    "record_command",
]


BASELINE = "domestic_baseline"


#: Outcomes of the summary tables.
SUMMARY = ("foreign_killed", *COMPARED[1:])


#: Below this many differing pairs the conclusion warns that an interval rests on very few
#: events (the report's own warning; the precision rule asks for 40, sim.sweeps.precision).
FEW_PAIRS = 10


class ReportError(ScenarioError):
    """Invalid report input (a folder that is not a sweep, a sweep without a baseline)."""


# ---- inputs -----------------------------------------------------------------------------------
@dataclass
class Sweep:
    """What a sweep folder holds: the counted rows, the record, and what was written beside them.

    Read through :func:`sim.sweeps.reader.open_sweep`, with the engine's checks; every label
    (horizon, threat levels, posterior sets) comes from the rows.
    """

    folder: Path
    results: pd.DataFrame
    meta: dict
    precision: dict | None = None
    events: pd.DataFrame | None = None
    command: str | None = None
    threats: list[str] = field(default_factory=list)
    days: int = 365
    posterior_sets: int = 0
    units: str = "year"
    margin: float = MARGIN

    @property
    def experiment(self) -> dict:
        """The experiment that made the rows."""
        return self.meta.get("experiment", {})


def load(folder: str | Path, units: str = "year", margin: float = MARGIN) -> Sweep:
    """Read a sweep folder (:func:`sim.sweeps.reader.open_sweep`); raises naming what is wrong.

    ``units``: "year" (totals per year) or "run" (totals per run), see :mod:`sim.analysis.units`;
    ``margin``: the practical margin of the Pareto set and regret, a share of the baseline's mean
    (:func:`sim.analysis.pareto_front`).
    """
    from sim.analysis.units import check_units
    from sim.sweeps.reader import open_sweep

    check_units(units)
    margin = check_margin(margin)
    sf = open_sweep(folder)
    results = sf.rows
    ok = results[results.status == "ok"] if "status" in results else results
    if ok.empty:
        raise ReportError("out", f"{str(sf.path)!r} holds no successful run")
    if BASELINE not in set(ok.policy):
        raise ReportError(
            "out",
            f"the sweep in {str(sf.path)!r} has no {BASELINE} runs to compare with; "
            f"its policies: {', '.join(pd.unique(ok.policy))}",
        )
    if ok.policy.nunique() < 2:
        raise ReportError("out", "the sweep has one policy; a report compares policies")
    return Sweep(
        sf.path,
        results,
        sf.record,
        sf.precision,
        sf.events(),
        sf.command,
        sf.threats,
        sf.days,
        sf.posterior_sets,
        units,
        margin,
    )


def baseline_first(table: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by policy with the baseline's row first, the others in run order."""
    if BASELINE not in table.index:
        return table
    return table.loc[[BASELINE, *[p for p in table.index if p != BASELINE]]]
