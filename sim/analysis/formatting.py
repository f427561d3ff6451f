"""Numbers as a reader sees them: estimates with the decimals their interval supports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.statistics import MAIN_OUTCOMES

__all__ = [
    "CONSOLE_WIDTH",
    "DECIDING",
    "MAX_DECIMALS",
    "comparison_cells",
    "held_assumptions",
    "format_differences",
    "format_estimate",
    "format_number",
    "format_p",
    "format_relative",
    "format_summary",
    "summary_cells",
    "uncertainty_statement",
    "wrap",
]


def _decimals(ref: float, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of ``ref``."""
    ref = abs(ref)
    if not np.isfinite(ref) or ref == 0:
        return 0
    return int(min(8, max(0, digits - 1 - math.floor(math.log10(ref)))))


def format_number(value: float, decimals: int, sign: bool = False, keep_sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals and thousands separators.

    Never "-0.00" for a value that rounds to zero, unless ``keep_sign``: then a nonzero value
    below the last decimal keeps its sign ("+0.00", "-0.00"), as the end of an interval that
    excludes 0 must (:func:`format_estimate`). Exactly 0 prints as "0" with ``keep_sign``.
    """
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    rounded = round(float(value), decimals) + 0.0  # + 0.0: no negative zero
    if rounded == 0:
        if keep_sign and value != 0:
            return f"{'-' if value < 0 else '+'}{0:.{decimals}f}"
        if keep_sign:
            return "0"
        rounded = 0.0
    text = f"{rounded:{'+' if sign and rounded != 0 else ''},.{decimals}f}"
    return text


#: The most decimals an outcome is shown with: legitimacy is an index in [0, 1], and a tenth of
#: a thousandth of it is below anything a reader can act on.
MAX_DECIMALS = {"mean_legitimacy": 4}


def format_estimate(
    value: float,
    lo: float,
    hi: float,
    sign: bool = False,
    digits: int = 2,
    max_decimals: int = 8,
) -> str:
    """``value [lo, hi]`` with the precision that the interval supports.

    The decimals show ``digits`` significant digits of the interval's half-width (two by
    default, one more than the half-width's first digit, so the reader sees how wide it is);
    without a width (or one below a millionth of the value: the rounding noise of a difference
    that every pair shares), ``digits + 1`` significant digits of the value; at most
    ``max_decimals``. The ends say where 0 lies, as the test does: an interval that excludes 0
    never shows an end as 0 (it gets the decimals it needs, or keeps its sign: "+0.0000"), an
    end that is exactly 0 prints "0", and a nonzero end rounded to zero keeps its sign. No
    estimate prints as "-0".
    """
    if not (np.isfinite(lo) or np.isfinite(hi)) and not np.isfinite(value):
        return "n/a"
    if np.isfinite(lo) and np.isfinite(hi) and hi - lo > 2e-6 * abs(value):
        d = _decimals((hi - lo) / 2, digits)
    else:
        d = _decimals(value, digits + 1)
    d = min(d, max_decimals)
    excludes = (np.isfinite(lo) and lo > 0) or (np.isfinite(hi) and hi < 0)
    if excludes and np.isfinite(lo) and np.isfinite(hi):
        while d < 8 and (round(lo, d) == 0 or round(hi, d) == 0):
            d += 1
    zero_aware = bool(sign) or lo == 0 or hi == 0
    return (
        f"{format_number(value, d, sign)} "
        f"[{format_number(lo, d, sign, keep_sign=zero_aware)}, "
        f"{format_number(hi, d, sign, keep_sign=zero_aware)}]"
    )


def format_relative(r: float) -> str:
    """A relative change as a signed percentage, never "-0%".

    Whole percents, or two significant digits below 1% ("-0.017%").
    """
    if r is None or not np.isfinite(r):
        return "n/a"
    if r == 0:
        return "0%"
    if abs(r) >= 0.01:
        return f"{r:+.0%}"
    return f"{r * 100:+.2g}%"


def format_differences(table: pd.DataFrame) -> list[str]:
    """``diff [lo, hi]``, signed, for each row of a :func:`compare` table."""
    outcomes = table["outcome"] if "outcome" in table else [None] * len(table)
    return [
        format_estimate(d, lo, hi, sign=True, max_decimals=MAX_DECIMALS.get(o, 8))
        for d, lo, hi, o in zip(table["diff"], table.lo, table.hi, outcomes, strict=True)
    ]


def comparison_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The printed cells of a :func:`compare` table, the one rule for console, report and LaTeX.

    Columns: outcome, policy, "difference [95% CI]", relative, "better/tie/worse", p,
    "p (Holm)".
    """
    return pd.DataFrame(
        {
            "outcome": table["outcome"].to_numpy(),
            "policy": table["policy"].to_numpy(),
            "difference [95% CI]": format_differences(table),
            "relative": [format_relative(r) for r in table.rel_change],
            "better/tie/worse": [
                f"{b:.2f}/{t:.2f}/{x:.2f}"
                for b, t, x in zip(table.p_better, table.p_tie, table.p_worse, strict=True)
            ],
            "p": table.p_value.map(format_p).to_numpy(),
            "p (Holm)": table.p_holm.map(format_p).to_numpy(),
        }
    )


def summary_cells(summary: pd.DataFrame, outcomes) -> pd.DataFrame:
    """The printed ``mean [lo, hi]`` cells of a :func:`summarize` table.

    One column per outcome (the same rule as :func:`comparison_cells`), indexed as the summary.
    """
    return pd.DataFrame(
        {
            name: [
                format_estimate(
                    r[name], r[f"{name}_lo"], r[f"{name}_hi"],
                    max_decimals=MAX_DECIMALS.get(name, 8),
                )
                for _, r in summary.iterrows()
            ]
            for name in outcomes
        },
        index=summary.index,
    )  # fmt: skip


def format_p(p: float) -> str:
    """A p-value with two significant digits, or its bound ("< 0.0001") when it is that small."""
    if p is None or not np.isfinite(p):
        return "n/a"
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"


#: The widest line a console table prints (wider tables wrap their columns in blocks).
CONSOLE_WIDTH = 120


def wrap(text: str, width: int = 100) -> str:
    """Console prose: each line of ``text`` filled to ``width``, continuation lines indented."""
    import textwrap

    return "\n".join(
        textwrap.fill(line, width, subsequent_indent="    ") for line in text.splitlines()
    )


def format_summary(summary: pd.DataFrame, outcomes=MAIN_OUTCOMES) -> str:
    """Render a summary as ``mean [lo, hi]`` cells, one row per group (:func:`format_estimate`)."""
    if summary.empty:
        return "(no successful runs to summarize)"
    table = summary_cells(summary, outcomes)
    table.insert(0, "runs", summary["runs"].astype(int))
    return table.to_string(line_width=CONSOLE_WIDTH)


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
