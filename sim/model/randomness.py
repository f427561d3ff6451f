"""Common random numbers by entity: counter-based draws keyed by what they belong to.

Every draw of a run is a pure function of the run's seed and a key: the process it serves, the
entity it belongs to (a trip by its day and its index within the day, a cell by the event that
founded it, a region by its index) and a counter. No draw depends on how many other draws were
made before it, so a policy change that adds an escort, removes a cell's attack or lengthens a
wait never shifts another trip's or cell's numbers. This is the "slots" idea of Starsim (the same
agent draws the same number whatever the others do) and the counter-based generators of Salmon
et al. (2011, "Parallel random numbers: as easy as 1, 2, 3"), here with the SplitMix64 mixing
function (Steele, Lea and Flood 2014) chained over the key's integers: about a microsecond a
uniform draw in pure Python, cheaper than building one generator object per trip.

Distributions that are drawn often (uniform, exponential, Poisson with a small mean, a choice)
are computed from one keyed uniform by inversion. The same function runs on numpy arrays of
keys (:func:`hashes`, :func:`uniforms`): a horizon's trips are drawn in one vectorized pass, and
every number equals the one the scalar call gives for its key. Rare events that need several
draws of numpy's distributions (the casualties of an attack) get a numpy ``Generator`` on a
``Philox`` bit generator whose key is the entity's hash.

Never key a draw by Mesa's ``unique_id``: it counts every agent created, guard units included,
so it shifts with the policy.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

import numpy as np

__all__ = [
    "BLOCK_DAYS",
    "DayStream",
    "Draws",
    "hashes",
    "name_key",
    "poisson_inverse",
    "poisson_table",
    "uniforms",
]

_M = (1 << 64) - 1
#: Days of a daily stream computed in one vectorized pass.
BLOCK_DAYS = 64
_GOLDEN = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53


def _mix(z: int) -> int:
    """SplitMix64's output function: a bijection of 64-bit integers with good avalanche."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M
    return z ^ (z >> 31)


def _absorb(h: int, key) -> int:
    for k in key:
        h = _mix(((h ^ (k & _M)) + _GOLDEN) & _M)
    return h


_M64 = np.uint64(_M)
_C1, _C2, _G64 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(_GOLDEN)
_S30, _S27, _S31, _S11 = (np.uint64(k) for k in (30, 27, 31, 11))


def hashes(h, *key) -> np.ndarray:
    """:meth:`Draws.child` on arrays: the hashes of ``h`` (one or an array) extended by ``key``.

    Each element of ``key`` is an integer or an array of integers (broadcast together); uint64
    arithmetic wraps modulo 2**64 as the scalar code's masks do.
    """
    z = np.asarray(h, dtype=np.uint64)
    with np.errstate(over="ignore"):  # the wrap is the arithmetic, as in the scalar masks
        for k in key:
            z = (z ^ np.asarray(k).astype(np.uint64)) + _G64
            z = (z ^ (z >> _S30)) * _C1
            z = (z ^ (z >> _S27)) * _C2
            z = z ^ (z >> _S31)
    return z


def uniforms(h, *key) -> np.ndarray:
    """:meth:`Draws.random` on arrays: the uniform number of each hash in ``h`` and ``key``."""
    return (hashes(h, *key) >> _S11).astype(np.float64) * _TO_UNIT


@lru_cache(maxsize=64)
def poisson_table(mean: float) -> np.ndarray:
    """Cumulative Poisson probabilities as :meth:`Draws.poisson` sums them (mean up to 30).

    ``np.searchsorted(table, u, side="right")`` is then the count :meth:`Draws.poisson` gives
    for the uniform ``u``, to the last bit.
    """
    if mean <= 0.0:
        return np.array([np.inf])
    p = math.exp(-mean)
    out, cdf = [p], p
    for k in range(1, 1001):
        p *= mean / k
        cdf += p
        out.append(cdf)
    out[-1] = np.inf  # the scalar loop stops at 1000
    return np.asarray(out)


def poisson_inverse(mean: float, u: float) -> int:
    """The Poisson count (mean up to 30) of the uniform ``u``, by inversion."""
    p = math.exp(-mean)
    k, cdf = 0, p
    while u >= cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return k


class DayStream:
    """The uniforms ``draws.random(*before, day, *after)`` of consecutive days, drawn in blocks.

    A daily draw of one entity (a cell's interdiction, a region's tips, a site's guard) costs a
    list lookup; ``block`` days are computed at a time with :func:`uniforms`, each equal to
    the scalar draw for its key.
    """

    __slots__ = ("after", "block", "first", "h", "values")

    def __init__(self, draws: Draws, *before: int, after: tuple = (), block: int = 366):
        self.h = _absorb(draws.h, before)  # the part of the key before the day, once
        self.after, self.block = after, block
        self.first = 0
        self.values: list[float] = []

    def __call__(self, day: int) -> float:
        """The uniform of ``day``."""
        i = day - self.first
        if i < 0 or i >= len(self.values):
            self.first, i = day, 0
            days = np.arange(day, day + self.block)
            self.values = uniforms(self.h, days, *self.after).tolist()
        return self.values[i]


def name_key(name: str) -> int:
    """A stable integer for a process or draw name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode())


class Draws:
    """The draws of one entity (or of the whole run, at the root): keyed, order-free.

    ``Draws.root(seed).child(*key)`` names an entity; its ``random(*key)`` is the same number
    every time it is asked with the same key, whatever else has been drawn.
    """

    __slots__ = ("h",)

    def __init__(self, h: int):
        self.h = h

    @classmethod
    def root(cls, seed: int) -> Draws:
        """The draws of a run with ``seed``."""
        return cls(_mix((int(seed) + _GOLDEN) & _M))

    def child(self, *key: int) -> Draws:
        """The draws of a sub-entity or process named by integers ``key``."""
        return Draws(_absorb(self.h, key))

    def random(self, *key: int) -> float:
        """A uniform number in [0, 1)."""
        return (_absorb(self.h, key) >> 11) * _TO_UNIT

    def exponential(self, scale: float, *key: int) -> float:
        """An exponential number with mean ``scale`` (inversion)."""
        return -scale * math.log1p(-self.random(*key))

    def integers(self, n: int, *key: int) -> int:
        """A whole number in ``0 .. n-1``, each equally likely."""
        return min(int(self.random(*key) * n), n - 1)

    def pick(self, cdf: np.ndarray, *key: int) -> int:
        """An index drawn with the probabilities whose cumulative sums are ``cdf``."""
        i = int(np.searchsorted(cdf, self.random(*key), side="right"))
        return min(i, len(cdf) - 1)

    def poisson(self, mean: float, *key: int) -> int:
        """A Poisson count: inversion for means up to 30, numpy's sampler above."""
        if mean <= 0.0:
            return 0
        if mean > 30.0:
            return int(self.generator(*key).poisson(mean))
        return poisson_inverse(mean, self.random(*key))

    def generator(self, *key: int) -> np.random.Generator:
        """A numpy generator of its own for an event that needs many draws (Philox, keyed)."""
        return np.random.Generator(np.random.Philox(key=_absorb(self.h, key)))
