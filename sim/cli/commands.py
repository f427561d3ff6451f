"""Every command of the package, registered in one list, and what all of them share.

:data:`COMMANDS` names each ``python -m sim.X`` command with its entry point, the settings that
name what it writes and what it reads, and the smallest arguments that make it run; the
bad-input catalogue runs its generic cases (a missing file, a file instead of a folder, a
read-only or full disk, bad numbers, Ctrl-C) against every command in it, so a command added
later is tested the same way as soon as it is registered.

:func:`entry_point` wraps a command's ``main``: Ctrl-C (and SIGTERM) end it with one line
instead of a traceback, after what was finished is saved (a sweep's rows), with exit status
130. Input faults are the command's to report (one line, exit status 2); an internal error
still ends in a traceback with exit status 1: nothing here turns a bug into "bad input".
"""

from __future__ import annotations

import functools
import importlib
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["COMMANDS", "Command", "entry_point", "main_of"]


@dataclass(frozen=True)
class Command:
    """A command: its name, where its ``main`` lives, and what its settings write and read."""

    name: str
    module: str
    writes: tuple[str, ...] = ()  # settings naming a folder the command writes
    reads: tuple[str, ...] = ()  # settings naming a file or folder the command reads
    numbers: tuple[str, ...] = ()  # whole-number settings
    minimal: tuple[str, ...] = ()  # the smallest arguments that run (quickly)
    files: tuple[str, ...] = ()  # settings naming a file the command writes

    @property
    def destinations(self) -> tuple[tuple[str, bool], ...]:
        """Every setting naming something the command writes, with whether it is a folder."""
        return tuple((s, True) for s in self.writes) + tuple((s, False) for s in self.files)


COMMANDS: tuple[Command, ...] = (
    Command("sim.run", "sim.model.runner", ("hydra.run.dir",), (), ("days", "seed"), ("days=2",)),
    Command(
        "sim.sweep",
        "sim.sweeps.command",
        ("out",),
        ("posterior_file",),
        ("replications", "workers", "seed", "flush_rows", "posterior"),
        (
            "experiment=joint_vs_domestic",
            "policy=domestic_baseline",
            "threat=low",
            "replications=1",
            "days=2",
            "workers=1",
            "progress=false",
        ),
    ),  # fmt: skip
    Command("sim.report", "sim.report", ("report",), ("out",), (), ()),
    Command(
        "sim.demo",
        "sim.studies.demo",
        ("out", "figures"),
        (),
        ("replications", "max_replications", "days", "workers", "posterior"),
        ("threats=low", "replications=2", "days=2", "workers=1", "posterior=0"),
    ),
    Command(
        "sim.calibrate",
        "sim.calibration.calibrate",
        ("out",),
        (),
        ("workers", "population_size", "max_generations", "max_simulations", "days", "seed"),
        ("population_size=2", "max_generations=1", "days=30", "progress=false"),
        files=("posterior", "report"),
    ),
    Command(
        "sim.validate",
        "sim.calibration.validate",
        (),
        ("posterior",),
        ("draws", "variant_draws", "replications", "workers", "seed"),
        ("draws=10", "variant_draws=10", "replications=7", "workers=1"),
        files=("out",),
    ),
    Command(
        "sim.reference",
        "sim.calibration.reference_study",
        ("out",),
        (),
        ("draws", "records", "power_records", "workers", "seed", "days"),
        ("draws=100", "records=10", "power_records=10", "workers=1", "days=2", "progress=false"),
        files=("doc",),
    ),  # fmt: skip
    Command(
        "sim.displacement",
        "sim.studies.displacement",
        (),
        (),
        ("replications", "workers", "days"),
        ("replications=2", "workers=1", "days=2"),
        files=("out",),
    ),
    Command(
        "sim.insider",
        "sim.studies.insider",
        (),
        (),
        ("replications", "workers", "days"),
        ("replications=2", "workers=1", "days=2"),
        files=("out",),
    ),
    Command(
        "sim.conditions",
        "sim.studies.conditions",
        ("rows",),
        (),
        ("replications", "workers", "days", "samples"),
        ("replications=2", "workers=1", "days=2", "samples=8"),
        files=("out",),
    ),
    Command(
        "sim.optimize",
        "sim.search.command",
        ("out",),
        (),
        (
            "pop_size",
            "generations",
            "scenarios",
            "replications",
            "fresh_replications",
            "posterior",
            "days",
            "front_size",
            "workers",
        ),
        (
            "pop_size=4",
            "generations=1",
            "scenarios=1",
            "replications=1",
            "fresh_replications=2",
            "posterior=0",
            "days=2",
            "front_size=2",
            "workers=1",
            "progress=false",
        ),
    ),  # fmt: skip
    Command(
        "sim.equivalence",
        "sim.studies.equivalence",
        (),
        (),
        ("replications", "workers"),
        ("replications=2", "workers=1"),
        files=("out",),
    ),
)


def main_of(command: Command | str) -> Callable:
    """The ``main(argv)`` of a registered command."""
    if isinstance(command, str):
        command = next(c for c in COMMANDS if c.name == command)
    return importlib.import_module(command.module).main


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is."""


def _terminate(signum, frame):
    raise _Terminated


def entry_point(resume: str = "rerun the same command to resume") -> Callable:
    """Wrap a command's ``main``: Ctrl-C and SIGTERM end it with one line, exit status 130."""

    def wrap(main: Callable) -> Callable:
        @functools.wraps(main)
        def wrapper(argv: list[str] | None = None) -> int:
            in_main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
            try:
                return main(argv)
            except KeyboardInterrupt:
                print(f"interrupted; {resume}", file=sys.stderr)
                return 130
            finally:
                if in_main:
                    signal.signal(signal.SIGTERM, previous)

        return wrapper

    return wrap
