"""Demand: the day's movements of foreign workers between the nodes of the road network.

Trips are drawn from a gravity model (Wilson 1967): a pair of nodes generates trips in proportion
to the kind weights of its ends and ``exp(-d / d0)`` of the road distance between them. The
number of movements a day is Poisson. A movement is an escorted convoy with probability
``escort_coverage``, carrying its passengers, its vehicles, whether they are armored, its
departure time (inside the policy's randomized window) and whether its itinerary leaked through
the notification chain; otherwise it is a low-profile car, unarmored and told to nobody, whose
ends are drawn from the same gravity model with the short length scale
``unescorted_distance_scale_km`` (so most stay within a city's cluster of nodes).

Predictability of a trip, ``pi = (1 / n_eff) / (1 + W / s)``, follows the defender's randomization
in a Stackelberg security game (Paruchuri et al. 2008): ``n_eff = exp(H)`` is the effective number
of routes, from the entropy ``H`` of the trip's own route choice among its real candidates (``ln n``
for a uniform choice among ``n``), and ``W`` the width of its departure window against the
schedule scale ``s``.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from agents.convoy import Convoy
from sim.network import ANCHOR_KINDS, DEMAND_KINDS
from sim.randomness import name_key
from sim.submodel import Submodel
from sim.targets import CONVOY, UNESCORTED

__all__ = ["KIND_WEIGHT", "TRIP_COLUMNS", "Demand"]

K_TRIPS, K_COUNT, K_OD, K_PASSENGERS, K_ARMORED, K_DEPART, K_LEAK, K_ESCORTED = map(
    name_key, ("trips", "count", "od", "passengers", "armored", "depart", "leak", "escorted")
)
TRIP_COLUMNS = (
    "day",
    "index",
    "origin",
    "destination",
    "escorted",
    "passengers",
    "armored",
    "departure_h",
    "leaked",
    "routes",
    "predictability",
)

#: Relative trip generation of node kinds in the gravity model (assumption).
KIND_WEIGHT = {"project_site": 3.0, "port": 3.0, "airport": 2.0, "city": 1.0, "border": 0.5}


class Demand(Submodel):
    """Trip generation: origin-destination weights at set-up, the day's trips at its start.

    Attributes:
        od_pairs: origin-destination pairs that generate trips.
        busiest: nodes by expected traffic on the fastest routes, busiest first (guards go there).
        region_traffic: expected traffic through each region (patrols are allocated by it).
        origin_share: expected trips starting in each region (escort teams are allocated by it).
        node_share: share of escorted trips that start or end at each node.

    """

    name = "demand"

    def _gravity(self, scale: float) -> tuple[list, np.ndarray]:
        """Origin-destination pairs and their normalized gravity weights at length ``scale``."""
        net = self.model.net
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
        return pairs, w / w.sum()

    def setup(self) -> None:
        """Gravity weights of every origin-destination pair and the expected traffic by node."""
        net, dem = self.model.net, self.cfg.demand
        pairs, w = self._gravity(dem.distance_scale_km)
        self.od_pairs = pairs
        self.od_cdf = np.cumsum(w)
        self.od_cdf[-1] = 1.0
        local, wl = self._gravity(dem.unescorted_distance_scale_km)
        self.local_pairs = local
        self.local_cdf = np.cumsum(wl)
        self.local_cdf[-1] = 1.0
        traffic: Counter = Counter()
        origin_region: Counter = Counter()
        self.node_share: Counter = Counter()
        for (o, d), wt in zip(pairs, w, strict=True):
            for n in net.fastest_route(o, d):
                traffic[n] += wt
            origin_region[net.region[o]] += wt
            self.node_share[o] += wt / 2.0
            self.node_share[d] += wt / 2.0
        order = {n: i for i, n in enumerate(net.nodes)}
        self.busiest = sorted(net.nodes, key=lambda n: (-traffic[n], order[n]))
        self.region_traffic = {
            r: sum(traffic[n] for n in net.nodes if net.region[n] == r) for r in net.regions
        }
        self.origin_share = {r: origin_region[r] for r in net.regions}
        coverage = self.cfg.policy.escort_coverage
        self.edge_traffic = {
            CONVOY: self._edge_traffic(pairs, w, dem.trips_per_day * coverage),
            UNESCORTED: self._edge_traffic(local, wl, dem.trips_per_day * (1.0 - coverage)),
        }
        self.trip_count = 0
        self.trips: list[tuple] = []

    def _edge_traffic(self, pairs, w, per_day: float) -> Counter:
        """Expected movements a day on each edge, on the fastest routes of ``pairs``."""
        net = self.model.net
        out: Counter = Counter()
        if per_day <= 0:
            return out
        for (o, d), wt in zip(pairs, w, strict=True):
            for e in net.route_edges(net.fastest_route(o, d)):
                out[e] += per_day * wt
        return out

    def busiest_in(self, region, anchors_first: bool = False):
        """The busiest node of ``region`` (of its anchor nodes first, if asked)."""
        nodes = [n for n in self.busiest if self.model.net.region[n] == region]
        if anchors_first:
            anchored = [n for n in nodes if self.model.net.kind[n] in ANCHOR_KINDS]
            nodes = anchored or nodes
        return nodes[0]

    def start_day(self, day: int) -> None:
        """Draw the day's trips, their departure times and leaks, and schedule the departures.

        Every draw of a trip is keyed by its day and its index within the day, so the same
        trips (ends, passengers, vehicles, departure time, leak) are drawn under every policy.
        """
        model = self.model
        cfg, net = self.cfg, model.net
        dem, pol, th = cfg.demand, cfg.policy, cfg.threat
        window = pol.departure_window_h
        spread = 1.0 + window / th.schedule_scale_h
        planned = min(max(dem.departure_hour, 0.0), 24.0 - model.dt)  # the leaked, nominal hour
        today = model.draws.child(K_TRIPS, day)
        for j in range(today.poisson(dem.trips_per_day, K_COUNT)):
            draws = today.child(j)
            escorted = draws.random(K_ESCORTED) < pol.escort_coverage
            if escorted:
                o, d = self.od_pairs[draws.pick(self.od_cdf, K_OD)]
                passengers = 1 + draws.poisson(dem.passengers_mean - 1.0, K_PASSENGERS)
                armored = draws.random(K_ARMORED) < pol.armored_share
                drivers = math.ceil(passengers / dem.passengers_per_vehicle)
                chance = model.threat.leak_chance(net.region[o], drivers)
                leaked = draws.random(K_LEAK) < chance
            else:  # low-profile: one unarmored car, told to nobody, on the fastest road
                o, d = self.local_pairs[draws.pick(self.local_cdf, K_OD)]
                passengers = 1 + draws.poisson(dem.unescorted_passengers_mean - 1.0, K_PASSENGERS)
                armored = leaked = False
            hour = dem.departure_hour + (draws.random(K_DEPART) - 0.5) * window
            hour = min(max(hour, 0.0), 24.0 - model.dt)
            routes = net.routes(o, d, pol.route_choices, pol.detour_limit)
            self.trip_count += 1
            convoy = Convoy(
                model,
                trip_id=self.trip_count,
                key=(day, j),
                draws=draws,
                origin=o,
                destination=d,
                routes=routes,
                passengers=passengers,
                drivers=math.ceil(passengers / dem.passengers_per_vehicle),
                armored=armored,
                escorted=escorted,
                leaked=leaked,
                depart_h=day * 24.0 + hour,
                planned_h=day * 24.0 + planned,
                # a uniform choice among n routes has entropy ln n: exp(entropy) = n
                predictability=1.0 / (len(routes) * spread),
            )
            model.counters["trips_started"] += 1
            model.counters["trips_unescorted"] += not escorted
            if leaked:
                model.counters["itineraries_leaked"] += 1
                model.threat.exploit_leak(convoy)
            step_index = day * model.steps_per_day + int(hour // model.dt) + 1
            model.schedule_event(convoy.depart, at=step_index - 0.5)
            self.trips.append(
                (day, j, o, d, escorted, passengers, armored, round(hour, 9), leaked, len(routes))
                + (convoy.predictability,)
            )

    def trip_table(self) -> pd.DataFrame:
        """Every trip drawn so far: its key (day, index), ends, people, vehicles and leak."""
        name = self.model.net.G.nodes
        rows = [
            (day, j, str(name[o].get("name", o)), str(name[d].get("name", d)), *rest)
            for day, j, o, d, *rest in self.trips
        ]
        return pd.DataFrame(rows, columns=list(TRIP_COLUMNS))
