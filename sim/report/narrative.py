"""The report's prose: conclusions generated from the numbers, with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import (
    compare,
    foreign_increment,
    format_differences,
    format_estimate,
    format_number,
    format_p,
    in_units,
    increment_pairs,
    per_text,
)
from sim.model.outcomes import OUTCOMES
from sim.report.inputs import BASELINE, FEW_PAIRS, Sweep
from sim.report.numbers import design_factors, pairs_differing

__all__ = ["conclusions", "forces", "listed", "sign_changes", "verdict"]

#: How the prose names the prices of protection.
LABELS = {
    "cost_usd": "cost (USD)",
    "foreign_security_person_days": "foreign security person-days",
    "mean_legitimacy": "mean legitimacy",
}


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
    that exclude 0 (and their price in cost, foreign security presence and legitimacy), those
    that cannot be told apart from it, and those whose effect changes sign across a factor of
    the design (a condition, never a verdict). It names no "best" policy: picking the largest
    of several estimates would need a selection adjustment the report does not make. Joint
    policies are stated by their foreign increment over their host-only twins when the sweep
    has them, and otherwise said to be bundles.
    """
    per = per_text(sweep.days, sweep.units)
    out = []
    for threat, table in comparisons.items():
        deaths = table[table.outcome == "foreign_killed"].set_index("policy")
        if deaths.empty:
            continue
        base_mean = float(deaths.baseline_mean.iloc[0])
        flips = sign_changes(sweep, threat, list(deaths.index), BASELINE)
        fewer = [
            p
            for p, r in deaths.iterrows()
            if verdict(r, "foreign_killed") == "better" and p not in flips
        ]
        more = [
            p
            for p, r in deaths.iterrows()
            if verdict(r, "foreign_killed") == "worse" and p not in flips
        ]
        unclear = [p for p in deaths.index if p not in fewer and p not in more and p not in flips]
        n = int(deaths.n.min())
        text = (
            f"Under the {threat} threat ({n} paired replications), {BASELINE} loses "
            f"{format_number(base_mean, 2)} foreign nationals {per}. "
        )
        if fewer:
            text += (
                f"{listed(fewer)} {'lose' if len(fewer) > 1 else 'loses'} fewer, with 95% "
                "intervals that exclude 0: "
            )
            text += "; ".join(_fewer(table, deaths, p, per) for p in fewer) + ". "
        else:
            text += "No policy clearly loses fewer foreign nationals than it. "
        if more:
            text += f"{listed(more)} clearly {'lose' if len(more) > 1 else 'loses'} more. "
        text += "".join(flips.values())
        if unclear:
            text += (
                f"{listed(unclear)} cannot be told apart from {BASELINE} on foreign deaths at "
                "this precision (its interval includes 0); read that as 'not shown', "
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
        text += _increments(sweep, threat, deaths, per)
        text += _declared(sweep, threat, per)
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


def _fewer(table: pd.DataFrame, deaths: pd.DataFrame, policy: str, per: str) -> str:
    """One policy's reduction in foreign deaths and its price, each with its interval."""
    r = deaths.loc[policy]
    parts = []
    for outcome in ("cost_usd", "foreign_security_person_days", "mean_legitimacy"):
        row = table[(table.policy == policy) & (table.outcome == outcome)]
        if len(row):
            row = row.iloc[0]
            parts.append(f"{LABELS[outcome]} {format_differences(row.to_frame().T)[0]}")
    return (
        f"{policy} {format_estimate(r['diff'], r.lo, r.hi, sign=True)} deaths {per} "
        f"(p = {format_p(r.p_value)}, Holm-adjusted {format_p(r.p_holm)}; price "
        + ", ".join(parts)
        + ")"
    )


def sign_changes(sweep: Sweep, threat: str, policies: list[str], baseline: str) -> dict:
    """Policies whose effect on foreign deaths changes sign across a factor of the design.

    For each factor the design varies (over more than two values), the paired differences are
    regressed on it (:func:`sim.analysis.break_even`); a tie inside the explored range with a
    slope whose interval excludes 0 makes the effect conditional. Returns policy -> the
    sentence that says so (nothing for a sweep without such a factor).
    """
    from sim.analysis import break_even

    factors = design_factors(sweep)
    if not factors:
        return {}
    ok = sweep.results[(sweep.results.threat == threat) & (sweep.results.status == "ok")]
    out = {}
    for policy in policies:
        if policy == baseline:
            continue
        for factor in factors:
            try:
                s = break_even(ok, factor, policy, baseline=baseline, n_boot=500)
            except ValueError:
                continue
            if s["verdict"] == "tie inside the explored range":
                lower = s["slope"] > 0  # deaths fall below the tie when the slope is positive
                out[policy] = (
                    f"{policy}'s effect on foreign deaths against {baseline} changes sign "
                    f"across {factor}: it loses fewer foreign nationals only where {factor} "
                    f"is {'below' if lower else 'above'} {format_number(s['value'], 3)} "
                    f"[{format_number(s['lo'], 3)}, {format_number(s['hi'], 3)}] (explored "
                    f"{format_number(s['range_lo'], 3)}-{format_number(s['range_hi'], 3)}), "
                    "so no verdict holds without that condition. "
                )
                break
    return out


def _increments(sweep: Sweep, threat: str, deaths: pd.DataFrame, per: str) -> str:
    """What the foreign component adds: each joint policy minus its host-only twin."""
    force = forces(sweep)
    joint = [p for p in deaths.index if force.get(p) == "joint"]
    if not joint:
        return ""
    rows = sweep.results[(sweep.results.threat == threat) & (sweep.results.status == "ok")]
    pairs = increment_pairs(rows.policy)
    if not pairs:
        return (
            f"The joint policies are compared with {BASELINE} as bundles (foreign personnel "
            "together with host levers such as armor, hardening and vetting); this sweep has "
            "no host-only twins (<joint>_twin_personnel, <joint>_twin_cost), so it does not "
            "say what the foreign component itself adds. "
        )
    t = in_units(foreign_increment(rows, outcomes=["foreign_killed"]), sweep.days, sweep.units)
    parts = []
    for r in t.itertuples():
        flip = sign_changes(sweep, threat, [r.joint], r.twin).get(r.joint)
        said = (
            "changes sign across the design (see below)"
            if flip
            else format_estimate(r.diff, r.lo, r.hi, sign=True)
        )
        parts.append(f"{r.joint} at equal {r.basis} {said}")
    return (
        "The foreign increment (each joint policy minus its host-only twin, on the same "
        f"seeds), foreign deaths {per}: " + "; ".join(parts) + ". "
    )


def _declared(sweep: Sweep, threat: str, per: str) -> str:
    """The contrasts the experiment declared before it ran, each with its interval."""
    from sim.sweeps.designs import split_contrast

    declared = [split_contrast(c) for c in sweep.experiment.get("contrasts", [])]
    rows = sweep.results[(sweep.results.threat == threat) & (sweep.results.status == "ok")]
    parts = []
    for a, b in declared:
        pair = rows[rows.policy.isin([a, b])]
        if set(pair.policy) != {a, b}:
            continue
        flip = sign_changes(sweep, threat, [a], b).get(a)
        if flip:
            parts.append(flip.strip())
            continue
        r = in_units(
            compare(pair, baseline=b, outcomes=["foreign_killed"]), sweep.days, sweep.units
        ).iloc[0]
        parts.append(f"{a} - {b} {format_estimate(r['diff'], r.lo, r.hi, sign=True)}")
    if not parts:
        return ""
    return f"Declared contrasts, foreign deaths {per}: " + "; ".join(parts) + ". "


def listed(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
