"""The public record of attacks, the statistics drawn from it, and the same statistics simulated.

The record (``scenarios/data/incidents.csv``, with a source for every row) lists publicly
reported attacks on Chinese nationals in Pakistan, 2017-2024. The reference window is
2018-2024 (seven years). Each row has a ``status``: ``core`` rows are in every coding of the
record, ``contested`` ones have two defensible codings (their ``coding_note`` says which),
``candidate`` ones count only under a wider rule (an attack aimed at Chinese targets with none
present, a failed attempt), and ``excluded`` and ``outside window`` rows never count. Which rows
count, and how contested ones read, is a *coding* (:mod:`sim.calibration.codings`: rule files in
``conf/codings/``, ``strict``, ``current`` and ``wide``); every function here takes one, by
default ``current``, which keeps the core and contested rows as they are (the 2018 Karachi
shooting the police called a business dispute is excluded). Its twelve attacks are classed by
target kind, as the model classes its attacks:

- **convoy**: an escorted movement (``escorted == yes``; seven attacks);
- **site**: a fixed site or workplace (three, one of them a shooting by an assigned guard);
- **unescorted**: a person or a car moving without an escort (two).

An attack is **insider-aided** when the record says so (``insider_info == yes``: a facilitator
who passed on a convoy's movements, and the assigned guard); the model's counterparts are an
ambush set up from a leaked itinerary and an insider attack.

Every statistic is a number computed the same way from the record and from a simulated window of the
same length (:func:`window_statistics`), so that approximate Bayesian computation compares like with
like. :data:`FIT` lists the statistics the calibration uses; :data:`HELD_OUT` those it never sees,
kept for validation (``sim.calibration.validate``); :data:`DERIVED` those that are functions of
others (found numerically, :mod:`sim.calibration.information`), reported but neither.
:func:`targets` gives every statistic with an interval appropriate to its count (Garwood 1936
for rates, Wilson 1927 for shares, a compound Poisson bootstrap for deaths a year).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.codings import DEFAULT, apply_coding

__all__ = [
    "DERIVED",
    "FIT",
    "HELD_OUT",
    "STATISTICS",
    "Target",
    "incidents",
    "load_incidents",
    "observed",
    "role",
    "targets",
    "window_statistics",
]

FIRST_YEAR, LAST_YEAR = 2018, 2024
YEARS = LAST_YEAR - FIRST_YEAR + 1
KINDS = ("convoy", "site", "unescorted")

#: Every statistic of a seven-year window: name -> what it is.
STATISTICS = {
    "attacks_per_year": "attacks a year (attacks that struck, insider attacks included)",
    "share_convoy": "share of attacks on escorted movements",
    "insider_share": "share of attacks aided by an insider (a leaked itinerary or a guard)",
    "lethal_share": "share of attacks that killed at least one foreign national",
    "deaths_per_lethal_attack": "foreign deaths per lethal attack",
    "deaths_per_year": "foreign deaths a year",
    "share_site": "share of attacks on fixed sites",
    "share_unescorted": "share of attacks on unescorted movements",
    "share_sindh": "share of attacks in Sindh (Karachi and the south)",
    "share_balochistan": "share of attacks in Balochistan",
    "lethal_share_convoy": "share of attacks on escorted movements that killed a foreign national",
    "host_killed_per_attack": "host nationals (guards, drivers, bystanders) killed per attack",
    "years_without_attack": "years of the seven without an attack",
    "most_in_a_year": "most attacks in one year",
}

#: The statistics the calibration fits (``sim.calibration.calibrate``): the attack rate and three
#: per-attack quantities, each tied to a mechanism (the attack rates; detection and the contest;
#: the lethality curve; insiders and leaks).
FIT = (
    "attacks_per_year",
    "share_convoy",
    "insider_share",
    "lethal_share",
    "deaths_per_lethal_attack",
)

#: Statistics that are functions of others: reported, neither fitted nor held out (fitting one
#: weights the others twice; holding one out is a check that cannot fail on its own). The test
#: suite finds them numerically (:func:`sim.calibration.information.redundancy`): a statistic
#: added here, or missing, fails it.
DERIVED = {
    "deaths_per_year": "attacks a year x lethal share x deaths per lethal attack",
    "share_unescorted": "1 - share on escorted movements - share on fixed sites",
}

#: The statistics the calibration never sees: validation only (``sim.calibration.validate``).
HELD_OUT = tuple(s for s in STATISTICS if s not in FIT and s not in DERIVED)


def role(name: str) -> str:
    """``fit``, ``held out`` or ``derived`` (a function of others)."""
    return "fit" if name in FIT else "derived" if name in DERIVED else "held out"


def load_incidents() -> pd.DataFrame:
    """The attack record shipped with the package, one row per incident."""
    text = resources.files("scenarios").joinpath("data", "incidents.csv").read_text("utf-8")
    df = pd.read_csv(io.StringIO(text), parse_dates=["date"])
    for col in ("foreign_killed", "foreign_injured", "other_killed"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype(int)
    return df


def incidents(df: pd.DataFrame | None = None, coding=DEFAULT) -> pd.DataFrame:
    """The attacks of the reference window under ``coding``, classed as the model classes its.

    Columns added: ``year``, ``kind`` (convoy, site or unescorted), ``insider`` (bool),
    ``host_killed``. Rows outside 2018-2024, or that the coding does not count, are dropped
    (:func:`sim.calibration.codings.apply_coding`).
    """
    df = load_incidents() if df is None else df
    df = apply_coding(df, coding)
    df = df[df["date"].dt.year.between(FIRST_YEAR, LAST_YEAR)].copy()
    target = df["target"].str.lower()
    df["kind"] = np.where(
        df["escorted"] == "yes",
        "convoy",
        np.where(target.str.contains("site|workplace"), "site", "unescorted"),
    )
    df["insider"] = df["insider_info"] == "yes"
    df["year"] = df["date"].dt.year
    df["host_killed"] = df["other_killed"]
    return df.reset_index(drop=True)


def _statistics(
    kind, region, insider, killed, host_killed, year_counts: np.ndarray, years: float
) -> dict[str, float]:
    """The statistics of one window from per-attack arrays (the one definition of them all)."""
    kind, region = np.asarray(kind, dtype=object), np.asarray(region, dtype=object)
    insider = np.asarray(insider, dtype=bool)
    killed = np.asarray(killed, dtype=float)
    host_killed = np.asarray(host_killed, dtype=float)
    n = len(kind)
    lethal = killed > 0
    convoy = kind == "convoy"

    def share(mask) -> float:
        return float(mask.sum() / n) if n else 0.0

    return {
        "attacks_per_year": n / years,
        "share_convoy": share(convoy),
        "insider_share": share(insider),
        "lethal_share": share(lethal),
        "deaths_per_lethal_attack": float(killed.sum() / lethal.sum()) if lethal.any() else 0.0,
        "deaths_per_year": float(killed.sum() / years),
        "share_site": share(kind == "site"),
        "share_unescorted": share(kind == "unescorted"),
        "share_sindh": share(region == "Sindh"),
        "share_balochistan": share(region == "Balochistan"),
        "lethal_share_convoy": float((lethal & convoy).sum() / convoy.sum())
        if convoy.any()
        else 0.0,
        "host_killed_per_attack": float(host_killed.sum() / n) if n else 0.0,
        "years_without_attack": float((year_counts == 0).sum()),
        "most_in_a_year": float(year_counts.max()) if len(year_counts) else 0.0,
    }


def observed(coding=DEFAULT) -> dict[str, float]:
    """Every statistic of the record under ``coding``, 2018-2024."""
    att = incidents(coding=coding)
    counts = att.year.value_counts().reindex(range(FIRST_YEAR, LAST_YEAR + 1), fill_value=0)
    return _statistics(
        att.kind,
        att.region,
        att.insider,
        att.foreign_killed,
        att.host_killed,
        counts.to_numpy(),
        YEARS,
    )


def window_statistics(events: pd.DataFrame, days: int) -> dict[str, float]:
    """The same statistics from a simulated run's event log over ``days`` days.

    An attack is an event ``attack`` (an attack that struck; foiled ones go unreported) or
    ``insider``; it is insider-aided when it is an insider attack or was set up from a leaked
    itinerary (``targeted``). Years are consecutive 365-day blocks from day 0.
    """
    ev = events[events["event"].isin(["attack", "insider"])]
    is_insider = ev["event"] == "insider"
    targeted = ev["targeted"].fillna(False).astype(bool) if "targeted" in ev else False
    host = ev["guards_killed"].fillna(0) + ev["civilians_killed"].fillna(0)
    n_years = max(1, int(round(days / 365)))
    year = np.minimum(ev["day"].to_numpy(int) // 365, n_years - 1)
    counts = np.bincount(year, minlength=n_years)
    return _statistics(
        ev["target"].astype(object).to_numpy(),
        ev["region"].astype(object).to_numpy(),
        (is_insider | targeted).to_numpy(bool),
        ev["foreign_killed"].to_numpy(float),
        host.to_numpy(float),
        counts,
        days / 365.0,
    )


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
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def compound_poisson_ci(
    sizes, years: float, level: float = 0.95, draws: int = 200_000, seed: int = 0
) -> tuple[float, float]:
    """Interval for a yearly total made of Poisson-many events of resampled sizes.

    Deaths come in clusters (9 in one attack, none in seven), so a Poisson interval on the
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


@dataclass(frozen=True)
class Target:
    """One statistic of the record with its interval; ``fit`` when the calibration uses it."""

    name: str
    observed: float
    lo: float
    hi: float
    description: str
    fit: bool


def targets(coding=DEFAULT) -> list[Target]:
    """Every statistic of the record with a 95% interval appropriate to its count.

    Rates: exact Poisson (Garwood). Shares: Wilson, on the attacks (or lethal attacks) they are
    shares of. Deaths a year: compound Poisson bootstrap. Deaths per lethal attack: the range of
    the record's five lethal attacks (a bootstrap of a mean of five is too narrow to trust).
    Host deaths per attack: compound Poisson over the attacks, divided by their count. Years
    without an attack and the most in a year: the central 95% of their distribution under a
    Poisson process at the observed rate.
    """
    att = incidents(coding=coding)
    obs = observed(coding)
    n = len(att)
    lethal = att.foreign_killed > 0
    convoy = att.kind == "convoy"
    intervals = {
        "attacks_per_year": poisson_rate_ci(n, YEARS),
        "deaths_per_year": compound_poisson_ci(att.foreign_killed.to_numpy(), YEARS),
        "deaths_per_lethal_attack": (
            float(att.foreign_killed[lethal].min()),
            float(att.foreign_killed[lethal].max()),
        ),
        "host_killed_per_attack": tuple(
            v * YEARS / n for v in compound_poisson_ci(att.host_killed.to_numpy(), YEARS)
        ),
        "lethal_share_convoy": wilson_ci(int((lethal & convoy).sum()), int(convoy.sum())),
    }
    shares = {
        "share_convoy": convoy,
        "share_site": att.kind == "site",
        "share_unescorted": att.kind == "unescorted",
        "insider_share": att.insider,
        "lethal_share": lethal,
        "share_sindh": att.region == "Sindh",
        "share_balochistan": att.region == "Balochistan",
    }
    for name, mask in shares.items():
        intervals[name] = wilson_ci(int(mask.sum()), n)
    rng = np.random.default_rng(0)
    yearly = rng.poisson(n / YEARS, size=(100_000, YEARS))
    for name, values in {
        "years_without_attack": (yearly == 0).sum(axis=1),
        "most_in_a_year": yearly.max(axis=1),
    }.items():
        lo, hi = np.quantile(values, [0.025, 0.975])
        intervals[name] = (float(lo), float(hi))
    return [
        Target(name, obs[name], *intervals[name], _describe(name, att), name in FIT)
        for name in STATISTICS
    ]


def _quiet_years(att: pd.DataFrame) -> str:
    quiet = [y for y in range(FIRST_YEAR, LAST_YEAR + 1) if y not in set(att.year)]
    if not quiet:
        return "none"
    return " and ".join(", ".join(map(str, quiet)).rsplit(", ", 1))


def _describe(name: str, att: pd.DataFrame) -> str:
    n = len(att)
    counts = {
        "attacks_per_year": f"{n} in {YEARS} years",
        "share_convoy": f"{(att.kind == 'convoy').sum()} of {n}",
        "share_site": f"{(att.kind == 'site').sum()} of {n}",
        "share_unescorted": f"{(att.kind == 'unescorted').sum()} of {n}",
        "insider_share": f"{att.insider.sum()} of {n}",
        "lethal_share": f"{(att.foreign_killed > 0).sum()} of {n}",
        "deaths_per_year": f"{att.foreign_killed.sum()} in {YEARS} years",
        "deaths_per_lethal_attack": f"{att.foreign_killed.sum()} in "
        f"{(att.foreign_killed > 0).sum()} attacks",
        "share_sindh": f"{(att.region == 'Sindh').sum()} of {n}",
        "share_balochistan": f"{(att.region == 'Balochistan').sum()} of {n}",
        "lethal_share_convoy": f"{((att.foreign_killed > 0) & (att.kind == 'convoy')).sum()} "
        f"of {(att.kind == 'convoy').sum()}",
        "host_killed_per_attack": f"{att.host_killed.sum()} in {n} attacks",
        "years_without_attack": _quiet_years(att),
        "most_in_a_year": f"{att.year.value_counts().max()} in {att.year.value_counts().idxmax()}",
    }
    return f"{STATISTICS[name]} ({counts[name]})"
