"""``python -m sim.report out=DIR``: write a sweep folder's report, never over what is not ours."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from scenarios.schema import ScenarioError
from sim.analysis.tradeoffs import MARGIN
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.files.ownership import (
    check_folder,
    check_writable,
    make_folder,
    remove_created,
    replace_folder,
)
from sim.report.inputs import ReportError

__all__ = ["SETTINGS", "build", "main"]


def build(
    folder: str | Path,
    dest: str | Path | None = None,
    units: str = "year",
    margin: float = MARGIN,
    search: str | Path | None = None,
) -> Path:
    """Write the report of the sweep in ``folder``; returns the HTML file's path.

    ``units``: totals per "year" (the default) or per "run" (:mod:`sim.analysis.units`);
    ``margin``: the practical margin of the Pareto set and regret (2% of the baseline's mean);
    ``search``: a lever search's folder to report beside the sweep (:mod:`sim.report.search`).

    Everything is written into a temporary folder first and moved into place at the end, so a
    failure leaves no partial report.
    """
    from sim.report.inputs import load
    from sim.report.sections import write_sections
    from sim.report.writer import Writer

    sweep = load(folder, units, margin)
    if search is not None:
        from sim.search.outputs import load_search

        load_search(search)  # refused now, before anything is written, when it is not one
    dest = _destination(sweep.folder, dest)
    try:
        created = make_folder(dest.parent)
    except OSError as exc:
        raise ReportError(
            "report", f"cannot create {str(dest.parent)!r} ({exc.strerror or exc})"
        ) from None
    try:
        work = Path(tempfile.mkdtemp(prefix=".report-", dir=dest.parent))
    except OSError as exc:
        remove_created(created)
        raise ReportError(
            "report", f"cannot write into {str(dest.parent)!r} ({exc.strerror or exc})"
        ) from None
    try:
        (work / "tables").mkdir()
        w = Writer(work / "tables", work / "figures")
        write_sections(w, sweep, search)
        (work / "report.html").write_text(w.page())
        replace_folder(work, dest, "report", "report")
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        remove_created(created)
        raise ReportError(
            "report", f"cannot write the report into {str(dest)!r} ({exc.strerror or exc})"
        ) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        remove_created(created)
        raise
    return dest / "report.html"


def _destination(sweep: Path, dest) -> Path:
    """Where the report goes: ``SWEEP/_report``, or a folder of the user's choice.

    The folder must be new, empty or a report folder, and neither the sweep, nor above it,
    nor elsewhere inside it.
    """
    if dest is None:
        dest = sweep / "_report"
    elif not isinstance(dest, (str, os.PathLike)) or not str(dest):
        raise ReportError("report", f"must be a folder path, got {dest!r}")
    dest = Path(dest)
    home, there = sweep.resolve(), dest.resolve()
    if there == home or home.is_relative_to(there):
        raise ReportError(
            "report",
            f"{str(dest)!r} is the sweep folder or holds it; a report is never written over "
            "or above its sweep: choose another folder (the default is SWEEP/_report)",
        )
    if there.is_relative_to(home) and there != home / "_report":
        raise ReportError(
            "report",
            f"{str(dest)!r} lies inside the sweep folder, which holds only what the sweep "
            "writes; write the report to SWEEP/_report (the default) or outside the sweep",
        )
    check_folder(dest, "report", "report")
    check_writable(dest, "report")
    return dest


# ---- command line ------------------------------------------------------------------------------
SETTINGS = (
    Setting("out", "path", None, "the sweep folder to report on (required)"),
    Setting(
        "report", "path", None,
        "the report folder (default OUT/_report): new, empty or a report folder, never the "
        "sweep nor above it",
    ),
    Setting("units", "choice", "year", "totals per year or per run", choices=("year", "run")),
    Setting(
        "margin", "float", MARGIN,
        "practical margin of the Pareto set and regret, a share of the baseline's mean",
        low=0.0, high=0.99,
    ),
    Setting(
        "search", "path", None,
        "a finished lever search's folder (python -m sim.optimize) to report beside the sweep",
    ),
)  # fmt: skip


@entry_point("nothing was written; run the same command again")
def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 written, 2 bad input."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        summary = __doc__.split("\n\n")[0]
        usage = "python -m sim.report out=DIR [report=DIR] [units=U] [margin=M] [search=DIR]"
        print(help_text(summary, SETTINGS, usage))
        return 0
    try:
        opts, _, _ = parse(argv, SETTINGS)
        if opts["out"] is None:
            raise ReportError("out", "is required: out=DIR, a sweep folder")
        path = build(opts["out"], opts["report"], opts["units"], opts["margin"], opts["search"])
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0
