"""The lever search: many-objective robust optimisation of the policy levers (MORDM).

``python -m sim.optimize`` (or :func:`sim.optimize`) searches the lever vector
(:mod:`sim.search.levers`) with NSGA-II (:mod:`sim.search.loop`) for a host-only and a joint
space on the same seeds; each candidate is evaluated through the sweep engine over fixed
scenarios of the deciding assumptions and posterior draws (:mod:`sim.search.evaluate`); the
final fronts are re-evaluated on fresh seeds and compared (:mod:`sim.search.fronts`).
"""
