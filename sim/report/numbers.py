"""The numbers the report adds to the analysis: prices per death averted, sensitivity, splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import (
    COMPARED,
    compare,
    paired_differences,
    ratio_interval,
)
from sim.analysis.units import in_units
from sim.model.outcomes import OUTCOMES
from sim.report.inputs import BASELINE, Sweep

__all__ = [
    "ROOT",
    "adversary_split",
    "break_even_prices",
    "comparison",
    "comparison_of",
    "design_factors",
    "design_sensitivity",
    "pairs_differing",
    "unit_of",
    "validation_table",
]


ROOT = Path(__file__).resolve().parents[2]


# ---- numbers ------------------------------------------------------------------------------------
def unit_of(outcome: str) -> str:
    """An outcome's unit (:data:`sim.model.outcomes.OUTCOMES`)."""
    return OUTCOMES[outcome].unit if outcome in OUTCOMES else ""


def comparison(sweep: Sweep, threat: str) -> pd.DataFrame:
    """The paired comparison of every policy with the baseline under one threat level.

    In the sweep's units: the one table the console, the report, its CSV and LaTeX print from.
    """
    return comparison_of(sweep.results, threat, sweep.days, sweep.units)


def comparison_of(results: pd.DataFrame, threat: str, days: int, units: str = "year"):
    """:func:`comparison` of a results table (what ``make demo`` prints on the console)."""
    rows = results[results.threat == threat]
    # pairs are (replication, design point): with a design, the comparison averages over it
    table = compare(rows, baseline=BASELINE, outcomes=COMPARED)
    table.attrs["baseline"] = BASELINE
    return in_units(table, days, units)


def pairs_differing(sweep: Sweep, threat: str, policy: str, outcome: str) -> int:
    """How many paired replications differ in ``outcome`` (the events an interval rests on)."""
    rows = sweep.results[sweep.results.threat == threat]
    return int(np.count_nonzero(paired_differences(rows, policy, BASELINE, outcome)["diff"]))


def break_even_prices(sweep: Sweep, comparisons: dict | None = None) -> pd.DataFrame:
    """Per threat level and policy: the price of a foreign death averted, with intervals.

    The extra cost and foreign security person-days per foreign death averted against the
    baseline: the ratio of the paired mean differences, with the interval that inverts the
    comparison's own sign-flip test (:func:`sim.analysis.ratio_interval`, Fieller 1954).

    These are the break-even values of the assumption every reader brings: a policy is worth
    its price when a foreign life is valued above its cost per death averted (and when the
    foreign presence per death averted is acceptable). A price is stated only where the
    comparison's 95% interval of deaths averted lies above 0 (``status`` "averts deaths");
    otherwise ``status`` says "averts none" or "costs lives" and the price is NaN, never a
    negative or meaningless number. Deaths averted (``deaths_averted``, ``_lo``, ``_hi``) are
    the comparison's own numbers, negated, in the sweep's units; a ratio has none.
    """
    rows = []
    for threat in sweep.threats:
        table = (comparisons or {}).get(threat)
        if table is None:
            table = comparison(sweep, threat)
        deaths = table[table.outcome == "foreign_killed"].set_index("policy")
        at = sweep.results[sweep.results.threat == threat]
        for policy in deaths.index:
            r = deaths.loc[policy]
            status = "averts deaths" if r.hi < 0 else "costs lives" if r.lo > 0 else "averts none"
            row = {
                "threat": threat,
                "policy": policy,
                "deaths_averted": -float(r["diff"]),
                "deaths_averted_lo": -float(r.hi),
                "deaths_averted_hi": -float(r.lo),
                "status": status,
            }
            if status == "averts deaths":
                saved = -paired_differences(at, policy, BASELINE, "foreign_killed")["diff"]
            for name in ("cost_usd", "foreign_security_person_days"):
                value = lo = hi = np.nan
                if status == "averts deaths":
                    extra = paired_differences(at, policy, BASELINE, name)["diff"]
                    value, lo, hi = ratio_interval(extra.to_numpy(float), saved.to_numpy(float))
                row[f"{name}_per_death_averted"] = value
                row[f"{name}_per_death_averted_lo"] = lo
                row[f"{name}_per_death_averted_hi"] = hi
            rows.append(row)
    return pd.DataFrame(rows)


def adversary_split(sweep: Sweep) -> pd.DataFrame | None:
    """The comparison under the adaptive and the static adversary, where the sweep has both.

    The static adversary keeps its beliefs fixed (``belief_rate`` 0); the adaptive one learns.
    """
    r = sweep.results
    if "belief_rate" not in r or not ((r.belief_rate == 0).any() and (r.belief_rate > 0).any()):
        return None
    r = r.assign(adversary=np.where(r.belief_rate > 0, "adaptive", "static"))
    table = compare(r, baseline=BASELINE, outcomes=["foreign_killed"], by=["threat", "adversary"])
    table.attrs["baseline"] = BASELINE
    return table


def design_factors(sweep: Sweep) -> list[str]:
    """The design's parameters with a column in the results (threat.x -> x)."""
    from sim.analysis import design_column

    design = sweep.experiment.get("design", {})
    keys = list(design.get("factors", {})) + list(design.get("ranges", {}))
    keys += sorted({k for p in design.get("points", []) for k in p})
    out = []
    for key in keys:
        col = design_column(key)
        if key not in ("threat", "network") and col in sweep.results and col not in out:
            if sweep.results[col].nunique() > 2:
                out.append(col)
    return out


def design_sensitivity(ok: pd.DataFrame, factors: list[str], policies: list[str]) -> pd.DataFrame:
    """Per policy and design parameter: how the paired difference in deaths follows it.

    Spearman's rank correlation of the parameter with the paired difference in foreign deaths
    (policy - baseline), with the 95% interval of Bonett and Wright (2000):
    ``tanh(atanh(rho) +- 1.96 sqrt((1 + rho^2 / 2) / (n - 3)))``.
    """
    from scipy import stats

    rows = []
    keys = ["replication", "point"]
    for policy in policies:
        pairs = paired_differences(ok, policy, BASELINE, "foreign_killed")
        settings = ok[ok.policy == policy].set_index(keys)[factors]
        x = settings.loc[pd.MultiIndex.from_frame(pairs[keys])].reset_index(drop=True)
        d = pairs["diff"].to_numpy(float)
        n = len(d)
        for factor in factors:
            if n < 5 or np.ptp(d) == 0 or x[factor].nunique() < 3:
                continue
            rho = float(stats.spearmanr(x[factor], d).statistic)
            half = 1.96 * np.sqrt((1 + rho**2 / 2) / (n - 3))
            z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
            lo, hi = float(np.tanh(z - half)), float(np.tanh(z + half))
            rows.append(
                {"policy": policy, "parameter": factor, "rho": rho, "lo": lo, "hi": hi, "n": n}
            )
    return pd.DataFrame(rows)


def validation_table(path: Path = ROOT / "docs" / "validation.md") -> tuple[pd.DataFrame, str]:
    """The posterior predictive checks of the calibrated model, and their document's heading.

    Read from ``docs/validation.md``, which ``python -m sim.validate`` writes.
    """
    text = path.read_text()
    heading = text.splitlines()[0].lstrip("# ").strip()
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| statistic | observed"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows, roles, role = [], [], "held out"
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break  # the table ends at its first line that is not a row
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0].startswith("*"):  # a separator row names the role of the rows after it
            role = "derived" if "derived" in cells[0] else "fitted"
            continue
        rows.append([c.replace("**", "") for c in cells])  # Markdown's bold is not a value
        roles.append(role)
    table = pd.DataFrame(rows, columns=header)
    table.insert(1, "role", roles)
    return table, heading
