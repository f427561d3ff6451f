"""The conditions study's figure: the break-even foreign effect ratio along backlash."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["CURVE_COLOURS", "break_even_curve"]


#: Colours of the conditions study's lines, one per joint policy and basis.
CURVE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def break_even_curve(
    record: pd.DataFrame, title: str | None = None, bounds: tuple[float, float] = (0.2, 2.0)
) -> Figure:
    """The break-even foreign effect ratio against backlash, with 95% intervals.

    ``record`` is the conditions study's table (``docs/conditions.csv``): one line per joint
    policy and basis; above a line the foreign increment lowers foreign deaths. Where the fit
    has no zero inside the explored ratios (``bounds``), an open triangle sits on the edge: at
    the bottom pointing down when the increment lowers deaths at every ratio explored, at the
    top pointing up when it lowers them at none.
    """
    curve = record[~record.at_defaults.astype(bool)]
    fig = Figure(figsize=(6.6, 5.2))
    ax = fig.subplots()
    lo_r, hi_r = bounds
    for k, ((joint, basis), g) in enumerate(curve.groupby(["joint", "basis"], sort=False)):
        g = g.sort_values("backlash")
        x = g.backlash.to_numpy(float) + 0.0002 * (k - 1.5)  # side by side, not on top
        y = g.break_even.to_numpy(float)
        err = np.vstack([y - g.lo.to_numpy(float), g.hi.to_numpy(float) - y])
        colour = CURVE_COLOURS[k % len(CURVE_COLOURS)]
        ax.errorbar(x, y, yerr=np.where(np.isfinite(err), err, 0.0), marker="o", color=colour,
                    capsize=3, label=f"{joint}, equal {basis}")  # fmt: skip
        none = ~np.isfinite(y)
        if "increment_at_highest_ratio" in g:
            saves = (g.increment_at_highest_ratio.to_numpy(float) < 0) & (
                g.increment_at_lowest_ratio.to_numpy(float) < 0
            )
            for mask, edge, marker in ((none & saves, lo_r, "v"), (none & ~saves, hi_r, "^")):
                ax.plot(x[mask], np.full(mask.sum(), edge), marker, mfc="none", mec=colour,
                        ms=9, clip_on=False)  # fmt: skip
    ax.set_xlabel("backlash (legitimacy lost a day per 100 visible foreign personnel)")
    ax.set_ylabel("foreign effect ratio at break-even")
    ax.set_ylim(lo_r, hi_r)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
              title="above a line the foreign increment saves lives", title_fontsize=8)  # fmt: skip
    ax.text(
        0.99, 0.02, "open \u25bd: saves lives at every ratio explored\nopen \u25b3: at none",
        transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
    )  # fmt: skip
    ax.set_title(title or "where the foreign increment changes sign", fontsize=10)
    fig.tight_layout()
    return fig
