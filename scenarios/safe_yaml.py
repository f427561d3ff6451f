"""YAML read within a budget: every YAML file is scanned before a loader (ours or Hydra's) sees it.

``yaml.safe_load`` constructs no Python objects, but an alias bomb (a few lines whose aliases
expand to billions of nodes, the "billion laughs" of XML) makes any loader run out of time or
memory, and a tag such as ``!!python/object`` gives a traceback rather than a refusal. Here a
file is refused, in one line naming it, when it is larger than :data:`MAX_BYTES`, when its
nodes, counted with every alias expanded, exceed :data:`MAX_NODES`, or when a node carries a
tag other than YAML's plain types. The scan composes the node graph (aliases stay shared, so
composing is linear in the file's size) and counts nodes with a budget, so it never hangs.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from scenarios.fields import ScenarioError

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "check_yaml",
    "check_yaml_file",
    "check_yaml_tree",
    "load_yaml",
]

#: Largest YAML file read (bytes) and most nodes it may expand to.
MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
_PLAIN = {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
_CHECKED: dict[str, tuple[int, int]] = {}


def _refuse(field: str, name: str, why: str) -> ScenarioError:
    return ScenarioError(field, f"{name}: {why}; nothing was read from it")


def check_yaml(text: str, name: str, field: str) -> None:
    """Refuse YAML ``text`` (from ``name``) that is too large, expands too far or has tags."""
    if len(text) > MAX_BYTES:
        raise _refuse(field, name, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        roots = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        first = " ".join(str(exc).split())[:200]
        raise _refuse(field, name, f"not valid YAML ({first})") from None
    except RecursionError:
        raise _refuse(field, name, "nested too deeply") from None
    budget = MAX_NODES
    stack = [r for r in roots if r is not None]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise _refuse(
                field, name, f"expands to more than {MAX_NODES:,} nodes (aliases counted)"
            )
        if node.tag not in _PLAIN:
            raise _refuse(field, name, f"tag {node.tag!r} is not allowed (plain YAML only)")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def load_yaml(path: str | Path, field: str):
    """``yaml.safe_load`` of a file, after :func:`check_yaml`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(field, f"cannot read {str(path)!r} ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise _refuse(field, str(path), f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(field, str(path), "not a UTF-8 text file") from None
    check_yaml(text, str(path), field)
    return yaml.safe_load(text)


def check_yaml_tree(folder: str | Path, field: str, skip: tuple[str, ...] = ()) -> tuple:
    """:func:`check_yaml` every ``*.yaml`` file under ``folder`` (each once while unchanged).

    Files in the sub-folders named in ``skip`` are left out (a caller checks the one it uses
    with :func:`check_yaml_file`). ``field`` names the setting in a refusal. Returns the
    files' stamps (path, modification time, size): it changes when any file does.
    """
    folder = Path(folder)
    stamps = []
    for path in sorted(folder.rglob("*.yaml")):
        if path.relative_to(folder).parts[0] in skip:
            continue
        stamps.append((str(path), check_yaml_file(path, field)))
    return tuple(stamps)


def check_yaml_file(path: str | Path, field: str) -> tuple | None:
    """:func:`check_yaml` one file, once while it is unchanged; returns its stamp."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return None
    key = str(path)
    stamp = (st.st_mtime_ns, st.st_size)
    if _CHECKED.get(key) == stamp:
        return stamp
    if st.st_size > MAX_BYTES:
        raise _refuse(field, key, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise _refuse(field, key, "not a readable UTF-8 text file") from None
    check_yaml(text, key, field)
    _CHECKED[key] = stamp
    return stamp
