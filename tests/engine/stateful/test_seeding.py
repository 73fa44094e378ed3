"""Seeding a stateful mock: counts, SEED_* overrides, consistency, reproducibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mocktui.cli import serve_parser
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.runtime import build_engine
from mocktui.settings.resolve import ConfigError, resolve

from ...helpers import ROOT, validation_errors
from .support import SHOP


def engine_for(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> MockEngine:
    """The engine `mocktui specs/shop.yaml ARGS` builds, with exactly `env` as its environment."""
    settings = resolve(serve_parser().parse_args([str(SHOP), *args]), environ=env or {}, cwd=cwd or ROOT / "specs")
    return build_engine(load_spec(str(SHOP)), settings)


def export_of(engine: MockEngine) -> dict[str, list[dict[str, Any]]]:
    assert engine.state is not None
    try:
        return engine.state.export()
    finally:
        engine.state.store.close()


def test_seed_count_and_env_override() -> None:
    seeded = export_of(engine_for("--stateful", "--seed", "4", "--faker-seed", "3"))
    assert {k: len(v) for k, v in seeded.items()} == {"users": 4, "products": 4, "orders": 4}
    env = {"SEED_ORDERS": "9", "SEED_PRODUCTS": "1"}
    seeded = export_of(engine_for("--stateful", "--seed", "4", "--faker-seed", "3", env=env))
    assert {k: len(v) for k, v in seeded.items()} == {"users": 4, "products": 1, "orders": 9}
    assert {i["productId"] for o in seeded["orders"] for i in o["items"]} == {seeded["products"][0]["id"]}
    with pytest.raises(ConfigError, match="SEED_USERS"):
        engine_for("--stateful", env={"SEED_USERS": "many"})


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_seeded_data_is_consistent_and_unique(store: str, tmp_path: Path) -> None:
    env = {"SEED_USERS": "60", "SEED_PRODUCTS": "60", "SEED_ORDERS": "80"}
    url = "memory" if store == "memory" else f"sqlite:{tmp_path / 'seed.db'}"
    engine = engine_for("--store", url, "--faker-seed", "11", env=env)
    state = export_of(engine)
    assert {k: len(v) for k, v in state.items()} == {"users": 60, "products": 60, "orders": 80}
    user_ids = {u["id"] for u in state["users"]}
    product_ids = {p["id"] for p in state["products"]}
    assert all(o["userId"] in user_ids for o in state["orders"])
    assert all(i["productId"] in product_ids for o in state["orders"] for i in o["items"])
    for collection, field in (("users", "email"), ("products", "sku")):
        values = [r[field].casefold() for r in state[collection]]
        assert len(set(values)) == len(values), f"duplicate {field}s"
    for collection in ("users", "products", "orders"):
        assert len({r["id"] for r in state[collection]}) == len(state[collection])
    spec = engine.spec
    for collection, op_id in (("users", "getUser"), ("products", "getProduct"), ("orders", "getOrder")):
        op = next(o for o in spec.operations if o.id == op_id)
        bundle = spec.bundle(op.responses["200"].content["application/json"].schema)
        assert [e for r in state[collection] for e in validation_errors(bundle, r)][:3] == []


def test_seed_is_reproducible_with_the_same_faker_seed() -> None:
    def export(seed: str) -> dict[str, list[dict[str, Any]]]:
        return export_of(engine_for("--stateful", "--seed", "5", "--faker-seed", seed))

    first = export("42")
    assert first == export("42")
    assert first != export("43")
