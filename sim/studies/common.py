"""The study commands' shared parts: their settings and the run of a recorded study.

A study runs its experiment's sweep and writes its document and, beside it, its table as CSV;
both are replaced only when they are the study's own (:mod:`sim.files.ownership`).

Used by ``python -m sim.displacement`` and ``sim.studies.insider``.
"""

from __future__ import annotations

from scenarios.schema import ScenarioError
from sim.cli.settings import Setting

__all__ = ["check_document", "is_signed", "run_study", "signed", "study_settings", "write_document"]

#: The line a command writes at the end of every document it makes, so it knows them again.
SIGNATURE = "<!-- written by corridor-sim"


def signed(text: str, command: str) -> str:
    """``text`` with the signature line of ``command`` at its end."""
    return text.rstrip("\n") + f"\n\n{SIGNATURE} ({command}); rerun it to replace this file -->\n"


def is_signed(head: str, heading: str = "") -> bool:
    """Whether a document is one the commands write: signed, or (earlier ones) by its heading."""
    return SIGNATURE in head or bool(heading and head.startswith(heading))


def study_settings(defaults: dict) -> tuple[Setting, ...]:
    """The settings every study takes, with its defaults."""
    return (
        Setting(
            "replications", "int", defaults["replications"], "paired replications", low=2,
            high=100_000,
        ),
        Setting("workers", "int", defaults["workers"], "worker processes", low=1, high=1024),
        Setting("days", "int", defaults["days"], "days per run", low=1, high=36_500),
        Setting(
            "out", "path", defaults["out"],
            "the document (Markdown); its table is written beside it as CSV",
        ),
    )  # fmt: skip


def check_document(out, heading: str, command: str, setting: str = "out") -> None:
    """Refuse a document path (and its CSV beside it) that is not the command's own."""
    from pathlib import Path

    from sim.files.ownership import check_file, check_writable

    out = Path(out)
    check_file(out, setting, command, lambda head: is_signed(head, heading))
    check_writable(out.parent, setting)
    check_file(
        out.with_suffix(".csv"),
        setting,
        command,
        lambda head: bool(head) and (out.exists() or head.startswith("#")),
    )


def write_document(out, text: str, table=None, setting: str = "out") -> None:
    """Write the document and its CSV table, each atomically, the table first."""
    from pathlib import Path

    from sim.files.ownership import write_text_file

    out = Path(out)
    if table is not None:
        write_text_file(out.with_suffix(".csv"), table.to_csv(index=False), setting)
    write_text_file(out, text, setting)


def run_study(
    argv: list[str], module: str, experiment: str, defaults: dict, report, heading: str
) -> int:
    """Run a recorded study: settings, the experiment's sweep, its document and CSV table.

    ``report(frame, days, command, provenance)`` returns the markdown and the table written
    beside it as CSV; ``heading`` is the document's first line (an existing document is
    replaced only when it is the study's own). Returns 0, or 2 on bad input (nothing written).
    """
    import sys
    import time

    from sim import __version__
    from sim.cli.settings import help_text, parse
    from sim.sweeps.designs import load_experiment
    from sim.sweeps.execution import sweep

    settings = study_settings(defaults)
    if any(a in ("-h", "--help") for a in argv):
        import importlib

        summary = importlib.import_module(module).__doc__.split("\n\n")[0]
        print(help_text(summary, settings, f"python -m {module} [SETTING=VALUE ...]"))
        return 0
    try:
        opts, _, _ = parse(argv, settings)
        check_document(opts["out"], heading, module)
        started = time.perf_counter()
        exp = load_experiment(experiment)
        workers = opts["workers"]
        frame = sweep(
            exp,
            replications=opts["replications"],
            workers=workers,
            days=opts["days"],
            progress=True,
        )
        provenance = (
            f"corridor-sim {__version__}, experiment seed {exp.seed}, "
            f"{len(frame)} runs in {time.perf_counter() - started:.0f} s on {workers} workers"
        )
        command = f"python -m {module} " + " ".join(argv)
        text, table = report(frame, opts["days"], command, provenance)
        write_document(opts["out"], signed(text, f"python -m {module}"), table)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0
