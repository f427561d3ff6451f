"""Fronts re-evaluated on fresh seeds, the named policies beside them, the gap at a budget.

A front selected on noisy values is optimistic: its members are there partly because their
replications were lucky (the winner's curse; Ito et al. 2018 on selection bias in noisy
optimisation). Every member is therefore run again on *fresh* seeds and posterior draws that
the search never saw, with more replications, and both values are reported. The named
policies run on the same fresh seeds, so each is compared with the front members run for run.

The gap between the host-only and the joint front at a budget ``B`` is the difference between
their best members at ``B``: in each front, the member with the lowest in-search robust deaths
among those whose re-evaluated robust cost is at most ``B`` (chosen on the search's data,
measured on fresh data), then joint minus host on the re-evaluated runs, paired run for run.
Its interval is a percentile bootstrap over the fresh replications (Efron and Tibshirani
1993), resampling each replication with all its scenarios for both members at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.search.evaluate import OBJECTIVES, ROBUST_Q

__all__ = ["dominated_by", "gap_at", "robust_of", "runs_table", "winners_curse"]

#: Bootstrap resamples of a gap's interval, and its level.
BOOT, LEVEL = 2000, 0.95


def runs_table(values: pd.DataFrame, member, scenario, replication) -> pd.DataFrame:
    """Per-run objectives a year, labelled by member, scenario and replication."""
    return values.assign(
        member=np.asarray(member), scenario=np.asarray(scenario),
        replication=np.asarray(replication),
    )  # fmt: skip


def robust_of(runs: pd.DataFrame, objective: str = "foreign_killed") -> pd.Series:
    """Each member's robust value of ``objective``: 90th percentile over scenarios of means."""
    means = runs.groupby(["member", "scenario"])[objective].mean()
    return means.groupby(level="member").quantile(ROBUST_Q)


def _matrix(runs: pd.DataFrame, member, objective: str) -> np.ndarray:
    """A member's values as a (replication, scenario) matrix."""
    one = runs[runs.member == member]
    return one.pivot_table(index="replication", columns="scenario", values=objective).to_numpy()


def _robust(m: np.ndarray) -> float:
    return float(np.quantile(m.mean(axis=0), ROBUST_Q))


def gap_at(runs: pd.DataFrame, host, joint, seed: int, objective: str = "foreign_killed") -> dict:
    """Joint minus host on the same fresh runs: robust and mean differences with intervals."""
    a, b = _matrix(runs, joint, objective), _matrix(runs, host, objective)
    if a.shape != b.shape:
        raise ValueError("the two members were not run on the same replications and scenarios")
    rng = np.random.default_rng(seed)
    n = a.shape[0]
    robust, mean = [], []
    for _ in range(BOOT):
        i = rng.integers(0, n, n)
        robust.append(_robust(a[i]) - _robust(b[i]))
        mean.append(float((a[i] - b[i]).mean()))
    lo, hi = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    return {
        "gap_p90": _robust(a) - _robust(b),
        "gap_p90_lo": float(np.quantile(robust, lo)),
        "gap_p90_hi": float(np.quantile(robust, hi)),
        "gap_mean": float((a - b).mean()),
        "gap_mean_lo": float(np.quantile(mean, lo)),
        "gap_mean_hi": float(np.quantile(mean, hi)),
    }


def best_at(front: pd.DataFrame, budget: float):
    """The member of ``front`` chosen at ``budget`` (None when no member costs that little).

    The lowest in-search robust deaths among the members whose re-evaluated robust cost is at
    most ``budget``.
    """
    inside = front[front["fresh_cost_usd_p90"] <= budget]
    if inside.empty:
        return None
    return inside.sort_values(["foreign_killed_p90", "fresh_cost_usd_p90"], kind="stable").index[0]


def dominated_by(named: pd.DataFrame, front: pd.DataFrame) -> pd.Series:
    """For each named policy, the front members that dominate it (comma-separated).

    On the re-evaluated robust objectives; "" when none does (it is on the combined front).
    """
    cols = [f"fresh_{o}_p90" for o in OBJECTIVES]
    f = front[cols].to_numpy(float)
    out = {}
    for name, row in named[cols].iterrows():
        x = row.to_numpy(float)
        better = np.all(f <= x, axis=1) & np.any(f < x, axis=1)
        out[name] = ", ".join(str(m) for m in front.index[better])
    return pd.Series(out, name="dominated_by")


def winners_curse(front: pd.DataFrame, objective: str = "foreign_killed") -> dict:
    """How optimistic the in-search values of a front were: mean of in-search minus fresh."""
    diff = front[f"{objective}_p90"] - front[f"fresh_{objective}_p90"]
    return {"members": int(len(front)), "mean_in_search_minus_fresh": float(diff.mean())}
