"""Keyed, counter-based draws: a pure function of seed and key, uniform, independent of order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.model.randomness import Draws, name_key


def test_a_draw_depends_on_seed_and_key_only():
    a, b = Draws.root(3), Draws.root(3)
    assert a.random(1, 2, 3) == b.random(1, 2, 3)
    b.random(9)  # another draw in between changes nothing
    assert a.child(1, 2).random(3) == b.random(1, 2, 3)
    assert a.random(1, 2, 3) != a.random(1, 2, 4)
    assert a.random(1, 2, 3) != a.random(3, 2, 1)
    assert a.random(1, 2, 3) != Draws.root(4).random(1, 2, 3)
    assert name_key("trips") != name_key("cell") and name_key("trips") == name_key("trips")


def test_keyed_uniforms_are_uniform_and_uncorrelated():
    d = Draws.root(11)
    xs = np.array([d.random(7, i) for i in range(20_000)])
    ys = np.array([d.random(8, i) for i in range(20_000)])
    assert stats.kstest(xs, "uniform").pvalue > 0.001
    assert abs(np.corrcoef(xs, ys)[0, 1]) < 4 / math.sqrt(len(xs))
    assert abs(np.corrcoef(xs[:-1], xs[1:])[0, 1]) < 4 / math.sqrt(len(xs))
    seeds = np.array([Draws.root(s).random(0) for s in range(20_000)])
    assert stats.kstest(seeds, "uniform").pvalue > 0.001


@pytest.mark.parametrize("mean", [0.02, 3.0, 9.0, 45.0])
def test_poisson_counts_have_the_right_distribution(mean):
    d = Draws.root(5)
    ks = np.array([d.poisson(mean, i) for i in range(8_000)])
    assert abs(ks.mean() - mean) < 4 * math.sqrt(mean / len(ks))
    assert abs(ks.var() / mean - 1) < 5 * math.sqrt((2 + 1 / mean) / len(ks))
    assert d.poisson(0.0, 1) == 0


def test_exponential_integers_and_pick():
    d = Draws.root(2)
    xs = np.array([d.exponential(3.0, i) for i in range(8_000)])
    assert stats.kstest(xs, "expon", args=(0, 3.0)).pvalue > 0.001
    ks = np.array([d.integers(4, i) for i in range(8_000)])
    assert set(ks) == {0, 1, 2, 3} and abs(np.mean(ks == 3) - 0.25) < 0.02
    cdf = np.cumsum([0.1, 0.6, 0.3])
    picks = np.array([d.pick(cdf, i) for i in range(8_000)])
    assert abs(np.mean(picks == 1) - 0.6) < 0.025


def test_a_keyed_generator_is_reproducible_and_distinct():
    d = Draws.root(8)
    assert d.generator(1).random() == d.generator(1).random()
    assert d.generator(1).random() != d.generator(2).random()


def test_every_draw_key_is_named_once_and_no_two_names_collide():
    import ast
    from pathlib import Path

    from sim.model import keys
    from sim.model.randomness import name_key

    assert len(set(keys.KEYS.values())) == len(keys.KEYS)
    assert all(name_key(n) == k for n, k in keys.KEYS.items())
    # nothing outside the registry makes a key of its own
    root = Path(__file__).resolve().parents[2]
    for path in [*(root / "sim").rglob("*.py"), *(root / "agents").rglob("*.py")]:
        if path.name in ("keys.py", "randomness.py"):
            continue
        calls = [
            n for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "name_key"
        ]  # fmt: skip
        assert calls == [], path
