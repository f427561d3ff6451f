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

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scenarios.schema import ScenarioError
from sim.analysis import (
    COMPARED,
    compare,
    format_differences,
    format_estimate,
    format_number,
    format_p,
    paired_differences,
    pareto_front,
    regret_table,
    summarize,
)
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.files.ownership import (
    check_folder,
    check_writable,
    make_folder,
    remove_created,
    replace_folder,
)
from sim.model.outcomes import OUTCOMES

__all__ = ["ReportError", "build", "conclusions", "main"]

ROOT = Path(__file__).resolve().parents[2]
BASELINE = "domestic_baseline"
#: Outcomes of the summary tables.
SUMMARY = ("foreign_killed", *COMPARED[1:])
#: Least differing pairs for a difference to count as measured (sim.sweeps.precision's rule).
FEW_PAIRS = 10


class ReportError(ScenarioError):
    """Invalid report input (a folder that is not a sweep, a sweep without a baseline)."""


# ---- inputs -----------------------------------------------------------------------------------
@dataclass
class Sweep:
    """What a sweep folder holds: the counted rows, the record, and what was written beside them.

    Read through :func:`sim.sweeps.reader.open_sweep`, with the engine's checks; every label
    (horizon, threat levels, posterior sets) comes from the rows.
    """

    folder: Path
    results: pd.DataFrame
    meta: dict
    precision: dict | None = None
    events: pd.DataFrame | None = None
    command: str | None = None
    threats: list[str] = field(default_factory=list)
    days: int = 365
    posterior_sets: int = 0

    @property
    def experiment(self) -> dict:
        """The experiment that made the rows."""
        return self.meta.get("experiment", {})


def load(folder: str | Path) -> Sweep:
    """Read a sweep folder (:func:`sim.sweeps.reader.open_sweep`); raises naming what is wrong."""
    from sim.sweeps.reader import open_sweep

    sf = open_sweep(folder)
    results = sf.rows
    ok = results[results.status == "ok"] if "status" in results else results
    if ok.empty:
        raise ReportError("out", f"{str(sf.path)!r} holds no successful run")
    if BASELINE not in set(ok.policy):
        raise ReportError(
            "out",
            f"the sweep in {str(sf.path)!r} has no {BASELINE} runs to compare with; "
            f"its policies: {', '.join(pd.unique(ok.policy))}",
        )
    if ok.policy.nunique() < 2:
        raise ReportError("out", "the sweep has one policy; a report compares policies")
    return Sweep(
        sf.path,
        results,
        sf.record,
        sf.precision,
        sf.events(),
        sf.command,
        sf.threats,
        sf.days,
        sf.posterior_sets,
    )


def record_command(folder: str | Path, argv: list[str]) -> None:
    """Write the command that made a sweep into ``folder/_command.txt`` (read by the report)."""
    import shlex

    from sim.files.ownership import write_text_file

    text = " ".join(shlex.quote(a) for a in argv) + "\n"
    write_text_file(Path(folder) / "_command.txt", text)


# ---- numbers ------------------------------------------------------------------------------------
def _unit(outcome: str) -> str:
    return OUTCOMES[outcome].unit if outcome in OUTCOMES else ""


def _per(days: int) -> str:
    return "a year" if days == 365 else f"per {days} days"


def _comparison(sweep: Sweep, threat: str) -> pd.DataFrame:
    rows = sweep.results[sweep.results.threat == threat]
    # pairs are (replication, design point): with a design, the comparison averages over it
    table = compare(rows, baseline=BASELINE, outcomes=COMPARED)
    table.attrs["baseline"] = BASELINE
    return table


def _pairs_differing(sweep: Sweep, threat: str, policy: str, outcome: str) -> int:
    rows = sweep.results[sweep.results.threat == threat]
    return int(np.count_nonzero(paired_differences(rows, policy, BASELINE, outcome)["diff"]))


def _ratio_interval(
    num: np.ndarray, den: np.ndarray, level: float = 0.95, n_boot: int = 4000, seed: int = 0
) -> tuple[float, float, float]:
    """``mean(num) / mean(den)`` and its paired bootstrap percentile interval.

    Efron and Tibshirani (1993, ch. 13); NaN ends when the denominator's resamples reach 0.
    """
    n = len(num)
    value = float(num.mean() / den.mean()) if den.mean() != 0 else np.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    d = den[idx].mean(axis=1)
    if np.any(d <= 0) if den.mean() > 0 else np.any(d >= 0):
        return value, np.nan, np.nan
    r = num[idx].mean(axis=1) / d
    a = (1 - level) / 2
    lo, hi = np.quantile(r, [a, 1 - a])
    return value, float(lo), float(hi)


def break_even_prices(sweep: Sweep) -> pd.DataFrame:
    """Per threat level and policy: the price of a foreign death averted, with intervals.

    The extra cost and foreign security person-days per foreign death averted against the
    baseline, with paired bootstrap intervals.

    These are the break-even values of the assumption every reader brings: a policy is worth
    its price when a foreign life is valued above its cost per death averted (and when the
    foreign presence per death averted is acceptable). Undefined where the policy does not
    clearly avert deaths (the interval of deaths averted reaches 0 or below).
    """
    rows = []
    for threat in sweep.threats:
        at = sweep.results[sweep.results.threat == threat]
        for policy in [p for p in pd.unique(at.policy) if p != BASELINE]:
            saved = -paired_differences(at, policy, BASELINE, "foreign_killed")["diff"].to_numpy(
                float
            )
            row = {"threat": threat, "policy": policy, "deaths_averted": float(saved.mean())}
            for name in ("cost_usd", "foreign_security_person_days"):
                extra = paired_differences(at, policy, BASELINE, name)["diff"].to_numpy(float)
                value, lo, hi = _ratio_interval(extra, saved)
                row[f"{name}_per_death_averted"] = value
                row[f"{name}_per_death_averted_lo"] = lo
                row[f"{name}_per_death_averted_hi"] = hi
            rows.append(row)
    return pd.DataFrame(rows)


def adversary_split(sweep: Sweep) -> pd.DataFrame | None:
    """The comparison under the adaptive and the static adversary, where the sweep has both.

    The static adversary keeps its beliefs fixed (``belief_rate`` 0); the adaptive one learns.
    """
    r = sweep.results
    if "belief_rate" not in r or not ((r.belief_rate == 0).any() and (r.belief_rate > 0).any()):
        return None
    r = r.assign(adversary=np.where(r.belief_rate > 0, "adaptive", "static"))
    table = compare(r, baseline=BASELINE, outcomes=["foreign_killed"], by=["threat", "adversary"])
    table.attrs["baseline"] = BASELINE
    return table


def design_factors(sweep: Sweep) -> list[str]:
    """The design's parameters with a column in the results (threat.x -> x)."""
    from sim.analysis import design_column

    design = sweep.experiment.get("design", {})
    keys = list(design.get("factors", {})) + list(design.get("ranges", {}))
    keys += sorted({k for p in design.get("points", []) for k in p})
    out = []
    for key in keys:
        col = design_column(key)
        if key not in ("threat", "network") and col in sweep.results and col not in out:
            if sweep.results[col].nunique() > 2:
                out.append(col)
    return out


def design_sensitivity(ok: pd.DataFrame, factors: list[str], policies: list[str]) -> pd.DataFrame:
    """Per policy and design parameter: how the paired difference in deaths follows it.

    Spearman's rank correlation of the parameter with the paired difference in foreign deaths
    (policy - baseline), with the 95% interval of Bonett and Wright (2000):
    ``tanh(atanh(rho) +- 1.96 sqrt((1 + rho^2 / 2) / (n - 3)))``.
    """
    from scipy import stats

    rows = []
    keys = ["replication", "point"]
    for policy in policies:
        pairs = paired_differences(ok, policy, BASELINE, "foreign_killed")
        settings = ok[ok.policy == policy].set_index(keys)[factors]
        x = settings.loc[pd.MultiIndex.from_frame(pairs[keys])].reset_index(drop=True)
        d = pairs["diff"].to_numpy(float)
        n = len(d)
        for factor in factors:
            if n < 5 or np.ptp(d) == 0 or x[factor].nunique() < 3:
                continue
            rho = float(stats.spearmanr(x[factor], d).statistic)
            half = 1.96 * np.sqrt((1 + rho**2 / 2) / (n - 3))
            z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
            lo, hi = float(np.tanh(z - half)), float(np.tanh(z + half))
            rows.append(
                {"policy": policy, "parameter": factor, "rho": rho, "lo": lo, "hi": hi, "n": n}
            )
    return pd.DataFrame(rows)


def validation_table(path: Path = ROOT / "docs" / "validation.md") -> tuple[pd.DataFrame, str]:
    """The posterior predictive checks of the calibrated model, and their document's heading.

    Read from ``docs/validation.md``, which ``python -m sim.validate`` writes.
    """
    text = path.read_text()
    heading = text.splitlines()[0].lstrip("# ").strip()
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| statistic | observed"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows, fitted_from = [], None
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break  # the table ends at its first line that is not a row
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0].startswith("*"):
            fitted_from = len(rows)  # the "fitted statistics" separator row
            continue
        rows.append(cells)
    table = pd.DataFrame(rows, columns=header)
    held = len(rows) if fitted_from is None else fitted_from
    table.insert(1, "role", ["held out"] * held + ["fitted"] * (len(rows) - held))
    return table, heading


# ---- conclusion ---------------------------------------------------------------------------------
def _verdict(row, outcome: str) -> str:
    better = OUTCOMES[outcome].better
    if not (np.isfinite(row.lo) and np.isfinite(row.hi)):
        return "cannot tell"
    if row.lo > 0 or row.hi < 0:
        lower = row.hi < 0
        good = lower if better == "lower" else not lower
        return "better" if good else "worse"
    return "cannot tell"


def conclusions(sweep: Sweep, comparisons: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-language conclusions, one paragraph per threat level, generated from the numbers.

    Each names the policies that change foreign deaths against the baseline with intervals
    that exclude 0, those that cannot be told apart from it, and the price of the best one in
    cost, foreign security presence and legitimacy, each with its interval.
    """
    per = _per(sweep.days)
    out = []
    for threat, table in comparisons.items():
        deaths = table[table.outcome == "foreign_killed"].set_index("policy")
        if deaths.empty:
            continue
        base_mean = float(deaths.baseline_mean.iloc[0])
        fewer = [p for p, r in deaths.iterrows() if _verdict(r, "foreign_killed") == "better"]
        more = [p for p, r in deaths.iterrows() if _verdict(r, "foreign_killed") == "worse"]
        unclear = [p for p in deaths.index if p not in fewer and p not in more]
        n = int(deaths.n.min())
        text = (
            f"Under the {threat} threat ({n} paired replications), {BASELINE} loses "
            f"{format_number(base_mean, 2)} foreign nationals {per}. "
        )
        if fewer:
            best = deaths.loc[fewer].sort_values("diff").index[0]
            r = deaths.loc[best]
            text += (
                f"{_list(fewer)} {'lose' if len(fewer) > 1 else 'loses'} fewer, with 95% "
                f"intervals that exclude no change; the largest reduction is {best}'s, "
                f"{format_estimate(r['diff'], r.lo, r.hi, sign=True)} deaths {per} "
                f"(p = {format_p(r.p_value)}, Holm-adjusted {format_p(r.p_holm)}). "
            )
            price = table[(table.policy == best) & (table.outcome != "foreign_killed")]
            parts = []
            for outcome in ("cost_usd", "foreign_security_person_days", "mean_legitimacy"):
                row = price[price.outcome == outcome]
                if len(row):
                    row = row.iloc[0]
                    parts.append(
                        f"{outcome.replace('_', ' ')} "
                        f"{format_estimate(row['diff'], row.lo, row.hi, sign=True)}"
                    )
            text += f"Its price against {BASELINE}: " + "; ".join(parts) + ". "
        else:
            text += "No policy clearly loses fewer foreign nationals than it. "
        if more:
            text += f"{_list(more)} clearly {'lose' if len(more) > 1 else 'loses'} more. "
        if unclear:
            text += (
                f"{_list(unclear)} cannot be told apart from {BASELINE} on foreign deaths at "
                "this precision (the interval includes no change); read that as 'not shown', "
                "not as 'no effect'. "
            )
        few = [
            p
            for p in deaths.index
            if _pairs_differing(sweep, threat, p, "foreign_killed") < FEW_PAIRS
        ]
        if few:
            text += (
                f"Foreign deaths differed in fewer than {FEW_PAIRS} paired replications for "
                f"{_list(few)}: these intervals rest on very few events. "
            )
        text += _joint_vs_domestic(sweep, threat, deaths, per)
        out.append(text.strip())
    if sweep.precision is not None:
        p = sweep.precision
        targets = ", ".join(f"{k} +/- {v:g}" for k, v in p["rule"]["targets"].items())
        out.append(
            f"Replications were chosen by precision (targets: {targets}, 95% half-widths of "
            f"every paired difference): {p['replications']} paired replications; "
            + ("" if p["reached"] else "NOT every target reached: ")
            + f"{p['stopped']}."
        )
    return out


def forces(sweep: Sweep) -> dict[str, str]:
    """Policy -> its force ("domestic" or "joint"), from the sweep's composed scenarios."""
    out = {}
    for item in sweep.meta.get("base_scenarios", []):
        policy = item.get("scenario", {}).get("policy", {})
        if "name" in policy:
            out[policy["name"]] = policy.get("force", "domestic")
    return out


def _joint_vs_domestic(sweep: Sweep, threat: str, deaths: pd.DataFrame, per: str) -> str:
    """The best joint policy against the best host-only one on foreign deaths, paired."""
    force = forces(sweep)
    joint = [p for p in deaths.index if force.get(p) == "joint"]
    domestic = [p for p in deaths.index if force.get(p) == "domestic"] + [BASELINE]
    if not joint:
        return ""
    best_joint = deaths.loc[joint].sort_values("diff").index[0]
    best_dom = min(domestic, key=lambda p: deaths.loc[p, "diff"] if p in deaths.index else 0.0)
    if best_dom == BASELINE:
        r = deaths.loc[best_joint]
    else:
        rows = sweep.results[sweep.results.threat == threat]
        t = compare(
            rows[rows.policy.isin([best_joint, best_dom])],
            baseline=best_dom,
            outcomes=["foreign_killed"],
        )
        r = t.iloc[0]
    verdict = _verdict(r, "foreign_killed")
    said = {
        "better": "loses fewer foreign nationals than",
        "worse": "loses more foreign nationals than",
        "cannot tell": "cannot be told apart on foreign deaths from",
    }[verdict]
    return (
        f"Joint against domestic: the best joint policy, {best_joint}, {said} the best "
        f"host-only one, {best_dom} (paired difference "
        f"{format_estimate(r['diff'], r.lo, r.hi, sign=True)} deaths {per}). "
    )


def _list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---- rendering ---------------------------------------------------------------------------------
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


class _Writer:
    """Collects the HTML body and writes each table as CSV and LaTeX."""

    def __init__(self, tables_dir: Path):
        self.parts: list[str] = []
        self.tables_dir = tables_dir
        self.tables: list[str] = []
        self.figures = 0

    def h(self, level: int, text: str) -> None:
        anchor = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        self.parts.append(f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>')

    def p(self, text: str, cls: str | None = None) -> None:
        klass = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{klass}>{html.escape(text)}</p>")

    def figure(self, fig, caption: str) -> None:
        self.figures += 1
        self.parts.append(
            f"<figure>{_png(fig)}<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def table(self, name: str, frame: pd.DataFrame, caption: str, raw: pd.DataFrame) -> None:
        """``frame``: the formatted table shown; ``raw``: the numbers written to CSV/LaTeX."""
        raw.to_csv(self.tables_dir / f"{name}.csv", index=False)
        latex = raw.copy()
        latex.columns = [str(c).replace("_", " ") for c in latex.columns]
        latex.style.hide(axis="index").format(precision=4, escape="latex").to_latex(
            self.tables_dir / f"{name}.tex", caption=caption, hrules=True
        )
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


def build(folder: str | Path, dest: str | Path | None = None) -> Path:
    """Write the report of the sweep in ``folder``; returns the HTML file's path.

    Everything is written into a temporary folder first and moved into place at the end, so a
    failure leaves no partial report.
    """
    sweep = load(folder)
    dest = _destination(sweep.folder, dest)
    from sim.analysis import plots

    try:
        created = make_folder(dest.parent)
    except OSError as exc:
        raise ReportError(
            "report", f"cannot create {str(dest.parent)!r} ({exc.strerror or exc})"
        ) from None
    try:
        work = Path(tempfile.mkdtemp(prefix=".report-", dir=dest.parent))
    except OSError as exc:
        remove_created(created)
        raise ReportError(
            "report", f"cannot write into {str(dest.parent)!r} ({exc.strerror or exc})"
        ) from None
    try:
        (work / "tables").mkdir()
        w = _Writer(work / "tables")
        exp = sweep.experiment
        ok = sweep.results[sweep.results.status == "ok"]
        n_reps = int(ok.replication.nunique())
        per = _per(sweep.days)
        horizon = f"{sweep.days} days" if sweep.days % 365 else f"{sweep.days // 365} year(s)"

        w.h(1, "Protecting foreign nationals on the corridor: joint or domestic security?")
        w.h(2, "The question")
        w.p(
            "How do the security policies compare in protecting foreign nationals (Chinese "
            "nationals in the CPEC case) who travel and work on the road network, under each "
            "threat level, and at what price: money, the footprint of foreign security forces "
            "on the host's soil (foreign security person-days) and the legitimacy of the state? "
            f"Every policy is compared with {BASELINE} (host-nation forces alone) on paired "
            "replications: replication i of every policy shares its random numbers, so the "
            "differences are paired (common random numbers)."
        )
        w.h(2, "The scenario set")
        posterior = sweep.posterior_sets
        scen = pd.DataFrame(
            {
                "item": [
                    "policies",
                    "threat levels",
                    "horizon",
                    "paired replications",
                    "runs",
                    "parameter uncertainty",
                    "experiment seed",
                    "design",
                    "overrides",
                ],
                "value": [
                    ", ".join(pd.unique(ok.policy)),
                    ", ".join(sweep.threats),
                    f"{horizon} ({sweep.days} days) per run",
                    str(n_reps),
                    f"{len(ok):,} successful"
                    + (
                        f", {len(sweep.results) - len(ok)} failed (left out with their pairs)"
                        if len(sweep.results) > len(ok)
                        else ""
                    ),
                    f"{posterior} parameter sets drawn from the calibrated posterior, one per "
                    "replication, shared by every policy"
                    if posterior
                    else "none (calibrated point values only)",
                    str(exp.get("seed", "")),
                    _design_text(exp.get("design", {})),
                    ", ".join(exp.get("overrides", [])) or "none",
                ],
            }
        )
        w.table("scenario_set", scen, "Scenario set", scen)
        if sweep.precision is not None:
            w.p(conclusions(sweep, {})[-1], "note")

        comparisons = {}
        for threat in sweep.threats:
            title = f"{threat} threat, {horizon}, {n_reps} paired replications"
            w.h(2, f"Under the {threat} threat")
            at = ok[ok.threat == threat]
            summary = summarize(at, outcomes=SUMMARY)
            shown = pd.DataFrame(
                {
                    "policy": summary.index,
                    **{
                        f"{o} ({_unit(o)})": [
                            format_estimate(r[o], r[f"{o}_lo"], r[f"{o}_hi"])
                            for _, r in summary.iterrows()
                        ]
                        for o in SUMMARY
                    },
                }
            )
            w.table(
                f"means_{threat}",
                shown,
                f"Means {per} with 95% intervals, {title} (count-model intervals for "
                "non-negative outcomes)",
                summary.reset_index(),
            )
            table = _comparison(sweep, threat)
            comparisons[threat] = table
            shown = pd.DataFrame(
                {
                    "outcome": table.outcome,
                    "policy": table.policy,
                    "difference [95% CI]": format_differences(table),
                    "relative": [
                        f"{r:+.0%}" if np.isfinite(r) else "n/a" for r in table.rel_change
                    ],
                    "P(better/tie/worse)": [
                        f"{b:.2f}/{t:.2f}/{x:.2f}"
                        for b, t, x in zip(table.p_better, table.p_tie, table.p_worse, strict=True)
                    ],
                    "p": table.p_value.map(format_p),
                    "p (Holm)": table.p_holm.map(format_p),
                }
            )
            w.table(
                f"comparison_{threat}",
                shown,
                f"Paired differences from {BASELINE}, {title}: sign-flip permutation test and "
                "the interval that inverts it (it excludes 0 exactly when p <= 0.05); Holm "
                "adjusts across policies",
                table.drop(columns=["method"]),
            )
            w.figure(
                plots.forest(table, list(COMPARED), columns=3, title=title),
                f"Paired differences from {BASELINE} under the {threat} threat.",
            )

        w.h(2, "Differences year by year")
        _year_by_year(w, sweep, ok)

        w.h(2, "The price of protection: trade-offs")
        for threat in sweep.threats:
            at = ok[ok.threat == threat]
            summary = summarize(at, outcomes=SUMMARY)
            front = pareto_front(at)
            w.figure(
                plots.tradeoff(
                    summary,
                    pareto=front.pareto,
                    title=f"{threat} threat, {horizon}, {n_reps} paired replications",
                ),
                f"Foreign deaths {per} against foreign security person-days, cost and "
                f"legitimacy under the {threat} threat; Pareto-efficient: "
                + ", ".join(front.index[front.pareto]),
            )

        w.h(2, "Regret")
        scenario = ["threat", "point"] if ok.point.nunique() > len(sweep.threats) else ["threat"]
        regret = regret_table(ok, "foreign_killed", scenario).reset_index()
        shown = regret.assign(
            **{
                c: regret[c].map(lambda v: format_number(v, 2))
                for c in ("max_regret", "mean_regret", "p90_regret")
            },
            share_best=regret.share_best.map(lambda v: f"{v:.0%}"),
        )
        w.table(
            "regret",
            shown,
            "Regret on foreign deaths across "
            + ("threat levels and design points" if len(scenario) > 1 else "threat levels")
            + f" (deaths {per} more than the best policy in each setting; Savage 1951)",
            regret,
        )

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

        w.h(2, "The assumptions that decide the answer")
        _assumptions(w, sweep, ok, per)

        w.h(2, "Conclusion")
        for text in conclusions(sweep, comparisons):
            w.p(text, "conclusion")

        w.h(2, "How to reproduce")
        _reproduce(w, sweep)

        body = "\n".join(w.parts)
        page = (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>Joint or domestic security: report</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
        )
        (work / "report.html").write_text(page)
        replace_folder(work, dest, "report", "report")
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        remove_created(created)
        raise ReportError(
            "report", f"cannot write the report into {str(dest)!r} ({exc.strerror or exc})"
        ) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        remove_created(created)
        raise
    return dest / "report.html"


def _destination(sweep: Path, dest) -> Path:
    """Where the report goes: ``SWEEP/_report``, or a folder of the user's choice.

    The folder must be new, empty or a report folder, and neither the sweep, nor above it,
    nor elsewhere inside it.
    """
    if dest is None:
        dest = sweep / "_report"
    elif not isinstance(dest, (str, os.PathLike)) or not str(dest):
        raise ReportError("report", f"must be a folder path, got {dest!r}")
    dest = Path(dest)
    home, there = sweep.resolve(), dest.resolve()
    if there == home or home.is_relative_to(there):
        raise ReportError(
            "report",
            f"{str(dest)!r} is the sweep folder or holds it; a report is never written over "
            "or above its sweep: choose another folder (the default is SWEEP/_report)",
        )
    if there.is_relative_to(home) and there != home / "_report":
        raise ReportError(
            "report",
            f"{str(dest)!r} lies inside the sweep folder, which holds only what the sweep "
            "writes; write the report to SWEEP/_report (the default) or outside the sweep",
        )
    check_folder(dest, "report", "report")
    check_writable(dest, "report")
    return dest


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


def _year_by_year(w: _Writer, sweep: Sweep, ok: pd.DataFrame) -> None:
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


def _assumptions(w: _Writer, sweep: Sweep, ok: pd.DataFrame, per: str) -> None:
    prices = break_even_prices(sweep)
    cols = ("cost_usd", "foreign_security_person_days")
    shown = prices[["threat", "policy"]].assign(
        **{
            "deaths averted": prices.deaths_averted.map(lambda v: format_number(v, 2)),
            **{
                f"{c.replace('_', ' ')} per death averted": [
                    "undefined (deaths averted not clearly above 0)"
                    if not np.isfinite(lo)
                    else format_estimate(v, lo, hi)
                    for v, lo, hi in zip(
                        prices[f"{c}_per_death_averted"],
                        prices[f"{c}_per_death_averted_lo"],
                        prices[f"{c}_per_death_averted_hi"],
                        strict=True,
                    )
                ]
                for c in cols
            },
        }
    )
    w.table(
        "break_even_prices",
        shown,
        "Break-even prices: the extra cost (USD) and foreign security person-days per foreign "
        f"death averted against {BASELINE} (paired bootstrap 95% intervals). A policy pays for "
        "itself when a foreign life is valued above its cost per death averted.",
        prices,
    )
    w.p(
        "Assumptions the record cannot pin down and that can decide the answer: how effective "
        "foreign forces are against an attack (effect_foreign), how fast the population turns "
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


def _design_assumptions(w: _Writer, sweep: Sweep, ok: pd.DataFrame, factors: list[str]) -> None:
    from sim.analysis import break_even, policy_wins, prim_boxes

    policies = [p for p in pd.unique(ok.policy) if p != BASELINE]
    rows = []
    for policy in policies:
        for factor in factors:
            try:
                s = break_even(ok, factor, policy, baseline=BASELINE, n_boot=500)
            except (ValueError, np.linalg.LinAlgError):
                continue
            rows.append({"policy": policy, "parameter": factor, **s.to_dict()})
    if rows:
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
    design = sweep.experiment.get("design", {})
    if design.get("kind") in ("sobol", "morris"):
        from sim.analysis import morris_indices, sobol_indices

        try:
            if design["kind"] == "sobol":
                idx = sobol_indices(ok, design, "foreign_killed", policy=BASELINE)
            else:
                idx = morris_indices(
                    ok, design, sweep.experiment.get("seed", 0), "foreign_killed", BASELINE
                )
        except (ValueError, KeyError) as exc:
            w.p(f"{design['kind']} indices could not be computed: {exc}", "note")
        else:
            idx = idx.reset_index()
            w.table(
                f"{design['kind']}_indices",
                idx.round(4),
                f"{design['kind'].capitalize()} indices of foreign deaths under {BASELINE}",
                idx,
            )
    boxes = []
    for policy in policies:
        x, y = policy_wins(ok, policy, BASELINE, "foreign_killed", factors)
        if 0 < y.sum() < len(y):
            b = prim_boxes(x, y)
            if len(b):
                boxes.append(b.assign(policy=policy))
    if boxes:
        raw = pd.concat(boxes, ignore_index=True)
        w.table(
            "prim_boxes",
            raw.round(4),
            f"Where each policy loses fewer foreign nationals than {BASELINE}: PRIM boxes "
            "(Friedman and Fisher 1999) over the design's parameters",
            raw,
        )


def _reproduce(w: _Writer, sweep: Sweep) -> None:
    meta = sweep.meta
    ident = meta.get("identity", {})
    lines = []
    if sweep.command:
        lines.append(f"Command that made the runs: {sweep.command}")
    else:
        lines.append(
            "The command was not recorded; the experiment below reruns with sim.sweep "
            "(the identity in _experiment.yaml must match)."
        )
    lines.append(f"Report: python -m sim.report out={sweep.folder}")
    lines.append(
        f"corridor-sim {meta.get('version', '?')}; code hash {ident.get('code', '?')}; "
        f"scenario hash {ident.get('scenarios', '?')}; experiment seed "
        f"{sweep.experiment.get('seed', '?')}"
    )
    for line in lines:
        w.p(line)
    w.parts.append(
        "<pre>" + html.escape(yaml.safe_dump(sweep.experiment, sort_keys=False)) + "</pre>"
    )


# ---- command line ------------------------------------------------------------------------------
SETTINGS = (
    Setting("out", "path", None, "the sweep folder to report on (required)"),
    Setting(
        "report", "path", None,
        "the report folder (default OUT/_report): new, empty or a report folder, never the "
        "sweep nor above it",
    ),
)  # fmt: skip


@entry_point("nothing was written; run the same command again")
def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 written, 2 bad input."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        summary = __doc__.split("\n\n")[0]
        print(help_text(summary, SETTINGS, "python -m sim.report out=DIR [report=DIR]"))
        return 0
    try:
        opts, _, _ = parse(argv, SETTINGS)
        if opts["out"] is None:
            raise ReportError("out", "is required: out=DIR, a sweep folder")
        path = build(opts["out"], opts["report"])
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
