"""A finished search on disk: its record, tables, section of text and figures.

Numbers are formatted by :mod:`sim.analysis.formatting` rules here, once, for the Markdown
section, the notebook and the report alike (:func:`section`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.search.evaluate import OBJECTIVES, ROBUST_Q
from sim.search.fronts import winners_curse
from sim.search.levers import SEARCHED, lever_space

__all__ = [
    "GAP_CAPTION",
    "SearchOutcome",
    "conclusions",
    "HEADING",
    "front_figure",
    "front_table",
    "gap_table",
    "load_search",
    "markdown_table",
    "named_table",
    "record_of",
    "section",
    "write_outputs",
]


@dataclass
class SearchOutcome:
    """A finished search: its folder, record and tables."""

    folder: Path
    record: dict
    evaluations: pd.DataFrame
    front: pd.DataFrame
    named: pd.DataFrame
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)


HEADING = "## The lever search: robust fronts, host-only and joint"


def record_of(s, searches: dict, outcome, seconds: float, workers: int, command: str) -> dict:
    """The search's record: algorithm, seeds, settings, evaluations, times and versions."""
    import pymoo

    from sim.files.provenance import __version__
    from sim.search.evaluate import fresh_seed

    curse = {
        f"{space}_{threat}": winners_curse(front)
        for (space, threat), front in outcome.front.groupby(["space", "threat"])
    }
    return {
        "settings": s.identity(),
        "finished": True,
        "algorithm": f"NSGA-II (pymoo {pymoo.__version__}), ask and tell; front = archive's "
        "nondominated candidates, thinned by crowding distance",
        "search_seed": s.seed,
        "fresh_seed": fresh_seed(s.seed),
        "objectives": {k: v[0] for k, v in OBJECTIVES.items()},
        "robust_statistic": f"{ROBUST_Q:.0%} quantile across scenarios of the replication mean",
        "searches": searches,
        "evaluations": int(sum(v["evaluations"] for v in searches.values())),
        "runs": int(sum(v["runs"] for v in searches.values())),
        "winners_curse": curse,
        "seconds": round(seconds, 1),
        "workers": workers,
        "version": __version__,
        "command": command,
    }


def write_outputs(outcome) -> None:
    """Write the record, the tables, the section and one figure per threat into the folder."""
    from sim.analysis.plots import save
    from sim.files.ownership import write_text_file

    out = outcome.folder
    write_text_file(out / "evaluations.csv", outcome.evaluations.to_csv(index=False))
    write_text_file(out / "front.csv", outcome.front.to_csv())
    write_text_file(out / "named.csv", outcome.named.to_csv())
    write_text_file(out / "gaps.csv", outcome.gaps.to_csv(index=False))
    write_text_file(out / "search.md", section(outcome) + "\n")
    for threat in outcome.record["settings"]["threats"]:
        fig = front_figure(outcome, threat)
        save(fig, out / f"front_{threat}.png")
        import matplotlib.pyplot as plt

        plt.close(fig)
    # the record last: a folder whose record says finished has every file
    write_text_file(out / "search.json", json.dumps(outcome.record, indent=2) + "\n")


def load_search(folder) -> object:
    """A finished search folder read back (the tables and the record)."""
    from sim.sweeps.points import SweepError

    folder = Path(folder)
    try:
        record = json.loads((folder / "search.json").read_text())
    except (OSError, ValueError):
        raise SweepError("out", f"{str(folder)!r} holds no search record (search.json)") from None
    if not record.get("finished"):
        raise SweepError("out", f"the search in {str(folder)!r} has not finished; rerun it")
    read = lambda name, **kw: pd.read_csv(folder / name, **kw)  # noqa: E731
    gaps = read("gaps.csv") if (folder / "gaps.csv").stat().st_size > 1 else pd.DataFrame()
    return SearchOutcome(
        folder, record, read("evaluations.csv"), read("front.csv", index_col="member"),
        read("named.csv", index_col="policy"), gaps,
    )  # fmt: skip


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _deaths(x: float) -> str:
    return f"{x:.2f}"


def _usd(x: float) -> str:
    return f"{x / 1e6:.1f}M"


def _interval(row, key: str) -> str:
    """A gap and its interval, by the package's one printing rule (``format_estimate``)."""
    from sim.analysis.formatting import format_estimate

    return format_estimate(row[key], row[key + "_lo"], row[key + "_hi"], sign=True)


def section(outcome) -> str:
    """The search as a Markdown section: settings, fronts, named policies, gaps."""
    rec, s = outcome.record, outcome.record["settings"]
    lines = [
        HEADING,
        "",
        f"{rec['algorithm']}; {s['pop_size']} candidates a generation, {s['generations']} "
        f"generations, seed {s['seed']}. "
        f"Each candidate: {s['scenarios']} scenarios of the deciding assumptions x "
        f"{s['replications']} paired replications of {s['days']} days"
        + (f", {s['posterior']} posterior parameter sets" if s["posterior"] else "")
        + ". Objectives, all a year and minimised: foreign deaths, cost, foreign security "
        f"person-days and the legitimacy shortfall, each the {rec['robust_statistic']} (the "
        "mean across scenarios beside it). In the search, deaths are realised deaths on common "
        "random numbers (no other variance reduction); the 'search' values chose the front, the "
        f"'fresh' ones re-evaluate it on {s['fresh_replications']} fresh replications (seed "
        f"{rec['fresh_seed']}), beside the named policies on the same runs. "
        f"{rec['evaluations']:,} candidates, {rec['runs']:,} runs, {_duration(rec['seconds'])} "
        f"on {rec['workers']} workers.",
        "",
    ]
    if rec.get("command"):
        lines += [f"Command: `{rec['command']}` (corridor-sim {rec['version']}).", ""]
    lines += ["**What it says.** " + " ".join(conclusions(outcome)), ""]
    for threat in s["threats"]:
        lines += _threat_section(outcome, threat)
    return "\n".join(lines)


def conclusions(outcome) -> list[str]:
    """Sentences computed from the gaps and the named policies, one threat at a time."""
    out = []
    for threat in outcome.record["settings"]["threats"]:
        gaps = outcome.gaps[outcome.gaps.threat == threat] if len(outcome.gaps) else []
        parts = []
        for _, g in gaps.iterrows() if len(gaps) else []:
            if pd.isna(g.get("gap_mean", np.nan)):
                continue
            lo, hi = g["gap_mean_lo"], g["gap_mean_hi"]
            verdict = ("the joint front's best member has more foreign deaths" if lo > 0 else
                       "the joint front's best member has fewer foreign deaths" if hi < 0 else
                       "the two fronts cannot be told apart")  # fmt: skip
            parts.append(f"at {_usd(g['budget_usd'])} USD a year {verdict} "
                         f"({_interval(g, 'gap_mean')} a year, joint minus host-only)")  # fmt: skip
        named = outcome.named[outcome.named.threat == threat]
        free = [p for p, by in named["dominated_by"].fillna("").items() if not by]
        text = f"Under the {threat} threat, " + ("; ".join(parts) or "no budget holds both fronts")
        text += (f". No front member dominates {', '.join(free)}" if free else
                 ". Every named policy is dominated by a front member")  # fmt: skip
        out.append(text + ".")
    out.append(
        "The joint space holds the host-only one (a joint policy with no foreign personnel runs "
        "as the host policy), so a joint front worse than the host-only front is the joint "
        "search's shortfall in a larger space at the same budget of evaluations, not harm done "
        "by foreign forces; a joint front better than it is what allowing foreign forces adds."
    )
    return out


def front_table(outcome, threat: str) -> pd.DataFrame:
    """The fronts' members under ``threat``, by cost: search and fresh values, their levers."""
    front = outcome.front[outcome.front.threat == threat].sort_values("fresh_cost_usd_p90")
    space = lever_space("joint")  # every searched lever, with its kind
    rows = []
    for member, r in front.iterrows():
        row = {
            "member": member,
            "deaths/yr, search": _deaths(r["foreign_killed_p90"]),
            "deaths/yr, fresh": _deaths(r["fresh_foreign_killed_p90"]),
            "deaths/yr, fresh, mean": _deaths(r["fresh_foreign_killed_mean"]),
            "cost/yr": _usd(r["fresh_cost_usd_p90"]),
            "foreign person-days/yr": f"{r['fresh_foreign_security_person_days_p90']:,.0f}",
            "legitimacy shortfall": f"{r['fresh_legitimacy_shortfall_p90']:.3f}",
        }
        for k in SEARCHED:
            v = space.typed(k, r[k])
            row[k] = str(v) if isinstance(v, bool) else f"{v:g}"
        rows.append(row)
    return pd.DataFrame(rows)


def named_table(outcome, threat: str) -> pd.DataFrame:
    """The named policies on the fresh seeds, and the front members that dominate each."""
    named = outcome.named[outcome.named.threat == threat]
    rows = []
    for policy, r in named.iterrows():
        by = r["dominated_by"]
        rows.append({
            "named policy": policy,
            "deaths/yr, fresh": _deaths(r["fresh_foreign_killed_p90"]),
            "deaths/yr, fresh, mean": _deaths(r["fresh_foreign_killed_mean"]),
            "cost/yr": _usd(r["fresh_cost_usd_p90"]),
            "foreign person-days/yr": f"{r['fresh_foreign_security_person_days_p90']:,.0f}",
            "dominated by": by if isinstance(by, str) and by else "none: on the combined front",
        })  # fmt: skip
    return pd.DataFrame(rows)


def gap_table(outcome, threat: str) -> pd.DataFrame:
    """At each budget: the members chosen and the gap between the fronts, with intervals."""
    gaps = outcome.gaps
    if not len(gaps):
        return pd.DataFrame()
    front = outcome.front
    rows = []
    for _, r in gaps[gaps.threat == threat].iterrows():
        row = {"budget/yr": _usd(r["budget_usd"])}
        for space in ("host", "joint"):
            m = r[f"{space}_member"]
            row[f"{space} member"] = m if isinstance(m, str) else "none this cheap"
        if pd.isna(r.get("gap_p90", np.nan)):
            row.update({"foreign in joint member": "", "gap, 90th pct": "no member at this "
                        "budget", "gap, mean": ""})  # fmt: skip
        else:
            days = front.loc[r["joint_member"], "fresh_foreign_security_person_days_p90"]
            row["foreign in joint member"] = f"{days:,.0f} person-days" if days else "none"
            row["gap, 90th pct"] = _interval(r, "gap_p90")
            row["gap, mean"] = _interval(r, "gap_mean")
        rows.append(row)
    return pd.DataFrame(rows)


#: What the gap table says, once (the Markdown section, the report and the notebook).
GAP_CAPTION = (
    "What allowing foreign forces adds: the joint front's best member minus the host-only "
    "front's at each budget, on fresh paired runs (foreign deaths a year; 95% bootstrap "
    "intervals; negative: the joint front protects better). A joint member with no foreign "
    "personnel is a host policy the host-only search missed: its gap is the search's, not the "
    "foreign forces'."
)


def markdown_table(frame: pd.DataFrame) -> list[str]:
    """A table as Markdown lines."""
    if frame.empty:
        return []
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return lines


def _threat_section(outcome, threat: str) -> list[str]:
    lines = [f"### Threat: {threat}", ""] + markdown_table(front_table(outcome, threat))
    lines += [""] + markdown_table(named_table(outcome, threat))
    gaps = gap_table(outcome, threat)
    if len(gaps):
        lines += ["", GAP_CAPTION, ""] + markdown_table(gaps)
    return lines + [""]


def front_figure(outcome, threat: str):
    """Deaths against cost (colour: foreign person-days), and deaths against legitimacy."""
    import matplotlib.pyplot as plt

    front = outcome.front[outcome.front.threat == threat]
    named = outcome.named[outcome.named.threat == threat]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
    deaths = "fresh_foreign_killed_p90"
    fpd = front["fresh_foreign_security_person_days_p90"]
    vmax = max(float(fpd.max()), float(named["fresh_foreign_security_person_days_p90"].max()), 1)
    for ax, x, xlabel, scale in (
        (axes[0], "fresh_cost_usd_p90", "cost a year (million USD, 90th pct)", 1e6),
        (axes[1], "fresh_legitimacy_shortfall_p90", "legitimacy shortfall (90th pct)", 1.0),
    ):
        for space, marker in (("host", "o"), ("joint", "^")):
            part = front[front.space == space]
            sc = ax.scatter(part[x] / scale, part[deaths], c=part[
                "fresh_foreign_security_person_days_p90"], cmap="viridis", vmin=0, vmax=vmax,
                marker=marker, s=40, edgecolor="k", linewidth=0.4,
                label=f"{space}-only front" if space == "host" else "joint front")  # fmt: skip
        ax.scatter(named[x] / scale, named[deaths], marker="x", c="crimson", s=50,
                   label="named policies")  # fmt: skip
        if ax is axes[0]:
            for k, (_, r) in enumerate(named.iterrows()):
                ax.annotate(str(k + 1), (r[x] / scale, r[deaths]), fontsize=7, color="crimson",
                            xytext=(3, 3), textcoords="offset points")  # fmt: skip
        ax.set_xlabel(xlabel)
        ax.set_ylabel("foreign deaths a year (90th pct, fresh seeds)")
    axes[0].legend(fontsize=8, loc="upper right")
    key = ", ".join(f"{k + 1} {p}" for k, p in enumerate(named.index))
    axes[1].set_title("named: " + key, fontsize=7, loc="left", wrap=True)
    fig.colorbar(sc, ax=axes, label="foreign security person-days a year")
    fig.suptitle(f"Lever search, {threat} threat: re-evaluated fronts and the named policies")
    return fig
