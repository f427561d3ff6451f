"""Codings of the record: each yields the statistics counted by hand; bad rule files refused."""

import pytest

from scenarios.schema import ScenarioError
from sim.calibration.codings import apply_coding, coding_names, load_coding
from sim.calibration.record import incidents, load_incidents, observed

#: By hand from scenarios/data/incidents.csv, 2018-2024. Core rows: Dalbandin, the consulate,
#: Lyari, Dasu (9 killed), Karachi 2021-07-28, Gwadar East Bay, Karachi University (3), Gwadar
#: 2023, Besham (5), the Karachi airport (2, insider_info yes); escorted: Dalbandin, Dasu, East
#: Bay, KU, Gwadar 2023, Besham, the airport (7). Contested: the clinic (1 killed), the guard
#: shooting (insider). Candidates: Pearl Continental, Clifton, Superhighway, Serena (2019, 2020,
#: 2020, 2021; none killed).
BY_HAND = {
    "strict": {  # core + clinic without its death; guard shooting dropped; airport not insider
        "n": 11, "attacks_per_year": 11 / 7, "share_convoy": 7 / 11, "insider_share": 0.0,
        "lethal_share": 4 / 11, "deaths_per_lethal_attack": 19 / 4, "deaths_per_year": 19 / 7,
        "years_without_attack": 2.0, "most_in_a_year": 4.0,
    },
    "current": {
        "n": 12, "attacks_per_year": 12 / 7, "share_convoy": 7 / 12, "insider_share": 2 / 12,
        "lethal_share": 5 / 12, "deaths_per_lethal_attack": 20 / 5, "deaths_per_year": 20 / 7,
        "years_without_attack": 2.0, "most_in_a_year": 4.0,
    },
    "wide": {  # 2021: Lyari, Serena, Dasu, Karachi 07-28, East Bay
        "n": 16, "attacks_per_year": 16 / 7, "share_convoy": 7 / 16, "insider_share": 2 / 16,
        "lethal_share": 5 / 16, "deaths_per_lethal_attack": 20 / 5, "deaths_per_year": 20 / 7,
        "years_without_attack": 0.0, "most_in_a_year": 5.0,
    },
}  # fmt: skip


@pytest.mark.parametrize("coding", sorted(BY_HAND))
def test_each_coding_yields_the_statistics_counted_by_hand(coding):
    expected = dict(BY_HAND[coding])
    assert len(incidents(coding=coding)) == expected.pop("n")
    obs = observed(coding)
    for name, value in expected.items():
        assert obs[name] == pytest.approx(value), name


def test_the_shipped_codings_narrowest_first_and_current_is_the_default():
    assert coding_names()[:3] == ["strict", "current", "wide"]
    assert observed() == observed("current")


def test_a_users_rule_file_by_path(tmp_path):
    path = tmp_path / "no_hotels.yaml"
    path.write_text(
        "name: no_hotels\ncount: [core, contested, candidate]\nrules:\n"
        "  - where: {status: candidate, note: ambassador}\n    drop: true\n"
        "    why: not confirmed as aimed at Chinese nationals\n"
    )
    att = incidents(coding=str(path))
    assert len(att) == 15 and "Quetta (Serena hotel)" not in set(att.place)


@pytest.mark.parametrize(
    "text, field",
    [
        ("count: [core]\nrules:\n  - where: {note: no such words}\n    drop: true\n    why: x\n",
         "rules[0].where"),
        ("count: [core, maybe]\n", "count"),
        ("count: [core]\nrules:\n  - where: {status: core}\n    set: {deaths: 1}\n    why: x\n",
         "rules[0].set.deaths"),
        ("count: [core]\nrules:\n  - where: {status: core}\n    set: {foreign_killed: -1}\n"
         "    why: x\n", "rules[0].set.foreign_killed"),
        ("count: [core]\nrules:\n  - where: {status: core}\n    drop: true\n", "rules[0].why"),
        ("count: [core]\nrulez: []\n", "rulez"),
    ],
)  # fmt: skip
def test_a_bad_rule_file_is_refused_naming_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        apply_coding(load_incidents(), str(path))
    assert field in str(err.value)


def test_an_unknown_coding_names_the_shipped_ones():
    with pytest.raises(ScenarioError, match="unknown coding 'currnet'; allowed: strict, current"):
        load_coding("currnet")


@pytest.mark.slow
def test_the_calibration_fits_the_coding_it_is_given_and_its_posterior_names_it(
    tmp_path, monkeypatch
):
    from sim.calibration import calibrate as cal
    from sim.calibration.record import FIT

    seen = {}

    def stop(abc, out, fingerprint, x0, log):
        seen["x0"], seen["fingerprint"] = x0, fingerprint
        raise KeyboardInterrupt

    monkeypatch.setattr(cal, "_open_history", stop)
    for coding in ("strict", "wide"):
        with pytest.raises(KeyboardInterrupt):
            cal.calibrate(1, tmp_path / coding, progress=False, coding=coding)
        assert seen["x0"] == {k: observed(coding)[k] for k in FIT}
        assert f"coding: {coding}" in seen["fingerprint"]
    assert cal.main(["coding=strickt", f"out={tmp_path / 'x'}"]) == 2
