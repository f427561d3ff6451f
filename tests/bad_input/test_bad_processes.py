"""One real process per entry point and fault class: what a user at a terminal sees.

The in-process catalogue calls each ``main(argv)``; here each command runs as ``python -m``
with a home folder of its own, to see the one line and the exit status a shell sees, that a
refused command writes nothing anywhere (not even a matplotlib cache under ``$HOME``), that an
internal error still ends in a traceback with exit status 1, and that a sweep's workers end
with it however it ends.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sim.cli.commands import COMMANDS

from .catalogue import assert_one_line_error, env_without_caches, kind, snapshot

ROOT = Path(__file__).resolve().parents[2]
BY_NAME = {c.name: c for c in COMMANDS}


def run(args, box, **kw):
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=box / "work",
        env=env_without_caches(box / "home"),
        timeout=300,
        **kw,
    )


@pytest.fixture
def box(tmp_path):
    for d in ("work", "home"):
        (tmp_path / d).mkdir()
    return tmp_path


SETTING = {kind(c.name, "nosuch", "process: bad setting", "unknown key"): c.name for c in COMMANDS}


@pytest.mark.parametrize("case", sorted(SETTING))
def test_a_bad_setting_in_a_real_process(case, box):
    command = BY_NAME[SETTING[case]]
    before = snapshot(box)
    proc = run(["-m", command.name, *command.minimal, "nosuch=1"], box)
    assert proc.returncode == 2, proc.stderr
    assert_one_line_error(proc.stderr, "nosuch")
    assert proc.stdout == ""
    assert snapshot(box) == before  # nothing under the working folder or $HOME


FOREIGN = {}
for c in COMMANDS:
    setting, folder = c.destinations[0]
    FOREIGN[kind(c.name, setting, "process: foreign destination", "a user's")] = (c.name, folder)


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_a_foreign_destination_in_a_real_process(case, box):
    name, folder = FOREIGN[case]
    command = BY_NAME[name]
    setting = command.destinations[0][0]
    target = box / "mine"
    if folder:
        target.mkdir()
        (target / "paper.docx").write_text("the user's paper")
    else:
        target.write_text("# my notes\n")
    extra = []
    if name == "sim.report":
        extra = [f"out={box / 'nothing'}"]
    before = snapshot(box)
    proc = run(["-m", name, *command.minimal, *extra, f"{setting}={target}"], box)
    assert proc.returncode == 2, proc.stderr
    assert_one_line_error(proc.stderr, "out" if name == "sim.report" else setting)
    assert snapshot(box) == before


#: Where each command's work starts, to plant a bug there (as the in-process catalogue does).
WORK = {
    "sim.run": ("sim.model.runner", "run_scenario"),
    "sim.sweep": ("sim.sweeps.execution", "run_sweep"),
    "sim.report": ("sim.report.command", "build"),
    "sim.demo": ("sim.sweeps.execution", "run_sweep"),
    "sim.calibrate": ("sim.calibration.calibrate", "calibrate"),
    "sim.validate": ("sim.calibration.validate", "validate"),
    "sim.displacement": ("sim.sweeps.execution", "sweep"),
    "sim.insider": ("sim.sweeps.execution", "sweep"),
    "sim.equivalence": ("sim.studies.equivalence", "run_new"),
}


@pytest.mark.parametrize("name", sorted(WORK))
def test_an_internal_error_in_a_real_process_is_a_traceback_and_exit_1(name, box):
    command = BY_NAME[name]
    module, attr = WORK[name]
    args = [*command.minimal]
    for setting, folder in command.destinations:
        args.append(f"{setting}={box / ('d_' + setting) if folder else box / (setting + '.md')}")
    if name == "sim.report":
        args.append(f"out={box}")  # the bug is planted before the folder is read
    code = (
        "import importlib, sys\n"
        f"m = importlib.import_module({module!r})\n"
        "def bug(*a, **k):\n    raise RuntimeError('a planted bug')\n"
        f"setattr(m, {attr!r}, bug)\n"
        f"from sim.cli.commands import main_of\nsys.exit(main_of({name!r})({args!r}))\n"
    )
    proc = run(["-c", code], box)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" in proc.stderr and "RuntimeError: a planted bug" in proc.stderr


# ---- a sweep's workers end with it -------------------------------------------------------------
LONG = ["-m", "sim.sweep", "experiment=joint_vs_domestic", "replications=20", "days=2000"]
LONG += ["workers=2", "progress=false"]


def _default_ctrl_c() -> None:
    """In the child: Ctrl-C as at a terminal, even when the tests run in the background.

    A process started in the background by a non-interactive shell inherits SIGINT ignored,
    and Python then never raises KeyboardInterrupt: the sweep's handling would go untested.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(box):
    proc = subprocess.Popen(
        [sys.executable, *LONG, f"out={box / 'out'}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_ctrl_c,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if list((box / "out").glob("part-*.parquet")):
            break
        time.sleep(0.1)
    kids = psutil.Process(proc.pid).children(recursive=True)
    assert len(kids) >= 3, kids  # the forkserver (or resource tracker) and two workers
    return proc, kids


def _gone_within(kids, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    alive = kids
    while time.monotonic() < deadline:
        alive = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_workers_are_gone_within_2_s_of_their_parents_end(sig, box):
    proc, kids = _start(box)
    killed_at = time.monotonic()
    proc.send_signal(getattr(signal, sig))
    alive = _gone_within(kids, 2.0)
    waited = time.monotonic() - killed_at
    for k in alive:
        k.kill()
    proc.communicate(timeout=30)
    assert alive == [], f"{len(alive)} processes alive {waited:.1f} s after {sig}"


@pytest.mark.slow
def test_ctrl_c_saves_the_finished_rows_and_says_so_in_one_line(box):
    proc, kids = _start(box)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:  # a sweep left running would slow every test after this one
        if proc.poll() is None:
            for p in [*kids, proc]:
                p.kill()
    assert proc.returncode == 130
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert lines[-1] == "interrupted; rerun the same command to resume", err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert _gone_within(kids, 2.0) == []
    from sim.sweeps.reader import open_sweep

    assert len(open_sweep(box / "out").all_rows) > 0  # what finished is kept


def test_the_browser_view_writes_no_fixed_name_in_the_shared_temporary_folder(box):
    """A link planted under the old fixed name is not followed (its target stays as it was)."""
    shared = box / "shared-tmp"
    shared.mkdir()
    victim = box / "victim.txt"
    victim.write_text("precious")
    (shared / "corridor-sim-navigator.vue").symlink_to(victim)
    env = env_without_caches(box / "home")
    env["TMPDIR"] = str(shared)
    proc = subprocess.run(
        [sys.executable, "-c", "import sim.view.app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious"
    assert [p.name for p in shared.iterdir()] == ["corridor-sim-navigator.vue"]  # cleaned at exit
