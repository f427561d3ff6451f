"""Trade-offs between policies: the Pareto set and regret across settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.statistics import (
    AnalysisError,
    check_results,
    in_run_order,
    pair_keys,
    sign_flip,
)

__all__ = ["MARGIN", "TRADEOFF", "check_margin", "pareto_front", "regret_table"]


# ---- trade-offs --------------------------------------------------------------------------------
TRADEOFF = {
    "foreign_killed": "lower",
    "foreign_security_person_days": "lower",
    "cost_usd": "lower",
}


#: The practical margin of every objective, as a share of the baseline's mean: a difference
#: smaller than 2% of it is not one a decision turns on.
MARGIN = 0.02


def check_margin(margin, field: str = "margin") -> float:
    """``margin`` as a float, or :class:`AnalysisError` naming ``field`` and what is allowed."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
        raise AnalysisError(field, f"must be a share in [0, 1), got {margin!r}")
    return float(margin)


def pareto_front(
    results: pd.DataFrame,
    objectives: dict | None = None,
    by: str = "policy",
    margin: float = MARGIN,
    baseline: str = "domestic_baseline",
    level: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Policy means on the objectives and whether each policy is Pareto-efficient, with margins.

    A difference between two policies counts only when its paired interval (the sign-flip
    interval of :func:`sim.analysis.compare`, at ``level``) lies beyond the objective's
    practical margin, ``margin`` times the absolute mean of ``baseline`` (the first policy when
    the results have no ``baseline``) on it. A policy is dominated when another is practically
    better on at least one objective and practically worse on none; so a policy 1,464 USD
    cheaper on 25 M that loses more lives is dominated, not "efficient" (Deb 2001, ch. 2, on
    dominance; the margin is the "indifference threshold" of Roy 1991). ``objectives`` maps
    outcome -> "lower" or "higher" (default: foreign deaths, sovereignty footprint, cost).
    Columns: the means, ``pareto`` and ``dominated_by`` (the policies that dominate it);
    ``attrs["margins"]`` holds each objective's margin.
    """
    objectives = objectives or TRADEOFF
    margin = check_margin(margin)
    ok = in_run_order(check_results(results, [by, *objectives]))
    means = ok.groupby(by, sort=False)[list(objectives)].mean()
    names = list(means.index)
    ref = baseline if baseline in names else names[0]
    margins = {o: margin * abs(float(means.loc[ref, o])) for o in objectives}
    # better[i, j]: policy i is practically better than policy j on some objective
    better = np.zeros((len(names), len(names)), dtype=bool)
    keys = pair_keys(ok, [])
    # one table per objective: a row per pair of seeds, a column per policy (sorted keys, as
    # paired_differences pairs them)
    wide = {
        name: ok.pivot_table(index=keys, columns=by, values=name, aggfunc="first").sort_index()
        for name in objectives
    }
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            for name, direction in objectives.items():
                both = wide[name][[a, b]].dropna()
                d = (both[a] - both[b]).to_numpy(float)
                m = margins[name]
                if abs(d.mean()) <= m:
                    continue  # the interval holds the mean, so it cannot lie beyond the margin
                lo, hi, _, _ = sign_flip(d, level, n_resamples, seed)
                a_lower, b_lower = hi < -m, lo > m
                if direction == "higher":
                    a_lower, b_lower = b_lower, a_lower
                better[i, j] |= a_lower
                better[j, i] |= b_lower
    dominated_by = [
        [names[j] for j in range(len(names)) if better[j, i] and not better[i, j]]
        for i in range(len(names))
    ]
    means["pareto"] = [not d for d in dominated_by]
    means["dominated_by"] = [", ".join(d) for d in dominated_by]
    means.attrs["margins"] = margins
    means.attrs["margin"] = margin
    means.attrs["margin_of"] = ref
    return means


def regret_table(
    results: pd.DataFrame,
    outcome: str = "foreign_killed",
    scenario: str | list[str] = "point",
    margin: float = MARGIN,
    baseline: str = "domestic_baseline",
) -> pd.DataFrame:
    """Regret of each policy across uncertainty settings (Savage 1951; Lempert et al. 2006).

    In each setting (``scenario`` columns), a policy's regret is how much worse its mean outcome
    is than the best policy's there. Returns per policy the maximum, mean and 90th percentile
    regret and the share of settings where it is best within the practical margin (a regret of
    at most ``margin`` times the absolute mean of ``baseline`` there, or of the settings' best
    when there is no ``baseline``; see :func:`pareto_front`), sorted by maximum regret.
    """
    from sim.model.outcomes import OUTCOMES

    scenario = [scenario] if isinstance(scenario, str) else list(scenario)
    margin = check_margin(margin)
    if outcome not in OUTCOMES:
        raise AnalysisError("outcome", f"unknown outcome {outcome!r}")
    ok = check_results(results, [*scenario, "policy", outcome])
    means = ok.groupby([*scenario, "policy"])[outcome].mean().unstack("policy")
    if OUTCOMES[outcome].better == "higher":
        regret = means.max(axis=1).to_numpy()[:, None] - means
    else:
        regret = means - means.min(axis=1).to_numpy()[:, None]
    ref = means[baseline] if baseline in means else means.min(axis=1)
    within = regret.le(margin * ref.abs(), axis=0)
    table = pd.DataFrame(
        {
            "max_regret": regret.max(),
            "mean_regret": regret.mean(),
            "p90_regret": regret.quantile(0.9),
            "share_best": within.mean(),
        }
    )
    table.index.name = "policy"
    return table.sort_values(["max_regret", "mean_regret"])
