"""Shapley decomposition of a policy's effect among lever groups, against known shares."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenarios.schema import ScenarioError
from sim import load_scenario
from sim.studies.decompose import decompose
from sim.studies.levers import LeverGroup, apply_groups, lever_groups, shapley


def _values(players, v):
    return {
        frozenset(c): v(frozenset(c))
        for k in range(len(players) + 1)
        for c in itertools.combinations(players, k)
    }


def test_shapley_of_an_additive_game_is_each_players_part():
    a = {"x": 1.0, "y": -2.0, "z": 5.0}
    phi = shapley(_values(list(a), lambda s: sum(a[p] for p in s)), list(a))
    assert phi == pytest.approx(a)


def test_shapley_splits_interactions_evenly_among_those_who_interact():
    # v = x + 2y + 3 [x and y] + 6 [x and y and z]: phi_x = 1 + 1.5 + 2, phi_y = 2 + 1.5 + 2
    def v(s):
        return ("x" in s) + 2 * ("y" in s) + 3 * ({"x", "y"} <= s) + 6 * ({"x", "y", "z"} <= s)

    phi = shapley(_values(["x", "y", "z"], v), ["x", "y", "z"])
    assert phi == pytest.approx({"x": 4.5, "y": 5.5, "z": 2.0})
    assert sum(phi.values()) == pytest.approx(v({"x", "y", "z"}) - v(set()))


def test_the_default_groups_rebuild_the_policy_and_separate_swap_from_size():
    base = load_scenario(policy="domestic_baseline").policy
    for name in ("joint_escort", "joint_command", "joint_escort_equal_cost", "domestic_surge"):
        target = load_scenario(policy=name).policy
        groups = lever_groups(target, base)
        assert 1 <= len(groups) <= 6
        rebuilt = apply_groups(base, groups, name)
        assert rebuilt.to_dict() == target.to_dict()
    groups = {g.name: g for g in lever_groups(load_scenario(policy="joint_escort").policy, base)}
    swap = apply_groups(base, [groups["swap host for foreign guards"]], "swap")
    assert (swap.escort_size, swap.foreign_per_escort) == (2, 4)  # 6 people, 4 foreign
    size = apply_groups(base, [groups["team size"]], "size")
    assert (size.escort_size, size.foreign_per_escort, size.force) == (10, 0, "domestic")


def test_decompose_recovers_known_shares_with_interactions():
    """A synthetic outcome of the levers, with an interaction, and noise shared within a seed."""

    def outcome(policy, seed):
        rng = np.random.default_rng(seed)
        foreign = policy.foreign_per_escort > 0
        larger = policy.escort_size + policy.foreign_per_escort > 6
        armor = policy.armored_share > 0.3
        vetted = policy.vetting > 0
        value = 10.0 - 3.0 * foreign - 1.0 * larger - 2.0 * armor + 0.5 * vetted
        value -= 4.0 * (foreign and armor)  # interaction: split 2 / 2
        return value + rng.normal(0.0, 1.0)  # common to every combination of a seed

    table = decompose("joint_command", replications=12, evaluate=outcome)
    expected = {
        "swap host for foreign guards": -5.0,
        "team size": -1.0,
        "armor": -4.0,
        "vetting": 0.5,
        "joint planning and raids": 0.0,  # joint_command's; this outcome ignores them
        "site hardening": 0.0,  # the same
    }
    assert list(table.index) == [*expected, "total"]
    for name, share in expected.items():
        assert table.loc[name, "share"] == pytest.approx(share, abs=1e-9), name
        assert table.loc[name, "lo"] <= share <= table.loc[name, "hi"]
    assert table.loc["total", "share"] == pytest.approx(sum(expected.values()))
    assert table.attrs["policy"] == "joint_command"


def test_decompose_runs_the_model_and_its_shares_add_up():
    table = decompose("joint_escort", outcome="foreign_killed", replications=3, days=60)
    shares = table.drop(index="total").share
    assert shares.sum() == pytest.approx(table.loc["total", "share"])
    assert set(shares.index) == {"swap host for foreign guards", "team size"}


def test_groups_that_do_not_rebuild_the_policy_are_refused():
    with pytest.raises(ScenarioError, match="must give"):
        decompose("joint_escort", groups=[LeverGroup("vetting", set={"vetting": 0.3})])
    with pytest.raises(ScenarioError, match="1 to 6"):
        decompose("joint_escort", groups=[])


# ---- break-even values -----------------------------------------------------------------------
def _synthetic_sweep(slope, tie=0.7, points=60, reps=2, noise=0.5, seed=1):
    """Paired runs over design points of ``foreign_effect_ratio``: d = slope (x - tie) + noise."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for p in range(points):
        x = 0.2 + 2.2 * (p + rng.random()) / points
        for r in range(reps):
            base = rng.poisson(5.0)
            d = slope * (x - tie) + rng.normal(0.0, noise)
            for policy, value in (("domestic_baseline", base), ("joint_escort", base + d)):
                rows.append(
                    dict(
                        policy=policy,
                        point=p,
                        replication=r,
                        status="ok",
                        foreign_effect_ratio=x,
                        foreign_killed=value,
                    )
                )
    return pd.DataFrame(rows)


def test_break_even_finds_a_known_tie_with_an_interval():
    from sim.analysis import break_even

    out = break_even(_synthetic_sweep(-3.0), "threat.foreign_effect_ratio", "joint_escort")
    assert out.verdict == "tie inside the explored range"
    assert out.lo <= 0.7 <= out.hi and out.hi - out.lo < 0.3
    assert out.value == pytest.approx(0.7, abs=0.1) and out.slope < 0


def test_break_even_says_when_there_is_no_trend_or_no_tie():
    from sim.analysis import break_even

    flat = break_even(_synthetic_sweep(0.0), "threat.foreign_effect_ratio", "joint_escort")
    assert flat.verdict == "no clear trend" and np.isnan(flat.value)
    far = break_even(_synthetic_sweep(-3.0, tie=5.0), "threat.foreign_effect_ratio", "joint_escort")
    assert far.verdict == "no tie inside the explored range" and far.value > far.range_hi


# ---- year by year ----------------------------------------------------------------------------
def test_year_by_year_outcomes_add_up_to_the_totals():
    from sim import run
    from sim.analysis import YEARLY, by_year

    r = run(policy="domestic_baseline", threat="high", seed=3, days=800)
    years = by_year(r.events, 800, by=None)
    assert list(years.year) == [1, 2, 3] and list(years.days_in_year) == [365, 365, 70]
    for k in YEARLY:
        assert years[k].sum() == r.outcomes[k], k
    assert years.foreign_killed.iloc[:2].min() >= 0 and years.attacks_attempted.sum() > 0


def test_year_by_year_from_a_sweeps_event_log(tmp_path):
    import pandas as pd

    from sim import sweep
    from sim.analysis import YEARLY, by_year

    results = sweep(
        policies=["domestic_baseline", "joint_escort"],
        threats=["high"],
        replications=2,
        days=400,
        seed=5,
        events=True,
        out=tmp_path / "s",
        progress=False,
    )
    events = pd.read_parquet(tmp_path / "s" / "_events")
    years = by_year(events, 400, runs=results.run_id)
    assert len(years) == 2 * len(results)
    totals = years.groupby("run_id")[list(YEARLY)].sum()
    for k in YEARLY:
        assert (totals[k] == results.set_index("run_id")[k].astype(int)).all(), k
