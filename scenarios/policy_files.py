"""A policy from a file anywhere: ``policy=path/to/policy.yaml``.

The file has the shape of a file of ``conf/policy/``: a ``defaults`` list naming the named
policy it starts from (and ``_self_``), then policy fields. It composes as that named policy with
each field of the file given as an override (``policy.FIELD=VALUE``), so every field is checked
as a command-line override is, and a typo names the file and the field. The lever search
exports its front members in this shape (``python -m sim.optimize export=MEMBER to=FILE``).
"""

from __future__ import annotations

from pathlib import Path

from scenarios.schema import ScenarioError

__all__ = ["SUFFIXES", "expand_policy_files", "is_policy_file", "policy_file_overrides"]

SUFFIXES = (".yaml", ".yml")


def is_policy_file(value: str) -> bool:
    """Whether a ``policy=`` value names a file (by its suffix) rather than an option."""
    return isinstance(value, str) and value.endswith(SUFFIXES)


def policy_file_overrides(value: str) -> list[str]:
    """The overrides a policy file stands for: ``policy=BASE`` then one per field."""
    from scenarios.compose import _format, check_override, group_options
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
