"""Tables a paper can use: one number everywhere, a command that reproduces, LaTeX that compiles.

The console (``make demo``'s comparison), the report's HTML, its CSV and its LaTeX come from
separate processes here and must carry the same digits for every comparison cell; the command a
report prints must make the same rows again; every table must compile with pdflatex (where it is
installed; ``.ci/run`` installs it) and pass a structural check everywhere.
"""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import compare, comparison_cells, in_units
from sim.analysis.formatting import CONSOLE_WIDTH
from sim.report.latex import PACKAGES, escape, latex_table, standalone
from sim.sweeps.reader import open_sweep

#: One worker runs this module, so its module fixture (a sweep and its report) runs once.
pytestmark = pytest.mark.xdist_group("paper_demo")


ROOT = Path(__file__).resolve().parents[2]
SMALL = ["threats=high", "replications=8", "days=90", "posterior=0", "workers=1"]


class Tables(HTMLParser):
    """Every ``<table data-table=NAME>`` of a page as rows of cell text; ``<pre class=command>``."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.command = None
        self._table = self._row = self._cell = None
        self._pre = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("data-table")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "pre" and a.get("class") == "command":
            self._pre = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._pre is not None:
            self._pre.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "pre" and self._pre is not None:
            self.command = html.unescape("".join(self._pre)).strip()
            self._pre = None


def page(path: Path) -> Tables:
    t = Tables()
    t.feed(path.read_text())
    return t


def run(args, **kw):
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=600, cwd=ROOT, **kw
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo (its console output), and its report written again by a separate process."""
    tmp = tmp_path_factory.mktemp("paper")
    out, figs = tmp / "sweep", tmp / "figs"
    proc = run(["-m", "sim.demo", *SMALL, f"out={out}", f"figures={figs}"])
    assert proc.returncode == 0, proc.stderr
    again = run(["-m", "sim.report", f"out={out}", f"report={tmp / 'again'}"])
    assert again.returncode == 0, again.stderr
    return {"console": proc.stdout, "out": out, "figs": figs, "report": tmp / "again"}


def console_cells(text: str) -> dict[tuple[str, str], list[str]]:
    """(outcome, policy) -> the printed cells, from the demo's console blocks."""
    cells, outcome = {}, None
    for line in text.splitlines():
        head = re.match(r"^([a-z_]+) \(", line)
        if head:
            outcome = head.group(1)
            continue
        p = r"(< 0\.0001|\S+)"
        m = re.match(rf"^(\S+)\s+([+\-]?[\d,.]+ \[[^\]]+\])\s+(\S+)\s+(\S+)\s+{p}\s+{p}$", line)
        if outcome and m:
            cells[(outcome, m.group(1))] = list(m.groups()[1:])
    return cells


@pytest.mark.slow
def test_console_report_csv_and_latex_carry_the_same_digits(demo):
    """Every comparison cell: console (demo) == HTML == LaTeX == the rule applied to the CSV."""
    console = console_cells(demo["console"])
    tables = page(demo["report"] / "report.html").tables
    rows = tables["comparison_high"]
    header, body = rows[0], rows[1:]
    assert header == ["outcome", "policy", "difference [95% CI]", "relative",
                      "better/tie/worse", "p", "p (Holm)"]  # fmt: skip
    assert len(body) == 7 * 6  # seven policies against the baseline, six outcomes
    csv = pd.read_csv(demo["report"] / "tables" / "comparison_high.csv")
    from_csv = comparison_cells(csv)
    tex = (demo["report"] / "tables" / "comparison_high.tex").read_text()
    for i, row in enumerate(body):
        key = (row[0], row[1])
        assert console[key] == row[2:], key
        assert from_csv.iloc[i].tolist() == row, key
        assert " & ".join(escape(c) for c in row) + r" \\" in tex, key
    # the demo's own report (same process as the console) says the same
    first = page(demo["out"] / "_report" / "report.html").tables["comparison_high"]
    assert first == rows


def test_results_do_not_depend_on_the_order_of_the_rows():
    """More pairs than the exact test enumerates, so the sign vectors are drawn at random and
    the pairs' order would matter if they were not sorted."""
    rng = np.random.default_rng(2)
    n = 60
    rows = pd.DataFrame(
        {
            "run_id": np.arange(3 * n),
            "replication": np.repeat(np.arange(n), 3),
            "point": 0,
            "policy": np.tile(["domestic_baseline", "a", "b"], n),
            "status": "ok",
            "foreign_killed": rng.poisson(1.0, 3 * n).astype(float),
            "cost_usd": rng.normal(1e6, 1e4, 3 * n),
        }
    )
    outcomes = ["foreign_killed", "cost_usd"]
    a = compare(rows, outcomes=outcomes)
    b = compare(rows.sample(frac=1.0, random_state=3), outcomes=outcomes)
    pd.testing.assert_frame_equal(a, b)  # with run ids: the experiment's order
    assert comparison_cells(a).equals(comparison_cells(b))
    # a table without run ids (a user's own frame), shuffled: the same numbers, row by row
    bare = rows.drop(columns="run_id").sample(frac=1.0, random_state=5)
    c = compare(bare, outcomes=outcomes)
    key = ["outcome", "policy"]
    pd.testing.assert_frame_equal(
        a.sort_values(key, ignore_index=True), c.sort_values(key, ignore_index=True)
    )


@pytest.mark.slow
def test_the_report_says_what_made_it_and_how(demo):
    text = (demo["report"] / "report.html").read_text()
    t = page(demo["report"] / "report.html")
    assert t.command.startswith("python -m sim.demo threats=high replications=8")
    assert "The command was not recorded" not in text
    assert 'class="methods"' in text and "Fieller 1954" in text and "Holm 1979" in text
    record = open_sweep(demo["out"]).record
    assert record["experiment"]["threat"] == "high"  # the level the runs used
    assert {"python", "mesa", "numpy", "pandas"} <= set(record["environment"])


@pytest.mark.slow
def test_figures_are_written_as_png_and_pdf(demo):
    for folder in (demo["figs"], demo["report"] / "figures"):
        names = {p.name for p in folder.iterdir()}
        assert "paired_differences_high.png" in names
        assert "paired_differences_high.pdf" in names
        assert (folder / "paired_differences_high.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_console_lines_fit_a_terminal(demo):
    widths = [len(line) for line in demo["console"].splitlines() if "\r" not in line]
    assert max(widths) <= CONSOLE_WIDTH == 120


# ---- reproduction ----------------------------------------------------------------------------
def replay(command: str, out: Path) -> list[str]:
    """The recorded command's arguments with a new out= (and this Python)."""
    args = shlex.split(command)
    assert args[:3] == ["python", "-m", "sim.sweep"]
    return [*[a for a in args[1:] if not a.startswith("out=")], f"out={out}"]


@pytest.mark.slow
def test_the_command_in_a_report_makes_the_same_rows(tmp_path):
    out = tmp_path / "a"
    made = run(["-m", "sim.sweep", "experiment=joint_vs_domestic",
                "policy=domestic_baseline,joint_escort", "threat=high", "replications=4",
                "days=60", "workers=1", "progress=false", f"out={out}"])  # fmt: skip
    assert made.returncode == 0, made.stderr
    from sim.report import build

    command = page(build(out)).command
    assert command is not None and "experiment=joint_vs_domestic" in command
    again = run(replay(command, tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    a = open_sweep(out).rows.drop(columns="runtime_s")
    b = open_sweep(tmp_path / "b").rows.drop(columns="runtime_s")
    pd.testing.assert_frame_equal(a, b)
    assert open_sweep(out).record["experiment"]["threat"] == "high"


@pytest.mark.slow
def test_a_python_sweep_records_its_call_and_the_call_reproduces(tmp_path):
    code = (
        "import sim; sim.sweep(policies=['domestic_baseline', 'domestic_intel'], "
        "replications=3, days=30, workers=1, progress=False, out={out!r})"
    )
    assert run(["-c", code.format(out=str(tmp_path / "a"))]).returncode == 0
    call = (tmp_path / "a" / "_command.txt").read_text().strip()
    assert call.startswith("sim.sweep(") and "replications=3" in call and "days=30" in call
    again = call.replace(repr(str(tmp_path / "a")), repr(str(tmp_path / "b")))
    proc = run(["-c", f"import sim; {again}"])
    assert proc.returncode == 0, proc.stderr
    a = open_sweep(tmp_path / "a").rows.drop(columns="runtime_s")
    b = open_sweep(tmp_path / "b").rows.drop(columns="runtime_s")
    pd.testing.assert_frame_equal(a, b)


# ---- LaTeX -------------------------------------------------------------------------------------
def check_structure(tex: str) -> None:
    """What a table must be to compile: balanced environments, escaped text, no raw floats."""
    assert tex.count(r"\begin{table}") == tex.count(r"\end{table}") == 1
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}") == 1
    assert r"\toprule" in tex and r"\bottomrule" in tex
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    for line in body.splitlines():
        bare = re.sub(r"\\[_%&#${}]", "", line.removesuffix("{%")).replace(" & ", " ")
        assert not re.search(r"[_%&#$]", bare), f"unescaped special character: {line}"
    assert "nan" not in body.lower().replace("nanc", "")
    assert not re.search(r"\d\.\d{5,}", body), "a raw float"
    assert all(ord(c) < 128 for c in tex), "a character pdflatex may not know"
    spec = re.search(r"\\begin\{tabular\}\{([lrc]+)\}", tex).group(1)
    for line in body.splitlines():
        if line.endswith(r"\\"):
            assert line.count(" & ") == len(spec) - 1, line


@pytest.mark.slow
def test_every_table_of_the_report_is_well_formed_latex(demo):
    texts = sorted((demo["report"] / "tables").glob("*.tex"))
    assert len(texts) >= 8
    for path in texts:
        check_structure(path.read_text())


def test_latex_escapes_and_formats():
    frame = pd.DataFrame({"policy": ["joint_escort"], "cost (USD)": ["1,000 [900, 1,100]"],
                          "note": ["50% & more #1 ~ x^2 {a} <= b"]})  # fmt: skip
    tex = latex_table(frame, "A caption with under_scores and 95% of $", "t_1")
    assert r"joint\_escort" in tex and r"under\_scores" in tex and r"95\%" in tex and r"\$" in tex
    assert r"50\% \& more \#1 \textasciitilde{} x\textasciicircum{}2 \{a\} \textless{}= b" in tex
    assert r"\begin{tabular}{lrl}" in tex
    check_structure(tex)
    assert PACKAGES == ("booktabs", "graphicx")


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("pdflatex") is None and os.environ.get("CI") != "true",
    reason="pdflatex is not installed (.ci/run installs it; the structural check runs here)",
)
def test_every_table_compiles_with_pdflatex(demo, tmp_path):
    texts = [p.read_text() for p in sorted((demo["report"] / "tables").glob("*.tex"))]
    doc = tmp_path / "tables.tex"
    doc.write_text(standalone(texts))
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "tables.pdf").stat().st_size > 1000


@pytest.mark.slow
def test_units_per_year_and_per_run(demo):
    rows = open_sweep(demo["out"]).rows
    table = compare(rows, outcomes=["foreign_killed", "mean_legitimacy"])
    year = in_units(table, 90, "year")
    run_ = in_units(table, 90, "run")
    k = year.outcome == "foreign_killed"
    assert (year.loc[k, "diff"] == run_.loc[k, "diff"] * (365 / 90)).all()
    legit = year.outcome == "mean_legitimacy"
    assert (year.loc[legit, "diff"] == run_.loc[legit, "diff"]).all()  # an average: no unit
    assert (year.p_value == run_.p_value).all()
    assert year.attrs["per"] == "per year" and run_.attrs["per"] == "per run of 90 days"


@pytest.mark.slow
def test_the_report_states_its_margin_and_refuses_a_bad_one(tmp_path, capsys):
    """The practical margin is a setting: stated in the captions, refused outside [0, 1)."""
    from sim import sweep
    from sim.report import build

    out = tmp_path / "s"
    sweep(policies=["domestic_baseline", "domestic_intel"], replications=3, days=20,
          workers=1, progress=False, out=out)  # fmt: skip
    text = build(out, margin=0.05).read_text()
    assert "within 5% of domestic_baseline" in text and "beyond 5% of" in text
    from sim.report.command import main

    assert main([f"out={out}", "margin=1.5"]) == 2
    assert "margin" in capsys.readouterr().err
