"""What every section of the report reads: the sweep, its runs and how to say its units."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.analysis import in_units, per_text
from sim.report.inputs import Sweep

__all__ = ["Frame"]


@dataclass(frozen=True)
class Frame:
    """What every section reads: the sweep, its successful runs and how to say its horizon."""

    sweep: Sweep
    ok: pd.DataFrame
    replications: int
    per: str
    horizon: str

    @classmethod
    def of(cls, sweep: Sweep) -> Frame:
        """The frame of a sweep's report."""
        days, ok = sweep.days, sweep.results[sweep.results.status == "ok"]
        if days % 365:
            horizon = f"{days} days"
        else:
            horizon = "1 year" if days == 365 else f"{days // 365} years"
        return cls(sweep, ok, int(ok.replication.nunique()), per_text(days, sweep.units), horizon)

    def units(self, table: pd.DataFrame) -> pd.DataFrame:
        """A compare or summary table with its totals in the report's units."""
        return in_units(table, self.sweep.days, self.sweep.units)

    def title(self, threat: str) -> str:
        """A figure's or table's title: threat, horizon, replications."""
        return f"{threat} threat, {self.horizon}, {self.replications} paired replications"
