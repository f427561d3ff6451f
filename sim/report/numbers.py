"""The numbers the report adds to the analysis: prices per death averted, sensitivity, splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import (
    COMPARED,
    compare,
    paired_differences,
)
from sim.model.outcomes import OUTCOMES
from sim.report.inputs import BASELINE, Sweep

__all__ = [
    "ROOT",
    "adversary_split",
    "break_even_prices",
    "comparison",
    "design_factors",
    "design_sensitivity",
    "pairs_differing",
    "per_period",
    "unit_of",
    "validation_table",
]


ROOT = Path(__file__).resolve().parents[2]


# ---- numbers ------------------------------------------------------------------------------------
def unit_of(outcome: str) -> str:
    """An outcome's unit (:data:`sim.model.outcomes.OUTCOMES`)."""
    return OUTCOMES[outcome].unit if outcome in OUTCOMES else ""


def per_period(days: int) -> str:
    """The period a run covers, as the tables say it ("a year", "per 30 days")."""
    return "a year" if days == 365 else f"per {days} days"


def comparison(sweep: Sweep, threat: str) -> pd.DataFrame:
    """The paired comparison of every policy with the baseline under one threat level."""
    rows = sweep.results[sweep.results.threat == threat]
    # pairs are (replication, design point): with a design, the comparison averages over it
    table = compare(rows, baseline=BASELINE, outcomes=COMPARED)
    table.attrs["baseline"] = BASELINE
    return table


def pairs_differing(sweep: Sweep, threat: str, policy: str, outcome: str) -> int:
    """How many paired replications differ in ``outcome`` (the events an interval rests on)."""
    rows = sweep.results[sweep.results.threat == threat]
    return int(np.count_nonzero(paired_differences(rows, policy, BASELINE, outcome)["diff"]))


def _ratio_interval(
    num: np.ndarray, den: np.ndarray, level: float = 0.95, n_boot: int = 4000, seed: int = 0
) -> tuple[float, float, float]:
    """``mean(num) / mean(den)`` and its paired bootstrap percentile interval.

    Efron and Tibshirani (1993, ch. 13); NaN ends when the denominator's resamples reach 0.
    """
    n = len(num)
    value = float(num.mean() / den.mean()) if den.mean() != 0 else np.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    d = den[idx].mean(axis=1)
    if np.any(d <= 0) if den.mean() > 0 else np.any(d >= 0):
        return value, np.nan, np.nan
    r = num[idx].mean(axis=1) / d
    a = (1 - level) / 2
    lo, hi = np.quantile(r, [a, 1 - a])
    return value, float(lo), float(hi)


def break_even_prices(sweep: Sweep) -> pd.DataFrame:
    """Per threat level and policy: the price of a foreign death averted, with intervals.

    The extra cost and foreign security person-days per foreign death averted against the
    baseline, with paired bootstrap intervals.

    These are the break-even values of the assumption every reader brings: a policy is worth
    its price when a foreign life is valued above its cost per death averted (and when the
    foreign presence per death averted is acceptable). Undefined where the policy does not
    clearly avert deaths (the interval of deaths averted reaches 0 or below).
    """
    rows = []
    for threat in sweep.threats:
        at = sweep.results[sweep.results.threat == threat]
        for policy in [p for p in pd.unique(at.policy) if p != BASELINE]:
            saved = -paired_differences(at, policy, BASELINE, "foreign_killed")["diff"].to_numpy(
                float
            )
            row = {"threat": threat, "policy": policy, "deaths_averted": float(saved.mean())}
            for name in ("cost_usd", "foreign_security_person_days"):
                extra = paired_differences(at, policy, BASELINE, name)["diff"].to_numpy(float)
                value, lo, hi = _ratio_interval(extra, saved)
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
    rows, fitted_from = [], None
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break  # the table ends at its first line that is not a row
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0].startswith("*"):
            fitted_from = len(rows)  # the "fitted statistics" separator row
            continue
        rows.append(cells)
    table = pd.DataFrame(rows, columns=header)
    held = len(rows) if fitted_from is None else fitted_from
    table.insert(1, "role", ["held out"] * held + ["fitted"] * (len(rows) - held))
    return table, heading
