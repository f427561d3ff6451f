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

import errno
import fcntl
import hashlib
import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from sim.sweeps.designs import SweepError, field_meta

__all__ = [
    "CHECKSUMS",
    "IDENTITY_PARTS",
    "ResultStore",
    "SweepLock",
    "check_or_write_identity",
    "code_hash",
    "read_checksums",
    "read_parts",
    "read_rows",
    "sweep_identity",
    "verified_parts",
]

ROOT = Path(__file__).resolve().parents[2]
#: Folders whose files make results: a change in any of them is a different sweep.
CODE_DIRS = ("sim", "agents", "scenarios", "conf")
#: The parts of a sweep's identity, with what a difference in each means.
IDENTITY_PARTS = {
    "experiment": "the experiment (policies, design, seed, threat, network or overrides)",
    "design_points": "the design points",
    "scenarios": "the composed scenario of some run (a config file or override changed)",
    "code": "the code or data that make results (sim/, agents/, scenarios/ or conf/ changed)",
    "inputs": "an input file (a GraphML network) changed",
    "events": "whether event logs are kept (events=true or false)",
}
META_KEY = b"corridor_sim.sweep"
STRING_COLUMNS = {"policy", "threat", "network", "status", "error", "version"}
INT_COLUMNS = {"run_id", "replication", "point", "seed", "posterior_draw", "days"}
#: The checksums of the parts, in the format of ``sha256sum``.
CHECKSUMS = "_checksums.sha256"
RECORD = "_experiment.yaml"
PART = re.compile(r"part-(\d{6})\.parquet")
#: Temporary files of an interrupted write (the only files a store removes unasked).
TEMPORARY = re.compile(r"\.part-\d{6}\.parquet\.tmp")

#: The errors of a destination that cannot take the results (said in one line, never a bug).
WRITE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO)

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


def sweep_identity(plan, events: bool = False) -> dict:
    """The identity of a planned sweep: see :data:`IDENTITY_PARTS`."""
    return {
        "experiment": json.loads(json.dumps(plan.exp.identity())),
        "design_points": _digest(plan.points),
        "scenarios": plan.scenario_hash(),
        "code": code_hash(),
        "inputs": _inputs_hash(plan),
        "events": bool(events),
    }


def _identity_file(out: Path) -> Path:
    return out / RECORD


def _parts(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("part-*.parquet") if PART.fullmatch(p.name))


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name.lstrip('_')}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_error(path.parent, exc) from None


def read_record(out: Path) -> dict:
    """The sweep's record (``_experiment.yaml``), refused when it cannot be what a sweep wrote."""
    from scenarios.safe_yaml import load_yaml

    path = _identity_file(out)
    try:
        saved = load_yaml(path, field="out")
        if not isinstance(saved, dict) or not isinstance(saved.get("identity"), dict):
            raise TypeError
        if not isinstance(saved.get("sha"), str):
            raise TypeError
    except (TypeError, ValueError, OSError, UnicodeDecodeError):
        raise SweepError(
            "out",
            f"{str(path)!r} is not a readable sweep record, so nothing says what made the "
            "rows beside it; choose a new out",
        ) from None
    return saved


def check_or_write_identity(out: Path, plan, version: str, events: bool = False) -> str:
    """Refuse a folder holding another sweep; otherwise record this one beside the rows.

    Returns the identity's hash, which every part written records. The record also holds the
    package version, the number of replications the folder holds (raised when a resume adds
    some), the design points in order and the fully composed base scenario of every policy,
    threat and network combination the runs start from (before each point's values and seed
    are applied).
    """
    path = _identity_file(out)
    ident = sweep_identity(plan, events)
    sha = _digest(ident)
    if path.exists():
        saved = read_record(out)
        old = saved["identity"]
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
            f"{str(out)!r} holds result parts but no {RECORD}, so nothing says what "
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
    _write_atomically(path, yaml.safe_dump(doc, sort_keys=False))
    return sha


def record_replications(out: Path, replications: int, exact: bool = False) -> None:
    """Keep the record's replication count current: raised to ``replications`` (or set to it)."""
    saved = read_record(out)
    want = replications if exact else max(int(saved.get("replications") or 0), replications)
    if saved.get("replications") != want:
        saved["replications"] = want
        _write_atomically(_identity_file(out), yaml.safe_dump(saved, sort_keys=False))


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
            raise _write_error(self.path.parent, exc) from None
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


def _write_error(out: Path, exc: OSError) -> SweepError:
    reason = exc.strerror or str(exc)
    return SweepError(
        "out",
        f"cannot write results into {str(out)!r} ({reason}); the runs saved before are kept: "
        "fix this and rerun the same command to resume",
    )


def duplicate_run(out: Path, run_id: int) -> SweepError:
    """The refusal of a folder holding one run twice (the same wherever it is found)."""
    return SweepError(
        "out",
        f"run {int(run_id)} appears twice in {str(out)!r}; the folder was altered by hand: "
        "choose a new out",
    )


def corrupt_part(name: str, exc: Exception) -> SweepError:
    """The refusal of a part that cannot be read (the same wherever a part is read)."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return SweepError(
        "out",
        f"part {name} is corrupt or truncated ({first}); delete it to run its runs again, "
        "or choose a new out",
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(out: Path) -> dict[str, str]:
    """``_checksums.sha256`` as {relative path: SHA-256}; refused when it is malformed."""
    path = Path(out) / CHECKSUMS
    if not path.exists():
        return {}
    sums = {}
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        lines = None
    for line in lines or [None]:
        m = re.fullmatch(r"([0-9a-f]{64})  ((?:_events/)?part-\d{6}\.parquet)", line or "")
        if m is None:
            raise SweepError(
                "out",
                f"{str(path)!r} is damaged, so the parts cannot be checked; choose a new out",
            )
        sums[m.group(2)] = m.group(1)
    return sums


def _write_checksums(out: Path, sums: dict[str, str]) -> None:
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(sums.items()))
    _write_atomically(Path(out) / CHECKSUMS, text)


def verified_parts(out: Path, identity: str | None, repair: bool = False) -> dict[str, str]:
    """Check every part of the folder against its checksum and identity; returns the checksums.

    A part that no checksum names, one whose bytes differ from its checksum, or one another
    sweep wrote, is refused by name. With ``repair`` (a store opening the folder to write),
    what an interrupted write left is cleared first: hidden temporary files, and a recorded
    part whose results part never landed (its checksum entry, and its event-log part when the
    bytes are the recorded ones).
    """
    out = Path(out)
    events_dir = out / "_events"
    sums = read_checksums(out)
    if repair:
        for folder in (out, events_dir):
            for tmp in folder.glob(".part-*"):
                if TEMPORARY.fullmatch(tmp.name):
                    tmp.unlink()
        landed = {p.name for p in _parts(out)}
        dropped = [n for n in sums if not n.startswith("_events/") and n not in landed]
        for name in dropped:
            del sums[name]
            ev = f"_events/{name}"
            if ev in sums:
                path = out / ev
                if path.is_file() and _sha256(path) == sums[ev]:
                    path.unlink()
                del sums[ev]
        if dropped:
            _write_checksums(out, sums)
    files = [p.name for p in _parts(out)]
    if events_dir.is_dir():
        files += [f"_events/{p.name}" for p in _parts(events_dir)]
    for name in files:
        path = out / name
        if name not in sums:
            raise SweepError(
                "out",
                f"part {name} has no checksum in {CHECKSUMS}: this sweep did not write it "
                "(or an earlier version without checksums did); remove it or choose a new out",
            )
        if _sha256(path) != sums[name]:
            raise SweepError(
                "out",
                f"part {name} does not match its checksum: it changed after it was written; "
                "delete it to run its runs again, or choose a new out",
            )
    missing = [n for n in sums if n.startswith("_events/") and n not in files]
    missing += [n for n in sums if not n.startswith("_events/") and n not in files]
    if missing:
        raise SweepError(
            "out",
            f"part {missing[0]} is named in {CHECKSUMS} but missing, so its runs are too: "
            "rerun the sweep's command to run them again",
        )
    for name in files:
        try:
            meta = pq.read_schema(out / name).metadata or {}
        except Exception as exc:  # noqa: BLE001 - unreadable for whatever reason
            raise corrupt_part(name, exc) from None
        if identity is not None and not name.startswith("_events/"):
            if meta.get(META_KEY, b"").decode() != identity:
                raise SweepError(
                    "out",
                    f"part {name} was not written by this sweep; remove it or choose a new out",
                )
    return sums


def read_parts(folder: Path, names: list[str]) -> pd.DataFrame:
    """The rows of the named parts (already verified), one frame."""
    frames = []
    for name in names:
        try:
            frames.append(pq.read_table(folder / name).to_pandas())
        except Exception as exc:  # noqa: BLE001 - unreadable for whatever reason
            raise corrupt_part(name, exc) from None
    if not frames:
        return pd.DataFrame()
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True)


def read_rows(out: str | Path, sums: dict[str, str]) -> pd.DataFrame:
    """Every row of the verified parts ``sums`` names, ordered by ``run_id``."""
    names = sorted(n for n in sums if not n.startswith("_events/"))
    frame = read_parts(Path(out), names)
    if not len(frame):
        return frame
    return frame.sort_values("run_id", ignore_index=True)


def check_run_ids(folder: Path, policies: list[str], n_points: int, rows: pd.DataFrame) -> None:
    """Every run id is unique and is what its replication, design point and policy make it.

    ``run_id = (replication * n_points + point) * len(policies) + policy index`` (the plan's
    order): a row whose id and labels disagree is a row of another sweep.
    """
    if not len(rows):
        return
    need = {"run_id", "replication", "point", "policy"}
    if not need <= set(rows.columns):
        raise SweepError(
            "out", f"the parts in {str(folder)!r} lack the columns {sorted(need - set(rows))}"
        )
    dup = rows.run_id[rows.run_id.duplicated()]
    if len(dup):
        raise duplicate_run(folder, dup.min())
    index = rows.policy.map({p: i for i, p in enumerate(policies)})
    expect = (rows.replication * n_points + rows.point) * len(policies) + index
    bad = rows[index.isna() | (expect != rows.run_id) | (rows.point >= n_points)]
    if len(bad):
        r = bad.iloc[0]
        raise SweepError(
            "out",
            f"run {int(r.run_id)} in {str(folder)!r} is labelled replication {int(r.replication)}, "
            f"point {int(r.point)}, policy {r.policy!r}, which is not the run of that id in this "
            "sweep: a row of another sweep; choose a new out",
        )


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
        parts = _parts(self.out)
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
                self.sums[p.name] = _sha256(tmp)
                _write_checksums(self.out, self.sums)
                os.replace(tmp, p)
            else:
                self.sums.pop(p.name)
                _write_checksums(self.out, self.sums)
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
                sums[key] = _sha256(tmp)
            _write_checksums(self.out, sums)
            self.sums = sums
            for tmp, final, _ in moves:
                os.replace(tmp, final)
        except OSError as exc:
            for tmp, _, _ in moves:
                tmp.unlink(missing_ok=True)
            if exc.errno in WRITE_ERRORS:
                raise _write_error(self.out, exc) from None
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
