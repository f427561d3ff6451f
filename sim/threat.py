"""Threat: militant cells, their preparation and learning, leaked itineraries and interdiction.

The cell stock follows the terror-stock view of Kaplan, Mintz, Mishal and Samban (2005): cells are
founded from recruits (see :mod:`sim.population`), depleted by preventive interdiction, which
patrols and intelligence make more frequent and intelligence more precise (Kress and Szechtman
2009), and by losses in attacks. The cells themselves (preparation, ambush density, learning) are
:class:`agents.militant_cell.MilitantCell`.

A leaked itinerary reaches a cell whose reach covers one of the trip's candidate routes; the cell
may act on it by setting a targeted ambush on one of those routes.
"""

from __future__ import annotations

import math

import numpy as np

from agents.militant_cell import MilitantCell
from sim.submodel import Submodel

__all__ = ["Threat"]


class Threat(Submodel):
    """The militant cells and what happens to them.

    Attributes:
        edge_cover: ``{edge: [(cell, a, b), ...]}`` stretches of road each active cell reaches.
        recruit_pool: recruits of each region not yet in a cell.
        predictability: how predictable the policy's movements are, in (0, 1].
        p_leak: chance an itinerary leaks through the notification chain.

    """

    name = "threat"

    def setup(self) -> None:
        """Predictability and leak chance of the policy; the initial cells, placed by grievance."""
        model, th, pol = self.model, self.cfg.threat, self.cfg.policy
        self.predictability = (1.0 / pol.route_choices) / (
            1.0 + pol.departure_window_h / th.schedule_scale_h
        )
        self.p_leak = 1.0 - (1.0 - th.leak_prob) ** pol.notification_chain
        self.edge_cover: dict[int, list] = {}
        self.recruit_pool = dict.fromkeys(model.net.regions, 0)
        nodes = model.net.nodes
        grievance = model.population.grievance
        w = np.array([grievance(model.net.region[n]) for n in nodes], dtype=float)
        w = w / w.sum() if w.sum() > 0 else np.full(len(nodes), 1.0 / len(nodes))
        picks = model.streams["threat"].choice(len(nodes), size=th.cells, p=w)
        for i in picks:
            MilitantCell(
                model, node=nodes[int(i)], strength=th.cell_strength, knowledge=th.knowledge0
            )

    @property
    def cells(self) -> list[MilitantCell]:
        """The active cells."""
        return list(self.model.agents_by_type.get(MilitantCell, []))

    # ---- the roads cells reach ----------------------------------------------------------------
    def register_cover(self, cell: MilitantCell) -> None:
        """Index the stretches of road a new cell covers."""
        for e, spans in cell.cover.items():
            lst = self.edge_cover.setdefault(e, [])
            lst.extend((cell, a, b) for a, b in spans)

    def cells_covering(self, edges) -> list[MilitantCell]:
        """Active cells whose reach covers any of ``edges``, in a fixed order."""
        found = {c for e in edges for c, _, _ in self.edge_cover.get(e, ()) if c.active}
        return sorted(found, key=lambda c: c.unique_id)

    # ---- founding and removal -----------------------------------------------------------------
    def remove_cell(self, cell: MilitantCell) -> None:
        """Take a cell out of the model and off the roads it covered."""
        cell.active = False
        cell.ready = False
        for e in cell.cover:
            self.edge_cover[e] = [t for t in self.edge_cover[e] if t[0] is not cell]
        cell.remove()

    def spawn_cell(self, region, strength: int) -> MilitantCell:
        """A new cell at a node of ``region`` drawn uniformly."""
        model = self.model
        nodes = [n for n in model.net.nodes if model.net.region[n] == region]
        node = nodes[int(model.streams["threat"].integers(len(nodes)))]
        return MilitantCell(
            model, node=node, strength=strength, knowledge=self.cfg.threat.knowledge0
        )

    def recruit(self, region, n: int, rng: np.random.Generator) -> None:
        """``n`` recruits of ``region`` join one of its cells, or its pool until a cell forms."""
        local = [c for c in self.cells if c.region == region]
        if local:
            local.sort(key=lambda c: c.unique_id)
            local[int(rng.integers(len(local)))].add_members(n)
            return
        self.recruit_pool[region] += n
        if self.recruit_pool[region] >= self.cfg.threat.cell_strength:
            self.spawn_cell(region, self.recruit_pool[region])
            self.recruit_pool[region] = 0

    # ---- the day ------------------------------------------------------------------------------
    def end_day(self, day: int) -> None:
        """Cells learn from the day's traffic, then face the day's interdiction hazard."""
        cells = self.model.agents_by_type.get(MilitantCell)
        if cells:
            cells.shuffle_do("daily")

    def try_interdict(self, cell: MilitantCell) -> None:
        """Daily interdiction hazard ``h = h0 + h_patrol n_patrols + h_intel s`` of one cell."""
        model = self.model
        th, pol = self.cfg.threat, self.cfg.policy
        hazard = (
            th.interdiction_rate
            + th.patrol_interdiction * model.security.patrols_in[cell.region]
            + th.intel_interdiction * pol.intel_sharing
        )
        ops = model.streams["ops"]
        if ops.random() >= 1.0 - math.exp(-hazard):
            return
        p_coll = th.collateral * (1.0 - th.intel_precision * pol.intel_sharing)
        killed = int(ops.binomial(th.bystanders, p_coll))
        model.counters["plots_interdicted"] += 1
        model.counters["civilians_killed"] += killed
        model.population.collateral_today[cell.region] += killed
        x, y = model.net.pos[cell.node]
        model.log(
            event="interdiction",
            node=cell.node,
            region=cell.region,
            lon=x,
            lat=y,
            cell=cell.unique_id,
            civilians_killed=killed,
        )
        self.remove_cell(cell)

    # ---- leaked itineraries -------------------------------------------------------------------
    def exploit_leak(self, convoy, rl: np.random.Generator) -> None:
        """A leaked itinerary reaches a cell covering one of its routes, which may act on it.

        The itinerary names the candidate routes, not the draw made at departure, so the cell
        sets its ambush on one of them chosen uniformly: with ``n`` disjoint candidates it is on
        the convoy's road with probability ``1/n``.
        """
        net = self.model.net
        routes = [net.route_edges(r) for r in convoy.routes]
        cells = self.cells_covering({e for r in routes for e in r})
        if not cells:
            return
        cell = cells[int(rl.integers(len(cells)))]
        if rl.random() >= self.cfg.threat.leak_exploit:
            return
        guess = routes[int(rl.integers(len(routes)))]
        spans = [(e, a, b) for e in guess for a, b in cell.cover.get(e, ())]
        total = sum(b - a for _, a, b in spans)
        if total <= 0:
            return
        u = rl.random() * total
        for e, a, b in spans:
            if u <= b - a:
                convoy.ambush = (cell, e, a + u)
                return
            u -= b - a
        e, a, b = spans[-1]
        convoy.ambush = (cell, e, b)

    def record(self, row: dict) -> None:
        """Active cells and their members."""
        active = self.cells
        row["cells_active"] = len(active)
        row["militants"] = sum(x.strength for x in active)

    def outcomes(self) -> dict[str, float]:
        """``cells_active_end``: cells active at the end."""
        return {"cells_active_end": float(len(self.cells))}
