"""Statistics on results: summaries, paired comparisons, sensitivity, discovery, trade-offs.

Also the decomposition of a policy's effect among its levers (:func:`decompose`). Every function
takes the tidy table that :func:`sim.sweep` returns (one row per run) and never recomputes an
outcome that :mod:`sim.model.outcomes` defines.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

from scenarios.schema import ScenarioError

__all__ = [
    "COMPARED",
    "EVENT_UNITS",
    "AnalysisError",
    "MAIN_OUTCOMES",
    "break_even",
    "by_year",
    "check_results",
    "compare",
    "decompose",
    "design_column",
    "format_differences",
    "format_estimate",
    "format_number",
    "format_p",
    "format_summary",
    "holm",
    "mean_interval",
    "morris_indices",
    "paired_differences",
    "pareto_front",
    "policy_wins",
    "prim_boxes",
    "regret_table",
    "replications_needed",
    "sign_flip",
    "sobol_indices",
    "summarize",
    "uncertainty_statement",
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


def _decimals(ref: float, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of ``ref``."""
    ref = abs(ref)
    if not np.isfinite(ref) or ref == 0:
        return 0
    return int(min(8, max(0, digits - 1 - math.floor(math.log10(ref)))))


def format_number(value: float, decimals: int, sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals and thousands separators; never "-0.00"."""
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    rounded = round(float(value), decimals) + 0.0  # + 0.0: no negative zero
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:{'+' if sign and rounded != 0 else ''},.{decimals}f}"
    return text


def format_estimate(value: float, lo: float, hi: float, sign: bool = False, digits: int = 2) -> str:
    """``value [lo, hi]`` with the precision that the interval supports.

    The decimals show ``digits`` significant digits of the interval's half-width (two by
    default, one more than the half-width's first digit, so the reader sees how wide it is);
    without a width (or one below a millionth of the value: the rounding noise of a difference
    that every pair shares), ``digits + 1`` significant digits of the value. No value prints as
    "-0".
    """
    if np.isfinite(lo) and np.isfinite(hi) and hi - lo > 2e-6 * abs(value):
        d = _decimals((hi - lo) / 2, digits)
    else:
        d = _decimals(value, digits + 1)
    if not (np.isfinite(lo) or np.isfinite(hi)) and not np.isfinite(value):
        return "n/a"
    return (
        f"{format_number(value, d, sign)} "
        f"[{format_number(lo, d, sign)}, {format_number(hi, d, sign)}]"
    )


def format_differences(table: pd.DataFrame) -> list[str]:
    """``diff [lo, hi]``, signed, for each row of a :func:`compare` table."""
    return [
        format_estimate(d, lo, hi, sign=True)
        for d, lo, hi in zip(table["diff"], table.lo, table.hi, strict=True)
    ]


def format_p(p: float) -> str:
    """A p-value with two significant digits, or its bound ("< 0.0001") when it is that small."""
    if p is None or not np.isfinite(p):
        return "n/a"
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"


def format_summary(summary: pd.DataFrame, outcomes=MAIN_OUTCOMES) -> str:
    """Render a summary as ``mean [lo, hi]`` cells, one row per group (:func:`format_estimate`)."""
    if summary.empty:
        return "(no successful runs to summarize)"
    table = pd.DataFrame(
        {
            name: [
                format_estimate(r[name], r[f"{name}_lo"], r[f"{name}_hi"])
                for _, r in summary.iterrows()
            ]
            for name in outcomes
        },
        index=summary.index,
    )
    table.insert(0, "runs", summary["runs"].astype(int))
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        return table.to_string()


def uncertainty_statement(results: pd.DataFrame) -> str:
    """What the intervals of ``results`` include: run-to-run variation, and parameters or not."""
    draws = results["posterior_draw"] if "posterior_draw" in results else pd.Series([-1])
    used = draws[draws >= 0]
    if len(used) and len(used) == len(draws):
        return (
            "Intervals include parameter uncertainty: every replication ran with one of "
            f"{used.nunique()} parameter sets drawn from the calibrated posterior, the same set "
            "under every policy (common random numbers on parameters and seeds)."
        )
    if len(used):
        return (
            "Intervals mix runs with and without posterior parameter sets: "
            f"{len(used)} of {len(draws)} runs used one."
        )
    return (
        "Intervals include run-to-run variation at the calibrated parameters only, not "
        "parameter uncertainty; posterior=N draws parameter sets from the posterior."
    )


# ---- paired comparisons ------------------------------------------------------------------------
def _ok(results: pd.DataFrame) -> pd.DataFrame:
    return results[results.status == "ok"] if "status" in results else results


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
    ok = _ok(results)
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


def _pair_keys(results: pd.DataFrame, by: list[str]) -> list[str]:
    keys = [k for k in ("replication", "point") if k in results.columns]
    if not keys:
        raise ValueError("results need a 'replication' column to pair runs across policies")
    return keys + [b for b in by if b not in keys]


def paired_differences(
    results: pd.DataFrame, policy: str, baseline: str, outcome: str, by: list[str] | None = None
) -> pd.DataFrame:
    """Per paired replication: ``policy - baseline`` of ``outcome`` (rows matched on seeds)."""
    by = list(by or [])
    ok = check_results(results, ["policy", outcome, *by], [policy, baseline])
    keys = _pair_keys(ok, by)
    a = ok[ok.policy == policy].set_index(keys)[outcome]
    b = ok[ok.policy == baseline].set_index(keys)[outcome]
    joined = pd.concat({"policy": a, "baseline": b}, axis=1, join="inner")
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


#: Largest number of pairs for which :func:`sign_flip` enumerates every sign vector.
EXACT_MAX_N = 13


def sign_flip(
    d, level: float = 0.95, n_resamples: int = 9999, seed: int = 0
) -> tuple[float, float, float, str]:
    """Sign-flip permutation test of a mean paired difference, and the interval that inverts it.

    Under the null hypothesis that the paired differences ``d`` are symmetric about ``mu0``,
    flipping the sign of any ``d_i - mu0`` leaves their distribution unchanged; the p-value of
    ``mu0`` is the share of sign vectors ``s`` (the identity included) with
    ``|mean(s (d - mu0))| >= |mean(d - mu0)|``. Every sign vector enumerated when
    ``len(d) <= EXACT_MAX_N``, otherwise ``n_resamples`` drawn at random plus the identity
    (Phipson and Smyth 2010). The interval is the set of ``mu0`` the test does not reject at
    ``1 - level`` (test inversion; Garthwaite 1996, Ernst 2004): with ``a = mean(s d)`` and
    ``c = mean(s)`` each sign vector counts for ``mu0`` on an interval of ``mu0`` (a concave
    quadratic in ``mu0`` is non-negative there) that contains ``mean(d)``, so the accepted set is
    an interval whose ends are order statistics of those intervals' ends. The p-value at 0 is
    read off the same intervals, so the interval excludes 0 exactly when ``p <= 1 - level``.

    Returns ``(lo, hi, p_value, method)``.
    """
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return np.nan, np.nan, np.nan, "none (no pairs)"
    m = float(d.mean())
    if n <= EXACT_MAX_N:
        signs = 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.int8)
        method = f"sign-flip permutation test, exact ({2**n:,} sign vectors)"
    else:
        rng = np.random.default_rng(seed)
        draws = 1 - 2 * rng.integers(0, 2, size=(n_resamples, n), dtype=np.int8)
        signs = np.vstack([np.ones((1, n), dtype=np.int8), draws])
        method = f"sign-flip permutation test ({n_resamples:,} random sign vectors)"
    lo_b = np.empty(len(signs))
    hi_b = np.empty(len(signs))
    for start in range(0, len(signs), 2000):
        s = signs[start : start + 2000].astype(float)
        a = s @ d / n
        c = s.mean(axis=1)
        qa, qb, qc = c**2 - 1.0, 2.0 * (m - a * c), a**2 - m**2
        whole = np.abs(qa) < 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(np.maximum(qb**2 - 4.0 * qa * qc, 0.0))
            r1, r2 = (-qb + root) / (2.0 * qa), (-qb - root) / (2.0 * qa)
        lo = np.where(whole, -np.inf, np.minimum(r1, r2))
        hi = np.where(whole, np.inf, np.maximum(r1, r2))
        # every interval contains mean(d) exactly; rounding must not move its ends past it
        lo_b[start : start + len(s)] = np.minimum(lo, m)
        hi_b[start : start + len(s)] = np.maximum(hi, m)
    total = len(signs)
    alpha = 1.0 - level
    k = int(np.floor(alpha * total + 1e-9)) + 1  # accepted where count >= k
    if k > total:
        return -np.inf, np.inf, 1.0, method
    interval_lo = float(np.sort(lo_b)[k - 1])
    interval_hi = float(np.sort(hi_b)[::-1][k - 1])
    p_value = float(np.count_nonzero((lo_b <= 0.0) & (hi_b >= 0.0)) / total)
    if p_value > alpha:
        # 0 is accepted, so it lies in the interval. With many zero differences an end of the
        # interval is exactly 0 in exact arithmetic: rounding must neither move it past 0 nor
        # leave it at -2e-17 (printed "-0.00")
        tol = 1e-12 * float(np.max(np.abs(d)))
        interval_lo = 0.0 if abs(interval_lo) <= tol else min(interval_lo, 0.0)
        interval_hi = 0.0 if abs(interval_hi) <= tol else max(interval_hi, 0.0)
    return interval_lo + 0.0, interval_hi + 0.0, p_value, method  # + 0.0: no negative zero


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
    ok = check_results(results, ["policy", *outcomes, *by], [baseline])
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
                d = g["diff"].to_numpy(float)
                base_mean = float(g["baseline"].mean())
                lo, hi, p_value, method = sign_flip(d, level, n_resamples, seed)
                sign = -1.0 if better == "lower" else 1.0
                rows.append(
                    {
                        **dict(zip(by, key, strict=True)),
                        "outcome": outcome,
                        "policy": policy,
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
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = np.nan
    for _, group in table.groupby(["outcome", *by], sort=False):
        table.loc[group.index, "p_holm"] = holm(group["p_value"])
    table.attrs["level"] = level
    table.attrs["methods"] = {
        "diff": "mean of paired differences policy - baseline (pairs share their seeds)",
        "p_value": "sign-flip permutation test of mean difference 0 (Good 2005; exact for n <= "
        f"{EXACT_MAX_N}, else {n_resamples:,} random sign vectors plus the identity)",
        "lo, hi": f"{level:.0%} interval: the mean differences that test does not reject "
        "(test inversion; Garthwaite 1996), so it excludes 0 exactly when p_value <= "
        f"{1 - level:.2g}",
        "p_holm": "p_value adjusted by Holm (1979) across the policies compared",
    }
    return table


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
        for policy in [p for p in pd.unique(_ok(pilot).policy) if p != baseline]:
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


# ---- sensitivity -------------------------------------------------------------------------------
def design_column(key: str) -> str:
    """Column of the results table that holds design parameter ``key``."""
    return key.split(".", 1)[1] if key.startswith("threat.") else key


def _point_means(results: pd.DataFrame, outcome: str, policy: str | None) -> pd.Series:
    ok = _ok(results)
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

    from sim.sweeps.designs import design_problem

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

    from sim.sweeps.designs import design_problem

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


# ---- scenario discovery ------------------------------------------------------------------------
def policy_wins(
    results: pd.DataFrame, policy: str, other: str, outcome: str, uncertainties: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Uncertainty settings of each paired run, and whether ``policy`` beat ``other`` there.

    For questions such as "under which settings does joint_escort lose fewer foreign lives than
    domestic_intel": ``x, y = policy_wins(df, "joint_escort", "domestic_intel",
    "foreign_killed", ["ambush_rate", "backlash"])`` then ``prim_boxes(x, y)``.
    """
    from sim.model.outcomes import OUTCOMES

    pairs = paired_differences(results, policy, other, outcome)
    ok = _ok(results)
    keys = _pair_keys(ok, [])
    settings = ok[ok.policy == policy].set_index(keys)[uncertainties]
    x = settings.loc[
        pd.MultiIndex.from_frame(pairs[keys]) if len(keys) > 1 else pairs[keys[0]]
    ].reset_index(drop=True)
    sign = -1.0 if OUTCOMES[outcome].better == "lower" else 1.0
    return x, (sign * pairs["diff"].to_numpy(float) > 0)


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

    For an assumption the record cannot pin down (``effect_foreign``, ``backlash``), from a sweep
    that varies it (experiment ``robustness``): the paired differences ``policy - baseline`` are
    regressed on the parameter (least squares, ``d = a + b x``, other uncertainties averaged
    over by the design), the tie is ``x* = -a / b``, and its interval is the percentile
    interval of ``x*`` over a bootstrap of the design points (Efron and Tibshirani 1993).
    Returns ``value``, ``lo``, ``hi``, ``slope`` (with its own bootstrap interval
    ``slope_lo``, ``slope_hi``), ``range_lo``, ``range_hi`` (the values the sweep explored) and
    ``verdict``: "tie inside the explored range", "no tie inside the explored range" (the
    fitted difference keeps one sign there), or "no clear trend" (the slope's interval spans 0:
    the value is not reported).
    """
    column = design_column(parameter)
    pairs = paired_differences(results, policy, baseline, outcome)
    ok = _ok(results)
    keys = _pair_keys(ok, [])
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


def prim_boxes(
    x: pd.DataFrame, y, max_boxes: int = 1, mass_min: float = 0.05, threshold: float = 0.8
) -> pd.DataFrame:
    """Scenario discovery with PRIM (EMA Workbench; Friedman and Fisher 1999).

    ``x`` holds the uncertainty settings, ``y`` marks the cases of interest. For each box found
    (at most ``max_boxes``), the last point of its peeling trajectory whose density reaches
    ``threshold`` is chosen (or the densest). Returns one row per restricted parameter and box:
    ``box``, ``parameter``, ``lower``, ``upper``, ``coverage``, ``density``, ``mass``.
    """
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    y = np.asarray(y, dtype=int)
    # whole-number factors (cells, teams) as floats: PRIM peels between their values (10.5)
    whole = [c for c in x.columns if pd.api.types.is_integer_dtype(x[c]) or x[c].dtype == bool]
    x = x.astype(dict.fromkeys(whole, float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own pandas deprecations
        model = prim.Prim(x.reset_index(drop=True), y, mass_min=mass_min)
        boxes = []
        for _ in range(max_boxes):
            box = model.find_box()
            if box is None:
                break
            boxes.append(box)
    rows = []
    for b, box in enumerate(boxes):
        if box is None:
            break
        traj = box.peeling_trajectory
        good = traj.index[traj.density >= threshold]
        i = int(good[-1] if len(good) else traj.density.idxmax())
        box.select(i)
        lims = box.box_lim
        full = model.box_init
        stats_ = box.stats
        for col in x.columns:
            lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
            if lo > float(full[col].iloc[0]) or hi < float(full[col].iloc[1]):
                rows.append(
                    {
                        "box": b,
                        "parameter": col,
                        "lower": lo,
                        "upper": hi,
                        "coverage": float(stats_["coverage"]),
                        "density": float(stats_["density"]),
                        "mass": float(stats_["mass"]),
                    }
                )
    return pd.DataFrame(
        rows, columns=["box", "parameter", "lower", "upper", "coverage", "density", "mass"]
    )


# ---- trade-offs --------------------------------------------------------------------------------
TRADEOFF = {
    "foreign_killed": "lower",
    "foreign_security_person_days": "lower",
    "cost_usd": "lower",
}


def pareto_front(
    results: pd.DataFrame, objectives: dict | None = None, by="policy"
) -> pd.DataFrame:
    """Policy means on the objectives and whether each policy is Pareto-efficient.

    A policy is dominated when another is at least as good on every objective and strictly
    better on one. ``objectives`` maps outcome -> "lower" or "higher" (default: foreign
    deaths, sovereignty footprint, cost).
    """
    objectives = objectives or TRADEOFF
    ok = check_results(results, [*([by] if isinstance(by, str) else by), *objectives])
    means = ok.groupby(by, sort=False)[list(objectives)].mean()
    signed = means.copy()
    for name, better in objectives.items():
        if better == "higher":
            signed[name] = -signed[name]
    values = signed.to_numpy(float)
    efficient = []
    for i in range(len(values)):
        dominated = any(
            np.all(values[j] <= values[i]) and np.any(values[j] < values[i])
            for j in range(len(values))
            if j != i
        )
        efficient.append(not dominated)
    means["pareto"] = efficient
    return means


def regret_table(
    results: pd.DataFrame, outcome: str = "foreign_killed", scenario: str | list[str] = "point"
) -> pd.DataFrame:
    """Regret of each policy across uncertainty settings (Savage 1951; Lempert et al. 2006).

    In each setting (``scenario`` columns), a policy's regret is how much worse its mean outcome
    is than the best policy's there. Returns per policy the maximum, mean and 90th percentile
    regret and the share of settings where it is best, sorted by maximum regret.
    """
    from sim.model.outcomes import OUTCOMES

    scenario = [scenario] if isinstance(scenario, str) else list(scenario)
    if outcome not in OUTCOMES:
        raise AnalysisError("outcome", f"unknown outcome {outcome!r}")
    ok = check_results(results, [*scenario, "policy", outcome])
    means = ok.groupby([*scenario, "policy"])[outcome].mean().unstack("policy")
    if OUTCOMES[outcome].better == "higher":
        regret = means.max(axis=1).to_numpy()[:, None] - means
    else:
        regret = means - means.min(axis=1).to_numpy()[:, None]
    table = pd.DataFrame(
        {
            "max_regret": regret.max(),
            "mean_regret": regret.mean(),
            "p90_regret": regret.quantile(0.9),
            "share_best": (regret == 0).mean(),
        }
    )
    table.index.name = "policy"
    return table.sort_values(["max_regret", "mean_regret"])


def decompose(
    policy: str,
    baseline: str = "domestic_baseline",
    outcome: str = "foreign_killed",
    *,
    groups=None,
    replications: int = 30,
    threat: str = "baseline",
    days: int = 365,
    seed: int = 0,
    level: float = 0.95,
    workers: int = 1,
    evaluate=None,
) -> pd.DataFrame:
    """Split ``policy``'s effect on ``outcome`` (against ``baseline``) among lever groups.

    The Shapley value (Shapley 1953; attribution to groups of inputs: Owen 2014, Song, Nelson
    and Staum 2016) of each group of lever changes (:mod:`sim.studies.levers`). It is linear in the
    coalition values, so it is computed within each replication (all ``2^G`` combinations
    share its seed) and a share's interval is the sign-flip interval of its per-replication
    values (:func:`sign_flip`).

    Runs the ``2^G`` combinations of the groups (default :func:`lever_groups`) for each of
    ``replications`` seeds (common random numbers: one seed for every combination of a
    replication) and returns one row per group: ``share`` (mean Shapley value), ``lo``,
    ``hi`` (its interval), ``fields``; and a last row ``total`` (the whole effect, which the
    shares add up to). ``evaluate(policy, seed)`` replaces the simulation (for tests).
    """
    from sim.model.runner import load_scenario
    from sim.studies.levers import MAX_GROUPS, apply_groups, lever_groups, run_outcome, shapley

    base = load_scenario(policy=baseline).policy
    target = load_scenario(policy=policy).policy
    groups = list(lever_groups(target, base) if groups is None else groups)
    if not 1 <= len(groups) <= MAX_GROUPS:
        raise ScenarioError("groups", f"must be 1 to {MAX_GROUPS} lever groups, got {len(groups)}")
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise ScenarioError("groups", "group names must be unique")
    final = apply_groups(base, groups, policy)
    if final.to_dict() | {"name": ""} != target.to_dict() | {"name": ""}:
        raise ScenarioError("groups", f"applying every group to {baseline!r} must give {policy!r}")
    coalitions = [
        frozenset(c) for k in range(len(groups) + 1) for c in itertools.combinations(names, k)
    ]
    by_name = dict(zip(names, groups, strict=True))
    policies = {
        c: apply_groups(
            base, [by_name[n] for n in names if n in c], f"{policy}[{'+'.join(sorted(c))}]"
        )
        for c in coalitions
    }
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(replications, np.uint32)]
    if evaluate is not None:
        values = {c: np.array([evaluate(p, s) for s in seeds]) for c, p in policies.items()}
    else:
        jobs = [(p.to_dict(), threat, days, s, outcome) for p in policies.values() for s in seeds]
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                flat = list(pool.map(run_outcome, jobs, chunksize=4))
        else:
            flat = [run_outcome(j) for j in jobs]
        arr = np.array(flat).reshape(len(coalitions), replications)
        values = dict(zip(coalitions, arr, strict=True))
    phi = shapley(values, names)
    rows = []
    for g in groups:
        lo, hi, p, _ = sign_flip(phi[g.name], level=level)
        rows.append(
            dict(
                group=g.name,
                share=float(phi[g.name].mean()),
                lo=lo,
                hi=hi,
                p_value=p,
                fields=", ".join(g.fields()),
            )
        )
    total = values[frozenset(names)] - values[frozenset()]
    lo, hi, p, _ = sign_flip(total, level=level)
    rows.append(dict(group="total", share=float(total.mean()), lo=lo, hi=hi, p_value=p, fields=""))
    table = pd.DataFrame(rows).set_index("group")
    table.attrs.update(
        policy=policy,
        baseline=baseline,
        outcome=outcome,
        replications=replications,
        threat=threat,
        days=days,
        seed=seed,
    )
    return table
