"""Figures for results: each function returns a :class:`matplotlib.figure.Figure`.

Functions draw what :mod:`sim.analysis` and :mod:`sim.outcomes` compute; none recomputes a
metric. They use matplotlib's object interface only (no global state), so they work in scripts,
notebooks and the browser view alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.outcomes import OUTCOMES

__all__ = ["distributions", "forest", "network_map", "sobol_bars", "timeseries", "tradeoff"]

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


def _label(outcome: str) -> str:
    o = OUTCOMES.get(outcome)
    return f"{outcome.replace('_', ' ')} ({o.unit})" if o else outcome.replace("_", " ")


def network_map(
    graph,
    events: pd.DataFrame | None = None,
    ax=None,
    labels: bool = True,
    title: str | None = None,
) -> Figure:
    """The road network on its coordinates, with events marked and sized by casualties.

    ``graph`` is a networkx road graph, a :class:`sim.network.RoadNetwork` or a model (whose
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
    segments = [(pos[u], pos[v]) for u, v in G.edges()]
    widths = [
        {"motorway": 2.2, "highway": 1.5}.get(d.get("road"), 1.0) for _, _, d in G.edges(data=True)
    ]
    ax.add_collection(LineCollection(segments, colors="#7f8c8d", linewidths=widths, zorder=1))
    ax.autoscale_view()
    kinds = {
        "project_site": ("s", "#8e44ad"),
        "port": ("D", "#16a085"),
        "airport": ("^", "#2c3e50"),
        "city": ("o", "#34495e"),
        "border": ("P", "#7f8c8d"),
        "junction": (".", "#95a5a6"),
    }
    for kind, (marker, colour) in kinds.items():
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
    if labels and G.number_of_nodes() <= 40:
        for n, d in G.nodes(data=True):
            if d.get("kind") != "junction":
                ax.annotate(
                    str(d.get("name", n)),
                    pos[n],
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                    zorder=4,
                )
    if events is not None and len(events):
        ev = events.copy()
        kind = ev["event"].astype(str).to_numpy(copy=True)
        lethal = (ev["event"] == "attack").to_numpy(bool) & (ev["foreign_killed"] > 0).to_numpy(
            bool
        )
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
                    [],
                    [],
                    s=40,
                    c="#bbbbbb",
                    marker=marker,
                    edgecolors="k",
                    linewidths=0.4,
                    label=f"attack {label}",
                )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (lon)")
    ax.set_ylabel("y (lat)")
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.set_title(title or f"Road network ({G.number_of_nodes()} nodes)")
    return fig


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


def forest(comparison: pd.DataFrame, outcomes=None) -> Figure:
    """Forest plot of paired differences from the baseline with their intervals.

    ``comparison`` is the table of :func:`sim.analysis.compare`; one panel per outcome.
    """
    outcomes = list(outcomes or pd.unique(comparison.outcome))
    fig = Figure(figsize=(4.2 * len(outcomes), 0.45 * comparison.policy.nunique() + 1.8))
    axes = fig.subplots(1, len(outcomes), squeeze=False)[0]
    for ax, outcome in zip(axes, outcomes, strict=True):
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
        ax.set_yticks(y, t.policy)
        ax.invert_yaxis()
        ax.set_xlabel(f"difference in {_label(outcome)}")
        ax.grid(axis="x", alpha=0.3)
    base = comparison.attrs.get("baseline", "the baseline")
    fig.suptitle(
        f"Paired differences from {base} "
        "(95% permutation-test intervals; green: better, red: worse)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def tradeoff(
    front: pd.DataFrame,
    x: str = "foreign_security_person_days",
    y: str = "foreign_killed",
    size: str | None = "cost_usd",
) -> Figure:
    """Policies on two objectives (a third as marker size); Pareto-efficient ones highlighted.

    ``front`` is the table of :func:`sim.analysis.pareto_front`.
    """
    fig = Figure(figsize=(7, 5))
    ax = fig.add_subplot()
    s = 60.0
    if size is not None and size in front:
        s = 60 + 400 * (front[size] - front[size].min()) / max(np.ptp(front[size]), 1e-9)
    colours = np.where(
        front.get("pareto", pd.Series(True, index=front.index)), "#27ae60", "#95a5a6"
    )
    ax.scatter(front[x], front[y], s=s, c=colours, edgecolors="k", alpha=0.85, zorder=3)
    for name, row in front.iterrows():
        ax.annotate(
            str(name), (row[x], row[y]), fontsize=8, xytext=(6, 4), textcoords="offset points"
        )
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    title = "Trade-off: green = Pareto-efficient"
    if size is not None:
        title += f"; size = {size.replace('_', ' ')}"
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
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
