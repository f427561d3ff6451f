"""The points of a design over the uncertainties, each a ``{parameter: value}`` mapping.

Designs, one function each (:data:`DESIGN_KINDS`):

* ``factorial``: every combination of config-group options and value lists;
* ``points``: given settings, in order;
* ``lhs``, ``sobol``, ``morris``: Latin hypercube (McKay et al. 1979), Sobol' sequences in
  Saltelli's scheme (Saltelli 2002) and Morris trajectories (Morris 1991), all drawn with SALib
  over parameter ranges.

A parameter is a config group (``threat``, ``network``) or a field (``threat.ambush_rate``,
``days``); every value is checked against the scenario's schema before any run.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

from scenarios.compose import GROUPS, group_options
from scenarios.schema import Scenario, ScenarioError, unknown_value

__all__ = [
    "DESIGN_KINDS",
    "MAX_POINTS",
    "MAX_SAMPLES",
    "SweepError",
    "design_keys",
    "design_points",
    "field_meta",
    "whole",
]

#: Largest number of design samples a sweep accepts.
MAX_SAMPLES = 1_000_000
#: Most design points: a plan composes and checks every point's scenario before the first run,
#: about a millisecond each, so larger ones would spend minutes before the first run.
MAX_POINTS = 20_000
#: The fields a design may hold.
DESIGN_FIELDS = ("kind", "factors", "points", "samples", "ranges", "levels")


class SweepError(ScenarioError):
    """Invalid sweep input (an experiment, a design, an output folder)."""


def whole(where: str, value, lo: int, hi: int) -> int:
    """``value`` as a whole number in ``[lo, hi]``; refused naming ``where`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SweepError(where, f"must be a whole number from {lo} to {hi:,}, got {value!r}")
    return value


def field_meta(key: str):
    """The schema field behind a dotted key (``threat.cells``, ``days``), or None."""
    parts = key.split(".")
    if len(parts) == 1:
        return {f.name: f for f in Scenario.fields()}.get(parts[0])
    if len(parts) == 2 and parts[0] in Scenario.SECTIONS:
        return {f.name: f for f in Scenario.SECTIONS[parts[0]].fields()}.get(parts[1])
    return None


def _check_key(key, where: str) -> None:
    if not isinstance(key, str):
        raise SweepError(where, f"parameter names are strings, got {key!r}")
    if key in GROUPS and key != "policy":
        return
    if key in ("policy.name", "threat.name", "seed"):
        raise SweepError(where, f"{key!r} cannot be a design parameter (it labels or seeds runs)")
    if field_meta(key) is None:
        raise SweepError(
            where,
            f"unknown parameter {key!r}; use a config group (threat, "
            "network) or a field such as threat.ambush_rate",
        )


def design_keys(design) -> set[str]:
    """The keys a design varies (empty for a malformed design: :func:`design_points` says why)."""
    if not isinstance(design, Mapping):
        return set()
    keys: set[str] = set()
    for part in ("factors", "ranges"):
        if isinstance(design.get(part), Mapping):
            keys.update(str(k) for k in design[part])
    if isinstance(design.get("points"), list):
        for p in design["points"]:
            if isinstance(p, Mapping):
                keys.update(str(k) for k in p)
    return keys


def design_points(design: dict, seed: int) -> list[dict]:
    """The design's points, each a ``{key: value}`` dict, in their fixed order."""
    if not isinstance(design, Mapping):
        raise SweepError(
            "experiment.design",
            f"must be a mapping such as {{'kind': 'factorial', 'factors': {{...}}}}, "
            f"got {design!r}",
        )
    for key in design:
        if key not in DESIGN_FIELDS:
            raise SweepError(
                f"experiment.design.{key}",
                "unknown field; allowed: " + ", ".join(sorted(DESIGN_FIELDS)),
            )
    kind = design.get("kind", "factorial")
    if kind not in DESIGN_KINDS:
        raise unknown_value("experiment.design.kind", "design", kind, DESIGN_KINDS, SweepError)
    return DESIGN_KINDS[kind](design, seed)


def _given_points(design: dict, seed: int) -> list[dict]:
    points = design.get("points") or []
    if not isinstance(points, list) or not points:
        raise SweepError(
            "experiment.design.points", "must be a non-empty list of {parameter: value} mappings"
        )
    for i, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise SweepError(f"experiment.design.points[{i}]", "must be a mapping")
        for key, value in point.items():
            _check_key(key, f"experiment.design.points[{i}].{key}")
            _check_group_value(key, value, f"experiment.design.points[{i}].{key}")
    _bounded(len(points), "experiment.design.points")
    return [dict(p) for p in points]


def _factorial(design: dict, seed: int) -> list[dict]:
    factors = design.get("factors") or {}
    if not isinstance(factors, Mapping):
        raise SweepError("experiment.design.factors", "must map parameters to value lists")
    for key, values in factors.items():
        where = f"experiment.design.factors.{key}"
        _check_key(key, where)
        if not isinstance(values, list) or not values:
            raise SweepError(where, "must be a non-empty list")
        for v in values:
            _check_group_value(key, v, where)
    keys = list(factors)
    _bounded(math.prod(len(v) for v in factors.values()), "experiment.design.factors")
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(factors[k] for k in keys))
    ]


def _ranges(design: dict, kind: str) -> tuple[dict, list[list[float]]]:
    """A sampled design's parameter ranges, checked: numeric fields, ``[low, high]``."""
    ranges = design.get("ranges") or {}
    if not isinstance(ranges, Mapping) or not ranges:
        raise SweepError("experiment.design.ranges", f"a {kind} design needs parameter ranges")
    bounds = []
    for key, rng in ranges.items():
        where = f"experiment.design.ranges.{key}"
        _check_key(key, where)
        if key in GROUPS:
            raise SweepError(where, "ranges take numeric fields, not config groups")
        if field_meta(key).metadata["kind"] not in ("count", "int", "float", "prob"):
            raise SweepError(where, "ranges take numeric fields")
        if not (
            isinstance(rng, list)
            and len(rng) == 2
            and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in rng
            )
            and rng[0] < rng[1]
        ):
            raise SweepError(where, f"must be [low, high] with low < high, got {rng!r}")
        bounds.append([float(rng[0]), float(rng[1])])
    return ranges, bounds


def _lhs(problem: dict, samples: int, design: dict, seed: int):
    from SALib.sample import latin

    return latin.sample(problem, samples, seed=seed)


def _sobol(problem: dict, samples: int, design: dict, seed: int):
    from SALib.sample import sobol

    return sobol.sample(problem, samples, calc_second_order=False, seed=seed)


def _morris(problem: dict, samples: int, design: dict, seed: int):
    from SALib.sample import morris

    levels = whole("experiment.design.levels", design.get("levels", 4), 2, 100)
    return morris.sample(problem, samples, num_levels=levels, seed=seed)


#: Sampled designs: (sampler, points per sample given the number of parameters).
SAMPLERS: dict[str, tuple[Callable, Callable[[int], int]]] = {
    "lhs": (_lhs, lambda k: 1),
    "sobol": (_sobol, lambda k: k + 2),
    "morris": (_morris, lambda k: k + 1),
}


def _sampled(design: dict, seed: int) -> list[dict]:
    kind = design.get("kind")
    ranges, bounds = _ranges(design, kind)
    samples = whole("experiment.design.samples", design.get("samples"), 1, MAX_SAMPLES)
    sampler, per_sample = SAMPLERS[kind]
    _bounded(samples * per_sample(len(bounds)), "experiment.design.samples")
    problem = {"num_vars": len(bounds), "names": list(ranges), "bounds": bounds}
    points = []
    for row in sampler(problem, samples, design, seed):
        point = {}
        for key, value in zip(ranges, row, strict=True):
            meta = field_meta(key).metadata
            point[key] = int(round(value)) if meta["kind"] in ("count", "int") else float(value)
        points.append(point)
    return points


#: Every kind of design, and the function that makes its points.
DESIGN_KINDS: dict[str, Callable[[dict, int], list[dict]]] = {
    "factorial": _factorial,
    "points": _given_points,
    "lhs": _sampled,
    "sobol": _sampled,
    "morris": _sampled,
}


def _bounded(points: int, where: str) -> None:
    if points > MAX_POINTS:
        raise SweepError(
            where,
            f"makes {points:,} design points; at most {MAX_POINTS:,} (each is composed and "
            "checked before the first run): split the design or sample fewer",
        )


def _check_group_value(key: str, value, where: str) -> None:
    if key in GROUPS and value not in group_options(key):
        raise unknown_value(where, "option", value, group_options(key), SweepError)
