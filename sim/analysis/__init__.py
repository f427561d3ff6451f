"""Statistics on results: means, paired comparisons, formatting, sensitivity, discovery, plots.

Every function takes the tidy table that :func:`sim.sweep` returns (one row per run) and never
recomputes an outcome that :mod:`sim.model.outcomes` defines: ``statistics`` (means with
intervals, paired comparisons), ``formatting`` (numbers with the decimals their interval
supports), ``sensitivity`` (Sobol', Morris, break-even values), ``discovery`` (PRIM),
``tradeoffs`` (the Pareto set, regret), ``yearly`` (outcomes year by year), ``plots``.
"""

from sim.analysis.discovery import policy_wins, prim_boxes
from sim.analysis.formatting import (
    format_differences,
    format_estimate,
    format_number,
    format_p,
    format_summary,
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
    mean_interval,
    paired_differences,
    replications_needed,
    sign_flip,
    successful,
    summarize,
)
from sim.analysis.tradeoffs import TRADEOFF, pareto_front, regret_table
from sim.analysis.yearly import YEARLY, by_year

__all__ = [
    "COMPARED",
    "EVENT_UNITS",
    "INCREMENT_OUTCOMES",
    "MAIN_OUTCOMES",
    "TRADEOFF",
    "YEARLY",
    "AnalysisError",
    "break_even",
    "by_year",
    "check_results",
    "compare",
    "design_column",
    "design_problem",
    "foreign_increment",
    "format_differences",
    "format_estimate",
    "format_number",
    "format_p",
    "format_summary",
    "holm",
    "increment_pairs",
    "mean_interval",
    "morris_indices",
    "paired_differences",
    "pareto_front",
    "policy_wins",
    "prim_boxes",
    "regret_table",
    "replications_needed",
    "sign_flip",
    "sobol_indices",
    "successful",
    "summarize",
    "uncertainty_statement",
]
