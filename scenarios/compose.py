"""Compose a scenario from the Hydra config tree in ``conf/`` plus command-line style overrides.

``compose_scenario(["policy=joint_escort", "threat=high", "seed=7"])`` gives the same validated
:class:`~scenarios.schema.Scenario` as ``python -m sim.run policy=joint_escort threat=high seed=7``.
Overrides are checked before Hydra sees them, so a typo gets a one-line message that names the
field and what is allowed instead of a Hydra traceback.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from scenarios.layers import compose_layers, first_missing
from scenarios.schema import Scenario, ScenarioError, unknown_field, unknown_value
from scenarios.twins import BASES, split_twin, twin_name, twin_policy

__all__ = [
    "CONF_DIR",
    "GROUPS",
    "compose_config",
    "compose_hydra",
    "check_override",
    "compose_scenario",
    "group_options",
    "expand_policy_files",
    "overrides_from_kwargs",
    "policy_file_overrides",
]

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
#: Config groups that pick a file, as ``group=option``.
GROUPS = ("network", "policy", "threat")
#: The named policies of the design guide, in display order (files of ``conf/policy/``).
POLICIES = (
    "domestic_baseline",
    "domestic_surge",
    "joint_escort",
    "joint_command",
    "domestic_intel",
    "randomized_movement",
)


def group_options(group: str, twins: bool = True) -> list[str]:
    """The options of a config group (the YAML files in ``conf/<group>/``).

    Policies also have the host-only twins of every joint policy (:mod:`scenarios.twins`),
    unless ``twins`` is false.
    """
    names = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
    if group != "policy" or not twins:
        return names
    return names + [twin_name(p, b) for p in joint_policies() for b in BASES]


#: The joint policies, by the stamps (name, size, modification time) of the policy files.
_JOINT: dict = {}


def joint_policies() -> list[str]:
    """The named policies with foreign personnel (``force: joint``), in file order.

    Read once per state of ``conf/policy/``: every composition asks (through the options of
    the policy group), and parsing the files each time made a cached composition 20 times
    slower.
    """
    from scenarios.safe_yaml import load_yaml

    paths = sorted((CONF_DIR / "policy").glob("*.yaml"))
    stamps = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    if stamps not in _JOINT:
        _JOINT.clear()
        joint = []
        for path in paths:
            data = load_yaml(path, "policy") or {}
            if isinstance(data, dict) and data.get("force") == "joint":
                joint.append(path.stem)
        _JOINT[stamps] = tuple(joint)
    return list(_JOINT[stamps])


def _format(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_format(v) for v in value) + "]"
    text = str(value)
    if isinstance(value, str) and not re.fullmatch(r"[\w./+-]*", text):
        # Hydra's grammar reads a quoted string as it is: a path may hold spaces, brackets...
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return text


def overrides_from_kwargs(kwargs: dict) -> list[str]:
    """``{"policy": "joint_escort", "policy__escort_size": 4}`` -> Hydra override strings."""
    return [f"{key.replace('__', '.')}={_format(value)}" for key, value in kwargs.items()]


def check_override(text: str) -> None:
    """Check one ``key=value`` override before Hydra sees it; raises :class:`ScenarioError`."""
    if not isinstance(text, str):
        raise ScenarioError("overrides", f"must be key=value strings, got {text!r}")
    if "=" not in text:
        raise ScenarioError(
            text, "is not an override; write key=value (e.g. policy=joint_escort or days=90)"
        )
    key, value = text.split("=", 1)
    key = key.lstrip("+~")
    if key == "policy" and is_policy_file(value):
        policy_file_overrides(value)  # the file, and every field in it, checked
        return
    if key in GROUPS:
        options = group_options(key)
        if value not in options:
            if key != "policy":
                raise unknown_value(key, "option", value, options)
            # the twins are many: named by their rule, not listed one by one
            named = group_options(key, twins=False)
            message = str(unknown_value(key, "option", value, named)).split(": ", 1)[1]
            raise ScenarioError(
                key,
                f"{message}, and <joint>_twin_personnel or <joint>_twin_cost for a joint one ("
                + ", ".join(joint_policies())
                + ")",
            )
        return
    parts = key.split(".")
    sections = Scenario.SECTIONS
    top = [f.name for f in Scenario.fields()]
    if len(parts) == 1:
        if parts[0] not in top:
            raise unknown_field(key, parts[0], top + list(GROUPS) + list(Scenario.SECTIONS))
        return
    if parts[0] not in sections or len(parts) != 2:
        raise ScenarioError(key, "unknown field; sections are " + ", ".join(sections))
    names = [f.name for f in sections[parts[0]].fields()]
    if parts[1] not in names:
        raise unknown_field(key, parts[1], names)


MISSING = "???"
#: Composed configs kept, by conf files' stamps and overrides (oldest dropped first).
MAX_COMPOSED = 512
_COMPOSED: dict = {}


def compose_config(
    overrides: list[str] | tuple[str, ...] = (), *, check: bool = True, missing_ok: bool = False
) -> dict:
    """The composed configuration as a plain dict (Hydra's ``compose`` plus our checks).

    With ``missing_ok`` a mandatory value left open stays as ``"???"`` (:data:`MISSING`).
    """
    from hydra.errors import HydraException
    from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

    from scenarios.safe_yaml import check_yaml_file, check_yaml_tree

    overrides = expand_policy_files([str(o) for o in overrides])
    overrides, basis = _untwin(overrides)
    # Hydra's loader never sees an alias bomb or a tag: the groups every scenario may load,
    # and the one experiment file asked for
    stamps = [check_yaml_tree(CONF_DIR, "config", skip=("experiment",))]
    for text in overrides:
        key, _, value = text.partition("=")
        if key.lstrip("+") == "experiment":
            stamps.append(check_yaml_file(CONF_DIR / "experiment" / f"{value}.yaml", "experiment"))
    if check:
        for text in overrides:
            check_override(text)
    # the same overrides over the same files compose to the same config: composed once
    key = (str(CONF_DIR), tuple(stamps), tuple(overrides), basis, missing_ok)
    if key not in _COMPOSED:
        try:
            # the simple shape of conf/ merged without Hydra (scenarios.layers), else Hydra
            value = compose_layers(CONF_DIR, GROUPS, overrides)
            if value is None:
                value = compose_hydra(CONF_DIR, overrides, missing_ok)
            elif not missing_ok and (missing := first_missing(value)) is not None:
                raise ScenarioError(missing, f"is required; give it as an override ({missing}=...)")
        except MissingMandatoryValue as exc:
            raise ScenarioError(
                str(exc.full_key), f"is required; give it as an override ({exc.full_key}=...)"
            ) from None
        except (HydraException, OmegaConfBaseException) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ScenarioError("overrides", first) from None
        if basis is not None and isinstance(value.get("policy"), dict):
            value["policy"] = twin_policy(value["policy"], value.get("costs", {}), basis)
        if len(_COMPOSED) >= MAX_COMPOSED:
            _COMPOSED.pop(next(iter(_COMPOSED)))
        _COMPOSED[key] = value
    return copy.deepcopy(_COMPOSED[key])


def compose_hydra(conf: Path, overrides: list[str], missing_ok: bool = False) -> dict:
    """Hydra's composition of ``conf/config.yaml`` and ``overrides``, as plain data."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(conf), version_base=None):
        cfg = compose(config_name="config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=not missing_ok)


def _untwin(overrides: list[str]) -> tuple[list[str], str | None]:
    """``policy=J_twin_B`` becomes ``policy=J``, and the basis ``B`` to twin it on after."""
    basis = None
    out = []
    for text in overrides:
        key, sep, value = text.partition("=")
        if sep and key == "policy":
            stem, b = split_twin(value)
            if b is not None and stem in joint_policies():
                text, basis = f"policy={stem}", b
            elif b is None:
                basis = None
        out.append(text)
    return out, basis


def compose_scenario(overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Compose and validate a scenario from ``conf/`` and overrides."""
    return Scenario.from_dict(compose_config(overrides))


SUFFIXES = (".yaml", ".yml")


#: A policy from a file anywhere (``policy=path/to/policy.yaml``): a file of the shape of those
#: of ``conf/policy/`` (a ``defaults`` list naming the named policy it starts from, then policy
#: fields), composed as that policy with each field given as an override, so every field is
#: checked as a command-line override is. The lever search exports its members in this shape.
def is_policy_file(value: str) -> bool:
    """Whether a ``policy=`` value names a file (by its suffix) rather than an option."""
    return isinstance(value, str) and value.endswith(SUFFIXES)


def policy_file_overrides(value: str) -> list[str]:
    """The overrides a policy file stands for: ``policy=BASE`` then one per field."""
    from scenarios.safe_yaml import load_yaml

    path = Path(value)
    if not path.is_file():
        raise ScenarioError("policy", f"no policy file {value!r} (a policy=PATH ends in .yaml)")
    data = load_yaml(path, "policy")
    if not isinstance(data, dict):
        raise ScenarioError("policy", f"{value}: a policy file is a mapping of policy fields")
    defaults = data.pop("defaults", None)
    named = group_options("policy", twins=False)
    bases = [d for d in (defaults or []) if d != "_self_"]
    if not isinstance(defaults, list) or len(bases) != 1 or bases[0] not in named:
        raise ScenarioError(
            "policy",
            f"{value}: 'defaults' must list one named policy to start from (and _self_), one "
            "of " + ", ".join(named),
        )
    out = [f"policy={bases[0]}"]
    for key, field_value in data.items():
        text = f"policy.{key}={_format(field_value)}"
        try:
            check_override(text)
        except ScenarioError as exc:
            raise ScenarioError("policy", f"{value}: {exc.field}: {exc.message}") from None
        out.append(text)
    return out


def expand_policy_files(overrides: list[str]) -> list[str]:
    """``overrides`` with each ``policy=FILE.yaml`` replaced by the overrides it stands for."""
    out: list[str] = []
    for text in overrides:
        key, sep, value = text.partition("=")
        if sep and key == "policy" and is_policy_file(value):
            out += policy_file_overrides(value)
        else:
            out.append(text)
    return out
