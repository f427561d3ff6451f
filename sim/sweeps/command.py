"""``python -m sim.sweep experiment=NAME [KEY=VALUE ...]``: a sweep from the command line.

Sweep settings: experiment, replications, workers (default: this machine's cores), backend
(processes|dask), scheduler (ADDRESS of a running Dask scheduler), scheduler_timeout (seconds),
out (folder; default results/NAME), seed (the experiment seed), events (true|false), progress
(true|false), retry_failed (true|false: run the folder's failed rows again), flush_rows (rows
per Parquet part), posterior (N: replication j runs with parameter set j mod N drawn from the
calibrated posterior, the same set under every policy, so intervals include parameter
uncertainty), posterior_file (default conf/calibration/posterior.csv). ``replications=auto``
with targets ``precision.OUTCOME=H`` (for example precision.foreign_killed=0.5) runs paired
replications in stages after a pilot (pilot=N, default 30, at least 30) until the 95% interval
of every paired difference from the baseline (baseline=POLICY, default domestic_baseline) has a
half-width at most H, or max_replications (default 2000) is reached, which it reports.
``policy=A[,B]``, ``threat=T`` and ``network=N`` select from the experiment; every other
KEY=VALUE is a scenario override applied to every run, such as days=90 or policy.escort_size=4,
and may not set a parameter that the experiment's design varies.

Exit status: 0 when every run succeeded, 1 when some failed or a worker was killed (rerun the
same command to resume), 2 for bad input (one line on stderr; nothing written).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pandas as pd

from scenarios.compose import GROUPS, check_override, group_options
from scenarios.schema import MAX_SEED, ScenarioError
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.sweeps.backends import BACKENDS
from sim.sweeps.designs import MAX_POSTERIOR, MAX_REPLICATIONS, SweepError
from sim.sweeps.precision import MIN_PILOT

__all__ = ["main"]

#: Settings of the sweep itself (not scenario overrides).
SETTINGS = (
    Setting("experiment", "str", None, "the experiment: a file of conf/experiment/ (required)"),
    Setting(
        "replications", "replications", None,
        "paired replications (default: the experiment's), or auto (by precision)", low=1,
        high=MAX_REPLICATIONS,
    ),
    Setting(
        "max_replications", "int", 2000, "with replications=auto: the most replications",
        low=MIN_PILOT, high=MAX_REPLICATIONS,
    ),
    Setting(
        "pilot", "int", MIN_PILOT, "with replications=auto: the pilot's replications",
        low=MIN_PILOT, high=MAX_REPLICATIONS,
    ),
    Setting(
        "baseline", "str", "domestic_baseline",
        "with replications=auto: the policy every difference is taken from",
    ),
    Setting(
        "workers", "int", None, "worker processes (default: this machine's cores)", low=1,
        high=1024,
    ),
    Setting("backend", "choice", "processes", "where runs run", choices=BACKENDS),
    Setting("scheduler", "str", None, "address of a running Dask scheduler (backend=dask)"),
    Setting(
        "scheduler_timeout", "float", 10.0, "seconds to wait for the scheduler", low=0.001,
        high=600,
    ),
    Setting("out", "path", None, "the sweep folder (default results/EXPERIMENT)"),
    Setting("seed", "int", None, "the experiment seed (default: the experiment's)", low=0,
            high=MAX_SEED),
    Setting("events", "bool", False, "keep every run's event log (under out/_events/)"),
    Setting("progress", "bool", True, "show a progress bar"),
    Setting("retry_failed", "bool", False, "run the folder's failed rows again"),
    Setting("flush_rows", "int", 500, "rows per Parquet part", low=1, high=10_000_000),
    Setting(
        "posterior", "int", None,
        "N parameter sets drawn from the calibrated posterior; replication j runs with set "
        "j mod N under every policy", low=0, high=MAX_POSTERIOR,
    ),
    Setting("posterior_file", "path", None, "default conf/calibration/posterior.csv"),
)  # fmt: skip
#: ``precision.OUTCOME=H``: the largest 95% half-width of a paired difference in OUTCOME.
PRECISION = {"precision.": Setting("precision", "float", low=0.0)}
USAGE = "python -m sim.sweep experiment=NAME [SETTING=VALUE ...] [OVERRIDE ...]"


@entry_point()
def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 when every run succeeded, 1 when some failed, 2 bad input."""
    from sim.sweeps.backends import SweepAborted

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(help_text(__doc__.split("\n\n", 1)[1].strip(), SETTINGS, USAGE))
        print("\nexperiments: " + ", ".join(group_options("experiment")))
        return 0
    try:
        values, overrides, targets = parse(
            argv, SETTINGS, overrides=_check_override, prefixed=PRECISION
        )
        opts = {k: v for k, v in values.items() if k in _given(argv)}
        exp = _experiment(opts, overrides, targets)
        out = Path(opts.get("out", f"results/{exp.name}"))
        command = shlex.join(["python", "-m", "sim.sweep", *argv])
        store, report = _run(exp, out, values, targets, opts.get("replications") == "auto", command)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepAborted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _summary(store, report, exp, out)


def _experiment(opts: dict, overrides: list[str], targets: dict):
    """The experiment the settings ask for, with the precision settings checked against it."""
    from sim.sweeps.designs import load_experiment

    if "experiment" not in opts:
        raise SweepError(
            "experiment", "is required; allowed: " + ", ".join(group_options("experiment"))
        )
    exp = load_experiment(opts["experiment"], overrides)
    auto = opts.get("replications") == "auto"
    rule_keys = [k for k in ("max_replications", "pilot", "baseline") if k in opts]
    if targets and not auto:
        raise SweepError("precision." + next(iter(targets)), "is read only with replications=auto")
    if rule_keys and not auto:
        raise SweepError(rule_keys[0], "is read only with replications=auto")
    changes = {
        k: opts[k] for k in ("replications", "seed", "posterior", "posterior_file") if k in opts
    }
    if auto:
        changes["replications"] = opts.get("pilot", MIN_PILOT)
    return exp.replace(**changes) if changes else exp


def _run(exp, out: Path, values: dict, targets: dict, auto: bool, command: str):
    """Run the sweep (by precision when ``auto``); returns ``(store, precision report or None)``."""
    from sim.sweeps.execution import default_workers, run_sweep
    from sim.sweeps.plan import Plan
    from sim.sweeps.precision import PrecisionRule, run_to_precision

    plan = Plan(exp)
    settings = dict(
        workers=values["workers"] or default_workers(),
        backend=values["backend"],
        scheduler=values["scheduler"],
        scheduler_timeout=values["scheduler_timeout"],
        events=values["events"],
        progress=values["progress"],
        retry_failed=values["retry_failed"],
        flush_rows=values["flush_rows"],
        command=command,
    )
    if not auto:
        header = (
            f"{exp.name}: {len(exp.policies)} policies x {plan.n_points} design points x "
            f"{exp.replications} replications = {plan.total} runs -> {out}"
        )
        return run_sweep(plan, out, **settings, header=header), None
    rule = PrecisionRule(targets, values["baseline"], values["pilot"], values["max_replications"])
    rule.check(exp)
    print(
        f"{exp.name}: {len(exp.policies)} policies x {plan.n_points} design points, "
        f"replications by precision ({rule.pilot} to {rule.max_replications}) -> {out}",
        file=sys.stderr,
    )
    return run_to_precision(exp, out, rule, run_sweep, **settings)


def _summary(store, report, exp, out: Path) -> int:
    """Print the means, the uncertainty and where the rows are; the exit status."""
    from sim.analysis import format_summary, in_units, per_text, summarize, uncertainty_statement
    from sim.analysis.formatting import wrap

    results = store.read()
    factors = [k for k in exp.design.get("factors", {}) if k in GROUPS]
    summary = summarize(results, by=["policy", *factors])
    days = pd.unique(results["days"]) if "days" in results else []
    if len(days) == 1:  # totals per year, as the report states them
        summary = in_units(summary, int(days[0]))
        print(f"Means {per_text(int(days[0]))} and 95% intervals over replications:")
    print(format_summary(summary))
    print(wrap(uncertainty_statement(results), 100))
    print(
        f"{len(results)} runs in {out} ({store.failed} failed); read them with "
        f"pandas.read_parquet({str(out)!r})"
    )
    if report is not None and not report["reached"]:
        print(f"warning: precision targets not reached: {report['stopped']}", file=sys.stderr)
    if store.failed:
        print(
            f"error: {store.failed} runs failed; see the 'error' column (retry_failed=true "
            "runs them again)",
            file=sys.stderr,
        )
        return 1
    return 0


def _check_override(text: str) -> None:
    """A scenario override, or a selection (``policy=A,B``, ``threat=T``: see :func:`select`)."""
    if text.partition("=")[0] not in GROUPS:
        check_override(text)


def _given(argv: list[str]) -> set[str]:
    return {a.partition("=")[0] for a in argv if "=" in a}


if __name__ == "__main__":
    sys.exit(main())
