"""Scenario discovery: where in the uncertainties a policy wins (PRIM boxes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.statistics import pair_keys, paired_differences, successful

__all__ = ["policy_wins", "prim_boxes"]


# ---- scenario discovery ------------------------------------------------------------------------
def policy_wins(
    results: pd.DataFrame,
    policy: str,
    other: str,
    outcome: str,
    uncertainties: list[str],
    ties: str = "drop",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Uncertainty settings of each paired run, and whether ``policy`` beat ``other`` there.

    For questions such as "under which settings does joint_escort lose fewer foreign lives than
    domestic_intel": ``x, y = policy_wins(df, "joint_escort", "domestic_intel",
    "foreign_killed", ["ambush_rate", "backlash"])`` then ``prim_boxes(x, y)``.

    A tie (the same outcome in both runs of a pair, common with rare deaths) is neither a win
    nor a loss: with ``ties="drop"`` (the default) tied pairs are left out, and their number is
    ``x.attrs["ties"]`` (of ``x.attrs["pairs"]``); ``ties="lose"`` counts them as losses.
    """
    if ties not in ("drop", "lose"):
        raise ValueError(f"ties must be 'drop' or 'lose', got {ties!r}")
    from sim.model.outcomes import OUTCOMES

    pairs = paired_differences(results, policy, other, outcome)
    ok = successful(results)
    keys = pair_keys(ok, [])
    settings = ok[ok.policy == policy].set_index(keys)[uncertainties]
    x = settings.loc[
        pd.MultiIndex.from_frame(pairs[keys]) if len(keys) > 1 else pairs[keys[0]]
    ].reset_index(drop=True)
    sign = -1.0 if OUTCOMES[outcome].better == "lower" else 1.0
    d = pairs["diff"].to_numpy(float)
    keep = d != 0 if ties == "drop" else np.ones(len(d), dtype=bool)
    x = x[keep].reset_index(drop=True)
    x.attrs.update(ties=int((d == 0).sum()), pairs=len(d))
    return x, (sign * d[keep] > 0)


def prim_boxes(
    x: pd.DataFrame, y, max_boxes: int = 1, mass_min: float = 0.05, threshold: float = 0.8
) -> pd.DataFrame:
    """Scenario discovery with PRIM (EMA Workbench; Friedman and Fisher 1999).

    ``x`` holds the uncertainty settings, ``y`` marks the cases of interest. For each box found
    (at most ``max_boxes``), the last point of its peeling trajectory whose density reaches
    ``threshold`` is chosen (or the densest). Returns one row per restricted parameter and box:
    ``box``, ``parameter``, ``lower``, ``upper``, ``coverage``, ``density``, ``mass``.
    """
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    y = np.asarray(y, dtype=int)
    # whole-number factors (cells, teams) as floats: PRIM peels between their values (10.5)
    whole = [c for c in x.columns if pd.api.types.is_integer_dtype(x[c]) or x[c].dtype == bool]
    x = x.astype(dict.fromkeys(whole, float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own pandas deprecations
        model = prim.Prim(x.reset_index(drop=True), y, mass_min=mass_min)
        boxes = []
        for _ in range(max_boxes):
            box = model.find_box()
            if box is None:
                break
            boxes.append(box)
    rows = []
    for b, box in enumerate(boxes):
        if box is None:
            break
        traj = box.peeling_trajectory
        good = traj.index[traj.density >= threshold]
        i = int(good[-1] if len(good) else traj.density.idxmax())
        box.select(i)
        lims = box.box_lim
        full = model.box_init
        stats_ = box.stats
        for col in x.columns:
            lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
            if lo > float(full[col].iloc[0]) or hi < float(full[col].iloc[1]):
                rows.append(
                    {
                        "box": b,
                        "parameter": col,
                        "lower": lo,
                        "upper": hi,
                        "coverage": float(stats_["coverage"]),
                        "density": float(stats_["density"]),
                        "mass": float(stats_["mass"]),
                    }
                )
    return pd.DataFrame(
        rows, columns=["box", "parameter", "lower", "upper", "coverage", "density", "mass"]
    )
