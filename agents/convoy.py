"""Convoy: one movement of foreign workers between two nodes of the road network.

A movement is an escorted convoy or, for the share ``1 - escort_coverage`` of movements, a
low-profile unescorted car (its ``kind``); cells that target one kind set no ambush for the other
(:mod:`sim.targets`).

A convoy is created by the daily trip demand, departs at its scheduled (or randomized) time,
waits for a free escort team when the policy requires one, then moves along its route in the
daylight window. On every stretch of road it accumulates the ambush hazard of the ready militant
cells whose reach covers that stretch; an encounter happens when the accumulated hazard passes an
exponential threshold drawn at departure, which makes the chance of crossing a stretch unattacked
exactly ``exp(-integral of lambda ds)`` (a Poisson field of ambush sites along the road). A convoy
whose itinerary leaked may also meet a targeted ambush set on the route its attackers expected,
if it passes the ambush site while the attackers wait there (see :mod:`sim.threat`).

A convoy's draws are keyed by its trip (day and index): the route choice, the n-th encounter
threshold, the cell met at the n-th encounter and the n-th attack's draws (:mod:`sim.randomness`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent

from sim.randomness import name_key
from sim.targets import CONVOY, UNESCORTED

if TYPE_CHECKING:
    from agents.guard_unit import GuardUnit
    from sim.randomness import Draws

__all__ = ["Convoy"]

SCHEDULED, WAITING, MOVING, DONE = "scheduled", "waiting", "moving", "done"
K_ROUTE, K_THRESHOLD, K_MEET, K_INSIDER = map(name_key, ("route", "threshold", "meet", "insider"))


class Convoy(CellAgent):
    """A group of vehicles carrying foreign passengers (one host-national driver per vehicle).

    Attributes:
        key: ``(day, index)`` of the trip, the key of all its draws.
        passengers: foreign passengers on board (persons).
        drivers: host-national drivers (persons), one per vehicle.
        armored: whether the vehicles are armored.
        escorted: whether the movement is planned as an escorted convoy; a low-profile,
            unescorted movement (``kind`` "unescorted") never waits for an escort.
        routes: candidate routes (node lists); one is drawn at departure.
        depart_h: departure time drawn in the policy's window (hours since the start of the run).
        planned_h: the planned (nominal) departure time, the one an itinerary names.
        predictability: how predictable this trip is to a cell that observes it, in (0, 1].
        leaked: whether the itinerary leaked through the notification chain.
        ambush: ``(cell, edge, x, t_from, t_to)`` of a targeted ambush set on a leaked
            itinerary: where it is, and from when to when its attackers wait there.
        attacks: attacks this convoy has met so far.

    """

    def __init__(
        self,
        model,
        *,
        trip_id: int,
        key: tuple[int, int],
        draws: Draws,
        origin,
        destination,
        routes: list[list],
        passengers: int,
        drivers: int,
        armored: bool,
        leaked: bool,
        escorted: bool = True,
        depart_h: float,
        planned_h: float,
        predictability: float,
    ):
        super().__init__(model)
        self.trip_id, self.key, self.draws = trip_id, key, draws
        self.origin, self.destination = origin, destination
        self.routes = routes
        self.passengers, self.drivers, self.armored = passengers, drivers, armored
        self.escorted = escorted
        self.kind = CONVOY if escorted else UNESCORTED
        self.leaked = leaked
        self.depart_h, self.planned_h = depart_h, planned_h
        self.predictability = predictability
        self.ambush: tuple | None = None
        self.escort: GuardUnit | None = None
        self.state = SCHEDULED
        self.delayed = False
        self.wait_hours = 0.0
        self.route: list | None = None
        self.km = 0.0
        self.start_hour = depart_h
        self.clock = depart_h
        self.thresholds = 0
        self.attacks = 0
        self.cell = model.space[origin]

    # ---- departure -------------------------------------------------------------------------
    def depart(self) -> None:
        """Scheduled event: the planned departure time comes in the next step."""
        self.state = WAITING
        self._try_start()

    def _try_start(self) -> bool:
        model = self.model
        if self.escorted and model.security.escorting:
            self.escort = model.security.acquire_escort(model.net.region[self.origin])
            if self.escort is None:
                self.delayed = True
                return False
        k = len(self.routes)
        self.route = self.routes[self.draws.integers(k, K_ROUTE)] if k > 1 else self.routes[0]
        self.edges = model.net.route_edges(self.route)
        self.leg = 0
        self.s = 0.0  # km travelled along the current edge
        self._new_threshold()
        self.state = MOVING
        self.start_hour = max(model.hours, self.depart_h)
        net, dem = model.net, model.cfg.demand
        detour = (net.route_time(self.route) - net.route_time(self.routes[0])) / dem.speed_factor
        shift = abs(self.depart_h - self.planned_h)  # staff held ready for a moved departure
        model.counters["staff_hours_lost"] += self.passengers * (max(detour, 0.0) + shift)
        self.clock = self.start_hour
        for cell in model.threat.cells_covering(self.edges):
            cell.observe(self)
        if self.escort is not None and self.escort.host:
            region = model.net.region[self.origin]
            if self.draws.random(K_INSIDER) < model.threat.insider_chance(region, self.escort.host):
                model.engagement.insider(self.kind, self.passengers, self.origin, self.draws, ())
                self.finish(completed=False)
        return True

    def _new_threshold(self) -> None:
        """The exponential threshold of the next encounter (the n-th of this trip)."""
        self.budget = self.draws.exponential(1.0, K_THRESHOLD, self.thresholds)
        self.thresholds += 1
        self.acc = 0.0

    # ---- hourly ----------------------------------------------------------------------------
    def step(self) -> None:
        """Wait for an escort, or move for the rest of this step of the daylight window."""
        model = self.model
        if self.state == WAITING and not self._try_start():
            self.wait_hours += model.dt
            return
        if self.state == MOVING:
            self._advance(model.hours + model.dt - max(self.clock, model.hours))

    def _advance(self, hours: float) -> None:
        model, net = self.model, self.model.net
        factor = model.cfg.demand.speed_factor
        end = model.hours + model.dt  # the end of this step, in hours
        while hours > 1e-12 and self.state == MOVING:
            e = self.edges[self.leg]
            length = net.edge_len[e]
            forward = net.edge_u[e] == self.route[self.leg]
            speed = length / net.edge_time[e] * factor
            s0 = self.s
            s1 = min(length, s0 + hours * speed)
            hit = self._encounter_on(e, length, forward, s0, s1, end - hours, speed)
            if hit is not None:
                s_hit, cell, targeted = hit
                self._moved(s_hit - s0)
                self.s = s_hit
                self.clock = end - hours + (s_hit - s0) / speed
                x = s_hit if forward else length - s_hit
                if targeted:
                    self.ambush = None
                model.engagement.resolve(self, cell, e, x, targeted=targeted)
                if self.state == MOVING:
                    self._new_threshold()
                return
            if s1 <= s0 and s1 < length - 1e-9:
                break  # the time left moves the convoy less than floating point can show
            hours -= (s1 - s0) / speed
            self._moved(s1 - s0)
            self.s = s1
            if s1 >= length - 1e-9:
                self.leg += 1
                self.s = 0.0
                node = self.route[self.leg]
                self.cell = model.space[node]
                if self.leg == len(self.edges):
                    self.clock = end - hours
                    self.finish(completed=True)
                    return
        self.clock = end

    def _moved(self, km: float) -> None:
        self.km += km
        self.model.counters["foreign_person_km"] += self.passengers * km

    def _targeted_at(self, e, length, forward, s0, s1, t0, speed):
        """Where on ``[s0, s1]`` of edge ``e`` a waiting leak-informed ambush strikes, or None."""
        if self.ambush is None:
            return None
        cell, edge, x, t_from, t_to = self.ambush
        if edge != e or not cell.active or cell.committed is not self:
            return None
        xa = x if forward else length - x
        if not s0 <= xa <= s1:
            return None
        t = t0 + (xa - s0) / speed
        return xa if t_from <= t <= t_to else None

    def _encounter_on(self, e, length, forward, s0, s1, t0, speed):
        """First encounter on ``[s0, s1]`` of edge ``e`` (positions in the travel direction).

        ``t0`` is the time (hours) at ``s0`` and ``speed`` the speed (km/h) on the edge.
        """
        model = self.model
        spans = []
        for cell, a, b in model.threat.edge_cover.get(e, ()):
            rate = cell.ambush_density(self.kind)
            if rate <= 0.0:
                continue
            if not forward:
                a, b = length - b, length - a
            lo, hi = max(a, s0), min(b, s1)
            if hi > lo:
                spans.append((lo, hi, rate, cell))
        hazard = sum((hi - lo) * rate for lo, hi, rate, _ in spans)
        targeted = self._targeted_at(e, length, forward, s0, s1, t0, speed)
        s_random = None
        if self.acc + hazard >= self.budget and spans:
            need = self.budget - self.acc
            # cumulative hazard is piecewise linear in s: walk its breakpoints
            points = sorted({s0, s1, *(p for lo, hi, _, _ in spans for p in (lo, hi))})
            got = 0.0
            for p, q in zip(points[:-1], points[1:], strict=False):
                density = sum(rate for lo, hi, rate, _ in spans if lo <= p and hi >= q)
                if got + density * (q - p) >= need and density > 0:
                    s_random = p + (need - got) / density
                    break
                got += density * (q - p)
            if s_random is None:
                s_random = s1
        else:
            self.acc += hazard
        if targeted is not None and (s_random is None or targeted <= s_random):
            self._exposed(spans, s0, targeted)
            return targeted, self.ambush[0], True
        self._exposed(spans, s0, s1 if s_random is None else s_random)
        if s_random is not None:
            live = [(rate, cell) for lo, hi, rate, cell in spans if lo <= s_random <= hi]
            live = live or [(rate, cell) for _, _, rate, cell in spans]
            if len(live) == 1:
                return s_random, live[0][1], False
            total = sum(r for r, _ in live)
            u = self.draws.random(K_MEET, self.thresholds) * total
            for rate, cell in live:
                u -= rate
                if u <= 0:
                    return s_random, cell, False
            return s_random, live[-1][1], False
        return None

    def _exposed(self, spans, s0, s_end) -> None:
        """Add passengers x expected encounters over ``[s0, s_end]`` to the threat exposure."""
        hazard = sum(max(0.0, min(hi, s_end) - lo) * rate for lo, hi, rate, _ in spans)
        self.model.counters["threat_exposure"] += self.passengers * hazard

    # ---- end of trip -----------------------------------------------------------------------
    def finish(self, completed: bool) -> None:
        """End the trip at its clock: count it, free the escort, leave the model."""
        model = self.model
        self.state = DONE
        hours = max(self.clock - self.start_hour, 0.0)
        model.counters["foreign_person_hours"] += self.passengers * hours
        if completed:
            model.counters["trips_completed"] += 1
        if self.delayed:
            model.counters["trips_delayed"] += 1
        model.counters["delay_hours"] += self.wait_hours
        model.counters["staff_hours_lost"] += self.passengers * self.wait_hours
        if self.armored:
            days = max(1, math.ceil(hours / 24.0 - 1e-9))
            model.counters["armored_vehicle_days"] += self.drivers * days
        if self.escort is not None:
            model.security.release_escort_later(self.escort, max(hours, model.dt))
            self.escort = None
        self.remove()
