"""Event-driven movement: the clock, the bulk draws, and what the calendar does.

The vectorized draws must equal the scalar keyed draws to the last bit (common random numbers
rest on it); the daylight clock and its inverse must agree; a convoy's planned events must
match an hour-by-hour walk of the same hazard (in ``test_analytic`` and ``test_equivalence``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import limiting_scenario, run_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import MilitantCell
from sim import CorridorModel, load_scenario
from sim.model.movement import clock_after, daylight_hours
from sim.model.randomness import DayStream, Draws, hashes, poisson_table, uniforms


def test_bulk_draws_equal_the_keyed_scalar_draws():
    root = Draws.root(987654321)
    days = np.arange(700)
    h = hashes(root.h, 11, days, 3)
    assert [int(x) for x in h] == [root.child(11, d, 3).h for d in range(700)]
    u = uniforms(root.h, 5, days)
    assert u.tolist() == [root.random(5, d) for d in range(700)]
    stream = DayStream(root.child(7), 2, after=(4,), block=50)
    assert [stream(d) for d in (0, 49, 50, 3, 120, 119)] == [
        root.child(7).random(2, d, 4) for d in (0, 49, 50, 3, 120, 119)
    ]
    for mean in (0.0, 0.3, 2.5, 15.0, 30.0):
        counts = np.searchsorted(poisson_table(mean), u, side="right")
        assert counts.tolist() == [root.poisson(mean, 5, d) for d in range(700)]


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.floats(0.0, 2000.0),
    st.floats(0.0, 100.0),
    st.floats(0.0, 23.0),
    st.floats(0.5, 24.0),
)
def test_the_daylight_clock_and_its_inverse_agree(start, travel, move_start, width):
    move_end = min(move_start + width, 24.0)
    end = clock_after(start, travel, move_start, move_end)
    assert end >= start
    assert daylight_hours(start, end, move_start, move_end) == pytest.approx(travel, abs=1e-6)
    hour = end - 24.0 * math.floor(end / 24.0)
    if travel > 0:  # driving ends inside the window (or at its close, midnight for 24)
        inside = move_start - 1e-9 <= hour <= move_end + 1e-9
        assert inside or (move_end == 24.0 and hour < 1e-9)


def test_one_year_has_no_hourly_steps_and_keeps_mesa_clock():
    model = CorridorModel(load_scenario(days=20, seed=4))
    model.run()
    assert model.steps == 0  # Mesa's default step schedule is off
    assert model.time == model.end_time == 20 * 24
    assert len(model.timeseries) == 20 and model.movement.now == pytest.approx(480.0)
    assert not model.movement.calendar or model.movement.calendar[0][0] > 480.0


def test_convoys_on_the_road_are_where_their_clock_puts_them():
    """Halfway through a straight road at constant speed, a convoy is halfway along it."""
    sc = limiting_scenario(
        days=2,
        length_km=400.0,
        trips_per_day=20.0,
        demand=dict(move_start_h=0.0, move_end_h=24.0, speed_factor=0.5),
    )
    model = CorridorModel(sc)
    model.run_until(9.5)  # 09:30 on day 0: convoys left at 08:00 at 30 km/h
    moving = [c for c in model.movement.travelling() if c.position() is not None]
    assert len(moving) >= 5
    for convoy in moving:
        at = convoy.position()
        if at is None:
            continue
        leg, s = at
        driven = convoy.info.cum_km[leg] + s
        hours = model.movement.now - convoy.start_hour
        assert hours == pytest.approx(1.5)
        assert driven == pytest.approx(hours * 30.0, rel=1e-9)


def _movement(step_hours=2.0, move_start=6.5, move_end=19.0):
    sc = limiting_scenario(
        days=2,
        demand=dict(move_start_h=move_start, move_end_h=move_end),
    ).replace(step_hours=step_hours)
    return CorridorModel(sc).movement


def test_escort_waits_follow_the_step_grid_and_the_window():
    """Step starts in the window (2 h steps, window 06:30-19:00): 08:00 is the first each day."""
    mv = _movement()
    assert mv.in_daylight(6.5) and mv.in_daylight(18.0) and mv.in_daylight(30.5)
    assert not mv.in_daylight(19.0) and not mv.in_daylight(6.0) and not mv.in_daylight(24.0)
    for t, first in [(7.0, 8.0), (8.0, 8.0), (3.0, 8.0), (16.5, 18.0), (18.5, 32.0), (24.0, 32.0)]:
        assert mv.next_daylight(t) == first, t
    assert math.isinf(_movement(2.0, 18.5, 19.0).next_daylight(3.0))  # no step starts inside
    # a team is back max(1, ceil(hours / dt)) steps after the step in which its trip ended
    for finished, hours, back in [(10.3, 3.2, 16.0), (10.0, 3.2, 14.0), (10.3, 0.5, 14.0)]:
        mv.calendar.clear()
        mv.escort_back("team", finished, hours)
        assert mv.calendar[0][0] == back and mv.calendar[0][3] == "team"


def test_the_calendar_runs_in_time_order_up_to_the_clock():
    model = CorridorModel(limiting_scenario(days=3).replace(step_hours=2.0))
    mv = model.movement
    model.run_until(6)  # six 2-hour steps: 12:00 on day 0
    assert mv.now == pytest.approx(12.0)
    seen = []

    class Entry:
        def __init__(self, name):
            self.name = name

        def release(self):
            seen.append((mv.now, self.name))

    mv.push(13.0, 0, Entry("b"))
    mv.push(12.5, 0, Entry("a"))
    mv.push(13.0, 0, Entry("c"))
    mv.push(14.0, 0, Entry("d"))
    mv.advance_to(14.0)
    assert seen == [(12.5, "a"), (13.0, "b"), (13.0, "c"), (14.0, "d")]


def test_only_ready_free_cells_of_a_kind_make_its_roads_live():

    model = CorridorModel(limiting_scenario(days=2))
    mv = model.movement
    for other in model.threat.cells:  # only the cell below sets ambushes
        other.ready = False
    node = model.net.nodes[1]
    cell = MilitantCell(
        model, node=node, strength=3, knowledge=1.0, key=(9, 0), draws=model.draws.child(9, 0)
    )
    covered = set(cell.cover)
    assert covered
    for ready, committed, target, live_for in [
        (True, None, "convoy", "convoy"),
        (True, None, "unescorted", "unescorted"),
        (False, None, "convoy", None),
        (True, object(), "convoy", None),
    ]:
        cell.ready, cell.committed, cell.target = ready, committed, target
        mv._live.clear()
        for kind in ("convoy", "unescorted"):
            assert (set(mv.live_edges(kind)) == covered) == (kind == live_for), (ready, kind)


def test_travel_time_counts_the_night_halt():
    """960 km at 48 km/h from 08:00: 11 h to the 19:00 halt, 9 h more from 06:00 next day."""
    sc = limiting_scenario(
        seed=2, days=3, trips_per_day=1.0, length_km=960.0, demand=dict(passengers_mean=1.0)
    )
    model = CorridorModel(sc)
    model.run()
    out = model.outcomes()
    assert out["trips_completed"] == out["trips_started"] >= 1  # this seed's trips all arrive
    per_trip_hours = out["foreign_person_hours"] / out["trips_completed"]
    np.testing.assert_allclose(per_trip_hours, 31.0)
    np.testing.assert_allclose(out["foreign_person_km"] / out["trips_completed"], 960.0)


def test_short_trip_hours_are_exact():
    sc = limiting_scenario(
        days=5, trips_per_day=2.0, length_km=120.0, demand=dict(passengers_mean=1.0)
    )
    out = run_model(sc).outcomes()
    np.testing.assert_allclose(out["foreign_person_hours"] / out["trips_completed"], 2.5)


@pytest.mark.parametrize(
    ("start", "travel", "end"),
    [
        (8.0, 3.0, 11.0),  # inside the window
        (8.0, 11.0, 19.0),  # ends exactly at the window's end
        (8.0, 13.0, 32.0),  # 11 h today, 2 h tomorrow from 06:00
        (20.0, 1.0, 31.0),  # after the window: tomorrow from 06:00
        (3.0, 2.0, 8.0),  # before the window: from 06:00
        (8.0, 37.0, 67.0),  # 11 h + 13 h + 13 h: day 2 at 19:00
        (8.0, 0.0, 8.0),
        (30.0, 4.0, 34.0),  # day 1, hour 6
    ],
)
def test_driving_time_skips_the_nights(start, travel, end):
    from sim.model.threat import clock_after

    assert clock_after(start, travel, 6.0, 19.0) == pytest.approx(end)
