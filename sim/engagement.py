"""Abstract engagement submodels: detection, the contest between attack and protection, casualties.

These are research abstractions, not tactics:

* **Detection** is a thinning of encounters: an attack is foiled before it strikes with
  probability ``1 - (1 - p_escort)(1 - p_checkpoint)(1 - p_intel)``, where each guard detects
  independently (``p_escort = 1 - (1 - d_h)^{n_h} (1 - d_f)^{n_f}``). With encounters at Poisson
  rate ``lambda`` per km, executed attacks then arrive at rate ``lambda (1 - p_foil)``
  (Kress and Szechtman 2009 treat intelligence as such a thinning of the attack flow).
* **Contest**: whether the attack breaks through the protection follows the Tullock contest
  success function ``A^m / (A^m + D^m)`` (Tullock 1980; Hirshleifer 1989; Skaperdas 1996), with
  attack strength ``A`` = attackers x capability x (1 + surprise if the itinerary leaked) and
  protection ``D`` = the escort's weighted personnel plus the armor term.
* **Casualties** are binomial draws over the people present, so they can never exceed them.
  Attacker losses grow with relative protection, ``p = min(1, loss * 2D / (A + D))``, a
  Lanchester-flavoured attrition (Lanchester 1916; Deitchman 1962) reduced to one exchange.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Casualties", "contest", "detection_probability", "draw_casualties", "foil_probability"]


def detection_probability(host: int, foreign: int, d_host: float, d_foreign: float) -> float:
    """Chance that at least one of ``host`` + ``foreign`` independent guards detects an attack."""
    return 1.0 - (1.0 - d_host) ** host * (1.0 - d_foreign) ** foreign


def foil_probability(p_escort: float, p_checkpoint: float, p_intel: float) -> float:
    """Chance that an attack is foiled by any of three independent layers."""
    return 1.0 - (1.0 - p_escort) * (1.0 - p_checkpoint) * (1.0 - p_intel)


def contest(attack: float, defence: float, m: float = 1.0) -> float:
    """Tullock contest success function: chance the attack breaks through, ``A^m/(A^m+D^m)``.

    ``attack`` and ``defence`` are non-negative strengths; with no defence an attack with any
    strength succeeds, and a zero-strength attack never does.
    """
    if attack <= 0.0:
        return 0.0
    if defence <= 0.0:
        return 1.0
    a, d = attack**m, defence**m
    return a / (a + d)


@dataclass(frozen=True)
class Casualties:
    """People killed or injured in one attack, by group."""

    foreign_killed: int = 0
    foreign_injured: int = 0
    guards_killed: int = 0
    civilians_killed: int = 0
    militants_killed: int = 0


def draw_casualties(
    rng: np.random.Generator,
    *,
    breakthrough: bool,
    passengers: int,
    drivers: int,
    guards: int,
    bystanders: int,
    attackers: int,
    lethality: float,
    injury: float,
    guard_lethality: float,
    bystander_lethality: float,
    militant_loss: float,
    attack: float,
    defence: float,
) -> Casualties:
    """Draw casualties by group; every draw is made, in a fixed order, whatever the outcome.

    Making the same draws in the same order keeps the random stream aligned across policies
    (common random numbers).
    """
    p_kill = lethality if breakthrough else 0.0
    fk = int(rng.binomial(passengers, p_kill))
    fi = int(rng.binomial(passengers - fk, injury if breakthrough else 0.0))
    dk = int(rng.binomial(drivers, p_kill))
    gk = int(rng.binomial(guards, guard_lethality))
    bk = int(rng.binomial(bystanders, bystander_lethality))
    total = attack + defence
    p_mil = min(1.0, militant_loss * 2.0 * defence / total) if total > 0 else 0.0
    mk = int(rng.binomial(attackers, p_mil))
    return Casualties(fk, fi, gk, dk + bk, mk)
