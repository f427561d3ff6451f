"""Statistics on results tables: summaries by policy with confidence intervals.

Every function takes the tidy table that :func:`sim.sweep` returns (one row per run) and never
recomputes an outcome that :mod:`sim.outcomes` defines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MAIN_OUTCOMES", "format_summary", "summarize"]

#: Outcomes shown by default in summaries.
MAIN_OUTCOMES = (
    "foreign_killed",
    "attacks_executed",
    "attacks_foiled",
    "threat_exposure",
    "foreign_security_person_days",
    "guard_person_days",
    "mean_legitimacy",
)


def summarize(
    results: pd.DataFrame, outcomes=MAIN_OUTCOMES, by="policy", level: float = 0.95
) -> pd.DataFrame:
    """Mean and ``level`` t-interval of each outcome per group of ``by``.

    Columns: ``runs``, then for each outcome ``name``, ``name_lo``, ``name_hi``. Failed runs
    (``status != "ok"``) are left out and counted in ``failed``.
    """
    by = [by] if isinstance(by, str) else list(by)
    if "status" in results:
        failed = results[results.status != "ok"].groupby(by, sort=False).size()
        results = results[results.status == "ok"]
    else:
        failed = pd.Series(dtype=int)
    rows = []
    for key, group in results.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        row["runs"] = len(group)
        row["failed"] = int(failed.get(key if len(key) > 1 else key[0], 0))
        for name in outcomes:
            x = group[name].to_numpy(float)
            mean = float(x.mean())
            if len(x) > 1 and x.std(ddof=1) > 0:
                half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
            else:
                half = 0.0 if len(x) > 1 else np.nan
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = mean, mean - half, mean + half
        rows.append(row)
    columns = [*by, "runs", "failed"] + [f"{n}{s}" for n in outcomes for s in ("", "_lo", "_hi")]
    return pd.DataFrame(rows, columns=columns).set_index(by)


def format_summary(summary: pd.DataFrame, outcomes=MAIN_OUTCOMES) -> str:
    """Render a summary as ``mean [lo, hi]`` cells, one row per group."""

    def cell(row, name):
        m, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
        d = 3 if name == "mean_legitimacy" else (2 if abs(m) < 10 else 0)
        return f"{m:,.{d}f} [{lo:,.{d}f}, {hi:,.{d}f}]"

    if summary.empty:
        return "(no successful runs to summarize)"
    table = pd.DataFrame(
        {name: [cell(r, name) for _, r in summary.iterrows()] for name in outcomes},
        index=summary.index,
    )
    table.insert(0, "runs", summary["runs"].astype(int))
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        return table.to_string()
