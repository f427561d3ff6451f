"""The one grammar of every command's settings: ``key=value`` words, each checked by its kind.

Every command (``sim.run``, ``sim.sweep``, ``sim.report``, ``sim.calibrate``, ``sim.validate``,
``sim.demo``, the studies) declares its settings as a table of :class:`Setting` and parses its
arguments with :func:`parse`, so they share one set of rules:

* every word is ``key=value``; a key given twice, and Hydra's ``+key`` and ``~key``, are refused;
* a known key's value is checked against its kind and range (a whole number within its bounds,
  a finite number, true or false, a non-empty path of legal length, one of the choices);
* a command that runs scenarios passes the other words on as scenario overrides, each checked
  (:func:`scenarios.compose.check_override`); any other command refuses them, listing its
  settings;
* ``--help`` prints the command's summary and its settings table (:func:`help_text`).

A refusal is a :class:`scenarios.ScenarioError` naming the setting (exit status 2, one line).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scenarios.schema import ScenarioError

__all__ = ["Setting", "help_text", "parse"]

#: Longest path and path component the commands accept (Linux's PATH_MAX and NAME_MAX).
MAX_PATH, MAX_NAME = 4096, 255
KINDS = ("int", "float", "bool", "str", "path", "choice", "list", "replications")


@dataclass(frozen=True)
class Setting:
    """One setting of a command: its name, kind, default, range and meaning."""

    name: str
    kind: str
    default: object = None
    help: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple = ()

    def __post_init__(self):
        if self.kind not in KINDS:  # pragma: no cover - a programming error
            raise ValueError(f"unknown kind {self.kind!r}")

    def parse(self, value: str):
        """The value of ``value`` for this setting; raises :class:`ScenarioError` naming it."""
        kind = self.kind
        if kind == "replications" and value == "auto":
            return "auto"
        if kind in ("int", "replications"):
            return self._whole(value)
        if kind == "float":
            return self._number(value)
        if kind == "bool":
            low = value.lower()
            if low in ("true", "yes", "1"):
                return True
            if low in ("false", "no", "0"):
                return False
            raise ScenarioError(self.name, f"must be true or false, got {value!r}")
        if kind == "choice":
            if value not in self.choices:
                raise ScenarioError(
                    self.name,
                    f"unknown {self.name} {value!r}; allowed: " + ", ".join(self.choices),
                )
            return value
        if kind == "list":
            items = [v for v in value.split(",") if v]
            if not items:
                raise ScenarioError(self.name, "must list at least one value, comma-separated")
            for item in items:
                if self.choices and item not in self.choices:
                    raise ScenarioError(
                        self.name,
                        f"unknown value {item!r}; allowed: " + ", ".join(self.choices),
                    )
            if len(set(items)) != len(items):
                raise ScenarioError(self.name, f"lists a value twice: {value!r}")
            return items
        if kind == "path":
            return check_path(self.name, value)
        if not value:
            raise ScenarioError(self.name, "must not be empty")
        return value

    def _range(self) -> str:
        lo = "" if self.low is None else f"{self.low:,g}"
        hi = "" if self.high is None else f"{self.high:,g}"
        if lo and hi:
            return f" from {lo} to {hi}"
        return f" >= {lo}" if lo else (f" <= {hi}" if hi else "")

    def _whole(self, value: str) -> int:
        if not re.fullmatch(r"[+-]?\d{1,30}", value.strip()):
            extra = " or 'auto'" if self.kind == "replications" else ""
            raise ScenarioError(
                self.name, f"must be a whole number{self._range()}{extra}, got {value!r}"
            )
        number = int(value)
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ScenarioError(self.name, f"must be a whole number{self._range()}, got {value!r}")
        return number

    def _number(self, value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or (
            (self.low is not None and number < self.low)
            or (self.high is not None and number > self.high)
        ):
            raise ScenarioError(self.name, f"must be a finite number{self._range()}, got {value!r}")
        return number


def check_path(name: str, value) -> str:
    """A path setting: non-empty text without NUL, of a length the file system accepts."""
    if not isinstance(value, (str, os.PathLike)):
        raise ScenarioError(name, f"must be a path, got {value!r}")
    value = os.fspath(value)
    if not value:
        raise ScenarioError(name, "must not be empty")
    if "\0" in value:
        raise ScenarioError(name, "must not contain a NUL character")
    if len(value) > MAX_PATH or any(len(part) > MAX_NAME for part in value.split("/")):
        raise ScenarioError(
            name, f"is too long a path (at most {MAX_PATH} characters, {MAX_NAME} a name)"
        )
    return value


def parse(
    argv: Sequence[str],
    settings: Sequence[Setting],
    *,
    overrides: bool | Callable[[str], None] = False,
    prefixed: dict[str, Setting] | None = None,
) -> tuple[dict, list[str], dict[str, object]]:
    """Parse ``argv`` against ``settings``.

    Returns ``(values, scenario_overrides, prefixed_values)``: ``values`` holds every setting
    (its default when not given), ``scenario_overrides`` the checked ``key=value`` words
    that are not settings (only with ``overrides``: ``True`` checks each with
    :func:`scenarios.compose.check_override`, a function checks it its own way),
    ``prefixed_values`` the words whose key starts with a prefix of ``prefixed``
    (``{"precision.": Setting(...)}``), by the rest of the key.
    """
    from scenarios.compose import check_override

    check = check_override if overrides is True else overrides
    table = {s.name: s for s in settings}
    prefixed = prefixed or {}
    values = {s.name: s.default for s in settings}
    given: set[str] = set()
    extra: list[str] = []
    by_prefix: dict[str, object] = {}
    for arg in argv:
        if not isinstance(arg, str):
            raise ScenarioError("argv", f"must be key=value words, got {arg!r}")
        key, sep, value = arg.partition("=")
        if key[:1] in ("+", "~"):
            raise ScenarioError(
                key,
                f"Hydra's '{key[0]}' prefix is not accepted: write {key[1:]}=VALUE (every "
                "field exists already; a group is chosen with group=option)",
            )
        if sep and key in given:
            raise ScenarioError(key, "is given twice")
        if sep and key in table:
            given.add(key)
            values[key] = table[key].parse(value)
            continue
        prefix = next((p for p in prefixed if sep and key.startswith(p)), None)
        if prefix is not None and key != prefix:
            given.add(key)
            spec = prefixed[prefix]
            by_prefix[key[len(prefix) :]] = Setting(key, spec.kind, low=spec.low).parse(value)
            continue
        if not overrides:
            allowed = ", ".join(f"{s.name}=" for s in settings) + "".join(
                f", {p}NAME=" for p in prefixed
            )
            raise ScenarioError(key or arg, f"unknown setting; allowed: {allowed}")
        check(arg)
        given.add(key)
        extra.append(arg)
    return values, extra, by_prefix


def help_text(summary: str, settings: Sequence[Setting], usage: str, more: str = "") -> str:
    """``--help``: the summary, the usage line and every setting with its default and meaning."""
    rows = []
    for s in settings:
        default = "" if s.default is None else f" (default {_show(s.default)})"
        choices = f"; one of {', '.join(s.choices)}" if s.choices and s.kind == "choice" else ""
        rows.append(f"  {s.name}=...{default}\n      {s.help}{choices}")
    text = f"{summary}\n\nusage: {usage}\n\nsettings:\n" + "\n".join(rows)
    return text + (f"\n\n{more}" if more else "")


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)
