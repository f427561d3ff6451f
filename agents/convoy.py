"""Convoy: one movement of foreign workers between two nodes of the road network.

A movement is an escorted convoy or, for the share ``1 - escort_coverage`` of movements, a
low-profile unescorted car (its ``kind``); cells that target one kind set no ambush for the other
(:mod:`sim.model.targets`).

A convoy is created by the daily trip demand, departs at its scheduled (or randomized) time,
waits for a free escort team when the policy requires one, then drives along its route in the
daylight window. On every stretch of road it accumulates the ambush hazard of the ready militant
cells whose reach covers that stretch; an encounter happens when the accumulated hazard passes an
exponential threshold drawn at departure, which makes the chance of crossing a stretch unattacked
exactly ``exp(-integral of lambda ds)`` (a Poisson field of ambush sites along the road). A convoy
whose itinerary leaked may also meet a targeted ambush set on the route its attackers expected,
if it passes the ambush site while the attackers wait there (see :mod:`sim.model.threat`).

Movement is event-driven (:mod:`sim.model.movement`): the convoy computes where and when its next
encounter or its arrival happens from the piecewise-constant hazard ahead of it and schedules
that one event; when the hazard changes it is brought to the present and replans. A convoy that
comes through an attack regroups until the next step starts (``step_hours``), then drives on.

A convoy's draws are keyed by its trip (day and index): the route choice, the n-th encounter
threshold, the cell met at the n-th encounter and the n-th attack's draws
(:mod:`sim.model.randomness`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

from sim.model.keys import K_INSIDER, K_MEET, K_ROUTE, K_THRESHOLD
from sim.model.movement import MOVE, clock_after, daylight_hours
from sim.model.targets import CONVOY, UNESCORTED

if TYPE_CHECKING:
    from agents.guard_unit import GuardUnit
    from sim.model.randomness import Draws

__all__ = ["Convoy"]

SCHEDULED, WAITING, MOVING, DONE = "scheduled", "waiting", "moving", "done"
#: What a convoy's next event is.
ARRIVE, ENCOUNTER, AMBUSH = 0, 1, 2


class Convoy:
    """A group of vehicles carrying foreign passengers (one host-national driver per vehicle).

    A convoy is an agent of the model that Mesa does not register: some 6,000 trips a simulated
    year come and go, and registering each in Mesa's agent sets would cost about a tenth of a
    run. The convoys on the road are ``model.movement.on_road``; those waiting for an escort,
    ``model.movement.waiting``.

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
        leg, s, clock: where the convoy was last brought to (edge ``leg`` of its route, ``s``
            km along it in the direction of travel) and when (hours).

    """

    # the state of a trip that has not set out (class defaults: a trip sets only what differs)
    ambush: tuple | None = None
    escort: GuardUnit | None = None
    state = SCHEDULED
    delayed = False
    wait_hours = 0.0
    route: list | None = None
    info = None
    km = 0.0
    thresholds = 0
    attacks = 0
    leg, s, d = 0, 0.0, 0.0
    acc = budget = 0.0
    token = 0
    plan: tuple | None = None

    def __init__(
        self,
        model,
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
        escorted: bool,
        depart_h: float,
        planned_h: float,
        predictability: float,
        uniforms: tuple | None = None,
        region=None,
        infos: list | None = None,
    ):
        self.model = model
        self.trip_id, self.key, self.draws = trip_id, key, draws
        self.origin, self.destination = origin, destination
        self.routes = routes
        self.passengers, self.drivers, self.armored = passengers, drivers, armored
        self.escorted = escorted
        self.kind = CONVOY if escorted else UNESCORTED
        self.leaked = leaked
        self.depart_h, self.planned_h = depart_h, planned_h
        self.predictability = predictability
        # the trip's route, first-threshold and insider uniforms, when drawn in bulk
        self.uniforms = uniforms
        self.wait_from = self.start_hour = self.clock = depart_h
        # the origin's region and the routes' facts, when the demand knows them already
        self.region = model.net.region[origin] if region is None else region
        self.infos = infos

    # ---- departure -------------------------------------------------------------------------
    def depart(self) -> None:
        """Calendar event: its departure's step starts; claim an escort (or wait for one).

        With an escort in hand (or none needed) the convoy sets out at its departure time.
        """
        model = self.model
        if self.escorted and model.security.escorting:
            self.escort = model.security.acquire_escort(self.region)
            if self.escort is None:
                self.delayed = True
                self.state = WAITING
                self.wait_from = model.movement.now  # the start of its departure's step
                model.movement.waiting.append(self)
                return
        self.start(self.depart_h)

    def start(self, at: float) -> None:
        """Set out at ``at`` hours (escort in hand, if one was needed): route, threshold, plan."""
        model = self.model
        mv = model.movement
        routes = self.routes
        k = len(routes)
        u = self.uniforms
        infos = self.infos
        if infos is None:
            infos = self.infos = [mv.route_info(r) for r in routes]
        if k > 1:
            r = u[0] if u is not None else self.draws.random(K_ROUTE)
            pick = min(int(r * k), k - 1)
        else:
            pick = 0
        self.route = routes[pick]
        info = self.info = infos[pick]
        if u is not None:
            self.budget = -math.log1p(-u[1])
            self.thresholds = 1
        else:
            self._new_threshold()
        self.state = MOVING
        self.start_hour = self.clock = at
        detour = (info.road_h - infos[0].road_h) / mv.factor if k > 1 else 0.0
        shift = abs(self.depart_h - self.planned_h)  # staff held ready for a moved departure
        if detour > 0.0 or shift > 0.0:
            mv.tally["staff_hours_lost"] += self.passengers * (max(detour, 0.0) + shift)
        esc = self.escort
        kind = self.kind
        # the cells on its roads see it set out, and the protection it has (told at day's end)
        seen = (
            info,
            kind,
            esc.host if esc is not None else 0,
            esc.foreign if esc is not None else 0,
            self.armored,
            self.predictability,
        )
        sightings = mv.sightings
        sightings[seen] = sightings.get(seen, 0) + 1
        if esc is not None and esc.host:
            region = self.region
            r = u[2] if u is not None else self.draws.random(K_INSIDER)
            threat, host = model.threat, esc.host
            if r < threat.insider_bound(region, host) and r < threat.insider_chance(region, host):
                model.engagement.insider(self.kind, self.passengers, self.origin, self.draws, ())
                self.finish(completed=False)
                return
        mv.on_road[self] = None
        self.replan()

    def _route_hazard(self) -> float:
        """The whole route's hazard at the rates now: each cell's reach on it times its rate."""
        info, kind = self.info, self.kind
        hazard = 0.0
        for cell in self.model.movement.cells_on(info):
            rate = cell.ambush_density(kind)
            if rate > 0.0:
                km = info.overlap.get(cell)
                if km is None:
                    km = info.overlap[cell] = info.km_within(cell.cover)
                hazard += rate * km
        return hazard

    def _new_threshold(self) -> None:
        """The exponential threshold of the next encounter (the n-th of this trip)."""
        self.budget = self.draws.exponential(1.0, K_THRESHOLD, self.thresholds)
        self.thresholds += 1
        self.acc = 0.0

    # ---- the road ahead --------------------------------------------------------------------
    def _spans(self, i: int, lo: float, hi: float, live) -> list:
        """Stretches of ``[lo, hi]`` of the route's ``i``-th edge where cells set ambushes now.

        ``(a, b, rate, cell)`` with positions in the direction of travel.
        """
        e = self.info.edges[i]
        if e not in live:
            return []
        length, fwd = self.info.lens[i], self.info.fwd[i]
        kind = self.kind
        out = []
        for cell, a, b in self.model.threat.edge_cover.get(e, ()):
            rate = cell.ambush_density(kind)
            if rate <= 0.0:
                continue
            if not fwd:
                a, b = length - b, length - a
            a, b = max(a, lo), min(b, hi)
            if b > a:
                out.append((a, b, rate, cell))
        return out

    def _ambush_ahead(self) -> tuple | None:
        """``(leg, s)`` of a waiting leak-informed ambush this convoy will pass in its wait."""
        if self.ambush is None:
            return None
        cell, e, x, t_from, t_to = self.ambush
        if not cell.active or cell.committed is not self or e not in self.info.edge_set:
            return None
        info = self.info
        i = info.edges.index(e)
        s = x if info.fwd[i] else info.lens[i] - x
        if i < self.leg or (i == self.leg and s < self.s):
            return None
        d = info.hours_to(i, s)
        mv = self.model.movement
        t = clock_after(self.clock, d - self.d, mv.move_start, mv.move_end)
        return (i, s) if t_from <= t <= t_to else None

    def replan(self) -> None:
        """Compute the next event (encounter, ambush or arrival) and put it in the calendar."""
        mv = self.model.movement
        info = self.info
        self.token += 1
        ambush = self._ambush_ahead() if self.ambush is not None else None
        if ambush is None and self.leg == 0 and self.s == 0.0:
            hazard = self._route_hazard()  # from the start; below the threshold, it arrives
            if hazard < self.budget - self.acc:
                self.plan = (ARRIVE, len(info.edges) - 1, info.lens[-1], hazard, None)
                at = clock_after(self.clock, info.cum_h[-1], mv.move_start, mv.move_end)
                mv.push(at, MOVE, self, self.token)
                return
        live = mv.live_edges(self.kind)
        if ambush is None and live.isdisjoint(info.edge_set):  # nothing on the road ahead
            self.plan = (ARRIVE, len(info.edges) - 1, info.lens[-1], 0.0, None)
            at = clock_after(self.clock, info.cum_h[-1] - self.d, mv.move_start, mv.move_end)
            mv.push(at, MOVE, self, self.token)
            return
        edges = info.edges
        n = len(edges)
        need = self.budget - self.acc
        got = 0.0
        where = ambush[0] if ambush is not None else -1
        for i in range(self.leg, n):
            if i != where and edges[i] not in live:
                continue
            length = info.lens[i]
            lo = self.s if i == self.leg else 0.0
            spans = self._spans(i, lo, length, live)
            at = ambush[1] if i == where else None
            hazard = sum((b - a) * r for a, b, r, _ in spans)
            if spans and got + hazard >= need:
                s = _crossing(spans, lo, need - got)
                if at is not None and at <= s:
                    plan = (AMBUSH, i, at, got + _hazard(spans, at), self.ambush[0])
                else:
                    plan = (ENCOUNTER, i, s, need, self._meet(spans, s))
                break
            if at is not None:
                plan = (AMBUSH, i, at, got + _hazard(spans, at), self.ambush[0])
                break
            got += hazard
        else:
            plan = (ARRIVE, n - 1, info.lens[-1], got, None)
        self.plan = plan
        i, s = plan[1], plan[2]
        d = info.hours_to(i, s)
        at = clock_after(self.clock, d - self.d, mv.move_start, mv.move_end)
        mv.push(max(at, mv.now), MOVE, self, self.token)

    def _meet(self, spans: list, s: float):
        """The cell met at ``s``: drawn in proportion to the rates of the cells there."""
        live = [(rate, cell) for a, b, rate, cell in spans if a <= s <= b]
        live = live or [(rate, cell) for _, _, rate, cell in spans]
        if len(live) == 1:
            return live[0][1]
        total = sum(r for r, _ in live)
        u = self.draws.random(K_MEET, self.thresholds) * total
        for rate, cell in live:
            u -= rate
            if u <= 0:
                return cell
        return live[-1][1]

    def _move_to(self, i: int, s: float, hazard: float, at: float) -> None:
        """Bring the convoy to ``s`` km of its ``i``-th edge at ``at`` hours, through ``hazard``."""
        info = self.info
        km = info.cum_km[i] + s - info.cum_km[self.leg] - self.s
        tally = self.model.movement.tally
        if km > 0.0:
            self.km += km
            tally["foreign_person_km"] += self.passengers * km
        if hazard > 0.0:
            self.acc += hazard
            tally["road_exposure"] += self.passengers * hazard
        self.leg, self.s = i, s
        self.d = info.hours_to(i, s)
        self.clock = at

    def settle(self, now: float) -> None:
        """Bring the convoy to where it is at ``now`` under the rates in force until now."""
        if self.state != MOVING or now <= self.clock:
            return
        mv, info = self.model.movement, self.info
        i, s = self._at(now)
        live = mv.live_edges(self.kind)
        hazard = 0.0
        if not live.isdisjoint(info.edge_set):
            for j in range(self.leg, i + 1):
                lo = self.s if j == self.leg else 0.0
                hi = s if j == i else info.lens[j]
                hazard += sum((b - a) * r for a, b, r, _ in self._spans(j, lo, hi, live))
        self._move_to(i, s, hazard, now)

    def on_event(self) -> None:
        """Calendar event: the planned encounter, ambush or arrival happens now."""
        code, i, s, hazard, cell = self.plan
        mv = self.model.movement
        if code == ARRIVE and self.leg == 0 and self.s == 0.0:
            km = self.info.cum_km[-1]  # the whole route in one go: the common case, in short
            self.km = km
            tally = mv.tally
            tally["foreign_person_km"] += self.passengers * km
            if hazard > 0.0:
                self.acc += hazard
                tally["road_exposure"] += self.passengers * hazard
            self.clock = mv.now
            self.finish(completed=True)
            return
        self._move_to(i, s, hazard, mv.now)
        if code == ARRIVE:
            self.finish(completed=True)
            return
        info = self.info
        e = info.edges[i]
        x = s if info.fwd[i] else info.lens[i] - s
        targeted = code == AMBUSH
        if targeted:
            self.ambush = None
        with mv.changing(cell, skip=self):
            self.model.engagement.resolve(self, cell, e, x, targeted=targeted)
        if self.state == MOVING:  # it came through: it regroups until the next step starts
            self.clock = (math.floor(self.clock / mv.dt + 1e-9) + 1) * mv.dt
            self._new_threshold()
            self.replan()

    def position(self, now: float | None = None) -> tuple[int, float] | None:
        """``(leg, s)`` on the route at ``now`` (default: movement's clock); None off the road."""
        if self.state != MOVING:
            return None
        return self._at(self.model.movement.now if now is None else now)

    def _at(self, now: float) -> tuple[int, float]:
        """``(leg, s)`` reached by ``now``: driving since ``clock`` from where it was then."""
        mv, info = self.model.movement, self.info
        d = min(
            self.d + daylight_hours(self.clock, now, mv.move_start, mv.move_end), info.cum_h[-1]
        )
        i = min(max(bisect_right(info.cum_h, d) - 1, self.leg), len(info.edges) - 1)
        s = min((d - info.cum_h[i]) / info.hours[i] * info.lens[i], info.lens[i])
        return i, (max(s, self.s) if i == self.leg else s)

    # ---- end of trip -----------------------------------------------------------------------
    def finish(self, completed: bool) -> None:
        """End the trip at its clock: count it, free the escort, leave the road."""
        mv = self.model.movement
        self.state = DONE
        mv.on_road.pop(self, None)
        hours = self.clock - self.start_hour
        if hours < 0.0:
            hours = 0.0
        tally = mv.tally
        tally["foreign_person_hours"] += self.passengers * hours
        if completed:
            tally["trips_completed"] += 1
        if self.delayed:
            tally["trips_delayed"] += 1
            tally["delay_hours"] += self.wait_hours
            tally["staff_hours_lost"] += self.passengers * self.wait_hours
        if self.armored:
            days = max(1, math.ceil(hours / 24.0 - 1e-9))
            tally["armored_vehicle_days"] += self.drivers * days
        if self.escort is not None:
            mv.escort_back(self.escort, self.clock, max(hours, mv.dt))
            self.escort = None


def _hazard(spans: list, s: float) -> float:
    """Hazard of ``spans`` before ``s``."""
    return sum(max(0.0, min(b, s) - a) * r for a, b, r, _ in spans)


def _crossing(spans: list, lo: float, need: float) -> float:
    """Where the hazard of ``spans`` from ``lo`` reaches ``need`` (it is piecewise linear)."""
    points = sorted({lo, *(p for a, b, _, _ in spans for p in (a, b))})
    got = 0.0
    for p, q in zip(points[:-1], points[1:], strict=False):
        density = sum(r for a, b, r, _ in spans if a <= p and b >= q)
        if density > 0 and got + density * (q - p) >= need:
            return p + (need - got) / density
        got += density * (q - p)
    return points[-1]
