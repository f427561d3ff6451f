"""Many runs: experiments and designs, the plan, the store, the reader, execution, precision.

``designs`` (experiments, designs, selections), ``plan`` (runs and paired seeds), ``posterior``
(parameter sets of the calibrated posterior), ``store`` (Parquet parts, checksums, identity,
lock), ``reader`` (the one reader of a sweep folder), ``execution`` (workers, backends,
``sim.sweep``), ``precision`` (replications by precision), ``command`` (``python -m sim.sweep``).
"""
