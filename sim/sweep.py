"""``python -m sim.sweep experiment=NAME [KEY=VALUE ...]``: run a sweep (see sim.sweep_engine).

Sweep settings: experiment, replications, workers, backend (processes|dask), scheduler
(ADDRESS of a running Dask scheduler), out (folder; default results/NAME), seed (the
experiment seed), events (true|false), progress (true|false), flush_rows (rows per Parquet
part). Every other KEY=VALUE is a
scenario override applied to every run, such as days=90 or policy.escort_size=4.
"""

import sys

from sim.sweep_engine import main

if __name__ == "__main__":
    sys.exit(main())
