"""Simulated years per core-second in a sweep of the demo's experiment, two commits side by side.

    python benchmarks/bench_throughput.py [--base COMMIT] [--replications 4] [--rounds 2]
                                          [--no-record]

The demo's sweep (:mod:`sim.studies.demo`: its eight policies, the baseline and the high
threat, 365 days, one posterior draw a replication, event logs kept), ``--replications``
paired replications, run through the sweep engine (``run_sweep``) by this checkout and by a git
worktree of ``--base`` (default: the commit before the throughput issue), each in a fresh
process, alternating, ``--rounds`` times, so the ratio is measured on the same machine in the
same minutes. One worker for throughput (a core-second is then a second of wall time); this
checkout again with two workers for the parallel efficiency ``T1 / (2 T2)``. The engine's own
overhead per run is the wall time outside the runs (composing the plan and scenarios, starting
the worker, collecting rows, writing Parquet) over the runs' own time (``runtime_s``).

Records benchmarks/RESULTS.md (section ``bench_throughput``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import json_of, machine, met, record, unwork, worktree  # noqa: E402

#: The commit before the throughput issue (issue 30): the baseline of its targets.
BEFORE = "427880c"


def child(root: str, workers: int, replications: int) -> dict:
    """Run the demo's sweep with the code at ``root``; wall seconds and the runs' own seconds."""
    import os

    sys.path.insert(0, root)
    os.chdir(root)
    import sim.model.coordinator  # noqa: F401 - the model imported, as a pool's workers preload it
    from sim.studies.demo import POLICIES
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import run_sweep

    exp = Experiment(
        name="demo",
        policies=POLICIES,
        replications=replications,
        design={"kind": "factorial", "factors": {"threat": ["baseline", "high"]}},
        overrides=("days=365",),
        posterior=replications,
        seed=20261201,
    )
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as out:
        t0 = time.perf_counter()
        store = run_sweep(exp, Path(out) / "sweep", workers=workers, events=True, progress=False)
        wall = time.perf_counter() - t0
        frame = store.read()
    assert (frame.status == "ok").all(), "a run failed"
    return {
        "wall": wall,
        "inside": float(frame.runtime_s.sum()),
        "median_run": float(frame.runtime_s.median()),
        "runs": len(frame),
        "years": float(frame.days.sum()) / 365.0,
    }


def sweep(root: Path, workers: int, replications: int) -> dict:
    """:func:`child` in a fresh process."""
    return json_of([__file__, "--child", str(root), str(workers), str(replications)])


def per_core_second(r: dict, workers: int) -> float:
    """Simulated years per core-second of a sweep."""
    return r["years"] / (r["wall"] * workers)


def report(new: list, old: list, two: list, args, elapsed: float) -> str:
    """The RESULTS.md section."""
    y_new = statistics.median(per_core_second(r, 1) for r in new)
    y_old = statistics.median(per_core_second(r, 1) for r in old)
    ratios = [per_core_second(a, 1) / per_core_second(b, 1) for a, b in zip(new, old, strict=True)]
    t1 = statistics.median(r["wall"] for r in new)
    t2 = statistics.median(r["wall"] for r in two)
    runs = new[0]["runs"]
    overhead = [(r["wall"] - r["inside"]) / r["inside"] for r in new]
    overhead_old = [(r["wall"] - r["inside"]) / r["inside"] for r in old]
    ratio = statistics.median(ratios)
    lines = [
        "Command: `python benchmarks/bench_throughput.py`",
        "",
        f"Machine: {machine()} · {elapsed:.0f} s",
        "",
        f"The demo's sweep ({runs} runs: 8 policies x baseline and high threat x "
        f"{args.replications} paired replications with posterior draws, 365 days, event logs "
        f"kept), through the sweep engine with one worker; this checkout and `{args.base}` (the "
        f"commit before the throughput issue) alternating in fresh processes, {args.rounds} "
        "rounds.",
        "",
        "| code | sweep (s, median) | median run (ms) | years per core-second | engine overhead |",
        "|---|---|---|---|---|",
        f"| `{args.base}` | {statistics.median(r['wall'] for r in old):.1f} | "
        f"{statistics.median(r['median_run'] for r in old) * 1e3:.1f} | {y_old:.2f} | "
        f"{statistics.median(overhead_old):.1%} |",
        f"| this checkout | {t1:.1f} | "
        f"{statistics.median(r['median_run'] for r in new) * 1e3:.1f} | {y_new:.2f} | "
        f"{statistics.median(overhead):.1%} |",
        "",
        f"- Throughput, this checkout against `{args.base}`: **{ratio:.2f}x** (pairs: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= 5x: {met(ratio >= 5)}; "
        f"resolved at >= 3x: {met(ratio >= 3)}).",
        f"- Engine overhead (wall time outside the runs, over the runs' own time): "
        f"**{statistics.median(overhead):.1%}** of a run (target < 10%: "
        f"{met(statistics.median(overhead) < 0.10)}).",
        f"- Parallel efficiency, same sweep with 2 workers: T1 / (2 T2) = {t1:.1f} / "
        f"(2 x {t2:.1f}) = **{t1 / (2 * t2):.0%}** (target >= 90%: {met(t1 / (2 * t2) >= 0.9)}).",
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        root, workers, reps = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(child(root, workers, reps)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default=BEFORE)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    new, old, two = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        base = worktree(args.base, Path(tmp))
        try:
            for i in range(args.rounds):
                old.append(sweep(base, 1, args.replications))
                new.append(sweep(ROOT, 1, args.replications))
                two.append(sweep(ROOT, 2, args.replications))
                print(
                    f"round {i + 1}: {args.base} {old[-1]['wall']:.1f} s, this checkout "
                    f"{new[-1]['wall']:.1f} s (1 worker), {two[-1]['wall']:.1f} s (2 workers)",
                    flush=True,
                )
        finally:
            unwork(base)
    text = report(new, old, two, args, time.perf_counter() - t0)
    print(text)
    if not args.no_record:
        record("bench_throughput", "## Throughput\n\n" + text)


if __name__ == "__main__":
    main()
