"""The insider study (``python -m sim.insider``): its statistic, and a small run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.insider import EFFECTS, effects, main


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
    outcomes.append("insider_attacks")
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


def test_small_study_runs_and_finds_the_mechanisms(tmp_path):
    """6 paired replications of two years: the CI version of docs/insider.md."""
    out = tmp_path / "insider.md"
    assert main(["replications=6", "days=730", "workers=2", f"out={out}"]) == 0
    text = out.read_text()
    assert "replications=6" in text and "| backlash 0.004 -> 0.016 | `tips` |" in text
    means = pd.read_csv(out.with_suffix(".csv"))
    assert len(means) == 4
    low, high = (means[means.backlash == b] for b in (0.004, 0.016))
    assert high.tips.mean() < low.tips.mean()  # less legitimacy, fewer tips
    unvetted, vetted = (means[means.vetting == v] for v in (0.0, 1.0))
    assert vetted.itineraries_leaked.mean() < unvetted.itineraries_leaked.mean()


@pytest.mark.parametrize("args", [["replications=x"], ["seed=3"], ["replications=1"]])
def test_bad_input_is_refused(args, tmp_path, capsys):
    assert main([*args, f"out={tmp_path / 'i.md'}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "i.md").exists()
