"""Engines the scenario tests share (built once for the package: unit level, no socket)."""

from __future__ import annotations

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ...helpers import SPECS


@pytest.fixture(scope="package")
def shop() -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "shop.yaml")), faker_seed=7)


@pytest.fixture(scope="package")
def payments() -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "payments.yaml")), faker_seed=7)


@pytest.fixture(scope="package")
def stateful_shop() -> MockEngine:
    engine = MockEngine.build(
        load_spec(str(SPECS / "shop.yaml")),
        controls=Controls(stateful=True),
        faker_seed=7,
        store=MemoryStore(),
        seed_count=3,
    )
    assert engine.state is not None
    engine.state.seed()
    return engine
