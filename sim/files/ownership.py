"""What the commands may write: only what they created or recognise as their own.

A command's destination is one of the kinds of :data:`KINDS` (a sweep folder, a report folder,
a run folder, a folder of figures, a calibration folder). It is the command's own when

* it does not exist yet (the command creates it and leaves a marker file, :data:`MARKER`,
  naming the kind), or it is an empty folder;
* every entry in it is one the kind writes (by name, recursively into the sub-folders the kind
  owns): a sweep folder holds ``_experiment.yaml``, ``part-NNNNNN.parquet`` files, ``_events/``,
  ``_report/`` and the like, a report folder ``report.html`` and ``tables/``. Folders written by
  earlier versions, without a marker, are recognised by the same layout.

Anything else is refused before anything is written, in one line that names the first foreign
entry. The same holds for single files (a study's document, the posterior, the validation): a
file that exists is replaced only when it carries the signature its command writes into it.
Nothing here deletes anything: replacing a folder of one's own is
:func:`replace_folder`, which checks again that every entry is the kind's own.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.schema import ScenarioError

__all__ = [
    "KINDS",
    "MARKER",
    "FolderKind",
    "OwnershipError",
    "check_file",
    "check_folder",
    "check_writable",
    "foreign_entries",
    "make_folder",
    "mark",
    "remove_created",
    "replace_folder",
    "write_text_file",
]

#: The marker file a command leaves in a folder it created: JSON with the folder's kind.
MARKER = ".corridor-sim"


class OwnershipError(ScenarioError):
    """A destination holds something the command did not write: it refuses to touch it."""


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder a command writes: the names of its entries, its own sub-folders."""

    name: str
    command: str
    files: tuple[str, ...]
    folders: dict[str, str] = field(default_factory=dict)  # sub-folder name (or pattern) -> kind

    def owns_file(self, name: str) -> bool:
        """Whether a file of this name is one the kind writes."""
        return name == MARKER or any(fnmatch.fnmatchcase(name, pat) for pat in self.files)

    def folder_kind(self, name: str) -> str | None:
        """The kind of a sub-folder of this name (by name, else by pattern), or None."""
        if name in self.folders:
            return self.folders[name]
        for pattern, kind in self.folders.items():
            if fnmatch.fnmatchcase(name, pattern):
                return kind
        return None


KINDS: dict[str, FolderKind] = {}


def _kind(key: str, *args, **kwargs) -> FolderKind:
    KINDS[key] = FolderKind(*args, **kwargs)
    return KINDS[key]


_kind(
    "report",
    "report folder",
    "sim.report",
    ("report.html", ".report.html.tmp"),
    {"tables": "report_tables", "figures": "report_figures"},
)
_kind("report_tables", "report tables", "sim.report", ("*.csv", "*.tex", "*.pdf", "*.log"))
_kind("report_figures", "report figures", "sim.report", ("*.png", "*.pdf", "*.svg"))
_kind("events", "event log parts", "sim.sweep", ("part-[0-9]*.parquet", ".part-[0-9]*.tmp"))
_kind(
    "sweep",
    "sweep folder",
    "sim.sweep",
    (
        "_experiment.yaml",
        ".experiment.yaml.tmp",
        "part-[0-9]*.parquet",
        ".part-[0-9]*.tmp",
        "_checksums.sha256",
        ".checksums.sha256.tmp",
        ".lock",
        "_precision.json",
        "._precision.json.tmp",
        "_command.txt",
        "._command.txt.*.tmp",
    ),
    {"_events": "events", "_report": "report"},
)
_kind(
    "run",
    "run folder",
    "sim.run",
    ("outcomes.json", "events.parquet", "timeseries.parquet", "config.yaml"),
)
_kind(
    "figures",
    "figures folder",
    "sim.demo",
    (
        "paired_differences_*.png",
        "tradeoff_*.png",
        "paired_differences_*.pdf",
        "tradeoff_*.pdf",
        "*_[0-9]*.pdf",
        "*_[0-9]*.svg",
    ),
)
_kind(
    "search",
    "search folder",
    "sim.optimize",
    (
        "search.json",
        "evaluations.csv",
        "front.csv",
        "named.csv",
        "gaps.csv",
        "search.md",
        "front_*.png",
        "front_*.pdf",
        ".search.json.*.tmp",
        ".*.csv.*.tmp",
        ".search.md.*.tmp",
        ".front_*.png",
        ".front_*.pdf",
    ),
    {"runs": "search_runs"},
)
# a search's sweeps: one sweep folder per generation and per re-evaluation
_kind("search_runs", "search runs", "sim.optimize", (), {"*": "sweep"})
# the reference table's sweeps and the power's: one sweep folder each
_kind("reference", "reference folder", "sim.reference", (), {"*": "sweep"})
_kind("calibration", "calibration folder", "sim.calibrate", ("abc.db", "abc.db-*", "settings.yaml"))


def _read_marker(folder: Path) -> str | None:
    try:
        return json.loads((folder / MARKER).read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def foreign_entries(folder: Path, kind: FolderKind | str) -> list[Path]:
    """Entries under ``folder`` that ``kind`` does not write (sorted, recursively)."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    out = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.is_symlink():
            out.append(entry)
        elif entry.is_dir():
            sub = kind.folder_kind(entry.name)
            if sub is None:
                out.append(entry)
            else:
                out.extend(foreign_entries(entry, sub))
        elif not kind.owns_file(entry.name):
            out.append(entry)
    return out


def check_folder(path: str | Path, kind: str, setting: str) -> bool:
    """Refuse ``path`` unless it is new, empty or a folder of ``kind``; True if it is new.

    Reads only: nothing is created or changed. Raises :class:`OwnershipError` naming the
    setting and the first entry the command did not write.
    """
    kd = KINDS[kind]
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise OwnershipError(setting, f"{str(path)!r} is a dangling link; choose a folder")
    if not path.exists():
        return True
    if not path.is_dir():
        raise OwnershipError(setting, f"{str(path)!r} is a file, not a folder")
    marked = _read_marker(path)
    if marked is not None and marked != kind:
        what = KINDS[marked].name if marked in KINDS else marked
        raise OwnershipError(
            setting, f"{str(path)!r} is a {what}, not a {kd.name}; choose another folder"
        )
    try:
        foreign = foreign_entries(path, kd)
    except OSError as exc:
        raise OwnershipError(
            setting, f"cannot read {str(path)!r} ({exc.strerror or exc}); choose another folder"
        ) from None
    if foreign:
        first = foreign[0]
        rel = first.relative_to(path)
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OwnershipError(
            setting,
            f"{str(path)!r} holds {str(rel)!r}{more}, which {kd.command} did not write; it "
            f"writes only into a new folder, an empty one or a {kd.name} of its own: choose "
            "another folder or move that out",
        )
    return False


def check_writable(path: Path, field: str = "hydra.run.dir") -> None:
    """Refuse, before any work, a destination that cannot be created and written into.

    The nearest folder that exists must be a folder (not a file), writable by this process
    and on a file system mounted for writing. Nothing is created to find out: a refused
    command leaves even the folders' modification times as they were.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OwnershipError(field, f"{str(path)!r} is a file, not a folder")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OwnershipError(field, f"{str(path)!r} lies under {str(probe)!r}, which is a file")
    reason = None
    if not os.access(probe, os.W_OK | os.X_OK):
        reason = "permission denied"
    elif os.statvfs(probe).f_flag & os.ST_RDONLY:
        reason = "read-only file system"
    if reason:
        raise OwnershipError(field, f"cannot write into {str(probe)!r} ({reason}); choose another")


def mark(folder: Path, kind: str) -> None:
    """Leave the marker that says which kind of folder ``folder`` is (once)."""
    path = Path(folder) / MARKER
    if not path.exists():
        path.write_text(json.dumps({"kind": kind, "written_by": "corridor-sim"}) + "\n")


def replace_folder(work: Path, dest: Path, kind: str, setting: str) -> None:
    """Move the finished folder ``work`` to ``dest``, replacing a folder of ``kind`` there.

    ``dest`` is checked again right before (everything in it must be the kind's own), moved
    aside, ``work`` moved in, and only then is the old one removed: an interruption leaves
    either the old folder or the new one at ``dest``.
    """
    check_folder(dest, kind, setting)
    mark(work, kind)
    if not dest.exists():
        os.replace(work, dest)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    os.replace(dest, old / dest.name)
    os.replace(work, dest)
    shutil.rmtree(old)


def check_file(
    path: str | Path, setting: str, command: str, recognise: Callable[[str], bool]
) -> None:
    """Refuse a file that exists and does not carry what ``command`` writes into its files."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise OwnershipError(setting, f"{str(path)!r} is a dangling link; choose a file")
    if not path.exists():
        return
    if path.is_dir():
        raise OwnershipError(setting, f"{str(path)!r} is a folder, not a file")
    try:
        head = path.read_bytes()[:65536].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        head = None
    if head is None or not recognise(head):
        raise OwnershipError(
            setting,
            f"{str(path)!r} exists and was not written by {command}; it replaces only files "
            "of its own: choose another path or move that file",
        )


def make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created, deepest first.

    Raises :class:`OSError` after removing what it created.
    """
    created = []
    probe = Path(folder)
    while not probe.exists() and not probe.is_symlink():
        created.append(probe)
        probe = probe.parent
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError:
        remove_created(created)
        raise
    return created


def remove_created(created: list[Path]) -> None:
    """Remove the folders :func:`make_folder` created, deepest first, while they are empty."""
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


def write_text_file(path: str | Path, text: str, setting: str = "out") -> None:
    """Write ``text`` to ``path`` atomically (a hidden temporary file renamed into place).

    On failure nothing is left: no temporary file, no folder created for it.
    """
    path = Path(path)
    created: list[Path] = []
    try:
        created = make_folder(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        remove_created(created)
        raise OwnershipError(
            setting, f"cannot write {str(path)!r} ({exc.strerror or exc}); nothing was replaced"
        ) from None
