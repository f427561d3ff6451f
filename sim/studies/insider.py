"""Does legitimacy feed intelligence, and does vetting stop the insider? The insider study.

    python -m sim.insider [replications=100] [workers=2] [days=1825] [out=docs/insider.md]

writes the document and, beside it, the per-arm means as CSV (``docs/insider.csv``).

Runs ``conf/experiment/insider.yaml``: ``joint_command`` under the baseline threat, the
sovereignty backlash at 0.004 and 0.016 crossed with vetting 0 and 1, at two values of the
assumption ``tip_interdiction``, every replication's seed shared by all arms. Each effect is a
main effect of the 2 x 2 design at one ``tip_interdiction``, paired within the replication: for
the backlash, the mean over the two vetting levels of (high backlash - low backlash), and the
other way round for vetting. Intervals are Student t intervals over the replications' paired
effects.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from sim.cli.commands import entry_point

#: The first line of the document the study writes.
HEADING = "# Insiders, tips and legitimacy under joint command"

__all__ = ["EFFECTS", "effects", "insider_markdown", "main"]

BACKLASH, VETTING, TIPS = "backlash", "policy.vetting", "tip_interdiction"
LOW_B, HIGH_B = 0.004, 0.016
#: The effects the study reports: (factor, outcome, the direction the mechanism predicts).
EFFECTS = [
    (BACKLASH, "mean_legitimacy", "lower"),
    (BACKLASH, "tips", "lower"),
    (BACKLASH, "interdictions_per_cell_year", "lower"),
    (BACKLASH, "cell_years", "higher"),
    (BACKLASH, "plots_interdicted", "lower"),
    (VETTING, "itineraries_leaked", "lower"),
    (VETTING, "insider_attacks", "lower"),
]
OUTCOMES = sorted({o for _, o, _ in EFFECTS})


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Each run's interdictions per cell-year: the interdiction pressure on a cell."""
    frame = frame.copy()
    years = frame["cell_years"].to_numpy(float)
    rate = np.divide(
        frame["plots_interdicted"].to_numpy(float), years, out=np.zeros(len(frame)), where=years > 0
    )
    frame["interdictions_per_cell_year"] = rate
    return frame


def _arms(ok: pd.DataFrame) -> dict:
    """``{(backlash, vetting): runs sorted by replication}``; refuses an incomplete design."""
    reps = sorted(ok.replication.unique())
    arms = {}
    for b in (LOW_B, HIGH_B):
        for v in (0.0, 1.0):
            arm = ok[np.isclose(ok[BACKLASH], b) & np.isclose(ok[VETTING], v)]
            if len(arm) != len(reps) or sorted(arm.replication) != reps:
                raise ValueError(
                    f"arm backlash={b}, vetting={v} has {len(arm)} runs for {len(reps)} "
                    "replications: the study needs every arm on every replication"
                )
            arms[(b, v)] = arm.sort_values("replication")
    return arms


def effects(frame: pd.DataFrame, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The arms' means, and each main effect with its paired t interval.

    Computed separately at each level of ``tip_interdiction`` the frame holds (the assumption
    that sets how much tips lead to interdictions).
    """
    ok = frame[frame.status == "ok"] if "status" in frame else frame
    if "cell_years" in ok and "plots_interdicted" in ok:
        ok = _with_rates(ok)
    levels = sorted(ok[TIPS].unique()) if TIPS in ok else [None]
    means, rows = [], []
    for tip in levels:
        part = ok if tip is None else ok[np.isclose(ok[TIPS], tip)]
        m, r = _effects_at(_arms(part), level)
        for x in (*m, *r):
            x[TIPS] = tip
        means += m
        rows += r
    return pd.DataFrame(means), pd.DataFrame(rows)


def _effects_at(arms: dict, level: float) -> tuple[list, list]:
    means = [
        {"backlash": b, "vetting": v, **{o: float(arm[o].mean()) for o in OUTCOMES}}
        for (b, v), arm in arms.items()
    ]
    rows = []
    for factor, outcome, predicted in EFFECTS:

        def col(b, v, outcome=outcome):
            return arms[(b, v)][outcome].to_numpy(float)

        if factor == BACKLASH:
            d = 0.5 * ((col(HIGH_B, 0.0) - col(LOW_B, 0.0)) + (col(HIGH_B, 1.0) - col(LOW_B, 1.0)))
            change = f"backlash {LOW_B:g} -> {HIGH_B:g}"
        else:
            d = 0.5 * ((col(LOW_B, 1.0) - col(LOW_B, 0.0)) + (col(HIGH_B, 1.0) - col(HIGH_B, 0.0)))
            change = "vetting 0 -> 1"
        n = len(d)
        mean = float(d.mean())
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
        lo, hi = mean - half, mean + half
        base = float(np.mean([arms[k][outcome].mean() for k in arms]))
        rows.append(
            {
                "change": change,
                "outcome": outcome,
                "effect": mean,
                "lo": lo,
                "hi": hi,
                "mean_of_arms": base,
                "predicted": predicted,
                "as_predicted": bool(hi < 0) if predicted == "lower" else bool(lo > 0),
                "replications": n,
            }
        )
    return means, rows


def _num(x: float) -> str:
    """Three significant digits, never -0."""
    text = f"{x:+.3g}"
    return text.replace("-0", "0") if float(text) == 0 else text


def insider_markdown(table: pd.DataFrame, days: int, command: str, provenance: str = "") -> str:
    """The study as a markdown document."""
    n = int(table.replications.iloc[0])
    lines = [
        HEADING,
        "",
        f"`joint_command` under the baseline threat, CPEC network, {days} days "
        f"({days / 365:g} years), {n} replications of a 2 x 2 design: the sovereignty backlash "
        f"at {LOW_B:g} and {HIGH_B:g} a day per 100 foreign personnel, crossed with vetting 0 "
        "and 1, run at each value of the assumption `tip_interdiction` (the default 0.005, and "
        "ten times it: how much a tip leads to interdiction). Every replication's seed is shared "
        "by all arms (common random numbers); each effect is a main effect, paired within the "
        "replication, with a Student t 95% interval over replications.",
        "",
        f"Command: `{command}`" + (f" ({provenance})" if provenance else ""),
        "",
        "| `tip_interdiction` | change | outcome (over the horizon) | mean of the arms | effect "
        "| 95% interval | expected | interval on the expected side of 0 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        tip = "" if pd.isna(r.tip_interdiction) else f"{r.tip_interdiction:g}"
        lines.append(
            f"| {tip} | {r.change} | `{r.outcome}` | {r.mean_of_arms:.3g} | {_num(r.effect)} | "
            f"{_num(r.lo)} to {_num(r.hi)} | {r.predicted} | "
            f"{'yes' if r.as_predicted else 'no'} |"
        )
    lines += [
        "",
        "Reading: visible foreign personnel cost legitimacy (the backlash), and legitimacy is "
        "what makes people give tips (Berman, Shapiro and Felter 2011): a stronger backlash "
        "lowers tips and with them the interdiction pressure on each cell (interdictions per "
        "cell-year). It also raises grievance, hence recruitment, hence the cell stock "
        "(`cell_years`): the count of interdictions (`plots_interdicted`) can rise although "
        "each cell is rolled up less often, as there are more cells to roll up. Read the "
        "count together with the stock; the rows at ten times the default "
        "`tip_interdiction` show whether that holds when tips weigh more. Vetting the host "
        "officials, drivers and guards who hold "
        "the itinerary lowers the leaks and the insider attacks. The sizes rest on stated "
        "assumptions (`tip_rate`, `tip_interdiction`, `recruitment_rate`, `vetting_effect`, "
        "`insider_rate`; `docs/ODD.md`).",
    ]
    return "\n".join(lines) + "\n"


def _report(frame: pd.DataFrame, days: int, command: str, provenance: str):
    means, table = effects(frame)
    return insider_markdown(table, days, command, provenance), means


@entry_point("nothing was written; run the same command again")
def main(argv: list[str] | None = None) -> int:
    """Run the study and write its document; 2 on bad input."""
    from sim.studies.common import run_study

    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = {"replications": 100, "workers": 2, "days": 1825, "out": "docs/insider.md"}
    return run_study(argv, "sim.insider", "insider", defaults, _report, HEADING)


if __name__ == "__main__":
    raise SystemExit(main())
