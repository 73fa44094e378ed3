"""Seeding related collections is linear: twice the records take about twice the time, and they stay consistent.

Orders reference users and products (`userId`, `items[].productId`); seeding used to re-read the
referenced collection for every order, so 2,000 per collection took 15 s. These tests seed the
shop for real, time it, and check that every reference resolves and unique fields stay unique.
"""

from __future__ import annotations

import time
from typing import Any

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.stateful.seeding import REF_POOL, SEED_BATCH
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ...ui.harness import shop_spec


def shop(per_collection: int, faker_seed: int = 3) -> MockEngine:
    engine = MockEngine.build(
        shop_spec("shop.yaml"),
        controls=Controls(stateful=True),
        faker_seed=faker_seed,
        store=MemoryStore(),
        seed_count=per_collection,
    )
    assert engine.state is not None
    return engine


def seconds_to_seed(per_collection: int) -> float:
    """The best of two seeds of users, products and orders (`per_collection` each): less noise from neighbours."""
    best = float("inf")
    for _ in range(2):
        engine = shop(per_collection)
        assert engine.state is not None
        started = time.perf_counter()
        engine.state.seed()
        best = min(best, time.perf_counter() - started)
    return best


def consistent(state: dict[str, list[dict[str, Any]]]) -> None:
    user_ids = {u["id"] for u in state["users"]}
    product_ids = {p["id"] for p in state["products"]}
    assert all(o["userId"] in user_ids for o in state["orders"])
    assert all(i["productId"] in product_ids for o in state["orders"] for i in o["items"])
    for collection, field in (("users", "email"), ("products", "sku")):
        values = [r[field].casefold() for r in state[collection]]
        assert len(set(values)) == len(values), f"duplicate {field}s"
    for records in state.values():
        assert len({r["id"] for r in records}) == len(records)


def test_twice_the_records_take_about_twice_the_time() -> None:
    small = seconds_to_seed(3_334)  # ~10,000 related records
    large = seconds_to_seed(6_667)  # ~20,000
    assert large < small * 3.0, f"10,000 records in {small:.2f} s, 20,000 in {large:.2f} s: not linear"
    assert large < 8.0


def test_a_big_seed_is_consistent_and_references_spread_over_the_pool() -> None:
    engine = shop(6_000)
    assert engine.state is not None
    engine.state.seed()
    state = engine.state.export()
    assert {k: len(v) for k, v in state.items()} == {"users": 6_000, "products": 6_000, "orders": 6_000}
    consistent(state)
    referenced = {o["userId"] for o in state["orders"]}
    first = {u["id"] for u in state["users"][:REF_POOL]}
    assert referenced <= first and len(referenced) > REF_POOL // 2  # the first 1,000, as before the rewrite


def test_progress_is_reported_per_batch_and_at_each_collections_end() -> None:
    engine = shop(1_200)
    assert engine.state is not None
    calls: list[tuple[str, int, int]] = []
    engine.state.seed(lambda collection, done, total: calls.append((collection, done, total)))
    order = [c for c, _ in engine.state.seed_plan()]
    assert sorted(order) == ["orders", "products", "users"] and order[-1] == "orders"  # referenced ones first
    for name in order:
        done = [d for c, d, t in calls if c == name and t == 1_200]
        assert done == [0, SEED_BATCH, 2 * SEED_BATCH, 1_200], name
    assert [c for c, _, _ in calls] == sorted((c for c, _, _ in calls), key=order.index)


def test_the_same_faker_seed_gives_the_same_big_store() -> None:
    first, second = shop(1_500, faker_seed=9), shop(1_500, faker_seed=9)
    assert first.state is not None and second.state is not None
    first.state.seed()
    second.state.seed(lambda *_: None)  # reporting progress changes nothing
    assert first.state.export() == second.state.export()
