"""Figures for results: each function returns a :class:`matplotlib.figure.Figure`.

Functions draw what :mod:`sim.analysis` and :mod:`sim.model.outcomes` compute; none recomputes a
metric. They use matplotlib's object interface only (no global state), so they work in scripts,
notebooks and the browser view alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.curves import break_even_curve
from sim.analysis.labels import place_labels
from sim.model.outcomes import OUTCOMES

__all__ = [
    "FIGURE_STYLE",
    "break_even_curve",
    "distributions",
    "forest",
    "network_map",
    "save",
    "sobol_bars",
    "timeseries",
    "tradeoff",
]

EVENT_STYLE = {  # event kind -> (colour, label)
    "lethal": ("#c0392b", "attack, foreign deaths"),
    "attack": ("#e67e22", "attack, no foreign deaths"),
    "foiled": ("#2e86c1", "foiled"),
    "interdiction": ("#27ae60", "cell interdicted"),
    "insider": ("#8e44ad", "insider attack"),
}
#: Marker of an attack by its target kind.
TARGET_MARKER = {
    "convoy": ("o", "on a convoy"),
    "unescorted": ("p", "on an unescorted car"),
    "site": ("*", "on a site"),
}


#: The one style setting of every figure file the tool writes (the demo's ``figures/``, a
#: report's ``figures/``, :func:`save`): matplotlib rc parameters applied while a figure is
#: saved. Fonts are embedded as TrueType (42) in PDF and kept as text in SVG, so a journal's
#: editor can change them; margins are trimmed to the drawing. Change it before saving, e.g.
#: ``plots.FIGURE_STYLE["savefig.dpi"] = 300``.
FIGURE_STYLE = {
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}


def save(fig: Figure, path, dpi: int | None = None) -> None:
    """Write ``fig`` to ``path`` (its format from the suffix) atomically: whole or absent.

    Saved under :data:`FIGURE_STYLE` (``dpi``, when given, overrides its resolution).
    """
    import os
    import tempfile
    from pathlib import Path

    import matplotlib

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        with matplotlib.rc_context(FIGURE_STYLE):
            fig.savefig(tmp, **({"dpi": dpi} if dpi else {}))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plain_ticks(ax, axis: str = "x") -> None:
    """Large values as grouped whole numbers (56,210; 9,900,000), not an offset like 1e7."""
    from matplotlib.ticker import FuncFormatter

    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    if max(abs(lo), abs(hi)) >= 1e4:
        target = ax.xaxis if axis == "x" else ax.yaxis
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if axis == "x":
            ax.tick_params(axis="x", labelrotation=20)


def _label(outcome: str) -> str:
    o = OUTCOMES.get(outcome)
    return f"{outcome.replace('_', ' ')} ({o.unit})" if o else outcome.replace("_", " ")


#: How each kind of node is drawn: (marker, colour).
NODE_STYLE = {
    "project_site": ("s", "#8e44ad"),
    "port": ("D", "#16a085"),
    "airport": ("^", "#2c3e50"),
    "city": ("o", "#34495e"),
    "border": ("P", "#7f8c8d"),
    "junction": (".", "#95a5a6"),
}


def network_map(
    graph,
    events: pd.DataFrame | None = None,
    ax=None,
    labels: bool = True,
    title: str | None = None,
) -> Figure:
    """The road network on its coordinates, with events marked and sized by casualties.

    ``graph`` is a networkx road graph, a :class:`sim.model.network.RoadNetwork` or a model (whose
    sites are then drawn, sized by their staff). Attacks are sized by foreign killed + injured,
    coloured by outcome and shaped by target kind (convoy, unescorted car, site).
    """
    G = getattr(getattr(graph, "net", graph), "G", graph)
    if ax is None:
        fig = Figure(figsize=(7, 7))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    pos = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
    _draw_roads_and_nodes(ax, G, pos)
    sites = getattr(getattr(graph, "targets", None), "sites", None)
    if sites:
        ax.scatter(
            [pos[site.node][0] for site in sites],
            [pos[site.node][1] for site in sites],
            s=[60 + 25 * site.staff for site in sites],
            facecolors="none",
            edgecolors="#8e44ad",
            marker="s",
            linewidths=1.0,
            zorder=2,
            label="site (size: staff)",
        )
    if events is not None and len(events):
        _draw_events(ax, events)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (lon)")
    ax.set_ylabel("y (lat)")
    legend = ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.set_title(title or f"Road network ({G.number_of_nodes()} nodes)")
    if labels and G.number_of_nodes() <= 40:
        named = [
            (str(d.get("name", n)), pos[n])
            for n, d in G.nodes(data=True)
            if d.get("kind") != "junction"
        ]
        place_labels(ax, named, avoid=[legend], points=list(pos.values()))
    return fig


def _draw_roads_and_nodes(ax, G, pos: dict) -> None:
    segments = [(pos[u], pos[v]) for u, v in G.edges()]
    widths = [
        {"motorway": 2.2, "highway": 1.5}.get(d.get("road"), 1.0) for _, _, d in G.edges(data=True)
    ]
    ax.add_collection(LineCollection(segments, colors="#7f8c8d", linewidths=widths, zorder=1))
    ax.autoscale_view()
    for kind, (marker, colour) in NODE_STYLE.items():
        nodes = [n for n, k in G.nodes(data="kind") if k == kind]
        if nodes:
            xs, ys = zip(*(pos[n] for n in nodes), strict=True)
            ax.scatter(
                xs,
                ys,
                marker=marker,
                s=28 if kind != "junction" else 8,
                c=colour,
                zorder=3,
                label=kind.replace("_", " "),
            )


def _draw_events(ax, events: pd.DataFrame) -> None:
    """Attacks coloured by outcome, shaped by target, sized by the foreign hurt; cells rolled up."""
    ev = events
    kind = ev["event"].astype(str).to_numpy(copy=True)
    lethal = (ev["event"] == "attack").to_numpy(bool) & (ev["foreign_killed"] > 0).to_numpy(bool)
    kind[lethal] = "lethal"
    hurt = (ev["foreign_killed"] + ev["foreign_injured"]).to_numpy(float)
    target = (
        ev["target"].astype(object).fillna("").to_numpy(str)
        if "target" in ev
        else np.full(len(ev), "convoy")
    )
    for k, (colour, label) in EVENT_STYLE.items():
        m = kind == k
        if not m.any():
            continue
        xs, ys = ev["lon"].to_numpy(float)[m], ev["lat"].to_numpy(float)[m]
        if k == "interdiction":  # where a cell was rolled up: small crosses
            ax.scatter(xs, ys, s=18, c=colour, marker="x", alpha=0.7, zorder=5, label=label)
            continue
        ax.scatter([], [], s=40, c=colour, edgecolors="k", linewidths=0.4, label=label)
        for t, (marker, _) in TARGET_MARKER.items():
            mt = target[m] == t
            if mt.any():
                ax.scatter(
                    xs[mt],
                    ys[mt],
                    s=(30 + 25 * hurt[m][mt]) * (2.0 if marker == "*" else 1.0),
                    c=colour,
                    marker=marker,
                    alpha=0.6,
                    edgecolors="k",
                    linewidths=0.4,
                    zorder=5,
                )
    for t, (marker, label) in TARGET_MARKER.items():
        if (target[np.isin(kind, ["attack", "foiled", "lethal"])] == t).any():
            ax.scatter(
                [], [], s=40, c="#bbbbbb", marker=marker, edgecolors="k", linewidths=0.4,
                label=f"attack {label}",
            )  # fmt: skip


def distributions(
    results: pd.DataFrame, outcome: str = "foreign_killed", by: str = "policy"
) -> Figure:
    """Distribution of an outcome over runs, one box (with the runs as points) per group."""
    ok = results[results.status == "ok"] if "status" in results else results
    groups = list(pd.unique(ok[by]))
    data = [ok.loc[ok[by] == g, outcome].to_numpy(float) for g in groups]
    fig = Figure(figsize=(8, 0.5 * len(groups) + 1.5))
    ax = fig.add_subplot()
    ax.boxplot(data, orientation="horizontal", tick_labels=groups, showfliers=False, widths=0.6)
    rng = np.random.default_rng(0)  # jitter for display only
    for i, d in enumerate(data, start=1):
        ax.scatter(d, i + rng.uniform(-0.18, 0.18, len(d)), s=8, alpha=0.5, c="#4c72b0")
    ax.invert_yaxis()
    ax.set_xlabel(_label(outcome))
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def forest(
    comparison: pd.DataFrame, outcomes=None, columns: int = 3, title: str | None = None
) -> Figure:
    """Forest plot of paired differences from the baseline with their intervals.

    ``comparison`` is the table of :func:`sim.analysis.compare`; one panel per outcome, in a
    grid of ``columns`` panels a row, so many outcomes stay readable. ``title`` (for instance
    the threat level, horizon and replications) goes above the method's legend.
    """
    outcomes = list(outcomes or pd.unique(comparison.outcome))
    cols = max(1, min(columns, len(outcomes)))
    rows = -(-len(outcomes) // cols)
    height = 0.42 * comparison.policy.nunique() + 1.3
    fig = Figure(figsize=(4.4 * cols, height * rows + 0.8))
    grid = fig.subplots(rows, cols, squeeze=False)
    for ax in grid.flat[len(outcomes) :]:
        ax.set_visible(False)
    for k, (ax, outcome) in enumerate(zip(grid.flat, outcomes, strict=False)):
        t = comparison[comparison.outcome == outcome]
        y = np.arange(len(t))
        better = OUTCOMES[outcome].better if outcome in OUTCOMES else "lower"
        sign = -1 if better == "lower" else 1
        colours = [
            "#27ae60"
            if sign * lo > 0 and sign * hi > 0
            else "#c0392b"
            if sign * lo < 0 and sign * hi < 0
            else "#7f8c8d"
            for lo, hi in zip(t.lo, t.hi, strict=True)
        ]
        ends = np.concatenate([t["lo"], t["hi"], t["diff"]]).astype(float)
        finite = ends[np.isfinite(ends)]
        span = (finite.max() - finite.min()) if len(finite) else 1.0
        edge = (finite.min() - span, finite.max() + span) if len(finite) else (-1.0, 1.0)
        for yi, d, lo, hi, c in zip(y, t["diff"], t["lo"], t["hi"], colours, strict=True):
            # an unbounded interval (too few pairs to reject anything) runs off the panel
            lo_, hi_ = (lo if np.isfinite(lo) else edge[0]), (hi if np.isfinite(hi) else edge[1])
            ax.errorbar(
                [d], [yi], xerr=[[d - lo_], [hi_ - d]], fmt="o", color=c, elinewidth=2, capsize=3
            )
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, t.policy if k % cols == 0 else [""] * len(t))
        ax.invert_yaxis()
        ax.set_title(_label(outcome), fontsize=9)
        ax.set_xlabel("difference from the baseline", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        # few ticks, so long labels (-0.0277, 9,900,000) never run into each other
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
        ax.tick_params(axis="x", labelsize=7)
        _plain_ticks(ax)
    base = comparison.attrs.get("baseline", "the baseline")
    legend = (
        f"Paired differences from {base} (95% permutation-test intervals; "
        "green: better, red: worse, grey: cannot tell)"
    )
    fig.suptitle(f"{title}\n{legend}" if title else legend, fontsize=10)
    fig.tight_layout()
    return fig


#: Panels of :func:`tradeoff`: foreign deaths against each price of protection.
PRICES = ("foreign_security_person_days", "cost_usd", "mean_legitimacy")


def tradeoff(
    summary: pd.DataFrame,
    y: str = "foreign_killed",
    prices=PRICES,
    pareto=None,
    title: str | None = None,
    size: str = "cost_usd",
) -> Figure:
    """Foreign deaths against each price of protection, means with 95% intervals on both axes.

    ``summary`` is the table of :func:`sim.analysis.summarize` (one row per policy) with the
    outcomes ``y`` and ``prices``; ``pareto`` (policy -> bool, from
    :func:`sim.analysis.pareto_front`) marks the Pareto-efficient policies in green. One panel
    per price: the sovereignty footprint (foreign security person-days), the cost and the
    legitimacy of the state. In the first panel the marker's area also shows ``size`` (the
    cost), with a legend of sizes.
    """
    prices = [p for p in prices if p in summary]
    fig = Figure(figsize=(4.6 * len(prices), 4.4))
    axes = fig.subplots(1, len(prices), sharey=True, squeeze=False)[0]
    efficient = pd.Series(pareto if pareto is not None else True, index=summary.index)
    markers = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">"]
    sized = size in summary and len(prices) > 0 and prices[0] != size
    lo_size, hi_size = (summary[size].min(), summary[size].max()) if sized else (0.0, 0.0)

    def marker_size(value: float) -> float:  # marker diameter (points) from area
        share = (value - lo_size) / (hi_size - lo_size) if hi_size > lo_size else 0.5
        return float(np.sqrt(40 + 360 * share))

    for i, (ax, x) in enumerate(zip(axes, prices, strict=True)):
        for k, (name, row) in enumerate(summary.iterrows()):
            colour = "#27ae60" if bool(efficient.get(name, True)) else "#7f8c8d"
            ms = marker_size(row[size]) if sized and i == 0 else 8
            ax.errorbar(
                row[x],
                row[y],
                xerr=[[row[x] - row[f"{x}_lo"]], [row[f"{x}_hi"] - row[x]]],
                yerr=[[row[y] - row[f"{y}_lo"]], [row[f"{y}_hi"] - row[y]]],
                fmt=markers[k % len(markers)],
                color=colour,
                mec="k",
                ms=ms,
                capsize=3,
                label=str(name) if i == len(prices) - 1 else None,
            )
        ax.set_xlabel(_label(x))
        ax.grid(alpha=0.3)
        _plain_ticks(ax)
    if sized:
        from matplotlib.lines import Line2D

        refs = np.unique(np.round(np.linspace(lo_size, hi_size, 3), -3))
        handles = [
            Line2D([], [], ls="", marker="o", mfc="none", mec="k", ms=marker_size(v)) for v in refs
        ]
        axes[0].legend(
            handles,
            [f"{v:,.0f}" for v in refs],
            title=f"marker size: {_label(size)}",
            fontsize=7,
            title_fontsize=7,
            labelspacing=1.2,
            loc="best",
        )
    axes[0].set_ylabel(_label(y))
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=8)
    heading = "Foreign deaths against the price of protection (means, 95% intervals; "
    heading += "green: Pareto-efficient on deaths, footprint and cost)"
    fig.suptitle(f"{title}\n{heading}" if title else heading, fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def timeseries(
    series: pd.DataFrame | dict, columns=("mean_legitimacy", "cells_active", "foreign_killed")
) -> Figure:
    """Daily time series (one DataFrame, or ``{label: DataFrame}`` to overlay several runs)."""
    series = series if isinstance(series, dict) else {"": series}
    fig = Figure(figsize=(10, 2.6 * len(columns)))
    axes = fig.subplots(len(columns), 1, sharex=True, squeeze=False)[:, 0]
    for ax, col in zip(axes, columns, strict=True):
        for label, ts in series.items():
            ax.plot(ts["day"], ts[col], lw=1.4, label=label or None)
        ax.set_ylabel(col.replace("_", " "))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("day")
    if len(series) > 1:
        axes[0].legend(fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def sobol_bars(indices: pd.DataFrame, title: str = "Sobol' indices") -> Figure:
    """First-order and total Sobol' indices with their confidence half-widths."""
    fig = Figure(figsize=(7, 0.5 * len(indices) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(indices))
    ax.barh(
        y - 0.2,
        indices["S1"],
        0.4,
        xerr=indices["S1_conf"],
        label="first order (S1)",
        color="#4c72b0",
        capsize=2,
    )
    ax.barh(
        y + 0.2,
        indices["ST"],
        0.4,
        xerr=indices["ST_conf"],
        label="total (ST)",
        color="#dd8452",
        capsize=2,
    )
    ax.set_yticks(y, indices.index)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.6)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
