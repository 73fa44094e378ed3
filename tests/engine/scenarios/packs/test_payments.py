"""The payments pack against specs/payments.yaml, and on a spec that declares fewer statuses."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios
from mocktui.engine.spec.read import load_spec

from ..support import CARD_OK, body_of, decide, schema_errors


def pay(scenarios: Scenarios, number: str, amount: float = 129.99, **extra: Any) -> Decision | None:
    card = {"number": number, "expMonth": 12, "expYear": 2030, "cvc": "123"}
    return decide(scenarios, "POST", "/v1/payments", json={"amount": amount, "currency": "EUR", "card": card, **extra})


def test_payments_success(packs: Scenarios, payments: MockEngine) -> None:
    decision = pay(packs, CARD_OK, description="Order 7")
    assert decision is not None and (decision.rule, decision.status) == ("payments: success", 200)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 200, value) == []
    assert value["status"] == "succeeded" and value["amount"] == 129.99 and value["currency"] == "EUR"
    assert value["card"]["last4"] == "4242" and value["card"]["brand"] == "visa"
    assert value["description"] == "Order 7" and "failureCode" not in value
    assert value["id"] != body_of(pay(packs, CARD_OK))["id"]  # a fresh payment each time


@pytest.mark.parametrize(
    ("number", "rule", "code", "decline", "param"),
    [
        ("4000000000000002", "payments: declined card", "card_declined", "generic_decline", "card.number"),
        ("4000000000009995", "payments: insufficient funds", "card_declined", "insufficient_funds", "card.number"),
        ("4000000000000069", "payments: expired card", "expired_card", None, "card.expYear"),
        ("4000000000000127", "payments: incorrect cvc", "incorrect_cvc", None, "card.cvc"),
    ],
)
def test_payments_declines_fit_the_declared_402(
    packs: Scenarios, payments: MockEngine, number: str, rule: str, code: str, decline: str | None, param: str
) -> None:
    decision = pay(packs, number)
    assert decision is not None and (decision.rule, decision.status) == (rule, 402)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 402, value) == []
    error = value["error"]
    assert (error["type"], error["code"], error["param"], error.get("declineCode")) == (
        "card_error",
        code,
        param,
        decline,
    )
    assert error["message"].startswith("Your card")


def test_payments_large_amounts_are_held_for_review(packs: Scenarios, payments: MockEngine) -> None:
    decision = pay(packs, CARD_OK, amount=10000.01)
    assert decision is not None and (decision.rule, decision.status) == ("payments: held for review", 202)
    value = body_of(decision)
    assert schema_errors(payments, "createPayment", 202, value) == []
    assert value["status"] == "pending" and value["reviewId"].startswith("rev_")
    assert pay(packs, CARD_OK, amount=10000).status == 200  # type: ignore[union-attr]
    assert pay(packs, "4000000000000002", amount=50000).status == 402  # type: ignore[union-attr]


def test_payments_other_cards_and_shapes(packs: Scenarios) -> None:
    assert pay(packs, "5555555555554444") is None
    assert decide(packs, "POST", "/v1/payments", json={"amount": 5, "currency": "EUR"}) is None
    assert decide(packs, "POST", "/v1/payments", body=b"not json", headers={"content-type": "text/plain"}) is None
    spaced = pay(packs, "4000 0000 0000 0002")
    assert spaced is not None and spaced.status == 402


def test_payments_without_declared_statuses(tmp_path: Path) -> None:
    """Card numbers anywhere in the body; statuses the spec does not declare are still answered."""
    spec = tmp_path / "charges.yaml"
    spec.write_text(
        textwrap.dedent(
            """
            openapi: 3.0.3
            info: {title: Charges, version: "1"}
            paths:
              /charges:
                post:
                  operationId: charge
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            source: {type: object, properties: {number: {type: string}, cvc: {type: string}}}
                            amount: {type: integer}
                  responses:
                    "201":
                      description: ok
                      content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
            """
        )
    )
    engine = MockEngine.build(load_spec(str(spec)), faker_seed=1)
    s = Scenarios.load(engine.contract, engine.state, ScenarioFiles(None, None, ("payments",)))
    declined = decide(s, "POST", "/charges", json={"source": {"number": "4000000000000127", "cvc": "1"}})
    assert declined is not None and declined.status == 402
    assert body_of(declined) == {
        "error": {
            "type": "card_error",
            "code": "incorrect_cvc",
            "message": "Your card's security code is incorrect.",
            "param": "source.cvc",
        }
    }
    ok = decide(s, "POST", "/charges", json={"source": {"number": CARD_OK}, "amount": 20})
    assert ok is not None and ok.status == 201 and isinstance(body_of(ok)["id"], str)
    review = decide(s, "POST", "/charges", json={"source": {"number": CARD_OK}, "amount": 20000})
    assert review is not None and review.status == 202 and body_of(review)["status"] == "pending"
    assert body_of(review)["amount"] == 20000
    # Form bodies, Stripe style: card[number]=...
    form = {"content-type": "application/x-www-form-urlencoded"}
    declined = decide(s, "POST", "/charges", body=b"amount=20&card[number]=4000000000000002", headers=form)
    assert declined is not None and body_of(declined)["error"]["param"] == "card[number]"
