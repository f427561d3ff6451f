"""Results on disk: Parquet parts, the sweep's identity, and a lock on the folder.

* **Parts.** Rows are written as ``part-NNNNNN.parquet`` under ``out``: each part is written to a
  hidden temporary file and renamed into place, so a part is either whole or absent; its schema
  metadata carries the identity of the sweep that wrote it. ``pandas.read_parquet(out)`` reads
  them all (files starting with ``_`` or ``.`` are ignored: ``_experiment.yaml``, ``_events/``,
  ``.lock``).
* **Checksums.** The SHA-256 of every part (and of its event-log part) is recorded in
  ``_checksums.sha256`` (the format of ``sha256sum``: ``sha256sum -c _checksums.sha256`` checks
  a folder by hand) before the part is renamed into place, and verified whenever the folder is
  opened (resume, report, analysis): a part altered after it was written, or one that no
  checksum names, is refused by name and never read.
* **Identity.** ``_experiment.yaml`` records what made the rows: the experiment (policies,
  design, seed, overrides), the design points, a hash of every run's composed scenario, a hash
  of the code and data that make results (``sim/``, ``agents/``, ``scenarios/``, ``conf/``) and
  of input files (GraphML networks), and whether event logs are kept. A resume whose identity
  differs in any of these is refused, naming what differs; execution settings and the
  replication count are not part of it, so a resume may add replications (the record then says
  how many the folder holds).
* **Ownership.** A sweep writes only into a new folder, an empty one or a sweep folder
  (:mod:`sim.files.ownership`), and removes only files it wrote: its own interrupted temporary
  files, and an event-log part whose results part never landed (named, with its checksum, in the
  record).
* **Lock.** One sweep writes into a folder at a time (``fcntl.flock`` on ``out/.lock``, which
  the system releases when its holder dies).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.sweeps.designs import SweepError, field_meta
from sim.sweeps.parts import (
    META_KEY,
    PART,
    WRITE_ERRORS,
    check_run_ids,
    corrupt_part,
    duplicate_run,
    read_rows,
    result_parts,
    sha256_of,
    verified_parts,
    write_checksums,
    write_error,
)

__all__ = ["INT_COLUMNS", "ResultStore", "STRING_COLUMNS", "SweepLock"]


STRING_COLUMNS = {"policy", "threat", "network", "status", "error", "version"}


INT_COLUMNS = {"run_id", "replication", "point", "seed", "posterior_draw", "days"}


class SweepLock:
    """An exclusive lock on a sweep folder, released by the system if its holder dies.

    The holder's process id is written into the lock file only once the folder is known to be
    this sweep's (:meth:`claim`), so a refused sweep leaves the folder as it was.
    """

    def __init__(self, out: Path):
        self.path = Path(out) / ".lock"
        self.fd: int | None = None
        #: keep the lock file when released (set once the folder is known to be this sweep's)
        self.keep = False
        self.created = False

    def __enter__(self) -> SweepLock:
        self.created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise write_error(self.path.parent, exc) from None
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
        self.fd = fd
        return self

    def claim(self) -> None:
        """The folder is this sweep's: keep the lock file and say who holds it."""
        self.keep = True
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

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


class ResultStore:
    """Parquet parts under ``out``; the parent process is the only writer.

    Args:
        out: the sweep folder.
        identity: the hash every part must carry (None: accept any, for reading).
        layout: the sweep's policies and number of design points: every stored row's id must
            be the one its labels make (:func:`check_run_ids`); None: not checked.
        retry_failed: drop failed rows from the parts on opening, so those runs run again.
        flush_rows: write a part once this many rows are buffered.
        flush_seconds: write a part once the oldest buffered row has waited this long.
        clock: the time source of the flush rule (seconds; injectable for tests).

    A part is written to a hidden temporary file, its checksum recorded, then renamed into
    place, events first, so a results part on disk always has its events part and its
    checksum; what an interrupted write leaves is cleared when the store is opened again
    (:func:`verified_parts`). A part that cannot be read, that changed after it was written,
    or that another sweep wrote, is refused by name.

    """

    def __init__(
        self,
        out: str | Path,
        identity: str | None = None,
        *,
        layout: tuple[list[str], int] | None = None,
        retry_failed: bool = False,
        flush_rows: int = 500,
        flush_seconds: float = 1.0,
        clock=time.monotonic,
    ):
        self.out = Path(out)
        self.identity = identity
        self.flush_rows, self.flush_seconds, self.clock = flush_rows, flush_seconds, clock
        self.events_dir = self.out / "_events"
        self.sums = verified_parts(self.out, identity, repair=True)
        parts = result_parts(self.out)
        self.done: set[int] = set()
        self.failed = 0
        failed_in: dict[Path, list[int]] = {}
        for p in parts:
            ids, status = self._read_index(p, layout)
            dup = self.done.intersection(ids)
            if dup or len(set(ids)) != len(ids):
                repeated = min(dup) if dup else min(i for i in ids if ids.count(i) > 1)
                raise duplicate_run(self.out, repeated)
            self.done.update(ids)
            bad = [i for i, s in zip(ids, status, strict=True) if s == "failed"]
            if bad:
                failed_in[p] = bad
            self.failed += len(bad)
        numbers = [int(PART.fullmatch(n.split("/")[-1]).group(1)) for n in self.sums]
        self.next_part = 1 + max(numbers, default=0)
        if retry_failed and failed_in:
            self._drop_failed(failed_in)
        self.rows: list[dict] = []
        self.frames: list[pd.DataFrame] = []
        self.since: float | None = None
        #: the replications :meth:`read` returns by default (the sweep's; None: every row)
        self.replications: int | None = None

    def _read_index(self, p: Path, layout) -> tuple[list[int], list[str]]:
        columns = ["run_id", "status", "replication", "point", "policy"]
        try:
            table = pq.ParquetFile(p).read(columns=columns if layout else columns[:2])
        except Exception as exc:  # noqa: BLE001 - unreadable for whatever reason
            raise corrupt_part(p.name, exc) from None
        if layout is not None:
            check_run_ids(self.out, layout[0], layout[1], table.to_pandas())
        return table.column("run_id").to_pylist(), table.column("status").to_pylist()

    def _drop_failed(self, failed_in: dict[Path, list[int]]) -> None:
        """Rewrite each part without its failed rows (atomically), so those runs run again."""
        for p, ids in failed_in.items():
            table = pq.read_table(p)
            keep = table.filter(pc.invert(pc.is_in(table["run_id"], pa.array(ids))))
            if keep.num_rows:
                tmp = self.out / f".{p.name}.tmp"
                pq.write_table(keep, tmp)
                self.sums[p.name] = sha256_of(tmp)
                write_checksums(self.out, self.sums)
                os.replace(tmp, p)
            else:
                self.sums.pop(p.name)
                write_checksums(self.out, self.sums)
                p.unlink()
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
        """Write the buffered rows as one new part (events first), atomically, with checksums."""
        if not self.rows:
            return
        name = f"part-{self.next_part:06d}.parquet"
        moves = []
        try:
            if self.frames:
                self.events_dir.mkdir(exist_ok=True)
                tmp = self.events_dir / f".{name}.tmp"
                pd.concat(self.frames, ignore_index=True).to_parquet(tmp, index=False)
                moves.append((tmp, self.events_dir / name, f"_events/{name}"))
            frame = pd.DataFrame(self.rows)
            schema = pa.schema(
                [(c, _arrow_type(c)) for c in frame.columns],
                metadata={META_KEY: (self.identity or "").encode()},
            )
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            tmp = self.out / f".{name}.tmp"
            pq.write_table(table, tmp)
            moves.append((tmp, self.out / name, name))
            sums = dict(self.sums)
            for tmp, _, key in moves:
                sums[key] = sha256_of(tmp)
            write_checksums(self.out, sums)
            self.sums = sums
            for tmp, final, _ in moves:
                os.replace(tmp, final)
        except OSError as exc:
            for tmp, _, _ in moves:
                tmp.unlink(missing_ok=True)
            if exc.errno in WRITE_ERRORS:
                raise write_error(self.out, exc) from None
            raise
        self.next_part += 1
        self.rows, self.frames, self.since = [], [], None

    def read(self, replications: int | None = None) -> pd.DataFrame:
        """The rows on disk of the first ``replications`` (default: the sweep's), by ``run_id``."""
        frame = read_rows(self.out, self.sums)
        replications = self.replications if replications is None else replications
        if replications is not None and len(frame):
            frame = frame[frame.replication < replications].reset_index(drop=True)
        return frame
