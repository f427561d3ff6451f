"""The record and the model against it: the record's statistics, calibration, validation.

``record`` (the public record of attacks and its statistics), ``calibrate`` (ABC-SMC, ``python
-m sim.calibrate``), ``validate`` (posterior predictive checks, ``python -m sim.validate``).
"""
