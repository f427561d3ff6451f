"""The composition Hydra gives for the simple shape of ``conf/``, without running Hydra.

Hydra's ``compose`` costs some 75 ms a call (it builds a defaults tree and merges OmegaConf
nodes), and a composition differs from the last one mostly by a field (``days=30``,
``policy.escort_size=4``) or by a group option. Every file of ``conf/`` that a scenario loads
has one shape: a mapping whose ``defaults`` list names options of its own group and ``_self_``
(last), no package header, no interpolation. For that shape composition is a merge of mappings
(later files win, a mapping merges key by key, anything else is replaced), in the order of the
defaults lists, and each field override then replaces one value; values are typed by Hydra's
own override parser. :func:`compose_layers` does exactly that, and returns ``None`` for
anything else (an ``experiment`` file, a ``+``, ``~`` or sweep override, a package header, a
key the config does not have...), for which :func:`scenarios.compose.compose_config` asks Hydra.
A test holds the two equal, key order and types included, on every shipped option and a set of
overrides of every kind, and on a conf tree of its own.
"""

from __future__ import annotations

import copy
from pathlib import Path

__all__ = ["compose_layers", "first_missing"]

#: Files read, by path: ``(stamp, mapping)`` (a changed file is read again).
_FILES: dict[str, tuple] = {}


def _load(path: Path) -> dict | None:
    """A conf file as plain data (OmegaConf's YAML reading), or None if it is not simple."""
    from omegaconf import OmegaConf

    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    hit = _FILES.get(str(path))
    if hit is None or hit[0] != stamp:
        text = path.read_text()
        data = None
        if "@package" not in text and "${" not in text:
            loaded = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
            data = loaded if isinstance(loaded, dict) else None
        hit = _FILES[str(path)] = (stamp, data)
    return hit[1]


def _merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` as OmegaConf merges (mappings key by key, else replaced)."""
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _option(conf: Path, group: str, name, seen: tuple = ()) -> dict | None:
    """An option of ``group`` with the options its defaults list names, merged in order."""
    if not isinstance(name, str) or name in seen or "/" in name:
        return None
    data = _load(conf / group / f"{name}.yaml")
    if data is None:
        return None
    defaults = data.get("defaults")
    own = {k: v for k, v in data.items() if k != "defaults"}
    if defaults is None:
        return copy.deepcopy(own)
    if not isinstance(defaults, list) or not defaults or defaults[-1] != "_self_":
        return None
    out: dict = {}
    for entry in defaults[:-1]:
        part = _option(conf, group, entry, (*seen, name))
        if part is None:
            return None
        _merge(out, part)
    return _merge(out, own)


def _split(overrides: list[str], groups: tuple) -> tuple[dict, list] | None:
    """Group picks and field overrides (parsed), or None for anything Hydra must do itself."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    picks: dict = {}
    fields: list = []
    keys: set = set()
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except Exception:  # noqa: BLE001 - Hydra's own error is the one to show
        return None
    for o in parsed:
        key = o.key_or_group
        if o.type != OverrideType.CHANGE or o.package is not None or o.is_sweep_override():
            return None
        if key in keys:
            return None
        keys.add(key)
        value = o.value()
        if key in groups:
            if not isinstance(value, str):
                return None
            picks[key] = value
            continue
        if not _plain(value):
            return None
        fields.append((key.split("."), value))
    return picks, fields


def _plain(value) -> bool:
    """A value an override may set here: a scalar or a list of scalars, no interpolation."""
    if isinstance(value, list):
        return all(_plain(v) and not isinstance(v, list) for v in value)
    if isinstance(value, str):
        return "${" not in value and value != "???"
    return value is None or isinstance(value, (bool, int, float))


def compose_layers(conf: Path, groups: tuple, overrides: list[str]) -> dict | None:
    """The config Hydra composes from ``conf/config.yaml`` and ``overrides``, or None.

    None when the files or the overrides use anything beyond the simple shape (see the module's
    docstring): the caller then composes with Hydra. Mandatory values left open stay ``"???"``.
    """
    split = _split(overrides, groups)
    root = _load(conf / "config.yaml")
    if split is None or root is None:
        return None
    picks, fields = split
    defaults = root.get("defaults")
    if not isinstance(defaults, list) or not defaults or defaults[-1] != "_self_":
        return None
    out: dict = {}
    chosen = set()
    for entry in defaults[:-1]:
        if not isinstance(entry, dict) or len(entry) != 1:
            return None
        ((group, default),) = entry.items()
        if group not in groups:
            return None
        chosen.add(group)
        part = _option(conf, group, picks.get(group, default))
        if part is None:
            return None
        out[group] = part
    if set(picks) - chosen:
        return None
    _merge(out, {k: v for k, v in root.items() if k != "defaults"})
    for path, value in fields:
        node = out
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or path[-1] not in node or isinstance(node[path[-1]], dict):
            return None
        node[path[-1]] = copy.deepcopy(value)
    return out


def first_missing(config: dict, prefix: str = "") -> str | None:
    """The first value left open (``"???"``) in key order, as ``section.field``; or None."""
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found = first_missing(value, name + ".")
            if found is not None:
                return found
        elif value == "???":
            return name
    return None
