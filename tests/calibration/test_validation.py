"""Validation of the calibrated model on what the fit did not see, and a check that can fail.

The full model is validated on the held-out statistics only (``sim.calibration.record.HELD_OUT``);
the variants without sites and without insiders must fail checks the full model passes. The
posterior draws and seeds are fixed, so these are exact, repeatable checks, not flaky ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibration.record import FIT, HELD_OUT
from sim.calibration.validate import (
    VARIANTS,
    Validation,
    predictive_checks,
    predictive_p,
    target_checks,
)

DRAWS = 20
VARIANT_DRAWS = 6


def test_predictive_p_by_hand():
    # mid-p: a tie counts half in each tail
    assert predictive_p([0, 1, 2, 3], 0) == 0.25  # 2 x (P(T < 0) + P(T = 0) / 2) = 2 x 1/8
    assert predictive_p([1, 1, 1], 5) == 0.0
    assert predictive_p(range(1, 11), 5.5) == 1.0  # no tie: the usual two-sided p
    assert predictive_p([0, 0, 0, 1], 1) == 0.25  # 2 x (0 + 1/8)
    assert predictive_p([2, 2, 2, 2], 2) == 1.0  # all ties: min(1, 2 x 1/2)
    assert predictive_p([], 1) != predictive_p([], 1)  # nan


#: The held-out statistic the model predicts worst (docs/validation.md): seven of the record's
#: twelve attacks were in Sindh, all in Karachi; the model places cells by the number of nodes
#: and the grievance of each region and predicts a fifth to a third there. Its check fails (the
#: observed 0.583 lies above the predictive interval over 200 draws), so here it is pinned as an
#: under-prediction.
AT_THE_EDGE = "share_sindh"


@pytest.mark.slow
def test_the_full_model_passes_the_held_out_checks_and_the_variants_fail():
    """One test, so the full model's draws run once on one worker.

    The full model passes every held-out predictive check (the Sindh share is pinned as an
    under-prediction); without sites the model fails the held-out site share, without insiders
    the insider-aided share (fitted: two cases are too few to hold out), both of which the full
    model passes.
    """
    full = predictive_checks(DRAWS, workers=2)
    held = full.loc[[s for s in HELD_OUT if s != AT_THE_EDGE]]
    assert held.passes.all(), held[["observed", "predictive_lo", "predictive_hi", "p_value"]]
    sindh = full.loc[AT_THE_EDGE]
    assert sindh.predictive_median < sindh.observed / 2  # its p-value is near 0.05

    no_sites = predictive_checks(VARIANT_DRAWS, 2, VARIANTS["without sites"][0])
    assert no_sites.loc["share_site", "predictive_hi"] == 0.0  # no site, no site attack
    assert no_sites.loc["share_site", "p_value"] < 0.05 <= full.loc["share_site", "p_value"]
    assert "share_site" in HELD_OUT

    no_insiders = predictive_checks(VARIANT_DRAWS, 2, VARIANTS["without insiders"][0])
    assert no_insiders.loc["insider_share", "predictive_hi"] == 0.0
    p_variant, p_full = (t.loc["insider_share", "p_value"] for t in (no_insiders, full))
    assert p_variant < 0.05 <= p_full
    assert "insider_share" in FIT


def test_the_calibrated_baseline_reproduces_the_fitted_targets_and_the_site_share():
    """Over 28 simulated years. The unescorted share is below the record's (docs/validation.md)."""
    table = target_checks(replications=28, workers=2)
    targets = table.loc[[*FIT, "share_site"]]
    assert targets.within.all(), targets[["observed_lo", "simulated", "observed_hi"]]
    unescorted = table.loc["share_unescorted"]
    assert unescorted.simulated < unescorted.observed / 2


def test_the_verdict_needs_held_out_passes_and_failing_variants():
    """Validation.ok is false when a variant passes or the full model fails (it can fail)."""
    import pandas as pd

    from sim.calibration.record import STATISTICS

    full = pd.DataFrame({"p_value": 0.5, "passes": True}, index=list(STATISTICS))
    targets = full.assign(within=True)
    failing = full.assign(passes=full.index != "share_site")
    v = Validation(targets, full, {"variant": (targets, failing)})
    assert v.held_out_pass and v.variant_failures("variant") == ["predictive: share_site"]
    assert v.ok
    assert not Validation(targets, full, {"variant": (targets, full)}).ok
    assert not Validation(targets, failing, {"variant": (targets, failing)}).ok


@pytest.mark.parametrize(
    "args",
    [
        ["draws=5"],
        ["nonsense=1"],
        ["workers=x"],
        ["variant_draws=0"],
        ["posterior=/nonexistent.csv"],
    ],
)
def test_the_validate_command_refuses_bad_input_and_writes_nothing(tmp_path, capsys, args):
    from sim.calibration.validate import main

    out = tmp_path / "validation.md"
    assert main([*args, f"out={out}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not out.exists()


def test_the_verdict_is_the_printed_interval_at_its_boundary():
    """A share observed just above the predictive interval fails though its p reads 0.05."""
    from sim.calibration.validate import check, inside

    # 200 draws of a share: 195 at or below 0.572, five above it; observed 0.583 (7 of 12)
    x = np.r_[np.linspace(0.0, 0.572, 195), [0.6, 0.65, 0.7, 0.75, 0.8]]
    r = check(x, 7 / 12)
    assert r["predictive_hi"] < 7 / 12 and not r["passes"]
    assert r["p_value"] == pytest.approx(0.05)  # five of 200 above, no tie: 2 x 5/200
    # on the boundary itself the observed value is inside, so it passes
    assert check(x, float(r["predictive_hi"]))["passes"]
    assert inside(0.572, 0.0, 0.572) and not inside(0.5721, 0.0, 0.572)
    # ties count half in each tail: 100 zeros and 100 ones observed at 1 give 2 x 1/4 = 0.5
    # (counting the ties in both tails gave 2 x P(T >= 1) = 1)
    assert check(np.r_[np.zeros(100), np.ones(100)], 1.0)["p_value"] == 0.5
    # and a discrete statistic with most mass at the observed value is not conservative:
    # old rule 2 x P(T >= 2) = 2 x 0.6 -> 1; mid-p 2 x (0.1 + 0.25) = 0.7
    y = np.r_[np.zeros(40), np.full(50, 2.0), np.full(10, 3.0)]
    assert check(y, 2.0)["p_value"] == pytest.approx(0.7)
