"""Root test configuration.

Notebooks run on small settings under the test suite. Under ``CI=true`` Hypothesis draws its
examples deterministically, so a CI result can be reproduced; local runs keep exploring.
"""

import os

from hypothesis import settings

os.environ.setdefault("SIM_QUICK", "1")
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")
