"""The foreign increment (sim/analysis/increments.py): a joint policy minus its twins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import AnalysisError, foreign_increment, increment_pairs


def _results(shift_personnel: float, shift_cost: float, n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = rng.poisson(5.0, n).astype(float)
    rows = []
    for policy, shift in (
        ("domestic_baseline", 3.0),
        ("joint_escort", 0.0),
        ("joint_escort_twin_personnel", -shift_personnel),
        ("joint_escort_twin_cost", -shift_cost),
    ):
        for r in range(n):
            rows.append(
                dict(
                    policy=policy,
                    replication=r,
                    point=0,
                    status="ok",
                    foreign_killed=base[r] + shift + (r % 3 == 0) * 0.5 * shift,
                )
            )
    return pd.DataFrame(rows)


def test_the_increment_is_joint_minus_twin_on_each_basis():
    res = _results(shift_personnel=1.0, shift_cost=-2.0)
    t = foreign_increment(res, outcomes=["foreign_killed"], n_resamples=999)
    assert set(zip(t.joint, t.basis, strict=True)) == {
        ("joint_escort", "personnel"),
        ("joint_escort", "cost"),
    }
    by = t.set_index("basis")
    joint = res[res.policy == "joint_escort"].foreign_killed.to_numpy()
    for basis in ("personnel", "cost"):
        twin = res[res.policy == f"joint_escort_twin_{basis}"].foreign_killed.to_numpy()
        assert by.loc[basis, "diff"] == pytest.approx((joint - twin).mean())
        assert by.loc[basis, "policy"] == "joint_escort"
    assert by.loc["personnel", "diff"] > 0 > by.loc["cost", "diff"]
    assert by.loc["personnel", "lo"] > 0 and by.loc["cost", "hi"] < 0


def test_without_a_twin_there_is_no_increment():
    res = _results(1.0, 1.0)
    assert increment_pairs(["joint_escort", "domestic_baseline"]) == []
    with pytest.raises(AnalysisError, match="twin"):
        foreign_increment(res[~res.policy.str.contains("twin")], outcomes=["foreign_killed"])
