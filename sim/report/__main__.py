"""``python -m sim.report out=DIR``: a sweep folder as one self-contained HTML report."""

import sys

from sim.report.command import main

if __name__ == "__main__":
    sys.exit(main())
