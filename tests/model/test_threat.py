"""Threat (sim/model/threat.py): cells, interdiction by patrols and intelligence, its collateral."""

from __future__ import annotations

import pytest
from helpers import limiting_scenario, run_model


def test_interdiction_rolls_up_cells():
    model = run_model(limiting_scenario(days=5, threat=dict(cells=10, interdiction_rate=50.0)))
    out = model.outcomes()
    assert out["plots_interdicted"] == 10 and out["cells_active_end"] == 0
    ev = model.events
    assert (ev.event == "interdiction").sum() == 10
    assert model.timeseries.cells_active.iloc[0] == 0


def test_intelligence_cuts_collateral_harm():
    common = dict(cells=40, interdiction_rate=50.0, collateral=0.5, bystanders=10)
    blunt = run_model(limiting_scenario(days=2, threat=dict(common, intel_precision=1.0)))
    precise = run_model(
        limiting_scenario(
            days=2, threat=dict(common, intel_precision=1.0), policy=dict(intel_sharing=1.0)
        )
    )
    assert blunt.outcomes()["civilians_killed"] > 100
    assert precise.outcomes()["civilians_killed"] == 0
    # collateral harm lowers legitimacy
    assert blunt.timeseries.mean_legitimacy.iloc[0] < 0.6 - 0.01 * 100 * 0.5
    assert precise.timeseries.mean_legitimacy.iloc[0] == pytest.approx(0.6)


def test_patrols_and_intelligence_raise_interdiction():
    base = dict(
        cells=200,
        interdiction_rate=0.0,
        patrol_interdiction_per_guard=0.001,
        intel_interdiction=0.05,
    )
    out0 = run_model(limiting_scenario(days=10, threat=base)).outcomes()
    out1 = run_model(limiting_scenario(days=10, threat=base, policy=dict(patrols=2))).outcomes()
    out2 = run_model(
        limiting_scenario(days=10, threat=base, policy=dict(intel_sharing=1.0))
    ).outcomes()
    assert out0["plots_interdicted"] == 0
    assert 0 < out1["plots_interdicted"] < out2["plots_interdicted"]
