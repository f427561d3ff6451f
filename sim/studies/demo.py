"""``make demo``: joint against domestic security under each threat, to a stated precision.

Runs the six named policies and joint_escort's host-only twins on the CPEC network for a year
under the baseline and the high threat, on paired replications (common random numbers; each
replication with its own parameter set drawn from the calibrated posterior, so the intervals
include the calibrated parameters' uncertainty). The replications are chosen by precision
(:mod:`sim.sweeps.precision`): after a pilot of 30, in stages, until every paired difference in
foreign deaths a year from domestic_baseline has a 95% half-width of at most 1.0 with at least
40 differing pairs. It prints the means and the paired comparisons, writes the figures, and
ends by writing the report (``python -m sim.report``), which states joint_escort's foreign
increment over its twins, and printing its path.

    python -m sim.demo [threats=T,T] [precision=H] [max_replications=N] [replications=N]
                       [days=D] [workers=N] [out=DIR] [figures=DIR] [posterior=N]

The sweep folder (``out``, default ``results/demo``) is resumable: run the same command
again to finish an interrupted demo. ``posterior=0`` runs every replication at the
calibrated point instead of posterior draws.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pandas as pd

from scenarios.compose import POLICIES as NAMED
from scenarios.schema import ScenarioError
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.sweeps.designs import MAX_POSTERIOR, MAX_REPLICATIONS

#: The six named policies and joint_escort's host-only twins, so the demo states the foreign
#: increment (joint_escort minus its twin at equal personnel and at equal cost).
POLICIES = (*NAMED, "joint_escort_twin_personnel", "joint_escort_twin_cost")


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison's printed cells, one block per outcome.

    The cells are the report's (:func:`sim.analysis.comparison_cells`); no line is wider than
    :data:`sim.analysis.formatting.CONSOLE_WIDTH`.
    """
    from sim.analysis import comparison_cells
    from sim.analysis.formatting import CONSOLE_WIDTH, wrap
    from sim.report.numbers import unit_of

    cells = comparison_cells(table)
    per = table.attrs.get("per", "")
    blocks = []
    for outcome, block in cells.groupby("outcome", sort=False):
        unit = unit_of(outcome)
        head = f"{outcome} ({unit}{', ' + per if per and unit != '1' else ''})"
        body = block.drop(columns="outcome").set_index("policy")
        body.index.name = None
        blocks.append(head + "\n" + body.to_string(line_width=CONSOLE_WIDTH))
    methods = table.attrs.get("methods", {})
    notes = "".join(f"\n  {k}: {v}" for k, v in methods.items())
    return "\n".join(blocks) + "\n" + wrap(notes.strip("\n"), CONSOLE_WIDTH)


#: The settings of ``python -m sim.demo``.
SETTINGS = (
    Setting("threats", "list", ["baseline", "high"], "threat levels to compare under",
            choices=("low", "baseline", "high")),
    Setting("precision", "float", 1.0, "largest 95% half-width of every paired difference in "
            "foreign deaths a year", low=1e-6, high=1e6),
    Setting("max_replications", "int", 1000, "stop there even if the precision is not "
            "reached, and say so", low=30, high=MAX_REPLICATIONS),
    Setting("replications", "int", None, "a fixed number of paired replications instead of "
            "replications by precision", low=2, high=MAX_REPLICATIONS),
    Setting("days", "int", 365, "days per run", low=1, high=36_500),
    Setting("workers", "int", None, "worker processes (default: this machine's cores)", low=1,
            high=1024),
    Setting("out", "path", "results/demo", "the sweep folder (resumable)"),
    Setting("figures", "path", "figures", "the folder of the PNG figures"),
    Setting("posterior", "int", None, "posterior parameter sets (default: one per "
            "replication; 0: the calibrated point)", low=0, high=MAX_POSTERIOR),
)  # fmt: skip
USAGE = "python -m sim.demo [SETTING=VALUE ...]"
MORE = (
    "Full precision at every threat level (about 40 minutes on 2 cores):\n"
    "    python -m sim.demo threats=low,baseline,high precision=0.5 max_replications=3000"
)


@entry_point()
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim.demo``: 0 done, 1 runs failed, 2 bad input."""
    from sim.sweeps.backends import SweepAborted

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(help_text(__doc__.split("\n\n")[0], SETTINGS, USAGE, MORE))
        return 0
    started = time.perf_counter()
    try:
        args = _settings(argv)
        args.command = shlex.join(["python", "-m", "sim.demo", *argv])
        store, report, reps = _run(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepAborted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from sim.analysis import format_summary, in_units, per_text, summarize, uncertainty_statement
    from sim.analysis.formatting import wrap

    results = store.read()
    summary = summarize(results, by=["threat", "policy"])
    print(f"\nMeans {per_text(args.days)} and 95% intervals over replications:")
    print(format_summary(in_units(summary, args.days)))
    print(wrap(uncertainty_statement(results), 100))
    try:
        path = _figures_and_report(args, results, report, reps, args.out)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    minutes = (time.perf_counter() - started) / 60
    print(f"\nReport written to {path} ({minutes:.1f} min in all)")
    return 0


def _settings(argv: list[str]):
    """The demo's settings, checked, with its destinations (nothing written yet)."""
    from types import SimpleNamespace

    from sim.files.ownership import check_folder, check_writable
    from sim.sweeps.execution import default_workers

    values, _, _ = parse(argv, SETTINGS)
    check_folder(values["out"], "sweep", "out")
    check_folder(values["figures"], "figures", "figures")
    check_writable(values["figures"], "figures")
    args = SimpleNamespace(**values)
    args.workers = default_workers() if args.workers is None else args.workers
    args.out = Path(args.out)
    return args


def _run(args):
    """The demo's sweep, by precision unless replications are given: (store, report, reps)."""
    from sim.analysis.formatting import wrap
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import run_sweep
    from sim.sweeps.precision import PrecisionRule, run_to_precision

    auto = args.replications is None
    most = args.max_replications if auto else args.replications
    experiment = Experiment(
        name="demo",
        policies=POLICIES,
        replications=30 if auto else args.replications,
        design={"kind": "factorial", "factors": {"threat": list(args.threats)}},
        overrides=(f"days={args.days}",),
        posterior=most if args.posterior is None else args.posterior,
        seed=20261201,
    )
    experiment.check()
    settings = dict(workers=args.workers, events=True, command=args.command)
    how = (
        f"paired replications until every paired difference in foreign deaths has a 95% "
        f"half-width of at most {args.precision:g} (at most {args.max_replications})"
        if auto
        else f"{args.replications} paired replications"
    )
    print(
        wrap(
            f"Comparing {len(POLICIES)} policies under threat {', '.join(args.threats)} on the "
            f"CPEC network, {args.days} days each: {how}; {args.workers} workers -> {args.out}",
            100,
        ),
        flush=True,
    )
    if not auto:
        return run_sweep(experiment, args.out, **settings), None, args.replications
    rule = PrecisionRule({"foreign_killed": args.precision}, max_replications=args.max_replications)
    rule.check(experiment)
    store, report = run_to_precision(experiment, args.out, rule, run_sweep, **settings)
    return store, report, report["replications"]


def _figures_and_report(args, results, report, reps: int, out: Path) -> Path:
    """Print each threat's comparison, write its figures, then the report; returns its path."""
    from sim.analysis import COMPARED, in_units, pareto_front, plots, summarize
    from sim.analysis.formatting import CONSOLE_WIDTH, wrap
    from sim.analysis.tradeoffs import MARGIN
    from sim.files.ownership import OwnershipError, make_folder, remove_created
    from sim.report import build
    from sim.report.numbers import comparison_of
    from sim.report.writer import FIGURE_FORMATS

    figures = Path(args.figures)
    try:
        created = make_folder(figures)
    except OSError as exc:
        raise OwnershipError(
            "figures", f"cannot create {str(figures)!r} ({exc.strerror})"
        ) from None
    written = []
    for threat in args.threats:
        at = results[results.threat == threat]
        table = comparison_of(results, threat, args.days)
        print(
            wrap(
                f"\nUnder the {threat} threat: paired differences from domestic_baseline "
                "(better/tie/worse: shares of paired replications in which the policy does "
                "better, as well, or worse):",
                CONSOLE_WIDTH,
            )
        )
        print(format_comparison(table))
        front = pareto_front(at, baseline="domestic_baseline")
        print(
            wrap(
                "Pareto-efficient on foreign deaths, foreign security person-days and cost "
                f"(USD), differences beyond {MARGIN:.0%} of domestic_baseline's mean: "
                + ", ".join(front.index[front.pareto]),
                CONSOLE_WIDTH,
            )
        )
        title = f"{threat} threat, {args.days} days, {reps} paired replications"
        for name, fig in {
            f"paired_differences_{threat}": plots.forest(
                table, list(COMPARED), columns=2, title=title
            ),
            f"tradeoff_{threat}": plots.tradeoff(
                in_units(summarize(at), args.days), pareto=front.pareto, title=title
            ),
        }.items():
            for path in (figures / f"{name}.{fmt}" for fmt in FIGURE_FORMATS):
                try:
                    plots.save(fig, path)
                except OSError as exc:
                    remove_created(created)
                    raise OwnershipError(
                        "figures", f"cannot write {str(path)!r} ({exc.strerror or exc})"
                    ) from None
                written.append(path)
    if report is not None:
        print(wrap(f"\nPrecision: {reps} paired replications; {report['stopped']}", 100))
    print(wrap(f"Figures written to {figures}: " + ", ".join(p.name for p in written), 100))
    return build(out)


if __name__ == "__main__":
    sys.exit(main())
