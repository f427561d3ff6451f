"""The event-driven engine is the hourly model of v0.1.0: paired TOST against recorded runs.

The full study (300 runs of each policy) is ``python -m sim.equivalence`` and
``docs/equivalence.md``; here the first 12 replications of each policy are rerun (the same seeds
as the reference) and every outcome must be equivalent within a tenth of the reference's
run-to-run standard deviation.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.outcomes import OUTCOMES
from sim.studies.equivalence import (
    MARGIN_SD,
    NEWER,
    REPINNED,
    equivalence,
    load_reference,
    run_new,
    tost,
)


def test_tost_decides_by_the_interval():
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 1.0, 400)
    assert tost(noise, margin=0.3)["equivalent"]  # interval about +-0.08 inside +-0.3
    assert not tost(noise + 0.5, margin=0.3)["equivalent"]  # a shift beyond the margin
    assert not tost(noise[:5], margin=0.3)["equivalent"]  # too few runs to show it
    out = tost(np.full(10, 0.2), margin=0.3)  # no spread: the point decides
    assert out["equivalent"] and out["low"] == out["high"] == pytest.approx(0.2)
    assert not tost(np.full(10, 0.4), margin=0.3)["equivalent"]


@pytest.fixture(scope="module")
def reference():
    ref = load_reference()
    assert len(ref) == 1800 and ref.groupby("policy").size().eq(300).all()
    assert set(OUTCOMES) - set(NEWER) <= set(ref.columns)
    return ref


@pytest.mark.slow
def test_the_engine_is_equivalent_to_the_recorded_hourly_model(reference):
    new = run_new(12)
    table = equivalence(new, reference)
    assert len(table) == 6 * (len(OUTCOMES) - len(NEWER))
    bad = table[~table.equivalent & ~table.repinned]
    assert bad.empty, bad[["policy", "outcome", "mean", "low", "high", "margin"]].to_string()
    # a re-pin is an outcome an insider attack's casualties move, and only those
    assert set(REPINNED) <= set(OUTCOMES) and len(REPINNED) <= 8
    assert all("casualties" in why for why in REPINNED.values())
    # most outcomes are not just equivalent but the same, run by run: the same trips and draws
    assert table.identical.mean() > 0.7
    # a model that drives 10% slower is not the same model: the test can fail
    slow = run_new(12, policies=["domestic_baseline"], demand__speed_factor=0.72)
    hours = equivalence(slow, reference).set_index("outcome").loc["foreign_person_hours"]
    assert not hours.equivalent and hours["mean"] > 10 * MARGIN_SD * hours.sd_ref
