"""What made a sweep folder's rows: its identity, recorded in ``_experiment.yaml``.

The identity is the experiment (policies, design, seed, overrides), the design points, a hash
of every run's composed scenario, a hash of the code and data that make results (``sim/``,
``agents/``, ``scenarios/``, ``conf/``), of input files (GraphML networks), and whether event
logs are kept. A resume whose identity differs in any of these is refused, naming what
differs; execution settings and the replication count are not part of it, so a resume may add
replications (the record then says how many the folder holds).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from sim.sweeps.designs import SweepError
from sim.sweeps.parts import result_parts, write_atomically

__all__ = [
    "CODE_DIRS",
    "IDENTITY_PARTS",
    "RECORD",
    "ROOT",
    "check_or_write_identity",
    "record_command",
    "code_hash",
    "read_record",
    "record_file",
    "record_replications",
    "sweep_identity",
]


ROOT = Path(__file__).resolve().parents[2]


#: Folders whose files make results: a change in any of them is a different sweep.
CODE_DIRS = ("sim", "agents", "scenarios", "conf")


#: The parts of a sweep's identity, with what a difference in each means.
IDENTITY_PARTS = {
    "experiment": "the experiment (policies, design, seed, threat, network or overrides)",
    "design_points": "the design points",
    "scenarios": "the composed scenario of some run (a config file or override changed)",
    "code": "the code or data that make results (sim/, agents/, scenarios/ or conf/ changed)",
    "inputs": "an input file (a GraphML network) changed",
    "events": "whether event logs are kept (events=true or false)",
}


RECORD = "_experiment.yaml"


_CODE_HASH: dict[str, str] = {}


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_hash(root: Path = ROOT) -> str:
    """Hash of every file under ``sim/``, ``agents/``, ``scenarios/`` and ``conf/``."""
    key = str(root)
    if key not in _CODE_HASH:
        h = hashlib.sha256()
        for d in CODE_DIRS:
            for p in sorted((root / d).rglob("*")):
                if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
                    continue
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
        _CODE_HASH[key] = h.hexdigest()[:16]
    return _CODE_HASH[key]


def _inputs_hash(plan) -> str:
    files = sorted(
        {
            t["network"]["path"]
            for row in plan.templates
            for t in row
            if t["network"].get("kind") == "graphml" and t["network"].get("path")
        }
    )
    h = hashlib.sha256()
    for f in files:
        p = Path(f)
        h.update(f.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"<missing>") + b"\0")
    return h.hexdigest()[:16]


def sweep_identity(plan, events: bool = False) -> dict:
    """The identity of a planned sweep: see :data:`IDENTITY_PARTS`."""
    return {
        "experiment": json.loads(json.dumps(plan.exp.identity())),
        "design_points": _digest(plan.points),
        "scenarios": plan.scenario_hash(),
        "code": code_hash(),
        "inputs": _inputs_hash(plan),
        "events": bool(events),
    }


def record_file(out: Path) -> Path:
    """The record of the sweep in ``out``: ``_experiment.yaml``."""
    return out / RECORD


def read_record(out: Path) -> dict:
    """The sweep's record (``_experiment.yaml``), refused when it cannot be what a sweep wrote."""
    from scenarios.safe_yaml import load_yaml

    path = record_file(out)
    try:
        saved = load_yaml(path, field="out")
        if not isinstance(saved, dict) or not isinstance(saved.get("identity"), dict):
            raise TypeError
        if not isinstance(saved.get("sha"), str):
            raise TypeError
    except (TypeError, ValueError, OSError, UnicodeDecodeError):
        raise SweepError(
            "out",
            f"{str(path)!r} is not a readable sweep record, so nothing says what made the "
            "rows beside it; choose a new out",
        ) from None
    return saved


def check_or_write_identity(out: Path, plan, version: str, events: bool = False) -> str:
    """Refuse a folder holding another sweep; otherwise record this one beside the rows.

    Returns the identity's hash, which every part written records. The record also holds the
    package version, the number of replications the folder holds (raised when a resume adds
    some), the design points in order and the fully composed base scenario of every policy,
    threat and network combination the runs start from (before each point's values and seed
    are applied).
    """
    path = record_file(out)
    ident = sweep_identity(plan, events)
    sha = _digest(ident)
    if path.exists():
        saved = read_record(out)
        old = saved["identity"]
        diff = [k for k in IDENTITY_PARTS if old.get(k) != ident[k]]
        if diff:
            raise SweepError(
                "out",
                f"{str(out)!r} holds results of a different sweep (differs in: "
                + "; ".join(IDENTITY_PARTS[k] for k in diff)
                + "); choose a new out",
            )
        return sha
    if result_parts(out):
        raise SweepError(
            "out",
            f"{str(out)!r} holds result parts but no {RECORD}, so nothing says what "
            "made them; choose a new out",
        )
    doc = {
        "identity": ident,
        "sha": sha,
        "experiment": as_run(plan),
        "replications": plan.exp.replications,
        "version": version,
        "environment": environment(),
        "design_points": json.loads(json.dumps(plan.points)),
        "base_scenarios": [
            {
                "policy": pol,
                "threat": threat,
                "network": network or "default",
                "scenario": json.loads(json.dumps(config)),
            }
            for (pol, threat, network), config in plan._base.items()
        ],
    }
    write_atomically(path, yaml.safe_dump(doc, sort_keys=False))
    return sha


def as_run(plan) -> dict:
    """The experiment as its runs ran it.

    Its declared contrasts are kept, and the threat levels and networks are those the runs
    used (from the design points where the design varies them), so the record never names a
    level the runs did not use.
    """
    from dataclasses import asdict

    exp = json.loads(json.dumps(asdict(plan.exp), default=list))
    exp.pop("replications", None)
    for index, group in ((1, "threat"), (2, "network")):  # keys: (policy, threat, network)
        levels = list(dict.fromkeys(key[index] for key in plan._base))
        if len(levels) > 1 or (levels and levels[0] != exp.get(group)):
            exp[group] = levels if len(levels) > 1 else levels[0]
    return exp


def environment() -> dict:
    """The versions of Python and of the packages that compute a run and its statistics."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("mesa", "numpy", "scipy", "pandas", "networkx", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def record_replications(
    out: Path, replications: int, exact: bool = False, command: str | None = None
) -> None:
    """Keep the record's replication count current: raised to ``replications`` (or set to it).

    ``command``, when given, is written to ``out/_command.txt`` (:func:`record_command`).
    """
    if command:
        record_command(out, command)
    saved = read_record(out)
    want = replications if exact else max(int(saved.get("replications") or 0), replications)
    if saved.get("replications") != want:
        saved["replications"] = want
        write_atomically(record_file(out), yaml.safe_dump(saved, sort_keys=False))


#: The file that says how a sweep folder's rows were made (read by the report).
COMMAND = "_command.txt"


def record_command(folder: str | Path, argv: list[str] | str) -> None:
    """Write the command that made a sweep into ``folder/_command.txt`` (the report reads it).

    ``argv``: an argument list (quoted for a POSIX shell) or the text of a call.
    """
    import shlex

    from sim.files.ownership import write_text_file

    text = argv if isinstance(argv, str) else shlex.join(argv)
    write_text_file(Path(folder) / COMMAND, text.strip() + "\n")
