"""Every figure renders from real results (to PNG bytes) and shows what it is given."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from sim import plots, run, sweep
from sim.analysis import compare, pareto_front, summarize


@pytest.fixture(scope="module")
def results():
    return sweep(
        policies=["domestic_baseline", "joint_escort", "domestic_intel"],
        threats=["high"],
        replications=3,
        days=120,
        progress=False,
    )


def render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue()[:4] == b"\x89PNG"
    return buf.getvalue()


def test_network_map_marks_every_event():
    r = run(threat="high", seed=3, days=200)
    assert len(r.events) > 0
    from sim import build_model

    fig = plots.network_map(build_model(r.scenario), r.events)
    render(fig)
    ax = fig.axes[0]
    # interdictions carry their label; attacks are drawn unlabelled, one collection per
    # outcome and target kind, beside empty legend entries
    marked = sum(
        len(c.get_offsets())
        for c in ax.collections
        if not isinstance(c, LineCollection)
        and (c.get_label() == "cell interdicted" or c.get_label().startswith("_"))
    )
    assert marked == len(r.events)


def test_forest_draws_one_interval_per_policy(results):
    table = compare(results, outcomes=["foreign_killed", "mean_legitimacy"], n_resamples=999)
    fig = plots.forest(table)
    render(fig)
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "joint_escort",
        "domestic_intel",
    ]


def test_forest_is_a_grid_of_panels_with_its_title(results):
    outcomes = ["foreign_killed", "attacks_executed", "threat_exposure", "cost_usd"]
    table = compare(results, outcomes=outcomes, n_resamples=999)
    fig = plots.forest(table, columns=3, title="high threat, 120 days, 3 replications")
    render(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 6 and len(visible) == 4  # 2 rows of 3, the last two empty
    assert [ax.get_title() for ax in visible][0] == "foreign killed (persons)"
    assert fig.texts[0].get_text().startswith("high threat, 120 days, 3 replications")


def test_tradeoff_shows_intervals_on_both_axes_a_size_legend_and_three_prices(results):
    summary = summarize(results)
    front = pareto_front(results)
    fig = plots.tradeoff(summary, pareto=front.pareto, title="high threat")
    render(fig)
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "foreign security person days (person-days)",
        "cost usd (USD)",
        "mean legitimacy (1)",
    ]
    # each policy: one marker with its error bars, in every panel
    bars = [c for c in fig.axes[1].containers]
    assert len(bars) == len(summary)
    joint = bars[list(summary.index).index("joint_escort")]
    segs = [seg for coll in joint.lines[2] for seg in coll.get_segments()]
    row = summary.loc["joint_escort"]
    spans = sorted(tuple(np.round(np.ptp(seg, axis=0), 6)) for seg in segs)
    want = sorted(
        [
            (round(row.cost_usd_hi - row.cost_usd_lo, 6), 0.0),
            (0.0, round(row.foreign_killed_hi - row.foreign_killed_lo, 6)),
        ]
    )
    assert spans == want
    legend = fig.axes[0].get_legend()
    assert legend is not None and "marker size: cost usd" in legend.get_title().get_text()
    assert fig.legends and [t.get_text() for t in fig.legends[0].get_texts()] == list(summary.index)


def test_distributions_timeseries_and_sobol(results):
    render(plots.distributions(results, "foreign_killed"))
    r = run(days=30)
    fig = plots.timeseries({"a": r.timeseries, "b": r.timeseries})
    render(fig)
    assert len(fig.axes) == 3
    idx = pd.DataFrame(
        {"S1": [0.5, 0.1], "S1_conf": [0.1, 0.05], "ST": [0.6, 0.2], "ST_conf": [0.1, 0.1]},
        index=["ambush_rate", "backlash"],
    )
    fig = plots.sobol_bars(idx)
    render(fig)
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    np.testing.assert_allclose(widths, [0.1, 0.2, 0.5, 0.6])


def test_map_shows_sites_and_attacks_by_target_kind():
    from sim import build_model, load_scenario

    model = build_model(load_scenario(threat="high", days=365, seed=1)).run()
    ev = model.events
    attacks = ev[ev.event.isin(["attack", "foiled"])]
    assert set(attacks.target) == {"convoy", "site", "unescorted"}
    fig = plots.network_map(model, ev)
    ax = fig.axes[0]
    points = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert points["site (size: staff)"] == len(model.targets.sites) > 0
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"attack on a convoy", "attack on a site", "attack on an unescorted car"} <= legend
    # the attack marks (unlabelled, one collection per outcome and kind) are one per attack
    marks = sum(
        len(c.get_offsets())
        for c in ax.collections
        if not isinstance(c, LineCollection) and c.get_label().startswith("_")
    )
    assert marks == len(attacks)


def test_map_labels_do_not_overlap(monkeypatch):
    import itertools

    from sim import build_model
    from sim.analysis import labels
    from sim.analysis.labels import _overlap

    model = build_model(run(days=5).scenario)

    def overlaps(fig):
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
        assert len(boxes) == 25  # every node of the CPEC network is named
        return sum(_overlap(a, b) > 0 for a, b in itertools.combinations(boxes, 2))

    assert overlaps(plots.network_map(model)) == 0
    # the labels a fixed offset gives do overlap: the placement is what separates them
    monkeypatch.setattr(labels, "LABEL_SPOTS", labels.LABEL_SPOTS[:1])
    assert overlaps(plots.network_map(model)) > 3


def test_the_break_even_curve_marks_where_no_zero_is_and_which_way():
    """A line per joint policy and basis; rows without a zero sit on the bottom edge when the
    increment saves lives at every ratio, on the top edge when at none."""
    from pathlib import Path

    record = pd.read_csv(Path(__file__).resolve().parents[2] / "docs" / "conditions.csv")
    fig = plots.break_even_curve(record)
    ax = fig.axes[0]
    assert len(ax.containers) == record.groupby(["joint", "basis"]).ngroups
    curve = record[~record.at_defaults]
    none = curve[curve.break_even.isna()]
    everywhere = (
        (none.increment_at_lowest_ratio < 0) & (none.increment_at_highest_ratio < 0)
    ).sum()
    edges = [y for line in ax.lines if line.get_marker() in ("v", "^") for y in line.get_ydata()]
    assert sorted(edges) == sorted([0.2] * everywhere + [2.0] * (len(none) - everywhere))


def _overlaps(texts, renderer) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    return [
        (a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1 :] if ba.overlaps(bb)
    ]


def test_forest_tick_labels_never_overlap():
    """Legitimacy differences of a few hundredths, and costs in millions, in one figure."""
    cost = [4_725_187, 5_256_001, 9_900_070, 5_000_006, 1_778_106, 1_051_176, 5_255_963]
    legit = [-0.000099, -0.027720, -0.045101, -0.021244, 0.0000009, -0.0000012, -0.0000016]
    table = pd.DataFrame(
        {
            "outcome": ["cost_usd"] * 7 + ["mean_legitimacy"] * 7,
            "policy": [f"policy_{i}" for i in range(7)] * 2,
            "diff": cost + legit,
            "lo": [c - 3_000 for c in cost] + [v - 0.00005 for v in legit],
            "hi": [c + 3_000 for c in cost] + [v + 0.00005 for v in legit],
        }
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plots.forest(table, columns=2)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        assert _overlaps(ax.get_xticklabels(), renderer) == [], ax.get_title()


def test_map_labels_keep_off_the_other_nodes():
    """At Karachi four nodes sit within half a degree: no label covers another node's marker."""
    from matplotlib.transforms import Bbox

    from sim import build_model

    model = build_model(run(days=5).scenario)
    fig = plots.network_map(model)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    r = 1.0  # the node itself: a label never covers another node
    pos = {d.get("name", n): (d["x"], d["y"]) for n, d in model.net.G.nodes(data=True)}
    hits = []
    for t in ax.texts:
        box = t.get_window_extent(renderer)
        for name, xy in pos.items():
            if name == t.get_text():
                continue
            x, y = ax.transData.transform(xy)
            if box.overlaps(Bbox([[x - r, y - r], [x + r, y + r]])):
                hits.append((t.get_text(), name))
    assert hits == []


def test_figure_files_follow_the_one_style_setting(tmp_path, monkeypatch):
    """plots.FIGURE_STYLE: editable TrueType fonts in PDF, and the resolution of PNG files."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.axes[0].set_title("deaths")
    plots.save(fig, tmp_path / "f.pdf")
    pdf = (tmp_path / "f.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type1" not in pdf  # TrueType (42), not Type 3 glyphs
    plots.save(fig, tmp_path / "a.png")
    monkeypatch.setitem(plots.FIGURE_STYLE, "savefig.dpi", 300)
    plots.save(fig, tmp_path / "b.png")
    import struct

    def width(path):
        return struct.unpack(">I", path.read_bytes()[16:20])[0]

    assert width(tmp_path / "b.png") == pytest.approx(2 * width(tmp_path / "a.png"), rel=0.05)
