"""The report's sections, in order: from the question to how to reproduce it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import (
    COMPARED,
    compare,
    comparison_cells,
    format_differences,
    format_estimate,
    summarize,
    summary_cells,
)
from sim.report.frame import Frame
from sim.report.increments import write_increments
from sim.report.inputs import BASELINE, SUMMARY, Sweep, baseline_first
from sim.report.methods import methods_paragraph, write_reproduce
from sim.report.narrative import conclusions
from sim.report.numbers import (
    adversary_split,
    break_even_prices,
    comparison,
    design_factors,
    design_sensitivity,
    unit_of,
    validation_table,
)
from sim.report.tradeoffs import write_regret, write_tradeoffs
from sim.report.writer import Writer

__all__ = ["Frame", "write_sections"]


def write_sections(w: Writer, sweep: Sweep, search=None) -> None:
    """Every section of the report, in order (see the module's docstring).

    ``search``: a lever search's folder (``python -m sim.optimize``), reported after the
    trade-offs.
    """
    f = Frame.of(sweep)
    w.h(1, "Protecting foreign nationals on the corridor: joint or domestic security?")
    _question(w)
    _scenario_set(w, f)
    comparisons = {threat: _under_threat(w, f, threat) for threat in sweep.threats}
    write_increments(w, f.ok, sweep.threats, f.per, f.units)
    w.h(2, "Differences year by year")
    _year_by_year(w, sweep, f.ok)
    write_tradeoffs(w, f)
    write_regret(w, f)
    if search is not None:
        from sim.report.search import write_search

        write_search(w, search)
    _validation(w)
    w.h(2, "The assumptions that decide the answer")
    _assumptions(w, sweep, f.ok, f.per, comparisons)
    w.h(2, "Conclusion")
    for text in conclusions(sweep, comparisons):
        w.p(text, "conclusion")
    w.h(2, "How to reproduce")
    write_reproduce(w, sweep)
    w.h(2, "Methods")
    w.p(methods_paragraph(sweep, f), "methods")


def _question(w: Writer) -> None:
    w.h(2, "The question")
    w.p(
        "How do the security policies compare in protecting foreign nationals (Chinese "
        "nationals in the CPEC case) who travel and work on the road network, under each "
        "threat level, and at what price: money, the footprint of foreign security forces "
        "on the host's soil (foreign security person-days) and the legitimacy of the state? "
        f"Every policy is compared with {BASELINE} (host-nation forces alone) on paired "
        "replications: replication i of every policy shares its random numbers, so the "
        "differences are paired (common random numbers). A joint policy against "
        f"{BASELINE} is a bundle of foreign and host levers; what the foreign component "
        "itself adds is the joint policy against its host-only twin."
    )


def _scenario_set(w: Writer, f: Frame) -> None:
    sweep, ok = f.sweep, f.ok
    exp = sweep.experiment
    w.h(2, "The scenario set")
    posterior = sweep.posterior_sets
    failed = len(sweep.results) - len(ok)
    items = {
        "policies": ", ".join(pd.unique(ok.policy)),
        "threat levels": ", ".join(sweep.threats),
        "horizon": f"{f.horizon} ({sweep.days} days) per run",
        "paired replications": str(f.replications),
        "runs": f"{len(ok):,} successful"
        + (f", {failed} failed (left out with their pairs)" if failed else ""),
        "parameter uncertainty": f"{posterior} parameter sets drawn from the calibrated "
        "posterior, one per replication, shared by every policy"
        if posterior
        else "none (calibrated point values only)",
        "experiment seed": str(exp.get("seed", "")),
        "design": _design_text(exp.get("design", {})),
        "overrides": ", ".join(exp.get("overrides", [])) or "none",
    }
    scen = pd.DataFrame({"item": list(items), "value": list(items.values())})
    w.table("scenario_set", scen, "Scenario set", scen)
    if sweep.precision is not None:
        w.p(conclusions(sweep, {})[-1], "note")


def _under_threat(w: Writer, f: Frame, threat: str) -> pd.DataFrame:
    """The means, the paired comparison and its forest plot under one threat level."""
    from sim.analysis import plots

    title = f.title(threat)
    w.h(2, f"Under the {threat} threat")
    summary = baseline_first(f.units(summarize(f.ok[f.ok.threat == threat], outcomes=SUMMARY)))
    cells = summary_cells(summary, SUMMARY)
    shown = pd.DataFrame(
        {
            "policy": summary.index,
            **{f"{o} ({unit_of(o)})": cells[o].to_numpy() for o in SUMMARY},
        }
    )
    w.table(
        f"means_{threat}",
        shown,
        f"Means {f.per} with 95% intervals, {title} (count-model intervals for "
        "non-negative outcomes)",
        summary.reset_index(),
    )
    table = comparison(f.sweep, threat)
    w.table(
        f"comparison_{threat}",
        comparison_cells(table),
        f"Paired differences from {BASELINE} ({f.per}), {title}: sign-flip permutation test "
        "and the interval that inverts it (it excludes 0 exactly when p <= 0.05); Holm "
        "adjusts across policies",
        table.drop(columns=["method"]),
    )
    w.figure(
        plots.forest(table, list(COMPARED), columns=3, title=title),
        f"Paired differences from {BASELINE} under the {threat} threat ({f.per}).",
        f"paired_differences_{threat}",
    )
    return table


def _validation(w: Writer) -> None:
    w.h(2, "Validation against the record")
    try:
        valid, heading = validation_table()
        w.table(
            "validation",
            valid,
            f"Posterior predictive checks of the calibrated model ({heading}; held-out "
            "statistics were not used by the calibration)",
            valid,
        )
    except (OSError, StopIteration, ValueError):
        w.p("docs/validation.md was not found: run python -m sim.validate.", "note")


def _design_text(design: dict) -> str:
    kind = design.get("kind", "factorial")
    if kind == "factorial":
        factors = design.get("factors", {})
        return "factorial: " + (
            "; ".join(f"{k} in {v}" for k, v in factors.items()) if factors else "none"
        )
    if kind == "points":
        return f"{len(design.get('points', []))} given points"
    ranges = design.get("ranges", {})
    return f"{kind}, {design.get('samples')} samples over " + ", ".join(ranges)


def _year_by_year(w: Writer, sweep: Sweep, ok: pd.DataFrame) -> None:
    from sim.analysis import by_year

    if sweep.days <= 365:
        w.p(
            f"Each run covers one year ({sweep.days} days): there is no year-by-year "
            "difference to show. Runs of several years (days=1825) with event logs "
            "(events=true) add this section.",
            "note",
        )
        return
    if sweep.events is None:
        w.p(
            "The sweep kept no event logs: rerun it with events=true for the year-by-year "
            "differences.",
            "note",
        )
        return
    yearly = by_year(sweep.events, sweep.days, runs=ok.run_id)
    merged = ok[["run_id", "replication", "point", "policy", "threat"]].merge(yearly, on="run_id")
    rows = []
    for (threat, year), g in merged.groupby(["threat", "year"]):
        table = compare(g, baseline=BASELINE, outcomes=["foreign_killed"], n_resamples=1999)
        for _, r in table.iterrows():
            rows.append(
                {
                    "threat": threat,
                    "year": int(year),
                    "policy": r.policy,
                    **r[["diff", "lo", "hi", "p_value"]].to_dict(),
                }
            )
    raw = pd.DataFrame(rows)
    shown = raw.assign(**{"difference [95% CI]": format_differences(raw)})[
        ["threat", "year", "policy", "difference [95% CI]"]
    ]
    w.table(
        "foreign_killed_by_year",
        shown,
        f"Paired differences in foreign deaths from {BASELINE}, year by year",
        raw,
    )


#: How a price column is named in the tables.
PRICE_LABELS = {
    "cost_usd": "cost (USD) per death averted",
    "foreign_security_person_days": "foreign security person-days per death averted",
}


def break_even_cells(prices: pd.DataFrame) -> pd.DataFrame:
    """The printed break-even table.

    Deaths averted with the comparison's interval, and a price only where deaths averted are
    clearly above 0 ("averts none" or "costs lives" otherwise).
    """

    def price(status, v, lo, hi):
        if status != "averts deaths":
            return status
        text = format_estimate(v, lo, hi)
        return text.replace("inf]", "unbounded]").replace("[-inf", "[unbounded")

    return pd.DataFrame(
        {
            "threat": prices.threat.to_numpy(),
            "policy": prices.policy.to_numpy(),
            "deaths averted [95% CI]": [
                format_estimate(v, lo, hi, sign=True)
                for v, lo, hi in zip(
                    prices.deaths_averted,
                    prices.deaths_averted_lo,
                    prices.deaths_averted_hi,
                    strict=True,
                )
            ],
            **{
                label: [
                    price(st, v, lo, hi)
                    for st, v, lo, hi in zip(
                        prices.status,
                        prices[f"{c}_per_death_averted"],
                        prices[f"{c}_per_death_averted_lo"],
                        prices[f"{c}_per_death_averted_hi"],
                        strict=True,
                    )
                ]
                for c, label in PRICE_LABELS.items()
            },
        }
    )


def _assumptions(w: Writer, sweep: Sweep, ok: pd.DataFrame, per: str, comparisons: dict) -> None:
    prices = break_even_prices(sweep, comparisons)
    w.table(
        "break_even_prices",
        break_even_cells(prices),
        f"Break-even prices: foreign deaths averted {per} against {BASELINE} (the comparison's "
        "95% interval), and the extra cost (USD) and foreign security person-days per foreign "
        "death averted, with the 95% interval that inverts the same sign-flip test (Fieller "
        "1954), stated only where deaths averted are clearly above 0. A policy pays for itself "
        "when a foreign life is valued above its cost per death averted.",
        prices,
    )
    w.p(
        "Assumptions the record cannot pin down and that can decide the answer: how effective "
        "foreign forces are against an attack, as a ratio to a host guard "
        "(foreign_effect_ratio), how fast the population turns "
        "against foreign presence (backlash), how much intelligence interdicts and detects "
        "(intel_interdiction, intel_detection), and whether the adversary adapts to "
        "protection (belief_rate). This sweep's runs hold them at their stated values"
        + (
            " and draws the calibrated ones from the posterior"
            if sweep.experiment.get("posterior")
            else ""
        )
        + "; experiment=robustness varies them together (notebook 03), and its report adds "
        "their break-even values, sensitivity and PRIM boxes.",
        "note",
    )
    factors = design_factors(sweep)
    if factors:
        _design_assumptions(w, sweep, ok, factors)
    split = adversary_split(sweep)
    if split is not None:
        shown = split.assign(**{"difference [95% CI]": format_differences(split)})[
            ["threat", "adversary", "policy", "difference [95% CI]"]
        ]
        w.table(
            "adversary",
            shown,
            "Foreign deaths against the baseline under the adaptive adversary (it learns where "
            "protection is thin) and the static one (belief_rate 0)",
            split.drop(columns=["method"]),
        )


def _design_assumptions(w: Writer, sweep: Sweep, ok: pd.DataFrame, factors: list[str]) -> None:
    """What the design over the uncertainties says: break-even values, sensitivity, PRIM."""
    policies = [p for p in pd.unique(ok.policy) if p != BASELINE]
    _break_even_values(w, ok, factors, policies)
    sens = design_sensitivity(ok, factors, policies)
    if len(sens):
        shown = sens[["policy", "parameter"]].assign(
            **{
                "rank correlation [95% CI]": [
                    format_estimate(r, lo, hi, sign=True)
                    for r, lo, hi in zip(sens.rho, sens.lo, sens.hi, strict=True)
                ],
                "pairs": sens.n,
            }
        )
        w.table(
            "sensitivity",
            shown,
            "Sensitivity: Spearman rank correlation of each design parameter with the paired "
            f"difference in foreign deaths (policy - {BASELINE}); negative: the policy gains "
            "as the parameter grows (interval of Bonett and Wright 2000)",
            sens,
        )
    _indices(w, sweep, ok)
    _prim(w, ok, factors, policies)


def _break_even_values(w: Writer, ok: pd.DataFrame, factors: list[str], policies: list) -> None:
    from sim.analysis import break_even

    rows = []
    for policy in policies:
        for factor in factors:
            try:
                s = break_even(ok, factor, policy, baseline=BASELINE, n_boot=500)
            except (ValueError, np.linalg.LinAlgError):
                continue
            rows.append({"policy": policy, "parameter": factor, **s.to_dict()})
    if not rows:
        return
    raw = pd.DataFrame(rows)
    shown = raw[["policy", "parameter", "verdict"]].assign(
        **{
            "tie at [95% CI]": [
                format_estimate(v, lo, hi) if np.isfinite(v) else "-"
                for v, lo, hi in zip(raw.value, raw.lo, raw.hi, strict=True)
            ],
            "explored": [
                f"{a:g} to {b:g}" for a, b in zip(raw.range_lo, raw.range_hi, strict=True)
            ],
        }
    )
    w.table(
        "break_even_design",
        shown,
        f"Break-even values of the design's parameters: where each policy ties with "
        f"{BASELINE} on foreign deaths (bootstrap over design points)",
        raw,
    )


def _indices(w: Writer, sweep: Sweep, ok: pd.DataFrame) -> None:
    """Sobol' or Morris indices, where the design is one of those."""
    design = sweep.experiment.get("design", {})
    if design.get("kind") not in ("sobol", "morris"):
        return
    from sim.analysis import morris_indices, sobol_indices

    try:
        if design["kind"] == "sobol":
            idx = sobol_indices(ok, design, "foreign_killed", policy=BASELINE)
        else:
            seed = sweep.experiment.get("seed", 0)
            idx = morris_indices(ok, design, seed, "foreign_killed", BASELINE)
    except (ValueError, KeyError) as exc:
        w.p(f"{design['kind']} indices could not be computed: {exc}", "note")
        return
    idx = idx.reset_index()
    w.table(
        f"{design['kind']}_indices",
        idx.round(4),
        f"{design['kind'].capitalize()} indices of foreign deaths under {BASELINE}",
        idx,
    )


def _prim(w: Writer, ok: pd.DataFrame, factors: list[str], policies: list) -> None:
    from sim.analysis import policy_wins, prim_boxes

    boxes = []
    for policy in policies:
        x, y = policy_wins(ok, policy, BASELINE, "foreign_killed", factors)
        if 0 < y.sum() < len(y):
            b = prim_boxes(x, y)
            if len(b):
                boxes.append(b.assign(policy=policy, tied_pairs_left_out=x.attrs["ties"]))
    if boxes:
        raw = pd.concat(boxes, ignore_index=True)
        w.table(
            "prim_boxes",
            raw.round(4),
            f"Where each policy loses fewer foreign nationals than {BASELINE}: PRIM boxes "
            "(Friedman and Fisher 1999) over the design's parameters; pairs with the same "
            "deaths under both are ties, left out (not counted as losses)",
            raw,
        )
