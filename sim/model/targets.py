"""Targets and target choice: sites, the kinds of movement, and an adversary that chooses.

**Targets.** Foreign staff are exposed in three ways (the public record has all three;
``scenarios/data/incidents.csv``): escorted convoys, low-profile unescorted movements (both drawn
by :mod:`sim.model.demand`) and fixed sites: camps at project sites and ports, offices and hotels in
cities. Staff live where they travel from, so the foreign staff an attack on a site can reach is
``camp_staff`` (or ``office_staff``) at the busiest camp (or city) and in proportion to the share
of trips that start or end there elsewhere, rounded; a node left with no staff has no site. Sites
are guarded by the policy's site guards and hardened to its ``site_hardening``.

**Choice.** A ready cell chooses among the targets within its reach, by a logit quantal response
over expected payoffs (McKelvey and Palfrey 1995; in security games, Yang et al. 2012):

    P(t) = exp(lambda U_t) / sum_s exp(lambda U_s),   U_t = w_k(t) N_t lethality pi_t

with ``w`` the symbolic weight of the target's kind, ``N`` the foreign staff it expects there and
``pi`` the chance it believes an attack succeeds, given the protection it believes is there
(detection by the guards, then the Tullock contest; :mod:`sim.model.engagement`). A movement kind is
within reach when the demand model expects at least one movement of that kind a week on the
roads the cell reaches; a site, when its node is within ``reach_km`` road distance. The cell
chooses when it becomes ready and again at each turn of the day (a mixed strategy played day by
day). A cell that targets a kind of movement sets its ambush sites for movements of that kind
only (:class:`agents.convoy.Convoy`); one that targets a site strikes it at the rate
``site_attack_rate`` a day while the choice holds.

**Beliefs.** A cell starts from the status quo (``prior_escort_guards``, ``prior_site_guards``,
``prior_site_hardening``) and, with learning rate ``alpha = belief_rate``, moves its belief of each
target's success chance toward what it observes: each day toward the mean success chance implied
by the protection it saw (escorts of the movements setting out on its roads, the guards and
hardening of the sites in its reach), and after each of its attacks toward the outcome (1 if the
attack broke through, else 0), ``pi <- pi + alpha (observation - pi)`` (belief learning;
Fudenberg and Levine 1998). With ``belief_rate = 0`` the adversary is static: it keeps the status
quo beliefs, with the same rationality, so the effect of learning is measured on common random
numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.engagement import contest, detection_probability
from sim.model.keys import K_CHOOSE, K_INSIDER, K_STRIKE
from sim.model.modes import intercept_ratio, mode_shares
from sim.model.randomness import BLOCK_DAYS, uniforms
from sim.model.submodel import Submodel

__all__ = [
    "CONVOY",
    "SITE",
    "SITE_KINDS",
    "TARGET_KINDS",
    "UNESCORTED",
    "Site",
    "Targets",
    "believed_success",
    "logit_shares",
]

#: Target kinds, as the event log and the outcomes name them.
CONVOY, UNESCORTED, SITE = "convoy", "unescorted", "site"
TARGET_KINDS = (CONVOY, UNESCORTED, SITE)
#: Node kinds that hold a site, and which staff figure applies (camps or offices and hotels).
SITE_KINDS = {"project_site": "camp", "port": "camp", "city": "office"}
#: A movement kind is within a cell's reach when at least this many movements a day of that
#: kind are expected on one of the roads it reaches (one a week).
MIN_TRAFFIC_PER_DAY = 1.0 / 7.0


def logit_shares(payoffs, rationality: float) -> np.ndarray:
    """Logit quantal response: ``exp(lambda U_t) / sum_s exp(lambda U_s)`` (computed stably)."""
    weights = _logit_weights(payoffs, rationality)
    return np.asarray(weights) / sum(weights)


def _logit_weights(payoffs, rationality: float) -> list[float]:
    """``exp(lambda (U_t - max U))``: the logit choice's weights, unnormalized."""
    u = [rationality * p for p in payoffs]
    top = max(u)
    return [math.exp(x - top) for x in u]


def believed_success(
    th, attackers: int, host: int, foreign: int, shield: float, surprise: float = 0.0
) -> float:
    """Chance an attack succeeds against the protection seen on its target.

    Not detected by any of ``host`` + ``foreign`` guards, then breaking through in the contest
    against their weighted strength plus ``shield`` (armor or hardening).
    """
    p_detect = detection_probability(host, foreign, th.detect_domestic, th.detect_foreign)
    attack = attackers * th.capability * (1.0 + surprise)
    defence = host * th.effect_domestic + foreign * th.effect_foreign + shield
    return (1.0 - p_detect) * contest(attack, defence, th.decisiveness)


@dataclass
class Site:
    """A fixed site: where it is, who is there, the draws of the attacks on it."""

    index: int
    node: object
    kind: str  # "camp" or "office"
    staff: int
    draws: object
    attacks: int = 0


class Targets(Submodel):
    """The sites, the targets within each cell's reach, the cells' choices and beliefs.

    Attributes:
        sites: the fixed sites, in node order.
        choices: ``(hour, cell key, target)`` of every choice made, in order (target is
            ``"convoy"``, ``"unescorted"`` or a site index).

    """

    name = "targets"

    def setup(self) -> None:
        """One site at each node of a site kind that has staff; the protection on sites."""
        model, dem, pol = self.model, self.cfg.demand, self.cfg.policy
        net = model.net
        self.sites: list[Site] = []
        share = model.demand.node_share
        busiest = {
            kind: max(
                (share[n] for n in net.nodes if SITE_KINDS.get(net.kind[n]) == kind), default=0
            )
            for kind in ("camp", "office")
        }
        for n in net.nodes:
            kind = SITE_KINDS.get(net.kind[n])
            if kind is None or busiest[kind] <= 0:
                continue
            full = dem.camp_staff if kind == "camp" else dem.office_staff
            staff = round(full * share[n] / busiest[kind])
            if staff <= 0:
                continue
            i = len(self.sites)
            self.sites.append(Site(i, n, kind, staff, model.draws.child(K_STRIKE, i)))
        self.site_host = pol.site_guards
        self.site_foreign = pol.foreign_site_guards if pol.force == "joint" else 0
        self.site_shield = pol.site_hardening * self.cfg.threat.hardening
        self.site_cut = pol.site_hardening * self.cfg.threat.hardening_protection
        self._reach_cache: dict = {}
        self._believed: dict = {}
        self._plans: dict = {}
        self._insider_days: dict = {}
        self.choices: list[tuple] = []
        #: expected strike openings each site has faced: the strike rate x the hours chosen
        self.site_hazard = [0.0] * len(self.sites)

    # ---- what a cell can reach -----------------------------------------------------------------
    def within_reach(self, cell) -> list:
        """Targets within the cell's reach: movement kinds first, then site indices."""
        if cell.node in self._reach_cache:
            return self._reach_cache[cell.node]
        model, th = self.model, self.cfg.threat
        out: list = []
        traffic = model.demand.edge_traffic
        for kind in (CONVOY, UNESCORTED):
            seen = max((traffic[kind].get(e, 0.0) for e in cell.cover), default=0.0)
            if seen >= MIN_TRAFFIC_PER_DAY:
                out.append(kind)
        if th.site_attack_rate > 0:
            dist = model.net.distances_from(cell.node)
            out.extend(s.index for s in self.sites if dist.get(s.node, math.inf) <= th.reach_km)
        self._reach_cache[cell.node] = out
        return out

    # ---- beliefs -------------------------------------------------------------------------------
    def prior(self, cell) -> dict:
        """The status quo beliefs of a new cell: success chance by target."""
        th = self.cfg.threat
        a, actor = cell.attackers, cell.actor
        shield = th.prior_site_hardening * th.hardening
        return {
            CONVOY: self.believed(a, th.prior_escort_guards, 0, 0.0, CONVOY, actor),
            UNESCORTED: self.believed(a, 0, 0, 0.0, UNESCORTED, actor),
            SITE: self.believed(a, th.prior_site_guards, 0, shield, SITE, actor),
        }

    def believed(
        self, attackers: int, host: int, foreign: int, shield: float, kind=None, actor=None
    ) -> float:
        """The chance an attack on a target of ``kind`` breaks through, as a cell sees it.

        :func:`believed_success` (detection, then the contest); with ``attacks.modes`` on,
        the mean over the actor's modes against that kind (:func:`sim.model.modes.
        mode_shares`) of each mode's chance: a suicide attack breaks through when the guards
        it meets do not intercept it, a planted bomb when they do not find it. Remembered.
        """
        modes = self.cfg.attacks.modes and actor is not None and kind is not None
        key = (attackers, host, foreign, shield, kind, actor.name) if modes else (
            attackers, host, foreign, shield)  # fmt: skip
        got = self._believed.get(key)
        if got is None:
            th = self.cfg.threat
            contest_ = believed_success(th, attackers, host, foreign, shield)
            if modes:
                contest_ = sum(
                    p * self._mode_success(m, host, foreign, contest_)
                    for m, p in mode_shares(actor.modes, kind).items()
                )
            got = self._believed[key] = contest_
        return got

    def _mode_success(self, mode: str, host: int, foreign: int, contest_: float) -> float:
        """One mode's chance to break through the ``host`` and ``foreign`` guards seen."""
        th = self.cfg.threat
        if mode == "small_arms":
            return contest_
        ratio = intercept_ratio(mode, self.cfg.attacks)
        return 1.0 - detection_probability(
            host, foreign, th.detect_domestic * ratio, th.detect_foreign * ratio
        )

    def seen_on_site(self, cell) -> float:
        """The success chance implied by the protection the cell sees at a site."""
        return self.believed(
            cell.attackers, self.site_host, self.site_foreign, self.site_shield, SITE, cell.actor
        )

    def sites_within_reach(self, cell) -> bool:
        """Whether any site is within the cell's reach."""
        return self._plan(cell)[2]

    def _plan(self, cell) -> tuple:
        """The targets within reach of the cell's node and what each pays.

        ``(targets, [(w N lethality, belief key), ...], whether a site is among them)``.
        """
        plan = self._plans.get((cell.node, cell.actor.name))
        if plan is None:
            th, dem = self.cfg.threat, self.cfg.demand
            targets = self.within_reach(cell)
            per = {
                CONVOY: th.symbolic_convoy * dem.passengers_mean,
                UNESCORTED: th.symbolic_unescorted * dem.local_passengers_mean,
            }
            consts = [
                (per[t] if t in per else th.symbolic_site * self.sites[t].staff)
                * th.lethality
                * self.foreign_uplift(t, cell.actor)
                for t in targets
            ]
            keys = [t if t in per else SITE for t in targets]
            near = SITE in keys
            plan = (targets, list(zip(consts, keys, strict=True)), near)
            self._plans[(cell.node, cell.actor.name)] = plan
        return plan

    def visible_foreign(self, target) -> int:
        """Foreign guards a militant sees at a target: an escort's, a site's, none on others."""
        pol = self.cfg.policy
        if target == CONVOY:
            joint = pol.force == "joint" and self.model.security.escorting
            return pol.foreign_per_escort if joint else 0
        if target == UNESCORTED:
            return 0
        return self.site_foreign

    def foreign_uplift(self, target, actor) -> float:
        """``1 + s w F``: the payoff a target gains from the ``F`` foreign guards seen at it.

        ``s`` is ``attacks.foreign_symbolic`` and ``w`` the actor's ``foreign_forces_weight``;
        1 with ``attacks.foreign_targets`` off.
        """
        att = self.cfg.attacks
        if not att.foreign_targets:
            return 1.0
        return 1.0 + att.foreign_symbolic * actor.foreign_forces_weight * self.visible_foreign(
            target
        )

    def payoffs(self, cell) -> tuple[list, list[float]]:
        """The targets within reach and the cell's expected payoff ``w N lethality pi`` of each."""
        targets, pays, _ = self._plan(cell)
        beliefs = cell.beliefs
        return targets, [c * beliefs[k] for c, k in pays]

    def shares(self, cell) -> tuple[list, np.ndarray]:
        """The targets within reach and the cell's logit choice probabilities over them."""
        targets, payoffs = self.payoffs(cell)
        if not targets:
            return targets, np.zeros(0)
        return targets, logit_shares(payoffs, self.cfg.threat.rationality)

    # ---- insiders ----------------------------------------------------------------------------
    def outcomes(self) -> dict[str, float]:
        """Exposure on roads and at sites, in all and per foreign person-year.

        ``site_exposure`` sums, over every choice of a site by a cell, the site's staff x the
        strike rate x the hours the choice holds before its strike (expected strike openings
        per person, as ``road_exposure`` sums expected ambush encounters per person);
        person-years are the sites' staff over the horizon.
        """
        road = float(self.model.counters.get("road_exposure", 0.0))
        site = sum(s.staff * h for s, h in zip(self.sites, self.site_hazard, strict=True))
        total = road + site
        person_years = sum(s.staff for s in self.sites) * self.cfg.days / 365.0
        return {
            "site_exposure": site,
            "threat_exposure": total,
            "exposure_per_person_year": total / person_years if person_years > 0 else 0.0,
        }

    def end_day(self, day: int) -> None:
        """A guard at a site may turn on the staff he guards (:meth:`Threat.insider_chance`)."""
        model = self.model
        if self.site_host <= 0 or not self.sites:
            return
        if day not in self._insider_days:
            self._insider_block(day)
        region = model.net.region
        for site in self._insider_days.pop(day):
            chance = model.threat.insider_chance(region[site.node], self.site_host)
            if site.draws.random(K_INSIDER, day) < chance:
                model.engagement.insider(SITE, site.staff, site.node, site.draws, (day,))

    def _insider_block(self, first: int) -> None:
        """The sites whose guard draw of each day is below the chance's bound, a block at once.

        Only those can have an insider attack that day (:meth:`Threat.insider_bound`); the
        draws are the sites' own ``K_INSIDER`` draws of each day.
        """
        model = self.model
        days = np.arange(first, first + BLOCK_DAYS)
        self._insider_days = {day: [] for day in days.tolist()}
        for site in self.sites:
            bound = model.threat.insider_bound(model.net.region[site.node], self.site_host)
            u = uniforms(site.draws.h, K_INSIDER, days)
            for i in np.flatnonzero(u < bound).tolist():
                self._insider_days[first + i].append(site)

    # ---- choice --------------------------------------------------------------------------------
    def choose(self, cell, *, day: int | None = None, preparation: int | None = None) -> None:
        """The cell draws its target and, for a site, when it strikes.

        Exactly one of ``day`` (the daily choice of a cell that can act, drawn from its daily
        stream) and ``preparation`` (the choice when its ``preparation``-th preparation ends)
        keys the draws. The choice holds until the next turn of the day. A site is struck after
        an exponential time at rate ``site_attack_rate`` a day, if that falls before the choice
        ends (the exponential's memorylessness makes the daily redraw exact).
        """
        model = self.model
        targets, payoffs = self.payoffs(cell)
        cell.choices += 1
        if not targets:
            cell.target = None
            return
        weights = _logit_weights(payoffs, self.cfg.threat.rationality)
        if (day is None) == (preparation is None):
            raise ValueError("give exactly one of day and preparation")
        daily = day is not None
        u = cell.choose_u(day) if daily else cell.draws.random(K_CHOOSE, 0, preparation)
        u *= sum(weights)
        target = targets[-1]
        for t, w in zip(targets, weights, strict=True):
            u -= w
            if u < 0.0:
                target = t
                break
        cell.target = target
        self.choices.append((model.hours, cell.key, target))
        if target in (CONVOY, UNESCORTED):
            return
        now = model.hours
        ends = (math.floor(now / 24.0 + 1e-9) + 1) * 24.0
        r = cell.strike_u(day) if daily else cell.draws.random(K_STRIKE, 0, preparation)
        rate = self.cfg.threat.site_attack_rate * cell.actor.china_weight
        if rate <= 0.0:
            return
        wait = -24.0 / rate * math.log1p(-r)  # exponential
        # the site under the strike rate until the strike or the end of the choice
        self.site_hazard[target] += rate * min(wait, ends - now) / 24.0
        if now + wait < ends:
            cell.strike_token = cell.choices
            model.schedule_event(cell.strike_site, at=max((now + wait) / model.dt, model.time))
