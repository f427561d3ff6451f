"""The report: one command, a self-contained HTML file whose numbers are the analysis's."""

from __future__ import annotations

import base64
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import pytest
from scipy import stats

from sim import sweep
from sim.analysis import (
    compare,
    foreign_increment,
    format_estimate,
    format_number,
    in_units,
    paired_differences,
)
from sim.report import build, validation_table

#: One worker runs this module, so its module fixture (a sweep and its report) runs once.
pytestmark = pytest.mark.xdist_group("report_folder")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tables, self.conclusions, self.headings = [], [], [], []
        self._in, self._text = None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "table":
            self.tables.append(a.get("data-table"))
        if tag == "p" and a.get("class") == "conclusion":
            self._in, self._text = "conclusion", []
        if tag in ("h1", "h2"):
            self._in, self._text = "heading", []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._in == "conclusion" and tag == "p":
            self.conclusions.append("".join(self._text))
            self._in = None
        if self._in == "heading" and tag in ("h1", "h2"):
            self.headings.append("".join(self._text))
            self._in = None


POLICIES = ["domestic_baseline", "joint_escort", "domestic_intel", "joint_escort_twin_cost"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    sweep(
        policies=POLICIES,
        threats=["baseline", "high"],
        replications=6,
        days=400,  # two years (the second partial): the year-by-year section has rows
        events=True,
        progress=False,
        out=out,
    )
    return out


def test_one_command_writes_a_self_contained_report_with_tables_and_files(folder):
    proc = subprocess.run(
        [sys.executable, "-m", "sim.report", f"out={folder}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    html_file = folder / "_report" / "report.html"
    assert str(html_file) in proc.stdout
    page = _Page()
    page.feed(html_file.read_text())
    # every figure embedded as PNG data: a forest plot and a trade-off per threat level
    assert len(page.images) == 4
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    want = {
        "scenario_set",
        "means_baseline",
        "comparison_baseline",
        "means_high",
        "comparison_high",
        "foreign_killed_by_year",
        "regret",
        "validation",
        "break_even_prices",
    }
    assert want <= set(page.tables)
    for name in want:
        assert (folder / "_report" / "tables" / f"{name}.csv").stat().st_size > 0
        assert "\\begin{table}" in (folder / "_report" / "tables" / f"{name}.tex").read_text()
    for heading in ("The question", "Conclusion", "How to reproduce"):
        assert heading in page.headings
    # the sweep's rows are still what pandas reads from the folder
    assert len(pd.read_parquet(folder)) == 4 * 2 * 6


def test_the_conclusion_states_the_analysis_numbers_with_their_intervals(folder):
    path = build(folder)
    page = _Page()
    page.feed(path.read_text())
    results = pd.read_parquet(folder)
    assert len(page.conclusions) == 2  # one per threat level
    for threat, text in zip(["baseline", "high"], page.conclusions, strict=True):
        # totals per year (the default units): the runs cover 400 days
        t = in_units(compare(results[results.threat == threat], outcomes=["foreign_killed"]), 400)
        base = t.baseline_mean.iloc[0]
        assert text.startswith(f"Under the {threat} threat (6 paired replications)")
        assert f"loses {format_number(base, 2)} foreign nationals per year" in text
        for _, r in t.iterrows():
            stated = format_estimate(r["diff"], r.lo, r.hi, sign=True)
            clear = r.lo > 0 or r.hi < 0
            # a clear difference is stated with its interval; an unclear one is named as such
            if clear and r.hi < 0 and r["diff"] == t["diff"].min():
                assert stated in text
            if not clear:
                assert r.policy in text.split("cannot be told apart from domestic_baseline")[0]
        # no "best" policy; the joint policy by its foreign increment over its twin
        assert "largest reduction" not in text and "best" not in text
        inc = foreign_increment(results[results.threat == threat], outcomes=["foreign_killed"])
        r = in_units(inc, 400).iloc[0]
        stated = format_estimate(r["diff"], r.lo, r.hi, sign=True)
        assert f"joint_escort at equal cost {stated}" in text.split("The foreign increment")[1]
    # the increment on every outcome, the same numbers as foreign_increment
    assert {"foreign_increment_baseline", "foreign_increment_high"} <= set(page.tables)
    inc = pd.read_csv(folder / "_report" / "tables" / "foreign_increment_high.csv")
    assert {"foreign_killed", "threat_exposure", "cost_usd", "mean_legitimacy"} <= set(inc.outcome)
    want = in_units(foreign_increment(results[results.threat == "high"]), 400).set_index("outcome")
    got = inc.set_index("outcome")
    assert got.loc["cost_usd", "diff"] == pytest.approx(want.loc["cost_usd", "diff"])
    assert got.loc["foreign_killed", "hi"] == pytest.approx(want.loc["foreign_killed", "hi"])
    csv = pd.read_csv(folder / "_report" / "tables" / "comparison_high.csv")
    t = in_units(compare(results[results.threat == "high"], outcomes=["foreign_killed"]), 400)
    row = csv[(csv.outcome == "foreign_killed") & (csv.policy == "joint_escort")].iloc[0]
    assert row["diff"] == pytest.approx(t.set_index("policy").loc["joint_escort", "diff"])
    assert row["lo"] == pytest.approx(t.set_index("policy").loc["joint_escort", "lo"])


def test_the_validation_table_is_the_documents():
    table, heading = validation_table()
    assert heading.startswith("Validation: the calibrated model against the record")
    from sim.calibration.record import DERIVED, FIT, HELD_OUT

    assert list(table.role.unique()) == ["held out", "derived", "fitted"]
    counts = table.role.value_counts()
    assert counts["held out"] == len(HELD_OUT) == 7 and counts["fitted"] == len(FIT) == 5
    assert counts["derived"] == len(DERIVED) == 2
    assert table.iloc[0]["statistic"].startswith("share of attacks on fixed sites")
    # the verdict as a value, whatever emphasis the document gives it
    assert set(table.passes) <= {"yes", "no"}
    sindh = table[table.statistic.str.startswith("share of attacks in Sindh")].iloc[0]
    assert sindh.passes == "no"  # 0.583 lies above the predictive interval 0-0.572


@pytest.mark.slow
def test_a_design_over_the_adversary_adds_its_answer_and_the_break_even(tmp_path):
    out = tmp_path / "design"
    sweep(
        policies=["domestic_baseline", "joint_escort"],
        design={
            "kind": "factorial",
            "factors": {
                "threat.belief_rate": [0.0, 0.05],
                "threat.foreign_effect_ratio": [0.4, 1.0, 1.6],
            },
        },
        replications=3,
        days=120,
        progress=False,
        out=out,
    )
    page = _Page()
    page.feed(build(out).read_text())
    assert "adversary" in page.tables and "break_even_design" in page.tables
    adv = pd.read_csv(out / "_report" / "tables" / "adversary.csv")
    assert sorted(adv.adversary.unique()) == ["adaptive", "static"]
    even = pd.read_csv(out / "_report" / "tables" / "break_even_design.csv")
    assert set(even.parameter) == {"foreign_effect_ratio"}  # two values are no range to tie in
    sens = pd.read_csv(out / "_report" / "tables" / "sensitivity.csv")
    assert list(sens.parameter) == ["foreign_effect_ratio"]
    runs = pd.read_parquet(out)
    pairs = paired_differences(runs, "joint_escort", "domestic_baseline", "foreign_killed")
    settings = runs[runs.policy == "joint_escort"].set_index(["replication", "point"])
    x = settings.loc[
        pd.MultiIndex.from_frame(pairs[["replication", "point"]]), "foreign_effect_ratio"
    ]
    rho = stats.spearmanr(x.to_numpy(), pairs["diff"]).statistic
    assert sens.rho[0] == pytest.approx(rho) and sens.lo[0] < rho < sens.hi[0]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "missing", "is not a folder"),
        (lambda p: p, "is not a sweep folder"),
    ],
)
def test_bad_folders_exit_2_and_write_nothing(tmp_path, make, words, capsys):
    from sim.report import main

    target = make(tmp_path)
    assert main([f"out={target}"]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert not (tmp_path / "_report").exists()


def test_a_sweep_without_the_baseline_is_refused(tmp_path):
    sweep(
        policies=["joint_escort", "domestic_intel"],
        replications=2,
        days=10,
        progress=False,
        out=tmp_path,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sim.report", f"out={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "no domestic_baseline runs" in proc.stderr
    assert not (tmp_path / "_report").exists() and not list(tmp_path.glob(".report-*"))


def test_the_horizon_and_the_sets_are_read_from_the_rows(tmp_path):
    """days=30 over a five-year experiment is reported as 30 days, not as the file's 1825."""
    from sim.sweeps.command import main

    out = tmp_path / "s"
    args = ["experiment=joint_vs_domestic", "policy=domestic_baseline,joint_escort", "threat=low"]
    assert main([*args, "replications=2", "days=30", "progress=false", f"out={out}"]) == 0
    text = build(out).read_text()
    assert "30 days (30 days) per run" in text and "year(s)" not in text
    assert "none (calibrated point values only)" in text


def test_every_string_from_the_inputs_is_escaped_in_the_html(tmp_path):
    """A GraphML path with markup in its name appears as text, never as markup."""
    from sim.model.network import cpec_graph, save_graphml

    folder = tmp_path / "<img src=x onerror=alert(1)>"
    folder.mkdir()
    G = cpec_graph()
    path = folder / "net.graphml"
    save_graphml(G, path)
    out = tmp_path / "s"
    sweep(
        policies=["domestic_baseline", "joint_escort"],
        replications=1,
        days=2,
        network="graphml",
        network__path=str(path),
        progress=False,
        out=out,
    )
    text = build(out).read_text()
    assert "<img src=x onerror" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
