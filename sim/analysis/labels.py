"""Labels on a map that keep off each other and off the other points (for :mod:`plots`)."""

from __future__ import annotations

__all__ = ["LABEL_SPOTS", "place_labels"]


#: Offsets (points) and alignments tried for a label, in order of preference.
LABEL_SPOTS = [
    ((4, 3), "left", "bottom"),
    ((4, -3), "left", "top"),
    ((-4, 3), "right", "bottom"),
    ((-4, -3), "right", "top"),
    ((0, 6), "center", "bottom"),
    ((0, -6), "center", "top"),
    ((8, 0), "left", "center"),
    ((-8, 0), "right", "center"),
    # farther out, with a leader line: for a label among many points (Karachi)
    ((14, 10), "left", "bottom"),
    ((14, -10), "left", "top"),
    ((-14, 10), "right", "bottom"),
    ((-14, -10), "right", "top"),
    ((22, 0), "left", "center"),
    ((-22, 0), "right", "center"),
    ((0, 18), "center", "bottom"),
    ((0, -18), "center", "top"),
    ((28, 16), "left", "bottom"),
    ((28, -16), "left", "top"),
    ((-28, 16), "right", "bottom"),
    ((-28, -16), "right", "top"),
    ((0, 30), "center", "bottom"),
    ((0, -30), "center", "top"),
]


def place_labels(ax, items, fontsize: float = 7, avoid=(), points=(), radius: float = 5) -> list:
    """Name points without overlapping labels or markers; returns the text artists.

    Each label takes the first of :data:`LABEL_SPOTS` around its point whose box overlaps no
    label placed before it, no marker of ``points`` (data coordinates, each a square of
    ``radius`` points around it) but its own, nor the artists in ``avoid`` (such as the
    legend); else the spot that overlaps least. A label set far from its point gets a leader
    line.
    """
    fig = ax.figure
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    from matplotlib.transforms import Bbox

    taken = [a.get_window_extent(renderer) for a in avoid if a is not None]
    r = radius * fig.dpi / 72
    markers = []
    for xy in points:
        x, y = ax.transData.transform(xy)
        markers.append((tuple(xy), Bbox([[x - r, y - r], [x + r, y + r]])))
    texts = []
    for label, xy in items:
        best, best_cost = None, None
        others = [b for p, b in markers if p != tuple(xy)]
        for offset, ha, va in LABEL_SPOTS:
            far = max(abs(offset[0]), abs(offset[1])) > 10
            t = ax.annotate(
                label, xy, xytext=offset, textcoords="offset points", fontsize=fontsize,
                ha=ha, va=va, zorder=4,
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#777"} if far else None,
            )  # fmt: skip
            box = t.get_window_extent(renderer).padded(1.5)
            cost = sum(_overlap(box, other) for other in [*taken, *others])
            if best is None or cost < best_cost:
                if best is not None:
                    best.remove()
                best, best_cost, best_box = t, cost, box
            else:
                t.remove()
            if cost == 0:
                break
        taken.append(best_box)
        texts.append(best)
    return texts


def _overlap(a, b) -> float:
    """Area shared by two display boxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)
