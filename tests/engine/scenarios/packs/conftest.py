"""The built-in packs attached to specs/payments.yaml."""

from __future__ import annotations

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios


@pytest.fixture()
def packs(payments: MockEngine) -> Scenarios:
    return Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, None))
