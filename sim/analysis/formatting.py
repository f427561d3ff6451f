"""Numbers as a reader sees them: estimates with the decimals their interval supports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.statistics import MAIN_OUTCOMES

__all__ = [
    "DECIDING",
    "held_assumptions",
    "format_differences",
    "format_estimate",
    "format_number",
    "format_p",
    "format_summary",
    "uncertainty_statement",
]


def _decimals(ref: float, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of ``ref``."""
    ref = abs(ref)
    if not np.isfinite(ref) or ref == 0:
        return 0
    return int(min(8, max(0, digits - 1 - math.floor(math.log10(ref)))))


def format_number(value: float, decimals: int, sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals and thousands separators; never "-0.00"."""
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    rounded = round(float(value), decimals) + 0.0  # + 0.0: no negative zero
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:{'+' if sign and rounded != 0 else ''},.{decimals}f}"
    return text


def format_estimate(value: float, lo: float, hi: float, sign: bool = False, digits: int = 2) -> str:
    """``value [lo, hi]`` with the precision that the interval supports.

    The decimals show ``digits`` significant digits of the interval's half-width (two by
    default, one more than the half-width's first digit, so the reader sees how wide it is);
    without a width (or one below a millionth of the value: the rounding noise of a difference
    that every pair shares), ``digits + 1`` significant digits of the value. No value prints as
    "-0".
    """
    if np.isfinite(lo) and np.isfinite(hi) and hi - lo > 2e-6 * abs(value):
        d = _decimals((hi - lo) / 2, digits)
    else:
        d = _decimals(value, digits + 1)
    if not (np.isfinite(lo) or np.isfinite(hi)) and not np.isfinite(value):
        return "n/a"
    return (
        f"{format_number(value, d, sign)} "
        f"[{format_number(lo, d, sign)}, {format_number(hi, d, sign)}]"
    )


def format_differences(table: pd.DataFrame) -> list[str]:
    """``diff [lo, hi]``, signed, for each row of a :func:`compare` table."""
    return [
        format_estimate(d, lo, hi, sign=True)
        for d, lo, hi in zip(table["diff"], table.lo, table.hi, strict=True)
    ]


def format_p(p: float) -> str:
    """A p-value with two significant digits, or its bound ("< 0.0001") when it is that small."""
    if p is None or not np.isfinite(p):
        return "n/a"
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"


def format_summary(summary: pd.DataFrame, outcomes=MAIN_OUTCOMES) -> str:
    """Render a summary as ``mean [lo, hi]`` cells, one row per group (:func:`format_estimate`)."""
    if summary.empty:
        return "(no successful runs to summarize)"
    table = pd.DataFrame(
        {
            name: [
                format_estimate(r[name], r[f"{name}_lo"], r[f"{name}_hi"])
                for _, r in summary.iterrows()
            ]
            for name in outcomes
        },
        index=summary.index,
    )
    table.insert(0, "runs", summary["runs"].astype(int))
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        return table.to_string()


#: The assumptions the record cannot inform that can decide the joint-vs-domestic answer, by
#: results column (the conditions study, sim.conditions, varies them together).
DECIDING = (
    "foreign_effect_ratio",
    "foreign_detect_ratio",
    "backlash",
    "intel_interdiction",
    "intel_detection",
    "raid_effect_foreign",
    "surveillance_backlash",
    "belief_rate",
)
#: The parameters a posterior draw sets (conf/calibration/posterior.csv).
CALIBRATED = ("ambush_rate", "site_attack_rate", "lethality", "effect_domestic", "leak_prob",
              "insider_rate")  # fmt: skip


def held_assumptions(results: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The deciding assumptions held at one value (as ``name = value``), and those varied."""
    held, varied = [], []
    for name in DECIDING:
        if name not in results:
            continue
        values = pd.unique(results[name].dropna())
        if len(values) == 1:
            held.append(f"{name} = {values[0]:g}")
        else:
            varied.append(name)
    return held, varied


def uncertainty_statement(results: pd.DataFrame) -> str:
    """What the intervals of ``results`` include: what was drawn (and from what), what held."""
    draws = results["posterior_draw"] if "posterior_draw" in results else pd.Series([-1])
    used = draws[draws >= 0]
    held, varied = held_assumptions(results)
    tail = ""
    if held:
        tail = (
            " Held at one value, not drawn, though they can decide the joint-vs-domestic answer: "
            + ", ".join(held)
            + (f" (varied by the design: {', '.join(varied)})" if varied else "")
            + "; python -m sim.conditions varies them together."
        )
    if len(used) and len(used) == len(draws):
        return (
            "Intervals include run-to-run variation and the uncertainty of the calibrated "
            f"parameters ({', '.join(CALIBRATED)}): every replication ran with one of "
            f"{used.nunique()} parameter sets drawn from the calibrated posterior, the same set "
            "under every policy (common random numbers on parameters and seeds)." + tail
        )
    if len(used):
        return (
            "Intervals mix runs with and without posterior parameter sets: "
            f"{len(used)} of {len(draws)} runs used one." + tail
        )
    return (
        "Intervals include run-to-run variation at the calibrated parameters only, not "
        "parameter uncertainty; posterior=N draws parameter sets from the posterior." + tail
    )
