"""Means and paired comparisons of a sweep's runs, with intervals and tests.

Every function takes the tidy table that :func:`sim.sweep` returns (one row per run) and
never recomputes an outcome that :mod:`sim.model.outcomes` defines. Means of non-negative
outcomes get a count-model interval (:func:`mean_interval`); policies are compared on paired
replications by a sign-flip permutation test and the interval that inverts it
(:func:`compare`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from scenarios.schema import ScenarioError
from sim.analysis.permutation import EXACT_MAX_N, ratio_interval, sign_flip, sign_vectors

__all__ = [
    "AnalysisError",
    "COMPARED",
    "EVENT_UNITS",
    "EXACT_MAX_N",
    "MAIN_OUTCOMES",
    "check_results",
    "compare",
    "holm",
    "in_run_order",
    "mean_interval",
    "paired_differences",
    "ratio_interval",
    "replications_needed",
    "sign_flip",
    "sign_vectors",
    "successful",
    "summarize",
]


#: Outcomes shown by default in summaries.
MAIN_OUTCOMES = (
    "foreign_killed",
    "attacks_executed",
    "attacks_foiled",
    "threat_exposure",
    "foreign_security_person_days",
    "cost_usd",
    "mean_legitimacy",
)


#: Units of outcomes that count events: a zero total of them is a Poisson count of zero.
EVENT_UNITS = frozenset({"persons", "attacks", "cells", "tips", "trips"})


def mean_interval(x, level: float = 0.95, events: bool | None = None) -> tuple[float, float, str]:
    """``level`` interval of the mean of ``x``; returns ``(lo, hi, method)``.

    Non-negative data (counts, person-days, cost, legitimacy) get the interval of an
    intercept-only quasi-Poisson model with a log link (McCullagh and Nelder 1989, ch. 9):
    ``mean * exp(+-t * s / (mean * sqrt(n)))``, ``s`` the standard deviation of ``x``. It stays
    non-negative because it is built on the log of the mean, not by clipping, and its skew follows
    the data's (a mean of rare counts is more uncertain upwards). When every value is 0 the
    model's mean is undefined: counts of events (``events``; by default, whole numbers) then get
    the exact Poisson bound of a zero total, ``[0, chi2(level', 2) / 2n]`` (Garwood 1936), and
    other zeros (no foreign person-days under a host-only policy) are exactly 0. Data that can be
    negative get the t interval. ``tests/test_analysis.py`` checks 93-97% coverage on zero-inflated
    counts with known means.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 2:
        return np.nan, np.nan, "none (fewer than 2 runs)"
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    if x.min() < 0:
        half = t * sd / np.sqrt(n)
        return mean - half, mean + half, "t interval"
    if mean == 0:
        if np.all(x == np.round(x)) if events is None else events:
            return 0.0, float(stats.chi2.ppf(0.5 + level / 2, 2) / (2 * n)), "Poisson, zero total"
        return 0.0, 0.0, "all zero"
    factor = float(np.exp(t * sd / (mean * np.sqrt(n))))
    return mean / factor, mean * factor, "quasi-Poisson, log link"


def summarize(
    results: pd.DataFrame, outcomes=MAIN_OUTCOMES, by="policy", level: float = 0.95
) -> pd.DataFrame:
    """Mean and ``level`` interval (:func:`mean_interval`) of each outcome per group of ``by``.

    Columns: ``runs``, then for each outcome ``name``, ``name_lo``, ``name_hi``. Failed runs
    (``status != "ok"``) are left out and counted in ``failed``. ``attrs["methods"]`` names the
    interval used for each outcome.
    """
    from sim.model.outcomes import OUTCOMES

    by = [by] if isinstance(by, str) else list(by)
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    check_results(results, [*by, *outcomes], nonempty=False)  # failed runs are counted
    results = in_run_order(results)
    if "status" in results:
        failed = results[results.status != "ok"].groupby(by, sort=False).size()
        results = results[results.status == "ok"]
    else:
        failed = pd.Series(dtype=int)
    rows, methods = [], {}
    events = {n: OUTCOMES[n].unit in EVENT_UNITS if n in OUTCOMES else None for n in outcomes}
    for key, group in results.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        row["runs"] = len(group)
        row["failed"] = int(failed.get(key if len(key) > 1 else key[0], 0))
        for name in outcomes:
            x = group[name].to_numpy(float)
            lo, hi, method = mean_interval(x, level, events[name])
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(x.mean()), lo, hi
            methods.setdefault(name, set()).add(method)
        rows.append(row)
    columns = [*by, "runs", "failed"] + [f"{n}{s}" for n in outcomes for s in ("", "_lo", "_hi")]
    table = pd.DataFrame(rows, columns=columns).set_index(by)
    table.attrs["level"] = level
    table.attrs["methods"] = {k: ", ".join(sorted(v)) for k, v in methods.items()}
    return table


# ---- paired comparisons ------------------------------------------------------------------------
def successful(results: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (``status == "ok"``): failed runs never enter a statistic."""
    return results[results.status == "ok"] if "status" in results else results


def in_run_order(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` sorted by ``run_id`` (when it has one).

    Groups then come in the experiment's order (its policies as listed, its design points in
    turn) whatever the order of the rows.
    """
    if "run_id" in results and not results["run_id"].is_monotonic_increasing:
        return results.sort_values("run_id", kind="stable")
    return results


class AnalysisError(ScenarioError):
    """A results table, outcome, policy or grouping the analysis cannot use."""


def check_results(
    results, columns=(), policies=(), what: str = "results", nonempty: bool = True
) -> pd.DataFrame:
    """Refuse a results table that is not one, has no successful run, or lacks a column/policy.

    Raises :class:`AnalysisError` (a ``ValueError``) naming what is missing and what is there.
    """
    if not isinstance(results, pd.DataFrame):
        raise AnalysisError(
            what,
            f"must be a results table (a DataFrame from sim.sweep), got {type(results).__name__}",
        )
    missing = [c for c in columns if c not in results.columns]
    if missing:
        from sim.model.outcomes import OUTCOMES

        known = [c for c in results.columns if c in OUTCOMES]
        raise AnalysisError(
            missing[0],
            "is not a column of the results; outcomes there: " + ", ".join(known or ["none"]),
        )
    ok = successful(results)
    if nonempty and ok.empty:
        raise AnalysisError(what, "holds no successful run")
    if policies:
        have = set(ok.policy) if "policy" in ok else set()
        for p in policies:
            if p not in have:
                raise AnalysisError(
                    "policy",
                    f"{p!r} is not a policy of the results; they hold: "
                    + ", ".join(map(str, pd.unique(ok.policy))),
                )
    return ok


def pair_keys(results: pd.DataFrame, by: list[str]) -> list[str]:
    keys = [k for k in ("replication", "point") if k in results.columns]
    if not keys:
        raise ValueError("results need a 'replication' column to pair runs across policies")
    return keys + [b for b in by if b not in keys]


def paired_differences(
    results: pd.DataFrame, policy: str, baseline: str, outcome: str, by: list[str] | None = None
) -> pd.DataFrame:
    """Per paired replication: ``policy - baseline`` of ``outcome`` (rows matched on seeds).

    The pairs are sorted by their keys (replication, design point, ``by``), so every statistic
    of them is the same whatever the order of the rows.
    """
    by = list(by or [])
    ok = check_results(results, ["policy", outcome, *by], [policy, baseline])
    keys = pair_keys(ok, by)
    a = ok[ok.policy == policy].set_index(keys)[outcome]
    b = ok[ok.policy == baseline].set_index(keys)[outcome]
    joined = pd.concat({"policy": a, "baseline": b}, axis=1, join="inner").sort_index()
    joined["diff"] = joined["policy"] - joined["baseline"]
    return joined.reset_index()


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (Holm 1979)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


#: Outcomes :func:`compare` compares by default: lives, attacks, exposure and the three prices.
COMPARED = (
    "foreign_killed",
    "attacks_executed",
    "threat_exposure",
    "foreign_security_person_days",
    "cost_usd",
    "mean_legitimacy",
)


def compare(
    results: pd.DataFrame,
    baseline: str = "domestic_baseline",
    outcomes=COMPARED,
    by: str | list[str] | None = None,
    level: float = 0.95,
    seed: int = 0,
    n_resamples: int = 9999,
) -> pd.DataFrame:
    """Paired comparison of every policy with ``baseline``, outcome by outcome.

    Runs are paired on ``replication`` (and design ``point``), which share their seeds across
    policies (common random numbers). For each policy, outcome (and group of ``by``):

    - ``diff``: mean paired difference ``policy - baseline``;
    - ``p_value``: sign-flip permutation test that the mean paired difference is 0, and
      ``lo``/``hi`` the ``level`` interval obtained by inverting the same test
      (:func:`sign_flip`), so the interval excludes 0 exactly when ``p_value <= 1 - level``;
    - ``p_holm``: ``p_value`` adjusted by Holm's method across the policies compared (per
      outcome and group); an interval is not adjusted, so read it with ``p_value``;
    - ``rel_change``: ``diff`` / baseline mean;
    - ``p_better`` / ``p_tie`` / ``p_worse``: share of paired replications in which the policy
      does better (in the outcome's direction, :data:`sim.model.outcomes.OUTCOMES`), exactly as
      well, or worse;
    - ``method``: the test and interval used. ``table.attrs["methods"]`` names every method.
    """
    from sim.model.outcomes import OUTCOMES

    by = [by] if isinstance(by, str) else list(by or [])
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    ok = in_run_order(check_results(results, ["policy", *outcomes, *by], [baseline]))
    policies = [p for p in pd.unique(ok.policy) if p != baseline]
    if baseline not in set(ok.policy):
        raise ValueError(f"baseline policy {baseline!r} is not in the results")
    rows = []
    for outcome in outcomes:
        better = OUTCOMES[outcome].better if outcome in OUTCOMES else "lower"
        for policy in policies:
            pairs = paired_differences(ok, policy, baseline, outcome, by)
            groups = pairs.groupby(by, sort=False) if by else [((), pairs)]
            for key, g in groups:
                key = key if isinstance(key, tuple) else (key,)
                rows.append(
                    {
                        **dict(zip(by, key, strict=True)),
                        "outcome": outcome,
                        "policy": policy,
                        **_paired_row(g, better, level, n_resamples, seed),
                    }
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = np.nan
    for _, group in table.groupby(["outcome", *by], sort=False):
        table.loc[group.index, "p_holm"] = holm(group["p_value"])
    table.attrs["level"] = level
    table.attrs["methods"] = _compare_methods(level, n_resamples)
    return table


def _paired_row(g: pd.DataFrame, better, level: float, n_resamples: int, seed: int) -> dict:
    """One policy's comparison on one outcome (and group): ``g`` holds its paired rows."""
    d = g["diff"].to_numpy(float)
    base_mean = float(g["baseline"].mean())
    lo, hi, p_value, method = sign_flip(d, level, n_resamples, seed)
    sign = -1.0 if better == "lower" else 1.0
    return {
        "n": len(d),
        "baseline_mean": base_mean,
        "policy_mean": float(g["policy"].mean()),
        "diff": float(d.mean()),
        "lo": lo,
        "hi": hi,
        "rel_change": float(d.mean() / base_mean) if base_mean else np.nan,
        "p_better": float(np.mean(sign * d > 0)) if better else np.nan,
        "p_tie": float(np.mean(d == 0)),
        "p_worse": float(np.mean(sign * d < 0)) if better else np.nan,
        "p_value": p_value,
        "method": method,
    }


def _compare_methods(level: float, n_resamples: int) -> dict:
    return {
        "diff": "mean of paired differences policy - baseline (pairs share their seeds)",
        "p_value": "sign-flip permutation test of mean difference 0 (Good 2005; exact for n <= "
        f"{EXACT_MAX_N}, else {n_resamples:,} random sign vectors plus the identity)",
        "lo, hi": f"{level:.0%} interval: the mean differences that test does not reject "
        "(test inversion; Garthwaite 1996), so it excludes 0 exactly when p_value <= "
        f"{1 - level:.2g}",
        "p_holm": "p_value adjusted by Holm (1979) across the policies compared",
    }


def replications_needed(
    pilot: pd.DataFrame,
    half_width: float | dict,
    baseline: str = "domestic_baseline",
    outcomes=("foreign_killed", "attacks_executed"),
    level: float = 0.95,
) -> pd.DataFrame:
    """Replications for a ``level`` interval of half-width ``half_width`` on paired differences.

    From a pilot sweep: ``n = ceil((z * s_d / h)^2)``, with ``s_d`` the standard deviation of
    the pilot's paired differences (normal approximation; Law 2015, ch. 9).
    """
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for outcome in outcomes:
        h = half_width[outcome] if isinstance(half_width, dict) else half_width
        for policy in [p for p in pd.unique(successful(pilot).policy) if p != baseline]:
            d = paired_differences(pilot, policy, baseline, outcome)["diff"].to_numpy(float)
            sd = float(d.std(ddof=1)) if len(d) > 1 else np.nan
            n = int(np.ceil((z * sd / h) ** 2)) if np.isfinite(sd) else np.nan
            rows.append(
                {
                    "outcome": outcome,
                    "policy": policy,
                    "pilot_n": len(d),
                    "sd_diff": sd,
                    "half_width": h,
                    "replications": max(n, 2) if np.isfinite(sd) else np.nan,
                }
            )
    return pd.DataFrame(rows)
