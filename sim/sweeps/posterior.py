"""The calibrated posterior: weighted parameter sets, read from the file the calibration writes.

``python -m sim.calibrate`` writes ``conf/calibration/posterior.csv`` (one column per calibrated
threat parameter, ``weight``, and ``#`` header lines with the command, seed and versions).
Sweeps (``posterior=N``), the validation and notebook 04 read it through :func:`load_posterior`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.compose import CONF_DIR
from scenarios.schema import Scenario, ScenarioError

__all__ = ["POSTERIOR", "Posterior", "load_posterior"]

POSTERIOR = CONF_DIR / "calibration" / "posterior.csv"
#: Largest posterior file read (bytes).
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Posterior:
    """Weighted particles of the last generation and how they were made."""

    particles: pd.DataFrame  # one column per parameter key ("threat.x") and "weight"
    meta: dict

    @property
    def keys(self) -> list[str]:
        """The calibrated parameters."""
        return [c for c in self.particles.columns if c != "weight"]

    def quantile(self, q: float) -> dict[str, float]:
        """Weighted quantile of every parameter."""
        w = self.particles["weight"].to_numpy(float)
        out = {}
        for key in self.keys:
            x = self.particles[key].to_numpy(float)
            order = np.argsort(x)
            cum = np.cumsum(w[order]) / w.sum()
            out[key] = float(x[order][np.searchsorted(cum, q)])
        return out

    def draws(self, n: int, seed: int) -> pd.DataFrame:
        """Parameter sets 0..n-1, each one particle drawn by weight with its own generator.

        Set ``k`` depends only on ``seed`` and ``k``, so asking for more sets keeps the first
        ones (a sweep that gains replications keeps its earlier draws).
        """
        w = self.particles["weight"].to_numpy(float)
        p = w / w.sum()
        rows = [int(np.random.default_rng([seed, 0x9057, k]).choice(len(w), p=p)) for k in range(n)]
        return self.particles.iloc[rows][self.keys].reset_index(drop=True)

    def save(self, path: Path) -> None:
        """Write the particles as CSV with the metadata as ``#`` header lines."""
        from sim.files.ownership import write_text_file

        header = "".join(f"# {k}: {v}\n" for k, v in self.meta.items())
        text = header + self.particles.to_csv(index=False, float_format="%.6g")
        write_text_file(path, text, "posterior")


def load_posterior(path: str | Path = POSTERIOR) -> Posterior:
    """Read a posterior file written by :func:`calibrate`; refuse one that is malformed.

    Refused, in one line naming the file: a file that is missing, too large, not text, empty
    or comments only, without a ``weight`` column or a parameter column, with a column that
    is not a threat parameter, text where numbers belong, non-finite values, negative weights,
    or weights that do not sum to a positive finite number.
    """
    import io

    path = Path(path)
    if not path.is_file():
        raise ScenarioError(
            "posterior", f"no posterior file at {path}; run `python -m sim.calibrate` first"
        )
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ScenarioError("posterior", f"{path} is larger than 64 MB")
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ScenarioError("posterior", f"{path} is not a readable text file") from None
    meta = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        meta[key.strip()] = value.strip()
    try:
        particles = pd.read_csv(io.StringIO(text), comment="#")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError):
        raise ScenarioError("posterior", f"{path} holds no table of particles") from None
    if "weight" not in particles or len(particles) == 0:
        raise ScenarioError("posterior", f"{path} has no particles with a 'weight' column")
    threat = {f.name for f in Scenario.SECTIONS["threat"].fields()} - {"name"}
    if len(particles.columns) < 2 or particles.columns.duplicated().any():
        raise ScenarioError(
            "posterior", f"{path} needs one column per parameter besides 'weight', each once"
        )
    for key in particles.columns:
        if key != "weight" and (not key.startswith("threat.") or key[7:] not in threat):
            raise ScenarioError("posterior", f"{path}: column {key!r} is not a threat parameter")
    try:
        values = particles.to_numpy(float)
    except (TypeError, ValueError):
        raise ScenarioError("posterior", f"{path} has text where numbers belong") from None
    with np.errstate(over="ignore"):
        total = values[:, list(particles.columns).index("weight")].sum()
    if not (np.isfinite(values).all() and (particles.weight >= 0).all()):
        raise ScenarioError("posterior", f"{path} has non-finite values or negative weights")
    if not (np.isfinite(total) and total > 0):
        raise ScenarioError(
            "posterior", f"{path}: the weights must sum to a positive finite number"
        )
    return Posterior(particles.astype(float), meta)
