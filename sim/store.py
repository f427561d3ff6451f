"""Results on disk: Parquet parts, the sweep's identity, and a lock on the folder.

* **Parts.** Rows are written as ``part-NNNNNN.parquet`` under ``out``: each part is written to a
  hidden temporary file and renamed into place, so a part is either whole or absent; its schema
  metadata carries the identity of the sweep that wrote it. ``pandas.read_parquet(out)`` reads
  them all (files starting with ``_`` or ``.`` are ignored: ``_experiment.yaml``, ``_events/``,
  ``.lock``).
* **Identity.** ``_experiment.yaml`` records what made the rows: the experiment (policies,
  design, seed, overrides), the design points, a hash of every run's composed scenario, a hash
  of the code and data that make results (``sim/``, ``agents/``, ``scenarios/``, ``conf/``) and
  of input files (GraphML networks). A resume whose identity differs in any of these is
  refused, naming what differs; execution settings and the replication count are not part of
  it, so a resume may add replications.
* **Lock.** One sweep writes into a folder at a time (``fcntl.flock`` on ``out/.lock``, which
  the system releases when its holder dies).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from sim.designs import SweepError, field_meta

__all__ = [
    "IDENTITY_PARTS",
    "ResultStore",
    "SweepLock",
    "check_or_write_identity",
    "code_hash",
    "sweep_identity",
]

ROOT = Path(__file__).resolve().parent.parent
#: Folders whose files make results: a change in any of them is a different sweep.
CODE_DIRS = ("sim", "agents", "scenarios", "conf")
#: The parts of a sweep's identity, with what a difference in each means.
IDENTITY_PARTS = {
    "experiment": "the experiment (policies, design, seed, threat, network or overrides)",
    "design_points": "the design points",
    "scenarios": "the composed scenario of some run (a config file or override changed)",
    "code": "the code or data that make results (sim/, agents/, scenarios/ or conf/ changed)",
    "inputs": "an input file (a GraphML network) changed",
}
META_KEY = b"corridor_sim.sweep"
STRING_COLUMNS = {"policy", "threat", "network", "status", "error", "version"}
INT_COLUMNS = {"run_id", "replication", "point", "seed", "posterior_draw"}

_CODE_HASH: dict[str, str] = {}


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_hash(root: Path = ROOT) -> str:
    """Hash of every file under ``sim/``, ``agents/``, ``scenarios/`` and ``conf/``."""
    key = str(root)
    if key not in _CODE_HASH:
        h = hashlib.sha256()
        for d in CODE_DIRS:
            for p in sorted((root / d).rglob("*")):
                if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
                    continue
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
        _CODE_HASH[key] = h.hexdigest()[:16]
    return _CODE_HASH[key]


def _inputs_hash(plan) -> str:
    files = sorted(
        {
            t["network"]["path"]
            for row in plan.templates
            for t in row
            if t["network"].get("kind") == "graphml" and t["network"].get("path")
        }
    )
    h = hashlib.sha256()
    for f in files:
        p = Path(f)
        h.update(f.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"<missing>") + b"\0")
    return h.hexdigest()[:16]


def sweep_identity(plan) -> dict:
    """The identity of a planned sweep: see :data:`IDENTITY_PARTS`."""
    return {
        "experiment": json.loads(json.dumps(plan.exp.identity())),
        "design_points": _digest(plan.points),
        "scenarios": plan.scenario_hash(),
        "code": code_hash(),
        "inputs": _inputs_hash(plan),
    }


def _identity_file(out: Path) -> Path:
    return out / "_experiment.yaml"


def _parts(out: Path) -> list[Path]:
    return sorted(out.glob("part-*.parquet"))


def check_or_write_identity(out: Path, plan, version: str) -> str:
    """Refuse a folder holding another sweep; otherwise record this one beside the rows.

    Returns the identity's hash, which every part written records. The record also holds the
    package version, the design points in order and the fully composed base scenario of every
    policy, threat and network combination the runs start from (before each point's values and
    seed are applied).
    """
    path = _identity_file(out)
    ident = sweep_identity(plan)
    sha = _digest(ident)
    if path.exists():
        try:
            saved = yaml.safe_load(path.read_text())
            old = saved["identity"]
            if not isinstance(old, dict):
                raise TypeError
        except Exception:  # noqa: BLE001 - any unreadable record is refused the same way
            raise SweepError(
                "out",
                f"{str(path)!r} is not a readable sweep record, so nothing says what made the "
                "rows beside it; choose a new out",
            ) from None
        diff = [k for k in IDENTITY_PARTS if old.get(k) != ident[k]]
        if diff:
            raise SweepError(
                "out",
                f"{str(out)!r} holds results of a different sweep (differs in: "
                + "; ".join(IDENTITY_PARTS[k] for k in diff)
                + "); choose a new out",
            )
        return sha
    if _parts(out):
        raise SweepError(
            "out",
            f"{str(out)!r} holds result parts but no _experiment.yaml, so nothing says what "
            "made them; choose a new out",
        )
    doc = {
        "identity": ident,
        "sha": sha,
        "experiment": ident["experiment"],
        "replications": plan.exp.replications,
        "version": version,
        "design_points": json.loads(json.dumps(plan.points)),
        "base_scenarios": [
            {
                "policy": pol,
                "threat": threat,
                "network": network or "default",
                "scenario": json.loads(json.dumps(config)),
            }
            for (pol, threat, network), config in plan._base.items()
        ],
    }
    tmp = out / ".experiment.yaml.tmp"
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False))
    os.replace(tmp, path)
    return sha


class SweepLock:
    """An exclusive lock on a sweep folder, released by the system if its holder dies."""

    def __init__(self, out: Path):
        self.path = Path(out) / ".lock"
        self.fd: int | None = None
        #: keep the lock file when released (set once the folder is known to be this sweep's)
        self.keep = False
        self.created = False

    def __enter__(self) -> SweepLock:
        self.created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise SweepError(
                "out",
                f"{str(self.path.parent)!r} is in use by another sweep (process {holder}); "
                "wait for it to end or choose another out",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            if self.created and not self.keep:
                self.path.unlink(missing_ok=True)  # a refused sweep leaves the folder as it was
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _arrow_type(name: str):
    if name in INT_COLUMNS:
        return pa.int64()
    if name in STRING_COLUMNS:
        return pa.string()
    meta = field_meta(name) or field_meta(f"threat.{name}")
    if meta is not None and meta.metadata["kind"] in ("count", "int"):
        return pa.int64()
    if meta is not None and meta.metadata["kind"] == "str":
        return pa.string()
    return pa.float64()


def _write_error(out: Path, exc: OSError) -> SweepError:
    reason = exc.strerror or str(exc)
    return SweepError(
        "out",
        f"cannot write results into {str(out)!r} ({reason}); the runs saved before are kept: "
        "fix this and rerun the same command to resume",
    )


class ResultStore:
    """Parquet parts under ``out``; the parent process is the only writer.

    Args:
        out: the sweep folder.
        identity: the hash every part must carry (None: accept any, for reading).
        retry_failed: drop failed rows from the parts on opening, so those runs run again.
        flush_rows: write a part once this many rows are buffered.
        flush_seconds: write a part once the oldest buffered row has waited this long.
        clock: the time source of the flush rule (seconds; injectable for tests).

    A part is written to a hidden temporary file and renamed into place, events first, so a
    results part on disk always has its events part; leftovers of an interrupted write are
    removed when the store is opened again. A part that cannot be read, or that another sweep
    wrote, is refused by name.

    """

    def __init__(
        self,
        out: str | Path,
        identity: str | None = None,
        *,
        retry_failed: bool = False,
        flush_rows: int = 500,
        flush_seconds: float = 1.0,
        clock=time.monotonic,
    ):
        self.out = Path(out)
        self.identity = identity
        self.flush_rows, self.flush_seconds, self.clock = flush_rows, flush_seconds, clock
        self.events_dir = self.out / "_events"
        for tmp in list(self.out.glob(".part-*")) + list(self.events_dir.glob(".part-*")):
            tmp.unlink()
        parts = _parts(self.out)
        self.done: set[int] = set()
        self.failed = 0
        failed_in: dict[Path, list[int]] = {}
        for p in parts:
            ids, status = self._read_index(p)
            dup = self.done.intersection(ids)
            if dup or len(set(ids)) != len(ids):
                raise SweepError(
                    "out",
                    f"part {p.name} repeats run {min(dup or ids)} of another part; the folder "
                    "was altered by hand: choose a new out",
                )
            self.done.update(ids)
            bad = [i for i, s in zip(ids, status, strict=True) if s == "failed"]
            if bad:
                failed_in[p] = bad
            self.failed += len(bad)
        names = {p.name for p in parts}
        for p in self.events_dir.glob("part-*.parquet"):
            if p.name not in names:
                p.unlink()
        self.next_part = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=0)
        if retry_failed and failed_in:
            self._drop_failed(failed_in)
        self.rows: list[dict] = []
        self.frames: list[pd.DataFrame] = []
        self.since: float | None = None

    def _read_index(self, p: Path) -> tuple[list[int], list[str]]:
        try:
            f = pq.ParquetFile(p)
            meta = f.schema_arrow.metadata or {}
            table = f.read(columns=["run_id", "status"])
        except Exception as exc:  # noqa: BLE001 - unreadable for whatever reason
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise SweepError(
                "out",
                f"part {p.name} is corrupt or truncated ({first}); delete it to run its runs "
                "again, or choose a new out",
            ) from None
        if self.identity is not None and meta.get(META_KEY, b"").decode() != self.identity:
            raise SweepError(
                "out",
                f"part {p.name} was not written by this sweep; remove it or choose a new out",
            )
        return table.column("run_id").to_pylist(), table.column("status").to_pylist()

    def _drop_failed(self, failed_in: dict[Path, list[int]]) -> None:
        """Rewrite each part without its failed rows (atomically), so those runs run again."""
        for p, ids in failed_in.items():
            table = pq.read_table(p)
            keep = table.filter(pc.invert(pc.is_in(table["run_id"], pa.array(ids))))
            if keep.num_rows:
                tmp = self.out / f".{p.name}.tmp"
                pq.write_table(keep, tmp)
                os.replace(tmp, p)
            else:
                p.unlink()
                (self.events_dir / p.name).unlink(missing_ok=True)
            self.done.difference_update(ids)
            self.failed -= len(ids)

    def add(self, rows: list[dict], frames: list[pd.DataFrame] = ()) -> None:
        """Buffer finished rows (a run already on disk is never added twice)."""
        for row in rows:
            if row["run_id"] in self.done:
                continue
            self.done.add(row["run_id"])
            self.failed += row["status"] == "failed"
            self.rows.append(row)
        self.frames.extend(frames)
        if self.rows and self.since is None:
            self.since = self.clock()

    def due(self) -> bool:
        """Whether the buffer must be written now (enough rows, or a row waited long enough)."""
        if not self.rows:
            return False
        return len(self.rows) >= self.flush_rows or self.clock() - self.since >= self.flush_seconds

    def tick(self) -> None:
        """Write the buffer if it is due (called on every finished batch and periodically)."""
        if self.due():
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one new part (events first), atomically."""
        if not self.rows:
            return
        name = f"part-{self.next_part:06d}.parquet"
        try:
            if self.frames:
                self.events_dir.mkdir(exist_ok=True)
                tmp = self.events_dir / f".{name}.tmp"
                pd.concat(self.frames, ignore_index=True).to_parquet(tmp, index=False)
                os.replace(tmp, self.events_dir / name)
            frame = pd.DataFrame(self.rows)
            schema = pa.schema(
                [(c, _arrow_type(c)) for c in frame.columns],
                metadata={META_KEY: (self.identity or "").encode()},
            )
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            tmp = self.out / f".{name}.tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, self.out / name)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EIO):
                raise _write_error(self.out, exc) from None
            raise
        self.next_part += 1
        self.rows, self.frames, self.since = [], [], None

    def read(self) -> pd.DataFrame:
        """All rows on disk, ordered by ``run_id``."""
        if not _parts(self.out):
            return pd.DataFrame()
        frame = pd.read_parquet(self.out)
        return frame.sort_values("run_id", ignore_index=True)
