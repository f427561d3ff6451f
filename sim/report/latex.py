r"""Tables for papers: the report's printed cells as LaTeX that compiles as written.

Every table the report shows is also written as ``tables/NAME.tex``: the same cells as the HTML
(formatted "est [lo, hi]", never raw floats), its caption and column names escaped, rules from
``booktabs``. A table needs, in the document's preamble::

    \usepackage{booktabs}   % \toprule, \midrule, \bottomrule
    \usepackage{graphicx}   % \resizebox, for tables wider than the text

(:data:`PACKAGES`). The full-precision numbers are in ``tables/NAME.csv``.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["PACKAGES", "escape", "latex_table", "standalone"]

#: The packages every table needs.
PACKAGES = ("booktabs", "graphicx")

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\u2212": "-",
    "\u2013": "--",
    "\u2014": "---",
    "\u00d7": r"$\times$",
    "\u2264": r"$\leq$",
    "\u2265": r"$\geq$",
    "\u00b1": r"$\pm$",
    "\u2192": r"$\rightarrow$",
    "\u2019": "'",
    "\u00a0": "~",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in _SPECIAL))


def escape(text) -> str:
    """``text`` with every character LaTeX treats specially escaped.

    A few Unicode symbols are spelled for pdflatex; any other non-ASCII character is refused
    by the structural check of the tests, not silently dropped.
    """
    return _PATTERN.sub(lambda m: _SPECIAL[m.group(0)], str(text))


def _numeric(values: pd.Series) -> bool:
    text = values.astype(str)
    number = r"[+\-]?[\d,.]+(%| \[[^\]]*\])?|n/a|< 0\.0001|[+\-]?inf"
    return bool(len(text)) and bool(text.str.fullmatch(number).all())


def latex_table(frame: pd.DataFrame, caption: str, label: str) -> str:
    """``frame`` (the printed cells) as a ``table`` float with a booktabs ``tabular``.

    Text columns are left-aligned, columns of numbers right-aligned; a table of more than six
    columns is scaled to the text width.
    """
    spec = "".join("r" if _numeric(frame[c]) else "l" for c in frame.columns)
    head = " & ".join(escape(c) for c in frame.columns) + r" \\"
    body = [" & ".join(escape(v) for v in row) + r" \\" for row in frame.itertuples(index=False)]
    tabular = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", head, r"\midrule", *body,
               r"\bottomrule", r"\end{tabular}"]  # fmt: skip
    if len(frame.columns) > 6:
        tabular = [r"\resizebox{\textwidth}{!}{%", *tabular, "}"]
    lines = [
        "% Needs " + ", ".join(rf"\usepackage{{{p}}}" for p in PACKAGES),
        r"\begin{table}[htbp]",
        r"\centering",
        r"\small",
        rf"\caption{{{escape(caption)}}}",
        rf"\label{{tab:{re.sub(r'[^A-Za-z0-9:-]', '-', label)}}}",
        *tabular,
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def standalone(tables: list[str]) -> str:
    """A whole LaTeX document holding ``tables`` (what the tests compile with pdflatex)."""
    packages = "\n".join(rf"\usepackage{{{p}}}" for p in PACKAGES)
    body = "\n\\clearpage\n".join(tables)
    return (
        "\\documentclass{article}\n"
        "\\usepackage[T1]{fontenc}\n"
        f"{packages}\n"
        "\\begin{document}\n"
        f"{body}\n"
        "\\end{document}\n"
    )
