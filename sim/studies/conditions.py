"""What does the foreign component add, and under which conditions? The conditions study.

    python -m sim.conditions [replications=5] [samples=200] [workers=2] [days=1825]
                             [out=docs/conditions.md] [rows=results/foreign_increment_conditions]

writes the document and, beside it, the break-even table as CSV (``docs/conditions.csv``); the
runs stay in the sweep folder ``rows`` (an interrupted study resumes from it).

Runs ``conf/experiment/foreign_increment_conditions.yaml``: each joint policy and its host-only
twins (:mod:`scenarios.twins`) over a Latin hypercube of the assumptions the record cannot
inform (the foreign effect ratio, backlash, the intelligence constants, the joint raids' effect,
the foreign guard's cost), a few paired replications per point. Per-point precision would need
about 270 replications a point, so the study pools over points (as in metamodel-based
exploratory modelling; Kleijnen 2015, ch. 2-3):

- each arm's foreign deaths follow a quasi-Poisson GLM with a log link over the assumptions
  (McCullagh and Nelder 1989), linear terms plus the square of the effect ratio; the fitted
  increment at ``x`` is ``mu_joint(x) - mu_twin(x)`` (deaths a year);
- the break-even effect ratio is the fitted zero of the increment along the ratio, the other
  assumptions held at given values (their defaults, or backlash on a grid: the break-even
  curve); its interval is the percentile interval over a bootstrap of the design points
  (Efron and Tibshirani 1993), with the share of resamples that find no zero in range;
- PRIM boxes (Friedman and Fisher 1999; EMA Workbench) of the points where the increment saves
  lives, with ties as ties: a point is better, tied (no difference in any replication pair) or
  worse, and ties are left out of the cases of interest and reported.

The sentence the study prints is conditional ("lowers foreign deaths only where ...") and names
what the zero depends on; where the sign of the fitted increment does not change inside the
explored ranges it says so instead.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from scenarios.twins import BASES, twin_name
from sim.cli.commands import entry_point

__all__ = [
    "EXPERIMENT",
    "HEADING",
    "RATIO",
    "break_even_ratio",
    "conditions",
    "conditions_markdown",
    "fit_arm",
    "main",
    "point_table",
    "sentences_of",
]

EXPERIMENT = "foreign_increment_conditions"
#: The first line of the document the study writes.
HEADING = "# The foreign increment: what the foreign component adds, and when"
#: The assumption along which break-even is solved.
RATIO = "threat.foreign_effect_ratio"
BACKLASH = "threat.backlash"
OUTCOME = "foreign_killed"
#: Backlash values of the break-even curve.
BACKLASH_GRID = (0.0, 0.004, 0.01, 0.02)


def point_table(
    frame: pd.DataFrame, points: list[dict], joint: str, basis: str, outcome: str = OUTCOME
) -> pd.DataFrame:
    """Per run pair: the assumptions of its point, the joint and twin outcome a year, the class.

    ``points`` are the design's points (their index is the ``point`` column). Returns one row
    per (point, replication) with the assumption columns, ``joint``, ``twin``, ``diff`` and
    per point ``klass``: ``better`` (mean difference below 0), ``worse`` or ``tie`` (every pair
    equal).
    """
    ok = frame[frame.status == "ok"] if "status" in frame else frame
    days = _days(ok)
    keys = ["point", "replication"]
    a = ok[ok.policy == joint].set_index(keys)[outcome]
    b = ok[ok.policy == twin_name(joint, basis)].set_index(keys)[outcome]
    both = pd.concat({"joint": a, "twin": b}, axis=1).dropna().reset_index()
    if both.empty:
        raise ValueError(f"no paired runs of {joint} and its {basis} twin in the results")
    scale = 365.0 / days
    both["joint"] *= scale
    both["twin"] *= scale
    both["diff"] = both["joint"] - both["twin"]
    settings = pd.DataFrame(points)
    both = both.join(settings, on="point")
    mean = both.groupby("point")["diff"].mean()
    tied = both.groupby("point")["diff"].apply(lambda d: bool((d == 0).all()))
    klass = np.where(tied, "tie", np.where(mean < 0, "better", "worse"))
    both["klass"] = both.point.map(dict(zip(mean.index, klass, strict=True)))
    return both


def _days(frame: pd.DataFrame) -> float:
    """The horizon of the runs (days), from the sweep's record of it."""
    days = frame.attrs.get("days")
    if days is None and "days" in frame:
        days = frame["days"].iloc[0]
    return float(days if days is not None else 365.0)


def _design(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The GLM's design matrix: intercept, the assumptions, the effect ratio squared."""
    x = [np.ones(len(table))] + [table[c].to_numpy(float) for c in columns]
    x.append(table[RATIO].to_numpy(float) ** 2)
    return np.column_stack(x)


def fit_arm(table: pd.DataFrame, arm: str, columns: list[str]) -> np.ndarray:
    """Coefficients of the quasi-Poisson GLM (log link) of ``arm``'s deaths a year.

    Fitted by iteratively reweighted least squares (McCullagh and Nelder 1989, 2.5); the
    quasi-likelihood's coefficients are the Poisson's (the dispersion only widens intervals,
    which come from the bootstrap here).
    """
    import statsmodels.api as sm

    y = table[arm].to_numpy(float)
    x = _scaled(_design(table, columns))
    model = sm.GLM(y, x[0], family=sm.families.Poisson())
    fit = model.fit(scale="X2", maxiter=100)
    return fit.params / x[1]


def _scaled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns divided by their largest magnitude (for IRLS); the divisors to undo it."""
    s = np.abs(x).max(axis=0)
    s[s == 0] = 1.0
    return x / s, s


def _increment(coef: dict, at: dict, columns: list[str], ratios: np.ndarray) -> np.ndarray:
    """The fitted increment (deaths a year) along ``ratios``, the rest held ``at``."""
    frame = pd.DataFrame({c: np.full(len(ratios), at[c], dtype=float) for c in columns})
    frame[RATIO] = ratios
    x = _design(frame, columns)
    return np.exp(x @ coef["joint"]) - np.exp(x @ coef["twin"])


def break_even_ratio(coef: dict, at: dict, columns: list[str], lo: float, hi: float) -> float:
    """The effect ratio in ``[lo, hi]`` where the fitted increment crosses 0 (NaN if none).

    Where it crosses more than once (the square term), the crossing above which the
    increment is negative is taken.
    """
    grid = np.linspace(lo, hi, 401)
    inc = _increment(coef, at, columns, grid)
    sign = np.sign(inc)
    cross = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    if not len(cross):
        return float("nan")
    i = cross[-1]
    a, b = grid[i], grid[i + 1]
    fa, fb = inc[i], inc[i + 1]
    return float(a - fa * (b - a) / (fb - fa))


def _fits(table: pd.DataFrame, columns: list[str]) -> dict:
    """Both arms' GLMs; ``ValueError`` when an arm has no deaths to fit (or no fit exists)."""
    import warnings

    for arm in ("joint", "twin"):
        if not (table[arm] > 0).any():
            raise ValueError(f"no foreign deaths in the {arm} arm: nothing to fit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IRLS's overflow and divide warnings, caught below
        coef = {arm: fit_arm(table, arm, columns) for arm in ("joint", "twin")}
    if not all(np.isfinite(c).all() for c in coef.values()):
        raise ValueError("the GLM did not converge")
    return coef


def conditions(
    frame: pd.DataFrame,
    points: list[dict],
    defaults: dict,
    boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> dict:
    """The study's numbers for every joint policy and basis in ``frame``.

    ``defaults`` holds each assumption's default value (the point where the other assumptions
    are held). Returns ``{(joint, basis): {"table", "coef", "break_even", "curve", "boxes",
    "ties", "bounds"}}``: ``break_even`` the ratio at the defaults with ``lo``, ``hi``, the
    share of resamples without a zero in range and the fitted increment at the ends of the
    ratio's range; ``curve`` the same along :data:`BACKLASH_GRID`.
    """
    columns = list(points[0])
    lo_r = min(p[RATIO] for p in points)
    hi_r = max(p[RATIO] for p in points)
    rng = np.random.default_rng(seed)
    out = {}
    joints = [p for p in pd.unique(frame.policy) if twin_name(p, "cost") in set(frame.policy)]
    for joint in joints:
        for basis in BASES:
            if twin_name(joint, basis) not in set(frame.policy):
                continue
            table = point_table(frame, points, joint, basis)
            out[(joint, basis)] = _study(table, columns, defaults, (lo_r, hi_r), boot, level, rng)
    return out


def _study(table, columns, defaults, bounds, boot, level, rng) -> dict:
    """One joint policy and basis: break-even with its interval, the curve, PRIM boxes."""
    try:
        coef = _fits(table, columns)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return _unfitted(table, str(exc), bounds)
    ats = [dict(defaults)] + [{**defaults, BACKLASH: b} for b in BACKLASH_GRID]
    est = [break_even_ratio(coef, at, columns, *bounds) for at in ats]
    groups = [g for _, g in table.groupby("point")]
    draws = np.full((boot, len(ats)), np.nan)
    for k in range(boot):
        pick = rng.integers(0, len(groups), len(groups))
        sample = pd.concat([groups[i] for i in pick], ignore_index=True)
        try:
            c = _fits(sample, columns)
        except (ValueError, np.linalg.LinAlgError):
            continue
        draws[k] = [break_even_ratio(c, at, columns, *bounds) for at in ats]
    q = ((1 - level) / 2, (1 + level) / 2)
    rows = []
    for j, at in enumerate(ats):
        found = draws[:, j][np.isfinite(draws[:, j])]
        # an interval of the zero only where the fit has one, from the resamples that do
        ok = np.isfinite(est[j]) and len(found) >= 10
        lo, hi = np.quantile(found, q) if ok else (np.nan, np.nan)
        low_end, high_end = _increment(coef, at, columns, np.array(bounds))
        rows.append(
            {
                "backlash": at[BACKLASH],
                "break_even": est[j],
                "lo": float(lo),
                "hi": float(hi),
                "no_zero_share": 1.0 - len(found) / boot,
                "at_defaults": j == 0,
                "increment_at_lowest_ratio": float(low_end),
                "increment_at_highest_ratio": float(high_end),
            }
        )
    return {
        "table": table,
        "coef": coef,
        "break_even": rows[0],
        "curve": pd.DataFrame(rows[1:]),
        "boxes": _boxes(table, columns),
        "ties": float((table.groupby("point").klass.first() == "tie").mean()),
        "bounds": bounds,
    }


def _unfitted(table: pd.DataFrame, why: str, bounds) -> dict:
    """The result when the runs cannot be fitted (no deaths in short runs): said, not guessed."""
    nan = float("nan")
    row = {
        "break_even": nan,
        "lo": nan,
        "hi": nan,
        "no_zero_share": 1.0,
        "increment_at_lowest_ratio": nan,
        "increment_at_highest_ratio": nan,
    }
    return {
        "table": table,
        "coef": None,
        "break_even": {**row, "backlash": nan, "at_defaults": True},
        "curve": pd.DataFrame(
            [{**row, "backlash": b, "at_defaults": False} for b in BACKLASH_GRID]
        ),  # fmt: skip
        "boxes": pd.DataFrame(),
        "ties": float((table.groupby("point").klass.first() == "tie").mean()),
        "bounds": bounds,
        "why": why,
    }


def _boxes(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """PRIM boxes of the points where the increment saves lives, ties left out."""
    from sim.analysis.discovery import prim_boxes

    per_point = table.groupby("point").first()
    cases = per_point[per_point.klass != "tie"]
    if cases.klass.nunique() < 2 or len(cases) < 20:
        return pd.DataFrame()
    x = cases[columns].rename(columns=lambda c: c.split(".", 1)[1])
    return prim_boxes(x, (cases.klass == "better").to_numpy(), threshold=0.75)


def _where(row, short: bool = False) -> str:
    """Where the increment lowers deaths along the ratio, for one row of the curve."""
    low, high = row["increment_at_lowest_ratio"], row["increment_at_highest_ratio"]
    if np.isfinite(row["break_even"]):
        side = "above" if high < 0 else "below"
        interval = f" [{row['lo']:.2f}, {row['hi']:.2f}]" if np.isfinite(row["lo"]) else ""
        lead = "" if short else "only where the foreign effect ratio is "
        return f"{lead}{side} {row['break_even']:.2f}{interval}"
    if low < 0 and high < 0:
        return "everywhere" if short else "over the whole explored range of the effect ratio"
    if low > 0 and high > 0:
        return "nowhere" if short else "nowhere in the explored range (it raises them throughout)"
    return "no clear sign"


def sentence(joint: str, basis: str, result: dict) -> str:
    """The conditional statement of the foreign increment (never an unconditional verdict).

    It says where the fitted increment lowers foreign deaths along the effect ratio with the
    other assumptions at their defaults, then how that changes along backlash.
    """
    be = result["break_even"]
    lo_r, hi_r = result["bounds"]
    at = "at equal cost" if basis == "cost" else "at equal personnel"
    if result.get("why"):
        return f"{at.capitalize()}, the increment of {joint} could not be fitted: {result['why']}."
    resamples = (
        f" ({100 * be['no_zero_share']:.0f}% of bootstrap resamples find no zero in "
        f"{lo_r:.1f}-{hi_r:.1f})"
        if np.isfinite(be["break_even"])
        else ""
    )
    along = "; ".join(
        f"{r['backlash']:g}: {_where(r, short=True)}" for r in result["curve"].to_dict("records")
    )
    return (
        f"{at.capitalize()}, with the other assumptions at their defaults, the foreign "
        f"increment of {joint} lowers foreign deaths {_where(be)}{resamples}. Where it does, by "
        f"backlash: {along}."
    )


def conditions_markdown(results: dict, days: int, command: str, provenance: str = "") -> str:
    """The study as a markdown document."""
    lines = [
        HEADING,
        "",
        "Each joint policy against its host-only twins (the same host levers; each foreign "
        "guard replaced by one host guard, or by as many as the same money pays), baseline "
        f"threat, CPEC network, {days} days ({days / 365:g} years) a run, over a Latin "
        "hypercube of the assumptions the record cannot inform (`conf/experiment/"
        f"{EXPERIMENT}.yaml`); paired replications share their seeds. Deaths are a year.",
        "",
        f"Command: `{command}`" + (f" ({provenance})" if provenance else ""),
        "",
    ]
    for (joint, basis), r in results.items():
        be = r["break_even"]
        lines += [
            f"## {joint} against {twin_name(joint, basis)}",
            "",
            sentence(joint, basis, r),
            "",
            f"Points tied (no difference in any pair): {100 * r['ties']:.0f}%. "
            f"Break-even at the defaults: {_num(be['break_even'])} "
            f"[{_num(be['lo'])}, {_num(be['hi'])}].",
            "",
            "| backlash | break-even effect ratio | 95% interval | resamples without a zero |",
            "|---|---|---|---|",
        ]
        for c in r["curve"].itertuples():
            lines.append(
                f"| {c.backlash:g} | {_num(c.break_even)} | [{_num(c.lo)}, {_num(c.hi)}] "
                f"| {100 * c.no_zero_share:.0f}% |"
            )
        lines.append("")
        if len(r["boxes"]):
            lines += ["PRIM boxes where the increment saves lives (ties left out):", ""]
            for b in r["boxes"].itertuples():
                lines.append(
                    f"- box {b.box}: {b.parameter} in [{b.lower:.3g}, {b.upper:.3g}] "
                    f"(coverage {b.coverage:.2f}, density {b.density:.2f})"
                )
            lines.append("")
    lines += [
        "Method: per arm a quasi-Poisson GLM (log link) of foreign deaths a year over the "
        "assumptions (linear terms and the effect ratio squared); the break-even ratio is the "
        "fitted zero of joint - twin along the ratio, the others held; intervals are percentile "
        "intervals over a bootstrap of the design points. `sim/studies/conditions.py`.",
    ]
    return "\n".join(lines) + "\n"


def sentences_of(path) -> list[str]:
    """The conditional statements of a conditions document, as the study wrote them."""
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("At equal")]


def _num(x: float) -> str:
    return f"{x:.2f}" if np.isfinite(x) else "none"


def _table(results: dict) -> pd.DataFrame:
    rows = []
    for (joint, basis), r in results.items():
        for row in [r["break_even"], *r["curve"].to_dict("records")]:
            rows.append({"joint": joint, "basis": basis, **row})
    return pd.DataFrame(rows)


def defaults_of(columns: list[str]) -> dict:
    """Each assumption's default value (the baseline threat and the default costs)."""
    from sim.model.runner import load_scenario

    sc = load_scenario(threat="baseline")
    out = {}
    for key in columns:
        section, name = key.split(".", 1)
        out[key] = float(getattr(getattr(sc, section), name))
    return out


@entry_point("nothing was written; run the same command again")
def main(argv: list[str] | None = None) -> int:
    """Run the study and write its document; 2 on bad input."""
    from sim.studies.common import run_study

    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = {"replications": 5, "workers": 2, "days": 1825, "out": "docs/conditions.md"}
    extra = {"samples": 200, "rows": f"results/{EXPERIMENT}"}
    return run_study(argv, "sim.conditions", EXPERIMENT, defaults, _report, HEADING, extra=extra)


def _report(frame: pd.DataFrame, days: int, command: str, provenance: str):
    points = frame.attrs["points"]
    results = conditions(frame, points, defaults_of(list(points[0])))
    return conditions_markdown(results, days, command, provenance), _table(results)


if __name__ == "__main__":
    raise SystemExit(main())
