"""The report's trade-offs: the Pareto set with practical margins, and regret."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis import format_number, pareto_front, regret_table, summarize
from sim.analysis.units import factor as unit_factor
from sim.report.inputs import BASELINE, SUMMARY, baseline_first

if TYPE_CHECKING:
    from sim.report.frame import Frame
    from sim.report.writer import Writer

__all__ = ["write_regret", "write_tradeoffs"]


def write_tradeoffs(w: Writer, f: Frame) -> None:
    """Per threat level: deaths against each price (figure) and the Pareto set (table)."""
    from sim.analysis import plots

    w.h(2, "The price of protection: trade-offs")
    for threat in f.sweep.threats:
        at = f.ok[f.ok.threat == threat]
        summary = baseline_first(f.units(summarize(at, outcomes=SUMMARY)))
        front = pareto_front(at, baseline=BASELINE, margin=f.sweep.margin)
        w.figure(
            plots.tradeoff(summary, pareto=front.pareto, title=f.title(threat)),
            f"Foreign deaths {f.per} against foreign security person-days, cost and "
            f"legitimacy under the {threat} threat; Pareto-efficient: "
            + ", ".join(front.index[front.pareto])
            + f" (a difference counts only when its paired 95% interval lies beyond "
            f"{f.sweep.margin:.0%} of {BASELINE}'s mean on that objective)",
            f"tradeoff_{threat}",
        )
        shown = pd.DataFrame(
            {
                "policy": front.index,
                "Pareto-efficient": ["yes" if e else "no" for e in front.pareto],
                "dominated by": [d or "-" for d in front.dominated_by],
            }
        )
        w.table(
            f"pareto_{threat}",
            shown,
            f"Pareto set under the {threat} threat on foreign deaths, foreign security "
            f"person-days and cost, with practical margins of {f.sweep.margin:.0%} of {BASELINE}'s "
            "mean: a policy is dominated by one that is better beyond the margin on some "
            "objective and worse beyond it on none",
            front.reset_index(),
        )


def write_regret(w: Writer, f: Frame) -> None:
    """Regret on foreign deaths across the threat levels (and design points)."""
    w.h(2, "Regret")
    ok = f.ok
    scenario = ["threat", "point"] if ok.point.nunique() > len(f.sweep.threats) else ["threat"]
    regret = regret_table(
        ok, "foreign_killed", scenario, margin=f.sweep.margin, baseline=BASELINE
    ).reset_index()
    scale = unit_factor(f.sweep.days, f.sweep.units)  # regret is in deaths, a total
    for c in ("max_regret", "mean_regret", "p90_regret"):
        regret[c] = regret[c] * scale
    shown = regret.assign(
        **{
            c: regret[c].map(lambda v: format_number(v, 2))
            for c in ("max_regret", "mean_regret", "p90_regret")
        },
        share_best=regret.share_best.map(lambda v: f"{v:.0%}"),
    )
    w.table(
        "regret",
        shown,
        "Regret on foreign deaths across "
        + ("threat levels and design points" if len(scenario) > 1 else "threat levels")
        + f" (deaths {f.per} more than the best policy in each setting; Savage 1951; best: "
        f"within {f.sweep.margin:.0%} of {BASELINE}'s mean)",
        regret,
    )
