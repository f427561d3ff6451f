"""The study commands' shared parts: their settings and the run of a recorded study.

A study runs its experiment's sweep and writes its document and, beside it, its table as CSV;
both are replaced only when they are the study's own (:mod:`sim.files.ownership`).

Used by ``python -m sim.displacement``, ``python -m sim.insider`` and ``python -m
sim.conditions``.
"""

from __future__ import annotations

from scenarios.schema import ScenarioError
from sim.cli.settings import Setting

__all__ = ["run_study", "study_settings"]


def study_settings(defaults: dict, extra: dict | None = None) -> tuple[Setting, ...]:
    """The settings every study takes, with its defaults (and ``samples`` of a sampled design)."""
    samples = ()
    if extra and "samples" in extra:
        samples = (
            Setting(
                "samples", "int", extra["samples"], "points of the experiment's sampled design",
                low=8, high=100_000,
            ),
        )  # fmt: skip
    if extra and "rows" in extra:
        samples += (
            Setting(
                "rows", "path", extra["rows"],
                "the sweep folder that keeps the runs (resumable; read them back with "
                "sim.open_sweep)",
            ),
        )  # fmt: skip
    return samples + (
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


def run_study(
    argv: list[str],
    module: str,
    experiment: str,
    defaults: dict,
    report,
    heading: str,
    extra: dict | None = None,
) -> int:
    """Run a recorded study: settings, the experiment's sweep, its document and CSV table.

    ``report(frame, days, command, provenance)`` returns the markdown and the table written
    beside it as CSV; ``heading`` is the document's first line (an existing document is
    replaced only when it is the study's own). Returns 0, or 2 on bad input (nothing written).
    """
    import sys
    import time

    from sim.cli.settings import help_text, parse
    from sim.files.documents import check_document, signed, write_document
    from sim.files.provenance import __version__
    from sim.sweeps.designs import load_experiment
    from sim.sweeps.execution import sweep
    from sim.sweeps.points import design_points

    settings = study_settings(defaults, extra)
    if any(a in ("-h", "--help") for a in argv):
        import importlib

        summary = importlib.import_module(module).__doc__.split("\n\n")[0]
        print(help_text(summary, settings, f"python -m {module} [SETTING=VALUE ...]"))
        return 0
    try:
        opts, _, _ = parse(argv, settings)
        check_document(opts["out"], heading, module)
        if "rows" in opts:  # the runs' folder: new, empty or a sweep folder of its own
            from sim.files.ownership import check_folder

            check_folder(opts["rows"], "sweep", "rows")
        started = time.perf_counter()
        exp = load_experiment(experiment)
        if "samples" in opts:
            exp = exp.replace(design={**exp.design, "samples": opts["samples"]})
        workers = opts["workers"]
        frame = sweep(
            exp,
            replications=opts["replications"],
            workers=workers,
            days=opts["days"],
            progress=True,
            **({"out": opts["rows"]} if "rows" in opts else {}),
        )
        frame.attrs["points"] = design_points(exp.design, exp.seed)
        frame.attrs["days"] = opts["days"]
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
