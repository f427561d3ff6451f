"""Road graphs: the embedded CPEC corridor, seeded synthetic networks, GraphML files, checks.

A road network is an undirected :class:`networkx.Graph` whose nodes carry ``name``, ``x``, ``y``
(lon/lat, or km for synthetic networks), ``region`` and ``kind`` (city, project_site, airport,
port, border, junction) and whose edges carry ``length_km``, ``speed_kmh``, ``road`` and
``region``. Every graph a run uses is checked by :func:`validate_graph`; GraphML files are read
with document types and entities refused.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np

from scenarios.schema import NetworkSpec, ScenarioError

__all__ = [
    "ANCHOR_KINDS",
    "DEMAND_KINDS",
    "EDGE_ATTRS",
    "MAX_GRAPHML_BYTES",
    "NODE_ATTRS",
    "ROAD_SPEEDS_KMH",
    "build_graph",
    "cpec_graph",
    "grid_graph",
    "line_graph",
    "load_graphml",
    "random_geometric_graph",
    "save_graphml",
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
