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

import math
from dataclasses import dataclass

import numpy as np

from sim.model.keys import K_COMBAT, K_INSIDER_HARM, K_MODE
from sim.model.modes import (
    SUICIDE,
    _foreign_share,
    blast_casualties,
    ied_defeat_probability,
    intercept_ratio,
    interception_probability,
    pick_mode,
)
from sim.model.outcomes import ATTACKS_BY_MODE, ATTACKS_ON, CASUALTY_GROUPS, KILLED_ON
from sim.model.submodel import Submodel

__all__ = [
    "Casualties",
    "Engagement",
    "Exposure",
    "contest",
    "detection_probability",
    "draw_casualties",
    "foil_probability",
]


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
    # 1 / (1 + (D/A)^m), in logs: A^m and D^m alone under- or overflow for extreme m
    log_ratio = m * (math.log(defence) - math.log(attack))
    if log_ratio > 700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(log_ratio))


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


@dataclass(frozen=True)
class Exposure:
    """What an attack meets: the people and protection of its target, and where it is.

    ``shield`` is the contest term of armor or hardening and ``cut`` the share of lethality it
    takes off; ``checkpoints`` the checkpoints that can screen the attack; ``reach_h`` the
    hours a quick reaction force needs to get there.
    """

    kind: str
    people: int
    drivers: int
    host: int
    foreign: int
    shield: float
    cut: float
    checkpoints: int
    reach_h: float
    predictability: float = 1.0


class Engagement(Submodel):
    """Resolves attacks: detection, contest, casualties, records.

    Attacks on convoys, unescorted movements and sites all go through the same :meth:`strike`.
    """

    name = "engagement"

    def resolve(self, convoy, cell, e: int, x: float, targeted: bool) -> None:
        """An encounter on the road, at ``x`` km of edge ``e`` from its ``edge_u`` end."""
        model, th, net = self.model, self.cfg.threat, self.model.net
        security = model.security
        rng = convoy.draws.generator(K_COMBAT, convoy.attacks)  # the convoy's n-th attack
        convoy.attacks += 1
        esc = convoy.escort
        u, v = net.edge_u[e], net.edge_v[e]
        length = net.edge_len[e]
        exposure = Exposure(
            kind=convoy.kind,
            people=convoy.passengers,
            drivers=convoy.drivers,
            host=esc.host if esc is not None else 0,
            foreign=esc.foreign if esc is not None else 0,
            shield=th.armor if convoy.armored else 0.0,
            cut=th.armor_protection if convoy.armored else 0.0,
            checkpoints=security.checkpoint_count[u] + security.checkpoint_count[v],
            predictability=convoy.predictability,
            reach_h=min(
                security.qrf_time.get(u, math.inf) + x / length * net.edge_time[e],
                security.qrf_time.get(v, math.inf) + (1 - x / length) * net.edge_time[e],
            ),
        )
        px, py = net.point(e, x)
        node = u if x <= length / 2 else v
        where = dict(
            node=node,
            edge_u=u,
            edge_v=v,
            x_km=x,
            lon=px,
            lat=py,
            trip=convoy.trip_id,
            origin=convoy.origin,
            destination=convoy.destination,
            force=esc.force if esc is not None else "none",
            escorted=esc is not None,
            leaked=convoy.leaked,
        )
        u_mode = convoy.draws.random(K_MODE, convoy.attacks) if self.cfg.attacks.modes else 0.0
        if self.strike(exposure, cell, rng, targeted, where, u_mode):
            convoy.finish(completed=False)

    def resolve_site(self, site, cell) -> None:
        """An attack on a fixed site by the cell that chose it."""
        model = self.model
        security, targets = model.security, model.targets
        rng = site.draws.generator(K_COMBAT, site.attacks)  # the site's n-th attack
        site.attacks += 1
        exposure = Exposure(
            kind="site",
            people=site.staff,
            drivers=0,
            host=targets.site_host,
            foreign=targets.site_foreign,
            shield=targets.site_shield,
            cut=targets.site_cut,
            checkpoints=security.checkpoint_count[site.node],
            reach_h=security.qrf_time.get(site.node, math.inf),
        )
        x, y = model.net.pos[site.node]
        force = "joint" if targets.site_foreign else "domestic"
        where = dict(
            node=site.node,
            lon=x,
            lat=y,
            force=force if exposure.host + exposure.foreign else "none",
        )
        u_mode = site.draws.random(K_MODE, site.attacks) if self.cfg.attacks.modes else 0.0
        self.strike(exposure, cell, rng, False, where, u_mode)

    def insider(self, kind: str, people: int, node, draws, key: tuple) -> None:
        """An assigned guard turns on the ``people`` he guards: no detection, no contest.

        Foreign killed ~ Bin(people, ``insider_lethality``), injured ~ Bin(survivors,
        ``injury``), drawn from the target's own keyed generator.
        """
        model, th = self.model, self.cfg.threat
        rng = draws.generator(K_INSIDER_HARM, *key)
        killed = int(rng.binomial(people, th.insider_lethality))
        injured = int(rng.binomial(people - killed, th.injury))
        c = model.counters
        c["insider_attacks"] += 1
        c["foreign_killed"] += killed
        c["foreign_injured"] += injured
        c[KILLED_ON[kind]] += killed
        x, y = model.net.pos[node]
        model.log(
            event="insider",
            target=kind,
            node=node,
            region=model.net.region[node],
            lon=x,
            lat=y,
            passengers=people,
            foreign_killed=killed,
            foreign_injured=injured,
        )

    def strike(
        self, target: Exposure, cell, rng, targeted: bool, where: dict, u_mode: float = 0.0
    ) -> bool:
        """The attack's mode, its resolution, its counts and its row of the event log.

        With ``attacks.modes`` off every attack is the headcount contest (:meth:`_contest`);
        with it on, ``u_mode`` (the target's keyed draw) picks the mode from the cell's actor
        (:func:`sim.model.modes.pick_mode`). ``where``: the attack's place and the fields of the
        log that only an attack on a movement has. Returns whether it broke through.
        """
        model, att = self.model, self.cfg.attacks
        mode = pick_mode(cell.actor.modes, target.kind, u_mode) if att.modes else "small_arms"
        night = model.movement.is_night(model.hours)
        if mode in SUICIDE:
            res = self._suicide(target, rng, mode, where["node"], night)
        elif mode == "ied":
            res = self._ied(target, cell, rng, where["node"], night)
        else:
            res = self._contest(target, cell, rng, targeted, where["node"], night)
        foreign_guards = _foreign_share(rng, res.cas.guards_killed, target.host, target.foreign)
        self._count(target.kind, res, targeted, bool(where.get("escorted")), mode, night)
        model.counters["foreign_guards_killed"] += foreign_guards
        model.counters["host_guards_killed"] += res.cas.guards_killed - foreign_guards
        if foreign_guards and att.foreign_targets:
            region = model.net.region[where["node"]]
            model.population.harm_today[region] += att.foreign_guard_backlash * foreign_guards
        cas = res.cas
        model.log(
            event="attack" if res.struck else "foiled",
            target=target.kind,
            region=model.net.region[where["node"]],
            mode=mode,
            actor=cell.actor.name,
            family=cell.actor.family,
            night=night,
            targeted=targeted,
            detected=res.detected,
            breakthrough=res.breakthrough,
            qrf=res.qrf,
            p_foil=res.p_foil,
            p_break=res.p_break,
            cell=cell.unique_id,
            attackers=res.attackers,
            passengers=target.people,
            foreign_killed=cas.foreign_killed,
            foreign_injured=cas.foreign_injured,
            guards_killed=cas.guards_killed,
            foreign_guards_killed=foreign_guards,
            civilians_killed=cas.civilians_killed,
            militants_killed=cas.militants_killed,
            **where,
        )
        cell.after_attack(cas.militants_killed, target.kind, res.breakthrough)
        return res.breakthrough

    def _lethality(self, target: Exposure, qrf: bool, armor: bool = True) -> float:
        """A breakthrough's lethality, less a quick reaction force's cut and the armor's.

        With ``armor`` false the armor's cut is left to the resolution (a blast applies it).
        """
        th, pol = self.cfg.threat, self.cfg.policy
        lethality = th.lethality * (1.0 - target.cut) if armor else th.lethality
        if qrf:
            lethality *= (1.0 - th.qrf_mitigation_per_guard) ** pol.qrf_size
        return lethality

    def _contest(self, target: Exposure, cell, rng, targeted: bool, node, night: bool):
        """Small arms: detection may foil the attack; otherwise a contest decides it."""
        th, pol = self.cfg.threat, self.cfg.policy
        host, foreign = target.host, target.foreign
        p_foil = self.foil_chance(target, node, night)
        attackers = cell.attackers
        attack = attackers * th.capability * ((1.0 + th.leak_surprise) if targeted else 1.0)
        defence = host * th.effect_domestic + foreign * th.effect_foreign + target.shield
        p_break = contest(attack, defence, th.decisiveness)
        detected = bool(rng.random() < p_foil)
        breakthrough = (not detected) and bool(rng.random() < p_break)
        qrf = (not detected) and pol.qrf_size > 0 and target.reach_h <= th.qrf_reach_h
        cas = draw_casualties(
            rng,
            breakthrough=breakthrough,
            passengers=target.people,
            drivers=target.drivers,
            guards=0 if detected else host + foreign,
            bystanders=0 if detected else th.bystanders,
            attackers=attackers,
            lethality=self._lethality(target, qrf),
            injury=th.injury,
            guard_lethality=th.guard_lethality,
            bystander_lethality=th.bystander_lethality,
            militant_loss=th.militant_loss,
            attack=attack,
            defence=defence,
        )
        return Resolution(
            detected, breakthrough, qrf, p_foil, p_break, cas, attackers, not detected
        )

    def _suicide(self, target: Exposure, rng, mode: str, node, night: bool):
        """A suicide bomber, intercepted at standoff or not (:mod:`sim.model.modes`).

        ``p_foil`` is the chance of interception and ``p_break`` its complement; the bomb goes
        off either way and the bomber dies.
        """
        th, pol, att = self.cfg.threat, self.cfg.policy, self.cfg.attacks
        ratio, dark = intercept_ratio(mode, att), self._dark(night)
        p_cp, p_intel, tips = self._layers(target, node, dark)
        p_stop = interception_probability(
            target.host, target.foreign, th.detect_domestic * ratio * dark,
            th.detect_foreign * ratio * dark, p_cp, p_intel, th.tip_detection, tips,
        )  # fmt: skip
        intercepted = bool(rng.random() < p_stop)
        qrf = pol.qrf_size > 0 and target.reach_h <= th.qrf_reach_h
        radius = att.vbied_radius_m if mode == "vbied" else att.foot_radius_m
        distance = att.standoff_m if intercepted else 0.0
        cas = self._blast(target, rng, qrf, distance, radius, militants=1)
        return Resolution(intercepted, not intercepted, qrf, p_stop, 1.0 - p_stop, cas, 1, True)

    def _ied(self, target: Exposure, cell, rng, node, night: bool):
        """A planted bomb: found by clearance, escort, intelligence or tips, or passed by."""
        th, pol, att = self.cfg.threat, self.cfg.policy, self.cfg.attacks
        dark = self._dark(night)
        p_esc = self._escort_detection(target, dark)
        _, p_intel, tips = self._layers(target, node, dark)
        patrol = self.model.security.patrol_personnel[self.model.net.region[node]]
        p_defeat = ied_defeat_probability(
            patrol, att.clearance_per_guard * dark, p_esc, p_intel, th.tip_detection, tips
        )
        found = bool(rng.random() < p_defeat)
        passed = bool(rng.random() < target.predictability)
        struck = (not found) and passed
        qrf = struck and pol.qrf_size > 0 and target.reach_h <= th.qrf_reach_h
        cas = self._blast(
            target, rng, qrf, att.ied_offset_m, att.ied_radius_m, militants=0, present=struck
        )
        p_strike = (1.0 - p_defeat) * target.predictability
        return Resolution(found, struck, qrf, p_defeat, p_strike, cas, cell.attackers, struck)

    def _blast(
        self, target: Exposure, rng, qrf: bool, distance: float, radius: float, *,
        militants: int, present: bool = True,
    ) -> Casualties:  # fmt: skip
        """A bomb's casualties at ``distance`` from the target (:func:`blast_casualties`).

        Nobody is hurt when the bomb goes off where nobody is (``present`` false); the draws
        are made all the same (common random numbers).
        """
        th, att = self.cfg.threat, self.cfg.attacks
        fk, fi, gk, ck = blast_casualties(
            rng,
            passengers=target.people if present else 0,
            drivers=target.drivers if present else 0,
            guards=target.host + target.foreign if present else 0,
            bystanders=th.bystanders if present else 0,
            lethality=self._lethality(target, qrf, armor=False),
            injury=th.injury,
            distance=distance,
            radius=radius,
            cut=target.cut,
            guard_distance=att.guard_offset_m,
            bystander_lethality=th.bystander_lethality,
        )
        return Casualties(fk, fi, gk, ck, militants)

    def _dark(self, night: bool) -> float:
        """The factor on every detection chance: ``night_detection`` at night, else 1."""
        return self.cfg.attacks.night_detection if night else 1.0

    def _escort_detection(self, target: Exposure, dark: float) -> float:
        """The chance one of the target's guards detects the attack (x ``dark`` each)."""
        th = self.cfg.threat
        return detection_probability(
            target.host, target.foreign, th.detect_domestic * dark, th.detect_foreign * dark
        )

    def _layers(self, target: Exposure, node, dark: float = 1.0) -> tuple[float, float, int]:
        """The checkpoints' screening chance, intelligence's, and the region's recent tips."""
        th, pol = self.cfg.threat, self.cfg.policy
        p_one = detection_probability(
            pol.checkpoint_size,
            pol.foreign_at_checkpoints,
            th.screen_per_guard * dark,
            th.screen_foreign * dark,
        )
        n_cp = target.checkpoints
        p_cp = 1.0 - (1.0 - p_one) ** n_cp if n_cp else 0.0
        tips = self.model.population.recent_tips(self.model.net.region[node])
        return p_cp, pol.intel_sharing * th.intel_detection, tips

    def foil_chance(self, target: Exposure, node, night: bool = False) -> float:
        """The chance the attack is detected and foiled: escort, checkpoints, intelligence, tips.

        At night (with ``attacks.night``) every detection chance is x ``night_detection``.
        """
        th = self.cfg.threat
        dark = self._dark(night)
        p_esc = self._escort_detection(target, dark)
        p_cp, p_intel, tips = self._layers(target, node, dark)
        p_foil = foil_probability(p_esc, p_cp, p_intel)
        return 1.0 - (1.0 - p_foil) * (1.0 - th.tip_detection) ** tips

    def _count(
        self, kind: str, res: Resolution, targeted: bool, escorted: bool, mode: str, night: bool
    ) -> None:
        """The attack's counts: attempted, foiled or executed, by kind and mode, casualties."""
        c = self.model.counters
        cas = res.cas
        c["attacks_attempted"] += 1
        c[ATTACKS_ON[kind]] += 1
        if not res.struck:
            c["attacks_foiled"] += 1
        else:
            c["attacks_executed"] += 1
            c["attacks_on_escorted"] += escorted
            c[ATTACKS_BY_MODE[mode]] += 1
            c["attacks_at_night"] += night
        c["attacks_successful"] += (cas.foreign_killed + cas.foreign_injured) > 0
        c["attacks_lethal"] += cas.foreign_killed > 0
        c["attacks_with_leak"] += targeted
        for k in CASUALTY_GROUPS:
            c[k] += getattr(cas, k)
        c[KILLED_ON[kind]] += cas.foreign_killed
        if kind == "convoy":
            c["attacks_lethal_on_convoys"] += cas.foreign_killed > 0


@dataclass(frozen=True)
class Resolution:
    """How one attack ended: detected (or intercepted, or found), broke through, and its toll.

    ``struck``: the attack went off at its target or at standoff (what the record counts).
    """

    detected: bool
    breakthrough: bool
    qrf: bool
    p_foil: float
    p_break: float
    cas: Casualties
    attackers: int
    struck: bool
