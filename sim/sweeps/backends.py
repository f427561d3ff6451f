"""Where runs run: this process, local worker processes, or a Dask cluster.

* ``processes``: local worker processes (forkserver where available); each watches a pipe that
  only the sweep's process holds, so the workers end with it however it ends.
* ``dask``: a local cluster, or a running scheduler at ``scheduler``, reached within
  ``scheduler_timeout`` seconds or refused.

:func:`drive` keeps a backend busy with batches and hands back finished rows.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Iterator
from typing import override

from sim.sweeps.designs import SweepError
from sim.sweeps.plan import RunSpec
from sim.sweeps.worker import run_batch

__all__ = [
    "BACKENDS",
    "Batch",
    "Dask",
    "InProcess",
    "Pool",
    "SweepAborted",
    "TICK_SECONDS",
    "batches_of",
    "drive",
    "explain_broken_pool",
    "watch_parent",
]


BACKENDS = ("processes", "dask")


#: Longest wait, in seconds, between two checks whether buffered rows are due on disk.
TICK_SECONDS = 0.25


class SweepAborted(RuntimeError):
    """A sweep stopped for a reason outside its input (a worker killed by the system)."""


# ---- backends ----------------------------------------------------------------------------------
class Backend:
    """What :func:`drive` asks of a backend: take batches, say which finished, give rows back."""

    #: Batches kept in flight at once.
    capacity = 1

    def submit(self, batch: list):
        """Start a batch of run specs; returns a handle (a future)."""
        raise NotImplementedError

    def wait(self, pending, timeout: float) -> list:
        """The handles of ``pending`` that finished, waiting at most ``timeout`` seconds."""
        raise NotImplementedError

    def result(self, fut):
        """A finished batch's ``(rows, event_frames, specs_not_run)``."""
        raise NotImplementedError

    def close(self, abort: bool = False) -> None:
        """Release the workers; ``abort`` (an interruption): at once, losing runs in flight."""


class Batch:
    """A batch run in this process: its specs, then its result."""

    __slots__ = ("result", "specs")

    def __init__(self, specs):
        self.specs, self.result = specs, None


class InProcess(Backend):
    """Runs batches in this process, one per :meth:`wait` (workers=1)."""

    capacity = 1

    def __init__(self, events: bool, budget: float):
        self.events, self.budget = events, budget

    @override
    def submit(self, batch):
        return Batch(batch)

    @override
    def wait(self, pending, timeout):
        fut = next(iter(pending))
        fut.result = run_batch(fut.specs, self.events, self.budget)
        return [fut]

    @override
    def result(self, fut):
        return fut.result

    @override
    def close(self, abort: bool = False):
        pass


def _main_is_unguarded_script() -> bool:
    main = sys.modules.get("__main__")
    return bool(getattr(main, "__file__", None)) and getattr(main, "__spec__", None) is None


def explain_broken_pool(exitcodes: list[int | None]) -> str:
    """The message for a worker pool that broke, from its workers' exit codes."""
    resume = "the runs finished before are saved: rerun the same command (same out) to resume"
    killed = [-c for c in exitcodes if c is not None and c < 0]
    if killed:
        try:
            name = signal.Signals(killed[0]).name
        except ValueError:
            name = f"signal {killed[0]}"
        return (
            f"a sweep worker process was killed by {name}"
            + (" (the system may have run out of memory)" if name == "SIGKILL" else "")
            + f"; {resume}"
        )
    if _main_is_unguarded_script():
        return (
            "a sweep worker process could not start. If you start sweeps with workers > 1 from "
            'a script, put the call under `if __name__ == "__main__":` (worker processes import '
            f"the main script again); {resume}"
        )
    codes = ", ".join(str(c) for c in exitcodes if c) or "unknown"
    return f"a sweep worker process ended unexpectedly (exit code {codes}); {resume}"


def watch_parent(alive) -> None:
    """Worker start-up: end this process as soon as the sweep's process is gone.

    ``alive`` is the reading end of a pipe whose writing end only the sweep's process holds:
    when that process ends, however it ends (SIGKILL included), the pipe reports its end and
    the worker exits at once, instead of blocking on a result nobody reads. Ctrl-C is the
    sweep's to handle: the worker ignores it (the sweep saves finished rows and stops).
    """
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    @override
    def wait():
        try:
            alive.poll(None)
        finally:
            os._exit(1)

    threading.Thread(target=wait, name="watch-parent", daemon=True).start()


class Pool(Backend):
    """Local worker processes (forkserver where available), which end when the sweep ends."""

    def __init__(self, workers: int, events: bool, budget: float):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.sweeps.worker", "sim.model.coordinator"])
        self._alive, self._keep_alive = ctx.Pipe(duplex=False)
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=watch_parent,
            initargs=(self._alive,),
        )
        self.capacity = 2 * workers
        self.events, self.budget = events, budget
        self.procs: dict = {}

    @override
    def submit(self, batch):
        from concurrent.futures.process import BrokenProcessPool

        try:
            fut = self.pool.submit(run_batch, batch, self.events, self.budget)
        except BrokenProcessPool:
            raise self._broken() from None
        self.procs.update(self.pool._processes or {})
        return fut

    def _broken(self) -> SweepAborted:
        codes = []
        for p in self.procs.values():
            p.join(timeout=1.0)
            codes.append(p.exitcode)
        return SweepAborted(explain_broken_pool(codes))

    @override
    def wait(self, pending, timeout):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    @override
    def result(self, fut):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:
            raise self._broken() from None

    @override
    def close(self, abort: bool = False):
        """Shut the workers down; on ``abort`` (an interruption) at once, losing runs in flight.

        Closing the pipe the workers watch ends each of them within milliseconds; the pool is
        then left to notice, without waiting for batches nobody will read.
        """
        if abort:
            self._keep_alive.close()
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(self.procs.values()):
                proc.join(timeout=2.0)
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self._keep_alive.close()
        self._alive.close()


class Dask(Backend):
    """A Dask cluster: a local one, or a running scheduler at ``scheduler``."""

    def __init__(self, workers, events, budget, scheduler, timeout):
        import logging

        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            if not isinstance(scheduler, str) or "://" not in scheduler:
                raise SweepError(
                    "scheduler",
                    f"must be a Dask scheduler address such as tcp://HOST:8786, got {scheduler!r}",
                )
            try:
                self.client = Client(scheduler, timeout=f"{timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                raise SweepError(
                    "scheduler",
                    f"no Dask scheduler answered at {scheduler} within {timeout:g} s ({first})",
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        self.capacity = 2 * max(1, workers)
        self.events, self.budget = events, budget

    @override
    def submit(self, batch):
        return self.client.submit(run_batch, batch, self.events, self.budget, pure=False)

    @override
    def wait(self, pending, timeout):
        from dask.distributed import wait

        try:
            wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return [f for f in pending if f.done()]

    @override
    def result(self, fut):
        return fut.result()

    @override
    def close(self, abort: bool = False):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def drive(backend, batches: Iterator[list], on_rows, tick, tick_seconds: float = TICK_SECONDS):
    """Keep ``backend`` busy with ``batches``; hand back finished rows; ``tick`` between waits.

    A batch that stopped at its time budget comes back with the specs it did not run, which
    are submitted again. ``tick`` runs at least every ``tick_seconds``, whether or not a batch
    finished, so buffered rows reach disk on time.
    """
    pending: set = set()
    exhausted = False

    def refill():
        nonlocal exhausted
        while not exhausted and len(pending) < backend.capacity:
            batch = next(batches, None)
            if batch is None:
                exhausted = True
            else:
                pending.add(backend.submit(batch))

    refill()
    while pending:
        for fut in backend.wait(pending, tick_seconds):
            pending.discard(fut)
            rows, frames, rest = backend.result(fut)
            on_rows(rows, frames)
            if rest:
                pending.add(backend.submit(rest))
        tick()
        refill()


def batches_of(specs: Iterator[RunSpec], size: int) -> Iterator[list[RunSpec]]:
    """The specs in batches of ``size`` (the last one shorter)."""
    while True:
        batch = list(itertools.islice(specs, size))
        if not batch:
            return
        yield batch
