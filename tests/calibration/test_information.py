"""Statistics that carry information of their own, found numerically on simulated logs."""

import numpy as np
import pytest

from sim.calibration.information import monomials, redundancy, synthetic_windows
from sim.calibration.record import DERIVED, FIT, HELD_OUT, STATISTICS


@pytest.fixture(scope="module")
def windows():
    return synthetic_windows(1500, 1)


@pytest.mark.slow
def test_the_declared_roles_are_what_the_numerical_check_finds(windows):
    # in the order fit, held out, derived: every fitted and held-out statistic carries
    # something of its own, and every derived one is a function of those before it
    order = list(FIT) + list(HELD_OUT) + list(DERIVED)
    table = redundancy(windows, order)
    assert table.loc[list(FIT) + list(HELD_OUT), "kept"].all(), table
    assert not table.loc[list(DERIVED), "kept"].any(), table
    assert set(FIT) | set(HELD_OUT) | set(DERIVED) == set(STATISTICS)


@pytest.mark.slow
def test_the_check_finds_the_derived_statistics_in_the_order_they_were_declared(windows):
    # declared as they were before the check: deaths a year among the fitted ones and the
    # unescorted share among the held-out ones, each refused where it stands
    before = list(FIT) + ["deaths_per_year"] + list(HELD_OUT)
    before.insert(before.index("share_site") + 1, "share_unescorted")
    table = redundancy(windows, before)
    assert sorted(table.index[~table["kept"]]) == ["deaths_per_year", "share_unescorted"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, derive",
    [
        ("share_not_convoy", lambda w: 1 - w["share_convoy"]),
        ("lethal_attacks_per_year", lambda w: w["attacks_per_year"] * w["lethal_share"]),
        ("insider_attacks", lambda w: 7 * w["attacks_per_year"] * w["insider_share"]),
    ],
)
def test_a_statistic_added_as_a_function_of_others_is_refused_as_held_out(windows, name, derive):
    table = windows.assign(**{name: derive(windows)})
    result = redundancy(table, list(FIT) + list(HELD_OUT) + [name])
    assert not result.loc[name, "kept"]
    assert result.loc[list(FIT) + list(HELD_OUT), "kept"].all()


@pytest.mark.slow
def test_a_statistic_that_is_close_to_but_not_a_function_of_others_is_kept(windows):
    rng = np.random.default_rng(0)
    noisy = windows["share_convoy"] + rng.normal(0, 1e-3, len(windows))
    result = redundancy(windows.assign(noisy=noisy), list(FIT) + ["noisy"])
    assert result.loc["noisy", "kept"] and result.loc["noisy", "r2"] > 0.99


def test_monomials_up_to_degree_three():
    x = np.array([[2.0, 3.0]])
    # 1; a, b; a2, ab, b2; a3, a2b, ab2, b3
    assert monomials(x).tolist() == [[1, 2, 3, 4, 6, 9, 8, 12, 18, 27]]
