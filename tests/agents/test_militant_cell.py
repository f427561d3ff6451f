"""MilitantCell (agents/militant_cell.py): preparation, ambush density, choices."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import limiting_scenario

from agents import MilitantCell
from sim import CorridorModel


def test_knowledge_raises_ambush_density():
    sc = limiting_scenario(days=1, threat=dict(ambush_rate=0.01, knowledge0=0.25))
    model = CorridorModel(sc)
    (cell,) = model.agents_by_type[MilitantCell]
    assert cell.target == "convoy"
    assert cell.ambush_density("convoy") == pytest.approx(0.0025)
    assert cell.ambush_density("unescorted") == 0.0  # not the kind it targets
    cell.ready = False
    assert cell.ambush_density("convoy") == 0.0


def test_cells_prepare_for_an_exponential_time():
    sc = limiting_scenario(days=1, threat=dict(cells=400, plan_days=10.0))
    model = CorridorModel(sc)
    model.run_until(5 * model.steps_per_day)
    ready = np.mean([c.ready for c in model.agents_by_type[MilitantCell]])
    expected = 1 - np.exp(-5 / 10)  # P(Exp(mean 10) <= 5 days)... within sampling error
    assert abs(ready - expected) < 4 * np.sqrt(expected * (1 - expected) / 400)
