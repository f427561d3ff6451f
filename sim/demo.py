"""``make demo``: the default comparison of security policies, as a table and a figure.

Runs every named policy under the baseline threat on the CPEC network for a year, over a few
seeded replications that share their seeds across policies (common random numbers), prints the
mean and 95% interval of the main outcomes and draws them.

    python -m sim.demo [--replications N] [--days D] [--threat T] [--out DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

POLICIES = (
    "domestic_baseline",
    "domestic_surge",
    "joint_escort",
    "joint_command",
    "domestic_intel",
    "randomized_movement",
)
SHOWN = (
    "foreign_killed",
    "attacks_executed",
    "attacks_foiled",
    "threat_exposure",
    "foreign_security_person_days",
    "guard_person_days",
    "mean_legitimacy",
)


def summarize(results: pd.DataFrame, outcomes=SHOWN, by: str = "policy") -> pd.DataFrame:
    """Mean and 95% t-interval of each outcome per group, as tidy columns."""
    rows = []
    for key, group in results.groupby(by, sort=False):
        row = {by: key, "runs": len(group)}
        for name in outcomes:
            x = group[name].to_numpy(float)
            mean = x.mean()
            half = (
                stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
                if len(x) > 1
                else np.nan
            )
            row[name] = mean
            row[f"{name}_lo"], row[f"{name}_hi"] = mean - half, mean + half
        rows.append(row)
    return pd.DataFrame(rows).set_index(by)


def format_table(summary: pd.DataFrame, outcomes=SHOWN) -> str:
    """Render ``mean [lo, hi]`` cells."""

    def cell(row, name):
        m, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
        digits = 3 if abs(m) < 10 and name == "mean_legitimacy" else 1
        return f"{m:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"

    table = pd.DataFrame(
        {name: [cell(r, name) for _, r in summary.iterrows()] for name in outcomes},
        index=summary.index,
    )
    table.insert(0, "runs", summary["runs"].astype(int))
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        return table.to_string()


def draw(summary: pd.DataFrame, path: Path) -> Path:
    """Foreign deaths, attacks and sovereignty footprint by policy, with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("foreign_killed", "foreign nationals killed / year"),
        ("attacks_executed", "attacks executed / year"),
        ("foreign_security_person_days", "foreign security person-days / year"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 4), sharey=True)
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
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim.demo``."""
    from sim import sweep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--threat", default="baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="figures")
    args = parser.parse_args(argv)
    print(
        f"Comparing {len(POLICIES)} policies under threat={args.threat} on the CPEC network: "
        f"{args.replications} paired replications of {args.days} days each"
    )
    results = sweep(
        policies=POLICIES,
        threats=[args.threat],
        replications=args.replications,
        days=args.days,
        workers=args.workers,
    )
    summary = summarize(results)
    print(format_table(summary))
    path = draw(summary, Path(args.out) / "policy_comparison.png")
    print(f"figure written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
