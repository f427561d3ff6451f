"""Sign-flip permutation tests of paired differences, and the intervals that invert them.

:func:`sign_flip` tests a mean paired difference and gives the interval of the means it does not
reject; :func:`ratio_interval` inverts the same test for a ratio of paired means (Fieller's
construction). Both draw their sign vectors from :func:`sign_vectors`, so tests on the same pairs
use the same resamples and agree with each other.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["EXACT_MAX_N", "ratio_interval", "sign_flip", "sign_vectors"]


#: Largest number of pairs for which :func:`sign_flip` enumerates every sign vector.
EXACT_MAX_N = 13


def sign_vectors(n: int, n_resamples: int = 9999, seed: int = 0) -> tuple[np.ndarray, str]:
    """The sign vectors of :func:`sign_flip` for ``n`` pairs, and how they were chosen.

    Every one of the ``2**n`` when ``n <= EXACT_MAX_N``; otherwise the identity and
    ``n_resamples`` drawn from ``seed`` (Phipson and Smyth 2010). The same ``n``, ``n_resamples``
    and ``seed`` give the same vectors, so tests on the same pairs use the same resamples; they
    are drawn once per triple (a read-only array, kept for the process's life).
    """
    return _sign_vectors(int(n), int(n_resamples), int(seed))


@lru_cache(maxsize=64)
def _sign_vectors(n: int, n_resamples: int, seed: int) -> tuple[np.ndarray, str]:
    if n <= EXACT_MAX_N:
        signs = 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.int8)
        method = f"sign-flip permutation test, exact ({2**n:,} sign vectors)"
    else:
        rng = np.random.default_rng(seed)
        draws = 1 - 2 * rng.integers(0, 2, size=(n_resamples, n), dtype=np.int8)
        signs = np.vstack([np.ones((1, n), dtype=np.int8), draws])
        method = f"sign-flip permutation test ({n_resamples:,} random sign vectors)"
    signs.setflags(write=False)
    return signs, method


def _accepted_from(level: float, total: int) -> int:
    """The count of ``total`` sign vectors at which a value is accepted at ``1 - level``.

    A value is not rejected when at least this many vectors count for it (its p-value, that
    count over ``total``, is then above ``1 - level``).
    """
    return int(np.floor((1.0 - level) * total + 1e-9)) + 1


def ratio_interval(
    num, den, level: float = 0.95, n_resamples: int = 9999, seed: int = 0
) -> tuple[float, float, float]:
    """``mean(num) / mean(den)`` of paired data and the interval that inverts the sign-flip test.

    A ratio ``R`` is accepted when the sign-flip test of :func:`sign_flip` does not reject that
    the pairs ``num - R den`` have mean 0 at ``1 - level``: Fieller's (1954) construction with
    the permutation test in place of the t test. With ``a = mean(s num)`` and
    ``b = mean(s den)`` a sign vector ``s`` counts for ``R`` where
    ``(a - R b)^2 >= (A - R B)^2`` (capitals: the identity), a quadratic inequality in ``R``, so
    the accepted set is found exactly by sweeping the roots. It uses the sign vectors
    :func:`sign_flip` uses for ``den`` (same ``n``, ``n_resamples``, ``seed``), so the interval
    is bounded whenever that test finds ``mean(den)`` different from 0 (as ``R`` grows, a
    vector counts only if ``|b| >= |B|``, the vectors that make that p-value). Returns
    ``(value, lo, hi)``; the ends are infinite where the accepted set is unbounded and NaN when
    there are no pairs or ``mean(den)`` is 0.
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    n = len(den)
    if n == 0 or den.mean() == 0:
        return np.nan, np.nan, np.nan
    big_a, big_b = float(num.mean()), float(den.mean())
    value = big_a / big_b
    signs, _ = sign_vectors(n, n_resamples, seed)
    total = len(signs)
    k = _accepted_from(level, total)  # accepted where count >= k
    base = 0  # sign vectors that count at R = -infinity
    pos, delta = [], []
    for start in range(0, total, 2000):
        s = signs[start : start + 2000].astype(float)
        a, b = s @ num / n, s @ den / n
        qa, qb, qc = b**2 - big_b**2, -2.0 * (a * b - big_a * big_b), a**2 - big_a**2
        flat = np.abs(qa) <= 1e-12 * max(big_b**2, 1e-300)
        disc = qb**2 - 4.0 * qa * qc
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(np.maximum(disc, 0.0))
            r1 = np.minimum((-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa))
            r2 = np.maximum((-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa))
            lin = -qc / qb
        # between the roots (qa < 0, real roots)
        inside = ~flat & (qa < 0) & (disc >= 0)
        pos += [r1[inside], r2[inside]]
        delta += [np.ones(inside.sum()), -np.ones(inside.sum())]
        # outside the roots (qa > 0): counts at -inf, leaves at r1, comes back at r2
        outside = ~flat & (qa > 0) & (disc > 0)
        base += int(outside.sum()) + int((~flat & (qa > 0) & (disc <= 0)).sum())
        pos += [r1[outside], r2[outside]]
        delta += [-np.ones(outside.sum()), np.ones(outside.sum())]
        # linear: qb R + qc >= 0
        up = flat & (qb > 0)
        down = flat & (qb < 0)
        still = flat & (qb == 0) & (qc >= 0)
        base += int(down.sum()) + int(still.sum())
        pos += [lin[up], lin[down]]
        delta += [np.ones(up.sum()), -np.ones(down.sum())]
    pos_a, delta_a = np.concatenate(pos), np.concatenate(delta)
    if not len(pos_a):
        return (value, -np.inf, np.inf) if base >= k else (value, value, value)
    order = np.lexsort((-delta_a, pos_a))  # at one point, arrivals before departures
    pos_a, counts = pos_a[order], base + np.cumsum(delta_a[order])
    # the accepted set holds the estimate (every vector counts there); its hull's ends:
    accepted = counts >= k
    lo = -np.inf if base >= k else float(pos_a[np.argmax(accepted)])
    if counts[-1] >= k:
        hi = np.inf
    else:
        last = len(counts) - 1 - int(np.argmax(accepted[::-1]))
        hi = float(pos_a[last + 1])
    return value, min(lo, value), max(hi, value)


def sign_flip(
    d, level: float = 0.95, n_resamples: int = 9999, seed: int = 0
) -> tuple[float, float, float, str]:
    """Sign-flip permutation test of a mean paired difference, and the interval that inverts it.

    Under the null hypothesis that the paired differences ``d`` are symmetric about ``mu0``,
    flipping the sign of any ``d_i - mu0`` leaves their distribution unchanged; the p-value of
    ``mu0`` is the share of sign vectors ``s`` (the identity included) with
    ``|mean(s (d - mu0))| >= |mean(d - mu0)|``. Every sign vector enumerated when
    ``len(d) <= EXACT_MAX_N``, otherwise ``n_resamples`` drawn at random plus the identity
    (Phipson and Smyth 2010). The interval is the set of ``mu0`` the test does not reject at
    ``1 - level`` (test inversion; Garthwaite 1996, Ernst 2004): with ``a = mean(s d)`` and
    ``c = mean(s)`` each sign vector counts for ``mu0`` on an interval of ``mu0`` (a concave
    quadratic in ``mu0`` is non-negative there) that contains ``mean(d)``, so the accepted set is
    an interval whose ends are order statistics of those intervals' ends. The p-value at 0 is
    read off the same intervals, so the interval excludes 0 exactly when ``p <= 1 - level``.

    Returns ``(lo, hi, p_value, method)``.
    """
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return np.nan, np.nan, np.nan, "none (no pairs)"
    m = float(d.mean())
    signs, method = sign_vectors(n, n_resamples, seed)
    lo_b = np.empty(len(signs))
    hi_b = np.empty(len(signs))
    for start in range(0, len(signs), 2000):
        s = signs[start : start + 2000].astype(float)
        a = s @ d / n
        c = s.mean(axis=1)
        qa, qb, qc = c**2 - 1.0, 2.0 * (m - a * c), a**2 - m**2
        whole = np.abs(qa) < 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(np.maximum(qb**2 - 4.0 * qa * qc, 0.0))
            r1, r2 = (-qb + root) / (2.0 * qa), (-qb - root) / (2.0 * qa)
        lo = np.where(whole, -np.inf, np.minimum(r1, r2))
        hi = np.where(whole, np.inf, np.maximum(r1, r2))
        # every interval contains mean(d) exactly; rounding must not move its ends past it
        lo_b[start : start + len(s)] = np.minimum(lo, m)
        hi_b[start : start + len(s)] = np.maximum(hi, m)
    total = len(signs)
    alpha = 1.0 - level
    k = _accepted_from(level, total)  # accepted where count >= k
    if k > total:
        return -np.inf, np.inf, 1.0, method
    interval_lo = float(np.sort(lo_b)[k - 1])
    interval_hi = float(np.sort(hi_b)[::-1][k - 1])
    p_value = float(np.count_nonzero((lo_b <= 0.0) & (hi_b >= 0.0)) / total)
    if p_value > alpha:
        # 0 is accepted, so it lies in the interval. With many zero differences an end of the
        # interval is exactly 0 in exact arithmetic: rounding must neither move it past 0 nor
        # leave it at -2e-17 (printed "-0.00")
        tol = 1e-12 * float(np.max(np.abs(d)))
        interval_lo = 0.0 if abs(interval_lo) <= tol else min(interval_lo, 0.0)
        interval_hi = 0.0 if abs(interval_hi) <= tol else max(interval_hi, 0.0)
    return interval_lo + 0.0, interval_hi + 0.0, p_value, method  # + 0.0: no negative zero
