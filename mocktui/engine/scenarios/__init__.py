"""Scenarios: rules files, Python hooks and built-in packs that decide an answer before the contract does."""
