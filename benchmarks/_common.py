"""Helpers shared by the benchmark scripts: machine facts and RESULTS.md sections."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    import mesa
    import numpy

    from sim import __version__

    return (
        f"{date.today()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · mesa "
        f"{mesa.__version__} · numpy {numpy.__version__} · corridor-sim {__version__}"
    )


def record(section: str, text: str) -> None:
    """Replace the block between ``<!-- section:start -->`` and ``<!-- section:end -->``."""
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    body = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in body:
        body = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, body, flags=re.S)
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(body)


def met(ok: bool) -> str:
    """A target's verdict as the results print it."""
    return "met" if ok else "NOT met"


def json_of(args: list[str]) -> object:
    """The last line a Python script prints, as JSON (the script run in a fresh process)."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def worktree(commit: str, where: Path) -> Path:
    """A detached git worktree of ``commit`` under ``where`` (remove it with :func:`unwork`)."""
    path = where / f"corridor-sim-{commit}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(path), commit],
        check=True,
        capture_output=True,
    )
    return path


def unwork(path: Path) -> None:
    """Remove a git worktree made by :func:`worktree`."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
        check=False,
        capture_output=True,
    )
