"""Road networks: embedded data, synthetic generators, GraphML loading and checks, routing."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from helpers import parallel_routes_graph

from scenarios import ScenarioError
from sim.model.network import (
    RoadNetwork,
    cpec_graph,
    grid_graph,
    line_graph,
    load_graphml,
    random_geometric_graph,
    save_graphml,
    validate_graph,
)


def test_cpec_network_matches_the_shipped_data():
    G = cpec_graph()
    assert G.number_of_nodes() == 25 and G.number_of_edges() == 26
    assert nx.is_connected(G)
    assert G.edges["Karachi", "Hyderabad"]["length_km"] == 136.0
    assert G.nodes["Gwadar"]["kind"] == "port" and G.nodes["Dasu"]["region"] == "Khyber Pakhtunkhwa"
    assert G.graph["regions"]["Balochistan"]["hardship"] == 0.8
    net = RoadNetwork(validate_graph(G))
    route = net.fastest_route("Karachi", "Islamabad")
    assert route[:3] == ["Karachi", "Hyderabad", "Sukkur"] and route[-1] == "Islamabad"
    assert net.route_length(route) == 136 + 306 + 392 + 190 + 170 + 367


def test_line_graph_has_two_sites_and_exact_length():
    G = line_graph(120.0, 6)
    net = RoadNetwork(validate_graph(G))
    assert [net.kind[n] for n in (0, 6)] == ["project_site", "project_site"]
    assert math.isclose(net.route_length(net.fastest_route(0, 6)), 120.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: grid_graph(4, 5, 30.0, sites=3, rng=rng),
        lambda rng: random_geometric_graph(40, 0.3, 500.0, rng, regions=3),
    ],
)
def test_synthetic_networks_are_seeded(make):
    a = make(np.random.default_rng(5))
    b = make(np.random.default_rng(5))
    c = make(np.random.default_rng(6))
    same = nx.utils.graphs_equal(a, b) and dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert same
    assert dict(a.nodes(data="kind")) != dict(c.nodes(data="kind")) or not nx.utils.graphs_equal(
        a, c
    )
    validate_graph(a)
    assert nx.is_connected(a)


def test_reach_intervals_on_a_line():
    net = RoadNetwork(line_graph(100.0, 4))  # edges of 25 km; node 1 is at km 25
    cover = net.reach(1, 30.0)
    assert cover == {0: [(0.0, 25.0)], 1: [(0.0, 25.0)], 2: [(0.0, 5.0)]}
    assert net.reach(0, 0.0) == {}


def test_reach_covers_both_ends_of_a_long_edge():
    G = nx.Graph()
    for n, x in (("a", 0), ("b", 100)):
        G.add_node(n, x=x, y=0, region="R", kind="project_site")
    G.add_node("c", x=50, y=50, region="R", kind="city")
    G.add_edge("a", "b", length_km=100.0, speed_kmh=50)
    G.add_edge("a", "c", length_km=10.0, speed_kmh=50)
    G.add_edge("c", "b", length_km=10.0, speed_kmh=50)
    net = RoadNetwork(validate_graph(G))
    assert net.reach("c", 15.0)[net.edge_id("a", "b")] == [(0.0, 5.0), (95.0, 100.0)]


def test_k_routes_respect_the_detour_limit():
    net = RoadNetwork(validate_graph(parallel_routes_graph(3)))
    assert len(net.routes("A", "B", k=3, detour_limit=1.0)) == 3
    assert len(net.routes("A", "B", k=2, detour_limit=1.0)) == 2
    assert len(net.fastest_route("A", "B")) == 3


def _write(G, path):
    nx.write_graphml(G, path)
    return path


def test_graphml_round_trip(tmp_path):
    path = tmp_path / "cpec.graphml"
    save_graphml(cpec_graph(), path)
    G = load_graphml(path)
    assert G.number_of_edges() == 26 and G.edges["Sukkur", "Multan"]["length_km"] == 392.0
    assert G.graph["regions"] == cpec_graph().graph["regions"]


def test_graphml_accepts_osmnx_style_attributes(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node(1, x=67.0, y=24.8, region="Sindh", kind="port")
    G.add_node(2, x=67.2, y=24.9, region="Sindh", kind="city")
    G.add_edge(1, 2, length=12500.0, speed_kph=50.0, highway="primary")
    G.add_edge(1, 2, length=30000.0, speed_kph=50.0, highway="secondary")
    G.add_edge(2, 1, length=12500.0, speed_kph=50.0, highway="primary")
    out = load_graphml(_write(G, tmp_path / "osm.graphml"))
    assert out.number_of_edges() == 1
    assert out.edges["1", "2"]["length_km"] == 12.5 and out.edges["1", "2"]["speed_kmh"] == 50.0


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda G: G.nodes["Karachi"].pop("region"), "node 'Karachi' has no 'region'"),
        (lambda G: G.edges["Karachi", "Hyderabad"].pop("speed_kmh"), "has no 'speed_kmh'"),
        (
            lambda G: G.edges["Karachi", "Hyderabad"].update(length_km=-5.0),
            "length_km=-5.0; it must be a positive number",
        ),
        (lambda G: G.edges["Karachi", "Hyderabad"].update(length_km=0.0), "positive number"),
        (
            lambda G: G.remove_edge("Karachi", "Gwadar") or G.remove_edge("Turbat", "Hoshab"),
            "is disconnected",
        ),
    ],
)
def test_graphml_errors_name_the_problem(tmp_path, mutate, fragment):
    G = cpec_graph()
    del G.graph["regions"]
    mutate(G)
    path = _write(G, tmp_path / "bad.graphml")
    with pytest.raises(ScenarioError) as info:
        load_graphml(path)
    assert info.value.field == "network.path"
    assert fragment in str(info.value)


def test_graphml_missing_or_malformed_file(tmp_path):
    with pytest.raises(ScenarioError, match="no GraphML file"):
        load_graphml(tmp_path / "absent.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph><node id='1'>")
    with pytest.raises(ScenarioError, match="cannot read GraphML"):
        load_graphml(bad)


def test_the_howto_city_file_in_osmnx_layout_loads_and_runs():
    """tests/data/city_osmnx.graphml: OSMnx's GraphML layout (a directed multigraph, lengths in
    metres, speed_kph) with the region and kind docs/howto.md asks a user to add."""
    from pathlib import Path

    from sim import run

    path = Path(__file__).resolve().parents[1] / "data" / "city_osmnx.graphml"
    G = load_graphml(path)
    assert G.number_of_nodes() == 16 and G.number_of_edges() == 24  # two ways per street, one road
    lengths = [d["length_km"] for _, _, d in G.edges(data=True)]
    assert 0.5 < min(lengths) and max(lengths) < 0.7  # blocks of about 600 m, read as km
    r = run(network="graphml", network__path=str(path), days=20, seed=1)
    assert r.outcomes["trips_started"] > 100
    assert set(r.scenario.to_dict()["network"].items()) >= {("kind", "graphml")}
