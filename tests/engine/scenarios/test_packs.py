"""Built-in packs: switched live, attached by name, described."""

from __future__ import annotations

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.decision import ScenarioError
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios

from .support import decide


def test_controls_switch_scenarios_and_packs_for_the_next_request(payments: MockEngine) -> None:
    s = Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("payments",)))
    payment = {"amount": 10, "currency": "EUR", "card": {"number": "4000000000000002"}}
    login = {"username": "user", "password": "user123"}
    assert decide(s, "POST", "/v1/payments", json=payment) is not None
    assert decide(s, "POST", "/v1/auth/login", json=login) is None  # auth is not enabled
    try:
        payments.controls.update({"packs": {"payments": False, "auth": True}})
        assert decide(s, "POST", "/v1/payments", json=payment) is None
        assert decide(s, "POST", "/v1/auth/login", json=login) is not None
        payments.controls.update({"scenarios": False})
        assert decide(s, "POST", "/v1/auth/login", json=login) is None
    finally:
        payments.controls.update({"scenarios": True})
        payments.controls.packs = {}


def test_pack_names_and_attachment(shop: MockEngine, payments: MockEngine) -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("payment",)))
    assert caught.value.problems == [
        "packs: unknown pack 'payment' (did you mean 'payments'?); known: payments, auth, variants"
    ]
    assert Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, None)).packs == {
        "payments": True,
        "auth": True,
        "variants": True,
    }
    on_shop = Scenarios.load(shop.contract, shop.state, ScenarioFiles(None, None, ("all",)))
    assert on_shop.packs == {"payments": False, "auth": False, "variants": True}
    # Nothing of the shop is a payment or a login: the packs leave it alone.
    assert decide(on_shop, "POST", "/api/v1/orders", json={"card": {"number": "4000000000000002"}}) is None
    described = {
        d["name"]: d
        for d in Scenarios.load(payments.contract, payments.state, ScenarioFiles(None, None, ("auth",))).describe()
    }
    assert described["payments"] == {
        "kind": "pack",
        "name": "payments",
        "description": described["payments"]["description"],
        "attached": True,
        "enabled": False,
        "operations": ["createPayment"],
        "hits": 0,
    }
    assert described["auth"]["operations"] == ["login"] and described["auth"]["enabled"] is True
