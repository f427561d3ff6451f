"""Experiments and their designs: which policies, which uncertainty settings, how many runs.

An :class:`Experiment` crosses policies with a design over the uncertainties (XLRM's X and L;
Kwakkel 2017), times replications.

The design's points come from :mod:`sim.sweeps.points`. A command line or keyword argument that
names a config group *selects* from the experiment (``policy=joint_escort`` runs only that policy;
``threat=high`` only that level of a design's threat factor) and is refused where it cannot; an
override of a key that the design varies is refused, so a sweep never silently runs something other
than its labels say (:func:`select`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from scenarios.compose import (
    GROUPS,
    POLICIES,
    check_override,
    compose_config,
    group_options,
    overrides_from_kwargs,
)
from scenarios.schema import MAX_SEED, Scenario, ScenarioError, unknown_value
from sim.sweeps.points import (
    DESIGN_KINDS,
    SweepError,
    design_keys,
    design_points,
    field_meta,
)
from sim.sweeps.points import whole as _whole

__all__ = [
    "DESIGN_KINDS",
    "Experiment",
    "SweepError",
    "design_keys",
    "design_points",
    "field_meta",
    "load_experiment",
    "select",
]

#: Largest number of replications and of posterior parameter sets a sweep accepts (every set
#: is checked under every threat level before the first run, about a millisecond each).
MAX_REPLICATIONS = 1_000_000
MAX_POSTERIOR = 100_000
#: What an experiment's name may be: it names its default folder, results/NAME.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class Experiment:
    """Policies crossed with a design over the uncertainties, times replications.

    ``design`` is ``{"kind": "factorial", "factors": {key: [values]}}``,
    ``{"kind": "points", "points": [{key: value, ...}, ...]}`` (given settings, in order) or
    ``{"kind": "lhs" | "sobol" | "morris", "samples": N, "ranges": {key: [lo, hi]}}`` (Morris
    also takes ``levels``, default 4). A key is a config group (``threat``, ``network``) or a
    field (``threat.ambush_rate``, ``days``).
    """

    name: str = "custom"
    policies: tuple[str, ...] = POLICIES
    design: dict = field(default_factory=lambda: {"kind": "factorial", "factors": {}})
    replications: int = 10
    seed: int = 0
    threat: str = "baseline"
    network: str | None = None
    overrides: tuple[str, ...] = ()
    posterior: int = 0
    posterior_file: str | None = None
    #: the seed of each replication, when given (default: derived from ``seed``, :mod:`plan`)
    seeds: tuple[int, ...] = ()
    #: the contrasts the sweep will state, declared before it runs: "A - B" (policies of the
    #: sweep); the precision rule covers them and the report states them
    contrasts: tuple[str, ...] = ()
    #: every design point its own random numbers (a reference table of parameter draws, where
    #: the draws must be independent), instead of the same seed at every point (comparisons)
    independent_points: bool = False

    def identity(self) -> dict:
        """What must match for a rerun to resume the same sweep (not the replication count)."""
        d = asdict(self)
        d.pop("replications")
        d["policies"] = list(d["policies"])
        d["overrides"] = list(d["overrides"])
        d["seeds"] = list(d["seeds"])
        if not d["seeds"]:
            # derived seeds: the identity sweeps had before seeds could be given, so they resume
            del d["seeds"]
        # the contrasts decide what is stated, not what the rows are
        d.pop("contrasts")
        if not d["independent_points"]:
            del d["independent_points"]  # the identity sweeps had before the field existed
        return d

    def contrast_pairs(self) -> list[tuple[str, str]]:
        """The declared contrasts as ``(A, B)`` pairs (A - B)."""
        return [split_contrast(c) for c in self.contrasts]

    def replace(self, **changes) -> Experiment:
        """A copy with some fields changed."""
        return Experiment(**{**asdict(self), **changes})

    def check(self) -> None:
        """Validate every field; raises :class:`SweepError` naming the first bad one."""
        if not isinstance(self.name, str) or not NAME.fullmatch(self.name) or ".." in self.name:
            raise SweepError(
                "experiment.name",
                "must be a name of letters, digits, '_', '-' and '.' (it names the folder "
                f"results/NAME), got {self.name!r}",
            )
        policies = self.policies
        if isinstance(policies, str) or not isinstance(policies, Sequence):
            raise SweepError(
                "policies",
                f"must be a list of policy names, got {policies!r}"
                + (f"; write [{policies!r}]" if isinstance(policies, str) else ""),
            )
        if not policies:
            raise SweepError("policies", "must list at least one policy")
        for p in policies:
            if p not in group_options("policy"):
                raise unknown_value("policies", "policy", p, group_options("policy"), SweepError)
        if len(set(policies)) != len(policies):
            raise SweepError("policies", f"lists a policy twice: {list(policies)}")
        _whole("replications", self.replications, 1, MAX_REPLICATIONS)
        _whole("seed", self.seed, 0, MAX_SEED)
        _whole("posterior", self.posterior, 0, MAX_POSTERIOR)
        if not isinstance(self.independent_points, bool):
            raise SweepError(
                "independent_points", f"must be true or false, got {self.independent_points!r}"
            )
        self._check_seeds()
        self._check_contrasts()
        if self.posterior_file is not None and not isinstance(self.posterior_file, str):
            raise SweepError(
                "posterior_file", f"must be a path as a string, got {self.posterior_file!r}"
            )
        if self.posterior_file is not None and not self.posterior:
            raise SweepError(
                "posterior_file", "is read only with posterior=N (N parameter sets to draw)"
            )
        if not isinstance(self.threat, str) or self.threat not in group_options("threat"):
            raise unknown_value("threat", "option", self.threat, group_options("threat"))
        if self.network is not None and (
            not isinstance(self.network, str) or self.network not in group_options("network")
        ):
            raise unknown_value("network", "option", self.network, group_options("network"))
        if isinstance(self.overrides, str) or not isinstance(self.overrides, Sequence):
            raise SweepError(
                "overrides", f"must be a list of key=value strings, got {self.overrides!r}"
            )
        varied = design_keys(self.design)
        for text in self.overrides:
            if not isinstance(text, str):
                raise SweepError("overrides", f"must be key=value strings, got {text!r}")
            check_override(text)
            key = override_key(text)
            if key in GROUPS:
                raise SweepError(
                    key,
                    f"a config group cannot be an override of a sweep; select with "
                    f"policies=[...], threat=... or network=..., not {text!r}",
                )
            if key in ("policy.name", "threat.name"):
                raise SweepError(
                    key, "is the label of its config file; choose the file instead of renaming it"
                )
            if key in varied:
                raise SweepError(
                    key,
                    f"the design of experiment {self.name!r} varies this parameter, so an "
                    "override cannot fix it; copy the experiment file and take it out of the "
                    "design",
                )
        if self.posterior:
            self._check_posterior(varied)

    def _check_seeds(self) -> None:
        """Given seeds: one whole number per replication."""
        if not self.seeds:
            return
        if isinstance(self.seeds, str) or not isinstance(self.seeds, Sequence):
            raise SweepError("seeds", f"must be a list of seeds, got {self.seeds!r}")
        if len(self.seeds) != self.replications:
            raise SweepError(
                "seeds",
                f"gives {len(self.seeds)} seeds for {self.replications} replications; give one "
                "per replication",
            )
        for s in self.seeds:
            _whole("seeds", s, 0, MAX_SEED)

    def _check_contrasts(self) -> None:
        """Declared contrasts: "A - B" of two different policies of the sweep."""
        if isinstance(self.contrasts, str) or not isinstance(self.contrasts, Sequence):
            raise SweepError(
                "contrasts", f"must be a list of 'A - B' strings, got {self.contrasts!r}"
            )
        for text in self.contrasts:
            a, b = split_contrast(text)
            for p in (a, b):
                if p not in self.policies:
                    raise SweepError(
                        "contrasts",
                        f"{text!r} names {p!r}, not a policy of the sweep; allowed: "
                        + ", ".join(self.policies),
                    )
            if a == b:
                raise SweepError("contrasts", f"{text!r} compares a policy with itself")

    def _check_posterior(self, varied: set[str]) -> None:
        """The posterior file reads, and no design factor or override fixes what it draws."""
        from sim.sweeps.posterior import POSTERIOR, load_posterior

        try:
            keys = load_posterior(self.posterior_file or POSTERIOR).keys
        except ScenarioError as exc:
            raise SweepError("posterior_file", exc.message) from None
        fixed = {override_key(text) for text in self.overrides}
        for key in keys:
            if key in varied or key in fixed:
                how = "the design varies" if key in varied else "an override sets"
                raise SweepError(
                    "posterior",
                    f"draws {key} from the posterior, which {how}; drop one of the two",
                )


def override_key(text: str) -> str:
    """The key an override ``[+~]key=value`` sets."""
    return text.split("=", 1)[0].lstrip("+~")


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def load_experiment(name: str, overrides: Sequence[str] = ()) -> Experiment:
    """An experiment from ``conf/experiment/NAME.yaml``, then :func:`select` ``overrides``."""
    options = group_options("experiment")
    if name not in options:
        raise unknown_value("experiment", "experiment", name, options, error=SweepError)
    raw = compose_config([f"+experiment={name}"], check=False)
    spec = raw.pop("experiment", None)
    Scenario.from_dict(raw)  # the file's own settings (days: ..., threat: ...) are valid
    # global settings of the experiment file (e.g. ``days: 180``) apply to every run
    base = _flatten(compose_config([], check=False))
    implied = {k: v for k, v in _flatten(raw).items() if base.get(k) != v}
    allowed = set(Experiment.__dataclass_fields__)
    if not isinstance(spec, Mapping):
        raise SweepError(
            "experiment",
            f"the file of {name!r} must hold an 'experiment:' mapping (its policies, design, "
            f"seed, replications), got {spec!r}",
        )
    for key in spec:
        if key not in allowed:
            raise SweepError(
                f"experiment.{key}", "unknown field; allowed: " + ", ".join(sorted(allowed))
            )
    spec = dict(spec)
    if "policies" in spec:
        if not isinstance(spec["policies"], list):
            raise SweepError("experiment.policies", "must be a list of policy names")
        spec["policies"] = tuple(spec["policies"])
    own = spec.get("overrides", [])
    if not isinstance(own, list) or not all(isinstance(o, str) for o in own):
        raise SweepError("experiment.overrides", "must be a list of key=value strings")
    spec["overrides"] = tuple(overrides_from_kwargs(implied)) + tuple(own)
    if "contrasts" in spec:
        if not isinstance(spec["contrasts"], list):
            raise SweepError("experiment.contrasts", "must be a list of 'A - B' strings")
        spec["contrasts"] = tuple(spec["contrasts"])
    spec.setdefault("name", name)
    return select(Experiment(**spec), overrides)


def _values(text: str) -> list[str]:
    return [v for v in text.strip("[]").split(",") if v]


def select(exp: Experiment, overrides: Sequence[str]) -> Experiment:
    """Apply command-line style ``overrides`` to an experiment, meaning exactly what they say.

    * ``policy=A`` or ``policy=A,B`` keeps only those of the experiment's policies;
    * ``threat=T`` (likewise ``network=N``) keeps only those levels where the design varies the
      group, and sets the experiment's single level where it does not;
    * an override of a key the design varies is refused;
    * every other override applies to every run.

    Raises :class:`SweepError` with a one-line message saying how to select instead.
    """
    if isinstance(overrides, str) or not isinstance(overrides, Sequence):
        raise SweepError("overrides", f"must be a list of key=value strings, got {overrides!r}")
    exp.check()
    changes: dict = {}
    design = exp.design
    plain = []
    for text in overrides:
        if not isinstance(text, str):
            raise SweepError("overrides", f"must be key=value strings, got {text!r}")
        key, sep, value = text.partition("=")
        key = key.lstrip("+~")
        if key == "policy" and sep:
            chosen = _values(value)
            for p in chosen:
                if p not in exp.policies:
                    raise SweepError(
                        "policy",
                        f"{p!r} is not a policy of experiment {exp.name!r}; select among "
                        + ", ".join(exp.policies)
                        + " (policy=A or policy=A,B)",
                    )
            if not chosen:
                raise SweepError("policy", "select at least one policy: policy=A or policy=A,B")
            changes["policies"] = tuple(p for p in exp.policies if p in chosen)
            # a contrast of a policy left out cannot be stated: it goes with it
            changes["contrasts"] = tuple(
                c for c in exp.contrasts if all(p in chosen for p in split_contrast(c))
            )
        elif key in ("threat", "network") and sep:
            chosen = _values(value)
            for v in chosen:
                if v not in group_options(key):
                    raise unknown_value(key, "option", v, group_options(key), SweepError)
            design = _select_level(design, key, chosen, exp.name, changes)
        else:
            plain.append(text)  # out.check() refuses one that sets a key the design varies
    if design is not exp.design:
        changes["design"] = design
    changes["overrides"] = _last_wins((*exp.overrides, *plain))
    out = exp.replace(**changes)
    out.check()
    return out


def _last_wins(overrides) -> tuple[str, ...]:
    """One override per key, the last one given (as Hydra applies them), in first-given order."""
    last = {override_key(text): text for text in overrides}
    return tuple(last.values())


def _select_level(design: dict, group: str, chosen: list[str], name: str, changes: dict) -> dict:
    factors = design.get("factors") if isinstance(design, Mapping) else None
    if isinstance(factors, Mapping) and group in factors:
        levels = factors[group]
        missing = [v for v in chosen if v not in levels]
        if missing:
            raise SweepError(
                group,
                f"{missing[0]!r} is not among the {group} levels of experiment {name!r}; "
                f"select among " + ", ".join(map(str, levels)),
            )
        return {**design, "factors": {**factors, group: [v for v in levels if v in chosen]}}
    if group in design_keys(design):
        points = [p for p in design.get("points", []) if p.get(group) in chosen]
        if not points:
            raise SweepError(group, f"no design point of experiment {name!r} has {group} {chosen}")
        return {**design, "points": points}
    if len(chosen) != 1:
        raise SweepError(
            group,
            f"experiment {name!r} runs one {group}; pick one ({group}=NAME), or write an "
            f"experiment with a {group} factor to compare several",
        )
    changes[group] = chosen[0]
    return design


def experiment_from_kwargs(
    experiment,
    *,
    policies,
    threats,
    design,
    replications,
    seed,
    overrides,
    kwargs,
    posterior=None,
    posterior_file=None,
) -> Experiment:
    """The experiment that :func:`sim.sweep` runs, from its arguments (see its docstring)."""
    extra = list(overrides) + overrides_from_kwargs(kwargs)
    if policies is not None and (isinstance(policies, str) or not isinstance(policies, Sequence)):
        raise SweepError(
            "policies",
            f"must be a list of policy names, got {policies!r}"
            + (f"; write policies=[{policies!r}]" if isinstance(policies, str) else ""),
        )
    if threats is not None and (isinstance(threats, str) or not isinstance(threats, Sequence)):
        raise SweepError(
            "threats",
            f"must be a list of threat levels, got {threats!r}"
            + (f"; write threats=[{threats!r}]" if isinstance(threats, str) else ""),
        )
    if isinstance(experiment, Experiment):
        exp = experiment
    elif isinstance(experiment, str):
        exp = load_experiment(experiment)
    elif experiment is None:
        exp = Experiment(
            name="custom",
            policies=tuple(policies or POLICIES),
            design={"kind": "factorial", "factors": {"threat": list(threats or ["baseline"])}},
        )
        threats = None
    else:
        raise SweepError(
            "experiment",
            f"must be an experiment name or an Experiment, got {type(experiment).__name__}",
        )
    changes = {}
    if policies is not None:
        changes["policies"] = tuple(policies)
    if replications is not None:
        changes["replications"] = replications
    if seed is not None:
        changes["seed"] = seed
    if design is not None:
        changes["design"] = design
    if posterior is not None:
        changes["posterior"] = posterior
    if posterior_file is not None:
        changes["posterior_file"] = str(posterior_file)
    if changes:
        exp = exp.replace(**changes)
    if threats is not None:
        extra.insert(0, "threat=" + ",".join(map(str, threats)))
    return select(exp, extra)


def split_contrast(text) -> tuple[str, str]:
    """``("A", "B")`` for the contrast "A - B" (policy A minus policy B)."""
    parts = str(text).split(" - ") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise SweepError(
            "contrasts", f"must be 'A - B' (two policies, spaces around '-'), got {text!r}"
        )
    return parts[0].strip(), parts[1].strip()
