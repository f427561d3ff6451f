"""The runs of an experiment: enumerated lazily, in a fixed order, with paired seeds.

Replication ``i`` runs with the seed ``SeedSequence(seed, spawn_key=(i,))`` (or the experiment's
``seeds[i]``, when it gives them) under every policy and at every design point (common random
numbers); with ``independent_points`` (a reference table of parameter draws) design point ``j``
of replication ``i`` has its own, ``SeedSequence(seed, spawn_key=(i, j))``, shared by its
policies; with ``posterior=N`` it also runs with
posterior parameter set ``i mod N`` under every policy (common random numbers on parameters).
So a sweep is reproducible from its config alone and policy differences are paired.
``run_id = (replication * n_points + point) * n_policies + policy_index``: adding replications
appends runs and leaves earlier ids unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from scenarios.compose import GROUPS, MISSING, compose_config
from scenarios.schema import Scenario, ScenarioError
from sim.sweeps.designs import Experiment, SweepError, design_points

__all__ = ["Plan", "RunSpec", "check_labels", "replication_seed"]


@dataclass(frozen=True)
class RunSpec:
    """One run: its id, place in the design, seed and full scenario."""

    run_id: int
    replication: int
    point: int
    policy: str
    seed: int
    design: dict
    scenario: dict
    draw: int = -1  # the posterior parameter set the run uses (-1: the config's own values)


def replication_seed(seed: int, replication: int, point: int | None = None) -> int:
    """Seed of replication ``i``: shared by every policy and design point (63 bits).

    With ``point``, the seed of that design point alone in replication ``i``.
    """
    key = (replication,) if point is None else (replication, point)
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def _lookup(scenario: dict, key: str):
    parts = key.split(".")
    value = scenario
    for part in parts:
        value = value[part]
    return value


def check_labels(policy: str, point: dict, scenario: dict, threat: str | None = None) -> None:
    """The invariant of every run: its labels and design values are those of its scenario.

    Raises :class:`SweepError` when the policy or threat label, or a design value, differs from
    what the composed scenario holds (a mislabelled run must never reach the results).
    """
    if scenario["policy"]["name"] != policy:
        raise SweepError(
            "policy",
            f"run labelled {policy!r} would run policy {scenario['policy']['name']!r}",
        )
    want = point.get("threat", threat)
    if want is not None and scenario["threat"]["name"] != want:
        raise SweepError(
            "threat", f"run labelled {want!r} would run threat {scenario['threat']['name']!r}"
        )
    for key, value in point.items():
        if key in GROUPS:
            continue  # threat checked above; a network option names a file, not a kind
        have = _lookup(scenario, key)
        if have != value:
            raise SweepError(key, f"run labelled {key}={value!r} would run {key}={have!r}")


class Plan:
    """The runs of an experiment, validated up front and enumerated lazily in a fixed order."""

    def __init__(self, exp: Experiment):
        if not isinstance(exp, Experiment):
            raise SweepError("experiment", f"must be an Experiment, got {type(exp).__name__}")
        exp.check()
        self.exp = exp
        self.points = design_points(exp.design, exp.seed)
        self.n_points, self.n_policies = len(self.points), len(exp.policies)
        self._base: dict = {}
        self.templates = [
            [self._scenario(point, pol) for pol in exp.policies] for point in self.points
        ]
        self.draws = self._posterior_draws() if exp.posterior else None

    @property
    def total(self) -> int:
        """Number of runs in the plan."""
        return self.exp.replications * self.n_points * self.n_policies

    def _base_dict(self, policy: str, threat: str, network: str | None) -> dict:
        key = (policy, threat, network)
        if key not in self._base:
            picks = [f"policy={policy}", f"threat={threat}"]
            if network:
                picks.append(f"network={network}")
            self._base[key] = compose_config([*picks, *self.exp.overrides], missing_ok=True)
        return self._base[key]

    def _scenario(self, point: dict, policy: str) -> dict:
        threat = point.get("threat", self.exp.threat)
        network = point.get("network", self.exp.network)
        d = copy.deepcopy(self._base_dict(policy, threat, network))
        for key, value in point.items():
            if key in GROUPS:
                continue
            parts = key.split(".")
            if len(parts) == 1:
                d[key] = value
            else:
                d[parts[0]][parts[1]] = value
        for section, values in d.items():
            for name, value in values.items() if isinstance(values, dict) else []:
                if value == MISSING:
                    raise SweepError(
                        f"{section}.{name}",
                        "is required; give it as an override "
                        f"({section}.{name}=...) or a design factor",
                    )
        where = ", ".join(f"{k}={v}" for k, v in point.items())
        try:
            Scenario.from_dict(d)
        except ScenarioError as exc:
            raise SweepError(
                exc.field, f"{exc.message} (design point {where}, policy {policy})"
            ) from None
        check_labels(policy, point, d, self.exp.threat)
        return d

    def _posterior_draws(self) -> list[dict]:
        """The ``posterior`` parameter sets, checked under every threat level of the plan.

        A threat level other than the baseline keeps its ratio to the calibrated baseline: a
        calibrated parameter it sets is multiplied by draw / baseline value, and one it leaves
        at the baseline value takes the draw itself.
        """
        from sim.sweeps.posterior import POSTERIOR, load_posterior

        post = load_posterior(self.exp.posterior_file or POSTERIOR)
        self._reference = compose_config(["threat=baseline"], missing_ok=True)["threat"]
        draws = post.draws(self.exp.posterior, self.exp.seed).to_dict("records")
        threats = {t["threat"]["name"]: t for row in self.templates for t in row}
        for k, draw in enumerate(draws):
            for name, template in threats.items():
                try:
                    Scenario.from_dict(self._with_draw(template, draw))
                except ScenarioError as exc:
                    raise SweepError(
                        exc.field,
                        f"{exc.message} (posterior set {k} under the {name!r} threat)",
                    ) from None
        return draws

    def _with_draw(self, scenario: dict, draw: dict) -> dict:
        threat = dict(scenario["threat"])
        for key, value in draw.items():
            name = key.split(".", 1)[1]
            base = self._reference[name]
            threat[name] = float(value) if threat[name] == base else threat[name] * value / base
        return {**scenario, "threat": threat}

    def scenario_hash(self) -> str:
        """Hash of every run's composed scenario (before its seed is set), in plan order.

        With ``posterior=N`` the N parameter sets are part of it, so a sweep never mixes runs
        made under two posteriors.
        """
        text = json.dumps([self.templates, self.draws], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def runs(self, skip: set[int] | frozenset = frozenset()) -> Iterator[RunSpec]:
        """The run specs in ``run_id`` order, leaving out the ids in ``skip``."""
        given = self.exp.seeds
        for rep in range(self.exp.replications):
            seed = int(given[rep]) if given else replication_seed(self.exp.seed, rep)
            for j, point in enumerate(self.points):
                if self.exp.independent_points:
                    seed = replication_seed(self.exp.seed, rep, j)
                for k, policy in enumerate(self.exp.policies):
                    run_id = (rep * self.n_points + j) * self.n_policies + k
                    if run_id in skip:
                        continue
                    scenario = dict(self.templates[j][k], seed=seed)
                    draw = -1
                    if self.draws is not None:
                        draw = rep % len(self.draws)
                        scenario = self._with_draw(scenario, self.draws[draw])
                    yield RunSpec(run_id, rep, j, policy, seed, point, scenario, draw)
