"""Demand (sim/model/demand.py): the gravity model of trips and the day's trips by their keys."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim import CorridorModel, load_scenario
from sim.model.demand import KIND_WEIGHT


def three_places() -> nx.Graph:
    """A project camp P between two cities, 40 km to the west (W) and 80 km to the east (E)."""
    G = nx.Graph(name="three places")
    for name, x, kind in (("W", -40.0, "city"), ("P", 0.0, "project_site"), ("E", 80.0, "city")):
        G.add_node(name, name=name, x=x, y=0.0, region="R0", kind=kind)
    G.add_edge("W", "P", length_km=40.0, speed_kmh=60.0, road="highway", region="R0")
    G.add_edge("P", "E", length_km=80.0, speed_kmh=60.0, road="highway", region="R0")
    return G


def test_gravity_weights_by_hand():
    """w(o, d) ~ weight(o) weight(d) exp(-distance / scale); only pairs with a project end."""
    scale = 50.0
    sc = load_scenario(days=1, demand__distance_scale_km=scale)
    model = CorridorModel(sc, graph=three_places())
    d = model.demand
    dist = {("W", "P"): 40.0, ("P", "W"): 40.0, ("P", "E"): 80.0, ("E", "P"): 80.0}
    raw = {
        pair: KIND_WEIGHT["project_site"] * KIND_WEIGHT["city"] * math.exp(-km / scale)
        for pair, km in dist.items()
    }
    total = sum(raw.values())
    got = dict(zip(d.od_pairs, np.diff(np.concatenate([[0.0], d.od_cdf])), strict=True))
    assert set(got) == set(raw)  # W-E joins two cities: no trip between them
    for pair, w in raw.items():
        assert got[pair] == pytest.approx(w / total)


def test_a_days_trips_do_not_depend_on_the_horizon():
    """Every trip is drawn from its day and index: a longer run has the same first days."""
    short = CorridorModel(load_scenario(days=10, seed=4)).run().demand.trip_table()
    long = CorridorModel(load_scenario(days=30, seed=4)).run().demand.trip_table()
    assert len(short) > 50
    pd.testing.assert_frame_equal(short, long[long.day < 10].reset_index(drop=True))


def test_trips_a_day_follow_their_rate_and_passengers_their_mean():
    sc = load_scenario(days=400, seed=5, demand__trips_per_day=20.0)
    table = CorridorModel(sc).run().demand.trip_table()
    per_day = table.groupby("day").size().reindex(range(400), fill_value=0)
    assert per_day.mean() == pytest.approx(20.0, abs=4 * math.sqrt(20.0 / 400))
    escorted = table[table.escorted]
    mean = sc.demand.passengers_mean
    assert escorted.passengers.mean() == pytest.approx(
        mean, abs=4 * math.sqrt(mean / len(escorted))
    )
