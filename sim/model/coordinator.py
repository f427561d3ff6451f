"""CorridorModel: the coordinator that wires the submodels and runs the day's plan.

Time advances from event to event. Mesa's event list holds the turn of each day and the rare
events of cells (a preparation ends, a site strike, a wait in ambush ends); the trips' own events
(departures, arrivals, encounters, escorts coming back) sit in the calendar of
:class:`sim.model.movement.Movement`, which every Mesa event first brings up to its time. There is
no hourly step: Mesa's default step schedule is stopped. At the turn of each day the plan
:class:`DayPlan` runs: the day that ends closes (cells learn and face interdiction, guards at
sites may turn on the people they guard, legitimacy and recruitment are updated, a row of the
time series is recorded), then the new day's tips and trips are drawn. ``step_hours`` is the
unit of Mesa's clock and the grid on which escort teams come back and waits are counted.

The submodels, each readable alone (see :class:`sim.model.submodel.Submodel` for their hooks):

* :class:`sim.model.movement.Movement`: the trip calendar, convoys on the road, escort waits;
* :class:`sim.model.demand.Demand`: trips (gravity model), departures, leaks;
* :class:`sim.model.population.Population`: legitimacy, grievance, recruitment (Epstein 2002), tips;
* :class:`sim.model.targets.Targets`: sites, the targets within each cell's reach, target choice;
* :class:`sim.model.security.Security`: escorts, site guards, checkpoints, patrols, reaction forces;
* :class:`sim.model.threat.Threat`: cells, leaked itineraries, interdiction (Kaplan et al. 2005);
* :class:`sim.model.engagement.Engagement`: detection, contest and casualties of an attack.

Randomness: the model owns one seed. Every draw is keyed by its process and the entity it belongs to
(:mod:`sim.model.randomness`): a trip by its day and index, a cell by the event that founded it. A
policy change therefore never shifts another trip's or cell's numbers (common random numbers for
paired policy comparisons). Nothing is drawn from Mesa's ``rng``: simultaneous trip events run in
the order their trips were drawn, cells in the order of their keys.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network
from mesa.time import Priority, Schedule

from scenarios.schema import Scenario, ScenarioError
from sim.model import outcomes as outcome_defs
from sim.model.demand import Demand
from sim.model.engagement import Engagement
from sim.model.movement import Movement
from sim.model.network import build_graph, road_network, shared_graph
from sim.model.outcomes import CASUALTY_GROUPS, EVENT_COLUMNS
from sim.model.population import Population
from sim.model.randomness import Draws
from sim.model.security import Security
from sim.model.targets import Targets
from sim.model.threat import Threat

__all__ = ["SERIES_COUNTS", "SUBMODELS", "CorridorModel", "DayPlan"]

#: The submodels, in the order they are set up (each may read those before it).
SUBMODELS = (Movement, Population, Demand, Targets, Security, Threat, Engagement)


@dataclass(frozen=True)
class DayPlan:
    """What happens at the turn of a day, in order: three phases, each a tuple of hooks.

    ``close(day)``: the day that ends closes (cells learn and face interdiction, guards at
    sites may turn on the people they guard, legitimacy and recruitment are updated);
    ``record(row)``: the submodels add their columns to the day's row of the time series;
    ``open(day)``: the new day's tips and trips are drawn. Each hook is a submodel's bound
    method; :meth:`CorridorModel.plan_table` prints the plan with the time each hook took.
    """

    close: tuple[Callable[[int], None], ...]
    record: tuple[Callable[[dict], None], ...]
    open: tuple[Callable[[int], None], ...]

    @classmethod
    def of(cls, model: CorridorModel) -> DayPlan:
        """The plan of a model's submodels."""
        threat, targets, population, demand = (
            model.threat, model.targets, model.population, model.demand,
        )  # fmt: skip
        return cls(
            close=(threat.end_day, targets.end_day, population.end_day),
            record=(population.record, threat.record),
            open=(population.start_day, demand.start_day),
        )

    def steps(self) -> list[tuple[str, Callable]]:
        """Every hook in order, with its phase."""
        return [
            (phase, hook) for phase in ("close", "record", "open") for hook in getattr(self, phase)
        ]


#: Counters copied into each row of the daily time series (cumulative).
SERIES_COUNTS = (
    *CASUALTY_GROUPS,
    "attacks_attempted",
    "attacks_executed",
    "attacks_foiled",
    "plots_interdicted",
    "tips",
    "insider_attacks",
    "trips_started",
    "trips_completed",
)


class CorridorModel(mesa.Model):
    """Agent-based model of convoy protection on a road network.

    Args:
        cfg: a validated :class:`scenarios.Scenario`.
        graph: the road graph; when omitted it is built from ``cfg.network`` (a GraphML network
            must be passed in, as the model reads no files).

    Attributes:
        population, demand, targets, security, threat, engagement: the submodels.
        counters: event counts of the run so far.
        plan: the turn of a day (:class:`DayPlan`): the submodels' hooks in order.
        timings: seconds spent in each hook of the plan.

    """

    movement: Movement
    population: Population
    demand: Demand
    targets: Targets
    security: Security
    threat: Threat
    engagement: Engagement

    def __init__(self, cfg: Scenario, graph: nx.Graph | None = None):
        if not isinstance(cfg, Scenario):
            raise ScenarioError(
                "cfg", f"must be a Scenario (from sim.load_scenario(...)), got {cfg!r}"
            )
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.draws = Draws.root(cfg.seed)
        if graph is None:
            graph = shared_graph(cfg.network)  # built once when it does not depend on the seed
        if graph is None:
            seed = cfg.network.seed
            if seed is None:  # the network's own stream of the run seed
                seed = np.random.SeedSequence(cfg.seed, spawn_key=(0,))
            graph = build_graph(cfg.network, np.random.default_rng(seed))
        self.net = road_network(graph)  # routes and reaches shared by runs on one graph
        self.space = Network(graph, layout=self.net.layout(), random=self.random)
        self.dt = cfg.step_hours
        self.steps_per_day = int(round(24 / self.dt))
        self.end_time = cfg.days * self.steps_per_day
        self.counters: Counter = Counter()
        self.timings: Counter = Counter()
        self._events: list[dict] = []
        self._series: list[dict] = []
        self.day = 0
        self.submodels = {cls.name: cls(self) for cls in SUBMODELS}
        for sub in self.submodels.values():
            setattr(self, sub.name, sub)
            sub.setup()
        self.plan = DayPlan.of(self)
        self._default_schedule.stop()  # no hourly step: time moves from event to event
        self.step = self._user_step  # step() runs one step's events (a subclass may override)
        self.schedule_recurring(
            self._turn_of_day,
            Schedule(interval=self.steps_per_day, start=0, end=self.end_time),
            priority=Priority.HIGH,
        )
        self.finished = False

    # ---- time -------------------------------------------------------------------------------
    @property
    def hours(self) -> float:
        """The present, in hours since the start of the run."""
        return self.movement.now

    def step(self) -> None:
        """One step of ``step_hours``: run the events that fall in it (``steps`` counts them)."""
        self.steps += 1
        self.run_until(self.time + 1)

    def run_until(self, end_time: float) -> None:
        """Run Mesa's events up to ``end_time`` (steps), then bring movement to that time."""
        super().run_until(end_time)
        self.movement.catch_up()

    def _turn_of_day(self) -> None:
        movement = self.movement
        movement.catch_up()
        day = int(round(self.time / self.steps_per_day))
        with movement.changing(None):  # learning, choices, interdiction change the hazard
            if day > 0:
                self._close(day - 1)
            if day < self.cfg.days:
                self.day = day
                self._timed(self.plan.open, day)

    def _close(self, day: int) -> None:
        """Close ``day`` and record its row of the time series (with the day's counts)."""
        self._timed(self.plan.close, day)
        row = {"day": day}
        self._timed(self.plan.record, row)
        row.update({k: self.counters[k] for k in SERIES_COUNTS})
        self._series.append(row)

    def _timed(self, hooks, arg) -> None:
        for hook in hooks:
            t0 = time.perf_counter()
            hook(arg)
            self.timings[hook] += time.perf_counter() - t0

    def plan_table(self) -> pd.DataFrame:
        """The day's plan in order, with the seconds each hook has taken so far."""
        rows = [
            {
                "phase": phase,
                "submodel": hook.__self__.name,
                "hook": hook.__name__,
                "seconds": self.timings[hook],
            }
            for phase, hook in self.plan.steps()
        ]
        return pd.DataFrame(rows)

    # ---- records ----------------------------------------------------------------------------
    def log(self, **row) -> None:
        """Add a row to the event log (node names resolved, policy and threat attached)."""
        row.setdefault("time_h", self.hours)
        row["day"] = self.day
        row["policy"] = self.cfg.policy.name
        row["threat"] = self.cfg.threat.name
        for key in ("node", "edge_u", "edge_v", "origin", "destination"):
            if row.get(key) is not None:
                row[key] = str(self.net.G.nodes[row[key]].get("name", row[key]))
        self._events.append(row)

    def run(self) -> CorridorModel:
        """Run to the horizon (``days``), where the last day closes; returns the model.

        Python's cyclic garbage collector is paused for the run and restored after: its full
        passes over the long-lived network and caches cost up to some 50 ms at unpredictable
        moments, and a run leaves no reference cycles behind it (trips are freed as they end).
        """
        if not self.finished:
            paused = gc.isenabled()
            gc.disable()
            try:
                if self.time < self.end_time:
                    self.run_until(self.end_time)
            finally:
                if paused:
                    gc.enable()
            self.finished = True
            self.running = False
        return self

    @property
    def events(self) -> pd.DataFrame:
        """Event log: one row per attack, foiled attack and interdiction.

        Built column by column in its final types (a quarter of the time of a frame of rows
        cast afterwards: some 1.3 ms a year's log instead of 6, which a sweep that keeps event
        logs pays every run); a casualty count a row does not name is 0.
        """
        rows, zero, columns = self._events, set(CASUALTY_GROUPS), {}
        for col, dtype in EVENT_COLUMNS.items():
            values = [row.get(col) for row in rows]
            if col in zero:
                values = [0 if v is None else v for v in values]
            if dtype == "float64":
                columns[col] = np.array([np.nan if v is None else v for v in values], float)
            elif dtype == "int64":
                columns[col] = np.array(values, dtype=np.int64)
            else:
                columns[col] = pd.array(values, dtype=dtype)
        return pd.DataFrame(columns)

    def last_closed_day(self) -> dict:
        """The time series row recorded at the close of the last finished day ({} before any).

        After ``N`` days its counts are those of a run of ``days=N``: the day has closed and
        the next day's trips are not yet drawn.
        """
        return dict(self._series[-1]) if self._series else {}

    @property
    def timeseries(self) -> pd.DataFrame:
        """Daily time series: legitimacy, active cells and cumulative counts."""
        return pd.DataFrame(self._series)

    def outcomes(self) -> dict[str, float]:
        """Every outcome of :mod:`sim.model.outcomes`, as floats."""
        derived: dict[str, float] = {}
        for sub in self.submodels.values():
            derived.update(sub.outcomes())
        return outcome_defs.compute(self.counters, derived)
