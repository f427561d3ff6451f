"""The conditions study (sim/studies/conditions.py) on synthetic sweeps with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.studies.conditions import (
    BACKLASH,
    RATIO,
    break_even_ratio,
    conditions,
    conditions_markdown,
    fit_arm,
    point_table,
    sentence,
)

JOINT, TWIN = "joint_escort", "joint_escort_twin_cost"


def synthetic(a: float, b: float, twin_mean: float, points=200, reps=5, seed=1):
    """Joint deaths ~ Poisson(exp(a - b x)) at effect ratio x, the twin's Poisson(twin_mean):
    the increment is 0 where x* = (a - ln twin_mean) / b."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.2, 2.0, points)
    back = rng.uniform(0.0, 0.02, points)
    pts = [{RATIO: float(xi), BACKLASH: float(bi)} for xi, bi in zip(x, back, strict=True)]
    rows = []
    for p, xi in enumerate(x):
        for r in range(reps):
            rows.append(
                dict(
                    policy=JOINT,
                    point=p,
                    replication=r,
                    status="ok",
                    foreign_killed=rng.poisson(math.exp(a - b * xi)),
                )
            )
            rows.append(
                dict(
                    policy=TWIN,
                    point=p,
                    replication=r,
                    status="ok",
                    foreign_killed=rng.poisson(twin_mean),
                )
            )
    frame = pd.DataFrame(rows)
    frame.attrs["days"] = 365
    return frame, pts


@pytest.mark.slow
def test_the_break_even_ratio_is_found_with_an_interval_that_covers_it():
    a, b, c = math.log(6.0), 1.2, 3.0  # x* = ln 2 / 1.2 = 0.578
    truth = (a - math.log(c)) / b
    frame, pts = synthetic(a, b, c)
    out = conditions(frame, pts, {RATIO: 0.8, BACKLASH: 0.004}, boot=100)
    r = out[(JOINT, "cost")]
    be = r["break_even"]
    assert be["lo"] < truth < be["hi"] and abs(be["break_even"] - truth) < 0.15
    assert be["hi"] - be["lo"] < 0.6
    # backlash does nothing here: the curve holds the same zero
    assert np.allclose(r["curve"].break_even, truth, atol=0.2)
    text = sentence(JOINT, "cost", r)
    assert "only where the foreign effect ratio is above" in text and "At equal cost" in text
    assert "lowers foreign deaths" in conditions_markdown(out, 365, "python -m sim.conditions")


def test_no_zero_in_range_is_said_and_no_threshold_printed():
    frame, pts = synthetic(math.log(2.0), 0.1, 4.0)  # the joint arm better everywhere
    r = conditions(frame, pts, {RATIO: 0.8, BACKLASH: 0.004}, boot=50)[(JOINT, "cost")]
    assert not np.isfinite(r["break_even"]["break_even"])
    text = sentence(JOINT, "cost", r)
    assert "lowers foreign deaths over the whole explored range" in text
    assert "only where" not in text


def test_the_glm_recovers_known_coefficients_and_pairs_are_classed_with_ties():
    frame, pts = synthetic(math.log(6.0), 1.2, 3.0, points=400)
    table = point_table(frame, pts, JOINT, "cost")
    coef = fit_arm(table, "joint", [RATIO, BACKLASH])
    assert coef[0] == pytest.approx(math.log(6.0), abs=0.15)
    assert coef[1] == pytest.approx(-1.2, abs=0.3)
    assert set(table.klass) <= {"better", "worse", "tie"}
    tied = table.groupby("point").apply(lambda g: bool((g["diff"] == 0).all()))
    assert (table.groupby("point").klass.first()[tied] == "tie").all()
    coefs = {"joint": coef, "twin": fit_arm(table, "twin", [RATIO, BACKLASH])}
    x = break_even_ratio(coefs, {RATIO: 0.8, BACKLASH: 0.0}, [RATIO, BACKLASH], 0.2, 2.0)
    assert x == pytest.approx(math.log(2.0) / 1.2, abs=0.15)
