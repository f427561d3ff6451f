"""Demand (sim/model/demand.py): the gravity model of trips and the day's trips by their keys."""

from __future__ import annotations

import functools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CorridorModel, load_scenario
from sim.model.demand import KIND_WEIGHT, escort_chances


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


#: The policy's levers and values a researcher might give them (any of them, together).
LEVERS = {
    "escort_coverage": st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0]),
    "armored_share": st.sampled_from([0.0, 0.5, 1.0]),
    "departure_window_h": st.sampled_from([0.0, 2.0, 6.0]),
    "route_choices": st.integers(1, 3),
    "escort_units": st.integers(1, 40),
    "escort_size": st.integers(1, 12),
    "foreign_per_escort": st.integers(0, 4),
    "checkpoints": st.integers(0, 12),
    "patrols": st.integers(0, 8),
    "site_guards": st.integers(0, 8),
    "site_hardening": st.sampled_from([0.0, 0.5, 1.0]),
    "intel_sharing": st.sampled_from([0.0, 1.0]),
    "vetting": st.sampled_from([0.0, 0.5]),
}
#: What the seed alone decides: who travels, where, on which day, and how many.
DEMAND_COLUMNS = ["day", "index", "origin", "destination", "long", "passengers"]


@functools.cache
def _baseline_demand() -> pd.DataFrame:
    """The status quo's trips, drawn once for every lever vector compared with it."""
    return _demand({})


def _demand(policy: dict) -> pd.DataFrame:
    sc = load_scenario(policy="domestic_baseline", threat="high", seed=5, days=40)
    force = "joint" if policy.get("foreign_per_escort") else "domestic"
    return CorridorModel(sc.replace(policy={**policy, "force": force})).run().demand.trip_table()


@settings(max_examples=25, deadline=None)
@given(st.fixed_dictionaries({}, optional=LEVERS))
def test_no_lever_changes_who_travels_where_when_or_how_many(policy):
    """The trip table's ends, people and days are the seed's under any lever vector."""
    other = _demand(policy)
    pd.testing.assert_frame_equal(_baseline_demand()[DEMAND_COLUMNS], other[DEMAND_COLUMNS])


def test_the_policy_decides_only_which_movements_are_escorted():
    """Coverage 0.7 escorts every long movement and 40% of local ones (long share 0.5); the
    check above can fail: another seed draws other movements."""
    base = _baseline_demand()
    surge = _demand({"escort_coverage": 0.7})
    assert (base.escorted == base.long).all()  # coverage = long share: the long ones exactly
    assert surge.escorted[surge.long].all()
    local = surge[~surge.long]
    assert 0.3 < local.escorted.mean() < 0.5
    sc = load_scenario(policy="domestic_baseline", threat="high", seed=6, days=40)
    other = CorridorModel(sc).run().demand.trip_table()
    assert not other[DEMAND_COLUMNS].equals(base[DEMAND_COLUMNS])


@pytest.mark.parametrize(
    ("coverage", "share", "chances"),
    [(0.5, 0.5, (1.0, 0.0)), (0.25, 0.5, (0.5, 0.0)), (0.7, 0.5, (1.0, 0.4)),
     (0.3, 0.0, (1.0, 0.3)), (0.3, 1.0, (0.3, 0.0)), (1.0, 0.2, (1.0, 1.0))],
)  # fmt: skip
def test_escort_chances_cover_the_share_long_ones_first(coverage, share, chances):
    long, local = escort_chances(coverage, share)
    assert (long, local) == pytest.approx(chances)
    if 0.0 < share < 1.0:
        assert share * long + (1.0 - share) * local == pytest.approx(coverage)
