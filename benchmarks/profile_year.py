"""Where a simulated year's time goes: per submodel, per day and per trip.

    python benchmarks/profile_year.py [--seeds 9] [--policy domestic_baseline] [--no-record]

Three measurements of 365-day CPEC runs at the baseline threat, this checkout, one process:

1. **Per submodel**: the run under ``cProfile``, each function's own time summed by the file it
   lives in (the submodel), the time of built-in calls (``dict.get``, ``min``, ``heappush``...)
   handed to the files that called them, in proportion to the calls. The profiler's own cost
   inflates small functions, so these are shares, not milliseconds.
2. **Per day and per trip**, without the profiler: the median run with no trips at all (the
   days' own work: cells, legitimacy, recruitment, the record, the turn of the day), and the
   slope between 8 and 16 trips a day (the cost a trip adds; 16 is the default, and above it
   escort teams run short and waiting queues grow, which is not the cost of a trip).
3. **The day's plan**: the seconds each hook of :class:`sim.model.coordinator.DayPlan` took,
   from the model's own timings (the hooks include the trips' events they set off).

Records benchmarks/RESULTS.md (section ``profile``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _common import machine, record  # noqa: E402

#: Source files, by the part of the model they belong to.
PARTS = {
    "agents/convoy.py": "trips (agents/convoy.py)",
    "sim/model/movement.py": "trip calendar (movement.py)",
    "sim/model/demand.py": "trip demand (demand.py)",
    "agents/militant_cell.py": "cells (militant_cell.py, threat.py)",
    "sim/model/threat.py": "cells (militant_cell.py, threat.py)",
    "sim/model/targets.py": "target choice (targets.py)",
    "sim/model/population.py": "legitimacy, recruitment, tips (population.py)",
    "sim/model/security.py": "security (security.py, guard_unit.py)",
    "agents/guard_unit.py": "security (security.py, guard_unit.py)",
    "sim/model/engagement.py": "attacks (engagement.py, modes.py)",
    "sim/model/modes.py": "attacks (engagement.py, modes.py)",
    "sim/model/randomness.py": "keyed draws (randomness.py)",
    "sim/model/coordinator.py": "turn of the day (coordinator.py)",
    "sim/model/outcomes.py": "outcomes (outcomes.py)",
}


def part_of(filename: str) -> str:
    """The part of the model a source file belongs to."""
    path = filename.replace("\\", "/")
    for suffix, part in PARTS.items():
        if path.endswith(suffix):
            return part
    if "/mesa/" in path:
        return "Mesa's event list"
    if "/site-packages/" in path or path.startswith("<frozen"):
        return "other libraries"
    return "other"


def shares(stats: pstats.Stats) -> Counter:
    """Own time by part; a built-in's own time goes to its callers, in proportion to calls."""
    out: Counter = Counter()
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        if filename != "~":
            out[part_of(filename)] += own
            continue
        total = sum(c[1] for c in callers.values()) or 1
        for (cfile, _, _), c in callers.items():
            out[part_of(cfile)] += own * c[1] / total
    return out


def timed_year(scenario, seeds) -> float:
    """Median seconds of a year (run and outcomes) over ``seeds``."""
    from sim import CorridorModel

    CorridorModel(scenario.replace(days=3)).run()
    out = []
    for seed in seeds:
        model = CorridorModel(scenario.replace(seed=seed))
        t0 = time.perf_counter()
        model.run()
        model.outcomes()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def measure(policy: str, seeds: list[int]) -> dict:
    """The three measurements of the module's docstring."""
    from sim import CorridorModel, load_scenario

    base = load_scenario(policy=policy, days=365)
    CorridorModel(base.replace(days=3)).run()
    prof = cProfile.Profile()
    trips, plan = 0, Counter()
    for seed in seeds:
        model = CorridorModel(base.replace(seed=seed))
        prof.enable()
        model.run()
        model.outcomes()
        prof.disable()
        trips += model.counters["trips_started"]
        for _, row in model.plan_table().iterrows():
            plan[(row.phase, row.submodel, row.hook)] += row.seconds
    by_part = shares(pstats.Stats(prof))
    year = timed_year(base, seeds)
    floor = timed_year(base.replace(demand__trips_per_day=0.0), seeds)
    half = timed_year(base.replace(demand__trips_per_day=8.0), seeds)
    per_trip = (year - half) / (8 * 365)
    return {
        "by_part": by_part,
        "plan": {k: v / len(seeds) for k, v in plan.items()},
        "trips": trips / len(seeds),
        "year": year,
        "floor": floor,
        "half": half,
        "per_trip": per_trip,
        "days": 365,
    }


def report(m: dict, policy: str, seeds: int, elapsed: float) -> str:
    """The RESULTS.md section."""
    total = sum(m["by_part"].values())
    lines = [
        "Command: `python benchmarks/profile_year.py`",
        "",
        f"Machine: {machine()} · {elapsed:.0f} s",
        "",
        f"365-day CPEC runs of {policy} at the baseline threat, {seeds} seeds, this checkout.",
        "",
        f"- A year: **{m['year'] * 1e3:.1f} ms** (median; {m['trips']:.0f} trips).",
        f"- The days' own work, a year with no trips: **{m['floor'] * 1e3:.1f} ms**, "
        f"{m['floor'] / m['days'] * 1e6:.0f} microseconds a day.",
        f"- A trip: **{m['per_trip'] * 1e6:.1f} microseconds** (8 trips a day: "
        f"{m['half'] * 1e3:.1f} ms; 16: {m['year'] * 1e3:.1f} ms).",
        "",
        "Own time by part of the model, under the profiler (shares; built-in calls counted "
        "with their callers):",
        "",
        "| part | share |",
        "|---|---|",
    ]
    for part, own in m["by_part"].most_common():
        if own / total >= 0.005:
            lines.append(f"| {part} | {own / total:.1%} |")
    lines += [
        "",
        "The day's plan (model timings, ms a year; a hook's time includes the trip events it "
        "sets off):",
        "",
        "| phase | submodel | hook | ms a year |",
        "|---|---|---|---|",
    ]
    for (phase, sub, hook), sec in m["plan"].items():
        lines.append(f"| {phase} | {sub} | {hook} | {sec * 1e3:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=9)
    parser.add_argument("--policy", default="domestic_baseline")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    m = measure(args.policy, list(range(args.seeds)))
    text = report(m, args.policy, args.seeds, time.perf_counter() - t0)
    print(text)
    if not args.no_record:
        record("profile", "## Where a year's time goes\n\n" + text)


if __name__ == "__main__":
    main()
