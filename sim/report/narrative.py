"""The report's prose: conclusions generated from the numbers, with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import (
    compare,
    format_estimate,
    format_number,
    format_p,
)
from sim.model.outcomes import OUTCOMES
from sim.report.inputs import BASELINE, FEW_PAIRS, Sweep
from sim.report.numbers import pairs_differing, per_period

__all__ = ["conclusions", "forces", "listed", "verdict"]


# ---- conclusion ---------------------------------------------------------------------------------
def verdict(row, outcome: str) -> str:
    """Whether a difference is "better", "worse" or "cannot tell", by where its interval lies."""
    better = OUTCOMES[outcome].better
    if not (np.isfinite(row.lo) and np.isfinite(row.hi)):
        return "cannot tell"
    if row.lo > 0 or row.hi < 0:
        lower = row.hi < 0
        good = lower if better == "lower" else not lower
        return "better" if good else "worse"
    return "cannot tell"


def conclusions(sweep: Sweep, comparisons: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-language conclusions, one paragraph per threat level, generated from the numbers.

    Each names the policies that change foreign deaths against the baseline with intervals
    that exclude 0, those that cannot be told apart from it, and the price of the best one in
    cost, foreign security presence and legitimacy, each with its interval.
    """
    per = per_period(sweep.days)
    out = []
    for threat, table in comparisons.items():
        deaths = table[table.outcome == "foreign_killed"].set_index("policy")
        if deaths.empty:
            continue
        base_mean = float(deaths.baseline_mean.iloc[0])
        fewer = [p for p, r in deaths.iterrows() if verdict(r, "foreign_killed") == "better"]
        more = [p for p, r in deaths.iterrows() if verdict(r, "foreign_killed") == "worse"]
        unclear = [p for p in deaths.index if p not in fewer and p not in more]
        n = int(deaths.n.min())
        text = (
            f"Under the {threat} threat ({n} paired replications), {BASELINE} loses "
            f"{format_number(base_mean, 2)} foreign nationals {per}. "
        )
        if fewer:
            best = deaths.loc[fewer].sort_values("diff").index[0]
            r = deaths.loc[best]
            text += (
                f"{listed(fewer)} {'lose' if len(fewer) > 1 else 'loses'} fewer, with 95% "
                f"intervals that exclude no change; the largest reduction is {best}'s, "
                f"{format_estimate(r['diff'], r.lo, r.hi, sign=True)} deaths {per} "
                f"(p = {format_p(r.p_value)}, Holm-adjusted {format_p(r.p_holm)}). "
            )
            price = table[(table.policy == best) & (table.outcome != "foreign_killed")]
            parts = []
            for outcome in ("cost_usd", "foreign_security_person_days", "mean_legitimacy"):
                row = price[price.outcome == outcome]
                if len(row):
                    row = row.iloc[0]
                    parts.append(
                        f"{outcome.replace('_', ' ')} "
                        f"{format_estimate(row['diff'], row.lo, row.hi, sign=True)}"
                    )
            text += f"Its price against {BASELINE}: " + "; ".join(parts) + ". "
        else:
            text += "No policy clearly loses fewer foreign nationals than it. "
        if more:
            text += f"{listed(more)} clearly {'lose' if len(more) > 1 else 'loses'} more. "
        if unclear:
            text += (
                f"{listed(unclear)} cannot be told apart from {BASELINE} on foreign deaths at "
                "this precision (the interval includes no change); read that as 'not shown', "
                "not as 'no effect'. "
            )
        few = [
            p
            for p in deaths.index
            if pairs_differing(sweep, threat, p, "foreign_killed") < FEW_PAIRS
        ]
        if few:
            text += (
                f"Foreign deaths differed in fewer than {FEW_PAIRS} paired replications for "
                f"{listed(few)}: these intervals rest on very few events. "
            )
        text += _joint_vs_domestic(sweep, threat, deaths, per)
        out.append(text.strip())
    if sweep.precision is not None:
        p = sweep.precision
        targets = ", ".join(f"{k} +/- {v:g}" for k, v in p["rule"]["targets"].items())
        out.append(
            f"Replications were chosen by precision (targets: {targets}, 95% half-widths of "
            f"every paired difference): {p['replications']} paired replications; "
            + ("" if p["reached"] else "NOT every target reached: ")
            + f"{p['stopped']}."
        )
    return out


def forces(sweep: Sweep) -> dict[str, str]:
    """Policy -> its force ("domestic" or "joint"), from the sweep's composed scenarios."""
    out = {}
    for item in sweep.meta.get("base_scenarios", []):
        policy = item.get("scenario", {}).get("policy", {})
        if "name" in policy:
            out[policy["name"]] = policy.get("force", "domestic")
    return out


def _joint_vs_domestic(sweep: Sweep, threat: str, deaths: pd.DataFrame, per: str) -> str:
    """The best joint policy against the best host-only one on foreign deaths, paired."""
    force = forces(sweep)
    joint = [p for p in deaths.index if force.get(p) == "joint"]
    domestic = [p for p in deaths.index if force.get(p) == "domestic"] + [BASELINE]
    if not joint:
        return ""
    best_joint = deaths.loc[joint].sort_values("diff").index[0]
    best_dom = min(domestic, key=lambda p: deaths.loc[p, "diff"] if p in deaths.index else 0.0)
    if best_dom == BASELINE:
        r = deaths.loc[best_joint]
    else:
        rows = sweep.results[sweep.results.threat == threat]
        t = compare(
            rows[rows.policy.isin([best_joint, best_dom])],
            baseline=best_dom,
            outcomes=["foreign_killed"],
        )
        r = t.iloc[0]
    said = {
        "better": "loses fewer foreign nationals than",
        "worse": "loses more foreign nationals than",
        "cannot tell": "cannot be told apart on foreign deaths from",
    }[verdict(r, "foreign_killed")]
    return (
        f"Joint against domestic: the best joint policy, {best_joint}, {said} the best "
        f"host-only one, {best_dom} (paired difference "
        f"{format_estimate(r['diff'], r.lo, r.hi, sign=True)} deaths {per}). "
    )


def listed(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
