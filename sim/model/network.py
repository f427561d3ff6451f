"""Road networks: the embedded CPEC corridor, seeded synthetic networks, GraphML files, routing.

A road network is an undirected :class:`networkx.Graph` whose nodes carry ``name``, ``x``, ``y``
(lon/lat, or km for synthetic networks), ``region`` and ``kind`` (city, project_site, airport,
port, border, junction) and whose edges carry ``length_km``, ``speed_kmh``, ``road`` and
``region``. :class:`RoadNetwork` wraps such a graph with the cached queries the model needs:
fastest routes by travel time, the k fastest routes for randomized movement (Yen's algorithm via
:func:`networkx.shortest_simple_paths`), road distances, and the stretches of road within a given
road distance of a node (a militant cell's reach).
"""

from __future__ import annotations

import csv
import json
import math
import weakref
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np

from scenarios.schema import NetworkSpec, ScenarioError

__all__ = [
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

#: Node kinds that generate and attract trips of foreign workers.
DEMAND_KINDS = ("project_site", "port", "airport", "city", "border")
#: Kinds at which at least one end of every trip lies (the projects' own facilities).
ANCHOR_KINDS = ("project_site", "port", "airport")
#: Typical free speeds by road class on the embedded network (assumption).
ROAD_SPEEDS_KMH = {"motorway": 90.0, "highway": 60.0, "urban": 30.0}
NODE_ATTRS = ("x", "y", "region", "kind")
EDGE_ATTRS = ("length_km", "speed_kmh")


@cache
def _read_csv_cached(name: str) -> tuple[dict, ...]:
    with resources.files("scenarios").joinpath("data", name).open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def _read_csv(name: str) -> list[dict]:
    return [dict(row) for row in _read_csv_cached(name)]


def cpec_graph() -> nx.Graph:
    """The stylized China-Pakistan Economic Corridor network shipped in ``scenarios/data``.

    Built from public geography (see ``scenarios/data/SOURCES.md``): the eastern corridor
    Karachi-Islamabad, the Karakoram Highway to Khunjerab, the western route Gwadar-Quetta and
    the Karachi and Gwadar city nodes. Segment lengths are reported project lengths.
    """
    G = nx.Graph(name="cpec")
    for row in _read_csv("cpec_nodes.csv"):
        G.add_node(
            row["node"],
            name=row["node"],
            x=float(row["lon"]),
            y=float(row["lat"]),
            region=row["region"],
            kind=row["kind"],
        )
    for row in _read_csv("cpec_corridors.csv"):
        u, v = row["from"], row["to"]
        G.add_edge(
            u,
            v,
            length_km=float(row["km"]),
            speed_kmh=ROAD_SPEEDS_KMH[row["road"]],
            road=row["road"],
            region=G.nodes[u]["region"],
        )
    G.graph["regions"] = {
        row["region"]: {
            "hardship": float(row["hardship"]),
            "legitimacy0": float(row["legitimacy0"]),
        }
        for row in _read_csv("cpec_regions.csv")
    }
    return G


def _region_of(x: float, x0: float, x1: float, regions: int) -> str:
    if regions <= 1 or x1 <= x0:
        return "R0"
    band = min(int((x - x0) / (x1 - x0) * regions), regions - 1)
    return f"R{band}"


def line_graph(
    length_km: float, segments: int = 1, speed_kmh: float = 60.0, regions: int = 1
) -> nx.Graph:
    """A single straight road of ``length_km`` from one project site to another.

    Intermediate nodes are junctions (no trips start there), so every trip crosses the whole
    length: the setting of the analytic checks (survival ``exp(-lambda L)``).
    """
    G = nx.Graph(name="line")
    step = length_km / segments
    for i in range(segments + 1):
        kind = "project_site" if i in (0, segments) else "junction"
        x = i * step
        G.add_node(
            i, name=f"n{i}", x=x, y=0.0, kind=kind, region=_region_of(x, 0.0, length_km, regions)
        )
    for i in range(segments):
        G.add_edge(
            i,
            i + 1,
            length_km=step,
            speed_kmh=speed_kmh,
            road="highway",
            region=G.nodes[i]["region"],
        )
    return G


def _mark_sites(G: nx.Graph, sites: int, rng: np.random.Generator) -> None:
    nodes = sorted(G.nodes)
    chosen = rng.choice(len(nodes), size=min(sites, len(nodes)), replace=False)
    for i in sorted(int(c) for c in chosen):
        G.nodes[nodes[i]]["kind"] = "project_site"


def grid_graph(
    rows: int,
    cols: int,
    spacing_km: float,
    speed_kmh: float = 60.0,
    regions: int = 1,
    sites: int = 4,
    rng: np.random.Generator | None = None,
) -> nx.Graph:
    """A ``rows x cols`` grid of cities ``spacing_km`` apart, with ``sites`` project sites."""
    rng = np.random.default_rng(0) if rng is None else rng
    G = nx.Graph(name="grid")
    width = (cols - 1) * spacing_km
    for r in range(rows):
        for c in range(cols):
            x, y = c * spacing_km, r * spacing_km
            G.add_node(
                r * cols + c,
                name=f"g{r}_{c}",
                x=x,
                y=y,
                kind="city",
                region=_region_of(x, 0.0, width, regions),
            )
    for r in range(rows):
        for c in range(cols):
            n = r * cols + c
            for m in ([n + 1] if c + 1 < cols else []) + ([n + cols] if r + 1 < rows else []):
                G.add_edge(
                    n,
                    m,
                    length_km=spacing_km,
                    speed_kmh=speed_kmh,
                    road="highway",
                    region=G.nodes[n]["region"],
                )
    _mark_sites(G, sites, rng)
    return G


def random_geometric_graph(
    n_nodes: int,
    radius: float,
    extent_km: float,
    rng: np.random.Generator,
    speed_kmh: float = 60.0,
    regions: int = 1,
    sites: int = 4,
) -> nx.Graph:
    """A seeded random geometric graph on a square of side ``extent_km``.

    Only its largest connected component is kept (and renumbered), so every origin reaches
    every destination; road length is the straight-line distance.
    """
    seed = int(rng.integers(2**31 - 1))
    raw = nx.random_geometric_graph(n_nodes, radius, seed=seed)
    keep = sorted(max(nx.connected_components(raw), key=lambda c: (len(c), -min(c))))
    index = {old: new for new, old in enumerate(keep)}
    G = nx.Graph(name="random_geometric")
    for old in keep:
        px, py = raw.nodes[old]["pos"]
        x, y = px * extent_km, py * extent_km
        G.add_node(
            index[old],
            name=f"r{index[old]}",
            x=x,
            y=y,
            kind="city",
            region=_region_of(x, 0.0, extent_km, regions),
        )
    for a, b in raw.subgraph(keep).edges:
        u, v = index[a], index[b]
        d = math.dist((G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"]))
        G.add_edge(
            u,
            v,
            length_km=max(d, 1e-3),
            speed_kmh=speed_kmh,
            road="highway",
            region=G.nodes[u]["region"],
        )
    _mark_sites(G, sites, rng)
    return G


def load_graphml(path: str | Path, field: str = "network.path") -> nx.Graph:
    """Read a road network from GraphML and check it (see :func:`validate_graph`).

    Optional node attributes ``hardship`` and ``legitimacy0`` set their region's values.
    Files saved by OSMnx work once their nodes have ``region`` and ``kind``: edge ``length``
    in metres and ``speed_kph`` are read as ``length_km`` and ``speed_kmh``; a multigraph or
    directed graph is reduced to an undirected graph keeping the fastest parallel road.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(field, f"no GraphML file at {str(path)!r}")
    _check_xml(path, field)
    try:
        raw = nx.read_graphml(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a malformed file
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ScenarioError(field, f"cannot read GraphML {str(path)!r}: {first}") from None
    G = nx.Graph(name=path.stem)
    for n, data in raw.nodes(data=True):
        G.add_node(n, **data)
        G.nodes[n].setdefault("name", str(n))
    for u, v, data in raw.edges(data=True):
        data = dict(data)
        if "length_km" not in data and "length" in data:
            try:
                data["length_km"] = float(data["length"]) / 1000.0
            except (TypeError, ValueError):
                raise ScenarioError(
                    field,
                    f"edge ({u!r}, {v!r}) has length {data['length']!r}; a length (metres) "
                    "must be a number",
                ) from None
        if "speed_kmh" not in data and "speed_kph" in data:
            data["speed_kmh"] = data["speed_kph"]
        data.setdefault("road", str(data.get("highway", "road")))
        if u == v:
            continue
        if G.has_edge(u, v):
            old = G.edges[u, v]
            try:
                if float(data["length_km"]) / float(data["speed_kmh"]) >= (
                    float(old["length_km"]) / float(old["speed_kmh"])
                ):
                    continue
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                pass
        G.add_edge(u, v, **data)
    validate_graph(G, field=field)
    regions: dict = {}
    for _, data in G.nodes(data=True):
        for attr in ("hardship", "legitimacy0"):
            if attr in data:
                regions.setdefault(data["region"], {})[attr] = float(data[attr])
    if regions:
        G.graph["regions"] = regions
    return G


#: Largest GraphML file read (bytes).
MAX_GRAPHML_BYTES = 512 * 1024 * 1024


def _check_xml(path: Path, field: str) -> None:
    """Refuse a GraphML file with a document type (DTD) or entities, before any parser sees it.

    A road network needs neither; a DTD is how XML brings in external files or expands
    entities without bound. Parsed with ``defusedxml``, which refuses both.
    """
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    if path.stat().st_size > MAX_GRAPHML_BYTES:
        raise ScenarioError(field, f"{str(path)!r} is larger than 512 MB")
    try:
        for _ in safe_et.iterparse(str(path), forbid_dtd=True, forbid_entities=True):
            pass
    except DefusedXmlException as exc:
        raise ScenarioError(
            field,
            f"{str(path)!r} declares a document type or entities ({type(exc).__name__}); a "
            "GraphML network needs neither, so it is refused",
        ) from None
    except (ParseError, UnicodeDecodeError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ScenarioError(field, f"cannot read GraphML {str(path)!r}: {first}") from None


def save_graphml(G: nx.Graph, path: str | Path) -> None:
    """Write a road network to GraphML; regional hardship and legitimacy go on the nodes."""
    H = G.copy()
    table = H.graph.pop("regions", {})
    for _, data in H.nodes(data=True):
        data.update(table.get(data["region"], {}))
    nx.write_graphml(H, path)


def validate_graph(G: nx.Graph, field: str = "network") -> nx.Graph:
    """Check required attributes, positive lengths and speeds, and that trips can be routed.

    Coerces numeric attributes to float in place and fills an edge's ``region`` from its first
    node. Raises :class:`ScenarioError` naming the first offending node or edge.
    """
    if G.number_of_nodes() < 2 or G.number_of_edges() < 1:
        raise ScenarioError(field, "needs at least two nodes and one road")
    for n, data in G.nodes(data=True):
        for attr in NODE_ATTRS:
            if attr not in data:
                raise ScenarioError(
                    field,
                    f"node {n!r} has no {attr!r} attribute "
                    f"(required on every node: {', '.join(NODE_ATTRS)})",
                )
        for attr in ("x", "y"):
            try:
                value = float(data[attr])
            except (TypeError, ValueError):
                value = float("nan")
            if not math.isfinite(value):
                raise ScenarioError(
                    field, f"node {n!r} has {attr}={data[attr]!r}; it must be a finite number"
                )
            data[attr] = value
        for attr in ("hardship", "legitimacy0"):
            if attr in data:
                try:
                    value = float(data[attr])
                except (TypeError, ValueError):
                    value = float("nan")
                if not 0.0 <= value <= 1.0:
                    raise ScenarioError(
                        field,
                        f"node {n!r} has {attr}={data[attr]!r}; it must be a number in [0, 1]",
                    )
                data[attr] = value
        data["region"], data["kind"] = str(data["region"]), str(data["kind"])
    for u, v, data in G.edges(data=True):
        for attr in EDGE_ATTRS:
            if attr not in data:
                raise ScenarioError(
                    field,
                    f"road {u!r}-{v!r} has no {attr!r} attribute "
                    f"(required on every road: {', '.join(EDGE_ATTRS)})",
                )
            try:
                value = float(data[attr])
            except (TypeError, ValueError):
                value = float("nan")
            if not value > 0 or not math.isfinite(value):
                raise ScenarioError(
                    field,
                    f"road {u!r}-{v!r} has {attr}={data[attr]!r}; it must be a positive number",
                )
            data[attr] = value
        data.setdefault("region", G.nodes[u]["region"])
        data.setdefault("road", "road")
    anchors = [n for n, k in G.nodes(data="kind") if k in ANCHOR_KINDS]
    if not anchors:
        raise ScenarioError(
            field, "has no node of kind " + ", ".join(ANCHOR_KINDS) + ": no trips can start"
        )
    demand = [n for n, k in G.nodes(data="kind") if k in DEMAND_KINDS]
    if len(demand) < 2:
        raise ScenarioError(field, "needs at least two nodes that trips can start or end at")
    home = nx.node_connected_component(G, anchors[0])
    for n in demand:
        if n not in home:
            raise ScenarioError(
                field, f"is disconnected: no road from {anchors[0]!r} reaches {n!r}"
            )
    return G


def build_graph(spec: NetworkSpec, rng: np.random.Generator) -> nx.Graph:
    """Build the graph a :class:`NetworkSpec` describes (GraphML files are read here)."""
    if spec.kind == "cpec":
        G = cpec_graph()
    elif spec.kind == "line":
        G = line_graph(spec.length_km, spec.segments, spec.speed_kmh, spec.regions)
    elif spec.kind == "grid":
        G = grid_graph(
            spec.rows, spec.cols, spec.spacing_km, spec.speed_kmh, spec.regions, spec.sites, rng
        )
    elif spec.kind == "random_geometric":
        G = random_geometric_graph(
            spec.n_nodes, spec.radius, spec.extent_km, rng, spec.speed_kmh, spec.regions, spec.sites
        )
    else:
        return load_graphml(spec.path)
    return validate_graph(G)


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
        self._dist = lru_cache(maxsize=None)(self._distances)
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

    def distance(self, a, b) -> float:
        """Road distance in km from ``a`` to ``b`` (inf when unreachable)."""
        return self._dist(a).get(b, math.inf)

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
        d = self._dist(node)
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
