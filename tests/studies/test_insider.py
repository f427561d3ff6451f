"""The insider study (``python -m sim.insider``): its statistic, and a small run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import limiting_scenario, tolerance, two_site_graph

from sim import CorridorModel
from sim.studies.insider import EFFECTS, effects, main


def _frame(values: dict, reps: int = 4) -> pd.DataFrame:
    """Runs of the four arms; ``values[(backlash, vetting)]`` gives each outcome a per-
    replication array."""
    rows = []
    for (b, v), outcome_values in values.items():
        for rep in range(reps):
            rows.append(
                {
                    "replication": rep,
                    "status": "ok",
                    "backlash": b,
                    "policy.vetting": v,
                    **{o: float(x[rep]) for o, x in outcome_values.items()},
                }
            )
    return pd.DataFrame(rows)


def test_main_effects_by_hand():
    """tips: 10 -> 6 with the backlash at either vetting level (-4); leaks 3 -> 1 with vetting
    (-2); interactions average out; a constant effect has a zero-width interval."""
    outcomes = ["tips", "plots_interdicted", "mean_legitimacy", "itineraries_leaked"]
    outcomes += ["insider_attacks", "cell_years"]
    rep = np.arange(4.0)

    def arm(tips, leaks):
        return {o: rep + 1.0 for o in outcomes} | {
            "tips": rep + tips,
            "itineraries_leaked": rep + leaks,
        }

    values = {
        (0.004, 0.0): arm(10, 3),
        (0.016, 0.0): arm(6, 3),
        (0.004, 1.0): arm(10, 1),
        (0.016, 1.0): arm(6, 1),
    }
    means, table = effects(_frame(values))
    assert len(means) == 4 and len(table) == len(EFFECTS)
    row = table.set_index("outcome").loc["tips"]
    assert row.effect == pytest.approx(-4.0) and row.lo == pytest.approx(-4.0)
    assert row.as_predicted
    leaks = table.set_index("outcome").loc["itineraries_leaked"]
    assert leaks.effect == pytest.approx(-2.0) and leaks.as_predicted
    none = table.set_index("outcome").loc["insider_attacks"]
    assert none.effect == 0.0 and not none.as_predicted


def test_a_missing_arm_is_refused():
    frame = _frame({(0.004, 0.0): {"tips": [1, 2]}}, reps=2)
    with pytest.raises(ValueError, match="every arm"):
        effects(frame)


@pytest.mark.slow
def test_small_study_runs_and_finds_the_mechanisms(tmp_path):
    """6 paired replications of two years: the CI version of docs/insider.md."""
    out = tmp_path / "insider.md"
    assert main(["replications=6", "days=730", "workers=2", f"out={out}"]) == 0
    text = out.read_text()
    assert "replications=6" in text and "| 0.005 | backlash 0.004 -> 0.016 | `tips` |" in text
    assert "| 0.05 | backlash 0.004 -> 0.016 | `tips` |" in text
    means = pd.read_csv(out.with_suffix(".csv"))
    assert len(means) == 8 and set(means.tip_interdiction) == {0.005, 0.05}
    low, high = (means[means.backlash == b] for b in (0.004, 0.016))
    assert high.tips.mean() < low.tips.mean()  # less legitimacy, fewer tips
    unvetted, vetted = (means[means.vetting == v] for v in (0.0, 1.0))
    assert vetted.itineraries_leaked.mean() < unvetted.itineraries_leaked.mean()


@pytest.mark.parametrize("args", [["replications=x"], ["seed=3"], ["replications=1"]])
def test_bad_input_is_refused(args, tmp_path, capsys):
    assert main([*args, f"out={tmp_path / 'i.md'}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "i.md").exists()


# ---- the mechanisms in the model -------------------------------------------------------------
def test_insider_attacks_follow_guards_grievance_and_vetting():
    """Each of g host guards turns at departure with p = rate x G / 0.2 x (1 - e v): a trip meets
    an insider attack with 1 - (1 - p)^g, and each passenger dies with insider_lethality."""
    rate, guards, effect, vetting, lethality = 0.01, 3, 0.6, 0.5, 0.3
    sc = limiting_scenario(
        days=60,
        threat=dict(insider_rate=rate, vetting_effect=effect, insider_lethality=lethality),
        policy=dict(escort_units=10_000, escort_size=guards, vetting=vetting),
    ).replace(population={"hardship": 0.8, "legitimacy0": 0.5})  # G = 0.4
    model = CorridorModel(sc).run()
    out, ev = model.outcomes(), model.events
    p = rate * (0.4 / 0.2) * (1 - effect * vetting)
    expected = 1 - (1 - p) ** guards
    n = int(out["trips_started"])
    assert n > 2000 and out["attacks_attempted"] == 0
    assert abs(out["insider_attacks"] / n - expected) < tolerance(expected, n)
    hits = ev[ev.event == "insider"]
    assert len(hits) == out["insider_attacks"] and set(hits.target) == {"convoy"}
    people = int(hits.passengers.sum())
    assert abs(hits.foreign_killed.sum() / people - lethality) < tolerance(lethality, people)
    assert out["foreign_killed"] == out["foreign_killed_on_convoys"] == hits.foreign_killed.sum()
    assert out["trips_completed"] == n - out["insider_attacks"]  # an insider attack ends a trip


def test_guards_at_sites_turn_at_their_daily_rate():
    """Each site's g host guards, daily: 1 - (1 - p)^g, p = rate at the reference grievance."""
    rate, guards, days = 0.004, 4, 400
    sc = limiting_scenario(
        days=days,
        trips_per_day=0.0,
        threat=dict(insider_rate=rate, insider_lethality=0.5),
        policy=dict(site_guards=guards),
        demand=dict(camp_staff=6, office_staff=3),
    )
    model = CorridorModel(sc, graph=two_site_graph()).run()
    out, ev = model.outcomes(), model.events
    expected = 1 - (1 - rate) ** guards
    n = 2 * days  # two sites, one draw each a day
    assert abs(out["insider_attacks"] / n - expected) < tolerance(expected, n)
    assert set(ev.target) == {"site"} and set(ev.event) == {"insider"}
    assert out["foreign_killed_at_sites"] == out["foreign_killed"] == ev.foreign_killed.sum()


@pytest.mark.parametrize("effect", [0.0, 1.5])
def test_joint_raids_multiply_the_interdiction_hazard(effect):
    """Every raid joint: a cell is rolled up on the first day with 1 - exp(-h0 (1 + r))."""
    h0, cells = 0.05, 4000
    sc = limiting_scenario(
        days=1,
        trips_per_day=0.0,
        threat=dict(cells=cells, interdiction_rate=h0, raid_effect_foreign=effect),
        policy=dict(force="joint", foreign_raids=1.0),
    )
    out = CorridorModel(sc).run().outcomes()
    expected = 1 - np.exp(-h0 * (1 + effect))
    assert abs(out["plots_interdicted"] / cells - expected) < tolerance(expected, cells)
    assert out["raids_joint"] == out["plots_interdicted"]
