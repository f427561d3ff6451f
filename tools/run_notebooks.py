"""``make notebooks``: run every notebook at its default settings and record how long each took.

Each notebook runs in a fresh kernel with ``SIM_QUICK`` unset (the full settings a researcher
gets), from the ``notebooks/`` folder. The executed copies, with their figures and conclusions,
go to ``results/notebooks/``; the times go to ``docs/notebooks.md``. Exit status 1 when a
notebook fails (the others still run).

    python tools/run_notebooks.py [NAME ...]     # default: every notebook
"""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    """Run the notebooks named in ``argv`` (default: all); 0 when every one ran."""
    os.environ.pop("SIM_QUICK", None)
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if argv:
        paths = [p for p in paths if p.stem in argv or p.name in argv]
    out = ROOT / "results" / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    rows, failed = [], 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        print(f"{path.name}: running at its default settings ...", flush=True)
        started = time.perf_counter()
        status = "ran"
        try:
            NotebookClient(
                nb,
                timeout=3600,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            ).execute()
        except CellExecutionError as exc:
            status, failed = f"failed: {str(exc).strip().splitlines()[-1][:120]}", failed + 1
        seconds = time.perf_counter() - started
        images = sum(
            1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
        )
        nbformat.write(nb, out / path.name)
        print(f"{path.name}: {status} in {seconds:.0f} s, {images} figures", flush=True)
        rows.append((path.name, status, seconds, images))
    if not argv:
        lines = [
            f"# Notebooks at their default settings ({date.today().isoformat()})",
            "",
            f"Command: `make notebooks` (`python tools/run_notebooks.py`), on {os.cpu_count()} "
            f"cores, Python {platform.python_version()}. Executed copies: `results/notebooks/`.",
            "",
            "| notebook | result | time | figures |",
            "|---|---|---|---|",
            *[f"| {n} | {s} | {t:.0f} s | {k} |" for n, s, t, k in rows],
            "",
            f"Total: {sum(r[2] for r in rows) / 60:.1f} min.",
            "",
        ]
        (ROOT / "docs" / "notebooks.md").write_text("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
