"""Posterior predictive checks: seven-year windows simulated, a statistic's interval and mid-p.

Shared by the validation (:mod:`sim.calibration.validate`) and the check of the attack
mechanisms' patterns (:mod:`sim.calibration.mechanisms`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["POLICY", "WINDOW_DAYS", "check", "inside", "predictive_p"]

WINDOW_DAYS = 7 * 365
POLICY = "domestic_baseline"


def predictive_p(simulated, observed: float) -> float:
    """Two-sided posterior predictive mid-p-value of ``observed`` among ``simulated`` values.

    ``min(1, 2 min(P(T > t) + P(T = t) / 2, P(T < t) + P(T = t) / 2))``: ties count half in
    each tail (Lancaster 1961), so a discrete statistic is not made conservative.
    """
    x = np.asarray(simulated, dtype=float)
    if len(x) == 0:
        return float("nan")
    tie = float(np.mean(np.abs(x - observed) <= 1e-12))
    upper = float(np.mean(x > observed + 1e-12)) + tie / 2
    lower = float(np.mean(x < observed - 1e-12)) + tie / 2
    return min(1.0, 2 * min(upper, lower))


def inside(observed: float, lo: float, hi: float) -> bool:
    """The verdict of a check: whether ``observed`` lies in ``[lo, hi]`` (ends included).

    ``[lo, hi]`` is the predictive interval printed beside the verdict.
    """
    return bool(lo - 1e-12 <= observed <= hi + 1e-12)


def _windows(events: pd.DataFrame, run_ids, days: int) -> pd.DataFrame:
    from sim.calibration.record import window_statistics

    rows = []
    grouped = dict(tuple(events.groupby("run_id"))) if len(events) else {}
    empty = events.iloc[:0]
    for rid in run_ids:
        rows.append({"run_id": rid, **window_statistics(grouped.get(rid, empty), days)})
    return pd.DataFrame(rows).set_index("run_id")


def _run(policy, overrides, replications, days, workers, posterior, posterior_file, seed):
    """Runs with their event logs: (results, events)."""
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import run_sweep

    exp = Experiment(
        name="validation",
        policies=(policy,),
        replications=replications,
        seed=seed,
        overrides=(f"days={days}", *overrides),
        posterior=posterior,
        posterior_file=str(posterior_file) if posterior and posterior_file else None,
    )
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        store = run_sweep(exp, tmp, workers=workers, events=True, progress=False)
        results = store.read()
        folder = Path(tmp) / "_events"
        events = pd.read_parquet(folder) if folder.exists() else pd.DataFrame()
    if (results.status != "ok").any():
        raise RuntimeError(f"{(results.status != 'ok').sum()} validation runs failed")
    return results, events


def check(simulated, observed: float) -> dict:
    """One predictive check: the interval, the mid-p, and the verdict the interval gives."""
    x = np.asarray(simulated, dtype=float)
    lo, med, hi = np.quantile(x, [0.025, 0.5, 0.975])
    return {
        "observed": observed,
        "predictive_median": med,
        "predictive_lo": lo,
        "predictive_hi": hi,
        "p_value": predictive_p(x, observed),
        "passes": inside(observed, lo, hi),
    }
