"""Convoy: one escorted movement of foreign workers between two nodes of the road network.

A convoy is created by the daily trip demand, departs at its scheduled (or randomized) time,
waits for a free escort team when the policy requires one, then moves along its route in the
daylight window. On every stretch of road it accumulates the ambush hazard of the ready militant
cells whose reach covers that stretch; an encounter happens when the accumulated hazard passes an
exponential threshold drawn at departure, which makes the chance of crossing a stretch unattacked
exactly ``exp(-integral of lambda ds)`` (a Poisson field of ambush sites along the road). A convoy
whose itinerary leaked may also meet a targeted ambush set on the route its attackers expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
    from agents.guard_unit import GuardUnit
    from agents.militant_cell import MilitantCell

__all__ = ["Convoy"]

SCHEDULED, WAITING, MOVING, DONE = "scheduled", "waiting", "moving", "done"


class Convoy(CellAgent):
    """A group of vehicles carrying foreign passengers (one host-national driver per vehicle).

    Attributes:
        passengers: foreign passengers on board (persons).
        drivers: host-national drivers (persons), one per vehicle.
        armored: whether the vehicles are armored.
        routes: candidate routes (node lists); one is drawn at departure.
        leaked: whether the itinerary leaked through the notification chain.
        ambush: ``(cell, edge, x)`` of a targeted ambush set on a leaked itinerary, or None.

    """

    def __init__(
        self,
        model,
        *,
        trip_id: int,
        origin,
        destination,
        routes: list[list],
        passengers: int,
        drivers: int,
        armored: bool,
        leaked: bool,
    ):
        super().__init__(model)
        self.trip_id = trip_id
        self.origin, self.destination = origin, destination
        self.routes = routes
        self.passengers, self.drivers, self.armored = passengers, drivers, armored
        self.leaked = leaked
        self.ambush: tuple[MilitantCell, int, float] | None = None
        self.escort: GuardUnit | None = None
        self.state = SCHEDULED
        self.delayed = False
        self.wait_hours = 0.0
        self.route: list | None = None
        self.km = 0.0
        self.start_hour = 0.0
        self.cell = model.space[origin]

    # ---- departure -------------------------------------------------------------------------
    def depart(self) -> None:
        """Scheduled event: the planned departure time has come."""
        self.state = WAITING
        self._try_start()

    def _try_start(self) -> bool:
        model = self.model
        if model.cfg.policy.escort_units > 0:
            self.escort = model.security.acquire_escort(model.net.region[self.origin])
            if self.escort is None:
                self.delayed = True
                return False
        stream = model.streams["movement"]
        k = len(self.routes)
        self.route = self.routes[int(stream.integers(k))] if k > 1 else self.routes[0]
        self.edges = model.net.route_edges(self.route)
        self.leg = 0
        self.s = 0.0  # km travelled along the current edge
        self.budget = float(model.streams["encounter"].exponential())
        self.acc = 0.0
        self.state = MOVING
        self.start_hour = model.hours
        for cell in model.threat.cells_covering(self.edges):
            cell.observed += 1
        return True

    # ---- hourly ----------------------------------------------------------------------------
    def step(self) -> None:
        """Wait for an escort, or move for one step of the daylight window."""
        if self.state == WAITING and not self._try_start():
            self.wait_hours += self.model.dt
            return
        if self.state == MOVING:
            self._advance(self.model.dt)

    def _advance(self, hours: float) -> None:
        model, net = self.model, self.model.net
        factor = model.cfg.demand.speed_factor
        while hours > 1e-12 and self.state == MOVING:
            e = self.edges[self.leg]
            length = net.edge_len[e]
            forward = net.edge_u[e] == self.route[self.leg]
            speed = length / net.edge_time[e] * factor
            s0 = self.s
            s1 = min(length, s0 + hours * speed)
            hit = self._encounter_on(e, length, forward, s0, s1)
            if hit is not None:
                s_hit, cell, targeted = hit
                self._moved(s_hit - s0)
                self.s = s_hit
                hours = 0.0
                x = s_hit if forward else length - s_hit
                if targeted:
                    self.ambush = None
                model.engagement.resolve(self, cell, e, x, targeted=targeted)
                if self.state == MOVING:
                    self.budget = float(model.streams["encounter"].exponential())
                    self.acc = 0.0
                return
            hours -= (s1 - s0) / speed
            self._moved(s1 - s0)
            self.s = s1
            if s1 >= length - 1e-9:
                self.leg += 1
                self.s = 0.0
                node = self.route[self.leg]
                self.cell = model.space[node]
                if self.leg == len(self.edges):
                    elapsed = model.dt - hours
                    self.finish(completed=True, extra_hours=elapsed)
                    return

    def _moved(self, km: float) -> None:
        self.km += km
        self.model.counters["foreign_person_km"] += self.passengers * km

    def _encounter_on(self, e, length, forward, s0, s1):
        """First encounter on ``[s0, s1]`` of edge ``e`` (positions in the travel direction)."""
        model = self.model
        spans = []
        for cell, a, b in model.threat.edge_cover.get(e, ()):
            rate = cell.ambush_density()
            if rate <= 0.0:
                continue
            if not forward:
                a, b = length - b, length - a
            lo, hi = max(a, s0), min(b, s1)
            if hi > lo:
                spans.append((lo, hi, rate, cell))
        hazard = sum((hi - lo) * rate for lo, hi, rate, _ in spans)
        targeted = None
        if self.ambush is not None and self.ambush[1] == e and self.ambush[0].active:
            xa = self.ambush[2] if forward else length - self.ambush[2]
            if s0 <= xa <= s1:
                targeted = xa
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
            u = model.streams["encounter"].random() * total
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
    def finish(self, completed: bool, extra_hours: float = 0.0) -> None:
        """End the trip: count it, free the escort, leave the model."""
        model = self.model
        self.state = DONE
        hours = model.hours + extra_hours - self.start_hour
        model.counters["foreign_person_hours"] += self.passengers * max(hours, 0.0)
        if completed:
            model.counters["trips_completed"] += 1
        if self.delayed:
            model.counters["trips_delayed"] += 1
        model.counters["delay_hours"] += self.wait_hours
        if self.escort is not None:
            model.security.release_escort_later(self.escort, max(hours, model.dt))
            self.escort = None
        self.remove()
