"""A deterministic parallel sampler for pyabc: the same posterior on any number of workers.

Candidate ``i`` of generation ``t`` draws its parameters and its simulation from
``SeedSequence([seed, t + 1000, i])``; a generation is made of the first ``n`` accepted
candidates in rank order (see :class:`OrderedSampler`), so the result does not depend on how
many workers evaluate them.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import numpy as np

__all__ = ["make_sampler_class"]

_SIMULATE = None  # the generation's simulate_one, in this process and in every worker


def _install(payload: bytes) -> None:
    """Worker initializer: unpickle the generation's simulate_one (pickled by cloudpickle)."""
    import cloudpickle

    global _SIMULATE
    _SIMULATE = cloudpickle.loads(payload)


def _evaluate(seed: int):
    np.random.seed(seed)  # noqa: NPY002 (pyabc draws proposals from numpy's global generator)
    return _SIMULATE()


def make_sampler_class():
    """The :class:`OrderedSampler` class (built on first use: pyabc is imported only then)."""
    from pyabc.sampler import Sampler

    class OrderedSampler(Sampler):
        """Evaluate candidates in a fixed order with fixed seeds; keep the first ``n`` accepted.

        Candidate ``i`` of generation ``t`` draws its parameters and its simulation from
        ``SeedSequence([seed, t + 1000, i])``. Candidates run in batches of ``batch`` on
        ``workers`` processes (started afresh for each generation, which is sent to them
        pickled by cloudpickle, as pyabc's Dask sampler does); a generation is made of the
        first ``n`` accepted candidates in rank order and counts the evaluations up to the
        last of them. The
        result therefore does not depend on ``workers`` (a batch may run a few candidates
        past the last one kept; they are discarded).
        """

        def __init__(self, workers: int = 1, seed: int = 0, batch: int = 10, log=None):
            super().__init__()
            self.workers, self.seed, self.batch, self.log = workers, seed, batch, log

        def sample_until_n_accepted(
            self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
        ):
            import cloudpickle

            global _SIMULATE
            _SIMULATE = simulate_one
            sample = self._create_empty_sample()
            root = np.random.SeedSequence([self.seed, t + 1000])
            accepted = evaluated = 0
            pool = None
            if self.workers > 1:
                pool = mp.get_context("spawn").Pool(
                    self.workers, initializer=_install, initargs=(cloudpickle.dumps(simulate_one),)
                )
            started = time.perf_counter()
            try:
                while accepted < n and evaluated < max_eval:
                    seeds = [
                        int(s.generate_state(1)[0])
                        for s in root.spawn(self.batch)  # children first..first+batch-1
                    ]
                    if pool is None:
                        state = np.random.get_state()  # noqa: NPY002
                        results = [_evaluate(s) for s in seeds]
                        np.random.set_state(state)  # noqa: NPY002
                    else:
                        results = pool.map(_evaluate, seeds, chunksize=1)
                    for particle in results:
                        sample.append(particle)
                        evaluated += 1
                        accepted += bool(particle.accepted)
                        if accepted >= n or evaluated >= max_eval:
                            break
                    if self.log:
                        self.log(
                            f"  generation {t}: {accepted}/{n} accepted of {evaluated} "
                            f"({time.perf_counter() - started:.0f} s)"
                        )
            finally:
                if pool is not None:
                    pool.terminate()
            self.nr_evaluations_ = evaluated
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return OrderedSampler


def __getattr__(name):
    if name == "OrderedSampler":
        return make_sampler_class()
    raise AttributeError(name)
