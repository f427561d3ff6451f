"""Outcomes year by year, from a run's event log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["YEARLY", "by_year"]


#: Outcomes that can be read year by year from an event log.
YEARLY = (
    "foreign_killed",
    "foreign_injured",
    "guards_killed",
    "civilians_killed",
    "militants_killed",
    "attacks_attempted",
    "attacks_executed",
    "attacks_foiled",
    "plots_interdicted",
)


def by_year(
    events: pd.DataFrame, days: int, by: str | list[str] | None = "run_id", runs=None
) -> pd.DataFrame:
    """Outcomes of :data:`YEARLY` year by year, from an event log.

    ``events`` is one run's event log (``by=None``) or a sweep's ``_events`` (``by="run_id"``;
    pass the results' ``run_id`` column as ``runs`` so that runs without any event get their
    rows of zeros). Year ``y`` (from 1) holds days ``365 (y - 1)`` to ``365 y - 1``;
    ``days_in_year`` marks a last partial year. Sums over years equal the run's totals.
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    years = max(1, math.ceil(days / 365))
    ev = events.assign(year=events["day"] // 365 + 1)
    ev = ev.assign(
        attacks_attempted=ev.event.isin(["attack", "foiled"]).astype(int),
        attacks_executed=(ev.event == "attack").astype(int),
        attacks_foiled=(ev.event == "foiled").astype(int),
        plots_interdicted=(ev.event == "interdiction").astype(int),
    )
    counts = ev.groupby([*keys, "year"])[list(YEARLY)].sum()
    if not keys:
        runs = pd.DataFrame(index=[0])
    elif runs is not None:
        runs = pd.DataFrame({keys[0]: pd.unique(pd.Series(runs))})
    else:
        runs = ev[keys].drop_duplicates()
    grid = runs.merge(pd.DataFrame({"year": range(1, years + 1)}), how="cross")
    table = grid.set_index([*keys, "year"]).join(counts).fillna(0).astype(int).reset_index()
    table["days_in_year"] = np.minimum(365, days - 365 * (table["year"] - 1))
    return table
