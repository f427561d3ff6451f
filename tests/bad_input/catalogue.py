"""The catalogue's bookkeeping and the checks every bad-input case makes.

Every case is a *kind*: a distinct check of an entry point, registered with the entry point,
the field or file it concerns, the check (the validator) and the fault. At most three faults
count for one (entry, field, check): a fourth negative number for the same setting is not a new
kind. ``tests/test_bad_input.py`` counts the kinds.

"As it was" is a snapshot of every path under the test's folders (the working folder, the
destination, ``$HOME`` and ``$TMPDIR`` all live there): its kind, size and modification time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Kind:
    entry: str
    field: str
    check: str
    fault: str


KINDS: dict[str, Kind] = {}


def kind(entry: str, field: str, check: str, fault: str) -> str:
    """Register a kind of bad input; returns its id (``entry:field:check:fault``)."""
    key = f"{entry}:{field}:{check}:{fault}"
    assert key not in KINDS, f"kind registered twice: {key}"
    KINDS[key] = Kind(entry, field, check, fault)
    return key


def snapshot(root: Path) -> dict:
    """Every path under ``root``: (is a folder, size, modification time in ns)."""
    out = {}
    for p in sorted(Path(root).rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(root))] = (
            p.is_dir(),
            0 if p.is_dir() else st.st_size,
            st.st_mtime_ns,
        )
    return out


def assert_one_line_error(err: str, field: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and field in lines[0], err
    assert "Traceback" not in err


def refused(main, argv, field: str, capsys, box, fragment: str = "") -> str:
    """``main(argv)`` exits 2 with one line naming ``field`` and leaves everything as it was."""
    capsys.readouterr()
    before = box.snapshot()
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, field)
    assert fragment in err, err
    assert box.snapshot() == before
    return err


def no_partial_output(root: Path) -> None:
    """No temporary file of an interrupted write is left anywhere under ``root``."""
    left = [p for p in Path(root).rglob("*") if p.name.endswith(".tmp") or ".tmp-" in p.name]
    assert left == [], left


def env_without_caches(home: Path) -> dict:
    env = dict(os.environ, HOME=str(home))
    for key in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env.pop(key, None)
    return env
