"""The one reader of a sweep folder, with the engine's checks, for every command and notebook.

:func:`open_sweep` is how the report, the demo, the studies, the analysis API and the engine
itself (:meth:`sim.sweeps.store.ResultStore.read`) read a folder written by :func:`sim.sweep`. It
refuses, with the same one-line messages the engine gives on resume:

* a folder holding anything a sweep did not write (:mod:`sim.files.ownership`), or no record;
* a record (``_experiment.yaml``) that is not a sweep's;
* a part that no checksum names, whose bytes changed after it was written, or that another
  sweep wrote (:func:`sim.sweeps.parts.verified_parts`), or that cannot be read;
* a row whose run id does not match its labels (replication, design point, policy), or a run
  id that appears twice;
* a damaged ``_precision.json`` or event log.

It also owns the rule of which replications count: those the record says the folder holds
(``replications`` in ``_experiment.yaml``, kept current by the engine), or, when the
replications were chosen by precision (:mod:`sim.sweeps.precision`), those the rule stopped at. The
labels a report prints (horizon, threat levels, posterior sets, counts) are read from the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.sweeps.designs import SweepError
from sim.sweeps.parts import check_run_ids, read_parts, read_rows

__all__ = ["SweepFolder", "open_sweep"]

#: Largest side file read beside the parts (``_precision.json``, ``_command.txt``).
MAX_SIDE_BYTES = 16 * 1024 * 1024


def _side_file(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        if path.stat().st_size > MAX_SIDE_BYTES:
            raise ValueError
        return path.read_text()
    except (OSError, ValueError, UnicodeDecodeError):
        raise SweepError("out", f"{str(path)!r} is damaged; choose a new out") from None


def _precision(path: Path) -> dict | None:
    text = _side_file(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
        ok = (
            isinstance(data, dict)
            and isinstance(data.get("replications"), int)
            and isinstance(data.get("reached"), bool)
            and isinstance(data.get("stopped"), str)
            and isinstance(data.get("rule"), dict)
            and isinstance(data["rule"].get("targets"), dict)
            and isinstance(data.get("stages"), list)
        )
    except (ValueError, RecursionError):
        ok = False
    if not ok:
        raise SweepError(
            "out", f"{str(path)!r} is damaged (not the precision rule's record); choose a new out"
        )
    return data


@dataclass
class SweepFolder:
    """A checked sweep folder: its record, its counted rows and what was written beside them."""

    path: Path
    record: dict
    sums: dict[str, str]
    all_rows: pd.DataFrame
    precision: dict | None
    command: str | None

    @property
    def experiment(self) -> dict:
        """The experiment that made the rows."""
        return self.record.get("experiment", {})

    @property
    def replications(self) -> int:
        """The replications that count: the precision rule's, or the record's."""
        if self.precision is not None:
            return int(self.precision["replications"])
        return int(self.record["replications"])

    @property
    def rows(self) -> pd.DataFrame:
        """The rows of the replications that count, ordered by ``run_id``."""
        rows = self.all_rows
        if not len(rows):
            return rows
        return rows[rows.replication < self.replications].reset_index(drop=True)

    @property
    def events_kept(self) -> bool:
        """Whether the sweep kept event logs (part of its identity)."""
        return bool(self.record["identity"].get("events"))

    def events(self) -> pd.DataFrame | None:
        """The event logs of the counted runs (None when the sweep kept none)."""
        if not self.events_kept:
            return None
        names = sorted(n for n in self.sums if n.startswith("_events/"))
        frame = read_parts(self.path, names)
        if not len(frame):
            from sim.model.outcomes import EVENT_COLUMNS

            frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_COLUMNS.items()})
            frame.insert(0, "run_id", pd.Series(dtype="int64"))
        if "run_id" not in frame:
            raise SweepError("out", f"the event logs in {str(self.path)!r} have no run ids")
        unknown = set(frame.run_id) - set(self.all_rows.run_id)
        if unknown:
            raise SweepError(
                "out",
                f"the event logs in {str(self.path)!r} hold run {min(unknown)}, which no "
                "results part holds; choose a new out",
            )
        return frame[frame.run_id.isin(self.rows.run_id)].reset_index(drop=True)

    # ---- labels, from the rows ------------------------------------------------------------
    def _ok(self) -> pd.DataFrame:
        rows = self.rows
        return rows[rows.status == "ok"] if "status" in rows else rows

    @property
    def days(self) -> int:
        """Simulated days of every run, from the rows (refused when the runs differ)."""
        days = pd.unique(self.rows["days"])
        if len(days) != 1:
            raise SweepError(
                "out",
                f"the runs in {str(self.path)!r} cover {len(days)} different horizons "
                f"({', '.join(map(str, sorted(days)))} days); a report compares runs of one",
            )
        return int(days[0])

    @property
    def threats(self) -> list[str]:
        """The threat levels of the successful runs, low to high."""
        order = ["low", "baseline", "high"]
        levels = pd.unique(self._ok().threat)
        return sorted(levels, key=lambda t: (order.index(t) if t in order else 9, t))

    @property
    def posterior_sets(self) -> int:
        """Distinct posterior parameter sets the counted runs used (0: the point values)."""
        draws = self.rows.get("posterior_draw", pd.Series([], dtype=int))
        return int(pd.unique(draws[draws >= 0]).size)


def open_sweep(folder: str | Path, setting: str = "out") -> SweepFolder:
    """Read and check a sweep folder (see the module's docstring); raises :class:`SweepError`."""
    from sim.files.ownership import check_folder
    from sim.sweeps.identity import RECORD, read_record
    from sim.sweeps.parts import result_parts, verified_parts

    folder = Path(folder)
    if not folder.is_dir():
        raise SweepError(setting, f"{str(folder)!r} is not a folder")
    if not (folder / RECORD).exists() or not result_parts(folder):
        raise SweepError(
            setting,
            f"{str(folder)!r} is not a sweep folder (it needs {RECORD} and part-*.parquet "
            "files, as sim.sweep and make demo write)",
        )
    try:
        check_folder(folder, "sweep", setting)
        record = read_record(folder)
        if not isinstance(record.get("replications"), int) or record["replications"] < 1:
            raise SweepError("out", f"{str(folder / RECORD)!r} is not a readable sweep record")
        sums = verified_parts(folder, record["sha"])
        rows = read_rows(folder, sums)
        experiment = record.get("experiment") or {}
        check_run_ids(
            folder,
            list(experiment.get("policies", [])),
            len(record.get("design_points") or []),
            rows,
        )
        precision = _precision(folder / "_precision.json")
        if precision is not None and precision["replications"] != record["replications"]:
            precision = None  # a later fixed-replication run changed what the folder holds
        command = _side_file(folder / "_command.txt")
    except SweepError as exc:
        raise SweepError(setting, exc.message) from None
    return SweepFolder(folder, record, sums, rows, precision, command.strip() if command else None)
