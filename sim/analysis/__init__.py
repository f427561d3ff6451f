"""Statistics on results: means, paired comparisons, formatting, sensitivity, discovery, plots.

Every function takes the tidy table that :func:`sim.sweep` returns (one row per run) and never
recomputes an outcome that :mod:`sim.model.outcomes` defines: ``statistics`` (means with
intervals, paired comparisons), ``formatting`` (numbers with the decimals their interval
supports, the printed cells of every table), ``units`` (totals per year or per run),
``sensitivity`` (Sobol', Morris, break-even values), ``discovery`` (PRIM), ``tradeoffs`` (the
Pareto set with practical margins, regret), ``yearly`` (outcomes year by year), ``plots``.
"""

from sim.analysis.discovery import policy_wins, prim_boxes
from sim.analysis.formatting import (
    comparison_cells,
    format_differences,
    format_estimate,
    format_number,
    format_p,
    format_relative,
    format_summary,
    summary_cells,
    uncertainty_statement,
)
from sim.analysis.increments import INCREMENT_OUTCOMES, foreign_increment, increment_pairs
from sim.analysis.sensitivity import (
    break_even,
    design_column,
    design_problem,
    morris_indices,
    sobol_indices,
)
from sim.analysis.statistics import (
    COMPARED,
    EVENT_UNITS,
    MAIN_OUTCOMES,
    AnalysisError,
    check_results,
    compare,
    holm,
    in_run_order,
    mean_interval,
    paired_differences,
    ratio_interval,
    replications_needed,
    sign_flip,
    successful,
    summarize,
)
from sim.analysis.tradeoffs import TRADEOFF, pareto_front, regret_table
from sim.analysis.units import UNITS, in_units, per_text
from sim.analysis.yearly import YEARLY, by_year

__all__ = [
    "COMPARED",
    "EVENT_UNITS",
    "INCREMENT_OUTCOMES",
    "MAIN_OUTCOMES",
    "TRADEOFF",
    "UNITS",
    "YEARLY",
    "AnalysisError",
    "break_even",
    "by_year",
    "check_results",
    "compare",
    "comparison_cells",
    "design_column",
    "design_problem",
    "foreign_increment",
    "format_differences",
    "format_estimate",
    "format_number",
    "format_p",
    "format_relative",
    "format_summary",
    "holm",
    "in_run_order",
    "in_units",
    "increment_pairs",
    "mean_interval",
    "morris_indices",
    "paired_differences",
    "pareto_front",
    "per_text",
    "policy_wins",
    "prim_boxes",
    "ratio_interval",
    "regret_table",
    "replications_needed",
    "sign_flip",
    "sobol_indices",
    "successful",
    "summarize",
    "summary_cells",
    "uncertainty_statement",
]
