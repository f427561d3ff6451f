"""``python -m sim.run [OVERRIDE ...]``: one seeded run from the command line (see sim.runner)."""

import sys

from sim.runner import main

if __name__ == "__main__":
    sys.exit(main())
