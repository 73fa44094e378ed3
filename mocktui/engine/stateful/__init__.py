"""Stateful mode: resources inferred from the spec, answered from a store (CRUD, lists, seeding)."""
