"""How to reproduce a sweep and the Methods paragraph a paper can start from."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from sim.report.inputs import BASELINE, Sweep

if TYPE_CHECKING:
    from sim.report.frame import Frame
    from sim.report.writer import Writer

__all__ = ["methods_paragraph", "write_reproduce"]


def write_reproduce(w: Writer, sweep: Sweep) -> None:
    """The command that made the runs, the versions, and the experiment as run."""
    meta = sweep.meta
    ident = meta.get("identity", {})
    if sweep.command:
        w.p("Command that made the runs (run it again with a new out=DIR for the same rows):")
        w.parts.append(f'<pre class="command">{html.escape(sweep.command)}</pre>')
    else:
        w.p(
            "The command was not recorded (the sweep was made before commands were kept); the "
            "experiment below reruns with sim.sweep (the identity in _experiment.yaml must "
            "match)."
        )
    units = "" if sweep.units == "year" else f" units={sweep.units}"
    w.p(f"Report: python -m sim.report out={sweep.folder}{units}")
    env = meta.get("environment", {})
    w.p(
        f"corridor-sim {meta.get('version', '?')}; code hash {ident.get('code', '?')}; "
        f"scenario hash {ident.get('scenarios', '?')}; experiment seed "
        f"{sweep.experiment.get('seed', '?')}"
        + ("; " + ", ".join(f"{k} {v}" for k, v in env.items()) if env else "")
    )
    w.p(
        "The experiment as run (threat levels and networks as the runs used them; "
        f"replications counted: {sweep.results.replication.nunique()}; posterior parameter "
        f"sets used: {sweep.posterior_sets}):"
    )
    w.parts.append(
        "<pre>" + html.escape(yaml.safe_dump(sweep.experiment, sort_keys=False)) + "</pre>"
    )


def methods_paragraph(sweep: Sweep, f: Frame) -> str:
    """The Methods paragraph a paper can start from, generated from the sweep's record."""
    exp = sweep.experiment
    policies = list(pd.unique(f.ok.policy))
    if sweep.precision is not None:
        p = sweep.precision
        targets = ", ".join(f"{k} {v:g}" for k, v in p["rule"]["targets"].items())
        how = (
            f"chosen by precision: after a pilot, in stages, until every paired difference from "
            f"{BASELINE} had a 95% half-width of at most {targets} (Law 2015, ch. 9); "
            f"{p['stopped']}"
        )
    else:
        how = "fixed in advance"
    posterior = (
        f"each replication ran with its own parameter set drawn from the calibrated posterior "
        f"({sweep.posterior_sets} sets, shared by every policy)"
        if sweep.posterior_sets
        else "every run used the calibrated point values"
    )
    return (
        f"Simulations used corridor-sim {sweep.meta.get('version', '?')} (code hash "
        f"{sweep.meta.get('identity', {}).get('code', '?')}), an agent-based model built on "
        f"Mesa. {len(policies)} policies ({', '.join(policies)}) were compared under the "
        f"{', '.join(sweep.threats)} threat level(s), {f.horizon} per run, on "
        f"{f.replications} paired replications (experiment seed {exp.get('seed', '?')}; "
        f"replication i of every policy shares its random numbers, common random numbers), "
        f"{how}; {posterior}. Totals are reported {f.per}. Means carry 95% intervals of an "
        "intercept-only quasi-Poisson model with a log link (McCullagh and Nelder 1989), or "
        "the exact Poisson bound of a zero total (Garwood 1936). Each policy was compared with "
        f"{BASELINE} on the paired differences by a sign-flip permutation test (Good 2005; "
        "9,999 random sign vectors plus the identity, Phipson and Smyth 2010), with the 95% "
        "interval that inverts it (Garthwaite 1996); p-values were adjusted across policies by "
        "Holm's method (Holm 1979). Prices per foreign death averted are ratios of paired "
        "mean differences with intervals from the same test inverted (Fieller 1954), stated "
        "only where deaths averted are clearly above 0. The Pareto set counts a difference "
        f"only when its paired interval lies beyond {sweep.margin:.0%} of {BASELINE}'s mean. "
        "Posterior predictive checks follow Gelman, Meng and Stern (1996), with mid-p values "
        "for discrete statistics (Lancaster 1961)."
    )
