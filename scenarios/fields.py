"""The scenario's field language: a field's kind, unit, range and meaning, and its validation.

Every field of a section is declared with :func:`P` (or :func:`count`, :func:`prob`,
:func:`nonneg`, :func:`positive`), which keeps its unit, allowed range and one-line meaning
in the field's metadata; :func:`coerce` checks a value against them and
:class:`ScenarioError` names the field. The validation messages and the parameter table of
``docs/ODD.md`` are generated from the same metadata, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

__all__ = [
    "MAX_SEED",
    "REMOVED",
    "RENAMED",
    "P",
    "ScenarioError",
    "Section",
    "allowed_text",
    "coerce",
    "count",
    "nonneg",
    "positive",
    "prob",
    "unknown_field",
    "unknown_value",
]


#: Largest seed accepted (seeds are stored as 64-bit signed integers).
MAX_SEED = 2**63 - 1


class ScenarioError(ValueError):
    """Invalid scenario input. ``field`` is the dotted name of the offending field."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


def unknown_value(field: str, noun: str, value, allowed, error=ScenarioError) -> ScenarioError:
    """The error for a value outside ``allowed``, suggesting the closest allowed one."""
    allowed = [str(a) for a in allowed]
    hint = difflib.get_close_matches(str(value), allowed, n=1)
    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
    return error(field, f"unknown {noun} {value!r}{extra}; allowed: " + ", ".join(allowed))


#: Fields renamed when their meaning changed, with the new name (refused, never mapped).
#: Fields removed, with what replaced them (refused with this message).
REMOVED = {
    "unescorted_distance_scale_km": "movements are long-distance or local by the seed, whatever "
    "the policy: set demand.local_distance_scale_km (and demand.long_trip_share)",
    "unescorted_passengers_mean": "movements are long-distance or local by the seed, whatever "
    "the policy: set demand.local_passengers_mean (and demand.long_trip_share)",
    "effect_foreign": "a foreign guard's protection is now a ratio to a host guard's, so it "
    "follows calibration: set threat.foreign_effect_ratio (effect_foreign = ratio x "
    "effect_domestic); see docs/ODD.md",
    "detect_foreign": "a foreign guard's detection is now a ratio to a host guard's: set "
    "threat.foreign_detect_ratio (detect_foreign = ratio x detect_domestic, and a foreign "
    "checkpoint guard screens ratio x screen_per_guard); see docs/ODD.md",
    "notification_chain": "the chain now follows from who is told (officials, drivers, guards; "
    "demand.chain_officials, policy.vetting, policy.foreign_planning); see docs/ODD.md 7.3",
}


RENAMED = {
    "screen_prob": "screen_per_guard",
    "qrf_mitigation": "qrf_mitigation_per_guard",
    "patrol_interdiction": "patrol_interdiction_per_guard",
}


def unknown_field(field: str, key, allowed) -> ScenarioError:
    """The error for a field name not in ``allowed``, suggesting the closest one."""
    allowed = [str(a) for a in allowed]
    if str(key) in REMOVED:
        return ScenarioError(field, "removed: " + REMOVED[str(key)])
    if RENAMED.get(str(key)) in allowed:
        return ScenarioError(
            field,
            f"unknown field; it became {RENAMED[str(key)]!r}, which counts per guard "
            "(see CHANGELOG.md and docs/ODD.md)",
        )
    hint = difflib.get_close_matches(str(key), allowed, n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    return ScenarioError(field, f"unknown field{extra} Allowed: " + ", ".join(allowed))


def P(
    default,
    kind,
    *,
    unit="",
    doc="",
    lo=None,
    hi=None,
    lo_open=False,
    hi_open=False,
    choices=None,
    nullable=False,
    source="assumption",
):  # noqa: N802
    """A field of a section: its default, kind, range, unit and meaning, in its metadata."""
    meta = dict(
        kind=kind,
        unit=unit,
        doc=doc,
        lo=lo,
        hi=hi,
        lo_open=lo_open,
        hi_open=hi_open,
        choices=choices,
        nullable=nullable,
        source=source,
    )
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


def allowed_text(meta: dict) -> str:
    """What a field allows, in words (for its refusals and the ODD's table)."""
    kind = meta["kind"]
    if meta["choices"] is not None:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    lo, hi = meta["lo"], meta["hi"]
    what = {
        "count": "a whole number",
        "int": "a whole number",
        "float": "a number",
        "prob": "a probability",
        "str": "a string",
        "bool": "true or false",
        "map": "a mapping",
    }[kind]

    def num(v) -> str:
        return f"{v:,}" if kind in ("count", "int") else f"{v:,g}"

    parts = []
    if lo is not None:
        parts.append(f"{'>' if meta['lo_open'] else '>='} {num(lo)}")
    if hi is not None:
        parts.append(f"{'<' if meta['hi_open'] else '<='} {num(hi)}")
    if parts:
        what += " " + " and ".join(parts)
    if meta["nullable"]:
        what += " (or null)"
    return what


def coerce(path: str, value: Any, meta: dict) -> Any:
    """``value`` as the field at ``path`` takes it; raises :class:`ScenarioError` naming it."""
    kind = meta["kind"]
    if value is None:
        if meta["nullable"]:
            return None
        raise ScenarioError(path, f"must be {allowed_text(meta)}, got null")
    if kind == "map":
        if not isinstance(value, dict):
            raise ScenarioError(path, f"must be a mapping, got {value!r}")
        return dict(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(path, f"must be true or false, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
        if meta["choices"] is not None and value not in meta["choices"]:
            raise unknown_value(path, "value", value, meta["choices"])
        return value
    # numbers
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
    if kind in ("count", "int"):
        if isinstance(value, float):
            if not value.is_integer():
                raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None and (value < lo or (meta["lo_open"] and value == lo)):
        raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
    if hi is not None and (value > hi or (meta["hi_open"] and value == hi)):
        raise ScenarioError(path, f"must be {allowed_text(meta)}, got {value!r}")
    return value


def count(default, **kw):  # noqa: D103
    return P(default, "count", lo=0, **kw)


def prob(default, **kw):  # noqa: D103
    return P(default, "prob", lo=0.0, hi=1.0, **kw)


def nonneg(default, **kw):  # noqa: D103
    return P(default, "float", lo=0.0, **kw)


def positive(default, **kw):  # noqa: D103
    return P(default, "float", lo=0.0, lo_open=True, **kw)


class Section:
    """Shared construction and validation for the scenario's sections."""

    section: ClassVar[str] = ""

    @classmethod
    def fields(cls) -> list[dataclasses.Field]:
        """The section's fields (those declared with :func:`P`)."""
        return [f for f in dataclasses.fields(cls) if f.metadata]

    @classmethod
    def from_dict(cls, data: dict | None, path: str | None = None):
        """The section from a mapping of its fields, validated; unknown fields refused."""
        path = cls.section if path is None else path
        data = {} if data is None else data
        if not isinstance(data, Mapping):
            raise ScenarioError(path or "scenario", f"must be a mapping of fields, got {data!r}")
        names = [f.name for f in cls.fields()]
        for key in data:
            if key not in names:
                raise unknown_field(f"{path}.{key}" if path else str(key), key, names)
        kwargs = {}
        for f in cls.fields():
            if f.name in data:
                kwargs[f.name] = coerce(
                    f"{path}.{f.name}" if path else f.name, data[f.name], f.metadata
                )
        obj = cls(**kwargs)
        obj.check()
        return obj

    def check(self) -> None:
        """Validate every field (defaults included) and the cross-field rules."""
        for f in self.fields():
            name = f"{self.section}.{f.name}" if self.section else f.name
            object.__setattr__(self, f.name, coerce(name, getattr(self, f.name), f.metadata))

    def to_dict(self) -> dict:
        """Plain nested dict of the scenario."""
        return {f.name: getattr(self, f.name) for f in self.fields()}
