"""Typed, validated description of one scenario: network, policy (levers), threat (uncertainties).

A scenario is plain data. It is composed from YAML by Hydra (:mod:`scenarios.compose`) or built in
Python, validated here, and handed to :class:`sim.model.CorridorModel`. The split between
:class:`Policy` (what a decision-maker controls) and :class:`Threat` (what nobody controls) follows
the XLRM framing of exploratory modelling (Lempert, Popper and Bankes 2003; Kwakkel 2017).

Every field carries its unit, its allowed range and a one-line meaning in its metadata; the
validation messages and the parameter table of ``docs/ODD.md`` are generated from the same
metadata, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from scenarios.attacks import Attacks
from scenarios.fields import (
    MAX_SEED,
    RENAMED,
    P,
    ScenarioError,
    Section,
    allowed_text,
    coerce,
    count,
    nonneg,
    positive,
    prob,
    unknown_field,
    unknown_value,
)
from scenarios.presence import Demand, Population
from scenarios.threat import Threat

__all__ = [
    "MAX_SEED",
    "NETWORK_KINDS",
    "RENAMED",
    "STEP_HOURS",
    "Costs",
    "Demand",
    "NetworkSpec",
    "Policy",
    "Population",
    "Scenario",
    "ScenarioError",
    "Threat",
    "parameter_table",
    "unknown_field",
    "unknown_value",
]


NETWORK_KINDS = ("cpec", "line", "grid", "random_geometric", "graphml")


@dataclass(frozen=True)
class NetworkSpec(Section):
    """Which road network to build, and the parameters of the synthetic generators."""

    section: ClassVar[str] = "network"
    kind: str = P(
        "cpec",
        "str",
        choices=NETWORK_KINDS,
        doc="road network to build",
        source="package data (scenarios/data/SOURCES.md)",
    )
    path: str | None = P(None, "str", nullable=True, doc="GraphML file (kind=graphml)")
    length_km: float = positive(
        100.0, unit="km", doc="length of the straight road (kind=line)", hi=10_000.0
    )
    segments: int = P(10, "count", lo=1, doc="road segments of the line (kind=line)", hi=10_000)
    rows: int = P(5, "count", lo=2, doc="grid rows (kind=grid)", hi=200)
    cols: int = P(5, "count", lo=2, doc="grid columns (kind=grid)", hi=200)
    spacing_km: float = positive(50.0, unit="km", doc="grid spacing (kind=grid)", hi=1_000.0)
    n_nodes: int = P(40, "count", lo=2, doc="nodes of the random geometric graph", hi=20_000)
    radius: float = P(
        0.25,
        "float",
        lo=0.0,
        lo_open=True,
        hi=1.5,
        doc="connection radius, share of the extent (random_geometric)",
    )
    extent_km: float = positive(
        600.0, unit="km", doc="side of the square (random_geometric)", hi=10_000.0
    )
    sites: int = P(
        4, "count", lo=2, doc="project sites among the nodes (grid, random_geometric)", hi=10_000
    )
    regions: int = P(
        1, "count", lo=1, doc="regions, as vertical bands (synthetic networks)", hi=100
    )
    speed_kmh: float = positive(60.0, unit="km/h", doc="road speed (synthetic networks)", hi=200.0)
    seed: int | None = P(
        None,
        "count",
        nullable=True,
        doc="generator seed; null derives it from the run seed",
        hi=MAX_SEED,
    )

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.kind == "graphml" and not self.path:
            raise ScenarioError("network.path", "is required when network.kind is 'graphml'")
        nodes = {"grid": self.rows * self.cols, "random_geometric": self.n_nodes}.get(self.kind)
        if nodes is not None and self.sites > nodes:
            raise ScenarioError(
                "network.sites", f"must be at most the network's {nodes} nodes, got {self.sites}"
            )
        if nodes is not None and nodes > 20_000:
            raise ScenarioError(
                "network.rows", f"a grid of at most 20,000 nodes, got {self.rows} x {self.cols}"
            )


@dataclass(frozen=True)
class Policy(Section):
    """Levers: what the host government and its partner decide (XLRM's L)."""

    section: ClassVar[str] = "policy"
    name: str = P("custom", "str", doc="policy label carried into results")
    force: str = P(
        "domestic",
        "str",
        choices=("domestic", "joint"),
        doc="who escorts: host forces alone, or host plus foreign personnel",
    )
    escort_units: int = count(
        24,
        doc="escort teams available; 0 means convoys move unescorted",
        source="assumption",
        hi=10_000,
    )
    escort_size: int = count(6, unit="persons", doc="host personnel per escort team", hi=100)
    foreign_per_escort: int = count(
        0, unit="persons", doc="foreign personnel per escort team (force=joint)", hi=100
    )
    checkpoints: int = count(6, doc="fixed checkpoints at the busiest nodes", hi=1_000)
    checkpoint_size: int = count(10, unit="persons", doc="host personnel per checkpoint", hi=1_000)
    foreign_at_checkpoints: int = count(
        0, unit="persons", doc="foreign personnel per checkpoint (force=joint)", hi=1_000
    )
    patrols: int = count(4, doc="patrol units, allocated to regions by traffic", hi=1_000)
    patrol_size: int = count(12, unit="persons", doc="host personnel per patrol", hi=1_000)
    qrf_units: int = count(2, doc="quick reaction forces at the busiest nodes", hi=1_000)
    qrf_size: int = count(20, unit="persons", doc="personnel per quick reaction force", hi=1_000)
    intel_sharing: float = prob(0.0, doc="intelligence sharing and surveillance level, 0-1")
    route_choices: int = P(
        1, "count", lo=1, doc="routes drawn from (1 = always the fastest)", hi=20
    )
    detour_limit: float = P(
        1.5, "float", lo=1.0, doc="longest route allowed, x fastest time", hi=10.0
    )
    departure_window_h: float = P(
        0.0,
        "float",
        lo=0.0,
        hi=12.0,
        unit="h",
        doc="width of the randomized departure window (0 = fixed)",
    )
    armored_share: float = prob(0.3, doc="share of convoys in armored vehicles")
    escort_coverage: float = prob(
        0.5,
        doc="share of foreign staff movements escorted, long-distance ones first (then local "
        "ones); the rest travel low-profile, unprotected. It chooses which of the seed's "
        "movements are escorted, never which movements there are",
        source="assumption: half of all movements, most long ones and few city ones (4 of 14 "
        "recorded attacks hit unescorted staff; incidents.csv); the policies span 0.5-0.7",
    )
    site_guards: int = count(
        4, unit="persons", doc="host guards at each site (camps, offices, hotels)", hi=1_000
    )
    foreign_site_guards: int = count(
        0, unit="persons", doc="foreign guards at each site (force=joint)", hi=1_000
    )
    site_hardening: float = prob(
        0.5, doc="hardening of sites (walls, access control), 0-1; priced per site"
    )
    vetting: float = prob(
        0.0,
        doc="vetting of host officials, drivers and guards, 0-1; priced per year",
        source="assumption",
    )
    foreign_planning: float = prob(
        0.0,
        doc="share of the officials who plan movements that are foreign (force=joint)",
        source="assumption: joint command plans movements together",
    )
    foreign_raids: float = prob(
        0.0,
        doc="share of counter-militant raids with foreign participation (force=joint)",
        source="assumption",
    )

    daylight_only: bool = P(
        False,
        "bool",
        doc="movements only in daylight (demand.move_start_h-move_end_h): a night departure "
        "waits for the next daylight hour (with attacks.night; without it every movement is "
        "in daylight anyway)",
        source="assumption: a host movement rule",
    )

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.force == "domestic":
            for name in (
                "foreign_per_escort",
                "foreign_at_checkpoints",
                "foreign_site_guards",
                "foreign_planning",
                "foreign_raids",
            ):
                if getattr(self, name):
                    raise ScenarioError(
                        f"policy.{name}", "must be 0 when policy.force is 'domestic'"
                    )


@dataclass(frozen=True)
class Costs(Section):
    """Unit costs of security, to price every lever (``cost_usd``); all are uncertainties.

    No public series gives these for the corridor: each rate is an order-of-magnitude assumption
    with a plausible range in its source, to be explored as an uncertainty.
    """

    section: ClassVar[str] = "costs"
    host_guard_day_usd: float = nonneg(
        30.0,
        unit="USD/person-day",
        doc="a host-nation security person on duty for a day (pay, upkeep, equipment)",
        source="assumption: order of magnitude; plausible 15-60",
        hi=10_000.0,
    )
    foreign_guard_day_usd: float = nonneg(
        150.0,
        unit="USD/person-day",
        doc="a foreign security person deployed for a day (pay, deployment, upkeep)",
        source="assumption: several times a host guard; plausible 60-500",
        hi=100_000.0,
    )
    armored_vehicle_day_usd: float = nonneg(
        150.0,
        unit="USD/vehicle-day",
        doc="an armored vehicle in use for a day",
        source="assumption; plausible 50-400",
        hi=100_000.0,
    )
    intel_usd_per_year: float = nonneg(
        5.0e6,
        unit="USD/yr",
        doc="the intelligence sharing and surveillance programme at full sharing (pro rata)",
        source="assumption; plausible 1-20 million",
        hi=1.0e10,
    )
    vetting_usd_per_year: float = nonneg(
        2.0e6,
        unit="USD/yr",
        doc="the vetting programme at full vetting (pro rata of the level)",
        source="assumption; plausible 0.5-5 million",
        hi=1.0e10,
    )
    site_hardening_usd_per_year: float = nonneg(
        50_000.0,
        unit="USD/site-yr",
        doc="hardening one site fully for a year (pro rata of the level)",
        source="assumption; plausible 10,000-200,000",
        hi=1.0e9,
    )
    staff_hour_usd: float = nonneg(
        50.0,
        unit="USD/person-h",
        doc="an hour of a foreign staff member lost to waiting, detours or a moved departure",
        source="assumption; plausible 20-150",
        hi=10_000.0,
    )


STEP_HOURS = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)


@dataclass(frozen=True)
class Scenario(Section):
    """One fully specified run: sections plus seed, horizon and step length."""

    section: ClassVar[str] = ""
    seed: int = count(0, doc="seed of every random stream of the run", hi=MAX_SEED)
    days: int = P(365, "count", lo=1, unit="d", doc="horizon", hi=36_500)
    step_hours: float = P(
        1.0, "float", choices=None, lo=0.25, hi=6.0, unit="h", doc="length of one step; divides 24"
    )
    network: NetworkSpec = field(default_factory=NetworkSpec)
    policy: Policy = field(default_factory=Policy)
    threat: Threat = field(default_factory=Threat)
    demand: Demand = field(default_factory=Demand)
    population: Population = field(default_factory=Population)
    costs: Costs = field(default_factory=Costs)
    attacks: Attacks = field(default_factory=Attacks)

    SECTIONS: ClassVar[dict] = {
        "network": NetworkSpec,
        "policy": Policy,
        "threat": Threat,
        "demand": Demand,
        "population": Population,
        "costs": Costs,
        "attacks": Attacks,
    }

    @classmethod
    def from_dict(cls, data: dict | None, path: str | None = None) -> Scenario:
        """Build and validate a scenario from a nested dict."""
        if data is not None and not isinstance(data, Mapping):
            raise ScenarioError("scenario", f"must be a mapping of fields, got {data!r}")
        data = dict(data or {})
        sections = {}
        for name, klass in cls.SECTIONS.items():
            sections[name] = klass.from_dict(data.pop(name, None), name)
        top = [f.name for f in cls.fields()]
        for key in data:
            if key not in top:
                raise unknown_field(str(key), key, top + list(cls.SECTIONS))
        kwargs = {
            f.name: coerce(f.name, data[f.name], f.metadata) for f in cls.fields() if f.name in data
        }
        obj = cls(**kwargs, **sections)
        obj.check()
        return obj

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.step_hours not in STEP_HOURS:
            raise ScenarioError(
                "step_hours",
                "must divide 24 hours; allowed: " + ", ".join(f"{h:g}" for h in STEP_HOURS),
            )

    def to_dict(self) -> dict:
        """Plain nested dict of the scenario."""
        out = {f.name: getattr(self, f.name) for f in self.fields()}
        for name in self.SECTIONS:
            out[name] = getattr(self, name).to_dict()
        return out

    def replace(self, **changes) -> Scenario:
        """Return a validated copy with some fields changed.

        Nested fields as ``policy__escort_size=4``, or a section: a section object replaces the
        whole section, a mapping changes only the fields it names
        (``replace(threat={"leak_prob": 0.002})`` keeps the rest of the threat).
        """
        data = self.to_dict()
        for key, value in changes.items():
            parts = key.replace("__", ".").split(".")
            if len(parts) == 1 and parts[0] in self.SECTIONS and isinstance(value, Mapping):
                data[parts[0]] = {**data[parts[0]], **value}
            elif len(parts) == 1:
                data[parts[0]] = value.to_dict() if isinstance(value, Section) else value
            elif len(parts) == 2 and parts[0] in self.SECTIONS:
                data[parts[0]] = dict(data[parts[0]], **{parts[1]: value})
            else:
                raise ScenarioError(key.replace("__", "."), "unknown field")
        return Scenario.from_dict(data)


def parameter_table() -> list[dict]:
    """Every parameter with section, name, default, unit, allowed values and meaning."""
    rows = []
    for section, klass in [("", Scenario), *Scenario.SECTIONS.items()]:
        for f in klass.fields():
            default = f.default if f.default is not dataclasses.MISSING else None
            rows.append(
                dict(
                    section=section,
                    name=f.name,
                    default=default,
                    unit=f.metadata["unit"],
                    allowed=allowed_text(f.metadata),
                    doc=f.metadata["doc"],
                    source=f.metadata["source"],
                )
            )
    return rows
