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

import sys
from pathlib import Path

from scenarios.compose import GROUPS, group_options
from scenarios.schema import ScenarioError
from sim.designs import SweepError, load_experiment
from sim.execution import SweepAborted, default_workers, run_sweep
from sim.plan import Plan
from sim.precision import MIN_PILOT, PrecisionRule, run_to_precision

__all__ = ["main"]

#: Settings of the sweep itself (not scenario overrides), with their types.
SWEEP_KEYS = {
    "experiment": str,
    "replications": "replications",
    "max_replications": int,
    "pilot": int,
    "baseline": str,
    "workers": int,
    "backend": str,
    "scheduler": str,
    "scheduler_timeout": float,
    "out": str,
    "seed": int,
    "events": bool,
    "progress": bool,
    "retry_failed": bool,
    "flush_rows": int,
    "posterior": int,
    "posterior_file": str,
}


def _parse_value(key: str, value: str, kind):
    if kind == "replications":
        return "auto" if value == "auto" else _parse_value(key, value, int)
    if kind == "precision":
        try:
            return float(value)
        except ValueError:
            raise SweepError(
                key, f"must be a positive number (a half-width), got {value!r}"
            ) from None
    if kind is bool:
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise SweepError(key, f"must be true or false, got {value!r}")
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise SweepError(key, f"must be a whole number, got {value!r}") from None
    if kind is float:
        try:
            number = float(value)
        except ValueError:
            raise SweepError(key, f"must be a number, got {value!r}") from None
        if not 0 < number <= 600:
            raise SweepError(key, f"must be a number of seconds in (0, 600], got {value!r}")
        return number
    if not value:
        raise SweepError(key, "must not be empty")
    return value


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 when every run succeeded, 1 when some failed, 2 bad input."""
    from sim.analysis import format_summary, summarize, uncertainty_statement

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        print("experiments: " + ", ".join(group_options("experiment")))
        return 0
    opts, overrides, targets = {}, [], {}
    try:
        for arg in argv:
            key, sep, value = arg.partition("=")
            if sep and key in SWEEP_KEYS:
                if key in opts:
                    raise SweepError(key, "is given twice")
                opts[key] = _parse_value(key, value, SWEEP_KEYS[key])
            elif sep and key.startswith("precision."):
                if key.split(".", 1)[1] in targets:
                    raise SweepError(key, "is given twice")
                targets[key.split(".", 1)[1]] = _parse_value(key, value, "precision")
            else:
                overrides.append(arg)
        if "experiment" not in opts:
            raise SweepError(
                "experiment", "is required; allowed: " + ", ".join(group_options("experiment"))
            )
        exp = load_experiment(opts["experiment"], overrides)
        auto = opts.get("replications") == "auto"
        rule_keys = [k for k in ("max_replications", "pilot", "baseline") if k in opts]
        if targets and not auto:
            raise SweepError(
                "precision." + next(iter(targets)), "is read only with replications=auto"
            )
        if rule_keys and not auto:
            raise SweepError(rule_keys[0], "is read only with replications=auto")
        changes = {
            k: opts[k] for k in ("replications", "seed", "posterior", "posterior_file") if k in opts
        }
        if auto:
            changes["replications"] = opts.get("pilot", MIN_PILOT)
        if changes:
            exp = exp.replace(**changes)
        plan = Plan(exp)
        out = Path(opts.get("out", f"results/{exp.name}"))
        settings = dict(
            workers=opts["workers"] if "workers" in opts else default_workers(),
            backend=opts.get("backend", "processes"),
            scheduler=opts.get("scheduler"),
            scheduler_timeout=opts.get("scheduler_timeout", 10.0),
            events=opts.get("events", False),
            progress=opts.get("progress", True),
            retry_failed=opts.get("retry_failed", False),
            flush_rows=opts.get("flush_rows", 500),
        )
        if auto:
            rule = PrecisionRule(
                targets,
                opts.get("baseline", "domestic_baseline"),
                opts.get("pilot", MIN_PILOT),
                opts.get("max_replications", 2000),
            )
            rule.check(exp)
            print(
                f"{exp.name}: {len(exp.policies)} policies x {plan.n_points} design points, "
                f"replications by precision ({rule.pilot} to {rule.max_replications}) -> {out}",
                file=sys.stderr,
            )
            store, report = run_to_precision(exp, out, rule, run_sweep, **settings)
        else:
            report = None
            store = run_sweep(
                plan,
                out,
                **settings,
                header=f"{exp.name}: {len(exp.policies)} policies x {plan.n_points} design "
                f"points x {exp.replications} replications = {plan.total} runs -> {out}",
            )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepAborted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    results = store.read()
    if report is not None:
        results = results[results.replication < report["replications"]]
    factors = [k for k in exp.design.get("factors", {}) if k in GROUPS]
    print(format_summary(summarize(results, by=["policy", *factors])))
    print(uncertainty_statement(results))
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
