"""Threat: militant cells, their preparation and learning, leaked itineraries and interdiction.

The cell stock follows the terror-stock view of Kaplan, Mintz, Mishal and Samban (2005): cells are
founded from recruits (see :mod:`sim.model.population`), depleted by preventive interdiction, which
patrols and intelligence make more frequent and intelligence more precise (Kress and Szechtman
2009), and by losses in attacks. The cells themselves (preparation, ambush density, learning) are
:class:`agents.militant_cell.MilitantCell`.

An itinerary leaks through its notification chain: the officials who plan the movement, its
drivers and its escort. Each host member leaks with a chance that grows with the grievance of
the trip's region (insiders come from the aggrieved population; Epstein 2002) and falls with
vetting; foreign members leak less. The same holds for an assigned guard who turns on the
people he guards (an insider attack, :meth:`Threat.insider_chance`).

A leaked itinerary reaches the ready cells whose reach covers one of the trip's candidate routes;
one of them may act on it. The itinerary names the candidate routes and the planned departure
time, not what the convoy will do: the cell sets its ambush on one candidate, at the time the
convoy would pass there had it left as planned, and waits ``ambush_wait_h`` hours around that
time. The ambush uses up the cell's preparation when it strikes; while it waits, the cell sets no
other ambush. A convoy that takes another route, or passes outside the wait (a randomized
departure, a wait for an escort), is not met. This is the value of unpredictability in a
Stackelberg security game (Paruchuri et al. 2008) made concrete.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from agents.militant_cell import MilitantCell
from scenarios.fields import ScenarioError
from sim.model.keys import (
    K_ACTOR,
    K_CELL,
    K_JOINT_RAID,
    K_LEAK_ACT,
    K_LEAK_CELL,
    K_LEAK_ROUTE,
    K_LEAK_SITE,
    K_PLACE,
    K_RAID,
)
from sim.model.movement import clock_after
from sim.model.submodel import Submodel

__all__ = ["INITIAL", "RECRUITED", "REFERENCE_GRIEVANCE", "SPLIT", "Threat", "clock_after"]

#: First element of a cell's key: how it was founded.
INITIAL, RECRUITED, SPLIT = 0, 1, 2
#: Grievance at which ``leak_prob`` and ``insider_rate`` hold: ``H (1 - L0)`` of the default
#: region (hardship 0.5, legitimacy 0.6).
REFERENCE_GRIEVANCE = 0.2


class Threat(Submodel):
    """The militant cells and what happens to them.

    Attributes:
        edge_cover: ``{edge: [(cell, a, b), ...]}`` stretches of road each active cell reaches.
        recruit_pool: recruits of each region not yet in a cell.
        cells_in: active cells in each region at the turn of the day.
        founded: ``(day, key, node, strength)`` of every cell founded, in order.
        ambushes: ``(hour, trip key, cell key, edge, x)`` of every leak-informed ambush set.

    """

    name = "threat"

    def setup(self) -> None:
        """The notification chain of the policy; the initial cells, placed by grievance."""
        model, th = self.model, self.cfg.threat
        self.edge_cover: dict[int, list] = {}
        self.recruit_pool = dict.fromkeys(model.net.regions, 0)
        self.founded: list[tuple] = []
        self.ambushes: list[tuple] = []
        self.cells_in: Counter = Counter()
        self.cell_days = 0
        self.cover_version = 0  # counts changes of edge_cover (routes cache the cells on them)
        self._cells_version = -1
        self._bounds: dict = {}
        self.actors = model.cfg.attacks.actor_table()
        self._check_regions()
        nodes = model.net.nodes
        grievance = model.population.grievance
        w = np.array(
            [
                grievance(model.net.region[n]) * self.recruit_share(model.net.region[n])
                for n in nodes
            ],
            dtype=float,
        )
        w = w / w.sum() if w.sum() > 0 else np.full(len(nodes), 1.0 / len(nodes))
        cdf = np.cumsum(w)
        cdf[-1] = 1.0
        for i in range(th.cells):
            key = (INITIAL, i)
            draws = model.draws.child(K_CELL, *key)
            self._found(nodes[draws.pick(cdf, K_PLACE)], th.cell_strength, key, draws, day=0)

    # ---- actors -------------------------------------------------------------------------------
    def _check_regions(self) -> None:
        """Every region an actor recruits in is a region of the network."""
        regions = self.model.net.regions
        for actor in self.actors:
            for r in actor.regions:
                if r != "*" and r not in regions:
                    raise ScenarioError(
                        f"attacks.actors ({self.cfg.attacks.actors}).{actor.name}.regions.{r}",
                        "is not a region of the network; its regions: " + ", ".join(regions),
                    )

    @staticmethod
    def _presence(actor, region) -> float:
        return actor.regions.get(region, actor.regions.get("*", 0.0))

    def recruit_share(self, region) -> float:
        """The share of a region's recruits who join an actor (1 for the generic threat)."""
        return sum(self._presence(a, region) for a in self.actors)

    def actor_for(self, region, draws):
        """The actor of a new cell of ``region``: drawn in proportion to the actors' shares."""
        if len(self.actors) == 1:
            return self.actors[0]
        shares = [self._presence(a, region) for a in self.actors]
        u = draws.random(K_ACTOR) * sum(shares)
        for actor, share in zip(self.actors, shares, strict=True):
            u -= share
            if u < 0.0 and share > 0.0:
                return actor
        return next(a for a, s in zip(self.actors, shares, strict=True) if s > 0.0)

    @property
    def cells(self) -> list[MilitantCell]:
        """The active cells, in the order of their keys."""
        if self._cells_version != self.cover_version:
            agents = self.model.agents_by_type.get(MilitantCell, [])
            self._cells = sorted(agents, key=lambda c: c.key)
            self._cells_version = self.cover_version
        return list(self._cells)

    # ---- insiders -------------------------------------------------------------------------
    def chain(self, drivers: int) -> tuple[float, float]:
        """Host and foreign members of the notification chain of an escorted trip.

        The officials who plan the movement (``chain_officials``, plus ``chain_per_intel`` at
        full intelligence sharing), a share ``foreign_planning`` of them foreign under joint
        force; the trip's drivers; the escort team's host and foreign guards.
        """
        dem, pol = self.cfg.demand, self.cfg.policy
        joint = pol.force == "joint"
        officials = dem.chain_officials + dem.chain_per_intel * pol.intel_sharing
        foreign = officials * pol.foreign_planning if joint else 0.0
        host = officials - foreign + drivers
        if self.model.security.escorting:
            host += pol.escort_size
            foreign += pol.foreign_per_escort if joint else 0
        return host, foreign

    def host_insider(self, rate: float, region) -> float:
        """A host member's chance per occasion: ``rate x G / 0.2 x (1 - e v)``, at most 1.

        ``G`` is the grievance of the region (insiders come from the aggrieved population;
        Epstein 2002), ``v`` the vetting level and ``e`` its effect.
        """
        th, pol = self.cfg.threat, self.cfg.policy
        g = self.model.population.grievance(region) / REFERENCE_GRIEVANCE
        return min(1.0, rate * g * (1.0 - th.vetting_effect * pol.vetting))

    def leak_chance(self, region, drivers: int) -> float:
        """Chance the itinerary of an escorted trip from ``region`` leaks through its chain.

        ``1 - (1 - q_h)^{n_h} (1 - q_f)^{n_f}`` with ``n_h``, ``n_f`` the host and foreign
        members (:meth:`chain`), ``q_h`` the host member's chance (:meth:`host_insider` of
        ``leak_prob``) and ``q_f = leak_prob x foreign_leak_factor``.
        """
        th = self.cfg.threat
        host, foreign = self.chain(drivers)
        q_h = self.host_insider(th.leak_prob, region)
        q_f = min(1.0, th.leak_prob * th.foreign_leak_factor)
        return 1.0 - (1.0 - q_h) ** host * (1.0 - q_f) ** foreign

    def insider_chance(self, region, guards: int) -> float:
        """Chance one of ``guards`` host guards turns on the people he guards, this occasion."""
        p = self.host_insider(self.cfg.threat.insider_rate, region)
        return 1.0 - (1.0 - p) ** guards

    def insider_bound(self, region, guards: int) -> float:
        """An upper bound of :meth:`insider_chance` over the run: grievance at most hardship.

        A draw at or above it cannot be an insider attack, so the exact chance is computed
        only for the rare draws below it.
        """
        key = (region, guards)
        got = self._bounds.get(key)
        if got is None:
            th, pol = self.cfg.threat, self.cfg.policy
            g = self.model.population.H[region] / REFERENCE_GRIEVANCE
            p = min(1.0, th.insider_rate * g * (1.0 - th.vetting_effect * pol.vetting))
            got = self._bounds[key] = 1.0 - (1.0 - p) ** guards
        return got

    # ---- the roads cells reach ----------------------------------------------------------------
    def register_cover(self, cell: MilitantCell) -> None:
        """Index the stretches of road a new cell covers."""
        for e, spans in cell.cover.items():
            lst = self.edge_cover.setdefault(e, [])
            lst.extend((cell, a, b) for a, b in spans)
        self.cover_version += 1

    def cells_covering(self, edges) -> list[MilitantCell]:
        """Active cells whose reach covers any of ``edges``, in a fixed order."""
        found = {c for e in edges for c, _, _ in self.edge_cover.get(e, ()) if c.active}
        return sorted(found, key=lambda c: c.key)

    # ---- founding and removal -----------------------------------------------------------------
    def remove_cell(self, cell: MilitantCell) -> None:
        """Take a cell out of the model and off the roads it covered."""
        cell.active = False
        cell.ready = False
        for e in cell.cover:
            self.edge_cover[e] = [t for t in self.edge_cover[e] if t[0] is not cell]
        cell.remove()
        self.cover_version += 1

    def _found(
        self, node, strength: int, key: tuple, draws, day: int, beliefs=None, actor=None
    ) -> MilitantCell:
        self.founded.append((day, key, node, strength))
        if actor is None:
            actor = self.actor_for(self.model.net.region[node], draws)
        return MilitantCell(
            self.model,
            node=node,
            strength=strength,
            knowledge=self.cfg.threat.knowledge0,
            key=key,
            draws=draws,
            beliefs=beliefs,
            actor=actor,
        )

    def spawn_cell(
        self, region, strength: int, key: tuple, beliefs=None, actor=None
    ) -> MilitantCell:
        """A new cell founded by the event ``key``, at a node of ``region`` drawn uniformly.

        A cell split from another keeps its ``actor``; a new one draws its own.
        """
        model = self.model
        nodes = [n for n in model.net.nodes if model.net.region[n] == region]
        draws = model.draws.child(K_CELL, *key)
        node = nodes[draws.integers(len(nodes), K_PLACE)]
        return self._found(node, strength, key, draws, day=key[1], beliefs=beliefs, actor=actor)

    def recruit(self, region, n: int, draws, day: int) -> None:
        """``n`` recruits of ``region`` join one of its cells, or its pool until a cell forms.

        ``draws`` are the region's draws of the day (the cell that takes them in).
        """
        local = [c for c in self.cells if c.region == region]
        if local:
            local[draws.integers(len(local), K_CELL)].add_members(n, day)
            return
        self.recruit_pool[region] += n
        if self.recruit_pool[region] >= self.cfg.threat.cell_strength:
            index = self.model.net.regions.index(region)
            self.spawn_cell(region, self.recruit_pool[region], key=(RECRUITED, day, index))
            self.recruit_pool[region] = 0

    # ---- the day ------------------------------------------------------------------------------
    def end_day(self, day: int) -> None:
        """Cells learn from the day's traffic, then face the day's interdiction hazard."""
        self.model.movement.tell_cells()
        cells = self.cells
        self.cells_in = Counter(c.region for c in cells)
        for cell in cells:
            if cell.active:
                cell.daily(day)

    def try_interdict(self, cell: MilitantCell, day: int) -> None:
        """Daily interdiction hazard of one cell.

        ``h = (h0 + h_p P + h_intel s + h_tip T / C)(1 + r_f f)``: ``P`` the patrol personnel
        in the cell's region, ``s`` the intelligence sharing level, ``T`` the region's tips of
        the day shared among its ``C`` cells (Berman, Shapiro and Felter 2011), ``f`` the share
        of raids with foreign participation and ``r_f`` their added effect. A raid is joint
        with probability ``f``; the civilians it kills cost ``1 + foreign_raid_backlash`` times
        the legitimacy of a host-only raid's. The draws are the cell's own of that day.
        """
        model = self.model
        th, pol = self.cfg.threat, self.cfg.policy
        region = cell.region
        joint_share = pol.foreign_raids if pol.force == "joint" else 0.0
        hazard = (
            th.interdiction_rate
            + th.patrol_interdiction_per_guard * model.security.patrol_personnel[region]
            + th.intel_interdiction * pol.intel_sharing
            + th.tip_interdiction
            * model.population.tips_today[region]
            / max(self.cells_in[region], 1)
        ) * (1.0 + th.raid_effect_foreign * joint_share)
        if cell.interdict_u(day) >= 1.0 - math.exp(-hazard):  # the cell's K_INTERDICT draw
            return
        joint = cell.draws.random(K_JOINT_RAID, day) < joint_share
        p_coll = th.collateral * (1.0 - th.intel_precision * pol.intel_sharing)
        killed = int(cell.draws.generator(K_RAID, day).binomial(th.bystanders, p_coll))
        model.counters["plots_interdicted"] += 1
        model.counters["raids_joint"] += joint
        model.counters["civilians_killed"] += killed
        weight = 1.0 + th.foreign_raid_backlash if joint else 1.0
        model.population.harm_today[region] += weight * killed
        x, y = model.net.pos[cell.node]
        model.log(
            event="interdiction",
            node=cell.node,
            region=cell.region,
            lon=x,
            lat=y,
            cell=cell.unique_id,
            force="joint" if joint else "domestic",
            civilians_killed=killed,
        )
        self.remove_cell(cell)

    # ---- leaked itineraries -------------------------------------------------------------------
    def exploit_leak(self, convoy) -> None:
        """A leaked itinerary reaches the ready cells covering its routes; one may act on it.

        The itinerary names the candidate routes, not the draw made at departure, so the cell
        sets its ambush on one of them chosen uniformly (with ``n`` disjoint candidates it is on
        the convoy's road with probability ``1/n``), at a point of its reach drawn uniformly,
        and waits there ``ambush_wait_h`` hours centred on the time the convoy would pass had
        it left at the planned hour (:func:`expected_passing`).
        """
        model, th = self.model, self.cfg.threat
        net, draws = model.net, convoy.draws
        routes = [net.route_edges(r) for r in convoy.routes]
        cells = [
            c
            for c in self.cells_covering({e for r in routes for e in r})
            if c.ready and c.committed is None
        ]
        if not cells:
            return
        cell = cells[draws.integers(len(cells), K_LEAK_CELL)]
        if draws.random(K_LEAK_ACT) >= th.leak_exploit:
            return
        which = draws.integers(len(routes), K_LEAK_ROUTE)
        guess = routes[which]
        spans = [(i, e, a, b) for i, e in enumerate(guess) for a, b in cell.cover.get(e, ())]
        total = sum(b - a for _, _, a, b in spans)
        if total <= 0:
            return
        u = draws.random(K_LEAK_SITE) * total
        i, e, a, b = spans[-1]
        x = b
        for span in spans:
            if u <= span[3] - span[2]:
                i, e, a, _ = span
                x = a + u
                break
            u -= span[3] - span[2]
        t = self.expected_passing(convoy, convoy.routes[which], i, x)
        if not math.isfinite(t):  # the convoy would take forever to get there
            return
        half = th.ambush_wait_h / 2.0
        convoy.ambush = (cell, e, x, t - half, t + half)
        cell.committed, cell.committed_until = convoy, t + half
        self.ambushes.append((model.hours, convoy.key, cell.key, e, round(x, 9)))
        model.schedule_event(cell.release, at=max((t + half) / model.dt, model.time))

    def expected_passing(self, convoy, route: list, leg: int, x: float) -> float:
        """When ``convoy`` would pass point ``x`` of the ``leg``-th edge of ``route`` (hours).

        The convoy leaves at the planned departure hour of its day (the leaked plan), drives
        at the network's speed and halts outside the movement window.
        """
        dem, net = self.cfg.demand, self.model.net
        edges = net.route_edges(route)
        e = edges[leg]
        into = x if net.edge_u[e] == route[leg] else net.edge_len[e] - x
        travel = (
            sum(net.edge_time[f] for f in edges[:leg]) + into / net.edge_len[e] * (net.edge_time[e])
        )
        mv = self.model.movement
        return clock_after(convoy.planned_h, travel / dem.speed_factor, mv.move_start, mv.move_end)

    def record(self, row: dict) -> None:
        """Active cells and their members."""
        active = self.cells
        row["cells_active"] = len(active)
        row["militants"] = sum(x.strength for x in active)
        self.cell_days += len(active)

    def outcomes(self) -> dict[str, float]:
        """``cells_active_end`` and ``cell_years`` (active cells summed over the days, / 365)."""
        return {
            "cells_active_end": float(len(self.cells)),
            "cell_years": self.cell_days / 365.0,
        }
