"""One simulated year, this code against the previous release, side by side in one run.

    python benchmarks/bench_run.py [--seeds 10] [--base v0.1.0] [--no-record]

For each named policy, times 365-day CPEC runs at the baseline threat (build, run, outcomes)
for ``--seeds`` seeds with this checkout, and for the same first seeds with a git worktree of the
release ``--base`` (made in a temporary folder and removed after), each code tree in fresh
processes, alternating, so the ratio is measured on the same machine in the same minutes. Then
the scaling in unused nodes and in years: a run on the CPEC network with ten times as many
nodes that no trip uses (a spur region with no hardship, so no cell is placed there), and a
five-year run against a one-year run; a year with no trips (the days' own work, the floor
under the per-trip cost); and an earlier commit ``--filed`` (the first benchmarked version), so
that the growth of the model since is measured too. Targets: median <= 50 ms and worst
<= 80 ms a policy, at least 5x the release; unused nodes <= 1.2x; five years <= 5.2x one.
Records benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import json_of, machine, met, record, unwork, worktree  # noqa: E402

from scenarios.compose import POLICIES  # noqa: E402


def time_runs(root: Path, policy: str, seeds: list[int], days: int = 365) -> list[float]:
    """Seconds of each run of ``policy`` with the code at ``root`` (a fresh process)."""
    return json_of(
        [str(HERE / "_time_runs.py"), str(root), str(days), policy] + [str(s) for s in seeds]
    )


def padded_graph(factor: int = 10):
    """The CPEC network with ``factor - 1`` times its nodes added as a spur no trip uses.

    The extra nodes are junctions (no trips start or end there) in a region of their own with
    no hardship (no grievance: no cell is placed or recruited there), hanging off one node.
    """
    import networkx as nx

    from sim.model.network import cpec_graph

    G = cpec_graph()
    anchor = next(iter(G.nodes))
    x0, y0 = G.nodes[anchor]["x"], G.nodes[anchor]["y"]
    extra = (factor - 1) * G.number_of_nodes()
    prev = anchor
    for i in range(extra):
        node = f"spur-{i}"
        G.add_node(node, name=node, x=x0 + 0.01 * (i + 1), y=y0 - 0.01 * (i + 1), kind="junction")
        G.nodes[node]["region"] = "Spur"
        G.add_edge(prev, node, length_km=5.0, speed_kmh=40.0, road="local", region="Spur")
        prev = node
    regions = dict(G.graph.get("regions", {}))
    regions["Spur"] = {"hardship": 0.0, "legitimacy0": 0.6}
    G.graph["regions"] = regions
    assert nx.is_connected(G)
    return G


def scaling(repeat: int = 9) -> dict:
    """Unused nodes (x10) and five years against one year, medians of ``repeat`` runs."""
    from sim import CorridorModel, load_scenario
    from sim.model.network import cpec_graph, validate_graph

    def timed(sc, graph) -> float:
        t0 = time.perf_counter()
        CorridorModel(sc, graph=graph).run().outcomes()
        return time.perf_counter() - t0

    base = load_scenario()
    plain = validate_graph(cpec_graph())
    padded = validate_graph(padded_graph())
    timed(base.replace(days=3), plain)  # both networks warm: routes and reaches made once
    timed(base.replace(days=3), padded)
    out: dict = {"nodes": (plain.number_of_nodes(), padded.number_of_nodes())}
    one, wide, five = [], [], []
    for seed in range(repeat):
        one.append(timed(base.replace(seed=seed), plain))
        wide.append(timed(base.replace(seed=seed), padded))
        five.append(timed(base.replace(seed=seed, days=1825), plain))
    out["one"], out["wide"], out["five"] = (statistics.median(x) for x in (one, wide, five))
    out["trips"] = {}
    out["per_year"] = base.demand.trips_per_day * 365  # trips a year, on average
    for factor in (0.0, 0.5, 2.0):  # no trips (the days' own work), trips halved and doubled
        sc = base.replace(demand__trips_per_day=base.demand.trips_per_day * factor)
        out["trips"][factor] = statistics.median(
            timed(sc.replace(seed=seed), plain) for seed in range(repeat)
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--base-seeds", type=int, default=5)
    parser.add_argument("--base", default="v0.1.0")
    parser.add_argument(
        "--filed",
        default="0163787",
        help="an earlier commit timed beside (default: the first benchmarked, 0.248 s a year then)",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    rows = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        base_root = worktree(args.base, Path(tmp))
        try:
            for policy in POLICIES:
                old = time_runs(base_root, policy, seeds[: args.base_seeds])
                new = time_runs(ROOT, policy, seeds)
                rows.append((policy, new, old))
                print(
                    f"{policy}: median {statistics.median(new) * 1000:.1f} ms "
                    f"(worst {max(new) * 1000:.1f}); {args.base} "
                    f"{statistics.median(old) * 1000:.0f} ms",
                    flush=True,
                )
            filed_root = worktree(args.filed, Path(tmp))
            filed = time_runs(filed_root, "domestic_baseline", seeds[: args.base_seeds])
        finally:
            for root in Path(tmp).iterdir():
                unwork(root)
    scale = scaling()
    elapsed = time.perf_counter() - t_start
    meds = [statistics.median(new) for _, new, _ in rows]
    worst = [max(new) for _, new, _ in rows]
    ratios = [
        statistics.median(old) / statistics.median(new[: args.base_seeds]) for _, new, old in rows
    ]
    lines = [
        "Command: `python benchmarks/bench_run.py`",
        "",
        f"Machine: {machine()} · {elapsed:.0f} s",
        "",
        f"365-day CPEC runs at the baseline threat (build, run, outcomes), {args.seeds} seeds "
        f"a policy with this code and the first {args.base_seeds} with a git worktree of "
        f"{args.base} (the hourly-stepped release), in fresh processes, in the same run.",
        "",
        f"| policy | median (ms) | worst (ms) | {args.base} median (ms) | speed-up |",
        "|---|---|---|---|---|",
    ]
    for (policy, new, old), ratio in zip(rows, ratios, strict=True):
        lines.append(
            f"| {policy} | {statistics.median(new) * 1000:.1f} | {max(new) * 1000:.1f} | "
            f"{statistics.median(old) * 1000:.0f} | {ratio:.1f}x |"
        )
    wide, five = scale["wide"] / scale["one"], scale["five"] / scale["one"]
    lines += [
        "",
        f"- Median of the policies' medians **{statistics.median(meds) * 1000:.1f} ms**, "
        f"largest median {max(meds) * 1000:.1f} ms (target <= 50 ms: {met(max(meds) <= 0.05)}); "
        f"worst run {max(worst) * 1000:.1f} ms (target <= 80 ms: {met(max(worst) <= 0.08)}).",
        f"- Speed-up over {args.base} on the same seeds: {min(ratios):.1f}x to "
        f"{max(ratios):.1f}x (target >= 5x: {met(min(ratios) >= 5)}).",
        f"- Ten times the nodes, unused by any trip ({scale['nodes'][0]} -> "
        f"{scale['nodes'][1]}): {scale['wide'] * 1000:.0f} ms against "
        f"{scale['one'] * 1000:.0f} ms, **{wide:.2f}x** (target <= 1.2x: {met(wide <= 1.2)}).",
        f"- Five years against one: {scale['five'] * 1000:.0f} ms against "
        f"{scale['one'] * 1000:.0f} ms, **{five:.2f}x** (target <= 5.2x: {met(five <= 5.2)}).",
        f"- Trips: half, the default (16) and twice the trips a day take "
        f"{scale['trips'][0.5] * 1000:.0f}, {scale['one'] * 1000:.0f} and "
        f"{scale['trips'][2.0] * 1000:.0f} ms: about "
        f"{(scale['trips'][2.0] - scale['trips'][0.5]) / (24 * 365) * 1e6:.1f} microseconds "
        "a trip on top of the days' own work (cells, legitimacy, recruitment).",
        f"- Where the time goes: a year with no trips at all (the days' own work: cells' "
        f"learning, choices and interdiction, legitimacy, recruitment, the daily record) "
        f"takes **{scale['trips'][0.0] * 1000:.0f} ms**. A 50 ms year leaves "
        f"{max(0.05 - scale['trips'][0.0], 0.0) / scale['per_year'] * 1e6:.1f} microseconds "
        f"for each of its some {scale['per_year']:,.0f} trips, against the "
        f"{(scale['one'] - scale['trips'][0.0]) / scale['per_year'] * 1e6:.1f} measured here.",
        f"- The first benchmarked version ({args.filed}, recorded then at 0.248 s a year; "
        f"domestic_baseline, same seeds) takes {statistics.median(filed) * 1000:.0f} ms on "
        "this machine today; "
        f"{args.base} takes {statistics.median(rows[0][2]) * 1000:.0f} ms: a simulated year costs "
        f"{statistics.median(rows[0][2]) / statistics.median(filed):.1f}x what it did then "
        "(keyed draws by entity, targets beyond convoys, insiders and tips, the "
        "calibrated threat).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        record("bench_run", "## One run\n\n" + text)


if __name__ == "__main__":
    main()
