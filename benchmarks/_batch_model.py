"""The corridor model wrapped for mesa.batch_run (keyword parameters, a DataCollector).

batch_run runs a Mesa model the one way it can: ``step()`` until ``running`` is false or
``max_steps`` (here one step an hour to the horizon). It lives in its own module because
batch_run's spawned workers must import it.
"""

from __future__ import annotations

from functools import cache

import mesa

from sim import CorridorModel, load_scenario
from sim.model.outcomes import OUTCOMES

KEEP = ("foreign_killed", "attacks_attempted", "attacks_executed", "trips_completed")


@cache
def _base(policy: str, days: int):
    return load_scenario(policy=policy, days=days)


class BatchModel(CorridorModel):
    """CorridorModel built from keyword parameters, stepping to its horizon."""

    def __init__(self, policy="domestic_baseline", days=30, rng=None):
        super().__init__(_base(policy, days).replace(seed=int(rng)))
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.outcomes()[k]) for k in KEEP}
        )

    def step(self):
        """One step, as batch_run drives any Mesa model; at the horizon, close and collect."""
        super().step()
        if self.time >= self.end_time and not self.finished:
            self.run()
            self.datacollector.collect(self)


assert set(KEEP) <= set(OUTCOMES)
