"""Composition without Hydra (scenarios/layers.py) equals Hydra's, or steps aside for it."""

from __future__ import annotations

import json
import math

import pytest

from scenarios.compose import CONF_DIR, GROUPS, compose_config, compose_hydra, group_options
from scenarios.layers import compose_layers, first_missing
from scenarios.schema import ScenarioError


def same(a: dict, b: dict) -> bool:
    """Equal values, types (1 is not 1.0 nor True) and key order, all the way down."""
    return json.dumps(a) == json.dumps(b) and _types(a) == _types(b)


def _types(x):
    if isinstance(x, dict):
        return [(k, _types(v)) for k, v in x.items()]
    if isinstance(x, list):
        return [_types(v) for v in x]
    return type(x).__name__


def test_every_shipped_option_composes_as_hydra_composes_it():
    picks = [[f"policy={p}"] for p in group_options("policy", twins=False)]
    picks += [[f"threat={t}"] for t in group_options("threat")]
    picks += [[f"network={n}"] for n in group_options("network")]
    picks += [["policy=joint_command", "threat=high", "network=grid"]]
    assert len(picks) >= 15
    for overrides in picks:
        fast = compose_layers(CONF_DIR, GROUPS, overrides)
        assert fast is not None, overrides
        assert same(fast, compose_hydra(CONF_DIR, overrides, missing_ok=True)), overrides


@pytest.mark.parametrize(
    "overrides",
    [
        ["days=30"],
        ["seed=7", "days=1825", "policy=joint_escort"],
        ["policy.escort_size=4", "threat.leak_prob=1e-3", "threat.ambush_rate=1.0e-4"],
        ["policy.armored_share=1", "demand.trips_per_day=8"],  # an int where a float was
        ["attacks.modes=true", "attacks.actors=cpec", "policy.daylight_only=true"],
        ["network=graphml", "network.path='/tmp/a b/roads.graphml'"],
        ["network=line", "network.length_km=200", "network.seed=null"],
        ["threat=low", "threat.name=mine", "costs.staff_hour_usd=10_000"],
    ],
)
def test_field_overrides_compose_as_hydra_composes_them(overrides):
    fast = compose_layers(CONF_DIR, GROUPS, overrides)
    assert fast is not None
    assert same(fast, compose_hydra(CONF_DIR, overrides, missing_ok=True))


@pytest.mark.parametrize(
    "overrides",
    [
        ["+experiment=robustness"],
        ["experiment=insider"],
        ["days=30,60"],  # a sweep
        ["~policy"],
        ["+demand.extra=1"],
        ["policy.escort_size=${days}"],
        ["days=1", "days=2"],
        ["demand=3"],  # a section replaced by a value
        ["policy.nonexistent=3"],  # a key the config does not have: Hydra's error
        ["policy=no_such_policy"],
    ],
)
def test_what_is_not_the_simple_shape_is_left_to_hydra(overrides):
    assert compose_layers(CONF_DIR, GROUPS, overrides) is None


def _tree(tmp_path, policy_text: str):
    (tmp_path / "policy").mkdir()
    (tmp_path / "config.yaml").write_text(
        "defaults:\n  - policy: a\n  - _self_\nseed: 0\nlevels: {x: 1, y: [1, 2]}\n"
    )
    (tmp_path / "policy" / "base.yaml").write_text(
        "name: base\nsize: 1\nrate: 0.5\nopts: {p: 1, q: 2}\n"
    )
    (tmp_path / "policy" / "a.yaml").write_text(policy_text)
    return tmp_path


def test_a_conf_tree_of_its_own_composes_as_hydra_composes_it(tmp_path):
    conf = _tree(
        tmp_path, "defaults:\n  - base\n  - _self_\nname: a\nrate: 2\nextra: [3]\nopts: {q: 3}\n"
    )
    for overrides in ([], ["policy.size=5", "levels.x=2"], ["policy=base", "seed=3"]):
        fast = compose_layers(conf, ("policy",), overrides)
        assert fast is not None
        assert same(fast, compose_hydra(conf, overrides)), overrides
    assert compose_layers(conf, ("policy",), [])["policy"] == {
        "name": "a", "size": 1, "rate": 2, "opts": {"p": 1, "q": 3}, "extra": [3],
    }  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "# @package _global_\nname: a\n",  # a package header
        "defaults:\n  - _self_\n  - base\nname: a\n",  # _self_ first: its own values lose
        "defaults:\n  - /other/x\n  - _self_\nname: a\n",  # another group's option
        "name: a\nsize: ${seed}\n",  # an interpolation
    ],
)
def test_a_file_beyond_the_simple_shape_is_composed_by_hydra(tmp_path, text):
    conf = _tree(tmp_path, text)
    assert compose_layers(conf, ("policy",), []) is None


def test_a_value_left_open_is_refused_naming_it_as_before():
    assert first_missing({"a": {"b": 1, "c": "???"}, "d": "???"}) == "a.c"
    with pytest.raises(ScenarioError) as err:
        compose_config(["network=graphml"])
    assert str(err.value).startswith("network.path")
    assert "give it as an override (network.path=...)" in str(err.value)
    assert compose_config(["network=graphml"], missing_ok=True)["network"]["path"] == "???"


def test_a_composed_config_is_not_shared_with_the_cache():
    a = compose_config(["days=31"])
    a["policy"]["escort_size"] = -1
    assert compose_config(["days=31"])["policy"]["escort_size"] > 0
    assert not math.isnan(compose_config(["days=31"])["threat"]["ambush_rate"])
