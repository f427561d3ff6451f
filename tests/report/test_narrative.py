"""The report's conclusions (sim/report/narrative.py) on synthetic sweeps with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import compare
from sim.report.inputs import Sweep
from sim.report.narrative import conclusions

JOINT, TWIN = "joint_escort", "joint_escort_twin_cost"


def _sweep(slope: float, factor_values=(0.2, 0.6, 1.0, 1.4, 1.8), reps=40) -> Sweep:
    """Paired runs whose joint - baseline (and joint - twin) difference is slope x (x - 1)."""
    rng = np.random.default_rng(3)
    rows = []
    for point, x in enumerate(factor_values):
        for r in range(reps):
            base = 10.0 + rng.normal(0, 1)
            for policy, value in (
                ("domestic_baseline", base),
                (TWIN, base),
                (JOINT, base + slope * (x - 1.0) + rng.normal(0, 0.3)),
            ):
                rows.append(
                    dict(
                        policy=policy,
                        threat="baseline",
                        point=point,
                        replication=r,
                        status="ok",
                        foreign_effect_ratio=x,
                        foreign_killed=value,
                        cost_usd=1.0,
                        foreign_security_person_days=0.0,
                        mean_legitimacy=0.6,
                    )
                )
    results = pd.DataFrame(rows)
    meta = {
        "experiment": {
            "design": {
                "kind": "factorial",
                "factors": {"threat.foreign_effect_ratio": list(factor_values)},
            }
        },
        "base_scenarios": [
            {"scenario": {"policy": {"name": JOINT, "force": "joint"}}},
            {"scenario": {"policy": {"name": TWIN, "force": "domestic"}}},
            {"scenario": {"policy": {"name": "domestic_baseline", "force": "domestic"}}},
        ],
    }
    return Sweep(folder=Path("."), results=results, meta=meta, threats=["baseline"])


def _text(sweep: Sweep) -> str:
    table = compare(sweep.results, outcomes=["foreign_killed", "cost_usd"], n_resamples=999)
    return " ".join(conclusions(sweep, {"baseline": table}))


def test_a_sign_that_flips_across_the_design_gives_a_condition_not_a_verdict():
    text = _text(_sweep(slope=-4.0))  # fewer deaths above a ratio of 1, more below
    assert "changes sign across foreign_effect_ratio" in text
    assert "only where foreign_effect_ratio is above" in text
    assert "joint_escort loses fewer" not in text and "clearly loses more" not in text
    assert "The foreign increment" in text and "changes sign across the design" in text
    assert "largest reduction" not in text and "best" not in text


def test_a_sign_that_holds_gives_the_verdict_and_the_increment_with_its_interval():
    sweep = _sweep(slope=-0.0, factor_values=(0.2, 0.6, 1.0, 1.4, 1.8))
    sweep.results.loc[sweep.results.policy == JOINT, "foreign_killed"] -= 3.0
    text = _text(sweep)
    assert "changes sign" not in text
    assert "loses fewer" in text
    assert "The foreign increment" in text and "joint_escort at equal cost -2.98" in text
    assert "Declared contrasts" not in text  # none declared: none stated
    sweep.meta["experiment"]["contrasts"] = ["joint_escort - domestic_baseline"]
    assert "Declared contrasts, foreign deaths per year: joint_escort - domestic_baseline -2.9" in (
        _text(sweep)
    )
