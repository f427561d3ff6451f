"""The public record of attacks and the validation targets derived from it.

The record (``scenarios/data/incidents.csv``, with a source for every row) lists publicly
reported attacks on Chinese nationals in Pakistan, 2017-2024. These targets use the attacks on
escorted movements from 2018 to 2024, compared with the model's attacks on convoys (attacks on
sites and unescorted movements are outcomes of their own; the target mix is not yet a target):

- attacks a year, with the exact (Garwood) Poisson interval;
- the share of attacks lethal to foreign nationals, with the Wilson interval;
- foreign deaths per lethal attack, and foreign deaths a year.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Target", "load_incidents", "targets", "validation_table"]

FIRST_YEAR, LAST_YEAR = 2018, 2024


def load_incidents() -> pd.DataFrame:
    """The attack record shipped with the package, one row per incident."""
    text = resources.files("scenarios").joinpath("data", "incidents.csv").read_text("utf-8")
    df = pd.read_csv(io.StringIO(text), parse_dates=["date"])
    for col in ("foreign_killed", "foreign_injured", "other_killed"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype(int)
    return df


def escorted_attacks(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attacks on escorted movements in the reference period."""
    df = load_incidents() if df is None else df
    year = df["date"].dt.year
    return df[(df["escorted"] == "yes") & year.between(FIRST_YEAR, LAST_YEAR)]


def poisson_rate_ci(count: int, exposure: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood 1936) interval for a Poisson rate: ``count`` events in ``exposure``."""
    a = 1 - level
    lo = stats.chi2.ppf(a / 2, 2 * count) / 2 / exposure if count > 0 else 0.0
    hi = stats.chi2.ppf(1 - a / 2, 2 * count + 2) / 2 / exposure
    return float(lo), float(hi)


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval for a proportion."""
    if n == 0:
        return 0.0, 1.0
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


@dataclass(frozen=True)
class Target:
    """One observed quantity with its interval, and the outcome it is compared with."""

    name: str
    observed: float
    lo: float
    hi: float
    description: str


def compound_poisson_ci(
    sizes, years: float, level: float = 0.95, draws: int = 200_000, seed: int = 0
) -> tuple[float, float]:
    """Interval for a yearly total made of Poisson-many events of resampled sizes.

    Deaths come in clusters (9 in one attack, none in three), so a Poisson interval on the
    count of deaths understates the uncertainty of a deaths-a-year rate. Here the number of
    attacks in the period is Poisson with the observed count as mean and each attack's toll is
    drawn from the observed tolls (a parametric-nonparametric bootstrap of a compound Poisson
    total); the interval is taken from the simulated totals divided by the period.
    """
    sizes = np.asarray(sizes, dtype=float)
    rng = np.random.default_rng(seed)
    counts = rng.poisson(len(sizes), size=draws)
    tolls = rng.choice(sizes, size=int(counts.sum()))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    totals = np.add.reduceat(np.append(tolls, 0.0), starts) * (counts > 0)
    lo, hi = np.quantile(totals / years, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def targets() -> list[Target]:
    """The validation targets computed from the record."""
    att = escorted_attacks()
    years = LAST_YEAR - FIRST_YEAR + 1
    n = len(att)
    lethal = int((att.foreign_killed > 0).sum())
    deaths = int(att.foreign_killed.sum())
    rate_lo, rate_hi = poisson_rate_ci(n, years)
    share_lo, share_hi = wilson_ci(lethal, n)
    d_lo, d_hi = compound_poisson_ci(att.foreign_killed.to_numpy(), years)
    per = att.foreign_killed[att.foreign_killed > 0]
    return [
        Target(
            "attacks_per_year",
            n / years,
            rate_lo,
            rate_hi,
            f"attacks on escorted movements a year ({n} in {years} years)",
        ),
        Target(
            "lethal_share",
            lethal / n,
            share_lo,
            share_hi,
            f"share of attacks lethal to foreign nationals ({lethal} of {n})",
        ),
        Target(
            "deaths_per_lethal_attack",
            float(per.mean()),
            float(per.min()),
            float(per.max()),
            "foreign deaths per lethal attack (range of the record)",
        ),
        Target(
            "deaths_per_year",
            deaths / years,
            d_lo,
            d_hi,
            f"foreign deaths a year on escorted movements ({deaths} in {years} years; "
            "compound Poisson interval)",
        ),
    ]


def simulated(results: pd.DataFrame) -> dict[str, float]:
    """The same quantities from simulated runs (pooled over runs, per simulated year)."""
    ok = results[results.status == "ok"] if "status" in results else results
    years = ok["days"].sum() / 365.0 if "days" in ok else len(ok)
    executed = ok["attacks_on_escorted"].sum()
    lethal = ok["attacks_lethal_on_convoys"].sum()
    deaths = ok["foreign_killed_on_convoys"].sum()
    return {
        "attacks_per_year": executed / years,
        "lethal_share": lethal / executed if executed else np.nan,
        "deaths_per_lethal_attack": deaths / lethal if lethal else np.nan,
        "deaths_per_year": deaths / years,
    }


def validation_table(results: pd.DataFrame, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Simulated against observed for every target, with intervals.

    ``results`` holds runs of the baseline (one row per run with ``days``). Simulated
    intervals are percentile bootstrap intervals over runs; ``within`` says whether the
    simulated value lies in the observed interval.
    """
    ok = results[results.status == "ok"] if "status" in results else results
    point = simulated(ok)
    rng = np.random.default_rng(seed)
    boots = [simulated(ok.iloc[rng.integers(0, len(ok), len(ok))]) for _ in range(1000)]
    rows = []
    for t in targets():
        draws = np.array([b[t.name] for b in boots], dtype=float)
        draws = draws[np.isfinite(draws)]
        lo, hi = (
            np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
            if len(draws)
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "target": t.name,
                "observed": t.observed,
                "observed_lo": t.lo,
                "observed_hi": t.hi,
                "simulated": point[t.name],
                "simulated_lo": lo,
                "simulated_hi": hi,
                "within": bool(t.lo <= point[t.name] <= t.hi),
                "description": t.description,
            }
        )
    return pd.DataFrame(rows).set_index("target")


def validation_markdown(table: pd.DataFrame, replications: int, command: str) -> str:
    """The validation table as a markdown document."""
    from datetime import date

    lines = [
        f"# Validation: the baseline against the public record ({date.today()})",
        "",
        f"`domestic_baseline` under the `baseline` threat on the CPEC network, "
        f"{replications} simulated years (paired seeds 0..{replications - 1} of the "
        f"sweep), against attacks on escorted movements of Chinese nationals in Pakistan, "
        f"{FIRST_YEAR}-{LAST_YEAR} (`scenarios/data/incidents.csv`).",
        "",
        f"Command: `{command}`",
        "",
        "| target | observed | observed 95% interval | simulated | simulated 95% "
        "interval | simulated within observed interval |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r.description} | {r.observed:.3g} | {r.observed_lo:.3g}-"
            f"{r.observed_hi:.3g} | {r.simulated:.3g} | {r.simulated_lo:.3g}-"
            f"{r.simulated_hi:.3g} | {'yes' if r.within else 'no'} |"
        )
    lines += [
        "",
        "Observed intervals: exact Poisson for rates, Wilson for the lethal share, the "
        "record's range for deaths per lethal attack. Simulated intervals: percentile "
        "bootstrap over simulated years.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.record [replications=50] [workers=2] [out=docs/validation.md]``."""
    import sys
    from pathlib import Path

    from scenarios.schema import ScenarioError
    from sim.cli import parse_settings
    from sim.execution import sweep

    argv = list(sys.argv[1:] if argv is None else argv)
    kinds = {"replications": int, "workers": int, "out": str}
    try:
        opts = parse_settings(
            argv, kinds, {"replications": 50, "workers": 2, "out": "docs/validation.md"}
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reps, workers = opts["replications"], opts["workers"]
    runs = sweep(
        policies=["domestic_baseline"],
        threats=["baseline"],
        replications=reps,
        days=365,
        workers=workers,
        progress=False,
    )
    table = validation_table(runs)
    text = validation_markdown(table, reps, "python -m sim.record " + " ".join(argv))
    Path(opts["out"]).write_text(text)
    print(text)
    return 0 if table.within.all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
