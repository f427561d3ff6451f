"""Calibrate the baseline threat to the public record by ABC-SMC.

    python -m sim.calibrate [workers=2] [population_size=N] [max_generations=N]
                            [max_simulations=N] [days=N] [seed=N] [out=DIR]
                            [posterior=FILE] [report=FILE] [write_baseline=true]

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009; Beaumont et al.
2009), with ``pyabc`` (Klinger, Rickert and Hasenauer 2018) and an adaptive weighted distance
(Prangle 2017), as used for agent-based models (van der Vaart et al. 2015). The settings (priors,
distance, population size, epsilon schedule and stopping rule) are in
``conf/calibration/abc.yaml``. A particle is one draw of the calibrated parameters; its
simulation runs the baseline policy for the record's seven years and computes the statistics of
:data:`sim.calibration.record.FIT` from its event log, exactly as they are computed from the
record (:func:`sim.calibration.record.window_statistics`). The held-out statistics
(:data:`sim.calibration.record.HELD_OUT`) are never computed here: they are the validation's
(``python -m sim.validate``).

Every candidate particle is evaluated with its own seed, fixed by the calibration seed, the
generation and the candidate's rank; a generation takes the first ``population_size`` accepted
candidates in rank order (:mod:`sim.calibration.sampler`), so the posterior is the same on any
number of workers. pyabc's history database (``out/abc.db``) keeps every generation: a rerun
after an interruption starts again from the last finished generation.

Outputs: the posterior (the last generation's particles and weights) as ``posterior`` (default
``conf/calibration/posterior.csv``, with the command, seed and versions in its ``#`` header:
the file ``sweep(..., posterior=N)`` and ``sim.calibration.validate`` read); the report (default
``docs/calibration.md``); with ``write_baseline=true``, the posterior medians written into
``conf/threat/baseline.yaml``.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scenarios.compose import CONF_DIR
from scenarios.schema import ScenarioError
from sim.calibration.sampler import make_sampler_class
from sim.cli.commands import entry_point
from sim.cli.settings import Setting, help_text, parse
from sim.sweeps.posterior import POSTERIOR, Posterior, load_posterior

__all__ = [
    "Posterior",
    "Scale",
    "calibrate",
    "load_config",
    "load_posterior",
    "main",
    "write_baseline",
]

CONFIG = CONF_DIR / "calibration" / "abc.yaml"
BASELINE = CONF_DIR / "threat" / "baseline.yaml"
REPORT = Path("docs/calibration.md")


def load_config(path: Path = CONFIG) -> dict:
    """The calibration settings, checked: policy, threat, days, seed, priors, ABC settings."""
    from scenarios.safe_yaml import load_yaml

    cfg = load_yaml(path, "calibration")
    if not isinstance(cfg, dict):
        raise ScenarioError("calibration", f"{path} must hold a mapping of settings")
    priors = cfg.get("priors") or {}
    if not priors:
        raise ScenarioError("priors", f"no priors in {path}")
    from sim.sweeps.designs import field_meta

    for key, bounds in priors.items():
        if field_meta(key) is None:
            raise ScenarioError(f"priors.{key}", "is not a parameter of the scenario")
        if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] < bounds[1]):
            raise ScenarioError(f"priors.{key}", f"must be [lo, hi] with lo < hi, got {bounds!r}")
    for key in cfg.get("log_uniform", []):
        if key not in priors or priors[key][0] <= 0:
            raise ScenarioError("log_uniform", f"{key} needs a prior with lo > 0")
    return cfg


# --- the model as pyabc sees it ---------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """The parameters as pyabc sees them: each on a scale of order one.

    A log-uniform prior on ``[lo, hi]`` becomes a uniform one on ``[log10 lo, log10 hi]``, a
    uniform one becomes uniform on ``[0, 1]`` (``(x - lo) / (hi - lo)``). Rates of 1e-5 next to
    shares of 0.5 would otherwise give pyabc's kernel a covariance too ill-conditioned to
    evaluate.
    """

    priors: tuple[tuple[str, float, float, bool], ...]  # (key, lo, hi, log)

    @classmethod
    def of(cls, cfg: dict) -> Scale:
        """The scale of a calibration configuration."""
        logs = set(cfg.get("log_uniform", []))
        return cls(tuple((k, lo, hi, k in logs) for k, (lo, hi) in cfg["priors"].items()))

    def prior(self):
        """The prior of the scaled parameters, for pyabc."""
        from pyabc import RV, Distribution

        rvs = {}
        for key, lo, hi, log in self.priors:
            a, b = (np.log10(lo), np.log10(hi)) if log else (0.0, 1.0)
            rvs[key.split(".", 1)[1]] = RV("uniform", a, b - a)
        return Distribution(**rvs)

    def values(self, scaled) -> dict[str, float]:
        """Parameter values (``threat.x``: value) from scaled ones (``x``: scaled)."""
        out = {}
        for key, lo, hi, log in self.priors:
            z = float(scaled[key.split(".", 1)[1]])
            out[key] = 10.0**z if log else lo + z * (hi - lo)
        return out

    def frame(self, scaled: pd.DataFrame) -> pd.DataFrame:
        """A frame of scaled particles (pyabc's) as parameter values."""
        out = pd.DataFrame(index=range(len(scaled)))
        for key, lo, hi, log in self.priors:
            z = scaled[key.split(".", 1)[1]].to_numpy(float)
            out[key] = 10.0**z if log else lo + z * (hi - lo)
        return out


@dataclass
class _Model:
    """One particle's simulation: the baseline for ``days`` days, the fitted statistics."""

    policy: str
    threat: str
    days: int
    scale: Scale

    def __call__(self, params) -> dict:
        from sim.calibration.record import FIT, window_statistics
        from sim.model.runner import run

        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 (seeded by the sampler)
        values = self.scale.values(params)
        overrides = [f"{k}={v!r}" for k, v in values.items()]
        result = run(self.policy, self.threat, overrides=overrides, days=self.days, seed=seed)
        stats = window_statistics(result.events, self.days)
        return {k: stats[k] for k in FIT}


def calibrate(
    workers: int = 1,
    out: str | Path = "results/calibration",
    config: dict | None = None,
    progress: bool = True,
    **settings,
):
    """Run ABC-SMC (see the module docstring); return ``(posterior, history)``.

    ``settings`` override the configuration's ``population_size``, ``days``, ``seed``,
    ``epsilon_quantile`` and the stopping rule's ``max_generations``, ``max_simulations`` and
    ``min_acceptance_rate``; ``coding`` names the coding of the record fitted
    (:mod:`sim.calibration.codings`, default ``current``), which the posterior names.
    """
    from sim.calibration.record import FIT, observed

    cfg = dict(config or load_config())
    command = settings.pop("command", "sim.calibration.calibrate.calibrate(...)")
    stop = dict(cfg.get("stop", {}))
    for key in ("max_generations", "max_simulations", "min_acceptance_rate"):
        if key in settings:
            stop[key] = settings.pop(key)
    cfg.update(settings)
    cfg.setdefault("coding", "current")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if progress else None
    for name in ("ABC", "Sampler", "Epsilon"):
        logging.getLogger(name).setLevel(logging.WARNING)
    obs = observed(cfg["coding"])
    scale = Scale.of(cfg)
    abc = _abc_smc(cfg, scale, workers, log)
    started = time.perf_counter()
    done = _open_history(abc, out, _fingerprint(cfg, stop), {k: obs[k] for k in FIT}, log)
    remaining = int(stop.get("max_generations", 6)) - done
    history = abc.history
    if remaining > 0:
        history = abc.run(
            minimum_epsilon=float(stop.get("minimum_epsilon", 0.0)),
            max_nr_populations=remaining,
            min_acceptance_rate=float(stop.get("min_acceptance_rate", 0.0)),
            max_total_nr_simulations=int(stop.get("max_simulations", 10**9)),
        )
    seconds = time.perf_counter() - started
    return _posterior(history, scale, cfg, command, seconds), history


def _abc_smc(cfg: dict, scale: Scale, workers: int, log):
    """Pyabc's ABC-SMC of the configuration, with the ordered sampler (seeded)."""
    import pyabc

    np.random.seed(cfg["seed"])  # noqa: NPY002 (pyabc's own draws use the global generator)
    sampler = make_sampler_class()(workers=workers, seed=cfg["seed"], log=log)
    dist = cfg.get("distance", {})
    distance = (
        pyabc.AdaptivePNormDistance(p=dist.get("p", 2))
        if dist.get("adaptive", True)
        else pyabc.PNormDistance(p=dist.get("p", 2))
    )
    return pyabc.ABCSMC(
        _Model(cfg["policy"], cfg["threat"], int(cfg["days"]), scale),
        scale.prior(),
        distance,
        population_size=int(cfg["population_size"]),
        eps=pyabc.QuantileEpsilon(alpha=float(cfg.get("epsilon_quantile", 0.5))),
        sampler=sampler,
    )


def _open_history(abc, out: Path, fingerprint: str, x0: dict, log) -> int:
    """Resume the calibration in ``out`` if its settings match, else start it; generations done."""
    db, stamp = out / "abc.db", out / "settings.yaml"
    if db.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        history = abc.load(f"sqlite:///{db}", 1)
        if log:
            log(f"resuming from {db}: {history.max_t + 1} generation(s) done")
        return history.max_t + 1
    db.unlink(missing_ok=True)
    stamp.write_text(fingerprint)
    abc.new(f"sqlite:///{db}", x0)
    return 0


def _posterior(history, scale: Scale, cfg: dict, command: str, seconds: float) -> Posterior:
    """The last generation's weighted particles, with how they were made."""
    import pyabc

    from sim.calibration.record import FIT
    from sim.files.provenance import __version__

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    particles = scale.frame(frame.reset_index(drop=True))
    particles["weight"] = np.asarray(weights) / np.sum(weights)
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0]
    meta = {
        "command": command,
        "date": str(date.today()),
        "version": __version__,
        "pyabc": pyabc.__version__,
        "policy": cfg["policy"],
        "threat": cfg["threat"],
        "days": int(cfg["days"]),
        "seed": int(cfg["seed"]),
        "population_size": int(cfg["population_size"]),
        "generations": int(history.max_t + 1),
        "epsilon": f"{float(populations.epsilon.iloc[-1]):.4g}",
        "simulations": int(history.total_nr_simulations),
        "fitted": ", ".join(FIT),
        "coding": cfg.get("coding", "current"),
        "minutes_this_invocation": f"{seconds / 60:.1f}",
    }
    return Posterior(particles, meta)


def _fingerprint(cfg: dict, stop: dict) -> str:
    """What a rerun must share with the stored run to resume it (not the stopping rule)."""
    from sim.calibration.record import FIT

    keep = {k: v for k, v in cfg.items() if k != "stop"}
    keep["fit"] = list(FIT)  # a history fitted to other statistics is not resumed
    return yaml.safe_dump(keep, sort_keys=True)


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
        "# (calibrated, posterior medians: " + ", ".join(k.split(".", 1)[1] for k in best) + ")",
    ]
    header = [h for h in header if not h.startswith(("# Calibrated on", "# (calibrated"))]
    path.write_text("\n".join(header + stamp + body) + "\n")


def report(posterior: Posterior, history, cfg: dict, command: str) -> str:
    """Markdown report: targets, settings, generations, posterior, calibrated point."""
    from sim.calibration.record import targets

    lines = [
        f"# Calibration ({posterior.meta['date']})",
        "",
        f"Command: `{command}` (version {posterior.meta['version']}, pyabc "
        f"{posterior.meta['pyabc']}, seed {posterior.meta['seed']}). Coding of the record: "
        f"`{posterior.meta.get('coding', 'current')}` (conf/codings/).",
        "",
        "ABC-SMC (Toni et al. 2009) with pyabc (Klinger et al. 2018): each particle runs "
        f"`{cfg['policy']}` under the `{cfg['threat']}` threat on the CPEC network for "
        f"{cfg['days']} days (the record's seven years) and computes the fitted statistics "
        "from its event log as `sim.calibration.record` computes them from the record. Distance: "
        "adaptive weighted Euclidean (Prangle 2017); epsilon: the median distance of the "
        f"previous generation; {posterior.meta['population_size']} particles a generation. "
        "Settings: `conf/calibration/abc.yaml`.",
        "",
        "## Statistics of the record (2018-2024)",
        "",
        "| statistic | observed | 95% interval | role |",
        "|---|---|---|---|",
    ]
    from sim.calibration.record import role

    coding = posterior.meta.get("coding", "current")
    for t in targets(coding):
        lines.append(
            f"| {t.description} | {t.observed:.3g} | {t.lo:.3g}-{t.hi:.3g} | {role(t.name)} |"
        )
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    lines += [
        "",
        "## Generations",
        "",
        "| generation | epsilon | simulations | acceptance rate |",
        "|---|---|---|---|",
    ]
    for _, row in pops.iterrows():
        lines.append(
            f"| {int(row.t)} | {row.epsilon:.3g} | {int(row.samples)} | "
            f"{int(history.get_nr_particles_per_population()[row.t]) / row.samples:.2f} |"
        )
    lines += [
        "",
        f"{posterior.meta['simulations']} simulations in all ({posterior.meta['generations']} "
        f"generations); this invocation took {posterior.meta['minutes_this_invocation']} "
        "minutes on 2 cores.",
        "",
        "## Posterior (weighted particles of the last generation)",
        "",
        "| parameter | prior | 5% | median | 95% |",
        "|---|---|---|---|---|",
    ]
    q05, q50, q95 = (posterior.quantile(q) for q in (0.05, 0.5, 0.95))
    logs = set(cfg.get("log_uniform", []))
    for key, (lo, hi) in cfg["priors"].items():
        kind = "log-uniform" if key in logs else "uniform"
        lines.append(
            f"| `{key}` | {kind} {lo:.3g}-{hi:.3g} | {q05[key]:.3g} | {q50[key]:.3g} | "
            f"{q95[key]:.3g} |"
        )
    lines += [
        "",
        "The baseline threat (`conf/threat/baseline.yaml`) takes the posterior medians. "
        "`sweep(..., posterior=N)` draws parameter sets from the whole posterior "
        f"(`{POSTERIOR.relative_to(CONF_DIR.parent)}`) so that intervals include parameter "
        "uncertainty; validation on the statistics the fit did not use is in "
        "[validation.md](validation.md).",
    ]
    return "\n".join(lines) + "\n"


#: The settings of ``python -m sim.calibrate``.
SETTINGS = (
    Setting("workers", "int", 1, "worker processes", low=1, high=1024),
    Setting("population_size", "int", None, "particles a generation (default: abc.yaml's)",
            low=2, high=100_000),
    Setting("max_generations", "int", None, "most generations (default: abc.yaml's)", low=1,
            high=1000),
    Setting("max_simulations", "int", None, "most simulations in all (default: abc.yaml's)",
            low=1, high=10**9),
    Setting("days", "int", None, "days per simulation (default: abc.yaml's)", low=1,
            high=36_500),
    Setting("seed", "int", None, "the calibration seed (default: abc.yaml's)", low=0,
            high=2**32 - 1),
    Setting("out", "path", "results/calibration",
            "the calibration folder (pyabc's database; a rerun resumes it)"),
    Setting("posterior", "path", str(POSTERIOR), "the posterior file written"),
    Setting("report", "path", str(REPORT), "the report written (Markdown)"),
    Setting("write_baseline", "bool", False,
            "write the posterior medians into conf/threat/baseline.yaml"),
    Setting("progress", "bool", True, "say how each generation went"),
    Setting("coding", "str", None, "the coding of the record fitted: a file of conf/codings/ "
            "or a path (default: current)"),  # fmt: skip
)  # fmt: skip
#: The first line of the report, and of the posterior file's header, that this command writes.
REPORT_HEADING = "# Calibration"
POSTERIOR_HEADER = "# command: "


@entry_point()
def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 on success, 2 on bad input."""
    from sim.files.documents import is_signed, signed
    from sim.files.ownership import check_file, check_folder, check_writable, write_text_file

    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(
            help_text(
                __doc__.split("\n\n")[0], SETTINGS, "python -m sim.calibrate [SETTING=VALUE ...]"
            )
        )
        return 0
    try:
        opts, _, _ = parse(argv, SETTINGS)
        cfg = load_config()
        if opts["coding"] is not None:
            from sim.calibration.codings import load_coding

            load_coding(opts["coding"])  # an unknown coding refused before any work
        check_folder(opts["out"], "calibration", "out")
        check_file(
            opts["posterior"],
            "posterior",
            "sim.calibrate",
            lambda head: head.startswith(POSTERIOR_HEADER) and "\n# pyabc: " in head,
        )
        check_file(
            opts["report"],
            "report",
            "sim.calibrate",
            lambda head: is_signed(head, REPORT_HEADING),
        )
        check_writable(opts["out"], "out")
        for key in ("posterior", "report"):
            check_writable(Path(opts[key]).parent, key)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = "python -m sim.calibrate " + " ".join(argv)
    settings = {
        k: opts[k]
        for k in ("population_size", "max_generations", "max_simulations", "days", "seed", "coding")
        if opts[k] is not None
    }
    posterior, history = calibrate(
        opts["workers"], opts["out"], cfg, opts["progress"], command=command, **settings
    )
    cfg.update({k: v for k, v in settings.items() if k in ("population_size", "days", "seed")})
    text = report(posterior, history, cfg, command)
    try:
        posterior.save(Path(opts["posterior"]))
        write_text_file(opts["report"], signed(text, "python -m sim.calibrate"), "report")
    except (ScenarioError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text)
    print(f"posterior written to {opts['posterior']}")
    if opts["write_baseline"]:
        write_baseline(posterior.quantile(0.5), command)
        print(f"posterior medians written to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
