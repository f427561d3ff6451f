"""Running a sweep: workers, backends, progress, and the guarantees about results on disk.

* **Never lose or repeat a run.** A rerun with the same ``out`` reads the ids already on disk and
  runs only the rest, so a sweep killed at any moment and rerun ends with exactly the rows of an
  uninterrupted one. A kill loses at most the runs in flight: workers return their rows in
  batches of at most ``batch_seconds`` of work, and the parent writes a part as soon as a
  buffered row has waited ``flush_seconds`` (checked at least every ``TICK_SECONDS``), so a
  finished row reaches disk within about two seconds.
* **Failures.** A run that raises becomes a row with ``status="failed"`` and its error, and the
  sweep goes on; ``retry_failed=True`` runs a folder's failed rows again on resume, replacing
  them. A worker process killed by the system (for example out of memory) stops the sweep
  with a message that says so and how to resume.
* **Backends.** ``processes`` (local worker processes; works from notebooks, since workers only
  import this package) and ``dask`` (a local cluster, or a running scheduler at ``scheduler``,
  reached within ``scheduler_timeout`` seconds or refused).
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, nullcontext
from pathlib import Path

from scenarios.schema import Scenario
from sim.files.ownership import make_folder, remove_created
from sim.model.outcomes import OUTCOMES
from sim.sweeps.designs import Experiment, SweepError, experiment_from_kwargs
from sim.sweeps.plan import Plan, RunSpec, check_labels
from sim.sweeps.store import (
    ResultStore,
    SweepLock,
    _write_error,
    check_or_write_identity,
    record_replications,
)

__all__ = ["SweepAborted", "run_batch", "run_one", "run_sweep", "sweep"]

BACKENDS = ("processes", "dask")
#: Longest wait, in seconds, between two checks whether buffered rows are due on disk.
TICK_SECONDS = 0.25


class SweepAborted(RuntimeError):
    """A sweep stopped for a reason outside its input (a worker killed by the system)."""


# ---- one run -----------------------------------------------------------------------------------
def _row(spec: RunSpec) -> dict:
    from scenarios.compose import GROUPS
    from scenarios.schema import Threat

    row = {
        "run_id": spec.run_id,
        "replication": spec.replication,
        "point": spec.point,
        "seed": spec.seed,
        "policy": spec.policy,
        "posterior_draw": spec.draw,
    }
    threat = spec.scenario["threat"]
    row["threat"] = threat.get("name", "")
    row["network"] = spec.scenario["network"].get("kind", "")
    for f in Threat.fields():
        if f.name != "name":
            row[f.name] = threat.get(f.name, f.default)
    for key, value in spec.design.items():
        if key not in GROUPS and not key.startswith("threat."):
            row[key] = value
    row["days"] = int(spec.scenario["days"])
    return row


def run_one(spec: RunSpec, events: bool = False):
    """Run one spec; never raises: a failure becomes a row with its error."""
    from sim.files.provenance import __version__
    from sim.model import CorridorModel
    from sim.model.network import shared_graph

    started = time.perf_counter()
    row = _row(spec)
    frame = None
    try:
        check_labels(spec.policy, spec.design, spec.scenario)
        sc = Scenario.from_dict(spec.scenario)
        # built (or a GraphML file read) once per worker when it does not depend on the seed
        model = CorridorModel(sc, graph=shared_graph(sc.network, read_files=True))
        model.run()
        row.update(model.outcomes())
        row["status"], row["error"] = "ok", None
        if events:
            frame = model.events
            frame.insert(0, "run_id", spec.run_id)
    except Exception as exc:  # noqa: BLE001 - a failing run is recorded, the sweep goes on
        row.update(dict.fromkeys(OUTCOMES, math.nan))
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        row["status"], row["error"] = "failed", f"{type(exc).__name__}: {exc}{where}"
    row["version"] = __version__
    row["runtime_s"] = time.perf_counter() - started
    return row, frame


def run_batch(
    specs: list[RunSpec], events: bool = False, budget: float | None = None, clock=time.monotonic
):
    """Run specs in this process (the unit of work sent to a worker).

    Stops after at least one run once ``budget`` seconds have passed, so finished rows go back
    to the parent soon; returns ``(rows, event_frames, specs_not_run)``.
    """
    rows, frames = [], []
    start = clock()
    for i, spec in enumerate(specs):
        row, frame = run_one(spec, events)
        rows.append(row)
        if frame is not None and len(frame):
            frames.append(frame)
        if budget is not None and clock() - start >= budget:
            return rows, frames, list(specs[i + 1 :])
    return rows, frames, []


# ---- backends ----------------------------------------------------------------------------------
class _Batch:
    """A batch run in this process: its specs, then its result."""

    __slots__ = ("result", "specs")

    def __init__(self, specs):
        self.specs, self.result = specs, None


class _InProcess:
    """Runs batches in this process, one per :meth:`wait` (workers=1)."""

    capacity = 1

    def __init__(self, events: bool, budget: float):
        self.events, self.budget = events, budget

    def submit(self, batch):
        return _Batch(batch)

    def wait(self, pending, timeout):
        fut = next(iter(pending))
        fut.result = run_batch(fut.specs, self.events, self.budget)
        return [fut]

    def result(self, fut):
        return fut.result

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

    def wait():
        try:
            alive.poll(None)
        finally:
            os._exit(1)

    threading.Thread(target=wait, name="watch-parent", daemon=True).start()


class _Pool:
    """Local worker processes (forkserver where available), which end when the sweep ends."""

    def __init__(self, workers: int, events: bool, budget: float):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.sweeps.execution", "sim.model"])
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

    def wait(self, pending, timeout):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def result(self, fut):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:
            raise self._broken() from None

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


class _Dask:
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

    def submit(self, batch):
        return self.client.submit(run_batch, batch, self.events, self.budget, pure=False)

    def wait(self, pending, timeout):
        from dask.distributed import wait

        try:
            wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return [f for f in pending if f.done()]

    def result(self, fut):
        return fut.result()

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


def _batches(specs: Iterator[RunSpec], size: int) -> Iterator[list[RunSpec]]:
    while True:
        batch = list(itertools.islice(specs, size))
        if not batch:
            return
        yield batch


class _Progress:
    def __init__(self, total: int, initial: int, enabled: bool, label: str):
        self.bar = None
        if enabled:
            try:  # a widget in notebooks when ipywidgets is there, text otherwise
                import ipywidgets  # noqa: F401
                from tqdm.auto import tqdm
            except ImportError:
                from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=initial,
                desc=label,
                unit="run",
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=0.5,
            )

    def update(self, n: int, failures: int) -> None:
        if self.bar is not None:
            self.bar.set_postfix(failed=failures, refresh=False)
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---- a sweep -----------------------------------------------------------------------------------
def _check_out(out) -> Path:
    """``out`` as a path that can become a sweep folder of this sweep; refused before anything runs.

    It must be new, empty or a sweep folder (:mod:`sim.files.ownership`): a folder holding
    anything a sweep did not write is refused, naming it, so a sweep never writes among a user's
    files.
    """
    from sim.files.ownership import check_folder, check_writable

    if not isinstance(out, (str, os.PathLike)) or not str(out):
        raise SweepError("out", f"must be a folder path, got {out!r}")
    out = Path(out)
    check_folder(out, "sweep", "out")
    check_writable(out, field="out")
    return out


def default_workers() -> int:
    """Workers when none are given: ``SIM_WORKERS`` if set (the tests set 1), else the cores."""
    value = os.environ.get("SIM_WORKERS")
    if value:
        try:
            return int(value)
        except ValueError:
            raise SweepError("SIM_WORKERS", f"must be a whole number, got {value!r}") from None
    return os.cpu_count() or 1


def _check_settings(
    workers, backend, flush_rows, flush_seconds, batch_seconds, retry_failed, events, progress
):
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise SweepError("workers", f"must be a whole number from 1 to 1,024, got {workers!r}")
    if backend not in BACKENDS:
        raise SweepError("backend", f"unknown backend {backend!r}; allowed: processes, dask")
    if isinstance(flush_rows, bool) or not isinstance(flush_rows, int) or flush_rows < 1:
        raise SweepError("flush_rows", f"must be a whole number >= 1, got {flush_rows!r}")
    for name, value in (("flush_seconds", flush_seconds), ("batch_seconds", batch_seconds)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
            raise SweepError(name, f"must be a number of seconds in (0, 3600], got {value!r}")
    for name, value in (("retry_failed", retry_failed), ("events", events), ("progress", progress)):
        if not isinstance(value, bool):
            raise SweepError(name, f"must be true or false, got {value!r}")


def run_sweep(
    exp: Experiment | Plan,
    out: str | Path,
    *,
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    scheduler_timeout: float = 10.0,
    events: bool = False,
    progress: bool = True,
    retry_failed: bool = False,
    flush_rows: int = 500,
    flush_seconds: float = 1.0,
    batch_seconds: float = 0.5,
    header: str | None = None,
) -> ResultStore:
    """Run what is missing of ``exp`` (or of its plan) under ``out``; returns the store.

    Every input is checked before anything is written: a bad one raises :class:`SweepError`
    and leaves ``out`` as it was. ``header`` is printed to stderr once the checks have passed.
    """
    from sim.files.provenance import __version__

    _check_settings(
        workers, backend, flush_rows, flush_seconds, batch_seconds, retry_failed, events, progress
    )
    plan = exp if isinstance(exp, Plan) else Plan(exp)
    exp = plan.exp
    out = _check_out(out)
    with ExitStack() as stack:
        if backend == "dask":
            be = _Dask(workers, events, batch_seconds, scheduler, scheduler_timeout)
        elif workers > 1:
            be = _Pool(workers, events, batch_seconds)
        else:
            be = _InProcess(events, batch_seconds)
        # an exception (Ctrl-C, SIGTERM, a refusal) aborts the workers instead of waiting
        stack.push(lambda kind, value, tb: be.close(abort=kind is not None))
        try:
            created = make_folder(out)
        except OSError as exc:
            raise _write_error(out, exc) from None
        try:
            lock = stack.enter_context(SweepLock(out))
            ident = check_or_write_identity(out, plan, __version__, events)
            store = ResultStore(
                out,
                ident,
                layout=(list(exp.policies), plan.n_points),
                retry_failed=retry_failed,
                flush_rows=flush_rows,
                flush_seconds=flush_seconds,
            )
            lock.claim()
            record_replications(out, exp.replications)
        except SweepError:
            stack.close()
            if created:
                (out / ".lock").unlink(missing_ok=True)
            remove_created(created)
            raise
        store.replications = exp.replications
        todo = plan.total - sum(1 for i in store.done if i < plan.total)
        if header:
            print(header, file=sys.stderr)
        bar = _Progress(plan.total, plan.total - todo, progress and todo > 0, exp.name)
        size = max(1, min(50, math.ceil(todo / max(1, workers * 16))))

        def on_rows(rows, frames):
            store.add(rows, frames)
            bar.update(len(rows), store.failed)

        try:
            drive(be, _batches(plan.runs(skip=store.done), size), on_rows, store.tick)
        finally:
            try:
                store.flush()
            finally:
                bar.close()
    return store


def sweep(
    experiment: str | Experiment | None = None,
    *,
    policies=None,
    threats=None,
    design: dict | None = None,
    replications: int | None = None,
    seed: int | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    posterior: int | None = None,
    posterior_file: str | Path | None = None,
    workers: int | None = None,
    backend: str = "processes",
    scheduler: str | None = None,
    out: str | Path | None = None,
    events: bool = False,
    progress: bool = True,
    retry_failed: bool = False,
    precision: dict | None = None,
    max_replications: int = 2000,
    pilot: int = 30,
    baseline: str = "domestic_baseline",
    **kwargs,
):
    """Run a sweep and return its results table (one row per run).

    ``experiment`` names a file of ``conf/experiment/`` (or is an :class:`Experiment`); without
    one, ``policies`` (default: all six) are crossed with ``threats`` (default: baseline).
    With an experiment, ``policies`` and ``threats`` select from it (``threats`` picks levels of
    its threat factor, or its one threat level). Keyword arguments such as ``days=90`` or
    ``policy__escort_size=4`` apply to every run; ``policy="joint_escort"`` selects a policy; an
    argument that sets a parameter the design varies is refused. With ``out`` the results stay
    on disk (and a rerun resumes); without it they live in a temporary folder for the duration
    of the call. ``workers`` defaults to this machine's cores (``SIM_WORKERS`` overrides it).

    ``posterior=N`` carries parameter uncertainty into the comparison: N parameter sets are
    drawn from the calibrated posterior (``posterior_file``, default
    ``conf/calibration/posterior.csv``) and replication ``j`` runs with set ``j mod N`` under
    every policy, design point and threat level (common random numbers on parameters as on
    seeds). With N at least the number of replications, every replication has its own set.

    ``replications="auto"`` with ``precision={"foreign_killed": 0.5, ...}`` runs paired
    replications in stages after a pilot of ``pilot`` (at least 30) until the 95% interval of
    every paired difference from ``baseline`` has a half-width at or below its target, or
    ``max_replications`` is reached (:mod:`sim.sweeps.precision`); the table's
    ``attrs["precision"]`` says which, with the final half-widths.
    """
    auto = isinstance(replications, str) and replications == "auto"
    if isinstance(replications, str) and not auto:
        raise SweepError("replications", f"must be a whole number or 'auto', got {replications!r}")
    if precision is not None and not auto:
        raise SweepError(
            "precision", "is read only with replications='auto' (replications by precision)"
        )
    if not isinstance(overrides, (list, tuple)):
        raise SweepError("overrides", f"must be a list of key=value strings, got {overrides!r}")
    exp = experiment_from_kwargs(
        experiment,
        policies=policies,
        threats=threats,
        design=design,
        replications=None if auto else replications,
        seed=seed,
        overrides=overrides,
        kwargs=kwargs,
        posterior=posterior,
        posterior_file=posterior_file,
    )
    holder = tempfile.TemporaryDirectory(prefix="sweep-") if out is None else nullcontext(out)
    settings = dict(
        workers=default_workers() if workers is None else workers,
        backend=backend,
        scheduler=scheduler,
        events=events,
        progress=progress,
        retry_failed=retry_failed,
    )
    if auto:
        from sim.sweeps.precision import PrecisionRule, run_to_precision

        rule = PrecisionRule(dict(precision or {}), baseline, pilot, max_replications)
        rule.check(exp)
    with holder as folder:
        if not auto:
            return run_sweep(exp, folder, **settings).read()
        store, report = run_to_precision(exp, folder, rule, run_sweep, **settings)
        results = store.read()
        results.attrs["precision"] = report
        return results
