"""The displacement study (``python -m sim.displacement``): its statistic, and a small run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.studies.displacement import ARMS, displacement, main


def _frame(counts: dict) -> pd.DataFrame:
    """Runs of the four arms: ``counts[(size, rate)]`` is a list of (convoys, sites, unescorted)
    per replication."""
    rows = []
    for (size, rate), per_rep in counts.items():
        for rep, (c, s, u) in enumerate(per_rep):
            rows.append(
                {
                    "replication": rep,
                    "status": "ok",
                    "policy.escort_size": size,
                    "belief_rate": rate,
                    "attacks_on_convoys": c,
                    "attacks_on_sites": s,
                    "attacks_on_unescorted": u,
                }
            )
    return pd.DataFrame(rows)


def test_statistic_by_hand():
    """Pooled shares off convoys: adaptive 2/10 -> 6/10, static 2/10 -> 3/10: +40 vs +10 pp."""
    counts = {
        (6, 0.05): [(4, 1, 0), (4, 0, 1)],
        (14, 0.05): [(2, 2, 1), (2, 1, 2)],
        (6, 0.0): [(4, 1, 0), (4, 1, 0)],
        (14, 0.0): [(3, 1, 1), (4, 1, 0)],
    }
    arms, s = displacement(_frame(counts), boot=200)
    np.testing.assert_allclose(arms.share_off_convoys, [0.2, 0.6, 0.2, 0.3])
    assert s["adaptive"] == pytest.approx(0.4) and s["static"] == pytest.approx(0.1)
    assert s["difference"] == pytest.approx(0.3)
    assert s["lo"] <= s["difference"] <= s["hi"]
    assert list(arms.escort_size) == [size for size, _ in ARMS]


def test_a_missing_arm_is_refused():
    counts = {(6, 0.05): [(4, 1, 0)], (14, 0.05): [(2, 2, 1)], (6, 0.0): [(4, 1, 0)]}
    with pytest.raises(ValueError, match="every arm"):
        displacement(_frame(counts))


@pytest.mark.slow
def test_small_study_runs_and_shows_displacement_only_with_learning(tmp_path):
    """8 paired replications of two years: the CI version of docs/displacement.md."""
    out = tmp_path / "displacement.md"
    assert main(["replications=8", "days=730", "workers=2", f"out={out}"]) == 0
    text = out.read_text()
    assert "Effect of learning" in text and "replications=8" in text
    arms = pd.read_csv(out.with_suffix(".csv"))
    assert len(arms) == 4 and (arms[["attacks_on_convoys", "attacks_on_sites"]].sum() > 0).all()
    keys = zip(arms.escort_size, arms.adversary, strict=True)
    share = dict(zip(keys, arms.share_off_convoys, strict=True))
    adaptive = share[(14, "adaptive")] - share[(6, "adaptive")]
    static = share[(14, "static")] - share[(6, "static")]
    assert adaptive - static > 0.05  # ~+18 pp in the recorded study


@pytest.mark.parametrize("args", [["replications=x"], ["reps=3"], ["replications=1"]])
def test_bad_input_is_refused(args, tmp_path, capsys):
    assert main([*args, f"out={tmp_path / 'd.md'}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "d.md").exists()
