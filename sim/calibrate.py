"""Calibrate the baseline threat to the public record by approximate Bayesian computation.

    python -m sim.calibrate [samples=300] [replications=10] [refine=10]
                            [refine_replications=50] [workers=2] [out=DIR]
                            [write_baseline=true] [days=365] [seed=N]

Rejection ABC (Pritchard et al. 1999; Beaumont 2010), as used for agent-based models
(van der Vaart et al. 2015): parameter sets are drawn from uniform priors
(``conf/calibration/abc.yaml``) by a Latin hypercube; each set runs the baseline policy for
``replications`` simulated years (a sweep, so it is parallel and resumable); the pooled summary
statistics are compared with the targets of :mod:`sim.record`. A set is **accepted** when every
statistic lies within the observed 95% interval.

Choosing the closest of many accepted sets estimated from few simulated years would pick a
lucky draw (the winner's curse), so a refinement stage re-runs the ``refine`` accepted sets
closest to the observed values (distance: sum of squared differences scaled by the intervals'
half-widths) for ``refine_replications`` years each, on fresh seeds; the calibrated point is the
closest set still accepted there. Validation against the record (``python -m sim.record``) then
uses other seeds again. ``write_baseline=true`` writes it into ``conf/threat/baseline.yaml``, with
the date and the command in a comment.

Outputs in ``out``: the sweeps' Parquet rows in ``runs/`` and ``refine-<candidates>/``,
``sets.csv`` (every set: parameters, statistics, distance, accepted), ``accepted.csv``,
``refined.csv`` and ``report.md``. The default setting takes about 8 minutes on 2 cores
(3,000 + 500 runs of a simulated year); a rerun resumes and repeats no run.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scenarios.compose import CONF_DIR
from scenarios.schema import ScenarioError
from sim.analysis import design_column
from sim.cli import parse_settings
from sim.record import simulated, targets

__all__ = ["CalibrationResult", "calibrate", "main", "set_statistics", "write_baseline"]

CONFIG = CONF_DIR / "calibration" / "abc.yaml"
BASELINE = CONF_DIR / "threat" / "baseline.yaml"


def load_config(path: Path = CONFIG) -> dict:
    """The calibration settings: policy, threat, days, seed and priors."""
    return yaml.safe_load(path.read_text())


def set_statistics(results: pd.DataFrame) -> pd.DataFrame:
    """Pooled summary statistics per parameter set (design point)."""
    rows = []
    for point, group in results[results.status == "ok"].groupby("point"):
        rows.append({"point": point, "runs": len(group), **simulated(group)})
    return pd.DataFrame(rows).set_index("point")


def distance_and_acceptance(stats: pd.DataFrame) -> pd.DataFrame:
    """Scaled distance to the observed values and the acceptance rule (all within intervals)."""
    out = stats.copy()
    distance = np.zeros(len(out))
    accepted = np.ones(len(out), dtype=bool)
    for t in targets():
        x = out[t.name].to_numpy(float)
        half = (t.hi - t.lo) / 2
        distance += np.nan_to_num(((x - t.observed) / half) ** 2, nan=1e6)
        accepted &= np.isfinite(x) & (x >= t.lo) & (x <= t.hi)
    out["distance"] = distance
    out["accepted"] = accepted
    return out


@dataclass
class CalibrationResult:
    """Every set with its statistics and acceptance; the calibrated point."""

    sets: pd.DataFrame
    priors: dict
    best: dict | None
    refined: pd.DataFrame | None = None

    @property
    def accepted(self) -> pd.DataFrame:
        """The accepted sets."""
        return self.sets[self.sets.accepted]

    def posterior(self) -> pd.DataFrame:
        """Prior range and accepted sets' quantiles for every calibrated parameter."""
        rows = []
        for key, (lo, hi) in self.priors.items():
            col = design_column(key)
            acc = self.accepted[col]
            rows.append(
                {
                    "parameter": key,
                    "prior_lo": lo,
                    "prior_hi": hi,
                    "posterior_q05": acc.quantile(0.05) if len(acc) else np.nan,
                    "posterior_median": acc.median() if len(acc) else np.nan,
                    "posterior_q95": acc.quantile(0.95) if len(acc) else np.nan,
                    "calibrated": self.best.get(key) if self.best else np.nan,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")


def calibrate(
    samples: int = 300,
    replications: int = 10,
    workers: int = 1,
    out: str | Path = "results/calibration",
    days: int | None = None,
    seed: int | None = None,
    progress: bool = True,
    config: dict | None = None,
    refine: int = 10,
    refine_replications: int = 50,
) -> CalibrationResult:
    """Run the ABC rejection calibration with its refinement stage (see the module docstring)."""
    from sim.designs import Experiment
    from sim.execution import run_sweep

    cfg = config or load_config()
    seed = cfg["seed"] if seed is None else seed
    common = dict(
        policies=(cfg["policy"],), threat=cfg["threat"], overrides=(f"days={days or cfg['days']}",)
    )
    columns = [design_column(k) for k in cfg["priors"]]
    exp = Experiment(
        name="calibration",
        replications=replications,
        seed=seed,
        design={"kind": "lhs", "samples": samples, "ranges": cfg["priors"]},
        **common,
    )
    results = run_sweep(exp, Path(out) / "runs", workers=workers, progress=progress).read()
    params = results.groupby("point")[columns].first()
    sets = distance_and_acceptance(set_statistics(results)).join(params)
    out = Path(out)
    sets.to_csv(out / "sets.csv")
    sets[sets.accepted].to_csv(out / "accepted.csv")
    best, refined = None, None
    candidates = sets[sets.accepted].sort_values("distance").head(refine)
    if len(candidates) and refine > 0:
        points = [
            {k: _as_value(k, row[design_column(k)]) for k in cfg["priors"]}
            for _, row in candidates.iterrows()
        ]
        second = Experiment(
            name="calibration_refine",
            replications=refine_replications,
            seed=seed + 1,
            design={"kind": "points", "points": points},
            **common,
        )
        tag = hashlib.sha1(json.dumps(points, sort_keys=True).encode()).hexdigest()[:10]
        again = run_sweep(second, out / f"refine-{tag}", workers=workers, progress=progress).read()
        refined = distance_and_acceptance(set_statistics(again)).join(
            again.groupby("point")[columns].first()
        )
        refined.insert(0, "first_stage_set", candidates.index.to_numpy()[refined.index])
        refined.to_csv(out / "refined.csv")
        kept = refined[refined.accepted]
        if len(kept):
            row = kept.sort_values("distance").iloc[0]
            best = {k: _as_value(k, row[design_column(k)]) for k in cfg["priors"]}
    elif len(candidates):
        row = candidates.iloc[0]
        best = {k: _as_value(k, row[design_column(k)]) for k in cfg["priors"]}
    return CalibrationResult(sets, cfg["priors"], best, refined)


def _as_value(key: str, value):
    from sim.designs import field_meta as _field_meta

    meta = _field_meta(key).metadata
    return int(round(value)) if meta["kind"] in ("count", "int") else float(value)


def write_baseline(best: dict, command: str, path: Path = BASELINE) -> None:
    """Write calibrated values into the baseline threat file, with date and command."""
    text = path.read_text()
    for key, value in best.items():
        name = key.split(".", 1)[1]
        literal = f"{value:.4g}" if isinstance(value, float) else str(value)
        text, n = re.subn(rf"^{name}: .*$", f"{name}: {literal}", text, flags=re.M)
        if n != 1:
            raise ScenarioError(key, f"not found once in {path}")
    header = [line for line in text.splitlines() if line.startswith("#")]
    body = [line for line in text.splitlines() if not line.startswith("#")]
    stamp = [
        f"# Calibrated on {date.today()} by: {command}",
        "# (calibrated: " + ", ".join(k.split(".", 1)[1] for k in best) + ")",
    ]
    header = [h for h in header if not h.startswith(("# Calibrated on", "# (calibrated:"))]
    path.write_text("\n".join(header + stamp + body) + "\n")


def report(
    result: CalibrationResult, samples: int, replications: int, seconds: float, command: str
) -> str:
    """Markdown report: targets, acceptance, posterior summary, calibrated point."""
    lines = [
        f"# Calibration report ({date.today()})",
        "",
        f"Command: `{command}`",
        "",
        f"{samples} parameter sets x {replications} simulated years each; "
        f"{int(result.sets.accepted.sum())} accepted ({result.sets.accepted.mean():.0%})"
        f"; run time of this invocation {seconds / 60:.1f} min (runs already on disk are not "
        "repeated).",
        "",
        "## Targets (public record)",
        "",
        "| target | observed | 95% interval |",
        "|---|---|---|",
    ]
    for t in targets():
        lines.append(f"| {t.name} | {t.observed:.3g} | {t.lo:.3g}-{t.hi:.3g} |")
    lines += [
        "",
        "## Parameters (uniform priors; quantiles of the accepted sets)",
        "",
        _markdown(result.posterior()),
        "",
    ]
    if result.refined is not None:
        r = result.refined
        lines += [
            "## Refinement",
            "",
            f"The {len(r)} accepted sets closest to the record, re-run on fresh seeds "
            f"({int(r.runs.iloc[0])} simulated years each): {int(r.accepted.sum())} still "
            "accepted.",
            "",
        ]
    if result.best is not None:
        table = result.refined if result.refined is not None else result.sets
        best = table[table.accepted].sort_values("distance").iloc[0]
        lines += [
            "## Calibrated set (accepted, closest to the record)",
            "",
            "; ".join(f"{k} = {v:.4g}" for k, v in result.best.items()),
            "",
        ]
        lines += [
            f"- {t.name}: simulated {best[t.name]:.3g} (observed {t.observed:.3g})"
            for t in targets()
        ]
    else:
        lines += ["No set was accepted: widen the priors or draw more samples."]
    return "\n".join(lines) + "\n"


def _markdown(frame: pd.DataFrame) -> str:
    cols = [frame.index.name or "", *frame.columns]
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        cells = [f"{v:.4g}" if isinstance(v, (int, float, np.floating)) else str(v) for v in row]
        rows.append("| " + " | ".join([str(idx), *cells]) + " |")
    return "\n".join(rows)


KEYS = {
    "samples": int,
    "replications": int,
    "refine": int,
    "refine_replications": int,
    "workers": int,
    "out": str,
    "days": int,
    "seed": int,
    "write_baseline": bool,
    "progress": bool,
}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 on success, 1 when no set is accepted, 2 on bad input."""
    import time

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    opts = {
        "samples": 300,
        "replications": 10,
        "workers": 1,
        "out": "results/calibration",
        "write_baseline": False,
        "progress": True,
    }
    try:
        opts = parse_settings(argv, KEYS, opts, at_least={"seed": 0})
        command = "python -m sim.calibrate " + " ".join(argv)
        started = time.perf_counter()
        result = calibrate(
            opts["samples"],
            opts["replications"],
            opts["workers"],
            opts["out"],
            opts.get("days"),
            opts.get("seed"),
            opts["progress"],
            refine=opts.get("refine", 10),
            refine_replications=opts.get("refine_replications", 50),
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = report(
        result, opts["samples"], opts["replications"], time.perf_counter() - started, command
    )
    (Path(opts["out"]) / "report.md").write_text(text)
    print(text)
    if result.best is None:
        return 1
    if opts["write_baseline"]:
        write_baseline(result.best, command)
        print(f"calibrated values written to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
