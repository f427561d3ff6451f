"""Attack modes and their resolutions: what decides a bombing is not a headcount contest.

Every lethal attack on an escorted movement in the record was a suicide bombing (a vehicle bomb
or a bomber on foot; ``scenarios/data/incidents.csv``). Each mode has its own resolution:

* **Suicide attacks** (``vbied``, ``suicide_foot``) are stopped only by being intercepted before
  the bomber reaches its target: by the escort's guards as a moving perimeter, each of whom
  intercepts independently with his detection chance x the mode's interception ratio, by the
  checkpoints it passes, by intelligence and by tips, ``P(stop) = 1 - (1 - p_escort)(1 - p_cp)
  (1 - p_intel)(1 - d_tip)^T``. The bomb goes off either way: at the ``standoff_m`` of the
  interception, or at its target. Its lethality then follows the Carleton damage function
  ``p(r) = L exp(-(r / R)^2)`` of the distance ``r`` and the charge's lethal radius ``R``
  (Carleton, in Washburn 2002, *Search and Detection*, ch. 6; the standard smooth alternative to
  a cookie-cutter), times ``1 - armor`` for the people in armored vehicles. The guards' number
  enters through interception only: with interception fixed, the toll does not depend on it.
* **Planted bombs** (``ied``) meet route clearance (each patrol member of the region finds one
  with chance ``clearance_per_guard``), the escort's guards, intelligence and tips; a bomb not
  found strikes only a movement that passes it when planned, with chance the movement's
  predictability ``pi = 1 / (n_routes (1 + W / s))`` (randomized routes and departures pass it by;
  :mod:`sim.model.demand`), at ``ied_offset_m`` from the vehicle.
* **Small arms** keep the detection-then-contest resolution of :mod:`sim.model.engagement`
  (Tullock 1980).

An insider attack (an assigned guard) is not a cell's and keeps its own resolution
(:meth:`sim.model.engagement.Engagement.insider`).
"""

from __future__ import annotations

import math

import numpy as np

from scenarios.attacks import MODES, TARGET_MODES

__all__ = [
    "MODES",
    "SUICIDE",
    "TARGET_MODES",
    "blast_casualties",
    "carleton",
    "ied_defeat_probability",
    "intercept_ratio",
    "interception_probability",
    "mode_shares",
    "pick_mode",
]

#: The suicide modes.
SUICIDE = ("vbied", "suicide_foot")


def carleton(r: float, radius: float) -> float:
    """The Carleton damage function ``exp(-(r / R)^2)`` at distance ``r`` from a charge.

    0 beyond 40 radii, where it underflows (and ``(r / R)^2`` could overflow).
    """
    x = r / radius
    return 0.0 if x > 40.0 else math.exp(-x * x)


def intercept_ratio(mode: str, attacks) -> float:
    """A guard's chance to stop an attack of ``mode``, x his chance to detect an attack.

    ``attacks.vbied_intercept_ratio`` for a vehicle bomb, 1 for the other modes.
    """
    return attacks.vbied_intercept_ratio if mode == "vbied" else 1.0


def interception_probability(
    host: int, foreign: int, i_host: float, i_foreign: float, p_checkpoint: float, p_intel: float,
    tip_detection: float, tips: int,
) -> float:  # fmt: skip
    """``1 - (1 - i_h)^{n_h} (1 - i_f)^{n_f} (1 - p_cp)(1 - p_intel)(1 - d_tip)^T``."""
    escort_miss = (1.0 - i_host) ** host * (1.0 - i_foreign) ** foreign
    return (
        1.0 - escort_miss * (1.0 - p_checkpoint) * (1.0 - p_intel) * (1.0 - tip_detection) ** tips
    )


def ied_defeat_probability(
    patrol: float, clearance: float, p_escort: float, p_intel: float, tip_detection: float,
    tips: int,
) -> float:  # fmt: skip
    """``1 - (1 - c)^P (1 - p_escort)(1 - p_intel)(1 - d_tip)^T``: a planted bomb found."""
    missed = (1.0 - clearance) ** patrol * (1.0 - p_escort) * (1.0 - p_intel)
    return 1.0 - missed * (1.0 - tip_detection) ** tips


def mode_shares(weights: dict, kind: str) -> dict[str, float]:
    """The chance of each mode against a target of ``kind``.

    The weights of the modes open against it, normalized; small arms when the actor has none.
    """
    open_ = {m: float(weights.get(m, 0.0)) for m in TARGET_MODES[kind]}
    total = sum(open_.values())
    if total <= 0.0:
        return {"small_arms": 1.0}
    return {m: w / total for m, w in open_.items() if w > 0.0}


def pick_mode(weights: dict, kind: str, u: float) -> str:
    """The mode of an attack on ``kind`` for the uniform ``u`` (inverse of :func:`mode_shares`)."""
    shares = mode_shares(weights, kind)
    mode = next(reversed(shares))
    for m, p in shares.items():
        u -= p
        if u < 0.0:
            return m
    return mode


def blast_casualties(
    rng: np.random.Generator, *, passengers: int, drivers: int, guards: int, bystanders: int,
    lethality: float, injury: float, distance: float, radius: float, cut: float,
    guard_distance: float, bystander_lethality: float,
) -> tuple[int, int, int, int]:  # fmt: skip
    """Killed passengers, injured passengers, killed guards, killed host civilians of a blast.

    Passengers and drivers at ``distance`` from the charge are killed with chance
    ``L carleton(distance) (1 - cut)``; survivors are injured with chance ``injury x
    carleton(distance / 2)`` (injury reaches twice as far); guards at ``guard_distance`` are
    killed with ``L carleton(guard_distance)``; bystanders with ``bystander_lethality``. The
    draws are made in a fixed order, whatever the outcome (common random numbers).
    """
    p_kill = lethality * carleton(distance, radius) * (1.0 - cut)
    p_injure = injury * carleton(distance / 2.0, radius)
    fk = int(rng.binomial(passengers, p_kill))
    fi = int(rng.binomial(passengers - fk, p_injure))
    dk = int(rng.binomial(drivers, p_kill))
    gk = int(rng.binomial(guards, lethality * carleton(guard_distance, radius)))
    bk = int(rng.binomial(bystanders, bystander_lethality))
    return fk, fi, gk, dk + bk


def _foreign_share(rng, killed: int, host: int, foreign: int) -> int:
    """How many of ``killed`` guards were foreign: hypergeometric over who was there.

    Drawn last from the attack's generator, so no other draw of the attack moves.
    """
    if killed <= 0 or foreign <= 0:
        return 0
    if host <= 0:
        return killed
    return int(rng.hypergeometric(foreign, host, killed))
