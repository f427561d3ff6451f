"""CorridorModel: foreign workers' convoys, their guards and militant cells on a road network.

One step is ``step_hours`` hours. Each step the convoys that are waiting or moving act (in random
order); everything that happens daily or rarely is a scheduled event: at the turn of each day
cells learn and face interdiction, regional legitimacy and recruitment are updated, a row of the
daily time series is recorded, and the day's trips are drawn; cells become ready, convoys depart
and escorts come back at their own scheduled times.

Population side after Epstein (2002): each region has hardship ``H``, baseline legitimacy ``L0``,
legitimacy ``L`` and grievance ``G = H (1 - L)``. Legitimacy relaxes toward ``L0`` and is lowered
by visible foreign security personnel (the sovereignty backlash) and by civilians killed in
counter-militant operations (Kaplan et al. 2005; Kress and Szechtman 2009):

    L <- clip(L + rho (L0 - L) - beta F / 100 - gamma C, 0, 1)

with ``F`` the foreign personnel stationed in the region and ``C`` the civilians killed there by
security operations that day.

Randomness: the model owns one seed. Mesa's ``rng`` and ``random`` come from it, and so do the
named streams in ``self.streams`` (``numpy.random.SeedSequence.spawn`` in a fixed order), one per
process, so that changing a policy does not shift the draws of trip demand or cell placement
(common random numbers for paired policy comparisons).
"""

from __future__ import annotations

import math
from collections import Counter, deque

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network
from mesa.time import Priority, Schedule

from agents.convoy import Convoy
from agents.guard_unit import GuardUnit
from agents.militant_cell import MilitantCell
from scenarios.schema import Scenario, ScenarioError
from sim import outcomes as outcome_defs
from sim.engagement import contest, detection_probability, draw_casualties, foil_probability
from sim.network import ANCHOR_KINDS, DEMAND_KINDS, RoadNetwork, build_graph
from sim.outcomes import CASUALTY_GROUPS

__all__ = ["STREAMS", "CorridorModel", "make_streams"]

#: Named random streams, spawned in this order from the run seed.
STREAMS = (
    "network",
    "demand",
    "schedule",
    "movement",
    "leak",
    "encounter",
    "combat",
    "threat",
    "ops",
)
#: Relative trip generation of node kinds in the gravity model (assumption).
KIND_WEIGHT = {"project_site": 3.0, "port": 3.0, "airport": 2.0, "city": 1.0, "border": 0.5}

EVENT_COLUMNS = {
    "time_h": "float64",
    "day": "int64",
    "event": "string",
    "node": "string",
    "edge_u": "string",
    "edge_v": "string",
    "x_km": "float64",
    "lon": "float64",
    "lat": "float64",
    "region": "string",
    "trip": "Int64",
    "origin": "string",
    "destination": "string",
    "policy": "string",
    "threat": "string",
    "force": "string",
    "escorted": "boolean",
    "leaked": "boolean",
    "targeted": "boolean",
    "detected": "boolean",
    "breakthrough": "boolean",
    "qrf": "boolean",
    "p_foil": "float64",
    "p_break": "float64",
    "cell": "Int64",
    "attackers": "Int64",
    "passengers": "Int64",
    "foreign_killed": "int64",
    "foreign_injured": "int64",
    "guards_killed": "int64",
    "civilians_killed": "int64",
    "militants_killed": "int64",
}


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators, one per named process, all derived from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(ss) for name, ss in zip(STREAMS, children, strict=True)}


def _largest_remainder(total: int, weights: dict) -> dict:
    """Split ``total`` whole units in proportion to ``weights`` (Hamilton's method)."""
    keys = sorted(weights, key=str)
    wsum = sum(weights[k] for k in keys)
    if total <= 0 or wsum <= 0:
        return dict.fromkeys(keys, 0)
    quotas = {k: total * weights[k] / wsum for k in keys}
    out = {k: int(math.floor(q)) for k, q in quotas.items()}
    rest = total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - out[k]), str(k)))[:rest]:
        out[k] += 1
    return out


class CorridorModel(mesa.Model):
    """Agent-based model of convoy protection on a road network.

    Args:
        cfg: a validated :class:`scenarios.Scenario`.
        graph: the road graph; when omitted it is built from ``cfg.network`` (a GraphML network
            must be passed in, as the model reads no files).

    """

    def __init__(self, cfg: Scenario, graph: nx.Graph | None = None):
        if not isinstance(cfg, Scenario):
            raise ScenarioError(
                "cfg", f"must be a Scenario (from sim.load_scenario(...)), got {cfg!r}"
            )
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.streams = make_streams(cfg.seed)
        if graph is None:
            graph = build_graph(cfg.network, self._network_rng())
        self.net = RoadNetwork(graph)
        self.space = Network(graph, layout=self.net.layout(), random=self.random)
        self.dt = cfg.step_hours
        self.steps_per_day = int(round(24 / self.dt))
        self.end_time = cfg.days * self.steps_per_day
        self.counters: Counter = Counter()
        self._events: list[dict] = []
        self._series: list[dict] = []
        self._trip_id = 0
        self.day = 0
        pol = cfg.policy
        self.predictability = (1.0 / pol.route_choices) / (
            1.0 + pol.departure_window_h / cfg.threat.schedule_scale_h
        )
        self.p_leak = 1.0 - (1.0 - cfg.threat.leak_prob) ** pol.notification_chain
        self._setup_regions(graph)
        self._setup_demand()
        self._setup_guards()
        self.edge_cover: dict[int, list] = {}
        self.recruit_pool = dict.fromkeys(self.net.regions, 0)
        self._setup_cells()
        self.schedule_recurring(
            self._turn_of_day,
            Schedule(interval=self.steps_per_day, start=0.5),
            priority=Priority.HIGH,
        )
        self.finished = False

    def _network_rng(self) -> np.random.Generator:
        seed = self.cfg.network.seed
        return self.streams["network"] if seed is None else np.random.default_rng(seed)

    # ---- set-up ----------------------------------------------------------------------------
    def _setup_regions(self, graph: nx.Graph) -> None:
        pop = self.cfg.population
        table = graph.graph.get("regions", {})
        self.H = {
            r: float(table.get(r, {}).get("hardship", pop.hardship)) for r in self.net.regions
        }
        self.L0 = {
            r: float(table.get(r, {}).get("legitimacy0", pop.legitimacy0)) for r in self.net.regions
        }
        self.L = dict(self.L0)
        self.collateral_today = dict.fromkeys(self.net.regions, 0)

    def grievance(self, region) -> float:
        """Grievance ``G = H (1 - L)`` of a region (Epstein 2002)."""
        return self.H[region] * (1.0 - self.L[region])

    def _setup_demand(self) -> None:
        net, scale = self.net, self.cfg.demand.distance_scale_km
        nodes = [n for n in net.nodes if net.kind[n] in DEMAND_KINDS]
        pairs, weights = [], []
        for o in nodes:
            dist = net._dist(o)
            for d in nodes:
                if d == o or d not in dist:
                    continue
                if net.kind[o] not in ANCHOR_KINDS and net.kind[d] not in ANCHOR_KINDS:
                    continue
                pairs.append((o, d))
                weights.append(
                    math.log(KIND_WEIGHT.get(net.kind[o], 1.0) * KIND_WEIGHT.get(net.kind[d], 1.0))
                    - dist[d] / scale
                )
        # gravity weights in log space: exp(-distance / scale) underflows to 0 for every pair
        # when the scale is short against the distances, which would leave no trip to draw
        logw = np.asarray(weights, dtype=float)
        w = np.exp(logw - logw.max())
        self.od_pairs = pairs
        self.od_cdf = np.cumsum(w / w.sum())
        self.od_cdf[-1] = 1.0
        traffic: Counter = Counter()
        origin_region: Counter = Counter()
        for (o, d), wt in zip(pairs, w, strict=True):
            for n in net.fastest_route(o, d):
                traffic[n] += wt
            origin_region[net.region[o]] += wt
        order = {n: i for i, n in enumerate(net.nodes)}
        self.busiest = sorted(net.nodes, key=lambda n: (-traffic[n], order[n]))
        self.region_traffic = {
            r: sum(traffic[n] for n in net.nodes if net.region[n] == r) for r in net.regions
        }
        self.origin_share = {r: origin_region[r] for r in net.regions}

    def _busiest_in(self, region, anchors_first: bool = False):
        nodes = [n for n in self.busiest if self.net.region[n] == region]
        if anchors_first:
            anchored = [n for n in nodes if self.net.kind[n] in ANCHOR_KINDS]
            nodes = anchored or nodes
        return nodes[0]

    def _setup_guards(self) -> None:
        pol = self.cfg.policy
        joint = pol.force == "joint"
        self.escort_pool: dict = {r: deque() for r in self.net.regions}
        alloc = _largest_remainder(pol.escort_units, self.origin_share)
        for region in sorted(alloc, key=str):
            for _ in range(alloc[region]):
                unit = GuardUnit(
                    self,
                    role="escort",
                    force=pol.force,
                    host=pol.escort_size,
                    foreign=pol.foreign_per_escort if joint else 0,
                    node=self._busiest_in(region, anchors_first=True),
                )
                self.escort_pool[region].append(unit)
        self.escort_regions = {r for r, n in alloc.items() if n > 0}
        self.checkpoint_count: Counter = Counter()
        for i in range(pol.checkpoints):
            node = self.busiest[i % len(self.busiest)]
            GuardUnit(
                self,
                role="checkpoint",
                force=pol.force,
                host=pol.checkpoint_size,
                foreign=pol.foreign_at_checkpoints if joint else 0,
                node=node,
            )
            self.checkpoint_count[node] += 1
        self.patrols_in = _largest_remainder(pol.patrols, self.region_traffic)
        for region in sorted(self.patrols_in, key=str):
            for _ in range(self.patrols_in[region]):
                GuardUnit(
                    self,
                    role="patrol",
                    force="domestic",
                    host=pol.patrol_size,
                    foreign=0,
                    node=self._busiest_in(region),
                )
        qrf_nodes = [self.busiest[i % len(self.busiest)] for i in range(pol.qrf_units)]
        for node in qrf_nodes:
            GuardUnit(self, role="qrf", force="domestic", host=pol.qrf_size, foreign=0, node=node)
        self.qrf_time = (
            nx.multi_source_dijkstra_path_length(self.net.G, set(qrf_nodes), weight="time_h")
            if qrf_nodes
            else {}
        )
        guards = self.agents_by_type.get(GuardUnit, [])
        self.foreign_in = dict.fromkeys(self.net.regions, 0)
        for g in guards:
            self.foreign_in[g.region] += g.foreign
        self.guard_personnel = sum(g.personnel for g in guards)
        self.foreign_personnel = sum(g.foreign for g in guards)

    def _setup_cells(self) -> None:
        th = self.cfg.threat
        nodes = self.net.nodes
        w = np.array([self.grievance(self.net.region[n]) for n in nodes], dtype=float)
        w = w / w.sum() if w.sum() > 0 else np.full(len(nodes), 1.0 / len(nodes))
        picks = self.streams["threat"].choice(len(nodes), size=th.cells, p=w)
        for i in picks:
            MilitantCell(
                self, node=nodes[int(i)], strength=th.cell_strength, knowledge=th.knowledge0
            )

    # ---- cells ------------------------------------------------------------------------------
    def register_cover(self, cell: MilitantCell) -> None:
        """Index the stretches of road a new cell covers."""
        for e, spans in cell.cover.items():
            lst = self.edge_cover.setdefault(e, [])
            lst.extend((cell, a, b) for a, b in spans)

    def cells_covering(self, edges) -> list[MilitantCell]:
        """Active cells whose reach covers any of ``edges``, in a fixed order."""
        found = {c for e in edges for c, _, _ in self.edge_cover.get(e, ()) if c.active}
        return sorted(found, key=lambda c: c.unique_id)

    def remove_cell(self, cell: MilitantCell) -> None:
        """Take a cell out of the model and off the roads it covered."""
        cell.active = False
        cell.ready = False
        for e in cell.cover:
            self.edge_cover[e] = [t for t in self.edge_cover[e] if t[0] is not cell]
        cell.remove()

    def spawn_cell(self, region, strength: int) -> MilitantCell:
        """A new cell at a node of ``region`` drawn uniformly."""
        nodes = [n for n in self.net.nodes if self.net.region[n] == region]
        node = nodes[int(self.streams["threat"].integers(len(nodes)))]
        return MilitantCell(
            self, node=node, strength=strength, knowledge=self.cfg.threat.knowledge0
        )

    def try_interdict(self, cell: MilitantCell) -> None:
        """Daily interdiction hazard ``h = h0 + h_patrol n_patrols + h_intel s`` of one cell."""
        th, pol = self.cfg.threat, self.cfg.policy
        hazard = (
            th.interdiction_rate
            + th.patrol_interdiction * self.patrols_in[cell.region]
            + th.intel_interdiction * pol.intel_sharing
        )
        ops = self.streams["ops"]
        if ops.random() >= 1.0 - math.exp(-hazard):
            return
        p_coll = th.collateral * (1.0 - th.intel_precision * pol.intel_sharing)
        killed = int(ops.binomial(th.bystanders, p_coll))
        self.counters["plots_interdicted"] += 1
        self.counters["civilians_killed"] += killed
        self.collateral_today[cell.region] += killed
        x, y = self.net.pos[cell.node]
        self._log(
            event="interdiction",
            node=cell.node,
            region=cell.region,
            lon=x,
            lat=y,
            cell=cell.unique_id,
            civilians_killed=killed,
        )
        self.remove_cell(cell)

    # ---- escorts ----------------------------------------------------------------------------
    def acquire_escort(self, region) -> GuardUnit | None:
        """A free escort team of the region (or of any region, where it has none)."""
        pool = self.escort_pool[region]
        if not pool and region not in self.escort_regions:
            pool = next(
                (
                    self.escort_pool[r]
                    for r in sorted(self.escort_pool, key=str)
                    if self.escort_pool[r]
                ),
                pool,
            )
        if not pool:
            return None
        unit = pool.popleft()
        unit.busy = True
        return unit

    def release_escort_later(self, unit: GuardUnit, hours: float) -> None:
        """The team drives back: it is free again after the trip's duration."""
        self.schedule_event(unit.release, after=max(1, math.ceil(hours / self.dt)))

    # ---- time -------------------------------------------------------------------------------
    @property
    def hours(self) -> float:
        """Start, in hours, of the current step (or of the next one, between steps)."""
        return (math.ceil(self.time - 1e-9) - 1) * self.dt

    def step(self) -> None:
        """One step: convoys that are waiting or moving act, inside the daylight window."""
        hour = self.hours % 24.0
        dem = self.cfg.demand
        if hour < dem.move_start_h or hour >= dem.move_end_h:
            return
        convoys = self.agents_by_type.get(Convoy)
        if convoys:
            convoys.shuffle_do("step")

    def _turn_of_day(self) -> None:
        day = int(self.time // self.steps_per_day)
        if day > 0:
            self._close_day(day - 1)
        if day < self.cfg.days:
            self.day = day
            self._open_day(day)

    def _open_day(self, day: int) -> None:
        """Draw the day's trips, their departure times and leaks."""
        cfg, net = self.cfg, self.net
        dem, pol, th = cfg.demand, cfg.policy, cfg.threat
        rd, rs, rl = self.streams["demand"], self.streams["schedule"], self.streams["leak"]
        n_trips = int(rd.poisson(dem.trips_per_day))
        for _ in range(n_trips):
            o, d = self.od_pairs[int(np.searchsorted(self.od_cdf, rd.random(), side="right"))]
            passengers = 1 + int(rd.poisson(dem.passengers_mean - 1.0))
            armored = bool(rd.random() < pol.armored_share)
            hour = dem.departure_hour + (rs.random() - 0.5) * pol.departure_window_h
            hour = min(max(hour, 0.0), 24.0 - self.dt)
            leaked = bool(rl.random() < self.p_leak)
            routes = net.routes(o, d, pol.route_choices, pol.detour_limit)
            self._trip_id += 1
            convoy = Convoy(
                self,
                trip_id=self._trip_id,
                origin=o,
                destination=d,
                routes=routes,
                passengers=passengers,
                drivers=math.ceil(passengers / dem.passengers_per_vehicle),
                armored=armored,
                leaked=leaked,
            )
            self.counters["trips_started"] += 1
            if leaked:
                self.counters["itineraries_leaked"] += 1
                self._exploit_leak(convoy, rl, th)
            step_index = day * self.steps_per_day + int(hour // self.dt) + 1
            self.schedule_event(convoy.depart, at=step_index - 0.5)

    def _exploit_leak(self, convoy: Convoy, rl: np.random.Generator, th) -> None:
        """A leaked itinerary reaches a cell covering one of its routes, which may act on it.

        The itinerary names the candidate routes, not the draw made at departure, so the cell
        sets its ambush on one of them chosen uniformly: with ``n`` disjoint candidates it is on
        the convoy's road with probability ``1/n``.
        """
        routes = [self.net.route_edges(r) for r in convoy.routes]
        cells = self.cells_covering({e for r in routes for e in r})
        if not cells:
            return
        cell = cells[int(rl.integers(len(cells)))]
        if rl.random() >= th.leak_exploit:
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

    def _close_day(self, day: int) -> None:
        """End of a day: cells learn and face interdiction; legitimacy; recruitment; record."""
        cells = self.agents_by_type.get(MilitantCell)
        if cells:
            cells.shuffle_do("daily")
        th, pop = self.cfg.threat, self.cfg.population
        for r in self.net.regions:
            L = self.L[r] + pop.relax_rate * (self.L0[r] - self.L[r])
            L -= th.backlash * self.foreign_in[r] / 100.0
            L -= th.collateral_sensitivity * self.collateral_today[r]
            self.L[r] = min(1.0, max(0.0, L))
            self.collateral_today[r] = 0
        rt = self.streams["threat"]
        for r in self.net.regions:
            n = int(rt.poisson(th.recruitment_rate * self.grievance(r)))
            if n == 0:
                continue
            local = [c for c in self.agents_by_type.get(MilitantCell, []) if c.region == r]
            if local:
                local.sort(key=lambda c: c.unique_id)
                local[int(rt.integers(len(local)))].add_members(n)
            else:
                self.recruit_pool[r] += n
                if self.recruit_pool[r] >= th.cell_strength:
                    self.spawn_cell(r, self.recruit_pool[r])
                    self.recruit_pool[r] = 0
        mean_l = float(np.mean(list(self.L.values())))
        active = list(self.agents_by_type.get(MilitantCell, []))
        c = self.counters
        self._series.append(
            {
                "day": day,
                "mean_legitimacy": mean_l,
                "min_legitimacy": min(self.L.values()),
                "cells_active": len(active),
                "militants": sum(x.strength for x in active),
                **{
                    k: c[k]
                    for k in (
                        *CASUALTY_GROUPS,
                        "attacks_attempted",
                        "attacks_foiled",
                        "plots_interdicted",
                        "trips_started",
                        "trips_completed",
                    )
                },
            }
        )

    # ---- attacks ----------------------------------------------------------------------------
    def resolve_attack(
        self, convoy: Convoy, cell: MilitantCell, e: int, x: float, targeted: bool
    ) -> None:
        """An encounter: detection may foil it; otherwise a contest decides the breakthrough."""
        th, pol, net = self.cfg.threat, self.cfg.policy, self.net
        rng = self.streams["combat"]
        esc = convoy.escort
        host, foreign = (esc.host, esc.foreign) if esc is not None else (0, 0)
        u, v = net.edge_u[e], net.edge_v[e]
        p_esc = detection_probability(host, foreign, th.detect_domestic, th.detect_foreign)
        n_cp = self.checkpoint_count[u] + self.checkpoint_count[v]
        p_one = (
            1.0 - (1.0 - th.screen_prob) * (1.0 - th.detect_foreign) ** pol.foreign_at_checkpoints
        )
        p_cp = 1.0 - (1.0 - p_one) ** n_cp if n_cp else 0.0
        p_foil = foil_probability(p_esc, p_cp, pol.intel_sharing * th.intel_detection)
        attackers = min(cell.strength, th.team_size)
        attack = attackers * th.capability * ((1.0 + th.leak_surprise) if targeted else 1.0)
        defence = (
            host * th.effect_domestic
            + foreign * th.effect_foreign
            + (th.armor if convoy.armored else 0.0)
        )
        p_break = contest(attack, defence, th.decisiveness)
        detected = bool(rng.random() < p_foil)
        breakthrough = (not detected) and bool(rng.random() < p_break)
        length = net.edge_len[e]
        reach = min(
            self.qrf_time.get(u, math.inf) + x / length * net.edge_time[e],
            self.qrf_time.get(v, math.inf) + (1 - x / length) * net.edge_time[e],
        )
        qrf = (not detected) and reach <= th.qrf_reach_h
        lethality = th.lethality * ((1.0 - th.armor_protection) if convoy.armored else 1.0)
        lethality *= (1.0 - th.qrf_mitigation) if qrf else 1.0
        cas = draw_casualties(
            rng,
            breakthrough=breakthrough,
            passengers=convoy.passengers,
            drivers=convoy.drivers,
            guards=0 if detected else host + foreign,
            bystanders=0 if detected else th.bystanders,
            attackers=attackers,
            lethality=lethality,
            injury=th.injury,
            guard_lethality=th.guard_lethality,
            bystander_lethality=th.bystander_lethality,
            militant_loss=th.militant_loss,
            attack=attack,
            defence=defence,
        )
        c = self.counters
        c["attacks_attempted"] += 1
        if detected:
            c["attacks_foiled"] += 1
        else:
            c["attacks_executed"] += 1
            c["attacks_on_escorted"] += esc is not None
        c["attacks_successful"] += (cas.foreign_killed + cas.foreign_injured) > 0
        c["attacks_lethal"] += cas.foreign_killed > 0
        c["attacks_with_leak"] += targeted
        for k in CASUALTY_GROUPS:
            c[k] += getattr(cas, k)
        px, py = net.point(e, x)
        node = u if x <= length / 2 else v
        self._log(
            event="foiled" if detected else "attack",
            node=node,
            edge_u=u,
            edge_v=v,
            x_km=x,
            lon=px,
            lat=py,
            region=net.region[node],
            trip=convoy.trip_id,
            origin=convoy.origin,
            destination=convoy.destination,
            force=esc.force if esc is not None else "none",
            escorted=esc is not None,
            leaked=convoy.leaked,
            targeted=targeted,
            detected=detected,
            breakthrough=breakthrough,
            qrf=qrf,
            p_foil=p_foil,
            p_break=p_break,
            cell=cell.unique_id,
            attackers=attackers,
            passengers=convoy.passengers,
            foreign_killed=cas.foreign_killed,
            foreign_injured=cas.foreign_injured,
            guards_killed=cas.guards_killed,
            civilians_killed=cas.civilians_killed,
            militants_killed=cas.militants_killed,
        )
        cell.after_attack(cas.militants_killed)
        if breakthrough:
            convoy.finish(completed=False)

    # ---- records ----------------------------------------------------------------------------
    def _log(self, **row) -> None:
        row.setdefault("time_h", self.hours)
        row["day"] = self.day
        row["policy"] = self.cfg.policy.name
        row["threat"] = self.cfg.threat.name
        for key in ("node", "edge_u", "edge_v", "origin", "destination"):
            if row.get(key) is not None:
                row[key] = str(self.net.G.nodes[row[key]].get("name", row[key]))
        self._events.append(row)

    def run(self) -> CorridorModel:
        """Run to the horizon (``days``) and close the books; returns the model."""
        if not self.finished:
            if self.time < self.end_time:
                self.run_until(self.end_time)
            self._close_day(self.cfg.days - 1)
            self.finished = True
            self.running = False
        return self

    @property
    def events(self) -> pd.DataFrame:
        """Event log: one row per attack, foiled attack and interdiction."""
        frame = pd.DataFrame(self._events, columns=list(EVENT_COLUMNS))
        for col in CASUALTY_GROUPS:
            frame[col] = frame[col].fillna(0)
        return frame.astype(EVENT_COLUMNS)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Daily time series: legitimacy, active cells and cumulative counts."""
        return pd.DataFrame(self._series)

    @property
    def daily_rows(self) -> list[dict]:
        """The daily records behind :attr:`timeseries` (closed days so far)."""
        return self._series

    def outcomes(self) -> dict[str, float]:
        """Every outcome of :mod:`sim.outcomes`, as floats."""
        return outcome_defs.compute(self)
