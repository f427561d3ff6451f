"""The report's section on what the foreign component adds: each joint policy minus its twins.

Written when the sweep holds a joint policy and at least one of its host-only twins
(:mod:`scenarios.twins`); otherwise it says that the joint policies are compared as bundles.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis import (
    INCREMENT_OUTCOMES,
    foreign_increment,
    format_differences,
    format_p,
    increment_pairs,
)

__all__ = ["write_increments"]


def write_increments(w, ok: pd.DataFrame, threats: list[str], per: str, units=None) -> None:
    """One table per threat level: the foreign increment on every outcome, with intervals.

    ``units`` puts a table's totals in the report's units (:meth:`sim.report.sections.Frame.units`).
    """
    w.h(2, "What the foreign component adds")
    if not increment_pairs(ok.policy):
        w.p(
            "The sweep has no host-only twins (<joint>_twin_personnel, <joint>_twin_cost), so "
            "it cannot separate the foreign component from the host levers a joint policy "
            "bundles with it (armor, hardening, vetting, more units): its joint policies are "
            "compared with the baseline as bundles. experiment=joint_vs_domestic runs the "
            "twins.",
            "note",
        )
        return
    w.p(
        "Each joint policy against its host-only twin: the same host levers, each foreign guard "
        "replaced by one host guard (equal personnel) or by as many as the same money pays "
        f"(equal cost); paired differences joint - twin over the horizon ({per}), with 95% "
        "intervals. It holds the assumptions the record cannot inform at their stated values "
        "(see 'The assumptions that decide the answer'); python -m sim.conditions maps where "
        "the increment changes sign."
    )
    present = [o for o in INCREMENT_OUTCOMES if o in ok]
    for threat in threats:
        rows = ok[ok.threat == threat]
        if not increment_pairs(rows.policy):
            continue
        t = foreign_increment(rows, outcomes=present)
        if units is not None:
            t = units(t)
        shown = pd.DataFrame(
            {
                "joint policy": t.joint,
                "basis": "equal " + t.basis,
                "outcome": t.outcome,
                "increment [95% CI]": format_differences(t),
                "p": t.p_value.map(format_p),
            }
        )
        w.table(
            f"foreign_increment_{threat}",
            shown,
            f"The foreign increment under the {threat} threat: joint policy minus its host-only "
            f"twin, on every outcome ({per})",
            t.drop(columns=["method"]),
        )
