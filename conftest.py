"""Root test configuration: notebooks run on small settings under the test suite."""

import os

os.environ.setdefault("SIM_QUICK", "1")
