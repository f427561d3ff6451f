"""The road network a run moves on: a checked graph with its cached routing and reach queries.

:class:`RoadNetwork` wraps a graph of :mod:`sim.model.graphs` with the cached queries the model
needs: fastest routes by travel time, the k fastest routes for randomized movement (Yen's
algorithm via :func:`networkx.shortest_simple_paths`), road distances, and the stretches of road
within a given road distance of a node (a militant cell's reach). Runs on one graph share it
(:func:`road_network`); graphs that do not depend on a run's seed are built once
(:func:`shared_graph`). The graph builders are re-exported here.
"""

from __future__ import annotations

import json
import math
import weakref
from functools import lru_cache

import networkx as nx
import numpy as np

from scenarios.schema import NetworkSpec, ScenarioError
from sim.model.graphs import (
    ANCHOR_KINDS,
    DEMAND_KINDS,
    ROAD_SPEEDS_KMH,
    build_graph,
    cpec_graph,
    grid_graph,
    line_graph,
    load_graphml,
    random_geometric_graph,
    save_graphml,
    validate_graph,
)

__all__ = [
    "ANCHOR_KINDS",
    "DEMAND_KINDS",
    "ROAD_SPEEDS_KMH",
    "RoadNetwork",
    "build_graph",
    "cpec_graph",
    "grid_graph",
    "line_graph",
    "load_graphml",
    "random_geometric_graph",
    "road_network",
    "save_graphml",
    "shared_graph",
    "validate_graph",
]


class RoadNetwork:
    """A validated road graph with cached routing and reach queries.

    Edges are numbered; positions along edge ``e`` are measured in km from its endpoint
    ``self.edge_u[e]``.
    """

    def __init__(self, G: nx.Graph):
        self.G = G
        self.nodes = list(G.nodes)
        self.edge_u: list = []
        self.edge_v: list = []
        self.edge_len: list[float] = []
        self.edge_time: list[float] = []
        self._eid: dict = {}
        for u, v, data in G.edges(data=True):
            e = len(self.edge_u)
            self.edge_u.append(u)
            self.edge_v.append(v)
            self.edge_len.append(float(data["length_km"]))
            self.edge_time.append(float(data["length_km"]) / float(data["speed_kmh"]))
            data["time_h"] = self.edge_time[-1]
            self._eid[(u, v)] = e
            self._eid[(v, u)] = e
        self.region = dict(G.nodes(data="region"))
        self.kind = dict(G.nodes(data="kind"))
        self.pos = {n: (float(d["x"]), float(d["y"])) for n, d in G.nodes(data=True)}
        self.regions = sorted(set(self.region.values()))
        self._routes = lru_cache(maxsize=None)(self._k_routes)
        #: road distances in km from a node to every node it reaches (remembered per node)
        self.distances_from = lru_cache(maxsize=None)(self._distances)
        self._reach: dict = {}
        #: results derived from this network and a few parameters, shared by its runs
        self.memo: dict = {}

    def edge_id(self, u, v) -> int:
        """Number of the edge between ``u`` and ``v``."""
        return self._eid[(u, v)]

    def route_edges(self, route: list) -> list[int]:
        """Edge numbers along a route."""
        return [self._eid[(a, b)] for a, b in zip(route[:-1], route[1:], strict=False)]

    def route_length(self, route: list) -> float:
        """Length in km of a route."""
        return sum(self.edge_len[e] for e in self.route_edges(route))

    def route_time(self, route: list) -> float:
        """Travel time in hours of a route at road speed."""
        return sum(self.edge_time[e] for e in self.route_edges(route))

    def fastest_route(self, origin, destination) -> list:
        """The fastest route (node list) by travel time."""
        return self._routes(origin, destination, 1, 1.0)[0]

    def routes(self, origin, destination, k: int = 1, detour_limit: float = 1.5) -> list[list]:
        """The up-to-``k`` fastest simple routes within ``detour_limit`` x the fastest time."""
        return self._routes(origin, destination, k, detour_limit)

    def _k_routes(self, origin, destination, k, detour_limit) -> list[list]:
        out: list[list] = []
        best = None
        try:
            if k == 1:
                return [nx.shortest_path(self.G, origin, destination, weight="time_h")]
            for path in nx.shortest_simple_paths(self.G, origin, destination, weight="time_h"):
                t = self.route_time(path)
                best = t if best is None else best
                if t > best * detour_limit + 1e-9 or len(out) >= k:
                    break
                out.append(path)
        except nx.NetworkXNoPath:
            raise ScenarioError("network", f"no road from {origin!r} to {destination!r}") from None
        return out

    def _distances(self, source) -> dict:
        return nx.single_source_dijkstra_path_length(self.G, source, weight="length_km")

    def reach(self, node, radius_km: float) -> dict[int, list[tuple[float, float]]]:
        """Stretches of road within ``radius_km`` road distance of ``node`` (remembered).

        Returns ``{edge: [(a, b), ...]}`` with positions from ``edge_u`` (shared: do not
        change it). A point at ``x`` on an edge of length ``l`` lies at road distance
        ``min(d_u + x, d_v + l - x)`` from the node, so the covered set is
        ``[0, R - d_u] U [l - (R - d_v), l]``.
        """
        key = (node, radius_km)
        if key not in self._reach:
            self._reach[key] = self._reach_of(node, radius_km)
        return self._reach[key]

    def _reach_of(self, node, radius_km: float) -> dict[int, list[tuple[float, float]]]:
        d = self.distances_from(node)
        out: dict[int, list[tuple[float, float]]] = {}
        for e, (u, v, length) in enumerate(
            zip(self.edge_u, self.edge_v, self.edge_len, strict=True)
        ):
            du, dv = d.get(u, math.inf), d.get(v, math.inf)
            a_end = min(radius_km - du, length)
            b_start = max(length - (radius_km - dv), 0.0)
            spans = []
            if a_end >= b_start and a_end > 0 and b_start < length:
                spans.append((0.0, length))
            else:
                if a_end > 0:
                    spans.append((0.0, a_end))
                if b_start < length:
                    spans.append((b_start, length))
            if spans:
                out[e] = spans
        return out

    def point(self, e: int, x: float) -> tuple[float, float]:
        """Coordinates of the point ``x`` km from ``edge_u[e]`` along edge ``e``."""
        (x0, y0), (x1, y1) = self.pos[self.edge_u[e]], self.pos[self.edge_v[e]]
        f = x / self.edge_len[e]
        return x0 + f * (x1 - x0), y0 + f * (y1 - y0)

    def layout(self) -> dict:
        """Node positions ``{node: (x, y)}`` for drawing and for Mesa's network space."""
        return dict(self.pos)


_NETWORKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_BUILT: dict = {}


def road_network(graph: nx.Graph) -> RoadNetwork:
    """The :class:`RoadNetwork` of ``graph``, made once per graph object and then shared.

    Its routes, distances and reaches depend on the graph alone, so every run on the same
    graph object (a sweep worker's runs, a notebook's replications) computes each only once.
    The graph must not be changed after its first run.
    """
    if not isinstance(graph, nx.Graph):
        raise ScenarioError(
            "graph", f"must be a networkx graph of the road network, got {type(graph).__name__}"
        )
    net = _NETWORKS.get(graph)
    if net is None:
        validate_graph(graph, field="graph")  # once per graph object (idempotent when built here)
        net = _NETWORKS[graph] = RoadNetwork(graph)
    return net


def shared_graph(spec: NetworkSpec, read_files: bool = False) -> nx.Graph | None:
    """The graph of a network that does not depend on the run seed, built once per spec.

    ``None`` for a network drawn from the run seed (a synthetic network without a seed of
    its own), and for a GraphML file unless ``read_files`` (the model reads no files; the
    sweep engine's workers do, once each).
    """
    if spec.kind == "graphml" and not read_files:
        return None
    if spec.kind not in ("cpec", "graphml") and spec.seed is None:
        return None
    key = json.dumps(spec.to_dict(), sort_keys=True)
    if key not in _BUILT:
        _BUILT[key] = build_graph(spec, np.random.default_rng(spec.seed or 0))
    return _BUILT[key]
