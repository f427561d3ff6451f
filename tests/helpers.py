"""Test helpers: limiting-case scenarios in which the model reduces to closed-form results."""

from __future__ import annotations

import math

import networkx as nx

from scenarios import Scenario

#: A threat with every mechanism switched off but a single, always ready, fully informed cell
#: whose reach covers the whole network, which never loses members and whose only target is
#: convoys (no site is struck; every movement is a convoy).
QUIET_THREAT = dict(
    cells=1,
    reach_km=1.0e6,
    ambush_rate=0.0,
    plan_days=0.0,
    knowledge0=1.0,
    learn_rate=0.0,
    forget_rate=0.0,
    leak_prob=0.0,
    leak_exploit=0.0,
    recruitment_rate=0.0,
    interdiction_rate=0.0,
    patrol_interdiction_per_guard=0.0,
    intel_interdiction=0.0,
    intel_detection=0.0,
    detect_domestic=0.0,
    screen_per_guard=0.0,
    militant_loss=0.0,
    backlash=0.0,
    collateral=0.0,
    qrf_mitigation_per_guard=0.0,
    cell_strength=10,
    max_cell_strength=1000,
    site_attack_rate=0.0,
    tip_rate=0.0,
    insider_rate=0.0,
    surveillance_backlash=0.0,
)
#: No security at all: no escorts, site guards, checkpoints, patrols, reaction forces or
#: intelligence; every movement is planned as a convoy.
NO_SECURITY = dict(
    escort_units=0,
    checkpoints=0,
    patrols=0,
    qrf_units=0,
    intel_sharing=0.0,
    armored_share=0.0,
    route_choices=1,
    departure_window_h=0.0,
    escort_coverage=1.0,
    site_guards=0,
    site_hardening=0.0,
)


def limiting_scenario(
    *,
    seed=1,
    days=60,
    trips_per_day=40.0,
    length_km=100.0,
    threat=None,
    policy=None,
    demand=None,
    network=None,
    attacks=None,
) -> Scenario:
    """A line-network scenario with the quiet threat and no security, plus changes."""
    return Scenario.from_dict(
        dict(
            seed=seed,
            days=days,
            network=dict(
                kind="line", length_km=length_km, segments=4, speed_kmh=60.0, **(network or {})
            ),
            policy=dict(name="limit", **{**NO_SECURITY, **(policy or {})}),
            threat=dict(name="limit", **{**QUIET_THREAT, **(threat or {})}),
            # every movement long-distance (the line's one length scale) unless a test says
            demand=dict(trips_per_day=trips_per_day, **{"long_trip_share": 1.0, **(demand or {})}),
            attacks=attacks or {},
        )
    )


def parallel_routes_graph(n: int, leg_km: float = 50.0) -> nx.Graph:
    """Two project sites joined by ``n`` disjoint routes of equal length (via junctions)."""
    G = nx.Graph(name="parallel")
    G.add_node("A", name="A", x=0.0, y=0.0, region="R0", kind="project_site")
    G.add_node("B", name="B", x=2 * leg_km, y=0.0, region="R0", kind="project_site")
    for i in range(n):
        j = f"J{i}"
        G.add_node(j, name=j, x=leg_km, y=10.0 * (i + 1), region="R0", kind="junction")
        for end in ("A", "B"):
            G.add_edge(end, j, length_km=leg_km, speed_kmh=60.0, road="highway", region="R0")
    return G


def two_site_graph() -> nx.Graph:
    """A project camp A and a city B, 30 km apart: one site each (camp and office)."""
    G = nx.Graph(name="two sites")
    G.add_node("A", name="A", x=0.0, y=0.0, region="R0", kind="project_site")
    G.add_node("B", name="B", x=30.0, y=0.0, region="R0", kind="city")
    G.add_edge("A", "B", length_km=30.0, speed_kmh=60.0, road="highway", region="R0")
    return G


def personnel_by_hand(policy, sites: int) -> tuple[int, int]:
    """Host and foreign personnel a policy deploys, counted by hand from its levers."""
    foreign = (
        policy.escort_units * policy.foreign_per_escort
        + policy.checkpoints * policy.foreign_at_checkpoints
        + sites * policy.foreign_site_guards
    )
    host = (
        policy.escort_units * policy.escort_size
        + policy.checkpoints * policy.checkpoint_size
        + policy.patrols * policy.patrol_size
        + policy.qrf_units * policy.qrf_size
        + sites * policy.site_guards
    )
    return host, foreign


def tolerance(p: float, n: int) -> float:
    """Four binomial standard errors of a share ``p`` estimated from ``n`` trials."""
    return 4.0 * math.sqrt(p * (1.0 - p) / n)


def run_model(sc, **kw):
    """Build the model of a scenario and run it to its horizon."""
    from sim import CorridorModel

    return CorridorModel(sc, **kw).run()
