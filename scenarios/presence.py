"""The presence section of a scenario: the foreign staff's movements and the population.

Who travels, where, when and how many is the seed's under every policy (:mod:`sim.model.demand`);
the policy decides only how each movement is protected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scenarios.fields import P, ScenarioError, Section, count, nonneg, prob

__all__ = ["Demand", "Population"]


@dataclass(frozen=True)
class Demand(Section):
    """Movements of foreign workers: trip generation and the daylight window."""

    section: ClassVar[str] = "demand"
    trips_per_day: float = nonneg(
        16.0,
        unit="trips/d",
        doc="mean movements of foreign staff a day, escorted and low-profile",
        source="assumption: ~2,700 CPEC staff, weekly rotation",
        hi=1_000.0,
    )
    passengers_mean: float = P(
        10.0,
        "float",
        lo=1.0,
        unit="persons",
        doc="mean foreign passengers of a long-distance movement",
        source="assumption: buses and vans of staff (the Dasu bus carried ~30)",
        hi=100.0,
    )
    passengers_per_vehicle: int = P(
        4,
        "count",
        lo=1,
        unit="persons",
        doc="foreign passengers per vehicle (one driver each)",
        hi=100,
    )
    distance_scale_km: float = P(
        150.0,
        "float",
        lo=1.0,
        unit="km",
        doc="trip length scale of the gravity model for long-distance movements",
        hi=10_000.0,
    )
    long_trip_share: float = prob(
        0.5,
        doc="share of movements that are long-distance (between cities, camps and ports); the "
        "rest are local (mostly within a city's cluster of nodes)",
        source="assumption, chosen equal to domestic_baseline's escort_coverage so that its "
        "escorts go to the long movements exactly (as before demand was fixed by the seed)",
    )
    chain_officials: int = count(
        4,
        unit="persons",
        doc="officials told of each escorted movement in advance (besides its drivers and guards)",
        source="assumption",
        hi=10_000,
    )
    chain_per_intel: int = count(
        4,
        unit="persons",
        doc="officials of the intelligence agencies added to the chain at full sharing",
        source="assumption",
        hi=10_000,
    )
    local_distance_scale_km: float = P(
        25.0,
        "float",
        lo=1.0,
        unit="km",
        doc="trip length scale of local movements (short: mostly within cities)",
        hi=10_000.0,
    )
    local_passengers_mean: float = P(
        2.0,
        "float",
        lo=1.0,
        unit="persons",
        doc="mean foreign passengers of a local movement",
        hi=100.0,
    )
    camp_staff: int = count(
        6,
        unit="persons",
        doc="foreign staff an attack on a project camp or port can reach",
        hi=10_000,
    )
    office_staff: int = count(
        3,
        unit="persons",
        doc="foreign staff an attack on a city office or hotel can reach",
        hi=10_000,
    )
    departure_hour: float = P(
        8.0, "float", lo=0.0, hi=24.0, hi_open=True, unit="h", doc="scheduled departure time"
    )
    move_start_h: float = P(
        6.0, "float", lo=0.0, hi=24.0, unit="h", doc="convoys move from this hour"
    )
    move_end_h: float = P(
        19.0, "float", lo=0.0, hi=24.0, unit="h", doc="convoys halt from this hour"
    )
    speed_factor: float = P(
        0.8, "float", lo=0.0, lo_open=True, hi=1.0, doc="convoy speed as a share of road speed"
    )
    night_share: float = prob(
        0.1,
        doc="share of movements planned to leave at night, outside move_start_h-move_end_h "
        "(with attacks.night; arrivals from night flights)",
        source="assumption: the 2024 Karachi airport convoy left arrivals at about 23:00; "
        "explored 0-0.3",
    )

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.move_end_h <= self.move_start_h:
            raise ScenarioError("demand.move_end_h", "must be later than demand.move_start_h")


@dataclass(frozen=True)
class Population(Section):
    """Regional population: hardship and legitimacy (Epstein 2002)."""

    section: ClassVar[str] = "population"
    hardship: float = prob(
        0.5,
        doc="hardship H of a region without its own value",
        source="Epstein (2002) uses U(0,1); assumption",
    )
    legitimacy0: float = prob(
        0.6,
        doc="baseline legitimacy L0 of a region without its own value",
        source="assumption (Epstein 2002 symbol L)",
    )
    relax_rate: float = prob(
        0.02, unit="1/d", doc="daily return of legitimacy toward L0", source="assumption"
    )
