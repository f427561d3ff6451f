"""The report's HTML: headings, paragraphs, figures and tables.

Figures are embedded as PNG and written as PNG and PDF files; each table is also written as
CSV with full precision and as LaTeX with the printed cells.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pandas as pd

__all__ = ["CSS", "Writer", "png"]


# ---- rendering ---------------------------------------------------------------------------------
def png(fig) -> str:
    """A figure as an HTML image with its PNG data embedded."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


#: The file formats every named figure is written in, beside the report.
FIGURE_FORMATS = ("png", "pdf")


class Writer:
    """Collects the HTML body; writes each table as CSV and LaTeX, each figure as PNG and PDF."""

    def __init__(self, tables_dir: Path, figures_dir: Path | None = None):
        self.parts: list[str] = []
        self.tables_dir = tables_dir
        self.figures_dir = figures_dir
        self.tables: list[str] = []
        self.figures = 0

    def page(self) -> str:
        """The whole HTML page: the parts collected so far, with the style sheet."""
        body = "\n".join(self.parts)
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>Joint or domestic security: report</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
        )

    def h(self, level: int, text: str) -> None:
        """A heading (its text escaped), with an anchor."""
        anchor = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        self.parts.append(f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>')

    def p(self, text: str, cls: str | None = None) -> None:
        """A paragraph (its text escaped)."""
        klass = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{klass}>{html.escape(text)}</p>")

    def figure(self, fig, caption: str, name: str | None = None) -> None:
        """A figure with its caption (escaped).

        A ``name``d one is also written to ``figures/NAME.png`` and ``.pdf``
        (:data:`FIGURE_FORMATS`) for a paper.
        """
        self.figures += 1
        self.parts.append(
            f"<figure>{png(fig)}<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
        if name and self.figures_dir is not None:
            from sim.analysis.plots import save

            self.figures_dir.mkdir(exist_ok=True)
            for fmt in FIGURE_FORMATS:
                save(fig, self.figures_dir / f"{name}.{fmt}")

    def table(self, name: str, frame: pd.DataFrame, caption: str, raw: pd.DataFrame) -> None:
        """A table: ``frame`` the printed cells (HTML, LaTeX), ``raw`` the numbers (CSV)."""
        from sim.report.latex import latex_table

        raw.to_csv(self.tables_dir / f"{name}.csv", index=False)
        (self.tables_dir / f"{name}.tex").write_text(latex_table(frame, caption, name))
        styled = (
            frame.style.format(escape="html")
            .hide(axis="index")
            .set_caption(html.escape(caption))
            .set_table_attributes(f'class="table" data-table="{name}"')
        )
        self.parts.append(styled.to_html())
        self.tables.append(name)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table.table{border-collapse:collapse;margin:1em 0;font-size:.85em}
table.table td,table.table th{border:1px solid #ddd;padding:.25em .5em;text-align:right}
table.table td:first-child,table.table th:first-child{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
figure{margin:1em 0}figure img{max-width:100%}figcaption{font-size:.85em;color:#555}
.conclusion{background:#f4f8fb;border-left:4px solid #2e86c1;padding:.6em 1em}
code,pre{background:#f6f6f6;padding:.1em .3em}pre{padding:.6em;overflow-x:auto}
.note{color:#555;font-size:.9em}
"""
