"""Which statistics carry information of their own: a numerical check on simulated logs.

A statistic that is an algebraic function of others adds nothing to a fit (it only weights the
others twice) and cannot fail a validation independently of them (``share_unescorted`` is ``1 -
share_convoy - share_site``). :func:`redundancy` finds such statistics on a table of simulated
windows instead of trusting a hand-kept list: in the given order, each statistic is regressed on
every monomial up to degree three of the statistics kept before it (products and ratios of
counts are such monomials: deaths a year is attacks a year x lethal share x deaths per lethal
attack); an exact fit (largest residual below ``tol`` of the statistic's spread) marks it as a
function of them, and it is refused. Otherwise it is kept, and its R-squared says how much of it
the earlier ones predict.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["monomials", "redundancy", "synthetic_windows"]


def monomials(x: np.ndarray, degree: int = 3) -> np.ndarray:
    """Every monomial of the columns of ``x`` up to ``degree`` (the constant first)."""
    n, k = x.shape
    cols = [np.ones(n)]
    for d in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(k), d):
            cols.append(np.prod(x[:, combo], axis=1))
    return np.column_stack(cols)


def redundancy(
    table: pd.DataFrame, order: Sequence[str], degree: int = 3, tol: float = 1e-8
) -> pd.DataFrame:
    """Each statistic of ``order``: kept, or refused as a function of those kept before it.

    Returns one row per statistic with ``r2`` (of its fit on the earlier kept ones), ``exact``
    and ``kept``. Statistics are standardised first; a constant one is refused (it carries
    nothing).
    """
    z = (table[list(order)] - table[list(order)].mean()) / table[list(order)].std()
    kept: list[str] = []
    rows = []
    for name in order:
        y = z[name].to_numpy(float)
        if not np.isfinite(y).all():  # constant over the windows
            rows.append({"statistic": name, "r2": 1.0, "exact": True, "kept": False,
                         "function_of": "(constant)"})  # fmt: skip
            continue
        if kept:
            design = monomials(z[kept].to_numpy(float), degree)
            beta, *_ = np.linalg.lstsq(design, y, rcond=None)
            resid = y - design @ beta
        else:
            resid = y - y.mean()
        r2 = float(1 - (resid**2).sum() / ((y - y.mean()) ** 2).sum())
        exact = bool(np.abs(resid).max() <= tol * max(1.0, float(np.abs(y).max())))
        rows.append({"statistic": name, "r2": r2, "exact": exact, "kept": not exact,
                     "function_of": ", ".join(kept) if exact else ""})  # fmt: skip
        if not exact:
            kept.append(name)
    return pd.DataFrame(rows).set_index("statistic")


def synthetic_windows(n: int, seed: int, days: int = 2555) -> pd.DataFrame:
    """Statistics of ``n`` random event logs, each a window of ``days`` days.

    Every input of the statistics varies (counts, targets, regions, insider flags, tolls,
    days), so an algebraic dependence among them shows; the model's own logs vary them less.
    Every window has at least one attack, as the record does: a share of no attacks is 0 by
    convention, which would hide the identities that hold whenever there are attacks.
    """
    from sim.calibration.record import window_statistics

    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        k = 1 + int(rng.poisson(rng.uniform(0, 30)))
        p_kind = rng.dirichlet(np.ones(3))
        p_region = rng.dirichlet(np.ones(3))
        lethal = rng.random(k) < rng.uniform(0.1, 0.9)
        events = pd.DataFrame({
            "event": np.where(rng.random(k) < rng.uniform(0, 0.3), "insider", "attack"),
            "target": rng.choice(["convoy", "site", "unescorted"], size=k, p=p_kind),
            "region": rng.choice(["Sindh", "Balochistan", "Punjab"], size=k, p=p_region),
            "targeted": rng.random(k) < rng.uniform(0, 0.5),
            "foreign_killed": np.where(lethal, 1 + rng.poisson(rng.uniform(0.5, 6), k), 0),
            "guards_killed": rng.poisson(rng.uniform(0, 2), k),
            "civilians_killed": rng.poisson(rng.uniform(0, 1), k),
            "day": rng.integers(0, days, size=k),
        })  # fmt: skip
        rows.append(window_statistics(events, days))
    return pd.DataFrame(rows)
