"""Movement: convoys on the road, advanced from event to event (next-event time advance).

No convoy polls the clock. At departure, and whenever the hazard on its remaining path changes,
a convoy computes from the piecewise-constant hazard along its route where and when its next
encounter, or its arrival, happens, and only that one event is put in the calendar; halts
outside the daylight window are part of the clock (:func:`clock_after`), so hours
when nothing moves cost nothing. The hazard changes only at discrete events (a cell becomes
ready, chooses, waits in or leaves a leak-informed ambush, attacks, is removed; the daily
learning update): each such change is made inside :meth:`Movement.changing`, which first brings
the convoys the cell can reach to the present under the old rates, then replans them under the
new ones. This is exact: the chance of crossing a stretch unattacked stays
``exp(-integral of lambda ds)``, with the rate in force where and when the convoy is.

The model's clock is Mesa's event list (``schedule_event``): the turn of the day, cells becoming
ready, site strikes and ambush releases are Mesa events. The per-trip events (departures,
arrivals, encounters, escort turnarounds), about four a trip, sit in this submodel's own
calendar, a binary heap that every Mesa event first advances to its time
(:meth:`Movement.catch_up`): a heap entry costs about 0.3 microseconds, a Mesa event about 8,
which at some 20,000 trip events a simulated year would be most of the run. Mesa's own pure
discrete-event example (the M/M/c queue of mesa-examples) likewise stops the default hourly
step. Next-event time advance: Law (2015), *Simulation Modeling and Analysis*, 5th ed., ch. 1.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from heapq import heappop, heappush
from itertools import accumulate

from sim.model.submodel import Submodel

__all__ = [
    "DEPART",
    "MOVE",
    "RELEASE",
    "RETRY",
    "Movement",
    "RouteInfo",
    "clock_after",
    "daylight_hours",
]

#: Calendar entry kinds, in the order they run at the same time: an escort team back at a
#: step's start is free for the convoys leaving in that step, which take free teams before
#: the convoys already waiting try again (as in an hourly model).
RELEASE, DEPART, RETRY, MOVE = 0, 1, 2, 3
#: Counters trips add to, tallied by :class:`Movement` and flushed after each batch of events.
TALLIED = (
    "foreign_person_km",
    "road_exposure",
    "foreign_person_hours",
    "trips_completed",
    "trips_delayed",
    "delay_hours",
    "staff_hours_lost",
    "armored_vehicle_days",
)


def clock_after(start_h: float, travel_h: float, move_start: float, move_end: float) -> float:
    """The time (hours) at which ``travel_h`` hours of driving end, moving only in daylight.

    Driving starts at ``start_h`` and happens only between ``move_start`` and ``move_end`` of
    each day (hours of the day), as convoys do.
    """
    if not math.isfinite(travel_h):
        return math.inf
    day0 = math.floor(start_h / 24.0) * 24.0
    hour = start_h - day0
    if hour >= move_end:  # after today's window: start at tomorrow's
        day0, hour = day0 + 24.0, move_start
    hour = max(hour, move_start)
    if travel_h <= move_end - hour:
        return day0 + hour + travel_h
    left = travel_h - (move_end - hour)
    window = move_end - move_start
    days = math.ceil(left / window)  # further days on the road, the last one partly
    return day0 + 24.0 * days + move_start + (left - (days - 1) * window)


def daylight_hours(t0: float, t1: float, move_start: float, move_end: float) -> float:
    """Hours of the daily window ``[move_start, move_end)`` between times ``t0`` and ``t1``.

    The driving a convoy does between two times (the inverse of
    :func:`clock_after`).
    """
    if t1 <= t0:
        return 0.0
    window = move_end - move_start

    def upto(t: float) -> float:
        day = math.floor(t / 24.0)
        return day * window + min(max(t - 24.0 * day - move_start, 0.0), window)

    return upto(t1) - upto(t0)


class RouteInfo:
    """What a convoy needs of its route, computed once per route.

    Attributes:
        edges, lens, fwd: edge numbers, lengths (km) and whether the route runs from each
            edge's ``edge_u`` end.
        hours: driving hours of each edge at convoy speed; ``cum_h``, ``cum_km``: hours and km
            to the start of each edge (one more entry: the whole route).
        edge_set: the edges, as a set; ``road_h``: hours at road speed.
        cells, version: active cells whose reach covers the route, valid while the threat's
            cover version is ``version``; ``overlap``: km of the route within each one's reach.

    """

    __slots__ = (
        "cells",
        "cum_h",
        "cum_km",
        "edge_set",
        "edges",
        "fwd",
        "hours",
        "lens",
        "overlap",
        "road_h",
        "version",
    )

    def __init__(self, net, route: list, factor: float):
        self.edges = net.route_edges(route)
        self.lens = [net.edge_len[e] for e in self.edges]
        self.fwd = [net.edge_u[e] == route[i] for i, e in enumerate(self.edges)]
        self.hours = [net.edge_time[e] / factor for e in self.edges]
        self.cum_h = [0.0, *accumulate(self.hours)]
        self.cum_km = [0.0, *accumulate(self.lens)]
        self.edge_set = frozenset(self.edges)
        self.road_h = sum(net.edge_time[e] for e in self.edges)
        self.cells: list = []
        self.version = -1
        self.overlap: dict = {}

    def hours_to(self, i: int, s: float) -> float:
        """Driving hours from the route's start to ``s`` km along its ``i``-th edge."""
        return self.cum_h[i] + s / self.lens[i] * self.hours[i]

    def km_within(self, cover: dict) -> float:
        """Km of the route inside a cell's reach (``cover``: ``{edge: [(a, b), ...]}``)."""
        return sum(b - a for e in self.edges for a, b in cover.get(e, ()))


class Movement(Submodel):
    """The trip calendar, the convoys on the road and those waiting for an escort.

    Attributes:
        now: the time (hours) movement has been brought to.
        on_road: convoys moving or halted for the night, in the order they set out.
        waiting: convoys waiting for an escort, in the order their trips were drawn.

    """

    name = "movement"

    def setup(self) -> None:
        """An empty calendar; the movement window and speed of the demand section.

        Movements drive in the daylight window ``demand.move_start_h``-``move_end_h``, or at any
        hour with ``attacks.night`` unless the policy keeps them to daylight.
        """
        dem, cfg = self.cfg.demand, self.cfg
        self.day_start, self.day_end = dem.move_start_h, dem.move_end_h
        self.move_start, self.move_end = dem.move_start_h, dem.move_end_h
        if cfg.attacks.night and not cfg.policy.daylight_only:
            self.move_start, self.move_end = 0.0, 24.0
        self.factor = dem.speed_factor
        self.dt = self.cfg.step_hours
        self.now = 0.0
        self.calendar: list[tuple] = []
        self._seq = 0
        self.on_road: dict = {}
        self.waiting: list = []
        self._retry: set = set()
        self._routes: dict = {}
        self._live: dict = {}
        self.tally = dict.fromkeys(TALLIED, 0)  # added to the counters in bulk
        # convoys set out today: (route, kind, host, foreign guards, armored, predictability)
        self.sightings: dict = {}

    def flush(self) -> None:
        """Add what trips have tallied since the last flush to the model's counters."""
        counters, tally = self.model.counters, self.tally
        for key, value in tally.items():
            if value:
                counters[key] += value
                tally[key] = 0

    # ---- the calendar -------------------------------------------------------------------------
    def push(self, at: float, kind: int, obj, token: int = 0) -> None:
        """Put an entry in the calendar at ``at`` hours."""
        self._seq += 1
        heappush(self.calendar, (at, kind, self._seq, obj, token))

    def advance_to(self, t: float) -> None:
        """Run the calendar's entries up to time ``t`` (hours), in order."""
        cal = self.calendar
        while cal and cal[0][0] <= t:
            at, kind, _, obj, token = heappop(cal)
            self.now = at
            if kind == MOVE:
                if token == obj.token:
                    obj.on_event()
            elif kind == DEPART:  # the convoys leaving at this time, in trip order
                for convoy in obj:
                    convoy.depart()
            elif kind == RELEASE:
                obj.release()
                if self.waiting:  # after this time's departures
                    self._retry_at(at)
            else:
                self._retry.discard(at)
                self.serve()
        if t > self.now:
            self.now = t
        self.flush()

    def catch_up(self) -> None:
        """Bring movement to the model's clock (every Mesa event does this first)."""
        self.advance_to(self.model.time * self.dt)

    def travelling(self) -> list:
        """Convoys that have set out and not arrived (moving or halted), then those waiting."""
        now = self.now
        return [c for c in self.on_road if c.start_hour <= now] + list(self.waiting)

    # ---- hazard changes -----------------------------------------------------------------------
    @contextmanager
    def changing(self, cell=None, skip=None):
        """Change the hazard a cell sets (``None``: any cell) inside this block.

        Convoys on the road whose route the cell reaches are first brought to the present
        under the rates before the change, and replanned under the rates after it.
        """
        if cell is None:
            affected = [c for c in self.on_road if c is not skip]
        else:
            cover = cell.cover.keys()
            affected = [
                c for c in self.on_road if c is not skip and not cover.isdisjoint(c.info.edge_set)
            ]
        for convoy in affected:
            convoy.settle(self.now)
        self._live.clear()
        try:
            yield
        finally:
            self._live.clear()
            for convoy in affected:
                if convoy in self.on_road:
                    convoy.replan()
            self.flush()

    def live_edges(self, kind: str):
        """Edges on which some cell now sets ambush sites for movements of ``kind``."""
        live = self._live.get(kind)
        if live is None:
            cells = [
                c
                for c in self.model.threat.cells
                if c.ready and c.committed is None and c.target == kind
            ]
            live = set().union(*(c.cover.keys() for c in cells)) if cells else frozenset()
            self._live[kind] = live
        return live

    def tell_cells(self) -> None:
        """The cells on their roads learn of the convoys that set out since the last telling.

        Each cell counts them, their predictability and the protection it saw (kind, escort,
        armor); at the day's end these drive its learning (:meth:`MilitantCell.daily`).
        """
        for (info, kind, host, foreign, armored, p), n in self.sightings.items():
            key = (kind, host, foreign, armored)
            for cell in self.cells_on(info):
                cell.observed += n
                cell.observed_predictability += n * p
                cell.seen[key] = cell.seen.get(key, 0) + n
        self.sightings = {}

    # ---- routes -------------------------------------------------------------------------------
    def route_info(self, route: list) -> RouteInfo:
        """The :class:`RouteInfo` of a route (routes are cached lists, so keyed by identity)."""
        hit = self._routes.get(id(route))
        if hit is not None and hit[0] is route:
            return hit[1]
        info = RouteInfo(self.model.net, route, self.factor)
        self._routes[id(route)] = (route, info)
        return info

    def cells_on(self, info: RouteInfo) -> list:
        """Active cells whose reach covers any edge of the route, in the order of their keys."""
        threat = self.model.threat
        if info.version != threat.cover_version:
            info.cells = threat.cells_covering(info.edges)
            info.version = threat.cover_version
        return info.cells

    def is_night(self, t: float) -> bool:
        """Whether the time ``t`` falls outside the daylight window (whatever the policy)."""
        hour = t - 24.0 * math.floor(t / 24.0)
        return not self.day_start <= hour < self.day_end

    # ---- escorts ------------------------------------------------------------------------------
    def in_daylight(self, t: float) -> bool:
        """Whether a step starting at ``t`` hours lies in the daily movement window."""
        hour = t - 24.0 * math.floor(t / 24.0)
        return self.move_start <= hour < self.move_end

    def next_daylight(self, t: float) -> float:
        """The first step start at or after ``t`` inside the daily movement window.

        ``inf`` when no step starts inside the window (convoys that need one never set out).
        """
        dt = self.dt
        first = math.ceil(self.move_start / dt) * dt
        if first < self.move_start:
            first += dt
        if first >= self.move_end:
            return math.inf
        g = math.ceil(t / dt - 1e-9) * dt
        if self.in_daylight(g):
            return g
        day = math.floor(g / 24.0)
        at = day * 24.0 + first
        return at if at >= g else at + 24.0

    def escort_back(self, unit, finished: float, hours: float) -> None:
        """An escort team drives back: free again a trip's duration after the trip ends.

        On the step grid, as an hourly model frees it: ``max(1, ceil(hours / dt))`` steps
        after the end of the step in which the trip ended (a trip that ends on a step's last
        instant ends in that step).
        """
        dt = self.dt
        steps = math.ceil(finished / dt - 1e-9) + max(1, math.ceil(hours / dt - 1e-9))
        self.push(steps * dt, RELEASE, unit)

    def _retry_at(self, at: float) -> None:
        """Waiting convoys try again at ``at`` (one calendar entry for each time)."""
        if at not in self._retry:
            self._retry.add(at)
            self.push(at, RETRY, None)

    def serve(self) -> None:
        """Waiting convoys take free escort teams, in the order their trips were drawn.

        Only at a step start inside the daylight window; otherwise they try again when the
        next window opens.
        """
        if not self.waiting:
            return
        now = self.now
        if not self.in_daylight(now):
            at = self.next_daylight(now)
            if at > now and math.isfinite(at):
                self._retry_at(at)
            return
        security = self.model.security
        still = []
        for convoy in self.waiting:
            unit = security.acquire_escort(convoy.region)
            if unit is None:
                still.append(convoy)
            else:
                convoy.escort = unit
                convoy.wait_hours = daylight_hours(
                    convoy.wait_from, now, self.move_start, self.move_end
                )
                convoy.start(max(now, convoy.depart_h))
        self.waiting = still
