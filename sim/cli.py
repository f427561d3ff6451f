"""Settings of the study commands: ``key=value`` arguments, each checked against its kind.

Used by ``python -m sim.calibrate``, ``python -m sim.record`` and ``python -m sim.displacement``.
"""

from __future__ import annotations

from scenarios.schema import ScenarioError

__all__ = ["parse_settings"]


def parse_settings(
    argv: list[str], kinds: dict[str, type], defaults: dict, at_least: dict | None = None
) -> dict:
    """``defaults`` updated by the ``key=value`` arguments in ``argv``.

    ``kinds`` maps every allowed key to ``int``, ``bool`` or ``str``; a whole number must be at
    least ``at_least[key]`` (1 unless given).

    Raises:
        ScenarioError: naming the setting, for an unknown key or a value of the wrong kind.

    """
    opts = dict(defaults)
    at_least = at_least or {}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or key not in kinds:
            raise ScenarioError(key, "unknown setting; allowed: " + ", ".join(kinds))
        kind = kinds[key]
        if kind is bool:
            if value.lower() not in ("true", "false"):
                raise ScenarioError(key, f"must be true or false, got {value!r}")
            opts[key] = value.lower() == "true"
        elif kind is int:
            try:
                opts[key] = int(value)
            except ValueError:
                raise ScenarioError(key, f"must be a whole number, got {value!r}") from None
            low = at_least.get(key, 1)
            if opts[key] < low:
                raise ScenarioError(key, f"must be a whole number >= {low}, got {value!r}")
        else:
            opts[key] = value
    return opts
