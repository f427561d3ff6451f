"""``sim.optimize(...)``: the host-only and joint searches, re-evaluated, compared, stored.

For each threat level, the host-only space and the joint space (:mod:`sim.search.levers`) are
searched on the same seeds, scenarios and posterior draws (:mod:`sim.search.evaluate`). Each
search's front (its archive's nondominated candidates, thinned to ``front_size``) is run again on
fresh seeds with ``fresh_replications`` replications, beside the named policies of
``conf/policy/`` on the same fresh seeds; the gap between the fronts at each budget is then read
off with its interval (:mod:`sim.search.fronts`).

Everything lands in one search folder (``out``): ``search.json`` (the record: algorithm,
seeds, settings, evaluations, times, versions), ``evaluations.csv``, ``front.csv``,
``named.csv``, ``gaps.csv``, ``search.md`` and the figures, with every run in ``runs/``, one
sweep folder per generation. Run the same call again to resume a killed search: the finished
generations are read back and the search replays to the same front.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.compose import POLICIES
from sim.search.evaluate import (
    OBJECTIVES,
    EvalSettings,
    SweepEvaluator,
    fresh_seed,
    objective_table,
    per_year,
    run_points,
    scenario_points,
)
from sim.search.fronts import best_at, dominated_by, gap_at
from sim.search.levers import SEARCHED, lever_space
from sim.search.outputs import SearchOutcome
from sim.sweeps.points import SweepError

__all__ = ["SearchSettings", "optimize"]


@dataclass(frozen=True)
class SearchSettings:
    """Everything that decides a search's results (its identity in the folder's record)."""

    threats: tuple[str, ...] = ("baseline",)
    spaces: tuple[str, ...] = ("host", "joint")
    pop_size: int = 16
    generations: int = 8
    scenarios: int = 4
    replications: int = 6
    fresh_replications: int = 24
    posterior: int = 12
    days: int = 365
    seed: int = 20261202
    front_size: int = 12
    budget: float | None = None  # a cap on the robust cost, USD a year (a constraint)
    budgets: tuple[float, ...] = (10e6, 20e6, 30e6)  # where the fronts' gap is read, USD a year

    def check(self) -> None:
        """Refuse a setting out of range, naming it."""
        from scenarios.compose import group_options
        from scenarios.schema import MAX_SEED
        from sim.sweeps.points import whole

        for t in self.threats:
            if t not in group_options("threat"):
                raise SweepError("threats", f"unknown threat {t!r}; allowed: "
                                 + ", ".join(group_options("threat")))  # fmt: skip
        if not self.threats or not self.spaces or set(self.spaces) - {"host", "joint"}:
            raise SweepError("spaces", "must list host, joint or both; threats at least one")
        whole("pop_size", self.pop_size, 4, 10_000)
        whole("generations", self.generations, 1, 10_000)
        whole("scenarios", self.scenarios, 1, 1_000)
        whole("replications", self.replications, 1, 100_000)
        whole("fresh_replications", self.fresh_replications, 2, 100_000)
        whole("posterior", self.posterior, 0, 100_000)
        whole("days", self.days, 1, 36_500)
        whole("seed", self.seed, 0, MAX_SEED)
        whole("front_size", self.front_size, 1, 10_000)
        for name, values in (("budget", [self.budget]), ("budgets", self.budgets)):
            for v in values:
                if v is not None and not (isinstance(v, (int, float)) and 0 < v < 1e15):
                    raise SweepError(name, f"must be a positive amount in USD a year, got {v!r}")

    def identity(self) -> dict:
        """The settings as plain data (what a rerun must match to resume)."""
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _check_out(out: Path, settings: SearchSettings) -> bool:
    """Refuse a folder that is not a search folder, or that holds a search with other settings.

    Returns whether it holds this search finished.
    """
    from sim.files.ownership import check_folder, check_writable

    check_folder(out, "search", "out")
    check_writable(out, "out")
    record = out / "search.json"
    if record.exists():
        try:
            data = json.loads(record.read_text())
            held = data.get("settings")
        except (OSError, ValueError, AttributeError):
            raise SweepError(
                "out", f"{str(record)!r} cannot be read as a search's record"
            ) from None
        given = settings.identity()
        if held != given:
            held = held if isinstance(held, dict) else {}
            diff = next(k for k, v in given.items() if held.get(k) != v)
            raise SweepError(
                "out",
                f"{str(out)!r} holds a search with other settings ({diff}: "
                f"{(held or {}).get(diff)!r}); give the same settings to resume it, or choose "
                "another folder",
            )
        return bool(data.get("finished"))
    return False


def optimize(
    *, out: str | Path = "results/optimize", workers: int | None = None,
    backend: str = "processes", scheduler: str | None = None, progress: bool = True,
    command: str = "", **settings,
) -> SearchOutcome:  # fmt: skip
    """Search the lever space, host-only and joint, under each threat; see the module's text.

    Keyword arguments are the fields of :class:`SearchSettings`; ``workers`` defaults to this
    machine's cores. Returns the finished search (also written to ``out``).
    """
    from sim.files.ownership import make_folder, mark, write_text_file
    from sim.search.outputs import record_of, write_outputs
    from sim.sweeps.execution import default_workers

    unknown = set(settings) - set(SearchSettings.__dataclass_fields__)
    if unknown:
        raise SweepError(sorted(unknown)[0], "is not a setting of the search; allowed: "
                         + ", ".join(SearchSettings.__dataclass_fields__))  # fmt: skip
    for key in ("threats", "spaces", "budgets"):
        if key in settings and not isinstance(settings[key], str):
            settings[key] = tuple(settings[key])
    s = SearchSettings(**settings)
    s.check()
    out = Path(out)
    if _check_out(out, s):
        # finished with these settings: read back (the code may have changed since), rewritten
        from sim.search.outputs import load_search

        outcome = load_search(out)
        write_outputs(outcome)
        return outcome
    workers = default_workers() if workers is None else workers
    started = time.perf_counter()
    # the record first: a write that fails leaves nothing behind (the folder is removed)
    if not (out / "search.json").exists():
        write_text_file(out / "search.json", json.dumps(
            {"settings": s.identity(), "finished": False}, indent=2) + "\n")  # fmt: skip
    mark(out, "search")
    make_folder(out / "runs")
    mark(out / "runs", "search_runs")
    searches, evaluations, fronts, named, gaps = {}, [], [], [], []
    for threat in s.threats:
        scen = tuple(scenario_points(threat, s.scenarios, s.seed))
        ev_settings = EvalSettings(
            threat, s.days, s.replications, s.posterior, scen, s.seed, workers, backend, scheduler
        )
        members, runs = {}, []
        for space in s.spaces:
            t0 = time.perf_counter()
            ev, result = _search(space, threat, ev_settings, s, out, progress)
            searches[f"{space}_{threat}"] = {
                "evaluations": result.evaluations,
                "unique_candidates": len(ev.cache),
                "runs": ev.runs_done,
                "seconds": round(time.perf_counter() - t0, 1),
            }
            evaluations.append(pd.DataFrame(ev.records).assign(space=space, threat=threat))
            members[space], fresh = _reevaluate(ev, result, space, threat, s, progress)
            runs.append(fresh)
        table, fresh_named = _named(ev_settings, s, out, threat, progress)
        runs.append(fresh_named)
        front = pd.concat(members.values())
        table["dominated_by"] = dominated_by(table, front)
        named.append(table)
        fronts.append(front)
        gaps += _gaps(members, pd.concat(runs), s, threat)
    outcome = SearchOutcome(
        out,
        {},
        pd.concat(evaluations, ignore_index=True),
        pd.concat(fronts),
        pd.concat(named),
        pd.DataFrame(gaps),
    )
    outcome.record = record_of(s, searches, outcome, time.perf_counter() - started, workers,
                               command)  # fmt: skip
    write_outputs(outcome)
    return outcome


def _search(space, threat, ev_settings, s: SearchSettings, out: Path, progress: bool):
    """One search: NSGA-II over ``space`` under ``threat``, generation by generation."""
    from tqdm.auto import tqdm

    from sim.search.loop import run_search

    lever = lever_space(space)
    ev = SweepEvaluator(lever, ev_settings, out / "runs", f"{space}_{threat}", s.budget)
    bar = tqdm(total=s.generations, desc=f"search {space} {threat}", unit="gen",
               disable=not progress)  # fmt: skip

    def tick(gen):
        bar.update(1)
        bar.set_postfix(candidates=len(ev.cache), runs=ev.runs_done)

    try:
        result = run_search(
            lever.size, len(OBJECTIVES), ev, pop_size=s.pop_size, generations=s.generations,
            seed=s.seed, n_constr=ev.n_constr, on_generation=tick,
        )  # fmt: skip
    finally:
        bar.close()
    return ev, result


def _reevaluate(ev: SweepEvaluator, result, space, threat, s: SearchSettings, progress: bool):
    """The front's members, with their in-search and fresh values, and their fresh runs."""
    x, _ = result.archive_front(limit=s.front_size)
    levers = [ev.space.decode(u) for u in x]
    ids = [f"{space}-{threat}-{k:02d}" for k in range(len(levers))]
    frame = ev.frame(
        levers, f"{space}_{threat}_fresh", fresh_seed(s.seed), s.fresh_replications, progress
    )
    n = len(ev.settings.scenarios)
    point = frame["point"].to_numpy()
    values = per_year(frame)
    fresh = objective_table(values, point // n, point % n).add_prefix("fresh_")
    rows = []
    for k, lev in enumerate(levers):
        inside = ev.cache[tuple(sorted(lev.items()))]
        full = {name: lev.get(name, 0) for name in SEARCHED}
        rows.append({"member": ids[k], "space": space, "threat": threat, **full, **inside,
                     **fresh.loc[k].to_dict()})  # fmt: skip
    runs = values.assign(
        member=np.asarray(ids)[point // n], scenario=point % n,
        replication=frame["replication"].to_numpy(),
    )  # fmt: skip
    return pd.DataFrame(rows).set_index("member"), runs


def _named(ev_settings, s: SearchSettings, out: Path, threat: str, progress: bool):
    """The named policies on the same fresh seeds and scenarios: their values and runs."""
    frame = run_points(
        None, list(ev_settings.scenarios), ev_settings, out / "runs" / f"named_{threat}_fresh",
        seed=fresh_seed(s.seed), replications=s.fresh_replications, policies=POLICIES,
        progress=progress,
    )  # fmt: skip
    values = per_year(frame)
    policy = frame["policy"].to_numpy()
    table = objective_table(values, policy, frame["point"].to_numpy()).add_prefix("fresh_")
    table = table.reindex(list(POLICIES))
    table.index.name = "policy"
    table.insert(0, "threat", threat)
    runs = values.assign(member=policy, scenario=frame["point"].to_numpy(),
                         replication=frame["replication"].to_numpy())  # fmt: skip
    return table, runs


def _gaps(members: dict, runs: pd.DataFrame, s: SearchSettings, threat: str) -> list[dict]:
    """At each budget: each front's chosen member and the paired, re-evaluated gap."""
    if not {"host", "joint"} <= set(members):
        return []
    rows = []
    for budget in s.budgets:
        host, joint = best_at(members["host"], budget), best_at(members["joint"], budget)
        row = {"threat": threat, "budget_usd": budget, "host_member": host, "joint_member": joint}
        if host is not None and joint is not None:
            row["host_deaths_p90"] = members["host"].loc[host, "fresh_foreign_killed_p90"]
            row["joint_deaths_p90"] = members["joint"].loc[joint, "fresh_foreign_killed_p90"]
            row.update(gap_at(runs, host, joint, s.seed))
        rows.append(row)
    return rows
