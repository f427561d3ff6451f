"""Population: legitimacy, grievance and recruitment in each region.

After Epstein (2002): each region has hardship ``H``, baseline legitimacy ``L0``, legitimacy ``L``
and grievance ``G = H (1 - L)``. Legitimacy relaxes toward ``L0`` and is lowered by visible
foreign security personnel (the sovereignty backlash) and by civilians killed in
counter-militant operations (Kaplan et al. 2005; Kress and Szechtman 2009):

    L <- clip(L + rho (L0 - L) - beta F / 100 - gamma C - sigma s, 0, 1)

with ``F`` the foreign personnel stationed in the region, ``C`` the civilians killed there by
security operations that day (each counted ``1 + foreign_raid_backlash`` times when foreign
personnel took part in the raid) and ``sigma s`` the cost of foreign surveillance at
intelligence sharing level ``s``. Legitimacy feeds intelligence: the population of a region
gives Poisson(``tip_rate x L``) tips a day (the information-centric view of Berman, Shapiro and
Felter 2011), which raise the interdiction hazard of the region's cells that day and the chance
that attacks there are foiled over the next 30 days. Recruits join the militant stock at a
Poisson rate ``r G`` a day per region (the terror-stock view of Kaplan, Mintz, Mishal and Samban
2005).
"""

from __future__ import annotations

from collections import deque

from sim.model.keys import K_RECRUIT, K_TIPS
from sim.model.randomness import DayStream, poisson_inverse
from sim.model.submodel import Submodel

__all__ = ["Population"]

#: Days over which tips keep informing the detection of attacks.
TIP_MEMORY_DAYS = 30


class Population(Submodel):
    """Regional legitimacy ``L`` in [0, 1], grievance ``G`` in [0, 1] and recruitment.

    Attributes:
        H, L0, L: hardship, baseline legitimacy and legitimacy by region.
        harm_today: civilians killed by security operations today, by region, each weighted
            by the legitimacy cost of the operation (more when foreign personnel took part).
        tips_today: tips from the population today, by region.

    """

    name = "population"

    def setup(self) -> None:
        """Hardship and baseline legitimacy by region, from the network or the defaults."""
        model, pop = self.model, self.cfg.population
        table = model.net.G.graph.get("regions", {})
        regions = model.net.regions
        self.H = {r: float(table.get(r, {}).get("hardship", pop.hardship)) for r in regions}
        self.L0 = {r: float(table.get(r, {}).get("legitimacy0", pop.legitimacy0)) for r in regions}
        self.L = dict(self.L0)
        self.version = 0  # counts changes of legitimacy (chances that depend on it are kept)
        self.harm_today = dict.fromkeys(regions, 0.0)
        self.tips_today = dict.fromkeys(regions, 0)
        self._tips = {r: deque(maxlen=TIP_MEMORY_DAYS) for r in regions}
        self._mean_legitimacy: list[float] = []
        root = model.draws  # a region's tips and recruits of a day are keyed (process, day, region)
        self._tip_u = [DayStream(root, K_TIPS, after=(i, K_TIPS)) for i in range(len(regions))]
        self._recruit_u = [
            DayStream(root, K_RECRUIT, after=(i, K_RECRUIT)) for i in range(len(regions))
        ]

    def grievance(self, region) -> float:
        """Grievance ``G = H (1 - L)`` of a region (Epstein 2002)."""
        return self.H[region] * (1.0 - self.L[region])

    def start_day(self, day: int) -> None:
        """The day's tips from each region: Poisson with mean ``tip_rate x L``."""
        model, th = self.model, self.cfg.threat
        for index, r in enumerate(model.net.regions):
            mean = th.tip_rate * self.L[r]
            if mean > 30.0:
                n = model.draws.child(K_TIPS, day, index).poisson(mean, K_TIPS)
            else:
                n = poisson_inverse(mean, self._tip_u[index](day)) if mean > 0.0 else 0
            self.tips_today[r] = n
            self._tips[r].append(n)
            model.counters["tips"] += n

    def recent_tips(self, region) -> int:
        """Tips from ``region`` over the last :data:`TIP_MEMORY_DAYS` days, today included."""
        return sum(self._tips[region])

    def end_day(self, day: int) -> None:
        """Update legitimacy, then draw the day's recruits of every region."""
        model, th, pop = self.model, self.cfg.threat, self.cfg.population
        foreign_in = model.security.foreign_in
        surveillance = th.surveillance_backlash * self.cfg.policy.intel_sharing
        for r in model.net.regions:
            L = self.L[r] + pop.relax_rate * (self.L0[r] - self.L[r])
            L -= th.backlash * foreign_in[r] / 100.0
            L -= th.collateral_sensitivity * self.harm_today[r]
            L -= surveillance
            L = min(1.0, max(0.0, L))
            if L != self.L[r]:
                self.L[r] = L
                self.version += 1
            self.harm_today[r] = 0.0
        for index, r in enumerate(model.net.regions):
            mean = th.recruitment_rate * self.grievance(r) * model.threat.recruit_share(r)
            draws = None
            if mean > 30.0:
                draws = model.draws.child(K_RECRUIT, day, index)
                n = draws.poisson(mean, K_RECRUIT)
            else:
                n = poisson_inverse(mean, self._recruit_u[index](day)) if mean > 0.0 else 0
            if n:
                draws = draws or model.draws.child(K_RECRUIT, day, index)  # the region's draws
                model.threat.recruit(r, n, draws, day)

    def record(self, row: dict) -> None:
        """Mean and lowest legitimacy over regions."""
        values = self.L.values()
        mean_l = sum(values) / len(values)
        self._mean_legitimacy.append(mean_l)
        row["mean_legitimacy"] = mean_l
        row["min_legitimacy"] = min(self.L.values())

    def outcomes(self) -> dict[str, float]:
        """``mean_legitimacy``: legitimacy averaged over regions and days."""
        daily = self._mean_legitimacy
        return {"mean_legitimacy": sum(daily) / max(len(daily), 1)}
