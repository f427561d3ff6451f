"""Attacks and their toll by mode and by actor, from an event log.

The outcomes of a run count attacks by mode (``attacks_vbied`` ...) but not by actor: actors are
data (``conf/actors/``), so their names are not known in advance. This table is computed from
the event log of a run (``sim.run(..., events=True)``) or of a sweep (``events=True``), by any
of its columns.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["TOLL", "attack_breakdown"]

#: The columns of the table, after its groups.
TOLL = (
    "attacks",
    "foiled",
    "lethal",
    "foreign_killed",
    "foreign_injured",
    "host_guards_killed",
    "foreign_guards_killed",
    "civilians_killed",
)


def attack_breakdown(events: pd.DataFrame, by: str | list[str] = "mode") -> pd.DataFrame:
    """Attacks that struck, attacks foiled, lethal attacks and casualties by ``by``.

    ``by`` names columns of the log: ``mode``, ``actor``, ``family``, ``region``, ``night``,
    ``target``, ``policy``... An insider attack has mode and actor ``insider``; a log written
    with the attack modes off has every attack ``small_arms`` and its actor ``generic``.
    """
    by = [by] if isinstance(by, str) else list(by)
    ev = events[events["event"].isin(["attack", "foiled", "insider"])].copy()
    insider = ev["event"] == "insider"
    for col, default in (("mode", "small_arms"), ("actor", "generic"), ("family", "generic")):
        values = ev[col].astype(object) if col in ev else pd.Series(default, index=ev.index)
        ev[col] = values.where(values.notna(), default).where(~insider, "insider")
    for col in ("foreign_guards_killed", "guards_killed", "civilians_killed", "foreign_injured"):
        values = ev[col] if col in ev else pd.Series(0, index=ev.index)
        ev[col] = values.fillna(0).astype(int)
    ev["attacks"] = (ev["event"] != "foiled").astype(int)
    ev["foiled"] = (ev["event"] == "foiled").astype(int)
    ev["lethal"] = (ev["foreign_killed"] > 0).astype(int)
    ev["host_guards_killed"] = ev["guards_killed"] - ev["foreign_guards_killed"]
    missing = [c for c in by if c not in ev]
    if missing:
        raise KeyError(f"the event log has no column {missing[0]!r}; it has: {', '.join(ev)}")
    table = ev.groupby(by, observed=True, dropna=False)[list(TOLL)].sum()
    return table.sort_values("attacks", ascending=False)
