"""The study commands' shared parts: ``key=value`` settings and the run of a recorded study.

Each setting is checked against its kind; a study runs its experiment's sweep and writes its
document and CSV table.

Used by ``python -m sim.calibrate``, ``sim.validate``, ``sim.displacement`` and ``sim.insider``.
"""

from __future__ import annotations

from scenarios.schema import ScenarioError

__all__ = ["parse_settings", "run_study"]


def parse_settings(
    argv: list[str], kinds: dict[str, type], defaults: dict, at_least: dict | None = None
) -> dict:
    """``defaults`` updated by the ``key=value`` arguments in ``argv``.

    ``kinds`` maps every allowed key to ``int``, ``bool`` or ``str``; a whole number must be at
    least ``at_least[key]`` (1 unless given).

    Raises:
        ScenarioError: naming the setting, for an unknown key or a value of the wrong kind.

    """
    opts = dict(defaults)
    at_least = at_least or {}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or key not in kinds:
            raise ScenarioError(key, "unknown setting; allowed: " + ", ".join(kinds))
        kind = kinds[key]
        if kind is bool:
            if value.lower() not in ("true", "false"):
                raise ScenarioError(key, f"must be true or false, got {value!r}")
            opts[key] = value.lower() == "true"
        elif kind is int:
            try:
                opts[key] = int(value)
            except ValueError:
                raise ScenarioError(key, f"must be a whole number, got {value!r}") from None
            low = at_least.get(key, 1)
            if opts[key] < low:
                raise ScenarioError(key, f"must be a whole number >= {low}, got {value!r}")
        else:
            opts[key] = value
    return opts


def run_study(argv: list[str], module: str, experiment: str, defaults: dict, report) -> int:
    """Run a recorded study: settings, the experiment's sweep, its document and CSV table.

    ``report(frame, days, command, provenance)`` returns the markdown and the table written
    beside it as CSV. Returns 0, or 2 on bad input (nothing written).
    """
    import sys
    import time
    from pathlib import Path

    from sim import __version__
    from sim.designs import load_experiment
    from sim.execution import sweep

    kinds = {"replications": int, "workers": int, "days": int, "out": str}
    try:
        opts = parse_settings(argv, kinds, defaults, at_least={"replications": 2})
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    exp = load_experiment(experiment)
    workers = opts["workers"]
    frame = sweep(
        exp, replications=opts["replications"], workers=workers, days=opts["days"], progress=True
    )
    provenance = (
        f"corridor-sim {__version__}, experiment seed {exp.seed}, "
        f"{len(frame)} runs in {time.perf_counter() - started:.0f} s on {workers} workers"
    )
    command = f"python -m {module} " + " ".join(argv)
    text, table = report(frame, opts["days"], command, provenance)
    out = Path(opts["out"])
    out.write_text(text)
    table.to_csv(out.with_suffix(".csv"), index=False)
    print(text)
    return 0
