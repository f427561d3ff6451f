"""The record's patterns by mode, actor and time of day; the current coding unchanged by them."""

import numpy as np
import pandas as pd
import pytest

from sim.calibration.patterns import (
    classify,
    observed_patterns,
    pattern_statistics,
    simulated_patterns,
)
from sim.calibration.record import load_incidents, observed

#: The fourteen statistics of the current coding before the record gained its mode, actor,
#: time-of-day, status and coding-note columns and four candidate rows (version 0.2).
BEFORE = {
    "attacks_per_year": 12 / 7,
    "share_convoy": 7 / 12,
    "insider_share": 2 / 12,
    "lethal_share": 5 / 12,
    "deaths_per_lethal_attack": 4.0,
    "deaths_per_year": 20 / 7,
    "share_site": 3 / 12,
    "share_unescorted": 2 / 12,
    "share_sindh": 7 / 12,
    "share_balochistan": 3 / 12,
    "lethal_share_convoy": 4 / 7,
    "host_killed_per_attack": 13 / 12,
    "years_without_attack": 2.0,
    "most_in_a_year": 4.0,
}


def test_the_new_columns_and_candidate_rows_change_no_statistic():
    assert observed() == pytest.approx(BEFORE, rel=0, abs=1e-15)
    rows = load_incidents()
    assert set(rows.status) >= {"core", "contested", "candidate"}
    # the candidates are in the window and would move the statistics if they counted
    assert (rows[rows.status == "candidate"].date.dt.year.between(2018, 2024)).sum() == 4


def test_the_record_is_classed_by_mode_actor_and_time_of_day():
    df = classify(load_incidents())
    by_date = df.set_index(df.date.dt.strftime("%Y-%m-%d"))
    assert by_date.loc["2021-07-14", "mode_class"] == "vbied"
    assert by_date.loc["2021-07-14", "actor_family"] == "ttp"  # "TTP ... blamed", not BLA
    assert by_date.loc["2022-04-26", "mode_class"] == "suicide_foot"
    assert by_date.loc["2022-09-28", "actor_family"] == "sindhi"
    assert by_date.loc["2024-11-05", "mode_class"] == "insider"
    assert by_date.loc["2024-10-06", "night"]
    assert not by_date.loc["2024-03-26", "night"]
    got = observed_patterns().set_index("statistic")
    assert got.loc["mode_vbied", "count"] == "4 of 12"
    assert got.loc["suicide_share_lethal_convoy", "count"] == "4 of 4"
    assert got.loc["family_baloch", "count"] == "7 of 12"
    assert got.loc["region_kp", "count"] == "2 of 12"
    assert got.loc["night_share", "count"] == "1 of 12"
    assert (got.lo <= got.observed).all() and (got.observed <= got.hi).all()


def test_record_and_simulated_logs_go_through_one_definition():
    events = pd.DataFrame(
        dict(
            event=["attack", "attack", "insider", "foiled"],
            target=["convoy", "site", "site", "convoy"],
            region=["Sindh", "Khyber Pakhtunkhwa", "Sindh", "Sindh"],
            mode=["vbied", "small_arms", pd.NA, "ied"],
            family=["baloch", "ttp", pd.NA, "sindhi"],
            night=[True, False, False, True],
            foreign_killed=[2, 0, 1, 0],
        )
    )
    got = simulated_patterns(events)
    want = pattern_statistics(
        ["convoy", "site", "site"],
        ["Sindh", "Khyber Pakhtunkhwa", "Sindh"],
        ["vbied", "small_arms", "insider"],
        ["baloch", "ttp", "generic"],
        [True, False, False],
        [2, 0, 1],
    )
    assert got == want
    assert got["mode_vbied"] == pytest.approx(1 / 3)
    assert got["suicide_share_lethal_convoy"] == 1.0
    assert got["night_share"] == pytest.approx(1 / 3)
    # a log from the modes off: every attack the headcount contest
    old = events.drop(columns=["mode", "family", "night"])
    assert simulated_patterns(old)["mode_small_arms"] == pytest.approx(2 / 3)
    assert simulated_patterns(old)["night_share"] == 0.0
    assert np.isclose(sum(got[f"mode_{m}"] for m in ("vbied", "small_arms", "insider")), 1.0)


def test_check_four_prints_each_pattern_beside_the_record():
    from sim.calibration.mechanisms import RECORD_OVERRIDES, section
    from sim.calibration.patterns import PATTERNS
    from sim.calibration.predictive import check
    from sim.calibration.record import STATISTICS

    record = observed_patterns().set_index("statistic")
    rng = np.random.default_rng(0)
    rows = []
    for name in PATTERNS:
        got = check(rng.uniform(0.0, 0.2, 50), float(record.loc[name, "observed"]))
        rows.append({"statistic": name, "record_lo": record.loc[name, "lo"],
                     "record_hi": record.loc[name, "hi"], "count": record.loc[name, "count"],
                     **got})  # fmt: skip
    patterns = pd.DataFrame(rows).set_index("statistic")
    stats = pd.DataFrame(
        [{"statistic": s, **check(rng.uniform(0, 1, 50), 0.5)} for s in STATISTICS]
    ).set_index("statistic")
    text = "\n".join(section(patterns, stats, 50))
    assert "attacks.modes=true" in RECORD_OVERRIDES and "attacks.actors=cpec" in RECORD_OVERRIDES
    assert text.count("| share of") >= len(PATTERNS)
    night = next(
        line for line in text.splitlines() if line.startswith("| share of attacks at night")
    )
    assert "(1 of 12)" in night and night.endswith("| yes |")  # 0.083 inside 0-0.2
    suicide = next(line for line in text.splitlines() if "were suicide attacks" in line)
    assert suicide.endswith("| no |")  # 1 is outside 0-0.2
