"""``python -m sim.sweep experiment=NAME [KEY=VALUE ...]``: run a sweep (see sim.sweep_cli).

This module only starts the command line; import :func:`sim.sweep` (the function) or
:func:`sim.sweep_cli.main` in Python, never this module (its name is the function's).
"""

import sys

from sim.sweep_cli import main

if __name__ == "__main__":
    sys.exit(main())
