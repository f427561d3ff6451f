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
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
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


#: Largest seed accepted (seeds are stored as 64-bit signed integers).
MAX_SEED = 2**63 - 1


class ScenarioError(ValueError):
    """Invalid scenario input. ``field`` is the dotted name of the offending field."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def unknown_value(field: str, noun: str, value, allowed, error=ScenarioError) -> ScenarioError:
    """The error for a value outside ``allowed``, suggesting the closest allowed one."""
    allowed = [str(a) for a in allowed]
    hint = difflib.get_close_matches(str(value), allowed, n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
    return error(field, f"unknown {noun} {value!r}{extra}; allowed: " + ", ".join(allowed))


#: Fields renamed when their meaning changed, with the new name (refused, never mapped).
#: Fields removed, with what replaced them (refused with this message).
REMOVED = {
    "notification_chain": "the chain now follows from who is told (officials, drivers, guards; "
    "demand.chain_officials, policy.vetting, policy.foreign_planning); see docs/ODD.md 7.3",
}

RENAMED = {
    "screen_prob": "screen_per_guard",
    "qrf_mitigation": "qrf_mitigation_per_guard",
    "patrol_interdiction": "patrol_interdiction_per_guard",
}


def unknown_field(field: str, key, allowed) -> ScenarioError:
    """The error for a field name not in ``allowed``, suggesting the closest one."""
    allowed = [str(a) for a in allowed]
    if str(key) in REMOVED:
        return ScenarioError(field, "removed: " + REMOVED[str(key)])
    if RENAMED.get(str(key)) in allowed:
        return ScenarioError(
            field,
            f"unknown field; it became {RENAMED[str(key)]!r}, which counts per guard "
            "(see CHANGELOG.md and docs/ODD.md)",
        )
    hint = difflib.get_close_matches(str(key), allowed, n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    return ScenarioError(field, f"unknown field{extra} Allowed: " + ", ".join(allowed))


def P(
    default,
    kind,
    *,
    unit="",
    doc="",
    lo=None,
    hi=None,
    lo_open=False,
    hi_open=False,
    choices=None,
    nullable=False,
    source="assumption",
):  # noqa: D103, N802
    meta = dict(
        kind=kind,
        unit=unit,
        doc=doc,
        lo=lo,
        hi=hi,
        lo_open=lo_open,
        hi_open=hi_open,
        choices=choices,
        nullable=nullable,
        source=source,
    )
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


def _allowed(meta: dict) -> str:
    kind = meta["kind"]
    if meta["choices"] is not None:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    lo, hi = meta["lo"], meta["hi"]
    what = {
        "count": "a whole number",
        "int": "a whole number",
        "float": "a number",
        "prob": "a probability",
        "str": "a string",
        "bool": "true or false",
        "map": "a mapping",
    }[kind]

    def num(v) -> str:
        return f"{v:,}" if kind in ("count", "int") else f"{v:,g}"

    parts = []
    if lo is not None:
        parts.append(f"{'>' if meta['lo_open'] else '>='} {num(lo)}")
    if hi is not None:
        parts.append(f"{'<' if meta['hi_open'] else '<='} {num(hi)}")
    if parts:
        what += " " + " and ".join(parts)
    if meta["nullable"]:
        what += " (or null)"
    return what


def _coerce(path: str, value: Any, meta: dict) -> Any:
    kind = meta["kind"]
    if value is None:
        if meta["nullable"]:
            return None
        raise ScenarioError(path, f"must be {_allowed(meta)}, got null")
    if kind == "map":
        if not isinstance(value, dict):
            raise ScenarioError(path, f"must be a mapping, got {value!r}")
        return dict(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(path, f"must be true or false, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
        if meta["choices"] is not None and value not in meta["choices"]:
            raise unknown_value(path, "value", value, meta["choices"])
        return value
    # numbers
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
    if kind in ("count", "int"):
        if isinstance(value, float):
            if not value.is_integer():
                raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None and (value < lo or (meta["lo_open"] and value == lo)):
        raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
    if hi is not None and (value > hi or (meta["hi_open"] and value == hi)):
        raise ScenarioError(path, f"must be {_allowed(meta)}, got {value!r}")
    return value


def count(default, **kw):  # noqa: D103
    return P(default, "count", lo=0, **kw)


def prob(default, **kw):  # noqa: D103
    return P(default, "prob", lo=0.0, hi=1.0, **kw)


def nonneg(default, **kw):  # noqa: D103
    return P(default, "float", lo=0.0, **kw)


def positive(default, **kw):  # noqa: D103
    return P(default, "float", lo=0.0, lo_open=True, **kw)


class _Section:
    """Shared construction and validation for the scenario's sections."""

    section: ClassVar[str] = ""

    @classmethod
    def fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if f.metadata]

    @classmethod
    def from_dict(cls, data: dict | None, path: str | None = None):
        path = cls.section if path is None else path
        data = {} if data is None else data
        if not isinstance(data, Mapping):
            raise ScenarioError(path or "scenario", f"must be a mapping of fields, got {data!r}")
        names = [f.name for f in cls.fields()]
        for key in data:
            if key not in names:
                raise unknown_field(f"{path}.{key}" if path else str(key), key, names)
        kwargs = {}
        for f in cls.fields():
            if f.name in data:
                kwargs[f.name] = _coerce(
                    f"{path}.{f.name}" if path else f.name, data[f.name], f.metadata
                )
        obj = cls(**kwargs)
        obj.check()
        return obj

    def check(self) -> None:
        """Validate every field (defaults included) and the cross-field rules."""
        for f in self.fields():
            name = f"{self.section}.{f.name}" if self.section else f.name
            object.__setattr__(self, f.name, _coerce(name, getattr(self, f.name), f.metadata))

    def to_dict(self) -> dict:
        """Plain nested dict of the scenario."""
        return {f.name: getattr(self, f.name) for f in self.fields()}


NETWORK_KINDS = ("cpec", "line", "grid", "random_geometric", "graphml")


@dataclass(frozen=True)
class NetworkSpec(_Section):
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
class Policy(_Section):
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
        doc="share of foreign staff movements escorted; the rest travel low-profile, unprotected",
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
class Threat(_Section):
    """Uncertainties: militant strength and behaviour, effect of security (XLRM's X)."""

    section: ClassVar[str] = "threat"
    name: str = P("custom", "str", doc="threat label carried into results")
    cells: int = count(6, doc="militant cells at the start", hi=10_000)
    cell_strength: int = P(8, "count", lo=1, unit="persons", doc="members of a new cell", hi=10_000)
    max_cell_strength: int = P(
        14, "count", lo=2, unit="persons", doc="members at which a cell splits in two", hi=100_000
    )
    capability: float = positive(
        1.0, doc="attack strength per attacker (contest input)", hi=1_000.0
    )
    team_size: int = P(
        5, "count", lo=1, unit="persons", doc="attackers in one attack, at most", hi=1_000
    )
    reach_km: float = nonneg(
        40.0, unit="km", doc="road distance from its node a cell can strike", hi=1.0e6
    )
    ambush_rate: float = nonneg(
        6.598e-5,
        unit="1/km",
        doc="ambush sites per km of road a ready, fully informed cell sets",
        source="prior log-uniform 2e-5 - 3e-4 (conf/calibration/abc.yaml)",
        hi=10.0,
    )
    plan_days: float = nonneg(
        106.3,
        unit="d",
        doc="mean time to prepare the next attack",
        source="calibrated with four others by rejection ABC to the attacks on escorted "
        "movements in the first version; held at that value since (the record's seven years "
        "say little about it)",
        hi=36_500.0,
    )
    knowledge0: float = prob(0.3, doc="initial knowledge of convoy patterns, 0-1")
    learn_rate: float = prob(0.05, unit="1/d", doc="daily learning from observed traffic")
    forget_rate: float = prob(0.005, unit="1/d", doc="daily decay of knowledge")
    schedule_scale_h: float = positive(
        2.0,
        unit="h",
        doc="departure window that halves predictability",
        source="assumption (Stackelberg randomization, Paruchuri et al. 2008); explored 0.5-8",
        hi=168.0,
    )
    leak_prob: float = prob(
        4.478e-5,
        doc="chance that one host member of a notification chain leaks an itinerary, at "
        "grievance 0.2 (in proportion elsewhere) and without vetting",
        source="prior uniform 0 - 1.5e-4; informed by the insider-aided share (the 2024 "
        "Karachi airport attack; incidents.csv)",
    )
    leak_exploit: float = prob(0.5, doc="chance a leaked itinerary is acted on by a cell")
    ambush_wait_h: float = nonneg(
        2.0,
        unit="h",
        doc="how long a leak-informed ambush stays in place around the leaked passing time",
        source="assumption",
        hi=168.0,
    )
    leak_surprise: float = nonneg(
        1.0, doc="added attack strength of a leak-informed attack, x", hi=100.0
    )
    recruitment_rate: float = nonneg(
        0.1,
        unit="persons/d",
        doc="recruits a day in a region at grievance 1",
        source="assumption, set by hand for a roughly stationary cell stock (Kaplan et al. 2005), "
        "not by calibration; explored 0.03-0.3",
        hi=1_000.0,
    )
    interdiction_rate: float = nonneg(
        0.0015,
        unit="1/d",
        doc="daily hazard a cell is rolled up",
        source="assumption, set by hand for a roughly stationary cell stock (Kaplan et al. 2005), "
        "not by calibration",
        hi=100.0,
    )
    patrol_interdiction_per_guard: float = nonneg(
        8.333e-05,
        unit="1/d per person",
        doc="added daily hazard per patrol member in the cell's region",
        source="assumption: 0.001/d for a patrol of 12",
        hi=10.0,
    )
    intel_interdiction: float = nonneg(
        0.004,
        unit="1/d",
        doc="added daily hazard at full intelligence sharing",
        source="assumption, no public estimate; explored 0-0.02 (none to 13x the base hazard)",
        hi=100.0,
    )
    intel_detection: float = prob(
        0.3,
        doc="added detection and screening at full sharing",
        source="assumption; explored 0-0.6",
    )
    intel_precision: float = prob(
        0.7,
        doc="cut in collateral harm at full intelligence sharing",
        source="assumption after Kress and Szechtman (2009)",
    )
    collateral: float = prob(0.1, doc="chance a bystander is killed in a counter-militant raid")
    backlash: float = nonneg(
        0.004,
        unit="1/d per 100 persons",
        doc="daily legitimacy loss per 100 visible foreign personnel",
        source="assumption (sovereignty backlash; no public estimate); explored 0-0.02",
        hi=100.0,
    )
    collateral_sensitivity: float = nonneg(
        0.01,
        doc="legitimacy loss per civilian killed by ops",
        source="assumption after Kaplan et al. (2005)",
        hi=1.0,
    )
    detect_domestic: float = prob(0.02, doc="chance one host guard detects an attack in time")
    detect_foreign: float = prob(
        0.04,
        doc="chance one foreign guard detects an attack in time",
        source="assumption; explored 0.01-0.1 (half to 5x a host guard)",
    )
    screen_per_guard: float = prob(
        0.01612,
        doc="chance one host checkpoint guard screens out an attack near it",
        source="assumption: a checkpoint of 10 screens 15%",
    )
    effect_domestic: float = nonneg(
        1.201,
        doc="protection per host guard (contest input)",
        source="prior uniform 0.1 - 2; informed by the lethal share (5 of 12, incidents.csv)",
        hi=1_000.0,
    )
    effect_foreign: float = nonneg(
        0.4,
        doc="protection per foreign guard (contest input)",
        source="assumption; explored 0.2-2.4: the record has no foreign forces, so the range "
        "spans parity with a host guard (1.2) and twice it",
        hi=1_000.0,
    )
    armor: float = nonneg(
        1.0, doc="protection added by armored vehicles (contest input)", hi=1_000.0
    )
    decisiveness: float = positive(
        1.0,
        doc="exponent m of the contest success function",
        source="Tullock (1980); m = 1 is the ratio form (Hirshleifer 1989)",
        hi=20.0,
    )
    lethality: float = prob(
        0.5528,
        doc="chance a foreign passenger is killed in a breakthrough",
        source="prior uniform 0.2 - 0.9; informed by foreign deaths per lethal attack (4.0, "
        "incidents.csv)",
    )
    injury: float = prob(0.2, doc="chance a surviving foreign passenger is injured")
    armor_protection: float = prob(0.5, doc="cut in lethality inside armored vehicles")
    guard_lethality: float = prob(0.05, doc="chance an escort guard is killed in an attack")
    bystanders: int = count(10, unit="persons", doc="civilians near an attack or raid", hi=10_000)
    bystander_lethality: float = prob(0.05, doc="chance a bystander is killed in an attack")
    militant_loss: float = prob(0.3, doc="chance an attacker is killed, at equal strength")
    qrf_reach_h: float = nonneg(
        1.0, unit="h", doc="response time within which a QRF helps", hi=168.0
    )
    qrf_mitigation_per_guard: float = prob(
        0.01767,
        doc="cut in lethality per member of a QRF that arrives in time (compounded)",
        source="assumption: a QRF of 20 cuts lethality by 30%",
    )
    foreign_leak_factor: float = nonneg(
        0.1,
        doc="leak chance of a foreign member of the chain, x a host member's at grievance 0.2",
        source="assumption: foreign staff are not drawn from the aggrieved population; "
        "explored 0-0.5",
        hi=100.0,
    )
    vetting_effect: float = prob(
        0.6,
        doc="cut in the leak and insider chance of a host member at full vetting",
        source="assumption; explored 0.2-0.9",
    )
    insider_rate: float = nonneg(
        5.729e-6,
        unit="1/guard-day",
        doc="chance a host guard turns on the people he guards, per escorted trip or site-day, "
        "at grievance 0.2 (in proportion elsewhere) and without vetting",
        source="prior uniform 0 - 2e-5; informed by the insider-aided share (the 2024 "
        "shooting by an assigned guard; incidents.csv)",
        hi=1.0,
    )
    insider_lethality: float = prob(
        0.2,
        doc="chance a foreign person present is killed in an insider attack",
        source="assumption (the record's one insider attack injured 2, killed none)",
    )
    tip_rate: float = nonneg(
        0.2,
        unit="tips/d",
        doc="tips a day from the population of a region at legitimacy 1 (in proportion below)",
        source="assumption (information-centric view, Berman, Shapiro and Felter 2011); "
        "explored 0.05-0.8",
        hi=1_000.0,
    )
    tip_interdiction: float = nonneg(
        0.005,
        unit="1/d per tip",
        doc="added daily interdiction hazard of a region's cells, per tip of the day, shared "
        "among them",
        source="assumption; explored 0-0.02",
        hi=100.0,
    )
    tip_detection: float = prob(
        0.02,
        doc="chance each tip of the last 30 days in a region lets an attack there be foiled",
        source="assumption; explored 0-0.06",
    )
    surveillance_backlash: float = nonneg(
        0.0005,
        unit="1/d",
        doc="daily legitimacy loss in every region at full intelligence sharing (foreign "
        "surveillance)",
        source="assumption, no public estimate; explored 0-0.002",
        hi=1.0,
    )
    raid_effect_foreign: float = nonneg(
        0.5,
        doc="added interdiction hazard with every raid joint, x the host-only hazard",
        source="assumption; explored 0-1.5",
        hi=100.0,
    )
    foreign_raid_backlash: float = nonneg(
        1.0,
        doc="added legitimacy cost of a civilian killed in a raid with foreign personnel, x "
        "a host-only raid's",
        source="assumption; explored 0-3",
        hi=100.0,
    )
    site_attack_rate: float = nonneg(
        0.003111,
        unit="1/d",
        doc="daily chance a ready cell that targets a site finds the opening to strike it",
        source="prior log-uniform 2e-4 - 2e-2; the share of attacks on sites is held out for "
        "validation, so the fit learns this rate only through the share on convoys",
        hi=100.0,
    )
    hardening: float = nonneg(
        3.0,
        doc="protection of a fully hardened site (contest input)",
        source="assumption: 2.5 host guards' worth, three times armor",
        hi=1_000.0,
    )
    hardening_protection: float = prob(
        0.5,
        doc="cut in lethality at a fully hardened site",
        source="assumption, as armor_protection",
    )
    rationality: float = nonneg(
        1.0,
        unit="1/death",
        doc="logit rationality lambda of target choice (0 = uniform among targets)",
        source="assumption (quantal response, McKelvey and Palfrey 1995; Yang et al. 2012); "
        "explored 0.25-4",
        hi=100.0,
    )
    belief_rate: float = prob(
        0.05,
        unit="1/observation",
        doc="weight of each new observation in a cell's belief of a target's protection "
        "(0 = static adversary)",
        source="assumption (belief learning, Fudenberg and Levine 1998); explored 0-0.2 "
        "(0 is the static adversary)",
    )
    symbolic_convoy: float = nonneg(
        1.0,
        doc="symbolic weight of an attack on an escorted convoy",
        source="the unit of the symbolic weights",
        hi=100.0,
    )
    symbolic_site: float = nonneg(
        0.7,
        doc="symbolic weight of an attack on a site, x a convoy's",
        source="assumption; explored 0.5-2",
        hi=100.0,
    )
    symbolic_unescorted: float = nonneg(
        1.0,
        doc="symbolic weight of an attack on an unescorted movement, x a convoy's",
        source="assumption; explored 0.5-2",
        hi=100.0,
    )
    prior_escort_guards: int = count(
        6,
        unit="persons",
        doc="host guards per escort cells believe at the start (the status quo)",
        source="domestic_baseline's escort_size: beliefs formed before any policy change",
        hi=1_000,
    )
    prior_site_guards: int = count(
        4,
        unit="persons",
        doc="host guards per site cells believe at the start (the status quo)",
        source="domestic_baseline's site_guards",
        hi=1_000,
    )
    prior_site_hardening: float = prob(
        0.5,
        doc="site hardening cells believe at the start (the status quo)",
        source="domestic_baseline's site_hardening",
    )

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.cell_strength > self.max_cell_strength:
            raise ScenarioError(
                "threat.cell_strength",
                f"must be at most threat.max_cell_strength ({self.max_cell_strength}), "
                f"got {self.cell_strength}",
            )


@dataclass(frozen=True)
class Demand(_Section):
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
        doc="mean foreign passengers per convoy",
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
        150.0, "float", lo=1.0, unit="km", doc="trip length scale of the gravity model", hi=10_000.0
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
    unescorted_distance_scale_km: float = P(
        25.0,
        "float",
        lo=1.0,
        unit="km",
        doc="trip length scale of low-profile movements (short: mostly within cities)",
        hi=10_000.0,
    )
    unescorted_passengers_mean: float = P(
        2.0,
        "float",
        lo=1.0,
        unit="persons",
        doc="mean foreign passengers of a low-profile movement (one car)",
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

    def check(self) -> None:
        """Validate the fields, then the cross-field rules of this section."""
        super().check()
        if self.move_end_h <= self.move_start_h:
            raise ScenarioError("demand.move_end_h", "must be later than demand.move_start_h")


@dataclass(frozen=True)
class Population(_Section):
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


@dataclass(frozen=True)
class Costs(_Section):
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
class Scenario(_Section):
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

    SECTIONS: ClassVar[dict] = {
        "network": NetworkSpec,
        "policy": Policy,
        "threat": Threat,
        "demand": Demand,
        "population": Population,
        "costs": Costs,
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
            f.name: _coerce(f.name, data[f.name], f.metadata)
            for f in cls.fields()
            if f.name in data
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
                data[parts[0]] = value.to_dict() if isinstance(value, _Section) else value
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
                    allowed=_allowed(f.metadata),
                    doc=f.metadata["doc"],
                    source=f.metadata["source"],
                )
            )
    return rows
