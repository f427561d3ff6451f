"""What a worker does: run specs in its process and return their rows (never raising)."""

from __future__ import annotations

import math
import time
import traceback
from pathlib import Path

from scenarios.schema import Scenario
from sim.model.outcomes import OUTCOMES
from sim.sweeps.plan import RunSpec, check_labels

__all__ = ["row_of", "run_batch", "run_one"]


# ---- one run -----------------------------------------------------------------------------------
def row_of(spec: RunSpec) -> dict:
    """A run's row before its outcomes: its labels, its threat's values and its design values."""
    from scenarios.compose import GROUPS
    from scenarios.schema import Threat

    row = {
        "run_id": spec.run_id,
        "replication": spec.replication,
        "point": spec.point,
        "seed": spec.seed,
        "policy": spec.policy,
        "posterior_draw": spec.draw,
    }
    threat = spec.scenario["threat"]
    row["threat"] = threat.get("name", "")
    row["network"] = spec.scenario["network"].get("kind", "")
    for f in Threat.fields():
        if f.name != "name":
            row[f.name] = threat.get(f.name, f.default)
    for key, value in spec.design.items():
        if key not in GROUPS and not key.startswith("threat."):
            row[key] = value
    row["days"] = int(spec.scenario["days"])
    return row


def run_one(spec: RunSpec, events: bool = False):
    """Run one spec; never raises: a failure becomes a row with its error."""
    from sim.files.provenance import __version__
    from sim.model import CorridorModel
    from sim.model.network import shared_graph

    started = time.perf_counter()
    row = row_of(spec)
    frame = None
    try:
        check_labels(spec.policy, spec.design, spec.scenario)
        sc = Scenario.from_dict(spec.scenario)
        # built (or a GraphML file read) once per worker when it does not depend on the seed
        model = CorridorModel(sc, graph=shared_graph(sc.network, read_files=True))
        model.run()
        row.update(model.outcomes())
        row["status"], row["error"] = "ok", None
        if events:
            frame = model.events
            frame.insert(0, "run_id", spec.run_id)
    except Exception as exc:  # noqa: BLE001 - a failing run is recorded, the sweep goes on
        row.update(dict.fromkeys(OUTCOMES, math.nan))
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        row["status"], row["error"] = "failed", f"{type(exc).__name__}: {exc}{where}"
    row["version"] = __version__
    row["runtime_s"] = time.perf_counter() - started
    return row, frame


def run_batch(
    specs: list[RunSpec], events: bool = False, budget: float | None = None, clock=time.monotonic
):
    """Run specs in this process (the unit of work sent to a worker).

    Stops after at least one run once ``budget`` seconds have passed, so finished rows go back
    to the parent soon; returns ``(rows, event_frames, specs_not_run)``.
    """
    rows, frames = [], []
    start = clock()
    for i, spec in enumerate(specs):
        row, frame = run_one(spec, events)
        rows.append(row)
        if frame is not None and len(frame):
            frames.append(frame)
        if budget is not None and clock() - start >= budget:
            return rows, frames, list(specs[i + 1 :])
    return rows, frames, []
