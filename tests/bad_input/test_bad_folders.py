"""Sweep folders that are not what their sweep wrote, and report destinations that are not ours.

A folder the engine refuses is refused everywhere (the report, the Python reader, a resume),
with the same line; a report is never written over a user's folder, over its sweep or above
it; a sweep never writes among a user's files and never deletes one.
"""

from __future__ import annotations

import json
import random
import shutil

import pandas as pd
import pytest

from sim.report import main as report_main
from sim.sweeps.command import main as sweep_main
from sim.sweeps.parts import CHECKSUMS, sha256_of
from sim.sweeps.reader import open_sweep

from .catalogue import kind, refused

SWEEP = ["experiment=joint_vs_domestic", "policy=domestic_baseline,joint_escort", "threat=low"]
SWEEP += ["replications=2", "days=2", "workers=1", "progress=false", "flush_rows=2"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A finished sweep folder (two parts, with event logs) to copy into each test."""
    out = tmp_path_factory.mktemp("made") / "sweep"
    assert sweep_main([*SWEEP, "events=true", f"out={out}"]) == 0
    assert len(list(out.glob("part-*.parquet"))) == 2
    return out


def rehash(folder):
    """Recompute the checksums, as a hand who edits the folder might, to reach the next check."""
    names = sorted(p.name for p in folder.glob("part-*.parquet"))
    names += sorted(f"_events/{p.name}" for p in (folder / "_events").glob("part-*.parquet"))
    (folder / CHECKSUMS).write_text("".join(f"{sha256_of(folder / n)}  {n}\n" for n in names))


def _truncated(f):
    p = f / "part-000001.parquet"
    p.write_bytes(p.read_bytes()[:200])
    return "does not match its checksum"


def _bit_flipped(f):
    p = f / "part-000001.parquet"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x10
    p.write_bytes(bytes(data))
    return "does not match its checksum"


def _duplicated(f):
    shutil.copy(f / "part-000001.parquet", f / "part-000003.parquet")
    rehash(f)
    return "appears twice"


def _foreign_parquet(f):
    pd.DataFrame({"run_id": [0], "foreign_killed": [99.0]}).to_parquet(f / "extra.parquet")
    return "extra.parquet"


def _other_run_ids(f):
    """Rows of other runs under this sweep's identity: the parts' metadata kept."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = f / "part-000002.parquet"
    table = pq.read_table(p)
    ids = pa.array([i + 1000 for i in table["run_id"].to_pylist()], pa.int64())
    pq.write_table(table.set_column(table.schema.get_field_index("run_id"), "run_id", ids), p)
    rehash(f)
    return "not the run of that id"


def _record_garbage(f):
    (f / "_experiment.yaml").write_text(": : :\n- [")
    return "not a readable sweep record"


def _precision_garbage(f):
    (f / "_precision.json").write_text(json.dumps({"replications": "many"}))
    return "_precision.json"


def _events_garbage(f):
    (f / "_events").mkdir(exist_ok=True)
    (f / "_events" / "part-000001.parquet").write_bytes(b"PAR1 not really")
    rehash(f)
    return "corrupt or truncated"


def _users_file(f):
    (f / "thesis.tex").write_text("\\documentclass{article}")
    return "thesis.tex"


def _part_removed(f):
    (f / "part-000002.parquet").unlink()
    return "missing"


def _checksums_damaged(f):
    (f / CHECKSUMS).write_text("not a checksum\n")
    return "damaged"


FAULTS = {
    "truncated part": _truncated,
    "bit-flipped part": _bit_flipped,
    "duplicated part": _duplicated,
    "foreign Parquet file": _foreign_parquet,
    "rows of other run ids": _other_run_ids,
    "record garbage": _record_garbage,
    "precision garbage": _precision_garbage,
    "events garbage": _events_garbage,
    "a user's file": _users_file,
    "part removed": _part_removed,
    "checksums damaged": _checksums_damaged,
}
#: Faults a resume repairs or never reads, so only the readers refuse them: a removed part
#: (its runs run again, as its refusal says) and the precision rule's record (rewritten).
READERS_ONLY = ("part removed", "precision garbage")
CASES = {}
for entry in ("sim.report", "sim.sweep", "open_sweep"):
    for fault, make in FAULTS.items():
        if entry != "sim.sweep" or fault not in READERS_ONLY:
            CASES[kind(entry, "out", f"sweep folder: {fault}", fault)] = (entry, make)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_folder_the_engine_refuses_is_refused_everywhere(case, made, sandbox, capsys):
    entry, make = CASES[case]
    out = sandbox.root / "sweep"
    shutil.copytree(made, out)
    fragment = make(out)
    if entry == "open_sweep":
        before = sandbox.snapshot()
        with pytest.raises(ValueError, match="out") as info:
            open_sweep(out)
        assert fragment in str(info.value) and "\n" not in str(info.value)
        assert sandbox.snapshot() == before
    elif entry == "sim.report":
        refused(report_main, [f"out={out}"], "out", capsys, sandbox, fragment)
    else:
        args = [a for a in SWEEP if not a.startswith("flush_rows")]
        refused(sweep_main, [*args, "events=true", f"out={out}"], "out", capsys, sandbox, fragment)


def test_the_same_line_from_the_engine_the_report_and_the_reader(made, sandbox, capsys):
    out = sandbox.root / "sweep"
    shutil.copytree(made, out)
    _bit_flipped(out)
    lines = []
    assert report_main([f"out={out}"]) == 2
    lines.append(capsys.readouterr().err.strip())
    assert sweep_main([*SWEEP, "events=true", f"out={out}"]) == 2
    lines.append(capsys.readouterr().err.strip())
    with pytest.raises(ValueError) as info:
        open_sweep(out)
    lines.append(f"error: {info.value}")
    assert len(set(lines)) == 1, lines


def test_a_removed_part_is_run_again_on_resume(made, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(made, out)
    _part_removed(out)
    assert sweep_main([*SWEEP, "events=true", f"out={out}"]) == 0
    again, first = open_sweep(out).rows, open_sweep(made).rows
    cols = [c for c in first.columns if c != "runtime_s"]
    pd.testing.assert_frame_equal(again[cols], first[cols])


@pytest.mark.slow
def test_no_flipped_bit_is_ever_read(made, tmp_path):
    """300 single bits flipped, one at a time, anywhere in a part: each one refused by name."""
    rng = random.Random(20261202)
    part = made / "part-000001.parquet"
    data = part.read_bytes()
    out = tmp_path / "sweep"
    shutil.copytree(made, out)
    for _ in range(300):
        flipped = bytearray(data)
        i = rng.randrange(len(data))
        flipped[i] ^= 1 << rng.randrange(8)
        (out / part.name).write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match="part-000001.parquet does not match its checksum"):
            open_sweep(out)
    (out / part.name).write_bytes(data)
    assert len(open_sweep(out).rows) == 4


# ---- a sweep's destination ---------------------------------------------------------------------
def test_a_sweep_into_a_users_folder_deletes_nothing_and_is_refused(sandbox, capsys):
    out = sandbox.root / "mine"
    out.mkdir()
    (out / ".part-notes.txt").write_text("notes")
    (out / "thesis.tex").write_text("\\documentclass{article}")
    refused(sweep_main, [*SWEEP, f"out={out}"], "out", capsys, sandbox, ".part-notes.txt")
    assert (out / ".part-notes.txt").read_text() == "notes"


def test_a_resume_that_switches_event_logs_on_is_refused(made, sandbox, capsys):
    out = sandbox.root / "sweep"
    shutil.copytree(made, out)
    argv = [*SWEEP[:-1], "events=false", f"out={out}"]
    refused(sweep_main, argv, "out", capsys, sandbox, "event logs")


def test_a_refused_resume_leaves_the_lock_file_untouched(made, sandbox, capsys):
    out = sandbox.root / "sweep"
    shutil.copytree(made, out)
    (out / ".lock").write_text("12345")
    argv = [*SWEEP, "events=true", "threat.cells=3", f"out={out}"]  # another sweep
    refused(sweep_main, argv, "out", capsys, sandbox, "different sweep")
    assert (out / ".lock").read_text() == "12345"


# ---- the report's destination ------------------------------------------------------------------
def _report_over_sweep(root, out):
    return out, "is the sweep folder or holds it"


def _report_above_sweep(root, out):
    return out.parent, "is the sweep folder or holds it"


def _report_inside_sweep(root, out):
    return out / "my_report", "lies inside the sweep folder"


def _report_into_users_folder(root, out):
    (root / "mydocs").mkdir()
    (root / "mydocs" / "paper.docx").write_text("the paper")
    return root / "mydocs", "paper.docx"


def _report_into_a_file(root, out):
    (root / "file.html").write_text("<p>mine</p>")
    return root / "file.html", "is a file"


def _report_into_another_report(root, out):
    (root / "old").mkdir()
    (root / "old" / "report.html").write_text("x")
    (root / "old" / "notes.txt").write_text("mine")
    return root / "old", "notes.txt"


DESTS = {
    kind("sim.report", "report", "report destination", "the sweep itself"): _report_over_sweep,
    kind("sim.report", "report", "report destination", "above the sweep"): _report_above_sweep,
    kind("sim.report", "report", "report inside", "inside the sweep"): _report_inside_sweep,
    kind("sim.report", "report", "report ownership", "a user's folder"): _report_into_users_folder,
    kind("sim.report", "report", "report ownership", "a file"): _report_into_a_file,
    kind("sim.report", "report", "report ownership", "a report with a user's file"): (
        _report_into_another_report
    ),
}


@pytest.mark.parametrize("case", sorted(DESTS))
def test_a_report_never_writes_over_what_is_not_a_report(case, made, sandbox, capsys):
    out = sandbox.root / "sweeps" / "sweep"
    shutil.copytree(made, out)
    dest, fragment = DESTS[case](sandbox.root, out)
    refused(report_main, [f"out={out}", f"report={dest}"], "report", capsys, sandbox, fragment)


def test_a_report_replaces_its_own_report_only(made, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(made, out)
    dest = tmp_path / "rep"
    assert report_main([f"out={out}", f"report={dest}"]) == 0
    first = (dest / "report.html").stat().st_mtime_ns
    assert report_main([f"out={out}", f"report={dest}"]) == 0  # its own: replaced
    assert (dest / "report.html").stat().st_mtime_ns != first
    assert (dest / ".corridor-sim").exists() and not list(tmp_path.glob(".rep.old-*"))


def test_an_earlier_report_folder_without_a_marker_is_recognised_by_its_layout(made, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(made, out)
    legacy = out / "_report"
    (legacy / "tables").mkdir(parents=True)
    (legacy / "report.html").write_text("<html>an earlier version's report</html>")
    (legacy / "tables" / "means_low.csv").write_text("a\n1\n")
    assert report_main([f"out={out}"]) == 0
    assert "earlier version" not in (legacy / "report.html").read_text()
