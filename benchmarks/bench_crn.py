"""Strength of common random numbers: variance of paired differences against the sum of variances.

    python benchmarks/bench_crn.py [--replications 100] [--no-record]

Runs ``domestic_baseline`` against ``joint_escort`` and against ``domestic_surge`` (baseline
threat, CPEC, 365 days) on the same seeds and reports, for key outcomes,
``r = var(a - b) / (var(a) + var(b))``: 1 for independent runs, 0 for perfectly coupled ones.
Targets, for the pair that differs in escort protection only (``joint_escort``): r <= 0.25 for
``attacks_attempted`` and r <= 0.4 for ``foreign_killed``. ``domestic_surge`` also escorts a
larger share of movements (other trips) and guards sites more (other target choices), so its
pairs couple less; it is reported beside. Records the table in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, met, record  # noqa: E402

from sim import sweep  # noqa: E402

OUTCOMES = ("attacks_attempted", "attacks_executed", "foreign_killed", "plots_interdicted")
TARGETS = {"attacks_attempted": 0.25, "foreign_killed": 0.4}


PAIRS = ("joint_escort", "domestic_surge")


def paired_ratios(other: str, replications: int, workers: int = 2, seed: int = 20261129) -> dict:
    """``var(a - b) / (var(a) + var(b))`` of each outcome over paired replications."""
    frame = sweep(
        policies=["domestic_baseline", other],
        threats=["baseline"],
        replications=replications,
        seed=seed,
        workers=workers,
        progress=False,
    )
    wide = {p: g.sort_values("replication") for p, g in frame.groupby("policy")}
    a, b = wide["domestic_baseline"], wide[other]
    out = {}
    for k in OUTCOMES:
        x, y = a[k].to_numpy(float), b[k].to_numpy(float)
        out[k] = float(np.var(x - y, ddof=1) / (np.var(x, ddof=1) + np.var(y, ddof=1)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    ratios = {other: paired_ratios(other, args.replications) for other in PAIRS}
    lines = [
        f"Machine: {machine()}",
        "",
        f"domestic_baseline vs each policy below, baseline threat, CPEC, 365 days, "
        f"{args.replications} paired replications each ({time.perf_counter() - t0:.0f} s). "
        "r = var(paired difference) / sum of variances (1: independent, 0: fully coupled). "
        "Targets apply to joint_escort, which differs in escort protection only.",
        "",
        "| outcome | " + " | ".join(f"r vs {p}" for p in PAIRS) + " | target (joint_escort) |",
        "|---|" + "---|" * len(PAIRS) + "---|",
    ]
    for k in OUTCOMES:
        r = ratios[PAIRS[0]][k]
        target = TARGETS.get(k)
        verdict = "" if target is None else f"<= {target} ({met(r <= target)})"
        cells = " | ".join(f"{ratios[p][k]:.3f}" for p in PAIRS)
        lines.append(f"| {k} | {cells} | {verdict} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        record(
            "bench_crn",
            "## Common random numbers\n\nCommand: `python benchmarks/bench_crn.py`\n\n" + text,
        )


if __name__ == "__main__":
    main()
