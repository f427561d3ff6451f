"""Replications by precision: paired replications in stages until every interval is narrow enough.

``sweep(..., replications="auto", precision={"foreign_killed": 0.5})`` (or, on the command line,
``replications=auto precision.foreign_killed=0.5``) runs a pilot of ``pilot`` paired
replications (at least 30), then, stage by stage, as many more as the widest interval asks for,
until the 95% interval of every paired difference policy - baseline, for every outcome with a
target and at every design point, has a half-width at or below its target, or
``max_replications`` is reached (reported as such, never silently).

The stopping rule is the sequential procedure for an absolute precision of Law (2015, sec.
9.4.1), whose intervals have asymptotically their nominal coverage as the target shrinks (Chow
and Robbins 1965), run in stages as in the two-stage procedures of Stein (1945):

- the interval is the one every table of this package reports for a paired difference, the
  sign-flip interval of :func:`sim.analysis.compare`, and its half-width is the larger of its
  two arms (it need not be symmetric);
- a difference is done when its half-width is at most its target *and* at least
  ``min_events`` (40) of its pairs differ. Deaths are rare: most paired differences are 0 and
  a few are large, and a pilot that happens to miss the large ones underestimates the spread,
  stops early and undercovers. Simulated on the model's own paired differences of foreign
  deaths (joint_escort vs domestic_baseline, one year, baseline threat), the rule without this
  condition covered 82-89%; with 20 pairs 92-97%, with 40 pairs 93-95%;
  a difference that no pair shows (every pair 0) is never done and runs to the maximum: the
  data cannot tell a policy without effect from events too rare to have happened yet;
- after a stage of ``n`` replications whose widest ``r = max(h / target, sqrt(min_events /
  differing pairs))`` exceeds 1, the next stage runs ``ceil(1.1 * n * r**2)`` replications in
  all (the variance of a mean falls as ``1/n``; 10% against an optimistic pilot), at least
  ``n + 10`` and at most ``4 n`` (a pilot's standard deviation is itself uncertain), and never
  more than ``max_replications``.

The stages are a function of the results alone, so a rerun of an interrupted sweep replays them
from its stored rows and ends exactly where the uninterrupted sweep would have. The rule's
coverage is checked by simulation in ``tests/test_precision.py``. The outcome of the rule is
written to ``_precision.json`` in the sweep folder.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.sweeps.designs import MAX_REPLICATIONS, Experiment, SweepError

if TYPE_CHECKING:  # pandas is imported where a table is made (a refusal needs none)
    import pandas as pd

__all__ = [
    "MIN_EVENTS",
    "MIN_PILOT",
    "PrecisionRule",
    "half_widths",
    "next_stage",
    "run_to_precision",
    "stage_ratio",
]

#: Smallest pilot: below 30 paired replications a standard deviation is too rough to project.
MIN_PILOT = 30
#: Pairs that must differ before a half-width is trusted (see the module's docstring).
MIN_EVENTS = 40
#: Margin on the projected replications, smallest and largest growth of a stage.
MARGIN, MIN_STEP, MAX_GROWTH = 1.1, 10, 4


@dataclass(frozen=True)
class PrecisionRule:
    """Targets (outcome -> largest 95% half-width of a paired difference) and the rule's limits."""

    targets: Mapping[str, float]
    baseline: str = "domestic_baseline"
    pilot: int = MIN_PILOT
    max_replications: int = 2000
    level: float = 0.95
    min_events: int = MIN_EVENTS
    #: further pairs (A, B) whose difference A - B the rule covers besides every policy against
    #: the baseline: the experiment's declared contrasts and each joint policy against its
    #: host-only twins (:func:`stated_contrasts`)
    contrasts: tuple[tuple[str, str], ...] = ()

    def check(self, exp: Experiment) -> None:
        """Validate the rule against the experiment; raises :class:`SweepError` naming the field."""
        from sim.model.outcomes import OUTCOMES

        if not isinstance(self.targets, Mapping) or not self.targets:
            raise SweepError(
                "precision",
                "replications=auto needs at least one target, such as "
                "precision.foreign_killed=0.5 (the largest 95% half-width of a paired difference)",
            )
        for name, value in self.targets.items():
            if name not in OUTCOMES:
                raise SweepError(
                    f"precision.{name}",
                    f"unknown outcome {name!r}; allowed: " + ", ".join(sorted(OUTCOMES)),
                )
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value <= 0:
                raise SweepError(
                    f"precision.{name}",
                    f"must be a positive number (a half-width in {OUTCOMES[name].unit}), "
                    f"got {value!r}",
                )
        for name, value, lo in (
            ("pilot", self.pilot, MIN_PILOT),
            ("max_replications", self.max_replications, MIN_PILOT),
            ("min_events", self.min_events, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SweepError(name, f"must be a whole number, got {value!r}")
            if not lo <= value <= MAX_REPLICATIONS:
                raise SweepError(
                    name, f"must be a whole number from {lo} to {MAX_REPLICATIONS:,}, got {value}"
                )
        if self.max_replications < self.pilot:
            raise SweepError(
                "max_replications",
                f"must be at least the pilot ({self.pilot}), got {self.max_replications}",
            )
        if self.baseline not in exp.policies:
            raise SweepError(
                "baseline",
                f"{self.baseline!r} is not a policy of the sweep; allowed: "
                + ", ".join(exp.policies),
            )
        if len(exp.policies) < 2:
            raise SweepError(
                "policies", "replications=auto compares policies with a baseline: list at least two"
            )


def half_widths(results: pd.DataFrame, rule: PrecisionRule) -> pd.DataFrame:
    """Per design point, policy and outcome with a target: the paired difference's interval.

    Columns: ``point`` (and ``threat`` when the results have it), ``policy``, ``outcome``, ``n``,
    ``diff``, ``lo``, ``hi``, ``half_width`` (the larger arm), ``target``, ``ratio``
    (half-width / target), ``nonzero`` (the pairs whose difference is not 0), ``need``
    (:func:`stage_ratio`) and ``reached``: within the target and on at least ``min_events``
    differing pairs. A difference with few differing pairs (rare events) has a half-width
    estimated from few events, so it is not done however narrow its interval; when every pair
    is 0 it is never done.
    """
    import pandas as pd

    from sim.analysis import compare, paired_differences

    outcomes = list(rule.targets)
    tables = [
        compare(results, baseline=rule.baseline, outcomes=outcomes, by="point", level=rule.level)
        .assign(baseline=rule.baseline)
    ]  # fmt: skip
    for a, b in rule.contrasts:
        pair = results[results.policy.isin([a, b])]
        if set(pair.policy) == {a, b}:
            tables.append(
                compare(pair, baseline=b, outcomes=outcomes, by="point", level=rule.level)
                .assign(baseline=b)
            )  # fmt: skip
    table = pd.concat(tables, ignore_index=True)
    table["half_width"] = np.maximum(table["diff"] - table.lo, table.hi - table["diff"])
    table["target"] = table.outcome.map(rule.targets).astype(float)
    table["ratio"] = table.half_width / table.target
    pairs = {
        (policy, base, outcome): paired_differences(results, policy, base, outcome, ["point"])
        for policy, base, outcome in set(
            zip(table.policy, table.baseline, table.outcome, strict=True)
        )
    }
    table["nonzero"] = [
        int(np.count_nonzero(p["diff"][p.point == point]))
        for p, point in (
            (pairs[(r.policy, r.baseline, r.outcome)], r.point)
            for r in table.itertuples(index=False)
        )
    ]
    table["reached"] = (table.half_width <= table.target) & (table.nonzero >= rule.min_events)
    table["need"] = [
        stage_ratio(h, t, z, rule.min_events)
        for h, t, z in zip(table.half_width, table.target, table.nonzero, strict=True)
    ]
    if "threat" in results:
        labels = results.drop_duplicates("point").set_index("point")["threat"]
        table.insert(1, "threat", table.point.map(labels))
    cols = [c for c in ("point", "threat") if c in table]
    cols += ["policy", "baseline", "outcome", "n", "nonzero", "diff", "lo", "hi", "half_width"]
    cols += ["target"]
    cols += ["ratio", "need"]
    return table[[*cols, "reached"]]


def stated_contrasts(exp: Experiment, extra=()) -> tuple[tuple[str, str], ...]:
    """The pairs a sweep's report will state besides each policy against the baseline.

    The experiment's declared contrasts and every joint policy against each of its host-only
    twins in the sweep (the foreign increment), plus ``extra``; each once, in that order.
    """
    from sim.analysis.increments import increment_pairs

    pairs = [*exp.contrast_pairs(), *((j, t) for j, t, _ in increment_pairs(exp.policies))]
    out: list[tuple[str, str]] = []
    for pair in [*pairs, *(tuple(p) for p in extra)]:
        if pair not in out:
            out.append(pair)
    return tuple(out)


def stage_ratio(half_width: float, target: float, nonzero: int, min_events: int) -> float:
    """How far a difference is from done; 1 or less means done.

    The larger of half-width / target and, while fewer than ``min_events`` pairs differ,
    ``sqrt(min_events / nonzero)``: both fall as the square root of the replications.
    """
    events = math.sqrt(min_events / max(nonzero, 0.5)) if nonzero < min_events else 0.0
    return max(half_width / target, events)


def next_stage(n: int, widest_ratio: float, max_replications: int) -> int | None:
    """Replications of the next stage after ``n``, or ``None`` when the rule stops.

    ``widest_ratio`` is the largest half-width / target of the stage. The rule stops when it is
    at most 1 (every target reached) or ``n`` is ``max_replications``.
    """
    if not widest_ratio > 1.0 or n >= max_replications:  # a NaN ratio: no pairs to judge
        return None
    want = math.ceil(MARGIN * n * widest_ratio**2)
    return int(min(max_replications, MAX_GROWTH * n, max(n + MIN_STEP, want)))


def _describe(table: pd.DataFrame, n: int, min_events: int) -> str:
    worst = table.sort_values("ratio", ascending=False).iloc[0]
    where = f" at threat={worst.threat}" if "threat" in table else ""
    return (
        f"precision: {n} paired replications; widest 95% half-width {worst.half_width:.3g} "
        f"(target {worst.target:g}) for {worst.outcome}, {worst.policy} vs {worst.baseline}"
        f"{where}; "
        f"fewest differing pairs {int(table.nonzero.min())} (needed {min_events}); "
        f"{int(table.reached.sum())} of {len(table)} differences done"
    )


def run_to_precision(
    exp: Experiment,
    out: str | Path,
    rule: PrecisionRule,
    run: Callable,
    log: Callable[[str], None] | None = None,
    **run_kwargs,
):
    """Run ``exp`` under ``out`` in stages until ``rule`` is met; returns ``(store, report)``.

    ``report`` is a dict: the rule, the stages run, the final replication count, whether every
    target was reached (``"reached"``; ``False`` means the maximum stopped the sweep), why it
    stopped, and the final :func:`half_widths` table as records. It is also written to
    ``out/_precision.json``. ``run`` runs a stage: :func:`sim.sweeps.execution.run_sweep` (the
    sweep engine calls this module, not the other way round).
    """
    log = log or (lambda text: print(text, file=sys.stderr))
    rule.check(exp)
    rule = replace(rule, contrasts=stated_contrasts(exp, rule.contrasts))
    n, stages = rule.pilot, []
    while True:
        store = run(exp.replace(replications=n), out, **run_kwargs)
        stages.append(n)
        results = store.read()
        if store.failed:
            reason = f"{store.failed} runs failed; the rule was not applied to an incomplete stage"
            import pandas as pd

            table = pd.DataFrame()
            break
        table = half_widths(results, rule)
        log(_describe(table, n, rule.min_events))
        following = next_stage(n, float(table.need.max()), rule.max_replications)
        if following is None:
            reached = bool(table.reached.all())
            reason = (
                "every target reached"
                if reached
                else f"maximum of {rule.max_replications} replications reached; "
                f"{int((~table.reached).sum())} differences are wider than their target or "
                f"rest on fewer than {rule.min_events} differing pairs"
            )
            break
        n = following
    report = {
        "rule": asdict(rule),
        "stages": stages,
        "replications": n,
        "reached": bool(len(table) and table.reached.all()),
        "stopped": reason,
        "table": json.loads(table.to_json(orient="records")) if len(table) else [],
    }
    report["rule"]["targets"] = dict(rule.targets)
    from sim.sweeps.identity import record_replications

    record_replications(Path(out), n, exact=True)
    _write_json(Path(out) / "_precision.json", report)
    log(f"precision: stopped after {n} replications: {reason}")
    return store, report


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)
