"""The scenario schema: validation messages name the field and what is allowed."""

from __future__ import annotations

import pytest

from scenarios import Scenario, ScenarioError, parameter_table
from scenarios.schema import Policy, Threat


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"policy": {"escort_size": -1}}, "policy.escort_size", "whole number >= 0"),
        ({"policy": {"escort_size": 2.5}}, "policy.escort_size", "got 2.5"),
        ({"policy": {"checkpoints": True}}, "policy.checkpoints", "whole number"),
        ({"threat": {"leak_prob": 1.5}}, "threat.leak_prob", "probability >= 0 and <= 1"),
        ({"threat": {"lethality": -0.1}}, "threat.lethality", "probability"),
        ({"threat": {"ambush_rate": "high"}}, "threat.ambush_rate", "a number >= 0"),
        ({"policy": {"force": "foreign"}}, "policy.force", "allowed: domestic, joint"),
        ({"policy": {"escort_sise": 3}}, "policy.escort_sise", "did you mean 'escort_size'"),
        ({"days": 0}, "days", ">= 1"),
        ({"seed": -3}, "seed", ">= 0"),
        ({"step_hours": 5.0}, "step_hours", "must divide 24"),
        ({"network": {"kind": "graphml"}}, "network.path", "is required"),
        ({"network": {"kind": "ring"}}, "network.kind", "allowed: cpec, line"),
        (
            {"policy": {"foreign_per_escort": 2}},
            "policy.foreign_per_escort",
            "must be 0 when policy.force is 'domestic'",
        ),
        ({"demand": {"move_start_h": 10, "move_end_h": 9}}, "demand.move_end_h", "later than"),
        ({"poliyc": {}}, "poliyc", "did you mean 'policy'"),
        ({"threat": {"cells": float("nan")}}, "threat.cells", "whole number"),
        ({"threat": {"plan_days": float("inf")}}, "threat.plan_days", "a number >= 0"),
    ],
)
def test_bad_values_are_rejected_with_field_and_allowed(data, field, fragment):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert str(info.value).startswith(field + ": ")


def test_whole_floats_are_accepted_as_counts():
    assert Scenario.from_dict({"policy": {"escort_size": 4.0}}).policy.escort_size == 4


def test_defaults_are_valid_and_round_trip():
    sc = Scenario()
    sc.check()
    assert Scenario.from_dict(sc.to_dict()) == sc


def test_replace_validates_nested_fields():
    sc = Scenario().replace(policy__escort_size=9, days=30)
    assert sc.policy.escort_size == 9 and sc.days == 30
    with pytest.raises(ScenarioError, match="policy.escort_size"):
        Scenario().replace(policy__escort_size=-2)
    with pytest.raises(ScenarioError, match="unknown field"):
        Scenario().replace(policy__nonsense=1)


def test_parameter_table_lists_every_field_once():
    rows = parameter_table()
    keys = [(r["section"], r["name"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert ("threat", "ambush_rate") in keys and ("", "seed") in keys
    assert len([k for k in keys if k[0] == "policy"]) == len(Policy.fields())
    assert len([k for k in keys if k[0] == "threat"]) == len(Threat.fields())
    assert all(r["unit"] is not None and r["doc"] for r in rows)
