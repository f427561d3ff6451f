"""Attacks and their toll by mode and actor, counted from an event log by hand."""

import pandas as pd
import pytest

from sim.analysis.breakdown import attack_breakdown


def test_a_hand_made_log_is_counted_by_mode_and_actor():
    events = pd.DataFrame(
        dict(
            event=["attack", "attack", "foiled", "insider", "interdiction"],
            mode=["vbied", "vbied", "ied", pd.NA, pd.NA],
            actor=["baloch", "ttp", "baloch", pd.NA, pd.NA],
            foreign_killed=[3, 0, 0, 1, 0],
            foreign_injured=[1, 2, 0, 0, 0],
            guards_killed=[2, 1, 0, pd.NA, 0],
            foreign_guards_killed=[1, 0, 0, pd.NA, pd.NA],
            civilians_killed=[4, 0, 0, 0, 3],
        )
    )
    by_mode = attack_breakdown(events)
    assert by_mode.loc["vbied"].to_dict() == dict(
        attacks=2, foiled=0, lethal=1, foreign_killed=3, foreign_injured=3,
        host_guards_killed=2, foreign_guards_killed=1, civilians_killed=4,
    )  # fmt: skip
    assert by_mode.loc["ied", "foiled"] == 1 and by_mode.loc["ied", "attacks"] == 0
    assert by_mode.loc["insider", "foreign_killed"] == 1
    both = attack_breakdown(events, ["actor", "mode"])
    assert both.loc[("baloch", "vbied"), "attacks"] == 1
    assert both["attacks"].sum() == 3  # the raid is no attack
    with pytest.raises(KeyError, match="no column 'colour'"):
        attack_breakdown(events, "colour")


def test_a_log_from_the_modes_off_is_all_small_arms_by_the_generic_threat():
    events = pd.DataFrame(
        dict(event=["attack", "foiled"], foreign_killed=[1, 0], guards_killed=[1, 0])
    )
    table = attack_breakdown(events, ["actor", "mode"])
    assert list(table.index) == [("generic", "small_arms")]
    assert table.iloc[0].attacks == 1 and table.iloc[0].host_guards_killed == 1
