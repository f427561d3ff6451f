"""The attacks section of a scenario: attack modes, actors, foreign forces as targets, night.

Each mechanism has a switch, off by default, so that every before/after comparison is paired
within one codebase on the same seeds: ``modes`` off resolves every attack as today's headcount
contest; ``actors: generic`` is one threat everywhere; ``foreign_targets`` off gives visible
foreign forces no symbolic value and their deaths no political cost; ``night`` off keeps every
departure and all driving inside the daylight window. The actor files live in ``conf/actors/``
(one mapping per actor; :func:`load_actors` documents and validates their fields).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from scenarios.fields import P, ScenarioError, Section, nonneg, positive, prob, unknown_value

__all__ = [
    "ACTOR_DIR",
    "MODES",
    "MODE_NAMES",
    "RECORD",
    "TARGET_MODES",
    "Actor",
    "Attacks",
    "load_actors",
]

ACTOR_DIR = Path(__file__).resolve().parent.parent / "conf" / "actors"
#: The attack modes a cell can choose (an insider attack is the assigned guard's, not a cell's).
MODES = ("vbied", "suicide_foot", "ied", "small_arms")
#: How tables, documents and the map name each mode.
MODE_NAMES = {
    "vbied": "suicide vehicle bomb",
    "suicide_foot": "suicide bomber on foot",
    "ied": "planted bomb",
    "small_arms": "small arms",
    "insider": "an assigned guard (insider)",
}
#: The modes open against each kind of target: a vehicle bomb needs a road or a gate, a planted
#: bomb a road.
TARGET_MODES = {
    "convoy": ("vbied", "suicide_foot", "ied", "small_arms"),
    "unescorted": ("suicide_foot", "ied", "small_arms"),
    "site": ("vbied", "suicide_foot", "small_arms"),
}
#: The record's attack mechanisms, all on: modes, the record's actors, foreign forces as
#: targets, night movement.
RECORD = dict(modes=True, actors="cpec", foreign_targets=True, night=True)
ACTOR_FIELDS = ("family", "label", "regions", "modes", "china_weight", "foreign_forces_weight")


@dataclass(frozen=True)
class Actor:
    """One militant actor: where it recruits, what it can do, what it prefers to hit.

    ``regions`` maps a region to the share of its aggrieved recruits who join this actor (the
    shares of one region sum to at most 1); ``modes`` weighs the attack modes it can mount;
    ``china_weight`` scales its attack rates on Chinese targets against the generic threat's;
    ``foreign_forces_weight`` scales the symbolic value visible foreign forces add to a target.
    """

    name: str
    family: str
    label: str
    regions: dict
    modes: dict
    china_weight: float = 1.0
    foreign_forces_weight: float = 1.0


def _number(path: str, value, lo: float, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, f"must be a number, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo:g} and {hi:g}" if hi is not None else f">= {lo:g}"
        raise ScenarioError(path, f"must be a number {bound}, got {value!r}")
    return float(value)


def _actor(name: str, data, path: str) -> Actor:
    if not isinstance(data, dict):
        raise ScenarioError(path, f"must be a mapping of {', '.join(ACTOR_FIELDS)}, got {data!r}")
    for key in data:
        if key not in ACTOR_FIELDS:
            raise unknown_value(f"{path}.{key}", "actor field", key, ACTOR_FIELDS)
    for key in ("family", "regions", "modes"):
        if key not in data:
            raise ScenarioError(f"{path}.{key}", "is required")
    regions = data["regions"]
    if not isinstance(regions, dict) or not regions:
        raise ScenarioError(f"{path}.regions", "must map region names to recruit shares 0-1")
    modes = data["modes"]
    if not isinstance(modes, dict) or not modes:
        raise ScenarioError(f"{path}.modes", "must map attack modes to weights >= 0")
    for mode in modes:
        if mode not in MODES:
            raise unknown_value(f"{path}.modes.{mode}", "attack mode", mode, MODES)
    weights = {m: _number(f"{path}.modes.{m}", w, 0.0) for m, w in modes.items()}
    if sum(weights.values()) <= 0:
        raise ScenarioError(f"{path}.modes", "needs at least one weight above 0")
    return Actor(
        name=name,
        family=str(data["family"]),
        label=str(data.get("label", name)),
        regions={str(r): _number(f"{path}.regions.{r}", s, 0.0, 1.0) for r, s in regions.items()},
        modes=weights,
        china_weight=_number(f"{path}.china_weight", data.get("china_weight", 1.0), 0.0, 100.0),
        foreign_forces_weight=_number(
            f"{path}.foreign_forces_weight", data.get("foreign_forces_weight", 1.0), 0.0, 100.0
        ),
    )


@functools.cache
def _read(name: str, stamp: tuple) -> tuple[Actor, ...]:
    from scenarios.safe_yaml import load_yaml

    path = ACTOR_DIR / f"{name}.yaml"
    data = load_yaml(path, f"actors {name}") or {}
    where = f"attacks.actors ({path.name})"
    if not isinstance(data, dict):
        raise ScenarioError(where, "must be a mapping of actor names to actors")
    actors = tuple(_actor(str(k), v, f"{where}.{k}") for k, v in data.items())
    totals: dict = {}
    for a in actors:
        for r, s in a.regions.items():
            totals[r] = totals.get(r, 0.0) + s
    for r, total in totals.items():
        if total > 1.0 + 1e-12:
            raise ScenarioError(
                f"{where}.*.regions.{r}",
                f"the actors' recruit shares of {r} sum to {total:g}; they must sum to at most 1",
            )
    return actors


def actor_files() -> list[str]:
    """The actor files of ``conf/actors/``, by name."""
    return sorted(p.stem for p in ACTOR_DIR.glob("*.yaml"))


def load_actors(name: str) -> tuple[Actor, ...]:
    """The actors of ``conf/actors/<name>.yaml``, validated (``generic``: none, one threat).

    Each actor is a mapping with ``family`` (the record's actor family: ``baloch``,
    ``sindhi``, ``ttp`` or one of the user's), ``label``, ``regions`` (region: recruit share),
    ``modes`` (mode: weight, modes of :data:`MODES`), ``china_weight`` and
    ``foreign_forces_weight`` (both 1 when left out).
    """
    path = ACTOR_DIR / f"{name}.yaml"
    try:
        if "/" in name or "\\" in name or name.startswith("."):
            raise FileNotFoundError(name)
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise unknown_value("attacks.actors", "actor file", name, actor_files()) from None
    return _read(name, (st.st_size, st.st_mtime_ns))


@dataclass(frozen=True)
class Attacks(Section):
    """How attacks are made and resolved: modes, actors, foreign forces as targets, night."""

    section: ClassVar[str] = "attacks"
    modes: bool = P(
        False,
        "bool",
        doc="each attack has a mode (vehicle bomb, bomber on foot, planted bomb, small arms) "
        "with its own resolution; off: every attack is the headcount contest",
    )
    actors: str = P(
        "generic",
        "str",
        doc="actor file of conf/actors/ (regions, modes, target preferences); generic: one "
        "threat everywhere",
    )
    foreign_targets: bool = P(
        False,
        "bool",
        doc="visible foreign forces raise a target's value to militants, and a foreign guard "
        "killed costs legitimacy",
    )
    night: bool = P(
        False,
        "bool",
        doc="movements depart at any hour (demand.night_share at night) and drive at night "
        "unless policy.daylight_only",
    )
    generic_vbied: float = nonneg(
        4.0,
        doc="the generic threat's weight of suicide vehicle bombs",
        source="the record: 4 of 12 attacks 2018-2024 (incidents.csv)",
        hi=1e6,
    )
    generic_suicide_foot: float = nonneg(
        2.0,
        doc="the generic threat's weight of suicide bombers on foot",
        source="the record: 2 of 12",
        hi=1e6,
    )
    generic_ied: float = nonneg(
        1.0,
        doc="the generic threat's weight of planted bombs",
        source="the record: 1 of 12",
        hi=1e6,
    )
    generic_small_arms: float = nonneg(
        4.0,
        doc="the generic threat's weight of small-arms attacks",
        source="the record: 4 of 12",
        hi=1e6,
    )
    vbied_intercept_ratio: float = prob(
        0.5,
        doc="a guard's chance to intercept a vehicle bomb, x his chance to detect an attack "
        "(a bomber on foot: x 1)",
        source="assumption: a moving vehicle is harder to stop than a person; explored 0.25-1",
    )
    standoff_m: float = nonneg(
        20.0,
        unit="m",
        doc="distance from its target at which an intercepted bomber detonates",
        source="Gwadar 2021: plain-clothes escorts intercepted the bomber at 15-20 m "
        "(incidents.csv); explored 10-40",
        hi=1_000.0,
    )
    vbied_radius_m: float = positive(
        15.0,
        unit="m",
        doc="Carleton lethal radius of a vehicle bomb",
        source="assumption (Carleton damage function; Washburn 2002); explored 8-30",
        hi=1_000.0,
    )
    foot_radius_m: float = positive(
        5.0,
        unit="m",
        doc="Carleton lethal radius of a bomber on foot",
        source="assumption (Carleton damage function; Washburn 2002); explored 3-10",
        hi=1_000.0,
    )
    ied_radius_m: float = positive(
        5.0,
        unit="m",
        doc="Carleton lethal radius of a planted bomb",
        source="assumption; explored 3-10",
        hi=1_000.0,
    )
    ied_offset_m: float = nonneg(
        3.0,
        unit="m",
        doc="distance between a planted bomb and its target vehicle when it goes off",
        source="assumption; explored 0-10",
        hi=1_000.0,
    )
    guard_offset_m: float = nonneg(
        10.0,
        unit="m",
        doc="distance of the escort's guards from a bomb that goes off at its target",
        source="assumption: escort vehicles ahead and behind; explored 5-30",
        hi=1_000.0,
    )
    clearance_per_guard: float = prob(
        0.002,
        doc="chance one patrol member of the region finds a planted bomb before it goes off",
        source="assumption: 2.4% for the 12 of one patrol; explored 0-0.01",
    )
    foreign_symbolic: float = nonneg(
        0.1,
        doc="payoff a target gains per visible foreign guard at it, x (with foreign_targets)",
        source="assumption: militants who frame their campaign against China; explored 0-0.5, "
        "0 included",
        hi=100.0,
    )
    foreign_guard_backlash: float = nonneg(
        5.0,
        doc="legitimacy harm of a foreign guard killed, in civilian deaths (with foreign_targets)",
        source="assumption: a foreign soldier killed on the host's soil is political news; "
        "explored 0-20",
        hi=1_000.0,
    )
    night_detection: float = prob(
        1.0,
        doc="detection, interception and screening at night, x by day",
        source="left equal by day and night (no public estimate); explored 0.5-1",
    )

    def check(self) -> None:
        """Validate the fields, then that the actor file exists and is well formed."""
        super().check()
        if not isinstance(self.actors, str):
            raise ScenarioError("attacks.actors", f"must be a string, got {self.actors!r}")
        actors = load_actors(self.actors)
        if self.modes and not actors and sum(getattr(self, f"generic_{m}") for m in MODES) <= 0:
            raise ScenarioError(
                "attacks.generic_small_arms", "the generic_* mode weights must not all be 0"
            )

    def actor_table(self) -> tuple[Actor, ...]:
        """The actors, or the one generic actor of every region (``actors: generic``)."""
        actors = load_actors(self.actors)
        if actors:
            return actors
        modes = {m: getattr(self, f"generic_{m}") for m in MODES}
        return (Actor("generic", "generic", "one generic threat", {"*": 1.0}, modes),)
