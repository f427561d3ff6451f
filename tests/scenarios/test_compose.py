"""The Hydra config tree: every group option composes into a valid scenario and builds a model."""

from __future__ import annotations

import pytest
import yaml

from scenarios import Scenario, ScenarioError
from scenarios.compose import CONF_DIR, POLICIES, compose_config, compose_scenario, group_options
from sim import build_model, load_scenario
from sim.model.network import cpec_graph, save_graphml


def test_groups_hold_the_named_options():
    assert set(POLICIES) <= set(group_options("policy"))
    assert group_options("threat") == ["baseline", "high", "low"]
    assert {"cpec", "line", "grid", "random_geometric", "graphml"} == set(group_options("network"))


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("threat", ["low", "baseline", "high"])
def test_every_policy_and_threat_composes_and_runs(policy, threat):
    sc = compose_scenario([f"policy={policy}", f"threat={threat}", "days=5"])
    assert sc.policy.name == policy and sc.threat.name == threat
    model = build_model(sc).run()
    out = model.outcomes()
    assert out["trips_started"] > 0 and all(v >= 0 for v in out.values())


@pytest.mark.parametrize("network", ["cpec", "line", "grid", "random_geometric"])
def test_every_network_composes_and_runs(network):
    sc = compose_scenario([f"network={network}", "days=3"])
    assert sc.network.kind == network
    assert build_model(sc).run().outcomes()["trips_started"] > 0


def test_graphml_network_composes_and_runs(tmp_path):
    path = tmp_path / "roads.graphml"
    save_graphml(cpec_graph(), path)
    sc = compose_scenario(["network=graphml", f"network.path={path}", "days=3"])
    assert build_model(sc).run().outcomes()["trips_started"] > 0


def test_graphml_without_path_names_the_field():
    with pytest.raises(ScenarioError) as info:
        compose_scenario(["network=graphml"])
    assert info.value.field == "network.path"


def test_schema_defaults_are_the_baseline_config():
    """Scenario() in Python and the default composed config are the same scenario."""
    composed = compose_scenario([])
    default = Scenario()
    assert composed.threat.to_dict() == {**default.threat.to_dict(), "name": "baseline"}
    assert composed.policy.to_dict() == {**default.policy.to_dict(), "name": "domestic_baseline"}
    assert composed.demand == default.demand and composed.population == default.population
    assert (composed.seed, composed.days, composed.step_hours) == (0, 365, 1.0)


@pytest.mark.parametrize("policy", POLICIES)
def test_each_policy_differs_from_the_baseline_in_exactly_the_fields_its_file_sets(policy):
    path = CONF_DIR / "policy" / f"{policy}.yaml"
    own = {k: v for k, v in yaml.safe_load(path.read_text()).items() if k != "defaults"}
    composed = compose_config([f"policy={policy}"])["policy"]
    base = compose_config(["policy=domestic_baseline"])["policy"]
    for key, value in own.items():
        assert composed[key] == value, key
    changed = {k for k in composed if composed[k] != base[k]}
    if policy == "domestic_baseline":
        assert changed == set() and set(own) == set(composed)
    else:
        assert changed == {k for k, v in own.items() if v != base[k]}
        assert "name" in changed and len(changed) >= 2


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        (["policy=joint_escrt"], "policy", "did you mean 'joint_escort'"),
        (["threat=extreme"], "threat", "allowed: baseline, high, low"),
        (["policy.escort_sise=3"], "policy.escort_sise", "did you mean 'escort_size'"),
        (["policy.escort_size=-2"], "policy.escort_size", ">= 0"),
        (["threat.leak_prob=1.2"], "threat.leak_prob", "probability"),
        (["dayz=3"], "dayz", "did you mean 'days'"),
        (["days"], "days", "write key=value"),
        (["seed=abc"], "seed", "whole number"),
    ],
)
def test_bad_overrides_name_the_field(overrides, field, fragment):
    with pytest.raises(ScenarioError) as info:
        compose_scenario(overrides)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_python_keywords_and_override_strings_agree():
    a = load_scenario(policy="joint_escort", threat="high", seed=7, days=90, policy__escort_size=4)
    b = load_scenario(
        overrides=[
            "policy=joint_escort",
            "threat=high",
            "seed=7",
            "days=90",
            "policy.escort_size=4",
        ]
    )
    assert a == b and a.policy.escort_size == 4 and a.seed == 7


def test_every_named_policy_sets_the_target_and_insider_levers_in_its_own_file():
    """No policy inherits the levers of targets, insiders and joint operations silently, and
    none types its notification chain (conf/policy/*.yaml)."""
    import yaml

    from scenarios.compose import CONF_DIR as CONF

    levers = {"escort_coverage", "site_guards", "foreign_site_guards", "site_hardening"}
    levers |= {"vetting", "foreign_planning", "foreign_raids"}
    files = sorted((CONF / "policy").glob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        own = yaml.safe_load(path.read_text())
        assert levers <= set(own), f"{path.name} lacks {sorted(levers - set(own))}"
        assert "notification_chain" not in own
