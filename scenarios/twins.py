"""The levers, and the host-only twins of a joint policy: what the foreign component adds.

A named joint policy bundles levers the host could adopt alone (armor, hardening, vetting, more
units) with foreign ones (foreign personnel, joint planning and raids). Comparing it with
``domestic_baseline`` mostly measures the bundle. Its *twins* keep every host lever of the joint
policy and replace the foreign ones: each foreign guard by one host guard (``_twin_personnel``,
equal personnel) or by as many host guards as the same money pays (``_twin_cost``, equal cost,
``foreign_guard_day_usd / host_guard_day_usd`` of them, rounded), with joint planning and raids
set to 0. The joint policy minus its twin is the *foreign increment*. The lever file
(``conf/levers.yaml``) states every lever's class (host or foreign) and plausible range.

A twin is a policy name, ``joint_escort_twin_cost``: it composes like any option of
``conf/policy/`` (the joint policy is composed with the overrides given, then twinned).
"""

from __future__ import annotations

import re
from pathlib import Path

from scenarios.fields import ScenarioError

__all__ = [
    "BASES",
    "FOREIGN_LEVERS",
    "TEAMS",
    "levers",
    "split_twin",
    "twin_name",
    "twin_policy",
]

#: The two bases of a twin: each foreign guard replaced by one host guard, or by their cost.
BASES = ("personnel", "cost")
#: Units with host and foreign personnel: (host field, foreign field).
TEAMS = (
    ("escort_size", "foreign_per_escort"),
    ("checkpoint_size", "foreign_at_checkpoints"),
    ("site_guards", "foreign_site_guards"),
)
#: The foreign-only levers besides personnel: joint planning and joint raids.
FOREIGN_SHARES = ("foreign_planning", "foreign_raids")
FOREIGN_LEVERS = tuple(f for _, f in TEAMS) + FOREIGN_SHARES
_TWIN = re.compile(r"^(?P<policy>.+)_twin_(?P<basis>personnel|cost)$")


def twin_name(policy: str, basis: str) -> str:
    """The name of ``policy``'s host-only twin on ``basis`` (``personnel`` or ``cost``)."""
    if basis not in BASES:
        raise ScenarioError("basis", f"unknown basis {basis!r}; allowed: " + ", ".join(BASES))
    return f"{policy}_twin_{basis}"


def split_twin(name: str) -> tuple[str, str | None]:
    """``("joint_escort", "cost")`` for ``joint_escort_twin_cost``; ``(name, None)`` otherwise."""
    m = _TWIN.match(str(name))
    return (m["policy"], m["basis"]) if m else (str(name), None)


def twin_policy(policy: dict, costs: dict, basis: str) -> dict:
    """The host-only twin of a composed joint ``policy`` (a dict of its fields).

    Every host lever is kept; in each team the foreign personnel are replaced by host
    personnel (one for one, or by cost), joint planning and raids go to 0, and the force is
    ``domestic``. The name becomes ``<name>_twin_<basis>``.
    """
    if basis not in BASES:
        raise ScenarioError("basis", f"unknown basis {basis!r}; allowed: " + ", ".join(BASES))
    per_foreign = 1.0
    if basis == "cost":
        host, foreign = costs["host_guard_day_usd"], costs["foreign_guard_day_usd"]
        if host <= 0:
            raise ScenarioError(
                "costs.host_guard_day_usd", "must be above 0 for an equal-cost twin"
            )
        per_foreign = foreign / host
    twin = dict(policy)
    for host_field, foreign_field in TEAMS:
        twin[host_field] = int(policy[host_field]) + round(int(policy[foreign_field]) * per_foreign)
        twin[foreign_field] = 0
    for share in FOREIGN_SHARES:
        twin[share] = 0.0
    twin["force"] = "domestic"
    twin["name"] = twin_name(str(policy.get("name", "policy")), basis)
    return twin


def levers(path: Path | None = None) -> dict[str, dict]:
    """The lever file: each lever's ``class`` (host or foreign), ``range`` and ``why``."""
    from scenarios.safe_yaml import load_yaml

    path = path or Path(__file__).resolve().parent.parent / "conf" / "levers.yaml"
    data = load_yaml(path, "levers")["levers"]
    return {name: dict(spec) for name, spec in data.items()}
