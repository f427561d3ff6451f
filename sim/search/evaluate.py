"""A candidate's robust objectives, from runs through the sweep engine.

A candidate (a lever vector) is run at every scenario of a fixed set of the deciding
assumptions, times replications; replication ``j`` has the same seed and the same posterior
parameter set for every candidate and scenario (common random numbers across candidates, the
sweep engine's pairing, :mod:`sim.sweeps.plan`). The scenarios are the assumptions of the
conditions study (``conf/experiment/foreign_increment_conditions.yaml``: the foreign effect
ratio, backlash, the intelligence constants, the joint raids' effect, the foreign guard's cost):
scenario 0 holds the configuration's own values, the others a Latin hypercube over the study's
ranges drawn with the search's seed.

Objectives, all minimised and a year: foreign deaths, cost (USD), foreign security
person-days, and the legitimacy shortfall (1 - mean legitimacy). Each candidate's value of an
objective is its mean over replications at each scenario, then the **90th percentile across
scenarios** (numpy's linear interpolation), a risk-averse percentile metric in the
classification of McPhail et al. (2018); the mean across scenarios is reported beside it. The
in-search deaths are realised deaths (no variance reduction beyond the common random numbers);
the final fronts are re-evaluated on fresh seeds (:mod:`sim.search.fronts`).

Each generation is one sweep folder (``runs/<search>_gen_NNN``); a rerun of the same search
finds its folders complete and reads them back, so the search replays to the same front.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.search.levers import LeverSpace

__all__ = [
    "OBJECTIVES",
    "RunsFailed",
    "EvalSettings",
    "SweepEvaluator",
    "fresh_seed",
    "objective_table",
    "per_year",
    "scenario_points",
]

#: The objectives (all minimised), their labels and units.
OBJECTIVES = {
    "foreign_killed": ("foreign deaths a year", "persons"),
    "cost_usd": ("cost a year", "USD"),
    "foreign_security_person_days": ("foreign security person-days a year", "person-days"),
    "legitimacy_shortfall": ("legitimacy shortfall (1 - mean legitimacy)", "1"),
}
#: The quantile across scenarios that is each robust objective.
ROBUST_Q = 0.9
#: The conditions study whose ranges are the scenarios' assumptions.
CONDITIONS = "foreign_increment_conditions"


class RunsFailed(RuntimeError):
    """Some runs of a search's sweep failed (they are kept as failed; a rerun retries them)."""


@dataclass(frozen=True)
class EvalSettings:
    """How every candidate of a search is evaluated."""

    threat: str
    days: int
    replications: int
    posterior: int
    scenarios: tuple  # tuple of {assumption: value} mappings, scenario 0 the defaults
    seed: int
    workers: int
    backend: str = "processes"
    scheduler: str | None = None


def fresh_seed(seed: int) -> int:
    """The seed of the re-evaluation: one the search's runs never used."""
    from sim.sweeps.plan import replication_seed

    return replication_seed(seed, 1_000_003) % 2**31


def scenario_points(threat: str, n: int, seed: int) -> list[dict]:
    """``n`` scenarios of the deciding assumptions: the configuration's own, then a hypercube."""
    from sim.model.runner import load_scenario
    from sim.sweeps.designs import load_experiment
    from sim.sweeps.points import design_points

    ranges = load_experiment(CONDITIONS).design["ranges"]
    sc = load_scenario(threat=threat).to_dict()
    own = {}
    for key in ranges:
        section, name = key.split(".")
        own[key] = float(sc[section][name])
    points = [own]
    if n > 1:
        design = {"kind": "lhs", "samples": n - 1, "ranges": dict(ranges)}
        points += [{k: float(v) for k, v in p.items()} for p in design_points(design, seed)]
    return [{k: round(v, 6) for k, v in p.items()} for p in points]


def per_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Each run's objectives a year (the legitimacy shortfall is a level, not scaled)."""
    from sim.analysis.units import factor

    scale = frame["days"].map(lambda d: factor(int(d))).to_numpy(float)  # the tables' rule
    out = pd.DataFrame(index=frame.index)
    for name in ("foreign_killed", "cost_usd", "foreign_security_person_days"):
        out[name] = frame[name].to_numpy(float) * scale
    out["legitimacy_shortfall"] = 1.0 - frame["mean_legitimacy"].to_numpy(float)
    return out


def objective_table(values: pd.DataFrame, candidate, scenario) -> pd.DataFrame:
    """Per candidate: each objective's robust value (``_p90``) and mean across scenarios.

    ``values`` holds one run per row (:func:`per_year`); ``candidate`` and ``scenario`` label
    the rows. A candidate's value at a scenario is its mean over replications.
    """
    table = values.assign(candidate=np.asarray(candidate), scenario=np.asarray(scenario))
    means = table.groupby(["candidate", "scenario"]).mean()
    robust = means.groupby(level="candidate").quantile(ROBUST_Q).add_suffix("_p90")
    mean = means.groupby(level="candidate").mean().add_suffix("_mean")
    return pd.concat([robust, mean], axis=1)


class SweepEvaluator:
    """Evaluates generations of one search through the sweep engine, one folder each."""

    def __init__(
        self, space: LeverSpace, settings: EvalSettings, runs: Path, label: str,
        budget: float | None = None,
    ):  # fmt: skip
        self.space, self.settings, self.runs, self.label = space, settings, Path(runs), label
        self.budget = budget
        self.cache: dict[tuple, dict] = {}
        self.records: list[dict] = []
        self.runs_done = 0

    @property
    def n_constr(self) -> int:
        """Constraints: the budget cap, when there is one."""
        return 0 if self.budget is None else 1

    def __call__(self, generation: int, x: np.ndarray):
        """Objectives (robust) and constraints of the candidates ``x`` (unit cube)."""
        levers = [self.space.decode(u) for u in x]
        keys = [tuple(sorted(c.items())) for c in levers]
        new = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if new:
            table = self.run([dict(k) for k in new], f"{self.label}_gen_{generation:03d}")
            for i, key in enumerate(new):
                self.cache[key] = table.loc[i].to_dict()
        f = np.array([[self.cache[k][f"{o}_p90"] for o in OBJECTIVES] for k in keys])
        for k, c in zip(keys, levers, strict=True):
            self.records.append({"generation": generation, **c, **self.cache[k]})
        if self.budget is None:
            return f, None
        cost = np.array([self.cache[k]["cost_usd_p90"] for k in keys])
        return f, (cost - self.budget)[:, None]

    def run(self, candidates: list[dict], name: str, seed: int | None = None,
            replications: int | None = None) -> pd.DataFrame:  # fmt: skip
        """Robust objectives of ``candidates`` (policy fields) from one sweep folder."""
        frame = self.frame(candidates, name, seed, replications)
        n = len(self.settings.scenarios)
        point = frame["point"].to_numpy()
        return objective_table(per_year(frame), point // n, point % n)

    def frame(self, candidates: list[dict], name: str, seed: int | None = None,
              replications: int | None = None, progress: bool = False) -> pd.DataFrame:  # fmt: skip
        """The runs of ``candidates`` at every scenario (one sweep folder, resumable)."""
        s = self.settings
        points = [
            {**self.space.overrides(c), **scenario} for c in candidates for scenario in s.scenarios
        ]
        frame = run_points(
            self.space.base, points, s, self.runs / name, seed=seed, replications=replications,
            progress=progress,
        )  # fmt: skip
        self.runs_done += len(frame)
        return frame


def run_points(
    policy: str, points: list[dict], s: EvalSettings, folder: Path, *, seed=None,
    replications=None, policies=None, progress: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """One sweep: ``policy`` (or ``policies``) at design ``points``, into ``folder``."""
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import sweep

    exp = Experiment(
        name=folder.name,
        policies=tuple(policies or (policy,)),
        design={"kind": "points", "points": points},
        replications=replications or s.replications,
        seed=s.seed if seed is None else seed,
        threat=s.threat,
        posterior=s.posterior,
    )
    frame = sweep(
        exp,
        workers=s.workers,
        backend=s.backend,
        scheduler=s.scheduler,
        out=folder,
        progress=progress,
        days=s.days,
    )
    failed = frame[frame["status"] != "ok"] if "status" in frame else frame.iloc[:0]
    if len(failed):
        raise RunsFailed(
            f"{len(failed)} runs of {folder} failed ({failed['error'].iloc[0]}); run the same "
            "command again to retry them"
        )
    return frame
