"""Every outcome of a run, defined once: name, unit and meaning, and how it is computed.

Tables, plots, sweeps and notebooks read outcomes from here and never recompute them. The names
follow the design guide; ``attacks_executed`` (attacks that struck, the quantity the public
record counts), ``attacks_lethal``, ``attacks_on_escorted``, ``itineraries_leaked``,
``trips_started`` and ``delay_hours`` are added for calibration and diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ATTACKS_BY_MODE",
    "ATTACKS_ON",
    "KILLED_ON",
    "CASUALTY_GROUPS",
    "DERIVED",
    "EVENT_COLUMNS",
    "OUTCOMES",
    "Outcome",
    "compute",
    "names",
]


@dataclass(frozen=True)
class Outcome:
    """One outcome: its name, unit and meaning."""

    name: str
    unit: str
    description: str
    better: str | None = "lower"  # "lower", "higher", or None when neither is better
    total: bool = True  # a total over the run's horizon (False: a rate, an average or a state)


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in [
        Outcome("foreign_killed", "persons", "foreign passengers killed in attacks"),
        Outcome("foreign_injured", "persons", "foreign passengers injured (not killed) in attacks"),
        Outcome("guards_killed", "persons", "security personnel killed in attacks"),
        Outcome("host_guards_killed", "persons", "host security personnel killed in attacks"),
        Outcome(
            "foreign_guards_killed",
            "persons",
            "foreign security personnel killed in attacks (each costs legitimacy with "
            "attacks.foreign_targets)",
        ),
        Outcome(
            "civilians_killed",
            "persons",
            "host civilians killed: drivers and bystanders in attacks, bystanders in raids",
        ),
        Outcome(
            "militants_killed", "persons", "attackers killed in attacks and foiled attacks", None
        ),
        Outcome("attacks_attempted", "attacks", "encounters in which a cell moved to strike", None),
        Outcome("attacks_executed", "attacks", "attempted attacks that were not foiled"),
        Outcome(
            "attacks_successful",
            "attacks",
            "attacks with at least one protected (foreign) casualty",
        ),
        Outcome("attacks_lethal", "attacks", "attacks with at least one foreign death"),
        Outcome(
            "attacks_foiled",
            "attacks",
            "attacks stopped before they struck: detected, or (a planted bomb) found or passed "
            "by; an intercepted suicide bomber strikes at standoff",
            "higher",
        ),
        Outcome("attacks_on_escorted", "attacks", "executed attacks on escorted convoys"),
        Outcome(
            "attacks_on_convoys",
            "attacks",
            "attempted attacks on movements planned as escorted convoys",
            None,
        ),
        Outcome("attacks_on_sites", "attacks", "attempted attacks on fixed sites", None),
        Outcome(
            "attacks_on_unescorted",
            "attacks",
            "attempted attacks on low-profile, unescorted movements",
            None,
        ),
        Outcome("attacks_vbied", "attacks", "executed attacks by suicide vehicle bomb", None),
        Outcome(
            "attacks_suicide_foot", "attacks", "executed attacks by suicide bomber on foot", None
        ),
        Outcome("attacks_ied", "attacks", "executed attacks by planted bomb", None),
        Outcome(
            "attacks_small_arms",
            "attacks",
            "executed attacks with small arms (every attack when attacks.modes is off)",
            None,
        ),
        Outcome(
            "attacks_at_night",
            "attacks",
            "executed attacks outside the daylight window (demand.move_start_h-move_end_h)",
            None,
        ),
        Outcome("attacks_lethal_on_convoys", "attacks", "attacks on convoys with a foreign death"),
        Outcome("foreign_killed_on_convoys", "persons", "foreign staff killed in convoys"),
        Outcome("foreign_killed_at_sites", "persons", "foreign staff killed at sites"),
        Outcome(
            "foreign_killed_unescorted", "persons", "foreign staff killed in unescorted movements"
        ),
        Outcome("attacks_with_leak", "attacks", "attacks set up from a leaked itinerary"),
        Outcome("plots_interdicted", "cells", "cells rolled up before they struck", "higher"),
        Outcome("raids_joint", "raids", "interdiction raids with foreign participation", None),
        Outcome(
            "insider_attacks",
            "attacks",
            "attacks by an assigned guard on the people he guards (convoys and sites)",
        ),
        Outcome("tips", "tips", "tips from the population to the security services", "higher"),
        Outcome("itineraries_leaked", "trips", "trips whose itinerary leaked"),
        Outcome("trips_started", "trips", "trips drawn by the demand process", None),
        Outcome("trips_unescorted", "trips", "trips made low-profile, without an escort", None),
        Outcome("trips_completed", "trips", "trips that reached their destination", "higher"),
        Outcome("trips_delayed", "trips", "finished trips that waited for a free escort"),
        Outcome("delay_hours", "h", "hours convoys waited for a free escort"),
        Outcome("foreign_person_km", "person-km", "foreign passengers x km travelled", None),
        Outcome("foreign_person_hours", "person-h", "foreign passengers x hours on the road", None),
        Outcome(
            "threat_exposure",
            "person-encounters",
            "expected encounters of foreign staff with an attack opening, on roads and at sites "
            "(road_exposure + site_exposure)",
        ),
        Outcome(
            "road_exposure",
            "person-encounters",
            "on the roads: persons x ambush-site density x km (the road hazard)",
        ),
        Outcome(
            "site_exposure",
            "person-encounters",
            "at the sites: staff x hours under a cell's choice x its strike rate (the site hazard)",
        ),
        Outcome(
            "exposure_per_person_year",
            "encounters/person-year",
            "threat_exposure per foreign person-year (the sites' staff over the horizon)",
            total=False,
        ),
        Outcome(
            "foreign_security_person_days",
            "person-days",
            "foreign security personnel deployed x days (the sovereignty footprint)",
        ),
        Outcome("guard_person_days", "person-days", "all security personnel x days"),
        Outcome("armored_vehicle_days", "vehicle-days", "armored vehicles x days they were in use"),
        Outcome(
            "staff_hours_lost",
            "person-h",
            "foreign staff hours lost waiting for escorts, on detours and to moved departures",
        ),
        Outcome(
            "cost_usd",
            "USD",
            "cost of the security configuration over the horizon (personnel, armored vehicles, "
            "intelligence programme, staff hours lost)",
        ),
        Outcome(
            "mean_legitimacy", "1", "legitimacy averaged over regions and days", "higher", False
        ),
        Outcome("cells_active_end", "cells", "militant cells active at the end", total=False),
        Outcome(
            "cell_years",
            "cell-years",
            "active militant cells summed over the days, / 365 (interdictions per cell-year "
            "= plots_interdicted / cell_years)",
        ),
    ]
}

#: Columns of the event log (one row per attack, foiled attack and interdiction) and their types.
EVENT_COLUMNS = {
    "time_h": "float64",
    "day": "int64",
    "event": "string",
    "target": "string",
    "node": "string",
    "edge_u": "string",
    "edge_v": "string",
    "x_km": "float64",
    "lon": "float64",
    "lat": "float64",
    "region": "string",
    "trip": "Int64",
    "origin": "string",
    "destination": "string",
    "policy": "string",
    "threat": "string",
    "force": "string",
    "escorted": "boolean",
    "leaked": "boolean",
    "targeted": "boolean",
    "detected": "boolean",
    "breakthrough": "boolean",
    "qrf": "boolean",
    "p_foil": "float64",
    "p_break": "float64",
    "cell": "Int64",
    "attackers": "Int64",
    "passengers": "Int64",
    "foreign_killed": "int64",
    "foreign_injured": "int64",
    "guards_killed": "int64",
    "civilians_killed": "int64",
    "militants_killed": "int64",
    "mode": "string",
    "actor": "string",
    "family": "string",
    "night": "boolean",
    "foreign_guards_killed": "Int64",
}

#: The counter of attempted attacks, and of foreign deaths, on each target kind.
ATTACKS_ON = {
    "convoy": "attacks_on_convoys",
    "site": "attacks_on_sites",
    "unescorted": "attacks_on_unescorted",
}
KILLED_ON = {
    "convoy": "foreign_killed_on_convoys",
    "site": "foreign_killed_at_sites",
    "unescorted": "foreign_killed_unescorted",
}

#: The counter of executed attacks of each mode.
ATTACKS_BY_MODE = {
    "vbied": "attacks_vbied",
    "suicide_foot": "attacks_suicide_foot",
    "ied": "attacks_ied",
    "small_arms": "attacks_small_arms",
}

#: Casualty outcomes, by group of people.
CASUALTY_GROUPS = (
    "foreign_killed",
    "foreign_injured",
    "guards_killed",
    "civilians_killed",
    "militants_killed",
)

#: Outcomes computed from the submodels' state at the end; every other outcome is a counter.
DERIVED = (
    "threat_exposure",
    "site_exposure",
    "exposure_per_person_year",
    "foreign_security_person_days",
    "guard_person_days",
    "cost_usd",
    "mean_legitimacy",
    "cells_active_end",
    "cell_years",
)


def names() -> list[str]:
    """Outcome names in their canonical order."""
    return list(OUTCOMES)


def compute(counters: Mapping[str, float], derived: Mapping[str, float]) -> dict[str, float]:
    """All outcomes of a run, from its event counters and its derived (end-of-run) outcomes.

    Raises:
        KeyError: when ``derived`` lacks one of :data:`DERIVED` (a submodel failed to report it).

    """
    out = {k: float(counters.get(k, 0)) for k in OUTCOMES if k not in DERIVED}
    out.update({k: float(derived[k]) for k in DERIVED})
    return {k: out[k] for k in OUTCOMES}
