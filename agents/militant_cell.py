"""MilitantCell: a group of militants based at a node, striking roads within its reach.

State follows the terror-stock view of Kaplan, Mintz, Mishal and Samban (2005): cells are
recruited at a rate that grows with regional grievance (Epstein 2002), depleted by preventive
interdiction (which intelligence makes more frequent and more precise; Kress and Szechtman 2009)
and by losses in attacks. A cell prepares an attack for an exponentially distributed time; once
ready it sets ambush sites along the roads it reaches at density ``ambush_rate x knowledge`` per
km until it strikes. Knowledge of convoy patterns grows with the traffic it observes, the faster
the more predictable the movements are (the defender's randomization in a Stackelberg security
game; Paruchuri et al. 2008), and decays without observation.
"""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

__all__ = ["MilitantCell"]


class MilitantCell(FixedAgent):
    """A militant cell.

    Attributes:
        strength: members (persons).
        knowledge: knowledge k in [0, 1] of convoy patterns.
        ready: whether an attack has been prepared.
        cover: ``{edge: [(a, b), ...]}`` stretches of road within reach.
        observed: convoys seen on its roads since the last daily update.

    """

    def __init__(self, model, *, node, strength: int, knowledge: float):
        super().__init__(model)
        self.node = node
        self.region = model.net.region[node]
        self.strength = strength
        self.knowledge = knowledge
        self.ready = False
        self.active = True
        self.observed = 0
        self.cell = model.space[node]
        self.cover = model.net.reach(node, model.cfg.threat.reach_km)
        model.threat.register_cover(self)
        self.prepare()

    def ambush_density(self) -> float:
        """Ambush sites per km this cell sets now (0 unless ready)."""
        if not self.ready:
            return 0.0
        return self.model.cfg.threat.ambush_rate * self.knowledge

    def prepare(self) -> None:
        """Start preparing the next attack; ready after an exponential time (mean plan_days)."""
        plan = self.model.cfg.threat.plan_days
        if plan <= 0:
            self.ready = True
            return
        self.ready = False
        days = float(self.model.streams["threat"].exponential(plan))
        self.model.schedule_event(self.become_ready, after=days * self.model.steps_per_day)

    def become_ready(self) -> None:
        """Scheduled event: preparation is over."""
        if self.active:
            self.ready = True

    def daily(self) -> None:
        """Learn from the traffic observed today, then face the day's interdiction hazard.

        ``k <- k + eta * pi * 1[observed] * (1 - k) - phi * k`` with predictability
        ``pi = (1 / route_choices) / (1 + departure_window / schedule_scale)``.
        """
        model, threat = self.model, self.model.cfg.threat
        gain = threat.learn_rate * model.threat.predictability if self.observed else 0.0
        self.knowledge += gain * (1.0 - self.knowledge) - threat.forget_rate * self.knowledge
        self.knowledge = min(1.0, max(0.0, self.knowledge))
        self.observed = 0
        model.threat.try_interdict(self)

    def after_attack(self, losses: int) -> None:
        """Take losses; a cell left with no members is gone, otherwise it prepares again."""
        self.strength -= losses
        if self.strength <= 0:
            self.model.threat.remove_cell(self)
            return
        self.prepare()

    def add_members(self, n: int) -> None:
        """Take in recruits; a cell past ``max_cell_strength`` splits in two."""
        self.strength += n
        if self.strength > self.model.cfg.threat.max_cell_strength:
            half = self.strength // 2
            self.strength -= half
            self.model.threat.spawn_cell(self.region, half)
