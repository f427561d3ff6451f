"""The record's patterns by attack mode, actor and time of day, and the same from simulated logs.

The record's ``mode``, ``actor`` and ``time_of_day`` columns are free text as the sources word
them; :func:`classify` maps them onto the model's classes:

- **mode** (:data:`MODES`): ``vbied`` (a suicide vehicle bomb), ``suicide_foot`` (a suicide
  bomber on foot), ``ied`` (a planted or attached bomb; the 2023 Gwadar IED-and-gunfire attack
  counts here, its first phase), ``small_arms`` (shootings and armed assaults with guns and
  grenades), ``insider`` (an assigned guard), ``other`` (an abduction);
- **actor family** (:data:`FAMILIES`): ``baloch`` (BLA, its Majeed Brigade, BLF), ``sindhi``
  (SRA, SPA, Sindhudesh), ``ttp`` (TTP-linked groups), ``unknown`` (no claim, or a group the
  model does not represent);
- **night**: the record's ``time_of_day`` begins with "night" (the model's: the attack fell
  outside the daylight window, 06:00-19:00 by default).

:func:`pattern_statistics` is the one definition of these statistics; :func:`observed_patterns`
applies it to the record and :func:`simulated_patterns` to a simulated event log, so the two
are computed alike. They are descriptive: the calibration neither fits nor holds them out
(:mod:`sim.calibration.record` keeps its fourteen statistics as they were).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scenarios.attacks import MODE_NAMES

__all__ = [
    "FAMILIES",
    "MODES",
    "PATTERNS",
    "classify",
    "observed_patterns",
    "pattern_statistics",
    "simulated_patterns",
]

#: The model's attack modes, as the event log names them, with the insider attack.
MODES = ("vbied", "suicide_foot", "ied", "small_arms", "insider")
#: The actor families the record shows, as the actor files name them.
FAMILIES = ("baloch", "sindhi", "ttp")
#: How tables name the families.
FAMILY_NAMES = {
    "baloch": "Baloch separatists (BLA, BLF)",
    "sindhi": "Sindhi separatists (SRA, SPA)",
    "ttp": "TTP-linked groups",
}
#: Regions whose share is reported, with the short name of their statistic.
REGIONS = {"Sindh": "sindh", "Balochistan": "balochistan", "Khyber Pakhtunkhwa": "kp"}

#: Every pattern statistic: name -> what it is.
PATTERNS = {
    **{f"mode_{m}": f"share of attacks by {MODE_NAMES[m]}" for m in MODES},
    "suicide_share_lethal_convoy": "share of lethal attacks on escorted movements that were "
    "suicide attacks (vehicle or on foot)",
    **{
        f"lethal_convoy_{m}": f"share of lethal attacks on escorted movements by {MODE_NAMES[m]}"
        for m in MODES[:4]
    },
    **{f"family_{f}": f"share of attacks by {FAMILY_NAMES[f]}" for f in FAMILIES},
    **{f"region_{short}": f"share of attacks in {r}" for r, short in REGIONS.items()},
    "night_share": "share of attacks at night",
}


def _mode(text: str) -> str:
    t = str(text).lower()
    if "insider" in t:
        return "insider"
    if "vbied" in t:
        return "vbied"
    if "suicide" in t:
        return "suicide_foot"
    if t.startswith("ied"):
        return "ied"
    if "small arms" in t or "armed assault" in t:
        return "small_arms"
    return "other"


def _family(text: str) -> str:
    t = str(text)
    if re.search(r"\b(BLA|BLF)\b", t):
        return "baloch"
    if re.search(r"\b(SRA|SPA)\b|Sindhudesh", t):
        return "sindhi"
    if re.search(r"\bTTP\b", t):
        return "ttp"
    return "unknown"


def classify(df: pd.DataFrame) -> pd.DataFrame:
    """The record with ``mode_class``, ``actor_family`` and ``night`` columns added."""
    df = df.copy()
    df["mode_class"] = df["mode"].map(_mode)
    df["actor_family"] = df["actor"].map(_family)
    df["night"] = df["time_of_day"].fillna("").str.lower().str.startswith("night")
    return df


def pattern_statistics(kind, region, mode, family, night, killed) -> dict[str, float]:
    """The pattern statistics of one set of attacks, from per-attack arrays."""
    kind, region = np.asarray(kind, dtype=object), np.asarray(region, dtype=object)
    mode, family = np.asarray(mode, dtype=object), np.asarray(family, dtype=object)
    night = np.asarray(night, dtype=bool)
    lethal_convoy = (np.asarray(killed, dtype=float) > 0) & (kind == "convoy")
    n = len(kind)

    def share(mask, of=None) -> float:
        total = n if of is None else int(of.sum())
        return float(np.sum(mask) / total) if total else 0.0

    suicide = (mode == "vbied") | (mode == "suicide_foot")
    return {
        **{f"mode_{m}": share(mode == m) for m in MODES},
        "suicide_share_lethal_convoy": share(suicide & lethal_convoy, lethal_convoy),
        **{
            f"lethal_convoy_{m}": share((mode == m) & lethal_convoy, lethal_convoy)
            for m in MODES[:4]
        },
        **{f"family_{f}": share(family == f) for f in FAMILIES},
        **{f"region_{short}": share(region == r) for r, short in REGIONS.items()},
        "night_share": share(night),
    }


def _counts(name: str, stats: dict, df: pd.DataFrame) -> tuple[int, int]:
    """The count and base of one share of the record (for its interval)."""
    if name == "suicide_share_lethal_convoy" or name.startswith("lethal_convoy_"):
        base = int(((df.foreign_killed > 0) & (df.kind == "convoy")).sum())
    else:
        base = len(df)
    return int(round(stats[name] * base)), base


def observed_patterns() -> pd.DataFrame:
    """Every pattern statistic of the record (current coding) with a Wilson 95% interval."""
    from sim.calibration.record import incidents, wilson_ci

    att = classify(incidents())
    stats = pattern_statistics(
        att.kind, att.region, att.mode_class, att.actor_family, att.night, att.foreign_killed
    )
    rows = []
    for name, what in PATTERNS.items():
        k, n = _counts(name, stats, att)
        lo, hi = wilson_ci(k, n)
        rows.append(dict(statistic=name, observed=stats[name], lo=lo, hi=hi, count=f"{k} of {n}",
                         description=what))  # fmt: skip
    return pd.DataFrame(rows)


def simulated_patterns(events: pd.DataFrame) -> dict[str, float]:
    """The pattern statistics of a simulated event log (attacks that struck and insider attacks).

    A log written with the attack modes off has no ``mode`` column: its attacks are all
    ``small_arms`` (the headcount contest) and insider attacks ``insider``; without actors the
    ``actor_family`` is ``generic``.
    """
    ev = events[events["event"].isin(["attack", "insider"])]
    insider = (ev["event"] == "insider").to_numpy(bool)
    if "mode" in ev:
        mode = ev["mode"].astype(object).fillna("small_arms").to_numpy(object)
    else:
        mode = np.full(len(ev), "small_arms", dtype=object)
    mode = np.where(insider, "insider", mode)
    family = (
        ev["family"].astype(object).fillna("generic").to_numpy(object)
        if "family" in ev
        else np.full(len(ev), "generic", dtype=object)
    )
    night = ev["night"].fillna(False).astype(bool).to_numpy() if "night" in ev else False
    return pattern_statistics(
        ev["target"].astype(object).to_numpy(),
        ev["region"].astype(object).to_numpy(),
        mode,
        family,
        np.broadcast_to(night, len(ev)),
        ev["foreign_killed"].to_numpy(float),
    )
