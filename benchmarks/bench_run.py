"""Time one 365-day run of domestic_baseline on the CPEC network (median of 5).

    python benchmarks/bench_run.py [--repeat 5] [--no-record]

Target: under 1 s on the project machine (2 cores). Also times each named policy once and the
model's construction, and records the table in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, record  # noqa: E402

from sim import CorridorModel, load_scenario  # noqa: E402
from sim.demo import POLICIES  # noqa: E402


def time_run(sc) -> tuple[float, float]:
    t0 = time.perf_counter()
    model = CorridorModel(sc)
    t1 = time.perf_counter()
    model.run()
    model.outcomes()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    base = load_scenario()
    time_run(base.replace(days=5))  # warm up imports and caches
    builds, totals = [], []
    for i in range(args.repeat):
        b, t = time_run(base.replace(seed=i))
        builds.append(b)
        totals.append(t)
    med = statistics.median(totals)
    lines = [
        f"Machine: {machine()}",
        "",
        f"365-day CPEC run, domestic_baseline, baseline threat: median of {args.repeat} "
        f"= **{med:.3f} s** (min {min(totals):.3f}, max {max(totals):.3f}; model "
        f"construction median {statistics.median(builds) * 1000:.0f} ms). Target < 1 s: "
        f"{'met' if med < 1.0 else 'NOT met'}.",
        "",
        "| policy | one 365-day run (s) |",
        "|---|---|",
    ]
    for policy in POLICIES:
        lines.append(f"| {policy} | {time_run(load_scenario(policy=policy))[1]:.3f} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        record("bench_run", "## One run\n\nCommand: `python benchmarks/bench_run.py`\n\n" + text)


if __name__ == "__main__":
    main()
