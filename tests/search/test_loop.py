"""The search loop on a problem with a known front (DTLZ2), under noise.

The IGD threshold below was written into this file before the test was first run. That first
run measured the final population's front and failed (IGD 0.103 against 0.10: noise keeps
dominated members in the population). The search now returns the front of its archive, every
candidate evaluated (as epsilon-NSGA-II and Borg do), thinned to the population's size; this
test measures that, on the same case (noise seed 1, search seed 3) against the same threshold:
0.097. The final population's front on this case (0.103) fails it.
"""

import numpy as np
import pytest

from sim.search.loop import nondominated, run_search

#: DTLZ2, 3 objectives, 12 variables (Deb et al. 2005): the front is the unit sphere's octant.
N_VAR, N_OBJ = 12, 3
#: Noise on every objective of every evaluation, and replications averaged per evaluation.
NOISE_SD, REPS = 0.05, 4
#: Fixed before the first run: IGD of the search's final front (true values) below this.
IGD_MAX = 0.10


def dtlz2(x: np.ndarray) -> np.ndarray:
    """DTLZ2's true objectives of the rows of ``x`` (unit cube)."""
    g = ((x[:, N_OBJ - 1 :] - 0.5) ** 2).sum(axis=1)
    t = x[:, : N_OBJ - 1] * np.pi / 2
    f1 = (1 + g) * np.cos(t[:, 0]) * np.cos(t[:, 1])
    f2 = (1 + g) * np.cos(t[:, 0]) * np.sin(t[:, 1])
    f3 = (1 + g) * np.sin(t[:, 0])
    return np.column_stack([f1, f2, f3])


def noisy(seed: int):
    """An evaluator: the mean of ``REPS`` noisy evaluations, from a seeded generator."""
    rng = np.random.default_rng(seed)

    def evaluate(generation, x):
        true = dtlz2(x)
        noise = rng.normal(0.0, NOISE_SD, size=(REPS, *true.shape)).mean(axis=0)
        return true + noise, None

    return evaluate


def igd(front: np.ndarray) -> float:
    """Inverted generational distance of ``front`` to DTLZ2's true front (pymoo's)."""
    from pymoo.indicators.igd import IGD
    from pymoo.problems import get_problem

    return float(IGD(get_problem("dtlz2", n_var=N_VAR, n_obj=N_OBJ).pareto_front())(front))


@pytest.mark.slow
def test_dtlz2_under_noise_reaches_the_igd_fixed_in_advance():
    result = run_search(N_VAR, N_OBJ, noisy(1), pop_size=92, generations=120, seed=3)
    members, _ = result.archive_front(limit=92)
    assert len(members) == 92
    assert igd(dtlz2(members)) < IGD_MAX
    # the random front of the first generation is far from it: the search did the work
    first = result.generations[0].x
    assert igd(dtlz2(first[nondominated(dtlz2(first))])) > 2 * IGD_MAX


def test_the_same_seed_gives_the_same_search_and_another_seed_another():
    a = run_search(N_VAR, N_OBJ, noisy(1), pop_size=12, generations=4, seed=5)
    b = run_search(N_VAR, N_OBJ, noisy(1), pop_size=12, generations=4, seed=5)
    c = run_search(N_VAR, N_OBJ, noisy(1), pop_size=12, generations=4, seed=6)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.f, b.f)
    assert not np.array_equal(a.x, c.x)
    assert a.evaluations == sum(len(g.x) for g in a.generations) == 48


def test_constraints_keep_infeasible_members_off_the_front():
    # a budget: f1 + f2 at most 1.0 (feasible at g <= 0)
    def evaluate(generation, x):
        f = dtlz2(x)
        return f, (f[:, 0] + f[:, 1] - 1.0)[:, None]

    result = run_search(N_VAR, N_OBJ, evaluate, pop_size=20, generations=6, seed=2, n_constr=1)
    front = result.front()
    assert front.size > 0
    assert (result.g[front] <= 0).all()
    assert (result.f[front, 0] + result.f[front, 1] <= 1.0 + 1e-12).all()


def test_the_archive_front_is_the_nondominated_set_of_every_candidate_thinned_by_crowding():
    result = run_search(N_VAR, N_OBJ, noisy(2), pop_size=16, generations=5, seed=4)
    x_all, f_all, _ = result.archive()
    x, f = result.archive_front()
    assert len(x_all) == result.evaluations == 80
    # every member undominated by every candidate evaluated, and every such candidate kept
    for row in f:
        assert not np.any(np.all(f_all <= row, axis=1) & np.any(f_all < row, axis=1))
    assert len(x) == len(nondominated(f_all))
    thin, f_thin = result.archive_front(limit=5)
    assert len(thin) == 5
    # the extremes of each objective survive the thinning (infinite crowding distance)
    for k in range(N_OBJ):
        assert f_thin[:, k].min() == f[:, k].min()


def test_nondominated_keeps_exactly_the_undominated_rows():
    f = np.array([[1, 2], [2, 1], [2, 2], [1, 2], [0.5, 3], [3, 3]], float)
    assert nondominated(f).tolist() == [0, 1, 3, 4]
