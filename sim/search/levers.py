"""The lever vector the search moves: which policy fields, in which ranges, of which type.

The search runs in the unit cube; :class:`LeverSpace` maps a point of it to policy fields and
back. Ranges come from the lever file (``conf/levers.yaml``: the plausible range of each lever,
not the schema's validation bounds), types from the schema (a count is rounded to the nearest
whole number, a yes/no lever is on above one half). A host-only space leaves out the foreign
levers, so its policies have no foreign personnel by construction (the constraint "foreign
person-days = 0" holds exactly, not by penalty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scenarios.schema import ScenarioError

__all__ = ["BASE_POLICY", "SEARCHED", "LeverSpace", "lever_space"]

#: The levers the search moves (the issue's list): host guards per escort, foreign guards per
#: escort, escort coverage, armored share, site guards, foreign site guards, hardening,
#: vetting, the intelligence programme, movement randomisation (the departure window) and
#: daylight-only movement. Every other policy field stays at the base policy's value.
SEARCHED = (
    "escort_size",
    "foreign_per_escort",
    "escort_coverage",
    "armored_share",
    "site_guards",
    "foreign_site_guards",
    "site_hardening",
    "vetting",
    "intel_sharing",
    "departure_window_h",
    "daylight_only",
)
#: The named policy each space starts from (its fields not searched stay as there): the host's
#: present posture, and the same with foreign personnel allowed (``force: joint``).
BASE_POLICY = {"host": "domestic_baseline", "joint": "joint_escort"}


@dataclass(frozen=True)
class LeverSpace:
    """The searched levers of one space (``host`` or ``joint``): names, ranges and kinds."""

    space: str
    names: tuple[str, ...]
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    kinds: tuple[str, ...]  # "count", "bool" or "float"

    @property
    def base(self) -> str:
        """The named policy whose other fields the candidates keep."""
        return BASE_POLICY[self.space]

    @property
    def size(self) -> int:
        """Number of searched levers."""
        return len(self.names)

    def decode(self, u: Sequence[float]) -> dict:
        """Policy fields of a point ``u`` of the unit cube (counts rounded, yes/no at 0.5)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if u.shape != (self.size,):
            raise ValueError(f"a point of the {self.space} space has {self.size} coordinates")
        out = {}
        for name, lo, hi, kind, x in zip(
            self.names, self.lows, self.highs, self.kinds, u, strict=True
        ):
            value = lo + x * (hi - lo)
            if kind == "count":
                out[name] = int(np.floor(value + 0.5))
            elif kind == "bool":
                out[name] = bool(x >= 0.5)
            else:
                out[name] = round(float(value), 4)
        return out

    def typed(self, name: str, value):
        """A stored value of lever ``name`` (a float read from a table) as its kind's type."""
        kind = self.kinds[self.names.index(name)]
        if kind == "bool":
            return bool(value)
        return int(value) if kind == "count" else float(value)

    def encode(self, levers: Mapping) -> np.ndarray:
        """The point of the unit cube that decodes to ``levers`` (a policy's searched fields)."""
        u = []
        for name, lo, hi, kind in zip(self.names, self.lows, self.highs, self.kinds, strict=True):
            value = float(levers[name])
            if kind == "bool":
                u.append(0.75 if value else 0.25)
            else:
                u.append((value - lo) / (hi - lo))
        return np.asarray(u, dtype=float)

    def inside(self, levers: Mapping) -> bool:
        """Whether a policy's searched fields lie in this space's ranges."""
        for name, lo, hi in zip(self.names, self.lows, self.highs, strict=True):
            if not lo - 1e-9 <= float(levers[name]) <= hi + 1e-9:
                return False
        return True

    def overrides(self, levers: Mapping) -> dict:
        """Design-point keys (``policy.FIELD``) of a candidate, with the space's fixed zeros."""
        out = {f"policy.{k}": levers[k] for k in self.names}
        if self.space == "host":
            for name in SEARCHED:
                if name not in self.names:
                    out[f"policy.{name}"] = 0
        return out


def lever_space(space: str, path=None) -> LeverSpace:
    """The ``host`` (foreign levers left out) or ``joint`` space, from the lever file."""
    from scenarios.twins import levers
    from sim.sweeps.points import field_meta

    if space not in BASE_POLICY:
        raise ScenarioError("space", f"unknown space {space!r}; allowed: host, joint")
    spec = levers(path)
    names, lows, highs, kinds = [], [], [], []
    for name in SEARCHED:
        if name not in spec:
            raise ScenarioError("levers", f"the lever file has no {name!r}, which the search moves")
        if space == "host" and spec[name]["class"] == "foreign":
            continue
        lo, hi = (float(v) for v in spec[name]["range"])
        meta = field_meta(f"policy.{name}").metadata["kind"]
        names.append(name)
        lows.append(lo)
        highs.append(hi)
        kinds.append("count" if meta == "count" else "bool" if meta == "bool" else "float")
    return LeverSpace(space, tuple(names), tuple(lows), tuple(highs), tuple(kinds))
