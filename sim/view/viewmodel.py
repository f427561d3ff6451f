"""The browser view's models: a corridor model seen one day at a time, and its controls' state.

Shared by the single view (:mod:`sim.view.app`) and the side-by-side view
(:mod:`sim.view.side_by_side`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import solara

from agents import Convoy, MilitantCell
from scenarios.compose import compose_config
from sim.model import CorridorModel
from sim.model.runner import load_scenario

__all__ = ["LEVERS", "AppModel", "Settings", "convoy_xy", "policy_levers", "settings"]

#: Levers shown as sliders: name -> (label, min, max, step, is_float).
LEVERS = {
    "escort_size": ("host guards per escort", 0, 20, 1, False),
    "foreign_per_escort": ("foreign guards per escort (joint)", 0, 10, 1, False),
    "armored_share": ("armored share", 0.0, 1.0, 0.05, True),
    "escort_coverage": ("share of movements escorted", 0.0, 1.0, 0.05, True),
    "site_guards": ("host guards per site", 0, 20, 1, False),
    "intel_sharing": ("intelligence sharing", 0.0, 1.0, 0.05, True),
    "route_choices": ("routes drawn from", 1, 4, 1, False),
    "vetting": ("vetting of host staff", 0.0, 1.0, 0.05, True),
}


def policy_levers(policy: str) -> dict:
    """The lever values of a named policy (``conf/policy/``)."""
    values = compose_config([f"policy={policy}"])["policy"]
    return {name: values[name] for name in LEVERS}


@dataclass(frozen=True)
class Settings:
    """What the page's controls hold."""

    policy: str = "domestic_baseline"
    threat: str = "baseline"
    seed: int = 0
    days: int = 365
    levers: dict = field(default_factory=lambda: policy_levers("domestic_baseline"))


#: The page's state; AppModel takes its defaults from it, so Mesa's Reset uses the controls.
settings = solara.reactive(Settings())


class AppModel(mesa.Model):
    """The corridor model seen one day per step, with a DataCollector for the live charts."""

    def __init__(
        self,
        policy: str | None = None,
        threat: str | None = None,
        seed: int | None = None,
        days: int | None = None,
        levers: dict | None = None,
        attacks: dict | None = None,
    ):
        s = settings.value
        self.policy = policy or s.policy
        self.threat = threat or s.threat
        self.seed_value = s.seed if seed is None else seed
        super().__init__(rng=self.seed_value)
        # compose once; the levers apply on top: those given, else the controls' when the policy
        # is the controls' own, else the policy's own
        base = load_scenario(
            policy=self.policy, threat=self.threat, seed=self.seed_value, days=days or s.days
        )
        if levers is None and self.policy == s.policy:
            levers = s.levers
        elif levers is None:
            levers = {name: getattr(base.policy, name) for name in LEVERS}
        levers = dict(levers)
        if base.policy.force == "domestic":
            levers["foreign_per_escort"] = 0  # only joint forces carry foreign personnel
        scenario = base.replace(**{f"policy__{k}": v for k, v in levers.items()})
        if attacks:  # the attack mechanisms' switches (scenarios/attacks.py)
            scenario = scenario.replace(attacks=dict(attacks))
        self.sim = CorridorModel(scenario)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, name=name: m.sim.counters[name])
                for name in (
                    "foreign_killed",
                    "guards_killed",
                    "civilians_killed",
                    "attacks_executed",
                    "attacks_foiled",
                    "plots_interdicted",
                )
            }
            | {
                "cells_active": lambda m: len(m.sim.agents_by_type.get(MilitantCell, [])),
                "mean_legitimacy": lambda m: (
                    sum(m.sim.population.L.values()) / len(m.sim.population.L)
                ),
            }
        )
        self.datacollector.collect(self)

    @property
    def day(self) -> int:
        """Whole days simulated so far."""
        return int(self.sim.time // self.sim.steps_per_day)

    def step(self) -> None:
        """Advance the simulation by one day (stop at the horizon)."""
        sim = self.sim
        target = min(sim.time + sim.steps_per_day, sim.end_time)
        if target > sim.time:
            sim.run_until(target)
        if sim.time >= sim.end_time:
            sim.run()
            self.running = False
        self.datacollector.collect(self)


def convoy_xy(sim: CorridorModel, convoy: Convoy) -> tuple[float, float]:
    """Where a convoy is now: on its road, or at its origin while it waits."""
    net = sim.net
    at = convoy.position()
    if at is None:
        return net.pos[convoy.origin]
    leg, s = at
    e = convoy.info.edges[leg]
    return net.point(e, s if convoy.info.fwd[leg] else net.edge_len[e] - s)
