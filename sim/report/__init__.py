"""``python -m sim.report out=DIR``: a sweep folder as one self-contained HTML report.

The report answers "joint or domestic protection, under each threat, at what price" from the
runs stored in ``DIR`` (a folder written by :func:`sim.sweep`, ``python -m sim.sweep`` or
``make demo``). It writes ``DIR/_report/report.html`` (figures embedded as PNG data, tables
rendered with pandas' Styler) and every table as CSV and LaTeX under ``DIR/_report/tables/``
(the leading underscore keeps ``pandas.read_parquet(DIR)`` reading the runs alone):

1. the question and the scenario set (policies, threat levels, horizon, replications, seeds,
   parameter uncertainty, the precision rule's outcome when replications were chosen by it);
2. per threat level: the policies' means, the paired comparison with the baseline and its
   forest plot;
3. differences year by year (runs longer than a year with event logs);
4. the trade-off of foreign deaths against the footprint, cost and legitimacy, with intervals;
5. regret across threat levels (and design points);
6. the validation of the calibrated model against the record (``docs/validation.md``);
7. the assumptions that decide the answer: break-even prices always (the cost and the foreign
   security presence per foreign death averted); break-even values, sensitivity indices and
   PRIM boxes where the sweep has a design over them; the answer under the adaptive and the
   static adversary where the sweep has both;
8. a conclusion generated from the numbers, with their uncertainty;
9. how to reproduce it: command, experiment, seed, version, code hash.

Exit status: 0 written, 2 bad input (one line on stderr; nothing written).
"""

import importlib

#: The package's names and the modules that define them, imported on first use (so that
#: ``python -m sim.report`` refuses a bad setting before importing the analysis).
_LAZY = {
    "SETTINGS": "sim.report.command",
    "build": "sim.report.command",
    "main": "sim.report.command",
    "BASELINE": "sim.report.inputs",
    "SUMMARY": "sim.report.inputs",
    "ReportError": "sim.report.inputs",
    "Sweep": "sim.report.inputs",
    "load": "sim.report.inputs",
    "record_command": "sim.report.inputs",
    "conclusions": "sim.report.narrative",
    "forces": "sim.report.narrative",
    "adversary_split": "sim.report.numbers",
    "break_even_prices": "sim.report.numbers",
    "design_factors": "sim.report.numbers",
    "design_sensitivity": "sim.report.numbers",
    "validation_table": "sim.report.numbers",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
