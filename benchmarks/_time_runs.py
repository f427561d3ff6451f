"""Time runs of one code tree: ``python _time_runs.py ROOT DAYS POLICY SEED [SEED ...]``.

Imports the model from ``ROOT`` (this checkout, or a worktree of an earlier release) and prints
one JSON line: the seconds of each run (build, run to the horizon, outcomes), in seed order.
Run in a fresh process per code tree, so that two releases never share an interpreter.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    root, days, policy, *seeds = sys.argv[1:]
    sys.path.insert(0, root)
    os.chdir(root)
    from sim import CorridorModel, load_scenario

    base = load_scenario(policy=policy, days=int(days))
    CorridorModel(base.replace(days=3)).run()  # warm imports and caches
    out = []
    for seed in seeds:
        sc = base.replace(seed=int(seed))
        t0 = time.perf_counter()
        model = CorridorModel(sc)
        model.run()
        model.outcomes()
        out.append(time.perf_counter() - t0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
