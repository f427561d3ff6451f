"""Which lever does the work: a named policy's effect split among lever groups (Shapley)."""

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
    evaluate=None,
) -> pd.DataFrame:
    """Split ``policy``'s effect on ``outcome`` (against ``baseline``) among lever groups.

    The Shapley value (Shapley 1953; attribution to groups of inputs: Owen 2014, Song, Nelson
    and Staum 2016) of each group of lever changes (:mod:`sim.studies.levers`). It is linear in the
    coalition values, so it is computed within each replication (all ``2^G`` combinations
    share its seed) and a share's interval is the sign-flip interval of its per-replication
    values (:func:`sign_flip`).

    Runs the ``2^G`` combinations of the groups (default :func:`lever_groups`) for each of
    ``replications`` seeds (common random numbers: one seed for every combination of a
    replication) and returns one row per group: ``share`` (mean Shapley value), ``lo``,
    ``hi`` (its interval), ``fields``; and a last row ``total`` (the whole effect, which the
    shares add up to). ``evaluate(policy, seed)`` replaces the simulation (for tests).
    """
    from sim.model.runner import load_scenario
    from sim.studies.levers import MAX_GROUPS, apply_groups, lever_groups, run_outcome, shapley

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
        jobs = [(p.to_dict(), threat, days, s, outcome) for p in policies.values() for s in seeds]
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                flat = list(pool.map(run_outcome, jobs, chunksize=4))
        else:
            flat = [run_outcome(j) for j in jobs]
        arr = np.array(flat).reshape(len(coalitions), replications)
        values = dict(zip(coalitions, arr, strict=True))
    phi = shapley(values, names)
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
    table = pd.DataFrame(rows).set_index("group")
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
