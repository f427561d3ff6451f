"""Which lever does the work: a named policy's effect split among lever groups (Shapley).

The Shapley value (Shapley 1953; attribution to groups of inputs: Owen 2014, Song, Nelson and
Staum 2016) of each group of lever changes (:mod:`sim.studies.levers`). The ``2^G`` combinations
of the groups run through the sweep engine as the points of one design, each replication's seed
shared by every combination (common random numbers), so a decomposition resumes after a kill
(``out``) and runs on any backend the engine has (``backend="dask"``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from scenarios.schema import ScenarioError
from sim.analysis.statistics import sign_flip

__all__ = ["decompose"]


def decompose(
    policy: str,
    baseline: str = "domestic_baseline",
    outcome: str = "foreign_killed",
    *,
    groups=None,
    replications: int = 30,
    threat: str = "baseline",
    days: int = 365,
    seed: int = 0,
    level: float = 0.95,
    workers: int = 1,
    out=None,
    backend: str = "processes",
    evaluate=None,
) -> pd.DataFrame:
    """Split ``policy``'s effect on ``outcome`` (against ``baseline``) among lever groups.

    The Shapley value is linear in the coalition values, so it is computed within each
    replication (all ``2^G`` combinations share its seed) and a share's interval is the
    sign-flip interval of its per-replication values (:func:`sign_flip`).

    Runs the ``2^G`` combinations of the groups (default :func:`lever_groups`) for each of
    ``replications`` seeds and returns one row per group: ``share`` (mean Shapley value), ``lo``,
    ``hi`` (its interval), ``fields``; and a last row ``total`` (the whole effect, which the
    shares add up to). ``out`` keeps the runs in a sweep folder (a rerun resumes it);
    ``evaluate(policy, seed)`` replaces the simulation (for tests).
    """
    from sim.model.runner import load_scenario
    from sim.studies.levers import MAX_GROUPS, apply_groups, lever_groups, shapley

    base = load_scenario(policy=baseline).policy
    target = load_scenario(policy=policy).policy
    groups = list(lever_groups(target, base) if groups is None else groups)
    if not 1 <= len(groups) <= MAX_GROUPS:
        raise ScenarioError("groups", f"must be 1 to {MAX_GROUPS} lever groups, got {len(groups)}")
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise ScenarioError("groups", "group names must be unique")
    final = apply_groups(base, groups, policy)
    if final.to_dict() | {"name": ""} != target.to_dict() | {"name": ""}:
        raise ScenarioError("groups", f"applying every group to {baseline!r} must give {policy!r}")
    coalitions = [
        frozenset(c) for k in range(len(groups) + 1) for c in itertools.combinations(names, k)
    ]
    by_name = dict(zip(names, groups, strict=True))
    policies = {
        c: apply_groups(
            base, [by_name[n] for n in names if n in c], f"{policy}[{'+'.join(sorted(c))}]"
        )
        for c in coalitions
    }
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(replications, np.uint32)]
    if evaluate is not None:
        values = {c: np.array([evaluate(p, s) for s in seeds]) for c, p in policies.items()}
    else:
        runs = dict(baseline=baseline, threat=threat, days=days, seed=seed, seeds=seeds)
        values = _run_coalitions(policies, base, outcome, runs, workers, out, backend)
    table = _shares(groups, shapley(values, names), values, names, level)
    table.attrs.update(
        policy=policy,
        baseline=baseline,
        outcome=outcome,
        replications=replications,
        threat=threat,
        days=days,
        seed=seed,
    )
    return table


def _run_coalitions(policies: dict, base, outcome: str, runs: dict, workers, out, backend):
    """Each coalition's ``outcome`` in every replication, run through the sweep engine.

    The coalitions are the points of a design over the baseline policy's lever fields (a point
    sets the fields the coalition changes), run on the given seeds.
    """
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import sweep

    start = base.to_dict()
    points = [
        {f"policy.{k}": v for k, v in p.to_dict().items() if k != "name" and v != start[k]}
        for p in policies.values()
    ]
    exp = Experiment(
        name="decompose",
        policies=(runs["baseline"],),
        design={"kind": "points", "points": points},
        replications=len(runs["seeds"]),
        seed=runs["seed"],
        threat=runs["threat"],
        overrides=(f"days={runs['days']}",),
        seeds=tuple(runs["seeds"]),
    )
    rows = sweep(exp, workers=workers, out=out, backend=backend, progress=False)
    failed = rows[rows.status != "ok"]
    if len(failed):
        raise RuntimeError(
            f"{len(failed)} runs of the decomposition failed: {failed.error.iloc[0]}"
        )
    table = rows.pivot(index="point", columns="replication", values=outcome).sort_index()
    return {c: table.loc[j].to_numpy(float) for j, c in enumerate(policies)}


def _shares(groups, phi: dict, values: dict, names: list, level: float) -> pd.DataFrame:
    """One row per group (its mean Shapley value and interval) and the total effect."""
    rows = []
    for g in groups:
        lo, hi, p, _ = sign_flip(phi[g.name], level=level)
        rows.append(
            dict(
                group=g.name,
                share=float(phi[g.name].mean()),
                lo=lo,
                hi=hi,
                p_value=p,
                fields=", ".join(g.fields()),
            )
        )
    total = values[frozenset(names)] - values[frozenset()]
    lo, hi, p, _ = sign_flip(total, level=level)
    rows.append(dict(group="total", share=float(total.mean()), lo=lo, hi=hi, p_value=p, fields=""))
    return pd.DataFrame(rows).set_index("group")
