"""Helpers of the scenario tests: a `MockEngine` built from a spec, `Scenarios.decide` called with
`MockRequest`s."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.answer import respond
from mocktui.engine.scenarios.decision import Decision, ScenarioError
from mocktui.engine.scenarios.runner import ScenarioFiles, Scenarios

from ...helpers import ROOT, validation_errors

DATA = ROOT / "tests" / "data"
CARD_OK = "4242424242424242"


def request(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    json: Any = None,
    body: bytes = b"",
) -> MockRequest:
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    if json is not None:
        body = orjson.dumps(json)
        sent.setdefault("content-type", "application/json")
    return MockRequest(method, path, query, sent, body)


def decide(scenarios: Scenarios, method: str, path: str, **options: Any) -> Decision | None:
    req = request(method, path, **options)
    compiled, params, _ = scenarios.contract.match(method, path)
    return scenarios.decide(compiled.op if compiled else None, req, params)


def answer(scenarios: Scenarios, method: str, path: str, **options: Any) -> MockResponse | None:
    """The response a caller builds from the decision (`respond` over the engine's normal answer)."""
    contract = scenarios.contract
    req = request(method, path, **options)
    compiled, params, _ = contract.match(method, path)
    decision = scenarios.decide(compiled.op if compiled else None, req, params)
    if decision is None:
        return None
    assert compiled is not None
    return respond(decision, compiled.op, lambda prefer: contract.respond(compiled, req, prefer))


def rules(tmp_path: Path, engine: MockEngine, text: str, packs: list[str] | None = None) -> Scenarios:
    file = tmp_path / "rules.yaml"
    file.write_text(textwrap.dedent(text))
    return Scenarios.load(
        engine.contract, engine.state, ScenarioFiles(str(file), None, tuple(packs) if packs is not None else ())
    )


def body_of(decision: Decision | None) -> Any:
    assert decision is not None and decision.body is not None
    return orjson.loads(decision.body)


def problems_of(engine: MockEngine, rules_file: str | None = None, hooks_file: str | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenarios.load(engine.contract, engine.state, ScenarioFiles(rules_file, hooks_file, ()))
    return caught.value.problems


def schema_errors(engine: MockEngine, op: str, status: int, value: Any) -> list[str]:
    media = next(iter(engine.operations[op].responses[str(status)].media.values()))
    return validation_errors(engine.spec.bundle(media.spec.schema), value)
