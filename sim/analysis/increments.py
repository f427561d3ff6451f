"""The foreign increment: a joint policy minus its host-only twin, on every outcome.

A named joint policy bundles levers the host could adopt alone with foreign ones
(:mod:`scenarios.twins`). Its twin keeps the host levers and replaces the foreign personnel by
host personnel, one for one (``_twin_personnel``) or at equal cost (``_twin_cost``). The paired
difference joint - twin, on common random numbers, is what the foreign component adds; the
joint policy against ``domestic_baseline`` is a *bundle* and is labelled so.
"""

from __future__ import annotations

import pandas as pd

from scenarios.twins import split_twin
from sim.analysis.statistics import AnalysisError, check_results, compare

__all__ = ["INCREMENT_OUTCOMES", "foreign_increment", "increment_pairs"]

#: Every kind of outcome the increment is stated on: deaths, injuries, attacks by kind,
#: exposure, cost, footprint and legitimacy.
INCREMENT_OUTCOMES = (
    "foreign_killed",
    "foreign_injured",
    "guards_killed",
    "civilians_killed",
    "attacks_attempted",
    "attacks_on_convoys",
    "attacks_on_sites",
    "attacks_on_unescorted",
    "threat_exposure",
    "cost_usd",
    "foreign_security_person_days",
    "guard_person_days",
    "mean_legitimacy",
)


def increment_pairs(policies) -> list[tuple[str, str, str]]:
    """``(joint, twin, basis)`` for every twin whose joint policy is among ``policies``."""
    names = list(dict.fromkeys(policies))
    out = []
    for name in names:
        joint, basis = split_twin(name)
        if basis is not None and joint in names:
            out.append((joint, name, basis))
    return out


def foreign_increment(
    results: pd.DataFrame,
    outcomes=INCREMENT_OUTCOMES,
    by: str | list[str] | None = None,
    level: float = 0.95,
    seed: int = 0,
    n_resamples: int = 9999,
) -> pd.DataFrame:
    """The foreign increment of every joint policy with a twin in ``results``.

    One row per joint policy, basis, outcome (and group of ``by``), with :func:`compare`'s
    columns (``diff``, ``lo``, ``hi``, ``p_value``...) for joint - twin, plus ``joint``,
    ``twin`` and ``basis``. Raises ``AnalysisError`` when no twin is there to compare with.
    """
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    ok = check_results(results, ["policy", *outcomes])
    pairs = increment_pairs(ok.policy)
    if not pairs:
        raise AnalysisError(
            "policy",
            "no joint policy with its host-only twin in the results; add "
            "<joint>_twin_personnel or <joint>_twin_cost to the policies",
        )
    tables = []
    for joint, twin, basis in pairs:
        t = compare(
            ok[ok.policy.isin([joint, twin])],
            baseline=twin,
            outcomes=outcomes,
            by=by,
            level=level,
            seed=seed,
            n_resamples=n_resamples,
        )
        tables.append(t.assign(joint=joint, twin=twin, basis=basis))
    table = pd.concat(tables, ignore_index=True)
    table.attrs.update(tables[0].attrs)
    return table
