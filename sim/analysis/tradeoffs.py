"""Trade-offs between policies: the Pareto set and regret across settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.statistics import AnalysisError, check_results

__all__ = ["TRADEOFF", "pareto_front", "regret_table"]


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
