"""Actors as data, foreign forces as targets, night movement and the insider's two keys."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import limiting_scenario, two_site_graph

import scenarios.attacks as attacks_module
from scenarios.schema import ScenarioError
from sim import CorridorModel
from sim.model.keys import K_INSIDER, K_INSIDER_HARM
from sim.model.runner import load_scenario


def site_model(symbolic: float, on: bool = True, foreign_site_guards: int = 2):
    sc = limiting_scenario(
        days=1,
        threat=dict(site_attack_rate=0.5, rationality=2.0, reach_km=1.0e6),
        policy=dict(force="joint", site_guards=2, foreign_site_guards=foreign_site_guards),
        attacks=dict(foreign_targets=on, foreign_symbolic=symbolic),
    )
    return CorridorModel(sc, graph=two_site_graph())


def site_share(model) -> float:
    cell = model.threat.cells[0]
    targets, shares = model.targets.shares(cell)
    return float(sum(s for t, s in zip(targets, shares, strict=True) if isinstance(t, int)))


def test_foreign_forces_at_a_target_raise_its_choice_share_only_with_a_symbolic_weight():
    off = site_share(site_model(0.3, on=False))
    zero = site_share(site_model(0.0))
    some = site_share(site_model(0.3))
    assert 0.0 < off < 1.0
    assert zero == off  # weight 0: foreign guards change nothing
    assert some > off
    # the payoff gains exactly 1 + s w F per site (F = 2 foreign guards, w = 1)
    model = site_model(0.3)
    assert model.targets.foreign_uplift(0, model.threat.actors[0]) == pytest.approx(1.6)
    assert site_share(site_model(0.3, foreign_site_guards=0)) == off  # none visible


def cpec(**attacks):
    return load_scenario(threat="high", days=120, seed=2).replace(
        attacks=dict(actors="cpec", modes=True, **attacks)
    )


def test_actors_recruit_and_strike_only_in_their_regions():
    model = CorridorModel(cpec()).run()
    regions = {a.name: set(a.regions) for a in model.threat.actors}
    for cell in model.threat.cells:
        assert cell.region in regions[cell.actor.name]
    ev = model.events
    attacks = ev[ev.event.isin(["attack", "foiled"])]
    assert len(attacks) > 0
    # no actor recruits in Punjab or Islamabad: no cell there, no attack from one there
    assert not any(
        c.region in ("Punjab", "Islamabad Capital Territory") for c in model.threat.cells
    )
    assert set(attacks.family) <= {"baloch", "sindhi", "ttp"}
    for _, row in attacks.iterrows():
        weights = {a.name: a.modes for a in model.threat.actors}[row.actor]
        assert row["mode"] in weights  # only modes the actor can mount


def test_a_split_cell_keeps_its_actor(monkeypatch):
    model = CorridorModel(cpec())
    cell = model.threat.cells[0]
    before = len(model.threat.cells)
    cell.add_members(model.cfg.threat.max_cell_strength, day=1)
    new = [c for c in model.threat.cells if c.key[0] == 2]
    assert len(model.threat.cells) == before + 1 and new[0].actor is cell.actor


def test_a_malformed_actor_file_is_refused_naming_the_field(tmp_path, monkeypatch):
    monkeypatch.setattr(attacks_module, "ACTOR_DIR", tmp_path)
    (tmp_path / "generic.yaml").write_text("{}")
    cases = {
        "mode": ("a: {family: x, regions: {Sindh: 0.5}, modes: {rpg: 1}}", "modes.rpg"),
        "share": ("a: {family: x, regions: {Sindh: 1.5}, modes: {ied: 1}}", "regions.Sindh"),
        "sum": (
            "a: {family: x, regions: {Sindh: 0.6}, modes: {ied: 1}}\n"
            "b: {family: y, regions: {Sindh: 0.6}, modes: {ied: 1}}",
            "regions.Sindh",
        ),
        "weights": ("a: {family: x, regions: {Sindh: 0.5}, modes: {ied: 0}}", "a.modes"),
        "field": ("a: {family: x, regions: {Sindh: 0.5}, modes: {ied: 1}, colour: red}", "colour"),
    }
    for name, (text, field) in cases.items():
        (tmp_path / f"{name}.yaml").write_text(text)
        with pytest.raises(ScenarioError) as err:
            attacks_module.load_actors(name)
        assert field in err.value.field, (name, err.value.field)
    (tmp_path / "region.yaml").write_text(
        "a: {family: x, regions: {Atlantis: 0.5}, modes: {ied: 1}}"
    )
    sc = load_scenario(days=1).replace(attacks=dict(actors="region"))
    with pytest.raises(ScenarioError, match="Atlantis.*not a region"):
        CorridorModel(sc)


def trips(daylight: bool, night: bool = True):
    sc = load_scenario(days=20, seed=5).replace(
        attacks=dict(night=night), policy=dict(daylight_only=daylight), demand=dict(night_share=0.3)
    )
    return CorridorModel(sc).run().demand.trip_table()


def test_daylight_only_shifts_night_departures_and_never_adds_removes_or_redraws_a_trip():
    free, day = trips(False), trips(True)
    assert len(free) == len(day) > 0
    same = ["day", "index", "origin", "destination", "passengers", "escorted", "leaked"]
    assert free[same].equals(day[same])
    hour = free.departure_h
    at_night = (hour < 6.0) | (hour >= 19.0)
    assert 0.2 < at_night.mean() < 0.4  # about night_share of the movements
    assert ((day.departure_h >= 6.0) & (day.departure_h < 19.0 + 24.0)).all()
    moved = day.departure_h[at_night]
    assert set(np.round(moved, 6)) <= {6.0, 30.0}  # this morning's or the next's first hour
    assert free.departure_h[~at_night].equals(day.departure_h[~at_night])
    # without the night switch nobody leaves at night and the lever changes nothing
    assert trips(False, night=False).equals(trips(True, night=False))


def test_an_insider_attacks_casualties_draw_from_their_own_key():
    sc = limiting_scenario(
        days=30,
        threat=dict(insider_rate=0.05, insider_lethality=0.5),
        policy=dict(site_guards=4),
    )
    model = CorridorModel(sc, graph=two_site_graph()).run()
    ev = model.events
    rows = ev[ev.event == "insider"]
    assert len(rows) > 0
    for _, row in rows.iterrows():
        site = next(s for s in model.targets.sites if str(s.node) == row.node)
        rng = site.draws.generator(K_INSIDER_HARM, int(row.day))
        assert int(rng.binomial(site.staff, 0.5)) == row.foreign_killed
    # the two keys differ, so the draw that decided the attack does not also kill
    assert K_INSIDER != K_INSIDER_HARM


def test_a_foreign_guard_killed_costs_the_regions_legitimacy_with_foreign_targets_on():
    from sim.model.engagement import Exposure

    for on, backlash in ((True, 5.0), (True, 0.0), (False, 5.0)):
        sc = limiting_scenario(
            days=1,
            threat=dict(detect_domestic=0.0, guard_lethality=1.0, tip_rate=0.0),
            policy=dict(force="joint", foreign_per_escort=3, checkpoints=0),
            attacks=dict(foreign_targets=on, foreign_guard_backlash=backlash),
        )
        model = CorridorModel(sc)
        node = model.net.nodes[0]
        region = model.net.region[node]
        target = Exposure(
            kind="site", people=2, drivers=0, host=0, foreign=3, shield=0.0, cut=0.0,
            checkpoints=0, reach_h=float("inf"),
        )  # fmt: skip
        before = model.population.harm_today[region]
        cell = model.threat.cells[0]
        model.engagement.strike(target, cell, np.random.default_rng(1), False, dict(node=node))
        assert model.counters["foreign_guards_killed"] == 3  # every guard there was foreign
        assert model.counters["host_guards_killed"] == 0
        pulse = model.population.harm_today[region] - before
        assert pulse == (3 * backlash if on else 0.0)
