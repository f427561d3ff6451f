"""Every notebook runs, shows its figures as images, opens with its question and ends with a
conclusion computed from its own results, with uncertainty.

The notebooks run in quick mode here (``SIM_QUICK=1``: small sweeps); ``make notebooks`` runs
them at their default settings and records the times in ``docs/notebooks.md``. A cell tagged
``figure`` draws a figure and must display it as a PNG image (a Figure printed as text,
"<Figure size ...>", is the failure this guards); the cell tagged ``conclusion`` must print a
conclusion with at least one interval.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: An interval as the package prints it: "[lo, hi]" with signed, grouped decimals.
INTERVAL = re.compile(r"\[[-+]?[\d,]*\.?\d+(e-?\d+)?, [-+]?[\d,]*\.?\d+(e-?\d+)?\]")


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def text_of(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "".join(out)


def test_every_notebook_is_collected():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


#: Notebooks measured over 5 s in the test suite's quick mode (docs/testing.md).
SLOW_NOTEBOOKS = {
    "01_quickstart",
    "02_joint_vs_domestic",
    "03_sensitivity_and_discovery",
    "04_calibration_and_validation",
    "05_decompose_a_policy",
    "06_search_the_lever_space",
}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_NOTEBOOKS else [])
        for p in NOTEBOOKS
    ],
)
def test_notebook_runs_shows_its_figures_and_concludes(path, monkeypatch):
    monkeypatch.setenv("SIM_QUICK", "1")
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "**Question.**" in first.source
    figures = [c for c in nb.cells if "figure" in tags(c)]
    conclusion = [c for c in nb.cells if "conclusion" in tags(c)]
    assert figures, "a notebook that draws nothing should say so"
    assert (
        len(conclusion) == 1 and conclusion[0] is [c for c in nb.cells if c.cell_type == "code"][-1]
    )
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    for cell in figures:
        images = [o for o in cell.outputs if "data" in o and "image/png" in o.data]
        assert images, f"cell drew no image:\n{cell.source[:200]}"
    for cell in nb.cells:  # a figure shown only as its text, "<Figure size ...>", is the bug
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = o.get("data", {})
            shown_as_text = "<Figure size" in data.get("text/plain", "") + o.get("text", "")
            assert not shown_as_text or "image/png" in data, cell.source[:200]
    said = text_of(conclusion[0])
    assert said.lstrip().startswith("Conclusion"), said[:200]
    assert INTERVAL.search(said), f"no interval in the conclusion:\n{said}"
