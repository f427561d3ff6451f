"""Scenarios: the typed, validated description of a run and its composition from YAML.

This package knows nothing of the model (``sim.build_model`` builds a model from a scenario).
"""

from scenarios.schema import (
    Costs,
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
    "Costs",
    "Demand",
    "NetworkSpec",
    "Policy",
    "Population",
    "Scenario",
    "ScenarioError",
    "Threat",
    "compose_scenario",
    "parameter_table",
]


def compose_scenario(overrides=()):
    """Compose and validate a scenario from ``conf/`` and Hydra-style overrides."""
    from scenarios.compose import compose_scenario as _compose

    return _compose(overrides)
