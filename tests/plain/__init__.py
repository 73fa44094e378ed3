"""Tests that need nothing but `pip install -e .` (and pytest): `.ci/run` also runs them in a fresh venv
without the `[test]` extra, so a runtime module importing a test-only package fails there."""
