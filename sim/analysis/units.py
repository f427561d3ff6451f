"""Per-year or per-run units: how totals over a run's horizon are stated, and what captions say.

A run's totals (deaths, attacks, cost, person-days: every outcome whose
:attr:`sim.model.outcomes.Outcome.total` is true) cover its horizon. Tables state them per year
by default (``units="year"``: the totals times ``365 / days``), or per run (``units="run"``).
Rates, averages and states (``mean_legitimacy``, ``exposure_per_person_year``,
``cells_active_end``) are the same in both. The statistics are computed on the runs' own totals
and then scaled, so a p-value never depends on the unit and an interval scales with it
(the sign-flip interval and the count-model interval are both equivariant to a positive scale;
the Poisson bound of a zero total is a bound on the run's total, then scaled too).
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.statistics import AnalysisError

__all__ = ["UNITS", "factor", "in_units", "is_total", "per_text"]

#: The units a table can state totals in.
UNITS = ("year", "run")

#: Columns of a compare table that carry the outcome's unit (p-values, shares and the relative
#: change carry none).
COMPARE_SCALED = ("baseline_mean", "policy_mean", "diff", "lo", "hi")


def check_units(units: str) -> str:
    """``units``, or :class:`AnalysisError` naming what is allowed."""
    if units not in UNITS:
        raise AnalysisError("units", f"must be one of {', '.join(UNITS)}, got {units!r}")
    return units


def is_total(outcome: str) -> bool:
    """Whether ``outcome`` is a total over the run's horizon (so its unit follows ``units``)."""
    from sim.model.outcomes import OUTCOMES

    return OUTCOMES[outcome].total if outcome in OUTCOMES else False


def factor(days: int, units: str = "year") -> float:
    """What a run's total is multiplied by to state it in ``units`` (1.0 for a 365-day year)."""
    check_units(units)
    return 365.0 / days if units == "year" and days != 365 else 1.0


def per_text(days: int, units: str = "year") -> str:
    """What the tables say of their totals: "per year" or "per run of 5 years"."""
    check_units(units)
    if units == "year" or days == 365:
        return "per year"
    horizon = f"{days // 365} years" if days % 365 == 0 and days > 365 else f"{days} days"
    return f"per run of {horizon}"


def in_units(table: pd.DataFrame, days: int, units: str = "year") -> pd.DataFrame:
    """A :func:`~sim.analysis.compare` or :func:`~sim.analysis.summarize` table in ``units``.

    A compare table (an ``outcome`` column) has its means, differences and interval ends of
    totals scaled; a summary has each total's ``name``, ``name_lo`` and ``name_hi`` scaled.
    ``attrs`` gain ``units`` and ``per`` (:func:`per_text`).
    """
    f = factor(days, units)
    out = table.copy()
    if f != 1.0:
        if "outcome" in out.columns:
            rows = out["outcome"].map(is_total).to_numpy(bool)
            for col in COMPARE_SCALED:
                if col in out:
                    out.loc[rows, col] = out.loc[rows, col] * f
        else:
            for col in list(out.columns):
                name = col[:-3] if col.endswith(("_lo", "_hi")) else col
                if is_total(name) and pd.api.types.is_numeric_dtype(out[col]):
                    out[col] = out[col] * f
    out.attrs.update(table.attrs)
    out.attrs["units"] = units
    out.attrs["per"] = per_text(days, units)
    return out
