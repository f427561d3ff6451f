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

import math
import os
import sys
import tempfile
from contextlib import ExitStack, nullcontext
from pathlib import Path

from sim.files.ownership import make_folder, remove_created
from sim.sweeps.backends import BACKENDS, Dask, InProcess, Pool, batches_of, drive
from sim.sweeps.designs import Experiment, SweepError, experiment_from_kwargs
from sim.sweeps.identity import check_or_write_identity, record_replications
from sim.sweeps.parts import write_error
from sim.sweeps.plan import Plan
from sim.sweeps.store import ResultStore, SweepLock

__all__ = ["default_workers", "run_sweep", "sweep"]


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
    command: str | None = None,
) -> ResultStore:
    """Run what is missing of ``exp`` (or of its plan) under ``out``; returns the store.

    Inputs are checked first (:class:`SweepError`, ``out`` untouched); ``command`` is recorded.
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
            be = Dask(workers, events, batch_seconds, scheduler, scheduler_timeout)
        elif workers > 1:
            be = Pool(workers, events, batch_seconds)
        else:
            be = InProcess(events, batch_seconds)
        # an exception (Ctrl-C, SIGTERM, a refusal) aborts the workers instead of waiting
        stack.push(lambda kind, value, tb: be.close(abort=kind is not None))
        try:
            created = make_folder(out)
        except OSError as exc:
            raise write_error(out, exc) from None
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
            record_replications(out, exp.replications, command=command)
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
            drive(be, batches_of(plan.runs(skip=store.done), size), on_rows, store.tick)
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
    auto = _replications_by_precision(replications, precision, overrides)
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
    settings = dict(
        workers=default_workers() if workers is None else workers,
        backend=backend,
        scheduler=scheduler,
        events=events,
        progress=progress,
        retry_failed=retry_failed,
    )
    rule = None
    if auto:
        from sim.sweeps.precision import PrecisionRule

        rule = PrecisionRule(dict(precision or {}), baseline, pilot, max_replications)
        rule.check(exp)
    if out is not None:
        here, defaults = dict(locals()), _recorded_defaults()
        given = {k: v for k, v in here.items() if k in defaults and v != defaults[k]}
        settings["command"] = api_call(experiment, given, kwargs)
    return _sweep_into(exp, out, rule, settings)


def _recorded_defaults() -> dict:
    """:func:`sweep`'s keyword arguments and their defaults: what its recorded call leaves out.

    ``progress`` is never recorded: it changes no row.
    """
    import inspect

    return {
        name: p.default
        for name, p in inspect.signature(sweep).parameters.items()
        if p.kind is p.KEYWORD_ONLY and name != "progress"
    }


def api_call(experiment, given: dict, kwargs: dict) -> str:
    """The Python call that makes a sweep again: ``sim.sweep('name', out='DIR', ...)``.

    An :class:`Experiment` is written as its constructor (``from sim.sweeps.designs import
    Experiment``), paths as strings.
    """
    args = [] if experiment is None else [repr(experiment)]
    for key, value in {**given, **kwargs}.items():
        if isinstance(value, Path):
            value = str(value)
        if isinstance(value, tuple):
            value = list(value)
        args.append(f"{key}={value!r}")
    return "sim.sweep(" + ", ".join(args) + ")"


def _sweep_into(exp: Experiment, out, rule, settings: dict):
    """Run ``exp`` into ``out`` (a temporary folder when None), by precision when ``rule``."""
    holder = tempfile.TemporaryDirectory(prefix="sweep-") if out is None else nullcontext(out)
    with holder as folder:
        if rule is None:
            return run_sweep(exp, folder, **settings).read()
        from sim.sweeps.precision import run_to_precision

        store, report = run_to_precision(exp, folder, rule, run_sweep, **settings)
        results = store.read()
        results.attrs["precision"] = report
        return results


def _replications_by_precision(replications, precision, overrides) -> bool:
    """Whether the replications are chosen by precision (``replications="auto"``); checked."""
    auto = isinstance(replications, str) and replications == "auto"
    if isinstance(replications, str) and not auto:
        raise SweepError("replications", f"must be a whole number or 'auto', got {replications!r}")
    if precision is not None and not auto:
        raise SweepError(
            "precision", "is read only with replications='auto' (replications by precision)"
        )
    if not isinstance(overrides, (list, tuple)):
        raise SweepError("overrides", f"must be a list of key=value strings, got {overrides!r}")
    return auto
