"""The report's section on a lever search (``python -m sim.report out=SWEEP search=FOLDER``).

The tables are the search's own (:mod:`sim.search.outputs`): the same cells as its Markdown
section and notebook 06.
"""

from __future__ import annotations

from sim.report.writer import Writer

__all__ = ["write_search"]


def write_search(w: Writer, folder) -> None:
    """The lever search of ``folder``: settings, and per threat its figure and three tables."""
    import matplotlib.pyplot as plt

    from sim.search.outputs import (
        GAP_CAPTION,
        front_figure,
        front_table,
        gap_table,
        load_search,
        named_table,
        section,
    )

    search = load_search(folder)
    w.h(2, "The lever search: robust fronts, host-only and joint")
    w.p(section(search).split("\n\n")[1], "methods")
    for threat in search.record["settings"]["threats"]:
        fig = front_figure(search, threat)
        w.figure(
            fig,
            f"Re-evaluated fronts under the {threat} threat, and the named policies on the same "
            "fresh seeds (90th percentile across scenarios)",
            f"search_front_{threat}",
        )
        plt.close(fig)
        table = front_table(search, threat)
        w.table(f"search_front_{threat}", table, f"Front members, {threat} threat", table)
        named = named_table(search, threat)
        w.table(f"search_named_{threat}", named, f"Named policies, {threat} threat", named)
        gaps = gap_table(search, threat)
        if len(gaps):
            w.table(f"search_gap_{threat}", gaps, GAP_CAPTION, gaps)
