"""Root test configuration.

Notebooks run on small settings under the test suite, and sweeps on one worker unless a test
asks for more. Under ``CI=true`` Hypothesis draws its
examples deterministically, so a CI result can be reproduced; local runs keep exploring.
"""

import hashlib
import os
from pathlib import Path

from hypothesis import settings

os.environ.setdefault("SIM_QUICK", "1")
# sweeps default to one worker per core; tests that want workers ask for them (two pytest
# workers each starting a pool per small sweep would only compete for the two cores)
os.environ.setdefault("SIM_WORKERS", "1")
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

# The suite must never write into the project's own inputs or documents (a calibration test
# once wrote conf/calibration/posterior.csv): their contents are hashed before and after.
_GUARDED = ("conf", "docs", "data", "scenarios", "notebooks")
_ROOT = Path(__file__).resolve().parent


def _guarded_state() -> dict[str, str]:
    state = {}
    for top in _GUARDED:
        for path in sorted((_ROOT / top).rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and ".ipynb_checkpoints" not in path.parts
            ):
                state[str(path.relative_to(_ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def pytest_sessionstart(session):
    """Hash the guarded files once, in the controller."""
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist)
        session.config._guarded_before = _guarded_state()


def pytest_sessionfinish(session, exitstatus):
    """Fail the session, naming them, if the tests changed any guarded file."""
    before = getattr(session.config, "_guarded_before", None)
    if before is None:
        return
    after = _guarded_state()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            "the tests changed the project's own files: " + ", ".join(changed), red=True
        )
        session.exitstatus = 1
