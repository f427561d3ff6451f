"""Scenarios: the typed, validated description of a run, its composition from YAML, its model."""

from scenarios.schema import (
    Demand,
    NetworkSpec,
    Policy,
    Population,
    Scenario,
    ScenarioError,
    Threat,
    parameter_table,
)

__all__ = [
    "Demand",
    "NetworkSpec",
    "Policy",
    "Population",
    "Scenario",
    "ScenarioError",
    "Threat",
    "build_model",
    "compose_scenario",
    "parameter_table",
]


def compose_scenario(overrides=()):
    """Compose and validate a scenario from ``conf/`` and Hydra-style overrides."""
    from scenarios.compose import compose_scenario as _compose

    return _compose(overrides)


def build_model(scenario: Scenario):
    """Build the model a scenario describes (reading its GraphML file, if it names one)."""
    from sim.model import CorridorModel
    from sim.network import load_graphml

    graph = None
    if scenario.network.kind == "graphml":
        graph = load_graphml(scenario.network.path)
    return CorridorModel(scenario, graph=graph)
