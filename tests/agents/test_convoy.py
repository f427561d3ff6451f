"""Convoy (agents/convoy.py): a trip on the road, from departure to arrival."""

from __future__ import annotations

from helpers import limiting_scenario, run_model

from agents import Convoy


def test_convoys_leave_the_model_when_done():
    model = run_model(limiting_scenario(days=5, trips_per_day=5))
    assert len(model.agents_by_type.get(Convoy, [])) == 0


def test_a_convoy_carries_its_trip_and_sets_out_when_no_escort_is_needed():
    """An unescorted car never waits: it sets out at its drawn departure, on one of its routes."""
    from helpers import limiting_scenario

    from sim import CorridorModel
    from sim.model.targets import CONVOY, UNESCORTED

    model = CorridorModel(
        limiting_scenario(days=1, trips_per_day=5, policy=dict(escort_coverage=0.0))
    )
    model.run_until(1)  # the first day's trips are drawn and waiting in the calendar
    trips = model.demand.trip_table()
    assert len(trips) > 0 and not trips.escorted.any()
    model.run()
    out = model.outcomes()
    assert out["trips_delayed"] == 0 and out["trips_completed"] == len(trips)
    assert CONVOY != UNESCORTED
