"""Demand: the day's movements of foreign workers between the nodes of the road network.

Trips are drawn from a gravity model (Wilson 1967): a pair of nodes generates trips in proportion
to the kind weights of its ends and ``exp(-d / d0)`` of the road distance between them. The
number of movements a day is Poisson. A movement is long-distance with probability
``long_trip_share`` (ends at length scale ``distance_scale_km``, ``passengers_mean`` people),
otherwise local (``local_distance_scale_km``, so most stay within a city's cluster of nodes, and
``local_passengers_mean`` people). All of this is the seed's, under every policy: who travels,
where, on which day and how many.

The policy only decides how each movement is protected: ``escort_coverage`` of them are
escorted, long-distance ones first, each by its own keyed draw (a long one with chance
``min(1, c / s)``, a local one with ``max(0, (c - s) / (1 - s))`` for coverage ``c`` and long
share ``s``); an escorted movement carries its vehicles, whether they are armored, its departure
time (inside the policy's randomized window, which shifts a departure and never adds or removes
one) and whether its itinerary leaked through the notification chain; an unescorted one travels
low-profile, unarmored and told to nobody.

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
from sim.model.keys import (
    K_ARMORED,
    K_COUNT,
    K_DEPART,
    K_ESCORT_PICK,
    K_INSIDER,
    K_LEAK,
    K_LONG,
    K_NIGHT,
    K_NIGHT_HOUR,
    K_OD,
    K_PASSENGERS,
    K_ROUTE,
    K_THRESHOLD,
    K_TRIPS,
)
from sim.model.movement import DEPART
from sim.model.network import ANCHOR_KINDS, DEMAND_KINDS
from sim.model.randomness import BLOCK_DAYS, Draws, hashes, poisson_table, uniforms
from sim.model.submodel import Submodel
from sim.model.targets import CONVOY, UNESCORTED

__all__ = ["KIND_WEIGHT", "TRIP_COLUMNS", "Demand", "escort_chances"]

TRIP_COLUMNS = (
    "day",
    "index",
    "origin",
    "destination",
    "long",
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


def escort_chances(coverage: float, long_share: float) -> tuple[float, float]:
    """The chance a long-distance and a local movement is escorted, long ones first.

    Escorts cover a share ``coverage`` of all movements: long-distance ones (a share
    ``long_share``) first, then local ones, so ``long_share * p_long + (1 - long_share) *
    p_local = coverage``.
    """
    if long_share <= 0.0:
        return 1.0, coverage
    if long_share >= 1.0:
        return coverage, 0.0
    if coverage <= long_share:
        return coverage / long_share, 0.0
    return 1.0, (coverage - long_share) / (1.0 - long_share)


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
            dist = net.distances_from(o)
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
        """Gravity weights of every origin-destination pair and the expected traffic by node.

        They depend on the road network and four parameters only, so runs on one network
        share them (``net.memo``); nothing here changes them afterwards.
        """
        net, dem = self.model.net, self.cfg.demand
        coverage = self.cfg.policy.escort_coverage
        self.p_escort_long, self.p_escort_local = escort_chances(coverage, dem.long_trip_share)
        key = (
            "demand",
            dem.distance_scale_km,
            dem.local_distance_scale_km,
            dem.trips_per_day,
            dem.long_trip_share,
            coverage,
        )
        if key not in net.memo:
            net.memo[key] = self._weights()
        (
            self.od_pairs,
            self.od_cdf,
            self.local_pairs,
            self.local_cdf,
            self.node_share,
            self.busiest,
            self.region_traffic,
            self.origin_share,
            self.edge_traffic,
        ) = net.memo[key]
        self.trip_count = 0
        self.trips: list[tuple] = []
        self._block: dict = {}
        self._chances: dict = {}
        self._chances_at = -1
        self._pair_facts: dict = {}

    def _weights(self) -> tuple:
        """The pairs and their cumulative weights, shares and expected traffic (see setup).

        Shares and traffic are those of the escorted movements: the long-distance pairs' when
        the policy escorts long movements only, else the mixture of long and local pairs in the
        proportions it escorts them.
        """
        net, dem = self.model.net, self.cfg.demand
        pairs, w = self._gravity(dem.distance_scale_km)
        od_cdf = np.cumsum(w)
        od_cdf[-1] = 1.0
        local, wl = self._gravity(dem.local_distance_scale_km)
        local_cdf = np.cumsum(wl)
        local_cdf[-1] = 1.0
        share = dem.long_trip_share
        p_long, p_local = self.p_escort_long, self.p_escort_local
        escorted_pairs, we = pairs, w
        long_mass, local_mass = share * p_long, (1.0 - share) * p_local
        if p_local > 0.0 and long_mass + local_mass > 0.0:  # some local ones escorted too
            # the classes' shares first, so tiny coverages do not underflow to 0 / 0
            total = long_mass + local_mass
            mass = np.concatenate([long_mass / total * w, local_mass / total * wl])
            escorted_pairs, we = list(pairs) + list(local), mass / mass.sum()
        traffic: Counter = Counter()
        origin_region: Counter = Counter()
        node_share: Counter = Counter()
        for (o, d), wt in zip(escorted_pairs, we, strict=True):
            for n in net.fastest_route(o, d):
                traffic[n] += wt
            origin_region[net.region[o]] += wt
            node_share[o] += wt / 2.0
            node_share[d] += wt / 2.0
        order = {n: i for i, n in enumerate(net.nodes)}
        busiest = sorted(net.nodes, key=lambda n: (-traffic[n], order[n]))
        region_traffic = {
            r: sum(traffic[n] for n in net.nodes if net.region[n] == r) for r in net.regions
        }
        origin_share = {r: origin_region[r] for r in net.regions}
        per_day = dem.trips_per_day
        convoy = self._edge_traffic(pairs, w, per_day * share * p_long)
        convoy.update(self._edge_traffic(local, wl, per_day * (1.0 - share) * p_local))
        unescorted = self._edge_traffic(pairs, w, per_day * share * (1.0 - p_long))
        unescorted.update(self._edge_traffic(local, wl, per_day * (1.0 - share) * (1.0 - p_local)))
        edge_traffic = {CONVOY: convoy, UNESCORTED: unescorted}
        return (
            pairs,
            od_cdf,
            local,
            local_cdf,
            node_share,
            busiest,
            region_traffic,
            origin_share,
            edge_traffic,
        )

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

    def _poisson(self, mean: float, u: np.ndarray, h: np.ndarray, *key) -> np.ndarray:
        """Poisson counts of the uniforms ``u``, as :meth:`Draws.poisson` gives them."""
        if mean <= 30.0:
            return np.searchsorted(poisson_table(mean), u, side="right")
        return np.array([Draws(int(x)).poisson(mean, *key) for x in h], dtype=np.int64)

    def _draw_block(self, first: int) -> None:
        """Draw the trips of days ``first`` .. ``first + BLOCK_DAYS - 1`` in one pass.

        Every number is the one the trip's own keyed draw gives (:mod:`sim.model.randomness`): the
        day's count, then for trip ``j`` of the day its kind, ends, passengers, vehicles,
        departure time, leak, route, first encounter threshold and insider draws. What depends
        on the state of the day (the leak chance) is decided at the start of the day.
        """
        model, cfg = self.model, self.cfg
        dem, pol = cfg.demand, cfg.policy
        days = np.arange(first, min(first + BLOCK_DAYS, cfg.days))
        h_day = hashes(model.draws.h, K_TRIPS, days)
        counts = self._poisson(dem.trips_per_day, uniforms(h_day, K_COUNT), h_day, K_COUNT)
        starts = np.cumsum(counts) - counts
        index = np.arange(int(counts.sum())) - np.repeat(starts, counts)
        h = hashes(np.repeat(h_day, counts), index)
        long = uniforms(h, K_LONG) < dem.long_trip_share
        u_pick = uniforms(h, K_ESCORT_PICK)
        escorted = np.where(long, u_pick < self.p_escort_long, u_pick < self.p_escort_local)
        u_od = uniforms(h, K_OD)
        pair = np.where(
            long,
            np.minimum(np.searchsorted(self.od_cdf, u_od, side="right"), len(self.od_cdf) - 1),
            np.minimum(
                np.searchsorted(self.local_cdf, u_od, side="right"), len(self.local_cdf) - 1
            ),
        )
        u_pass = uniforms(h, K_PASSENGERS)
        passengers = 1 + np.where(
            long,
            self._poisson(dem.passengers_mean - 1.0, u_pass, h, K_PASSENGERS),
            self._poisson(dem.local_passengers_mean - 1.0, u_pass, h, K_PASSENGERS),
        )
        armored = escorted & (uniforms(h, K_ARMORED) < pol.armored_share)
        nominal = self._nominal_hours(h)
        hour = nominal + (uniforms(h, K_DEPART) - 0.5) * pol.departure_window_h
        hour = np.minimum(np.maximum(hour, 0.0), 24.0 - model.dt)
        if cfg.attacks.night and pol.daylight_only:  # a night departure waits for daylight
            early, late = hour < dem.move_start_h, hour >= dem.move_end_h
            hour = np.where(early, dem.move_start_h, np.where(late, dem.move_start_h + 24.0, hour))
        planned = np.minimum(np.maximum(nominal, 0.0), 24.0 - model.dt)
        columns = (
            index,
            long,
            escorted,
            pair,
            passengers,
            armored,
            uniforms(h, K_LEAK),
            np.stack([hour, planned], axis=1),  # departure and nominal hours
            uniforms(h, K_ROUTE),
            uniforms(h, K_THRESHOLD, 0),
            uniforms(h, K_INSIDER),
            h,
        )
        rows = list(zip(*(c.tolist() for c in columns), strict=True))
        self._block = {}
        at = 0
        for day, n in zip(days.tolist(), counts.tolist(), strict=True):
            self._block[day] = rows[at : at + n]
            at += n

    def _nominal_hours(self, h: np.ndarray) -> np.ndarray:
        """Each trip's planned departure hour: ``departure_hour``, or at night.

        With ``attacks.night`` a share ``night_share`` of the trips (the trip's own draw) is
        planned at an hour drawn uniformly outside the daylight window (arrivals from night
        flights); the others, and every trip without it, at ``departure_hour``.
        """
        dem = self.cfg.demand
        nominal = np.full(len(h), float(dem.departure_hour))
        if not self.cfg.attacks.night:
            return nominal
        night = uniforms(h, K_NIGHT) < dem.night_share
        span = 24.0 - (dem.move_end_h - dem.move_start_h)
        at = (dem.move_end_h + uniforms(h, K_NIGHT_HOUR) * span) % 24.0
        return np.where(night, at, nominal)

    def start_day(self, day: int) -> None:
        """Take the day's trips, decide their leaks, and put their departures in the calendar.

        Convoys leaving within one step claim their escorts at the step's start in the order
        their trips were drawn (first drawn, first served), and set out at their own times.

        Every draw of a trip is keyed by its day and its index within the day, so the same
        trips (ends, passengers, vehicles, departure time, leak) are drawn under every policy.
        ``planned`` is a trip's nominal hour, the one a leaked itinerary names.
        """
        model = self.model
        cfg = self.cfg
        dem, pol, th = cfg.demand, cfg.policy, cfg.threat
        if day not in self._block:
            self._draw_block(day)
        trips = self._block.pop(day)
        spread = 1.0 + pol.departure_window_h / th.schedule_scale_h
        per_vehicle = dem.passengers_per_vehicle
        if self._chances_at != model.population.version:  # grievance moved: chances change
            self._chances, self._chances_at = {}, model.population.version
        counters = model.counters
        base = day * 24.0
        # the convoys leaving in each step, in the order their trips were drawn: they claim
        # escort teams at the step's start, then each sets out at its own time
        departures: dict = {}
        dt = model.dt
        unescorted = 0
        for j, long, escorted, pair, passengers, armored, u_leak, when, *uniform, h in trips:
            hour, planned = when
            drivers = math.ceil(passengers / per_vehicle)
            o, d, region, routes, predictability, infos = self._facts(long, pair, spread)
            leaked = escorted and u_leak < self._leak_chance(region, drivers)
            self.trip_count += 1
            # positional: binding sixteen keywords costs a microsecond a trip
            convoy = Convoy(
                model, self.trip_count, (day, j), Draws(h), o, d, routes, passengers, drivers,
                armored, leaked, escorted, base + hour, base + planned, predictability, uniform,
                region, infos,
            )  # fmt: skip
            unescorted += not escorted
            if leaked:
                counters["itineraries_leaked"] += 1
                model.threat.exploit_leak(convoy)
            departures.setdefault(math.floor(hour / dt + 1e-9) * dt, []).append(convoy)
            self.trips.append(
                (
                    day,
                    j,
                    o,
                    d,
                    long,
                    escorted,
                    passengers,
                    armored,
                    hour,
                    leaked,
                    convoy.predictability,
                )
            )
        for hour, leaving in departures.items():
            model.movement.push(base + hour, DEPART, leaving)
        counters["trips_started"] += len(trips)
        counters["trips_unescorted"] += unescorted

    def _facts(self, long: bool, pair: int, spread: float) -> tuple:
        """A pair's ends, origin's region, routes, predictability and routes' facts (remembered)."""
        facts = self._pair_facts.get((long, pair))
        if facts is None:
            net, pol = self.model.net, self.cfg.policy
            o, d = (self.od_pairs if long else self.local_pairs)[pair]
            routes = net.routes(o, d, pol.route_choices, pol.detour_limit)
            infos = [self.model.movement.route_info(r) for r in routes]
            # a uniform choice among n routes has entropy ln n: exp(entropy) = n
            facts = (o, d, net.region[o], routes, 1.0 / (len(routes) * spread), infos)
            self._pair_facts[(long, pair)] = facts
        return facts

    def _leak_chance(self, region, drivers: int) -> float:
        """The chance an escorted trip's itinerary leaks (remembered while grievance holds)."""
        at = (region, drivers)
        chance = self._chances.get(at)
        if chance is None:
            chance = self._chances[at] = self.model.threat.leak_chance(*at)
        return chance

    def trip_table(self) -> pd.DataFrame:
        """Every trip drawn so far: its key (day, index), ends, people, vehicles and leak."""
        name = self.model.net.G.nodes
        pol = self.cfg.policy
        routes = self.model.net.routes
        rows = [
            (
                day,
                j,
                str(name[o].get("name", o)),
                str(name[d].get("name", d)),
                long,
                escorted,
                passengers,
                armored,
                round(hour, 9),
                leaked,
                len(routes(o, d, pol.route_choices, pol.detour_limit)),
                predictability,
            )
            for day, j, o, d, long, escorted, passengers, armored, hour, leaked, predictability in (
                self.trips
            )
        ]
        return pd.DataFrame(rows, columns=list(TRIP_COLUMNS))
