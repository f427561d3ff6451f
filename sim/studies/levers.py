"""Which lever does the work: a named policy's effect split among lever groups by Shapley values.

A named policy differs from its baseline in several levers at once (``joint_command`` swaps host
for foreign guards, enlarges teams, adds armor, vetting and joint planning and raids). Running
every combination of the groups of changes on common random numbers and attributing the effect
by the Shapley value (Shapley 1953; for the attribution of a model output to groups of inputs,
Owen 2014 and Song, Nelson and Staum 2016) gives each group its share, interactions split
evenly among the groups that interact; the shares add up to the whole effect (efficiency).

This module holds the lever groups and the Shapley arithmetic;
:func:`sim.studies.decompose.decompose` runs the combinations and states each share with its
interval.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scenarios.schema import Policy, ScenarioError
from scenarios.twins import FOREIGN_LEVERS, TEAMS

__all__ = ["MAX_GROUPS", "LeverGroup", "apply_groups", "lever_groups", "shapley"]

#: At most this many groups (2^6 = 64 combinations a replication).
MAX_GROUPS = 6

#: Lever fields grouped by what they do (the personnel of units is handled separately).
CATEGORIES = {
    "more units": (
        "escort_units",
        "checkpoints",
        "patrols",
        "qrf_units",
        "patrol_size",
        "qrf_size",
    ),
    "armor": ("armored_share",),
    "vetting": ("vetting",),
    "joint planning and raids": ("foreign_planning", "foreign_raids"),
    "intelligence": ("intel_sharing",),
    "movement": ("route_choices", "detour_limit", "departure_window_h"),
    "escort coverage": ("escort_coverage",),
    "site hardening": ("site_hardening",),
}


@dataclass(frozen=True)
class LeverGroup:
    """A group of lever changes: fields ``set`` to values, then fields changed ``add`` by deltas."""

    name: str
    set: Mapping = field(default_factory=dict)
    add: Mapping = field(default_factory=dict)

    def fields(self) -> list[str]:
        """The lever fields this group changes."""
        return sorted({*self.set, *self.add})


def lever_groups(policy: Policy, baseline: Policy) -> list[LeverGroup]:
    """The default groups of the changes from ``baseline`` to ``policy``.

    * "swap host for foreign guards": each team keeps its size, ``F`` host places go to foreign
      personnel (``F`` the policy's added foreign personnel per team);
    * "team size": each team grows (or shrinks) to the policy's total size;
    * then one group per category of :data:`CATEGORIES` that differs.

    Applying every group to the baseline gives the policy exactly.
    """
    swap_add, size_add = {}, {}
    for host, foreign in TEAMS:
        f = getattr(policy, foreign) - getattr(baseline, foreign)
        total = getattr(policy, host) + getattr(policy, foreign)
        base_total = getattr(baseline, host) + getattr(baseline, foreign)
        if f:
            swap_add.update({host: -f, foreign: f})
        if total != base_total:
            size_add[host] = total - base_total
    groups = []
    if swap_add or policy.force != baseline.force:
        groups.append(
            LeverGroup("swap host for foreign guards", set={"force": policy.force}, add=swap_add)
        )
    if size_add:
        groups.append(LeverGroup("team size", add=size_add))
    for name, names in CATEGORIES.items():
        changed = {
            k: getattr(policy, k) for k in names if getattr(policy, k) != getattr(baseline, k)
        }
        if changed:
            groups.append(LeverGroup(name, set=changed))
    return groups


def apply_groups(baseline: Policy, groups: Sequence[LeverGroup], name: str) -> Policy:
    """The baseline with ``groups`` applied in order, as a validated policy named ``name``."""
    data = baseline.to_dict()
    for g in groups:
        data.update(g.set)
        for k, delta in g.add.items():
            data[k] = data[k] + delta
    if data["force"] == "domestic" and any(data[k] for k in FOREIGN_LEVERS):
        data["force"] = "joint"  # foreign personnel or planning without the swap's force label
    for host, _ in TEAMS:
        if data[host] < 0:
            raise ScenarioError(
                f"policy.{host}",
                f"the combination {name!r} of lever groups leaves a negative team; "
                "give decompose() other groups",
            )
    data["name"] = name
    return Policy.from_dict(data)


def shapley(values: Mapping[frozenset, np.ndarray | float], players: Sequence[str]) -> dict:
    """Exact Shapley values from the values of every coalition of ``players``.

    ``phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! (v(S + i) - v(S))``;
    ``values`` maps each ``frozenset`` of players to its value (a number or an array, e.g. one
    value per replication).
    """
    n = len(players)
    out = {}
    for p in players:
        others = [q for q in players if q != p]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for s in itertools.combinations(others, k):
                s = frozenset(s)
                total = total + weight * (np.asarray(values[s | {p}]) - np.asarray(values[s]))
        out[p] = total
    return out
