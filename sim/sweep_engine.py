"""Sweeps: policies x a design over the uncertainties x replications, streamed to Parquet.

One engine behind two doors: :func:`sweep` in Python (returns a DataFrame) and
``python -m sim.sweep experiment=NAME ...`` on the command line.

* **Designs.** Full factorial over config-group options and value lists; Latin hypercube, Sobol'
  (Saltelli's scheme) and Morris designs over parameter ranges, drawn with SALib.
* **Paired seeds.** Replication ``i`` runs with the seed ``SeedSequence(seed, spawn_key=(i,))``
  under every policy and at every design point (common random numbers), so a sweep is
  reproducible from its config alone and policy differences are paired.
* **Results on disk.** Rows are written as Parquet parts ``part-NNNNNN.parquet`` under ``out``:
  each part is written to a hidden temporary file and renamed into place, so a part is either
  whole or absent. ``pandas.read_parquet(out)`` reads them all (files starting with ``_`` or
  ``.`` are ignored, which is where the experiment config ``_experiment.yaml`` and the optional
  event logs ``_events/`` live).
* **Never lose or repeat a run.** Runs are enumerated in a fixed order with a stable ``run_id``;
  a rerun with the same ``out`` reads the ids already on disk and runs only the rest, so a sweep
  killed at any moment and rerun ends with exactly the rows of an uninterrupted one. A run that
  raises becomes a row with ``status="failed"`` and its error, and the sweep goes on.
* **Backends.** ``processes`` (local worker processes; works from notebooks, since workers only
  import this package) and ``dask`` (a local cluster, or a running scheduler at ``scheduler``).
  Runs travel in small batches with a bounded number in flight, so memory stays flat.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scenarios.compose import (
    GROUPS,
    MISSING,
    POLICIES,
    compose_config,
    group_options,
    overrides_from_kwargs,
)
from scenarios.schema import Scenario, ScenarioError, Threat, unknown_value
from sim.outcomes import OUTCOMES

__all__ = [
    "DESIGN_KINDS",
    "Experiment",
    "ResultStore",
    "SweepError",
    "load_experiment",
    "run_sweep",
    "sweep",
]

DESIGN_KINDS = ("factorial", "points", "lhs", "sobol", "morris")


class SweepError(ScenarioError):
    """Invalid sweep input (an experiment, a design, an output folder)."""


# ---- experiments and designs -------------------------------------------------------------------
@dataclass(frozen=True)
class Experiment:
    """Policies crossed with a design over the uncertainties, times replications.

    ``design`` is ``{"kind": "factorial", "factors": {key: [values]}}``,
    ``{"kind": "points", "points": [{key: value, ...}, ...]}`` (given settings, in order) or
    ``{"kind": "lhs" | "sobol" | "morris", "samples": N, "ranges": {key: [lo, hi]}}``. A key is a
    config group (``threat``, ``network``) or a field (``threat.ambush_rate``, ``days``).
    """

    name: str = "custom"
    policies: tuple[str, ...] = POLICIES
    design: dict = field(default_factory=lambda: {"kind": "factorial", "factors": {}})
    replications: int = 10
    seed: int = 0
    threat: str = "baseline"
    network: str | None = None
    overrides: tuple[str, ...] = ()

    def identity(self) -> dict:
        """What must match for a rerun to resume the same sweep (not the replication count)."""
        d = asdict(self)
        d.pop("replications")
        d["policies"] = list(d["policies"])
        d["overrides"] = list(d["overrides"])
        return d


def _field_meta(key: str):
    parts = key.split(".")
    if len(parts) == 1:
        fields = {f.name: f for f in Scenario.fields()}
        return fields.get(parts[0])
    if len(parts) == 2 and parts[0] in Scenario.SECTIONS:
        fields = {f.name: f for f in Scenario.SECTIONS[parts[0]].fields()}
        return fields.get(parts[1])
    return None


def _check_key(key: str, where: str) -> None:
    if key in GROUPS and key != "policy":
        return
    if _field_meta(key) is None:
        raise SweepError(
            where,
            f"unknown parameter {key!r}; use a config group (threat, "
            "network) or a field such as threat.ambush_rate",
        )


def design_points(design: dict, seed: int) -> list[dict]:
    """The design's points, each a ``{key: value}`` dict, in their fixed order."""
    kind = design.get("kind", "factorial")
    if kind not in DESIGN_KINDS:
        raise SweepError(
            "experiment.design.kind",
            f"unknown design {kind!r}; allowed: " + ", ".join(DESIGN_KINDS),
        )
    if kind == "points":
        points = design.get("points") or []
        if not isinstance(points, list) or not points:
            raise SweepError(
                "experiment.design.points",
                "must be a non-empty list of {parameter: value} mappings",
            )
        for i, point in enumerate(points):
            if not isinstance(point, dict):
                raise SweepError(f"experiment.design.points[{i}]", "must be a mapping")
            for key in point:
                _check_key(key, f"experiment.design.points[{i}].{key}")
        return [dict(p) for p in points]
    if kind == "factorial":
        factors = design.get("factors") or {}
        for key, values in factors.items():
            _check_key(key, f"experiment.design.factors.{key}")
            if not isinstance(values, list) or not values:
                raise SweepError(f"experiment.design.factors.{key}", "must be a non-empty list")
            if key in GROUPS:
                for v in values:
                    if v not in group_options(key):
                        raise SweepError(
                            f"experiment.design.factors.{key}",
                            f"unknown option {v!r}; allowed: " + ", ".join(group_options(key)),
                        )
        keys = list(factors)
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(factors[k] for k in keys))
        ]
    ranges = design.get("ranges") or {}
    if not ranges:
        raise SweepError("experiment.design.ranges", f"a {kind} design needs parameter ranges")
    bounds = []
    for key, rng in ranges.items():
        where = f"experiment.design.ranges.{key}"
        _check_key(key, where)
        if key in GROUPS:
            raise SweepError(where, "ranges take numeric fields, not config groups")
        if not (
            isinstance(rng, list)
            and len(rng) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
            and rng[0] < rng[1]
        ):
            raise SweepError(where, f"must be [low, high] with low < high, got {rng!r}")
        bounds.append([float(rng[0]), float(rng[1])])
    samples = design.get("samples")
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise SweepError(
            "experiment.design.samples", f"must be a whole number >= 1, got {samples!r}"
        )
    problem = {"num_vars": len(bounds), "names": list(ranges), "bounds": bounds}
    if kind == "lhs":
        from SALib.sample import latin

        X = latin.sample(problem, samples, seed=seed)
    elif kind == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, samples, num_levels=design.get("levels", 4), seed=seed)
    points = []
    for row in X:
        point = {}
        for key, value in zip(ranges, row, strict=True):
            meta = _field_meta(key).metadata
            point[key] = int(round(value)) if meta["kind"] in ("count", "int") else float(value)
        points.append(point)
    return points


def design_problem(design: dict) -> dict:
    """SALib's ``problem`` dict of a sampled design (for sensitivity analysis)."""
    ranges = design.get("ranges") or {}
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(a), float(b)] for a, b in ranges.values()],
    }


def load_experiment(name: str, overrides: list[str] | tuple[str, ...] = ()) -> Experiment:
    """An experiment from ``conf/experiment/NAME.yaml``; ``overrides`` apply to every run."""
    options = group_options("experiment")
    if name not in options:
        raise unknown_value("experiment", "experiment", name, options, error=SweepError)
    raw = compose_config([f"+experiment={name}"], check=False)
    spec = raw.pop("experiment", None) or {}
    # global settings of the experiment file (e.g. ``days: 180``) apply to every run
    base = compose_config([], check=False)
    implied = [f"{k}={v}" for k, v in _flatten(raw).items() if _flatten(base).get(k) != v]
    allowed = {f for f in Experiment.__dataclass_fields__}
    for key in spec:
        if key not in allowed:
            raise SweepError(
                f"experiment.{key}", "unknown field; allowed: " + ", ".join(sorted(allowed))
            )
    spec = dict(spec)
    spec["policies"] = tuple(spec.get("policies", POLICIES))
    spec["overrides"] = tuple(
        overrides_from_kwargs(dict(kv.split("=", 1) for kv in implied))
    ) + tuple(overrides)
    return Experiment(**spec)


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


# ---- runs --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSpec:
    """One run: its id, place in the design, seed and full scenario."""

    run_id: int
    replication: int
    point: int
    policy: str
    seed: int
    design: dict
    scenario: dict


def replication_seed(seed: int, replication: int) -> int:
    """Seed of replication ``i``: shared by every policy and design point (63 bits)."""
    state = np.random.SeedSequence(seed, spawn_key=(replication,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


class Plan:
    """The runs of an experiment, enumerated lazily in a fixed order.

    ``run_id = (replication * n_points + point) * n_policies + policy_index``: adding
    replications appends runs and leaves the earlier ids unchanged.
    """

    def __init__(self, exp: Experiment):
        if not exp.policies:
            raise SweepError("experiment.policies", "must list at least one policy")
        for p in exp.policies:
            if p not in group_options("policy"):
                raise SweepError(
                    "experiment.policies",
                    f"unknown policy {p!r}; allowed: " + ", ".join(group_options("policy")),
                )
        if not isinstance(exp.replications, int) or exp.replications < 1:
            raise SweepError(
                "replications", f"must be a whole number >= 1, got {exp.replications!r}"
            )
        self.exp = exp
        self.points = design_points(exp.design, exp.seed)
        self.n_points, self.n_policies = len(self.points), len(exp.policies)
        self._base: dict = {}
        self.templates = [
            [self._scenario(point, pol) for pol in exp.policies] for point in self.points
        ]

    @property
    def total(self) -> int:
        """Number of runs in the plan."""
        return self.exp.replications * self.n_points * self.n_policies

    def _base_dict(self, policy: str, threat: str, network: str | None) -> dict:
        key = (policy, threat, network)
        if key not in self._base:
            picks = [f"policy={policy}", f"threat={threat}"]
            if network:
                picks.append(f"network={network}")
            self._base[key] = compose_config([*picks, *self.exp.overrides], missing_ok=True)
        return self._base[key]

    def _scenario(self, point: dict, policy: str) -> dict:
        threat = point.get("threat", self.exp.threat)
        network = point.get("network", self.exp.network)
        d = copy.deepcopy(self._base_dict(policy, threat, network))
        for key, value in point.items():
            if key in GROUPS:
                continue
            parts = key.split(".")
            if len(parts) == 1:
                d[key] = value
            else:
                d[parts[0]][parts[1]] = value
        for section, values in d.items():
            for name, value in values.items() if isinstance(values, dict) else []:
                if value == MISSING:
                    raise SweepError(
                        f"{section}.{name}",
                        "is required; give it as an override "
                        f"({section}.{name}=...) or a design factor",
                    )
        try:
            Scenario.from_dict(d)
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in point.items())
            raise SweepError(
                exc.field, f"{exc.message} (design point {where}, policy {policy})"
            ) from None
        return d

    def runs(self, skip: set[int] | frozenset = frozenset()) -> Iterator[RunSpec]:
        """The run specs in ``run_id`` order, leaving out the ids in ``skip``."""
        for rep in range(self.exp.replications):
            seed = replication_seed(self.exp.seed, rep)
            for j, point in enumerate(self.points):
                for k, policy in enumerate(self.exp.policies):
                    run_id = (rep * self.n_points + j) * self.n_policies + k
                    if run_id in skip:
                        continue
                    scenario = dict(self.templates[j][k], seed=seed)
                    yield RunSpec(run_id, rep, j, policy, seed, point, scenario)


# ---- workers -----------------------------------------------------------------------------------
_GRAPH_CACHE: dict = {}
STRING_COLUMNS = {"policy", "threat", "network", "status", "error", "version"}
INT_COLUMNS = {"run_id", "replication", "point", "seed"}


def _graph_for(sc: Scenario):
    """Build (or reuse, when it does not depend on the run seed) the run's road graph."""
    from sim.network import build_graph

    net = sc.network
    if net.kind not in ("cpec", "graphml") and net.seed is None:
        return None
    key = json.dumps(net.to_dict(), sort_keys=True)
    if key not in _GRAPH_CACHE:
        _GRAPH_CACHE[key] = build_graph(net, np.random.default_rng(net.seed or 0))
    return _GRAPH_CACHE[key]


def _row(spec: RunSpec) -> dict:
    row = {
        "run_id": spec.run_id,
        "replication": spec.replication,
        "point": spec.point,
        "seed": spec.seed,
        "policy": spec.policy,
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
    return row


def run_one(spec: RunSpec, events: bool = False):
    """Run one spec; never raises: a failure becomes a row with its error."""
    from sim import __version__
    from sim.model import CorridorModel

    started = time.perf_counter()
    row = _row(spec)
    frame = None
    try:
        sc = Scenario.from_dict(spec.scenario)
        model = CorridorModel(sc, graph=_graph_for(sc))
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


def run_batch(specs: list[RunSpec], events: bool = False):
    """Run a batch of specs in this process (the unit of work sent to a worker)."""
    rows, frames = [], []
    for spec in specs:
        row, frame = run_one(spec, events)
        rows.append(row)
        if frame is not None and len(frame):
            frames.append(frame)
    return rows, frames


# ---- results on disk ---------------------------------------------------------------------------
def _arrow_type(name: str):
    if name in INT_COLUMNS:
        return pa.int64()
    if name in STRING_COLUMNS:
        return pa.string()
    meta = _field_meta(name) or _field_meta(f"threat.{name}")
    if meta is not None and meta.metadata["kind"] in ("count", "int"):
        return pa.int64()
    if meta is not None and meta.metadata["kind"] == "str":
        return pa.string()
    return pa.float64()


class ResultStore:
    """Parquet parts under ``out``; the parent process is the only writer.

    A part is written to a hidden temporary file and renamed into place, events first, so a
    results part on disk always has its events part; leftovers of an interrupted write are
    removed when the store is opened again.
    """

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.events_dir = self.out / "_events"
        for tmp in list(self.out.glob(".part-*")) + list(self.events_dir.glob(".part-*")):
            tmp.unlink()
        parts = sorted(self.out.glob("part-*.parquet"))
        self.done: set[int] = set()
        self.failed = 0
        for p in parts:
            table = pq.read_table(p, columns=["run_id", "status"])
            self.done.update(table.column("run_id").to_pylist())
            self.failed += table.column("status").to_pylist().count("failed")
        names = {p.name for p in parts}
        for p in self.events_dir.glob("part-*.parquet"):
            if p.name not in names:
                p.unlink()
        self.next_part = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=0)
        self.rows: list[dict] = []
        self.frames: list[pd.DataFrame] = []
        self.schema: pa.Schema | None = None

    def add(self, rows: list[dict], frames: list[pd.DataFrame]) -> None:
        """Buffer finished rows (a run already on disk is never added twice)."""
        for row in rows:
            if row["run_id"] in self.done:
                continue
            self.done.add(row["run_id"])
            self.failed += row["status"] == "failed"
            self.rows.append(row)
        self.frames.extend(frames)

    def flush(self) -> None:
        """Write the buffered rows as one new part (events first), atomically."""
        if not self.rows:
            return
        name = f"part-{self.next_part:06d}.parquet"
        if self.frames:
            self.events_dir.mkdir(exist_ok=True)
            tmp = self.events_dir / f".{name}.tmp"
            pd.concat(self.frames, ignore_index=True).to_parquet(tmp, index=False)
            os.replace(tmp, self.events_dir / name)
        frame = pd.DataFrame(self.rows)
        schema = pa.schema([(c, _arrow_type(c)) for c in frame.columns])
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        tmp = self.out / f".{name}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.out / name)
        self.next_part += 1
        self.rows, self.frames = [], []

    def read(self) -> pd.DataFrame:
        """All rows on disk, ordered by ``run_id``."""
        if not any(self.out.glob("part-*.parquet")):
            return pd.DataFrame()
        frame = pd.read_parquet(self.out)
        return frame.sort_values("run_id", ignore_index=True)


def _identity_file(out: Path) -> Path:
    return out / "_experiment.yaml"


def _check_or_write_identity(
    out: Path, exp: Experiment, version: str, plan: Plan | None = None
) -> None:
    """Refuse a folder holding another experiment; otherwise record this one beside the rows.

    The record holds the experiment (what a resume must match), the package version, the design
    points in order, and the fully composed base scenario of every policy, threat and network
    combination that the runs start from (before each point's values and seed are applied).
    """
    path = _identity_file(out)
    ident = exp.identity()
    if path.exists():
        saved = yaml.safe_load(path.read_text()) or {}
        old = saved.get("experiment", {})
        if old != json.loads(json.dumps(ident)):
            diff = sorted(k for k in set(old) | set(ident) if old.get(k) != ident.get(k))
            raise SweepError(
                "out",
                f"{str(out)!r} holds results of a different experiment "
                f"(differs in: {', '.join(diff)}); choose another out",
            )
        return
    doc = {
        "experiment": json.loads(json.dumps(ident)),
        "replications": exp.replications,
        "version": version,
        "sha": hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12],
    }
    if plan is not None:
        doc["design_points"] = json.loads(json.dumps(plan.points))
        doc["base_scenarios"] = [
            {
                "policy": pol,
                "threat": threat,
                "network": network or "default",
                "scenario": json.loads(json.dumps(config)),
            }
            for (pol, threat, network), config in plan._base.items()
        ]
    tmp = out / ".experiment.yaml.tmp"
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False))
    os.replace(tmp, path)


# ---- execution ---------------------------------------------------------------------------------
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


def _execute(batches, events, workers, backend, scheduler, on_done) -> None:
    if backend not in ("processes", "dask"):
        raise SweepError("backend", f"unknown backend {backend!r}; allowed: processes, dask")
    if backend == "processes" and workers <= 1:
        for batch in batches:
            on_done(*run_batch(batch, events))
        return
    in_flight_max = max(2, 4 * workers)
    if backend == "processes":
        import multiprocessing as mp
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.sweep_engine", "sim.model"])
        from concurrent.futures.process import BrokenProcessPool

        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                pending = set()
                for batch in batches:
                    pending.add(pool.submit(run_batch, batch, events))
                    if len(pending) >= in_flight_max:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            on_done(*fut.result())
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        on_done(*fut.result())
        except BrokenProcessPool:
            raise RuntimeError(
                "a sweep worker process died. If you start sweeps with workers > 1 from a "
                'script, put the call under `if __name__ == "__main__":` (worker processes '
                "import the main script again); results finished so far are saved, and "
                "rerunning with the same out resumes."
            ) from None
        return
    import logging

    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        ac = as_completed()
        n = 0
        for batch in batches:
            ac.add(client.submit(run_batch, batch, events, pure=False))
            n += 1
            if n >= in_flight_max:
                on_done(*next(ac).result())
                n -= 1
        for fut in ac:
            on_done(*fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(
    exp: Experiment,
    out: str | Path,
    *,
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    events: bool = False,
    progress: bool = True,
    flush_rows: int = 500,
    flush_seconds: float = 10.0,
) -> ResultStore:
    """Run what is missing of ``exp`` under ``out``; returns the store (with ``failed``)."""
    from sim import __version__

    if not isinstance(workers, int) or workers < 1:
        raise SweepError("workers", f"must be a whole number >= 1, got {workers!r}")
    if backend not in ("processes", "dask"):
        raise SweepError("backend", f"unknown backend {backend!r}; allowed: processes, dask")
    if not isinstance(flush_rows, int) or flush_rows < 1:
        raise SweepError("flush_rows", f"must be a whole number >= 1, got {flush_rows!r}")
    plan = Plan(exp)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SweepError("out", f"{str(out)!r} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    _check_or_write_identity(out, exp, __version__, plan)
    store = ResultStore(out)
    todo = plan.total - len(store.done & set(range(plan.total)))
    bar = _Progress(plan.total, plan.total - todo, progress and todo > 0, exp.name)
    size = max(1, min(50, math.ceil(todo / max(1, workers * 16))))
    last = time.monotonic()

    def on_done(rows, frames):
        nonlocal last
        store.add(rows, frames)
        bar.update(len(rows), store.failed)
        if len(store.rows) >= flush_rows or time.monotonic() - last >= flush_seconds:
            store.flush()
            last = time.monotonic()

    try:
        _execute(
            _batches(plan.runs(skip=store.done), size), events, workers, backend, scheduler, on_done
        )
    finally:
        store.flush()
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
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    out: str | Path | None = None,
    events: bool = False,
    progress: bool = True,
    **kwargs,
) -> pd.DataFrame:
    """Run a sweep and return its results table (one row per run).

    ``experiment`` names a file of ``conf/experiment/`` (or is an :class:`Experiment`); without
    one, ``policies`` (default: all six) are crossed with ``threats`` (default: baseline).
    Keyword arguments such as ``days=90`` or ``policy__escort_size=4`` apply to every run.
    With ``out`` the results stay on disk (and a rerun resumes); without it they live in a
    temporary folder for the duration of the call.
    """
    extra = tuple(overrides) + tuple(overrides_from_kwargs(kwargs))
    if isinstance(experiment, Experiment):
        exp = experiment
        if extra:
            exp = Experiment(**{**asdict(exp), "overrides": tuple(exp.overrides) + extra})
    elif experiment is not None:
        exp = load_experiment(experiment, extra)
    else:
        exp = Experiment(
            name="custom",
            policies=tuple(policies or POLICIES),
            design=design
            or {"kind": "factorial", "factors": {"threat": list(threats or ["baseline"])}},
            replications=replications or 10,
            seed=seed or 0,
            overrides=extra,
        )
    changes = {}
    if policies is not None:
        changes["policies"] = tuple(policies)
    if replications is not None:
        changes["replications"] = replications
    if seed is not None:
        changes["seed"] = seed
    if design is not None:
        changes["design"] = design
    if threats is not None and experiment is not None:
        changes["design"] = {"kind": "factorial", "factors": {"threat": list(threats)}}
    if changes:
        exp = Experiment(**{**asdict(exp), **changes})
    # without ``out`` the rows live in a temporary folder for the duration of the call
    holder = tempfile.TemporaryDirectory(prefix="sweep-") if out is None else nullcontext(out)
    with holder as folder:
        store = run_sweep(
            exp,
            folder,
            workers=workers,
            backend=backend,
            scheduler=scheduler,
            events=events,
            progress=progress,
        )
        return store.read()


# ---- command line ------------------------------------------------------------------------------
SWEEP_KEYS = (
    "experiment",
    "replications",
    "workers",
    "backend",
    "scheduler",
    "out",
    "seed",
    "events",
    "progress",
    "flush_rows",
)


def _parse_value(key: str, value: str, kind: type):
    if kind is bool:
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise SweepError(key, f"must be true or false, got {value!r}")
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise SweepError(key, f"must be a whole number, got {value!r}") from None
    return value


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 when every run succeeded, 1 when some failed, 2 bad input."""
    from sim.analysis import format_summary, summarize

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.split("\n\n")[0])
        print(
            "\nusage: python -m sim.sweep experiment=NAME [replications=N] [workers=N] "
            "[backend=processes|dask] [scheduler=ADDRESS] [out=DIR] [events=true] "
            "[OVERRIDE ...]\nexperiments: " + ", ".join(group_options("experiment"))
        )
        return 0
    opts, overrides = {}, []
    kinds = {
        "replications": int,
        "workers": int,
        "seed": int,
        "events": bool,
        "progress": bool,
        "flush_rows": int,
    }
    try:
        for arg in argv:
            key, sep, value = arg.partition("=")
            if sep and key in SWEEP_KEYS:
                opts[key] = _parse_value(key, value, kinds.get(key, str))
            else:
                overrides.append(arg)
        if "experiment" not in opts:
            raise SweepError(
                "experiment", "is required; allowed: " + ", ".join(group_options("experiment"))
            )
        exp = load_experiment(opts["experiment"], overrides)
        changes = {k: opts[k] for k in ("replications", "seed") if k in opts}
        if changes:
            exp = Experiment(**{**asdict(exp), **changes})
        out = Path(opts.get("out", f"results/{exp.name}"))
        plan = Plan(exp)
        print(
            f"{exp.name}: {len(exp.policies)} policies x {plan.n_points} design points x "
            f"{exp.replications} replications = {plan.total} runs -> {out}",
            file=sys.stderr,
        )
        store = run_sweep(
            exp,
            out,
            workers=opts.get("workers", 1),
            backend=opts.get("backend", "processes"),
            scheduler=opts.get("scheduler"),
            events=opts.get("events", False),
            progress=opts.get("progress", True),
            flush_rows=opts.get("flush_rows", 500),
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = store.read()
    factors = [k for k in exp.design.get("factors", {}) if k in GROUPS]
    by = ["policy", *factors]
    print(format_summary(summarize(results, by=by)))
    print(
        f"{len(results)} runs in {out} ({store.failed} failed); read them with "
        f"pandas.read_parquet({str(out)!r})"
    )
    if store.failed:
        print(f"error: {store.failed} runs failed; see the 'error' column", file=sys.stderr)
        return 1
    return 0
