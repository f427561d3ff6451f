"""MilitantCell: a group of militants based at a node, striking roads within its reach.

State follows the terror-stock view of Kaplan, Mintz, Mishal and Samban (2005): cells are
recruited at a rate that grows with regional grievance (Epstein 2002), depleted by preventive
interdiction (which intelligence makes more frequent and more precise; Kress and Szechtman 2009)
and by losses in attacks. A cell prepares an attack for an exponentially distributed time; once
ready it sets ambush sites along the roads it reaches at density ``ambush_rate x knowledge`` per
km until it strikes, unless it is waiting in a leak-informed ambush for one convoy. Knowledge of
convoy patterns grows with the traffic it observes, the faster the more predictable the movements
are (the defender's randomization in a Stackelberg security game; Paruchuri et al. 2008), and
decays without observation.

A cell's draws are keyed by the event that founded it (``key``): its n-th preparation time and
its interdiction draw of each day (:mod:`sim.model.randomness`), never by Mesa's ``unique_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from sim.model.keys import K_CHOOSE, K_INTERDICT, K_PREPARE, K_STRIKE
from sim.model.randomness import DayStream
from sim.model.targets import SITE

if TYPE_CHECKING:
    from sim.model.randomness import Draws

__all__ = ["MilitantCell"]


class MilitantCell(FixedAgent):
    """A militant cell.

    Attributes:
        key: the founding event, ``(0, i)`` for the i-th initial cell, ``(1, day, region)`` for
            a cell formed from a region's recruits, ``(2, day, *parent_key)`` for a split.
        strength: members (persons).
        knowledge: knowledge k in [0, 1] of convoy patterns.
        ready: whether an attack has been prepared.
        committed: the convoy whose leaked itinerary it waits for, or None; until
            ``committed_until`` (hours).
        cover: ``{edge: [(a, b), ...]}`` stretches of road within reach.
        observed, observed_predictability: convoys seen on its roads since the last daily
            update, and the sum of their predictabilities.

    """

    def __init__(
        self,
        model,
        *,
        node,
        strength: int,
        knowledge: float,
        key: tuple,
        draws: Draws,
        beliefs: dict | None = None,
        actor=None,
    ):
        super().__init__(model)
        #: the actor it belongs to (:class:`scenarios.attacks.Actor`)
        self.actor = model.threat.actors[0] if actor is None else actor
        self.key, self.draws = key, draws
        self.node = node
        self.region = model.net.region[node]
        self.strength = strength
        self.knowledge = knowledge
        self.ready = False
        self.active = True
        self.committed = None
        self.committed_until = 0.0
        self.observed = 0
        self.observed_predictability = 0.0
        self.preparations = 0
        self.cell = model.space[node]
        self.cover = model.net.reach(node, model.cfg.threat.reach_km)
        self.target = None
        self.choices = 0
        self.strike_token = -1
        self.beliefs = model.targets.prior(self) if beliefs is None else dict(beliefs)
        self.seen: dict = {}
        self.interdict_u = DayStream(draws, K_INTERDICT)  # the day's interdiction draw
        self.choose_u = DayStream(draws, K_CHOOSE, 1)  # the daily choice's draw
        self.strike_u = DayStream(draws, K_STRIKE, 1)  # the daily choice's strike time
        model.threat.register_cover(self)
        self.prepare()

    @property
    def attackers(self) -> int:
        """Members it sends into one attack."""
        return min(self.strength, self.model.cfg.threat.team_size)

    def ambush_density(self, kind: str) -> float:
        """Ambush sites per km this cell sets now for movements of ``kind``.

        0 unless the cell is ready, free and targets that kind of movement.
        """
        if not self.ready or self.committed is not None or self.target != kind:
            return 0.0
        return self.model.cfg.threat.ambush_rate * self.actor.china_weight * self.knowledge

    def learn(self, kind: str, observation: float) -> None:
        """Move the belief about ``kind`` toward an observation: ``pi += alpha (o - pi)``."""
        alpha = self.model.cfg.threat.belief_rate
        self.beliefs[kind] += alpha * (observation - self.beliefs[kind])

    def strike_site(self) -> None:
        """Scheduled event: strike the site chosen, if the choice still holds."""
        movement = self.model.movement
        movement.catch_up()
        if (
            self.active
            and self.ready
            and self.committed is None
            and self.strike_token == self.choices
            and isinstance(self.target, int)
        ):
            with movement.changing(self):
                self.model.engagement.resolve_site(self.model.targets.sites[self.target], self)

    def prepare(self) -> None:
        """Start preparing the next attack; ready after an exponential time (mean plan_days)."""
        plan = self.model.cfg.threat.plan_days
        self.committed = None
        self.target = None
        if plan <= 0:
            self.ready = True
            self.model.targets.choose(self, preparation=self.preparations)
            self.preparations += 1
            return
        self.ready = False
        days = self.draws.exponential(plan, K_PREPARE, self.preparations)
        self.preparations += 1
        self.model.schedule_event(self.become_ready, after=days * self.model.steps_per_day)

    def become_ready(self) -> None:
        """Scheduled event: preparation is over; the cell chooses its target."""
        movement = self.model.movement
        movement.catch_up()
        if self.active:
            with movement.changing(self):
                self.ready = True
                self.model.targets.choose(self, preparation=self.preparations)

    def release(self) -> None:
        """Scheduled event: a wait in ambush is over; the preparation is kept."""
        movement = self.model.movement
        movement.catch_up()
        if self.committed is not None and self.model.hours >= self.committed_until - 1e-9:
            with movement.changing(self):
                self.committed = None

    def daily(self, day: int) -> None:
        """Learn from the traffic observed today, then face the day's interdiction hazard.

        ``k <- k + eta * pi * 1[observed] * (1 - k) - phi * k`` with ``pi`` the mean
        predictability of the convoys observed today.
        """
        model, threat = self.model, self.model.cfg.threat
        k = self.knowledge
        gain = 0.0
        if self.observed:
            gain = threat.learn_rate * self.observed_predictability / self.observed
            self.observed = 0
            self.observed_predictability = 0.0
        k += gain * (1.0 - k) - threat.forget_rate * k
        self.knowledge = 1.0 if k > 1.0 else (0.0 if k < 0.0 else k)
        targets = model.targets
        seen = self.seen
        near = targets.sites_within_reach(self)
        if seen or near:
            totals: dict = {}
            attackers = self.attackers
            for (kind, host, foreign, armored), n in seen.items():
                shield = threat.armor if armored else 0.0
                p = targets.believed(attackers, host, foreign, shield, kind, self.actor)
                total, count = totals.get(kind, (0.0, 0))
                totals[kind] = (total + n * p, count + n)
            if near:
                totals[SITE] = (targets.seen_on_site(self), 1)
            alpha, beliefs = threat.belief_rate, self.beliefs
            for kind, (total, n) in totals.items():  # each belief moves on its own
                beliefs[kind] += alpha * (total / n - beliefs[kind])
            self.seen = {}
        model.threat.try_interdict(self, day)
        if self.active and self.ready and self.committed is None:
            targets.choose(self, day=day)

    def after_attack(self, losses: int, kind: str, success: bool) -> None:
        """Learn from the attack's outcome and take losses.

        A cell left with no members is gone; otherwise it prepares again.
        """
        self.learn(kind, 1.0 if success else 0.0)
        self.strength -= losses
        if self.strength <= 0:
            self.model.threat.remove_cell(self)
            return
        self.prepare()

    def add_members(self, n: int, day: int) -> None:
        """Take in recruits; a cell past ``max_cell_strength`` splits in two."""
        self.strength += n
        if self.strength > self.model.cfg.threat.max_cell_strength:
            half = self.strength // 2
            self.strength -= half
            self.model.threat.spawn_cell(
                self.region, half, key=(2, day, *self.key), beliefs=self.beliefs, actor=self.actor
            )
