"""Python hooks: answers, failures reported, unusable hook files, and their order with rules and packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.answer import respond
from mocktui.engine.scenarios.runner import HOOK_ERROR_HEADER, ScenarioFiles, Scenarios

from .support import CARD_OK, DATA, body_of, decide, problems_of


@pytest.fixture()
def hooked(shop: MockEngine) -> Scenarios:
    return Scenarios.load(shop.contract, shop.state, ScenarioFiles(None, str(DATA / "hooks-shop.py")))


def test_hooks_answer_with_dicts_statuses_and_decisions(hooked: Scenarios) -> None:
    huge = {"userId": 1, "items": [{"productId": 7, "quantity": 5000}]}
    limit = decide(hooked, "POST", "/api/v1/orders", json=huge)
    assert limit is not None and limit.rule == "hook big_orders"
    assert (limit.status, limit.headers, body_of(limit)) == (402, [("X-Limit", "1000")], {"error": "limit"})
    assert decide(hooked, "POST", "/api/v1/orders", json={"userId": 1, "items": []}) is None
    echo = decide(hooked, "GET", "/api/v1/products/7", query="echo=hi")
    assert echo is not None and echo.status is None and body_of(echo) == {"id": 7, "echo": "HI"}
    teapot = decide(hooked, "GET", "/api/v1/users/42")
    assert teapot is not None and (teapot.rule, teapot.status) == ("hook broken", 418)
    locked = decide(hooked, "DELETE", "/api/v1/products/9")
    assert locked is not None and (locked.rule, locked.status, locked.headers) == (
        "hook locked",
        423,
        [("X-Locked", "9")],
    )
    assert decide(hooked, "GET", "/api/v1/users/1") is None


def test_a_failing_hook_answers_500_and_is_reported(hooked: Scenarios) -> None:
    decision = decide(hooked, "GET", "/api/v1/users/1", headers={"x-break": "1"})
    assert decision is not None and decision.status == 500 and decision.rule == "hook broken"
    assert decision.headers == [(HOOK_ERROR_HEADER, "ZeroDivisionError: division by zero")]
    assert decision.content_type == "application/problem+json"
    note = f"hook broken failed at {DATA / 'hooks-shop.py'}:28: ZeroDivisionError: division by zero"
    assert body_of(decision)["detail"] == note and decision.notes == [note]
    assert list(hooked.hook_errors)[-1]["error"] == "ZeroDivisionError: division by zero"
    response = respond(decision, None, lambda prefer: pytest.fail("not needed"))
    assert response.status == 500 and note in response.notes and "scenario" in response.tags
    assert next(d for d in hooked.describe() if d["name"] == "broken")["errors"] == 1


def test_a_hook_returning_something_unusable_answers_500(hooked: Scenarios) -> None:
    bad = decide(hooked, "GET", "/api/v1/users", query="bad=1")
    assert bad is not None and bad.status == 500
    assert bad.headers[0][1] == "ValueError: returned a bad answer: return.status: bad status 'soon': " + (
        "expected an HTTP status 100-599"
    )
    weird = decide(hooked, "GET", "/api/v1/users", query="weird=1")
    assert weird is not None and weird.headers[0][1] == "TypeError: returned list; expected None or a dict"


def test_hook_files_that_cannot_be_used(tmp_path: Path, shop: MockEngine) -> None:
    def rel(problems: list[str]) -> list[str]:
        return [p.replace(str(DATA) + "/", "") for p in problems]

    assert rel(problems_of(shop, hooks_file=str(DATA / "hooks-import-error.py"))) == [
        "hooks-import-error.py:4: hooks: KeyError: 'limt'"
    ]
    syntax = tmp_path / "hooks-syntax-error.py"
    syntax.write_text('from mocktui.hooks import on\n\n\n@on("GET", "/pets")\ndef pets(request)\n    pass\n')
    assert problems_of(shop, hooks_file=str(syntax)) == [f"{syntax}:5: hooks: SyntaxError: expected ':'"]
    assert rel(problems_of(shop, hooks_file=str(DATA / "hooks-unknown-operation.py"))) == [
        "hooks-unknown-operation.py:4: hook pets: operation: unknown operationId 'listPets' "
        f"(did you mean 'listProducts'?): not in {shop.spec.file}",
        "hooks-unknown-operation.py:9: hook orders: method: unknown method 'FETCH'; "
        "known: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE",
    ]
    assert rel(problems_of(shop, hooks_file=str(DATA / "scenarios-shop.yaml"))) == [
        "scenarios-shop.yaml: hooks: cannot load a Python module from this file"
    ]


def test_rules_come_before_hooks_and_hooks_before_packs(tmp_path: Path, payments: MockEngine) -> None:
    hooks = tmp_path / "hooks.py"
    hooks.write_text(
        "from mocktui.hooks import on\n\n\n"
        "@on(operation='createPayment')\n"
        "def pay(request):\n"
        "    return {'status': 201} if request.headers.get('x-hook') else None\n"
    )
    file = tmp_path / "rules.yaml"
    file.write_text("- when: {headers: {x-rule: '1'}}\n  then: {status: 409}\n")
    s = Scenarios.load(payments.contract, payments.state, ScenarioFiles(str(file), str(hooks), None))
    payment = {"amount": 10, "currency": "EUR", "card": {"number": CARD_OK, "expMonth": 1, "expYear": 2030}}
    both = {"x-rule": "1", "x-hook": "1"}
    assert decide(s, "POST", "/v1/payments", json=payment, headers=both).status == 409  # type: ignore[union-attr]
    assert decide(s, "POST", "/v1/payments", json=payment, headers={"x-hook": "1"}).status == 201  # type: ignore[union-attr]
    assert decide(s, "POST", "/v1/payments", json=payment).rule == "payments: success"  # type: ignore[union-attr]
