"""One reference table, many uses: prior draws and their simulated statistics.

    python -m sim.reference [draws=2000] [workers=2] [out=results/reference] [seed=N]
                            [records=100] [power_records=100] [doc=docs/recovery.md]

Simulations do not depend on the coding of the record, so one table of prior draws (the priors
of ``conf/calibration/abc.yaml``, on the scaled axes the calibration uses: log10 for the
log-uniform ones), each run for the record's seven years through the sweep engine (resumable,
event logs kept), serves every use:

- **each coding's posterior** by rejection ABC with regression adjustment on the fitted
  statistics (:func:`sim.calibration.recovery.abc_posterior`), against the prior;
- **recovery** (Talts et al. 2018): ``records`` rows of the table play the record in turn and
  are calibrated on the rest, as the record is;
- **power**: records simulated from each *wrong* model (:data:`WRONG_MODELS`), calibrated on the
  table, then put to the validation's rule: the model is rejected when any held-out statistic of
  the record falls outside the central 95% of its posterior predictive distribution (the
  held-out statistics of the accepted draws, weighted). The rejection rate of the true model on
  its own records is the rule's size.

The statistics of a run are computed from its event log exactly as from the record
(:func:`sim.calibration.record.window_statistics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.recovery import abc_posterior

__all__ = [
    "WRONG_MODELS",
    "coding_posteriors",
    "power",
    "prior_bounds",
    "prior_draws",
    "rejects",
    "run_table",
]

#: Models the validation should reject, as scenario overrides on the calibrated model: what
#: each leaves out.
WRONG_MODELS = {
    "targets chosen at random": ("threat.rationality=0",),
    "guards with no effect": ("threat.effect_domestic=0",),
    "no insiders": ("threat.leak_prob=0", "threat.insider_rate=0"),
    "no adaptation": ("threat.learn_rate=0", "threat.belief_rate=0"),
}
#: The event-log columns the statistics read (a run without attacks has none of them).
_EVENT_COLUMNS = ("event", "target", "region", "targeted", "day", "foreign_killed",
                  "guards_killed", "civilians_killed")  # fmt: skip
#: Accepted draws per calibration on the table.
ACCEPT_SHARE = 0.05


def _priors() -> tuple[tuple[str, float, float, bool], ...]:
    """The calibration's priors, ``(key, lo, hi, log-uniform)``, as its ``Scale`` reads them."""
    from sim.calibration.calibrate import Scale, load_config

    return Scale.of(load_config()).priors


def prior_draws(n: int, seed: int) -> pd.DataFrame:
    """``n`` draws of the calibrated parameters from the calibration's priors (natural units)."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, lo, hi, log in _priors():
        if log:
            out[key] = 10 ** rng.uniform(np.log10(lo), np.log10(hi), n)
        else:
            out[key] = rng.uniform(lo, hi, n)
    return pd.DataFrame(out)


def prior_bounds() -> np.ndarray:
    """The priors' supports on the calibration's axes, one ``[lo, hi]`` row per parameter."""
    return np.array([[np.log10(lo), np.log10(hi)] if log else [lo, hi]
                     for _, lo, hi, log in _priors()])  # fmt: skip


def _scaled(params: pd.DataFrame) -> pd.DataFrame:
    """The parameters on the calibration's axes (log10 for log-uniform priors)."""
    logs = {key for key, _, _, log in _priors() if log}
    return pd.DataFrame({k: np.log10(v) if k in logs else v for k, v in params.items()})


def run_table(
    params: pd.DataFrame, folder, workers: int, seed: int, overrides=(), progress=True,
    backend: str = "processes", days: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Run each row of ``params`` for seven years (one sweep folder); its statistics by row.

    ``days`` shortens the runs (tests only: the record's window is the calibration's days).
    """
    from sim.calibration.calibrate import load_config
    from sim.calibration.record import window_statistics
    from sim.sweeps.designs import Experiment
    from sim.sweeps.execution import sweep
    from sim.sweeps.reader import open_sweep

    cfg = load_config()
    days = cfg["days"] if days is None else days
    fixed = {o.split("=", 1)[0] for o in overrides}  # a wrong model fixes what it leaves out
    points = [
        {k: float(v) for k, v in row.items() if k not in fixed} for _, row in params.iterrows()
    ]
    exp = Experiment(
        name="reference", policies=(cfg["policy"],), design={"kind": "points", "points": points},
        replications=1, seed=seed, threat=cfg["threat"], overrides=tuple(overrides),
        independent_points=True,  # each draw its own random numbers: draws are independent
    )  # fmt: skip
    sweep(exp, workers=workers, out=folder, events=True, progress=progress, days=days,
          backend=backend)  # fmt: skip
    found = open_sweep(folder)
    rows = found.rows.sort_values("point")
    events = found.events()
    by_run = dict(tuple(events.groupby("run_id"))) if events is not None and len(events) else {}
    empty = pd.DataFrame(columns=list(_EVENT_COLUMNS))
    stats = [window_statistics(by_run.get(r, empty), days) for r in rows["run_id"]]
    return pd.DataFrame(stats, index=rows["point"].to_numpy())


def coding_posteriors(params: pd.DataFrame, stats: pd.DataFrame, codings) -> pd.DataFrame:
    """Each coding's posterior median and 90% interval of every parameter, beside the prior's."""
    from sim.calibration.record import FIT, observed
    from sim.calibration.recovery import weighted_quantile

    scaled = _scaled(params)
    accept = max(50, int(ACCEPT_SHARE * len(params)))
    rows = []
    for coding in codings:
        obs = observed(coding)
        draws, w = abc_posterior(
            scaled.to_numpy(), stats[list(FIT)].to_numpy(), np.array([obs[k] for k in FIT]),
            accept, bounds=prior_bounds(),
        )  # fmt: skip
        for j, key in enumerate(scaled.columns):
            x = scaled[key].to_numpy()
            q = [weighted_quantile(draws[:, j], w, p) for p in (0.05, 0.5, 0.95)]
            prior = np.quantile(x, [0.05, 0.95])
            rows.append({
                "coding": coding, "parameter": key, "median": q[1], "lo90": q[0], "hi90": q[2],
                "prior_lo90": float(prior[0]), "prior_hi90": float(prior[1]),
            })  # fmt: skip
    return pd.DataFrame(rows)


def rejects(table_s, table_h, record_fit, record_held, accept) -> bool:
    """The validation's rule on one record: any held-out statistic outside its 95% predictive."""
    from sim.calibration.recovery import nearest, weighted_quantile

    scale = table_s.std(axis=0)
    idx, w = nearest(table_s, record_fit, accept, np.where(scale > 0, scale, 1.0))
    for j in range(table_h.shape[1]):
        lo = weighted_quantile(table_h[idx, j], w, 0.025)
        hi = weighted_quantile(table_h[idx, j], w, 0.975)
        if not lo <= record_held[j] <= hi:
            return True
    return False


def power(table_stats: pd.DataFrame, records: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per model: the share of its records the validation's rule rejects, with a Wilson 95%."""
    from sim.calibration.record import FIT, HELD_OUT, wilson_ci

    ts = table_stats[list(FIT)].to_numpy(float)
    th = table_stats[list(HELD_OUT)].to_numpy(float)
    accept = max(50, int(ACCEPT_SHARE * len(table_stats)))
    rows = []
    for model, recs in records.items():
        hits = sum(
            rejects(
                ts, th, r[list(FIT)].to_numpy(float), r[list(HELD_OUT)].to_numpy(float), accept
            )  # fmt: skip
            for _, r in recs.iterrows()
        )
        lo, hi = wilson_ci(int(hits), len(recs))
        rows.append({"model": model, "records": len(recs), "rejected": hits / len(recs),
                     "lo95": lo, "hi95": hi})  # fmt: skip
    return pd.DataFrame(rows).set_index("model")
