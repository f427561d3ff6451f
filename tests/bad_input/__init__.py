"""The bad-input catalogue, by entry point (``tests/test_bad_input.py`` counts it)."""
