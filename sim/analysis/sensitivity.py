"""How the answer follows the uncertainties: Sobol' and Morris indices, break-even values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.statistics import pair_keys, paired_differences, successful

__all__ = ["design_problem", "break_even", "design_column", "morris_indices", "sobol_indices"]


# ---- sensitivity -------------------------------------------------------------------------------
def design_column(key: str) -> str:
    """Column of the results table that holds design parameter ``key``."""
    return key.split(".", 1)[1] if key.startswith("threat.") else key


def _point_means(results: pd.DataFrame, outcome: str, policy: str | None) -> pd.Series:
    ok = successful(results)
    if policy is not None:
        ok = ok[ok.policy == policy]
    means = ok.groupby("point")[outcome].mean().sort_index()
    if list(means.index) != list(range(len(means))):
        raise ValueError("results must hold every design point 0..N-1 (a complete sweep)")
    return means


def sobol_indices(
    results: pd.DataFrame, design: dict, outcome: str, policy: str | None = None, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol' indices (SALib, Saltelli's estimator) from a Sobol' sweep.

    The outcome is averaged over replications at each design point. Returns a DataFrame indexed
    by parameter with ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    from SALib.analyze import sobol

    problem = design_problem(design)
    y = _point_means(results, outcome, policy).to_numpy(float)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
    return pd.DataFrame(
        {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(problem["names"], name="parameter"),
    )


def morris_indices(
    results: pd.DataFrame, design: dict, seed: int, outcome: str, policy: str | None = None
) -> pd.DataFrame:
    """Morris elementary-effects screening (SALib) from a Morris sweep.

    ``seed`` is the experiment seed that drew the design (its trajectories are redrawn exactly).
    Returns ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` per parameter.
    """
    from SALib.analyze import morris
    from SALib.sample import morris as morris_sample

    problem = design_problem(design)
    X = morris_sample.sample(
        problem, design["samples"], num_levels=design.get("levels", 4), seed=seed
    )
    y = _point_means(results, outcome, policy).to_numpy(float)
    res = morris.analyze(problem, X, y, num_levels=design.get("levels", 4), seed=seed)
    return pd.DataFrame(
        {k: res[k] for k in ("mu", "mu_star", "sigma", "mu_star_conf")},
        index=pd.Index(problem["names"], name="parameter"),
    )


def break_even(
    results: pd.DataFrame,
    parameter: str,
    policy: str,
    baseline: str = "domestic_baseline",
    outcome: str = "foreign_killed",
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.Series:
    """The value of ``parameter`` at which ``policy`` and ``baseline`` tie on ``outcome``.

    For an assumption the record cannot pin down (e.g. ``backlash``), from a sweep that varies
    it (experiment ``robustness``): the paired differences ``policy - baseline`` are regressed
    on the parameter (least squares, ``d = a + b x``, other uncertainties averaged over by the
    design), the tie is ``x* = -a / b``, and its interval is the percentile interval of ``x*``
    over a bootstrap of the design points (Efron and Tibshirani 1993).
    Returns ``value``, ``lo``, ``hi``, ``slope`` (with its own bootstrap interval
    ``slope_lo``, ``slope_hi``), ``range_lo``, ``range_hi`` (the values the sweep explored) and
    ``verdict``: "tie inside the explored range", "no tie inside the explored range" (the
    fitted difference keeps one sign there), or "no clear trend" (the slope's interval spans 0:
    the value is not reported).
    """
    column = design_column(parameter)
    pairs = paired_differences(results, policy, baseline, outcome)
    ok = successful(results)
    keys = pair_keys(ok, [])
    if column not in ok.columns:
        raise ValueError(f"results do not vary {parameter!r} (no column {column!r})")
    settings = ok[ok.policy == policy].drop_duplicates(keys).set_index(keys)[column]
    index = pd.MultiIndex.from_frame(pairs[keys]) if len(keys) > 1 else pairs[keys[0]]
    x = settings.loc[index].to_numpy(float)
    d = pairs["diff"].to_numpy(float)
    groups = pairs["point"].to_numpy() if "point" in pairs else np.arange(len(d))
    if len(d) < 3 or np.ptp(x) == 0:
        raise ValueError(f"need paired runs at three or more values of {parameter!r}")

    def fit(xs, ds):
        b, a = np.polyfit(xs, ds, 1)
        return a, b

    a0, b0 = fit(x, d)
    rng = np.random.default_rng(seed)
    points = np.unique(groups)
    members = {p: np.flatnonzero(groups == p) for p in points}
    ties, slopes = [], []
    for _ in range(n_boot):
        pick = np.concatenate([members[p] for p in rng.choice(points, size=len(points))])
        if np.ptp(x[pick]) == 0:
            continue
        a, b = fit(x[pick], d[pick])
        slopes.append(b)
        ties.append(-a / b if b != 0 else np.nan)
    alpha = (1.0 - level) / 2.0
    slope_lo, slope_hi = np.quantile(slopes, [alpha, 1.0 - alpha])
    lo_x, hi_x = float(x.min()), float(x.max())
    value = -a0 / b0 if b0 != 0 else np.nan
    lo = hi = np.nan
    if slope_lo <= 0.0 <= slope_hi:
        verdict, value = "no clear trend", np.nan
    else:
        lo, hi = np.nanquantile(ties, [alpha, 1.0 - alpha])
        inside = lo_x <= value <= hi_x
        verdict = "tie inside the explored range" if inside else "no tie inside the explored range"
    return pd.Series(
        dict(
            value=value,
            lo=lo,
            hi=hi,
            slope=b0,
            slope_lo=slope_lo,
            slope_hi=slope_hi,
            range_lo=lo_x,
            range_hi=hi_x,
            n_pairs=len(d),
            verdict=verdict,
        ),
        name=f"{parameter}: {policy} vs {baseline} on {outcome}",
    )


def design_problem(design: dict) -> dict:
    """SALib's ``problem`` dict of a sampled design (for sensitivity analysis)."""
    ranges = design.get("ranges") or {}
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(a), float(b)] for a, b in ranges.values()],
    }
