"""One seeded run, from Python or from the command line.

Command line (Hydra-style overrides; ``hydra.run.dir=DIR`` chooses the output folder)::

    python -m sim.run policy=joint_escort threat=high seed=7 days=90
    python -m sim.run network=line network.length_km=200 policy.escort_units=0

prints the outcomes and writes ``outcomes.json``, ``events.parquet``, ``timeseries.parquet`` and
``config.yaml`` into the run folder (default ``outputs/DATE/TIME``). Bad input prints one line
naming the field and what is allowed, exits with status 2 and writes nothing.

Python::

    from sim import run
    r = run(policy="joint_escort", threat="high", seed=7, days=90)
    r.outcomes, r.events, r.timeseries
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scenarios import Scenario, ScenarioError
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.files.ownership import check_writable
from sim.model.outcomes import OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RunResult",
    "build_model",
    "check_writable",
    "load_scenario",
    "main",
    "run",
    "run_scenario",
    "save_atomically",
]


@dataclass
class RunResult:
    """What one run produced: outcomes, event log, daily time series, and what made them."""

    scenario: Scenario
    outcomes: dict[str, float]
    events: pd.DataFrame
    timeseries: pd.DataFrame
    version: str = field(default="")

    def record(self) -> dict:
        """Flat record: every outcome plus policy, threat, network, seed, days and version."""
        sc = self.scenario
        return {
            **self.outcomes,
            "policy": sc.policy.name,
            "threat": sc.threat.name,
            "network": sc.network.kind,
            "seed": sc.seed,
            "days": sc.days,
            "version": self.version,
        }

    def table(self) -> pd.DataFrame:
        """Outcomes as a table with units and meanings."""
        import pandas as pd

        return pd.DataFrame(
            [(k, v, OUTCOMES[k].unit, OUTCOMES[k].description) for k, v in self.outcomes.items()],
            columns=["outcome", "value", "unit", "meaning"],
        ).set_index("outcome")

    def save(self, directory: str | Path) -> Path:
        """Write the run's files into ``directory`` atomically (all of them or none)."""
        import yaml

        files = {
            "outcomes.json": lambda p: p.write_text(json.dumps(self.record(), indent=2) + "\n"),
            "events.parquet": lambda p: self.events.to_parquet(p, index=False),
            "timeseries.parquet": lambda p: self.timeseries.to_parquet(p, index=False),
            "config.yaml": lambda p: p.write_text(
                yaml.safe_dump(
                    {**self.scenario.to_dict(), "version": self.version}, sort_keys=False
                )
            ),
        }
        return save_atomically(Path(directory), files)


def build_model(scenario: Scenario):
    """Build the model a scenario describes (reading its GraphML file, if it names one)."""
    from sim.model.coordinator import CorridorModel
    from sim.model.network import load_graphml

    graph = None
    if scenario.network.kind == "graphml":
        graph = load_graphml(scenario.network.path)
    return CorridorModel(scenario, graph=graph)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temporaries(parent: Path) -> None:
    """Remove temporary run folders in ``parent`` left by processes that are gone (killed)."""
    from sim.files.ownership import foreign_entries

    for tmp in parent.glob(".*.tmp-*-*"):
        try:
            pid = int(tmp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0])
        except ValueError:
            continue
        if tmp.is_dir() and not _pid_alive(pid) and not foreign_entries(tmp, "run"):
            shutil.rmtree(tmp, ignore_errors=True)  # only what a killed run left: its own files


def save_atomically(directory: Path, writers: dict, field: str = "hydra.run.dir") -> Path:
    """Write files into a temporary sibling folder, then move them into ``directory``.

    The temporary folder is named after this process (``.NAME.tmp-PID-XXXX``), so a later
    save into the same parent removes what a killed process left. A failure to write (a full
    or read-only disk) raises :class:`ScenarioError` and leaves nothing behind.
    """
    from sim.files.ownership import make_folder, remove_created

    directory = Path(directory)
    created: list[Path] = []
    try:
        created = make_folder(directory.parent)
        clean_stale_temporaries(directory.parent)
        tmp = Path(
            tempfile.mkdtemp(prefix=f".{directory.name}.tmp-{os.getpid()}-", dir=directory.parent)
        )
    except OSError as exc:
        remove_created(created)
        raise ScenarioError(
            field, f"cannot write into {str(directory.parent)!r} ({exc.strerror or exc})"
        ) from None
    try:
        for name, write in writers.items():
            write(tmp / name)
        if not directory.exists():
            os.replace(tmp, directory)
        else:
            for name in writers:
                os.replace(tmp / name, directory / name)
            tmp.rmdir()
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        remove_created(created)
        raise ScenarioError(
            field, f"cannot write the results into {str(directory)!r} ({exc.strerror or exc})"
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return directory


def load_scenario(
    policy: str | None = None,
    threat: str | None = None,
    network: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    **kwargs,
) -> Scenario:
    """Compose a validated scenario from ``conf/``.

    ``policy``, ``threat`` and ``network`` pick config options; other keyword arguments and
    ``overrides`` (Hydra-style strings) set fields, e.g. ``days=90``,
    ``policy__escort_size=4`` or ``overrides=["policy.escort_size=4"]``.
    """
    from scenarios.compose import compose_scenario, overrides_from_kwargs

    picks = {
        k: v
        for k, v in (("network", network), ("policy", policy), ("threat", threat))
        if v is not None
    }
    for key, value in picks.items():
        if not isinstance(value, str):
            raise ScenarioError(key, f"must be the name of a {key} option, got {value!r}")
    if isinstance(overrides, str) or not isinstance(overrides, (list, tuple)):
        raise ScenarioError("overrides", f"must be a list of key=value strings, got {overrides!r}")
    return compose_scenario(
        [*overrides_from_kwargs(picks), *overrides, *overrides_from_kwargs(kwargs)]
    )


def run_scenario(scenario: Scenario, graph=None) -> RunResult:
    """Run one scenario to its horizon."""
    from sim.files.provenance import __version__

    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            "scenario", f"must be a Scenario (from load_scenario(...)), got {scenario!r}"
        )

    from sim.model.coordinator import CorridorModel

    model = build_model(scenario) if graph is None else CorridorModel(scenario, graph=graph)
    model.run()
    return RunResult(scenario, model.outcomes(), model.events, model.timeseries, __version__)


def run(
    policy: str | None = None,
    threat: str | None = None,
    network: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    scenario: Scenario | None = None,
    **kwargs,
) -> RunResult:
    """Compose a scenario (see :func:`load_scenario`) or take ``scenario``, and run it."""
    if scenario is not None and not isinstance(scenario, Scenario):
        hint = (
            f"; to pick a policy write run(policy={scenario!r})"
            if isinstance(scenario, str)
            else ""
        )
        raise ScenarioError(
            "scenario",
            f"must be a Scenario (from load_scenario(...)), got {type(scenario).__name__}{hint}",
        )
    if scenario is None:
        scenario = load_scenario(policy, threat, network, overrides, **kwargs)
    elif kwargs:
        scenario = scenario.replace(**kwargs)
    return run_scenario(scenario)


#: The settings of ``python -m sim.run`` (every other word is a scenario override).
SETTINGS = (
    Setting(
        "hydra.run.dir",
        "path",
        None,
        "the run folder: new, empty, or one sim.run wrote without results yet "
        "(default outputs/DATE/TIME)",
    ),
)
SUMMARY = """Runs one seeded simulation and writes outcomes.json, events.parquet, timeseries.parquet
and config.yaml into the run folder."""
MORE = """Every other word is a scenario override: group=option ({groups}) or field=value, e.g.
    python -m sim.run policy=joint_escort threat=high seed=7 days=90
    python -m sim.run network=line network.length_km=200 policy.escort_units=0"""


@entry_point("nothing was written; run the same command again")
def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    from scenarios.compose import GROUPS, group_options
    from sim.files.ownership import check_folder

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        groups = "; ".join(f"{g}: {', '.join(group_options(g))}" for g in GROUPS)
        print(
            help_text(
                SUMMARY, SETTINGS, "python -m sim.run [SETTING=VALUE ...] [OVERRIDE ...]",
                MORE.format(groups=groups),
            )
        )  # fmt: skip
        return 0
    try:
        opts, overrides, _ = parse(argv, SETTINGS, overrides=True)
        scenario = load_scenario(overrides=overrides)
        out_dir = opts["hydra.run.dir"]
        if out_dir is None:
            now = datetime.now()
            out_dir = Path("outputs") / now.strftime("%Y-%m-%d") / now.strftime("%H-%M-%S")
        out_dir = Path(out_dir)
        if (out_dir / "outcomes.json").exists():
            raise ScenarioError(
                "hydra.run.dir",
                f"{str(out_dir)!r} already holds a run's results; choose another folder",
            )
        check_folder(out_dir, "run", "hydra.run.dir")
        check_writable(out_dir)
        result = run_scenario(scenario)
        result.save(out_dir)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import pandas as pd

    with pd.option_context("display.width", 120, "display.max_colwidth", 60):
        print(
            f"policy={scenario.policy.name} threat={scenario.threat.name} "
            f"network={scenario.network.kind} seed={scenario.seed} days={scenario.days}"
        )
        print(result.table()[["value", "unit"]].to_string(float_format=lambda v: f"{v:,.2f}"))
    print(f"results written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
