"""Root test configuration.

Notebooks run on small settings under the test suite, and sweeps on one worker unless a test
asks for more. Under ``CI=true`` Hypothesis draws its
examples deterministically, so a CI result can be reproduced; local runs keep exploring.
"""

import os

from hypothesis import settings

os.environ.setdefault("SIM_QUICK", "1")
# sweeps default to one worker per core; tests that want workers ask for them (two pytest
# workers each starting a pool per small sweep would only compete for the two cores)
os.environ.setdefault("SIM_WORKERS", "1")
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")
