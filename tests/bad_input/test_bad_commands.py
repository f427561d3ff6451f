"""The generic cases, run against every command of ``sim.cli.commands.COMMANDS``.

A command registered later is tested here the moment it is registered: the words of its
settings (an unknown key, a key given twice, Hydra's prefixes, a word without ``=``), each of
its whole-number settings (negative, 10^200, text), each destination it writes (a file where a
folder belongs or the reverse, a folder or file of the user's, a dangling link, too long a
name, no permission), a full disk and a refused write at the writer, Ctrl-C, and an internal
error, which must stay a traceback.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.cli.commands import COMMANDS, main_of

from .catalogue import kind, no_partial_output, refused

BY_NAME = {c.name: c for c in COMMANDS}


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """A sweep folder for ``sim.report``: two policies, one replication of two days."""
    from sim.sweeps.command import main

    out = tmp_path_factory.mktemp("report-input") / "sweep"
    args = ["experiment=joint_vs_domestic", "policy=domestic_baseline,joint_escort"]
    args += ["threat=low", "replications=1", "days=2", "workers=1", "progress=false"]
    assert main([*args, f"out={out}"]) == 0
    return out


def argv_of(command, box, tiny_sweep, **values) -> list[str]:
    """The command's smallest arguments, its outputs inside the sandbox, and ``values``."""
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in command.minimal}
    for setting, folder in command.destinations:
        parent = box.root / f"dest_{setting.replace('.', '_')}"
        parent.mkdir(exist_ok=True)
        args[setting] = str(parent / ("out" if folder else "out.md"))
    if command.name == "sim.report":
        args["out"] = str(tiny_sweep)
    args.update({k: str(v) for k, v in values.items()})
    return [f"{k}={v}" for k, v in args.items()]


# ---- the words ---------------------------------------------------------------------------------
WORDS = {}
for c in COMMANDS:
    key = c.numbers[0] if c.numbers else c.destinations[0][0]
    WORDS[kind(c.name, "nosuch", "settings.known", "unknown key")] = (
        c.name,
        ["nosuch=1"],
        "nosuch",
    )
    WORDS[kind(c.name, key, "settings.once", "given twice")] = (
        c.name, [f"{key}=1", f"{key}=2"], key,
    )  # fmt: skip
    WORDS[kind(c.name, key, "settings.prefix", "+key")] = (c.name, [f"+{key}=1"], f"+{key}")
    WORDS[kind(c.name, key, "settings.prefix", "~key")] = (c.name, [f"~{key}"], f"~{key}")
    WORDS[kind(c.name, "word", "settings.form", "no '='")] = (c.name, ["justaword"], "justaword")


@pytest.mark.parametrize("case", sorted(WORDS))
def test_every_command_refuses_bad_words(case, sandbox, capsys):
    name, words, field = WORDS[case]
    command = BY_NAME[name]
    argv = [a for a in command.minimal if a.split("=")[0] not in {w.split("=")[0] for w in words}]
    refused(main_of(command), [*argv, *words], field, capsys, sandbox)


NUMBERS = {}
for c in COMMANDS:
    for setting in c.numbers:
        for fault, value in (("negative", "-1"), ("10^200", "1" + "0" * 200), ("text", "many")):
            NUMBERS[kind(c.name, setting, "number", fault)] = (c.name, setting, value)


@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_every_whole_number_setting_refuses_bad_numbers(case, sandbox, capsys):
    name, setting, value = NUMBERS[case]
    command = BY_NAME[name]
    argv = [a for a in command.minimal if not a.startswith(f"{setting}=")]
    refused(main_of(command), [*argv, f"{setting}={value}"], setting, capsys, sandbox)


# ---- destinations ------------------------------------------------------------------------------
def _wrong_kind(path: Path, folder_output: bool) -> str:
    if folder_output:
        path.write_text("a file of the user's")
        return "is a file"
    path.mkdir()
    return "is a folder"


def _foreign(path: Path, folder_output: bool) -> str:
    if folder_output:
        path.mkdir()
        (path / "paper.docx").write_text("the user's paper")
        return "paper.docx"
    path.write_text("# The user's notes\n")
    return "was not written by"


def _dangling(path: Path, folder_output: bool) -> str:
    path.symlink_to(path.parent / "nowhere")
    return "dangling link"


DESTINATIONS = {}
for c in COMMANDS:
    for setting, folder in c.destinations:
        for fault, make in (("wrong kind", _wrong_kind), ("user's", _foreign), ("link", _dangling)):
            DESTINATIONS[kind(c.name, setting, "ownership", fault)] = (
                c.name,
                setting,
                folder,
                make,
            )
    first = c.destinations[0]
    DESTINATIONS[kind(c.name, first[0], "path", "too long")] = (c.name, *first, None)


@pytest.mark.parametrize("case", sorted(DESTINATIONS))
def test_every_destination_refuses_what_is_not_the_commands(case, sandbox, capsys, tiny_sweep):
    name, setting, folder, make = DESTINATIONS[case]
    command = BY_NAME[name]
    target = sandbox.root / "dest" / "target"
    target.parent.mkdir()
    fragment = "too long" if make is None else make(target, folder)
    if make is None:
        target = sandbox.root / ("x" * 300)
    argv = argv_of(command, sandbox, tiny_sweep, **{setting: target})
    refused(main_of(command), argv, setting, capsys, sandbox, fragment)
    if make is _foreign and folder:
        assert (target / "paper.docx").read_text() == "the user's paper"


PERMISSION = {}
for c in COMMANDS:
    for setting, _ in c.destinations:
        PERMISSION[kind(c.name, setting, "writable", "no permission")] = (c.name, setting)


@pytest.mark.parametrize("case", sorted(PERMISSION))
def test_a_destination_without_permission_is_refused_before_any_work(
    case, sandbox, capsys, monkeypatch, tiny_sweep
):
    name, setting = PERMISSION[case]
    command = BY_NAME[name]
    real = os.access
    root = str(sandbox.root / f"dest_{setting.replace('.', '_')}")

    def deny(path, mode, *args, **kwargs):
        if str(path).startswith(root) and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    argv = argv_of(command, sandbox, tiny_sweep)
    monkeypatch.setattr(os, "access", deny)
    refused(main_of(command), argv, setting, capsys, sandbox, "permission denied")


# ---- writes that fail, Ctrl-C, internal errors --------------------------------------------------
def _fake_heavy_work(name: str, monkeypatch) -> None:
    """Stand-ins for the hours of work some commands do before they write (not what is tested)."""
    if name == "sim.calibrate":
        from sim.calibration import calibrate
        from sim.sweeps.posterior import Posterior

        particles = pd.DataFrame({"threat.lethality": [0.4, 0.6], "weight": [0.5, 0.5]})
        meta = {"command": "python -m sim.calibrate", "pyabc": "0", "date": "today"}
        monkeypatch.setattr(
            calibrate, "calibrate", lambda *a, **k: (Posterior(particles, meta), None)
        )
        monkeypatch.setattr(calibrate, "report", lambda *a, **k: "# Calibration\n")
    if name == "sim.validate":
        from sim.calibration import validate

        monkeypatch.setattr(validate, "validate", lambda *a, **k: SimpleNamespace(ok=True))
        monkeypatch.setattr(validate, "markdown", lambda *a, **k: "# Validation\n")
    if name == "sim.equivalence":
        from sim.studies import equivalence

        table = pd.DataFrame({"equivalent": [True]})
        monkeypatch.setattr(equivalence, "run_new", lambda *a, **k: pd.DataFrame({"x": [1]}))
        monkeypatch.setattr(equivalence, "equivalence", lambda *a, **k: table)
        monkeypatch.setattr(equivalence, "equivalence_markdown", lambda *a, **k: "# Equivalence")


#: Where each command's work starts: Ctrl-C and internal errors are raised there.
WORK = {
    "sim.run": ("sim.model.runner", "run_scenario"),
    "sim.sweep": ("sim.sweeps.execution", "run_sweep"),
    "sim.report": ("sim.report.command", "build"),
    "sim.demo": ("sim.sweeps.execution", "run_sweep"),
    "sim.calibrate": ("sim.calibration.calibrate", "calibrate"),
    "sim.validate": ("sim.calibration.validate", "validate"),
    "sim.displacement": ("sim.sweeps.execution", "sweep"),
    "sim.insider": ("sim.sweeps.execution", "sweep"),
    "sim.conditions": ("sim.sweeps.execution", "sweep"),
    "sim.equivalence": ("sim.studies.equivalence", "run_new"),
    "sim.optimize": ("sim.sweeps.execution", "sweep"),
    "sim.reference": ("sim.sweeps.execution", "sweep"),
}

WRITE_FAULTS = {}
for c in COMMANDS:
    for fault, code in (("full disk", errno.ENOSPC), ("refused at the writer", errno.EACCES)):
        WRITE_FAULTS[kind(c.name, c.destinations[0][0], "write failure", fault)] = (c.name, code)


@pytest.mark.parametrize("case", sorted(WRITE_FAULTS))
def test_a_write_that_fails_is_one_line_and_leaves_no_partial_output(
    case, sandbox, capsys, monkeypatch, tiny_sweep
):
    name, code = WRITE_FAULTS[case]
    command = BY_NAME[name]
    _fake_heavy_work(name, monkeypatch)
    real = os.replace
    root = str(sandbox.root / "dest_")

    def fail(src, dst, *args, **kwargs):
        if str(dst).startswith(root):
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fail)
    capsys.readouterr()
    assert main_of(command)(argv_of(command, sandbox, tiny_sweep)) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1 and os.strerror(code) in lines[0] and "Traceback" not in err, err
    no_partial_output(sandbox.root)
    if command.name not in (
        "sim.sweep",
        "sim.demo",
        "sim.calibrate",
        "sim.conditions",
        "sim.reference",
    ):  # resumable folders of runs stay
        assert not [p for p in sandbox.root.glob("dest_*/*")], list(sandbox.root.rglob("*"))


INTERRUPT = {kind(c.name, "Ctrl-C", "interrupt", "KeyboardInterrupt"): c.name for c in COMMANDS}


@pytest.mark.parametrize("case", sorted(INTERRUPT))
def test_ctrl_c_is_one_line_and_exit_130(case, sandbox, capsys, monkeypatch, tiny_sweep):
    import importlib

    name = INTERRUPT[case]
    module, attr = WORK[name]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), attr, interrupted)
    capsys.readouterr()
    command = BY_NAME[name]
    assert main_of(command)(argv_of(command, sandbox, tiny_sweep)) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("interrupted; ") and "Traceback" not in err


@pytest.mark.parametrize("name", sorted(WORK))
def test_an_internal_error_is_not_turned_into_bad_input(name, sandbox, monkeypatch, tiny_sweep):
    import importlib

    module, attr = WORK[name]

    def bug(*args, **kwargs):
        raise RuntimeError("a bug, not an input fault")

    monkeypatch.setattr(importlib.import_module(module), attr, bug)
    command = BY_NAME[name]
    with pytest.raises(RuntimeError, match="a bug"):
        main_of(command)(argv_of(command, sandbox, tiny_sweep))


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_help_lists_every_setting_and_exits_0(name, capsys):
    import importlib

    command = BY_NAME[name]
    assert main_of(command)(["--help"]) == 0
    out = capsys.readouterr().out
    settings = importlib.import_module(command.module)
    table = getattr(settings, "SETTINGS", None)
    if table is None:  # the studies build theirs from their defaults
        from sim.studies.common import study_settings

        table = study_settings({"replications": 1, "workers": 1, "days": 1, "out": "x"})
    for setting in table:
        assert f"{setting.name}=" in out, setting.name


def test_the_registry_knows_every_command_module():
    """Every ``python -m sim.X`` module with a ``main`` is registered (so it gets these tests)."""
    root = Path(__file__).resolve().parents[2] / "sim"
    modules = {
        p.stem for p in root.glob("*.py") if "def main(" in p.read_text() and p.stem != "commands"
    }
    registered = {c.module.split(".")[-1] for c in COMMANDS}
    assert modules <= registered | {"execution"}, modules - registered
    assert np.all([callable(main_of(c)) for c in COMMANDS])
