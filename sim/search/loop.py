"""The search loop: NSGA-II (Deb et al. 2002) by ask and tell, on any evaluator.

pymoo's NSGA-II proposes candidates in the unit cube; the evaluator returns their objectives
(and constraint values, feasible at or below 0). The loop knows nothing of the model: the same
code searches DTLZ2 in the tests and the lever space in :mod:`sim.search.command`.

NSGA-II and not NSGA-III: the searches here have three or four objectives and small
populations (tens of candidates, each costing tens of runs). NSGA-III's reference directions
pay off from about five objectives and need a population matched to them; NSGA-II's crowding
distance needs neither (Deb and Jain 2014 compare the two). The EMA Workbench's optimiser
(epsilon-NSGA-II through platypus) would need epsilons per objective chosen in advance and a
second optimisation library.

Every draw of the search comes from the algorithm's own generator, seeded by the search's seed
(pymoo's ``Algorithm.random_state``): the same seed and the same evaluations give the same
candidates, which is what lets a killed search resume to the identical front
(:mod:`sim.search.command` stores each generation's evaluations on disk and replays them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Generation", "SearchResult", "nondominated", "run_search"]


@dataclass
class Generation:
    """One generation's candidates (unit cube), objectives and constraint values."""

    index: int
    x: np.ndarray
    f: np.ndarray
    g: np.ndarray | None = None


@dataclass
class SearchResult:
    """The final population and every generation evaluated."""

    x: np.ndarray  # final population, unit cube
    f: np.ndarray  # their in-search objectives
    g: np.ndarray | None
    generations: list[Generation] = field(default_factory=list)

    @property
    def evaluations(self) -> int:
        """Candidates evaluated over the search."""
        return sum(len(gen.x) for gen in self.generations)

    def front(self) -> np.ndarray:
        """Indices of the final population's feasible nondominated members."""
        return _feasible_front(self.f, self.g)

    def archive(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Every candidate evaluated (unit cube), its objectives and constraint values."""
        x = np.vstack([gen.x for gen in self.generations])
        f = np.vstack([gen.f for gen in self.generations])
        g = None if self.g is None else np.vstack([gen.g for gen in self.generations])
        return x, f, g

    def archive_front(self, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The feasible nondominated candidates of the whole search: unit-cube points, objectives.

        The front of every candidate evaluated, not only of the last population, as the
        archives of epsilon-NSGA-II and Borg keep it (Kollat and Reed 2006; Hadka and Reed
        2013): a noisy search loses good candidates from its population that the archive
        keeps. Duplicated points are kept once. With ``limit``, a larger front is thinned to
        ``limit`` members by NSGA-II's crowding distance, the extremes first (Deb et al. 2002).
        Its members' in-search values carry the selection's optimism; re-evaluate them on
        fresh seeds (:func:`sim.search.fronts.reevaluated_front`).
        """
        x, f, g = self.archive()
        _, first = np.unique(x, axis=0, return_index=True)
        first = np.sort(first)
        idx = first[_feasible_front(f[first], None if g is None else g[first])]
        if limit is not None and idx.size > limit:
            idx = idx[_thin(f[idx], limit)]
        return x[idx], f[idx]


def _feasible_front(f: np.ndarray, g: np.ndarray | None) -> np.ndarray:
    """Indices of the feasible rows of ``f`` that no other feasible row dominates."""
    feasible = np.ones(len(f), bool) if g is None else (g <= 0).all(axis=1)
    idx = np.flatnonzero(feasible)
    if idx.size == 0:
        return idx
    return idx[nondominated(f[idx])]


def _thin(f: np.ndarray, limit: int) -> np.ndarray:
    """``limit`` rows of a front, removing the most crowded one at a time (sorted indices)."""
    from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

    keep = np.arange(len(f))
    while keep.size > limit:
        crowd = calc_crowding_distance(f[keep])
        # a tenth of the surplus at a time (at least one), the most crowded first
        drop = max(1, (keep.size - limit) // 10)
        keep = np.delete(keep, np.argsort(crowd, kind="stable")[:drop])
    return keep


def nondominated(f: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``f`` (minimised) that no other row dominates, in row order.

    Duplicated rows are all kept (none dominates the other).
    """
    f = np.asarray(f, dtype=float)
    keep = []
    for i in range(len(f)):
        others = np.delete(f, i, axis=0)
        dominated = np.any(np.all(others <= f[i], axis=1) & np.any(others < f[i], axis=1))
        if not dominated:
            keep.append(i)
    return np.asarray(keep, dtype=int)


def run_search(
    n_var: int,
    n_obj: int,
    evaluate: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray | None]],
    *,
    pop_size: int,
    generations: int,
    seed: int,
    n_constr: int = 0,
    on_generation: Callable[[Generation], None] | None = None,
) -> SearchResult:
    """Search the unit cube ``[0, 1]^n_var`` with NSGA-II for ``generations`` generations.

    ``evaluate(generation, x)`` returns the objectives ``(len(x), n_obj)`` (minimised) and the
    constraint values ``(len(x), n_constr)`` or None. The first generation is ``pop_size``
    candidates sampled at random, each later one ``pop_size`` offspring (simulated binary
    crossover and polynomial mutation, pymoo's defaults for NSGA-II), duplicates removed.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    problem = Problem(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=0.0, xu=1.0)
    algorithm = NSGA2(pop_size=pop_size, eliminate_duplicates=True)
    algorithm.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    done: list[Generation] = []
    for index in range(generations):
        pop = algorithm.ask()
        x = np.asarray(pop.get("X"), dtype=float)
        f, g = evaluate(index, x)
        f = np.asarray(f, dtype=float).reshape(len(x), n_obj)
        kwargs = {"F": f}
        if n_constr:
            g = np.asarray(g, dtype=float).reshape(len(x), n_constr)
            kwargs["G"] = g
        Evaluator().eval(StaticProblem(problem, **kwargs), pop)
        algorithm.tell(infills=pop)
        gen = Generation(index, x, f, g if n_constr else None)
        done.append(gen)
        if on_generation is not None:
            on_generation(gen)
    final = algorithm.pop
    g = np.asarray(final.get("G"), dtype=float) if n_constr else None
    return SearchResult(
        np.asarray(final.get("X"), dtype=float), np.asarray(final.get("F"), dtype=float), g, done
    )
