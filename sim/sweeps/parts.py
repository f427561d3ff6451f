"""A sweep folder's parts: their checksums, their verification, and reading their rows.

Rows are written as ``part-NNNNNN.parquet`` files (event logs as ``_events/part-NNNNNN.parquet``),
each with its SHA-256 in ``_checksums.sha256`` (the format of ``sha256sum``: ``sha256sum -c
_checksums.sha256`` checks a folder by hand). Whoever reads a folder (a resume, the report, the
reader) verifies it here first: a part that no checksum names, whose bytes changed, that
another sweep wrote, that cannot be read, or whose rows' run ids disagree with their labels is
refused by name, with the same line wherever it is read.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.sweeps.designs import SweepError

__all__ = [
    "WRITE_ERRORS",
    "write_atomically",
    "write_error",
    "CHECKSUMS",
    "META_KEY",
    "PART",
    "TEMPORARY",
    "check_run_ids",
    "corrupt_part",
    "duplicate_run",
    "read_checksums",
    "read_parts",
    "read_rows",
    "result_parts",
    "sha256_of",
    "verified_parts",
    "write_checksums",
]


META_KEY = b"corridor_sim.sweep"


#: The checksums of the parts, in the format of ``sha256sum``.
CHECKSUMS = "_checksums.sha256"


PART = re.compile(r"part-(\d{6})\.parquet")


#: Temporary files of an interrupted write (the only files a store removes unasked).
TEMPORARY = re.compile(r"\.part-\d{6}\.parquet\.tmp")


def result_parts(out: Path) -> list[Path]:
    """The results parts in ``out``, in order (``part-NNNNNN.parquet``, nothing else)."""
    return sorted(p for p in out.glob("part-*.parquet") if PART.fullmatch(p.name))


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


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as ``sha256sum`` prints it."""
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


def write_checksums(out: Path, sums: dict[str, str]) -> None:
    """Write ``_checksums.sha256`` (atomically), in the format of ``sha256sum``."""
    text = "".join(f"{sha}  {name}\n" for name, sha in sorted(sums.items()))
    write_atomically(Path(out) / CHECKSUMS, text)


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
        landed = {p.name for p in result_parts(out)}
        dropped = [n for n in sums if not n.startswith("_events/") and n not in landed]
        for name in dropped:
            del sums[name]
            ev = f"_events/{name}"
            if ev in sums:
                path = out / ev
                if path.is_file() and sha256_of(path) == sums[ev]:
                    path.unlink()
                del sums[ev]
        if dropped:
            write_checksums(out, sums)
    files = [p.name for p in result_parts(out)]
    if events_dir.is_dir():
        files += [f"_events/{p.name}" for p in result_parts(events_dir)]
    for name in files:
        path = out / name
        if name not in sums:
            raise SweepError(
                "out",
                f"part {name} has no checksum in {CHECKSUMS}: this sweep did not write it "
                "(or an earlier version without checksums did); remove it or choose a new out",
            )
        if sha256_of(path) != sums[name]:
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


#: The errors of a destination that cannot take the results (said in one line, never a bug).
WRITE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO)


def write_atomically(path: Path, text: str) -> None:
    """Write a file of the folder through a hidden temporary file renamed into place."""
    tmp = path.with_name(f".{path.name.lstrip('_')}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(path.parent, exc) from None


def write_error(out: Path, exc: OSError) -> SweepError:
    """The refusal of a destination that cannot take the results (full, read-only, ...)."""
    reason = exc.strerror or str(exc)
    return SweepError(
        "out",
        f"cannot write results into {str(out)!r} ({reason}); the runs saved before are kept: "
        "fix this and rerun the same command to resume",
    )
