"""``make demo``: the default comparison of security policies, as tables and figures.

Runs every named policy under the baseline threat on the CPEC network for a year, over seeded
replications shared across policies (common random numbers), then prints the mean and 95%
interval of the main outcomes, the paired differences from the domestic baseline with their
intervals and permutation tests, and the Pareto set, and writes the figures.

    python -m sim.demo [--replications N] [--days D] [--threat T] [--out DIR] [--workers N]
                       [--posterior N]

By default every replication runs with its own parameter set drawn from the calibrated
posterior (``--posterior`` defaults to the number of replications), so the intervals include
parameter uncertainty; ``--posterior 0`` runs every replication at the calibrated point.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.compose import POLICIES

COMPARED = ("foreign_killed", "attacks_executed", "threat_exposure", "mean_legitimacy")


def draw(summary: pd.DataFrame, path: Path, days: int = 365) -> Path:
    """Foreign deaths, attacks and sovereignty footprint by policy, with 95% intervals."""
    from matplotlib.figure import Figure

    per = "a year" if days == 365 else f"per {days} days"
    panels = [
        ("foreign_killed", f"foreign nationals killed {per}"),
        ("attacks_executed", f"attacks executed {per}"),
        ("foreign_security_person_days", f"foreign security person-days {per}"),
    ]
    fig = Figure(figsize=(13, 4))
    axes = fig.subplots(1, len(panels), sharey=True)
    y = np.arange(len(summary))
    for ax, (name, label) in zip(axes, panels, strict=True):
        m = summary[name].to_numpy()
        err = np.vstack([m - summary[f"{name}_lo"], summary[f"{name}_hi"] - m])
        ax.barh(y, m, xerr=np.nan_to_num(err), color="#4c72b0", alpha=0.85, capsize=3)
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, summary.index)
    axes[0].invert_yaxis()
    runs = int(summary["runs"].min())
    fig.suptitle(
        f"Security policies compared: means and 95% intervals over {runs} paired replications"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def format_comparison(table: pd.DataFrame) -> str:
    """Paired differences as ``diff [lo, hi]`` with P(better/tie/worse), p and Holm-adjusted p."""
    from sim.analysis import format_estimate, format_p

    out = table.copy()
    out["difference [95% CI]"] = [
        format_estimate(d, lo, hi, sign=True)
        for d, lo, hi in zip(out["diff"], out.lo, out.hi, strict=True)
    ]
    out["relative"] = [f"{r:+.0%}" if np.isfinite(r) else "n/a" for r in out.rel_change]
    out["P(better/tie/worse)"] = [
        f"{b:.2f}/{t:.2f}/{w:.2f}"
        for b, t, w in zip(out.p_better, out.p_tie, out.p_worse, strict=True)
    ]
    out["p"] = out.p_value.map(format_p)
    out["p (Holm)"] = out.p_holm.map(format_p)
    cols = ["difference [95% CI]", "relative", "P(better/tie/worse)", "p", "p (Holm)"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        text = out.set_index(["outcome", "policy"])[cols].to_string()
    methods = table.attrs.get("methods", {})
    return text + "".join(f"\n  {k}: {v}" for k, v in methods.items())


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim.demo``."""
    from sim import Experiment, plots
    from sim.analysis import (
        compare,
        format_summary,
        pareto_front,
        summarize,
        uncertainty_statement,
    )
    from sim.execution import run_sweep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--threat", default="baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="figures")
    parser.add_argument("--posterior", type=int, default=None)
    args = parser.parse_args(argv)
    posterior = args.replications if args.posterior is None else args.posterior
    print(
        f"Comparing {len(POLICIES)} policies under threat={args.threat} on the CPEC network: "
        f"{args.replications} paired replications of {args.days} days each"
    )
    experiment = Experiment(
        name="demo",
        policies=POLICIES,
        replications=args.replications,
        design={"kind": "factorial", "factors": {"threat": [args.threat]}},
        overrides=(f"days={args.days}",),
        posterior=posterior,
    )
    with tempfile.TemporaryDirectory(prefix="demo-") as tmp:
        store = run_sweep(experiment, tmp, workers=args.workers, events=True)
        results = store.read()
        events_dir = Path(tmp) / "_events"
        events = pd.read_parquet(events_dir) if events_dir.exists() else None
    summary = summarize(results)
    print("\nMeans and 95% intervals over replications:")
    print(format_summary(summary))
    print(uncertainty_statement(results))
    table = compare(results, baseline="domestic_baseline", outcomes=COMPARED)
    table.attrs["baseline"] = "domestic_baseline"
    print(
        "\nPaired differences from domestic_baseline (P(better/tie/worse): shares of paired "
        "replications in which the policy does better, as well, or worse):"
    )
    print(format_comparison(table))
    front = pareto_front(results)
    print(
        "\nPareto-efficient policies on foreign deaths, foreign security person-days and "
        "cost (USD): " + ", ".join(front.index[front.pareto])
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [draw(summary, out / "policy_comparison.png", args.days)]
    figures = {
        "paired_differences.png": plots.forest(
            table, ["foreign_killed", "attacks_executed", "mean_legitimacy"]
        ),
        "tradeoff.png": plots.tradeoff(front),
        "foreign_killed_distribution.png": plots.distributions(results, "foreign_killed"),
    }
    if events is not None:
        base_ids = results.run_id[results.policy == "domestic_baseline"]
        from sim.network import cpec_graph

        figures["attack_map.png"] = plots.network_map(
            cpec_graph(),
            events[events.run_id.isin(base_ids)],
            title=f"domestic_baseline: events of {len(base_ids)} simulated years",
        )
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=120)
        written.append(out / name)
    print("\nFigures written to " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
