"""Codings of the record: which rows count as attacks, and how contested rows read.

The public record is a set of codings, not one list (``scenarios/data/incidents.csv``: each row
has a ``status`` and a ``coding_note``). A coding is a rule file in ``conf/codings/`` (or any
path): the statuses it counts, then rules, each matching rows by status and by words of their
coding note, that either set fields of the matching rows or drop them, with the reason::

    name: strict
    count: [core, contested]
    rules:
      - where: {status: contested, note: "not a Chinese citizen"}
        set: {foreign_killed: 0, foreign_injured: 0}
        why: the victims were Chinese-origin Pakistani nationals

A rule that matches no row is refused: a changed record never silently changes a coding. The
shipped codings are ``strict``, ``current`` (the calibration of record's) and ``wide``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scenarios.compose import CONF_DIR
from scenarios.schema import ScenarioError

__all__ = ["CODINGS_DIR", "DEFAULT", "Coding", "apply_coding", "coding_names", "load_coding"]

CODINGS_DIR = CONF_DIR / "codings"
DEFAULT = "current"
#: Every status a row of the record may have (``excluded`` ones start with the word).
STATUSES = ("core", "contested", "candidate", "excluded", "outside window")
#: Fields a rule may set, and their kinds.
SETTABLE = {
    "foreign_killed": int,
    "foreign_injured": int,
    "other_killed": int,
    "insider_info": str,
    "escorted": str,
    "region": str,
    "mode": str,
}
RULE_KEYS = ("where", "set", "drop", "why")


@dataclass(frozen=True)
class Coding:
    """A coding of the record: the statuses it counts and its rules, from its file."""

    name: str
    description: str
    count: tuple[str, ...]
    rules: tuple[dict, ...]
    path: str


#: The shipped codings, narrowest first; any other file of ``conf/codings/`` follows them.
SHIPPED = ("strict", "current", "wide")


def coding_names() -> list[str]:
    """The codings of ``conf/codings/``: the shipped ones narrowest first, then the others."""
    names = sorted(p.stem for p in CODINGS_DIR.glob("*.yaml"))
    return [n for n in SHIPPED if n in names] + [n for n in names if n not in SHIPPED]


def load_coding(coding: str | Path | Coding = DEFAULT) -> Coding:
    """A coding by name (``conf/codings/NAME.yaml``) or path, checked; refused naming the field."""
    from scenarios.safe_yaml import load_yaml

    if isinstance(coding, Coding):
        return coding
    text = str(coding)
    path = Path(text) if text.endswith((".yaml", ".yml")) else CODINGS_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ScenarioError(
            "coding", f"unknown coding {text!r}; allowed: {', '.join(coding_names())} or a "
            "path to a rule file (.yaml)",
        )  # fmt: skip
    data = load_yaml(path, "coding")
    where = f"coding {path.name}"
    if not isinstance(data, dict):
        raise ScenarioError(where, "a coding is a mapping: name, description, count, rules")
    unknown = set(data) - {"name", "description", "count", "rules"}
    if unknown:
        raise ScenarioError(f"{where}: {sorted(unknown)[0]}", "unknown key; allowed: name, "
                            "description, count, rules")  # fmt: skip
    count = data.get("count")
    if not isinstance(count, list) or not count or any(s not in STATUSES for s in count):
        raise ScenarioError(f"{where}: count", f"must list statuses among {', '.join(STATUSES)}")
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise ScenarioError(f"{where}: rules", "must be a list of rules")
    for k, rule in enumerate(rules):
        _check_rule(rule, f"{where}: rules[{k}]")
    return Coding(
        str(data.get("name", path.stem)), str(data.get("description", "")), tuple(count),
        tuple(rules), str(path),
    )  # fmt: skip


def _check_rule(rule, where: str) -> None:
    if not isinstance(rule, dict) or set(rule) - set(RULE_KEYS):
        raise ScenarioError(where, "a rule has where, then set or drop, and why")
    match = rule.get("where")
    if not isinstance(match, dict) or not match or set(match) - {"status", "note"}:
        raise ScenarioError(f"{where}.where", "must match rows by status and/or note")
    if ("set" in rule) == bool(rule.get("drop")):
        raise ScenarioError(
            where, "a rule either sets fields (set: ...) or drops rows (drop: true)"
        )
    for field, value in (rule.get("set") or {}).items():
        kind = SETTABLE.get(field)
        if kind is None:
            raise ScenarioError(f"{where}.set.{field}", "not a field a coding may set; allowed: "
                                + ", ".join(SETTABLE))  # fmt: skip
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ScenarioError(f"{where}.set.{field}", f"must be a count, got {value!r}")
        if kind is str and not isinstance(value, str):
            raise ScenarioError(f"{where}.set.{field}", f"must be text, got {value!r}")
    if not str(rule.get("why", "")).strip():
        raise ScenarioError(f"{where}.why", "every rule says why")


def _matches(df: pd.DataFrame, match: dict) -> pd.Series:
    hit = pd.Series(True, index=df.index)
    if "status" in match:
        hit &= df["status"].astype(str) == str(match["status"])
    if "note" in match:
        hit &= df["coding_note"].fillna("").str.contains(str(match["note"]), regex=False)
    return hit


def apply_coding(df: pd.DataFrame, coding: str | Path | Coding = DEFAULT) -> pd.DataFrame:
    """The rows ``coding`` counts (any window), with its rules applied, in the record's order."""
    c = load_coding(coding)
    status = df["status"].astype(str)
    counted = status.isin(c.count) | (status.str.startswith("excluded") & ("excluded" in c.count))
    out = df.copy()
    keep = counted.copy()
    for k, rule in enumerate(c.rules):
        hit = _matches(out, rule["where"])
        if not hit.any():
            raise ScenarioError(
                f"coding {Path(c.path).name}: rules[{k}].where",
                f"matches no row of the record ({rule['where']}); the record changed or the rule "
                "is wrong",
            )
        if rule.get("drop"):
            keep &= ~hit
        for field, value in (rule.get("set") or {}).items():
            out[field] = out[field].astype(object)
            out.loc[hit, field] = value
            if SETTABLE[field] is int:
                out[field] = pd.to_numeric(out[field]).astype(int)
    return out[keep]
