"""Population (sim/model/population.py): recruitment from grievance, legitimacy and its backlash."""

from __future__ import annotations

from helpers import limiting_scenario, run_model

from agents import MilitantCell
from sim import load_scenario


def test_recruitment_creates_and_splits_cells():
    none = run_model(limiting_scenario(days=60, threat=dict(cells=0, recruitment_rate=0.0)))
    assert none.outcomes()["cells_active_end"] == 0
    grow = run_model(
        limiting_scenario(
            days=60,
            threat=dict(cells=0, recruitment_rate=2.0, cell_strength=5, max_cell_strength=8),
        )
    )
    cells = list(grow.agents_by_type[MilitantCell])
    assert len(cells) >= 3
    assert all(1 <= c.strength <= 8 for c in cells)
    assert grow.timeseries.cells_active.is_monotonic_increasing


def test_visible_foreign_personnel_lower_legitimacy():
    dom = run_model(load_scenario(policy="domestic_baseline", days=60, seed=2))
    joint = run_model(load_scenario(policy="joint_escort", days=60, seed=2))
    assert joint.outcomes()["mean_legitimacy"] < dom.outcomes()["mean_legitimacy"]
