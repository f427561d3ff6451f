"""Validation of the calibrated model on what the fit did not see, and a check that can fail.

The full model is validated on the held-out statistics only (``sim.record.HELD_OUT``); the
variants without sites and without insiders must fail checks the full model passes. The
posterior draws and seeds are fixed, so these are exact, repeatable checks, not flaky ones.
"""

from __future__ import annotations

import pytest

from sim.record import FIT, HELD_OUT
from sim.validate import VARIANTS, Validation, predictive_checks, predictive_p, target_checks

DRAWS = 40
VARIANT_DRAWS = 12


def test_predictive_p_by_hand():
    assert predictive_p([0, 1, 2, 3], 0) == 0.5  # P(T <= 0) = 1/4, two-sided
    assert predictive_p([1, 1, 1], 5) == 0.0
    assert predictive_p(range(1, 11), 5.5) == 1.0
    assert predictive_p([0, 0, 0, 1], 1) == 0.5
    assert predictive_p([], 1) != predictive_p([], 1)  # nan


@pytest.fixture(scope="module")
def full():
    return predictive_checks(DRAWS, workers=2)


#: The held-out statistic the model gets wrong (docs/validation.md): seven of the record's twelve
#: attacks were in Sindh, mostly Karachi; the model places cells by the number of nodes and the
#: grievance of each region and predicts about a fifth there. Pinned so that a change shows.
KNOWN_FAILURE = "share_sindh"


def test_the_full_model_passes_every_held_out_predictive_check_but_one(full):
    held = full.loc[[s for s in HELD_OUT if s != KNOWN_FAILURE]]
    assert held.passes.all(), held[["observed", "predictive_lo", "predictive_hi", "p_value"]]
    sindh = full.loc[KNOWN_FAILURE]
    assert not sindh.passes and sindh.predictive_hi < sindh.observed


def test_without_sites_the_model_fails_a_held_out_check_the_full_model_passes(full):
    variant = predictive_checks(VARIANT_DRAWS, 2, VARIANTS["without sites"][0])
    assert (variant.loc["share_site", "predictive_hi"]) == 0.0  # no site, no site attack
    assert variant.loc["share_site", "p_value"] < 0.05 <= full.loc["share_site", "p_value"]
    assert "share_site" in HELD_OUT


def test_without_insiders_the_model_fails_the_insider_share_the_full_model_passes(full):
    variant = predictive_checks(VARIANT_DRAWS, 2, VARIANTS["without insiders"][0])
    assert variant.loc["insider_share", "predictive_hi"] == 0.0
    assert variant.loc["insider_share", "p_value"] < 0.05 <= full.loc["insider_share", "p_value"]
    assert "insider_share" in FIT  # two insider cases are too few to hold out (docs/validation.md)


def test_the_calibrated_baseline_reproduces_every_target_within_its_interval():
    """The fitted statistics and the target mix, over 49 simulated years (calibration)."""
    table = target_checks(replications=49, workers=2)
    targets = table.loc[[*FIT, "share_site", "share_unescorted"]]
    assert targets.within.all(), targets[["observed_lo", "simulated", "observed_hi"]]


def test_the_verdict_needs_held_out_passes_and_failing_variants(full):
    """Validation.ok is false when a variant passes or the full model fails (it can fail)."""
    targets = full[["observed"]].assign(within=True)
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
    from sim.validate import main

    out = tmp_path / "validation.md"
    assert main([*args, f"out={out}"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not out.exists()
