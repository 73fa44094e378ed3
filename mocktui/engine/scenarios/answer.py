"""From a `Decision` to a `MockResponse`: the scenario's own answer, or the normal one changed."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING

from mocktui.engine.http import MockResponse, problem
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    pass


# -- from a decision to a response ----------------------------------------------------------


def declares(op: Operation, status: int) -> bool:
    """Whether `op` declares `status` (exactly, by its NXX range, or by `default`)."""
    return str(status) in op.responses or f"{str(status)[0]}XX" in op.responses or "default" in op.responses


def respond(decision: Decision, op: Operation | None, normal: Callable[[dict[str, str]], MockResponse]) -> MockResponse:
    """The response for a decision; `normal(prefer)` is the mock's own answer with `Prefer` choices.

    A body is sent as it is; an example or a declared status-only answer comes from the mock
    (`Prefer: example=..., code=...`); an undeclared status without a body gets a problem body
    naming the rule; otherwise the normal response, transformed. Delay and fault stay with the
    caller.
    """
    status = decision.status
    if decision.body is not None:
        headers = [("content-type", decision.content_type or "application/json")]
        response = MockResponse(status or 200, headers, decision.body, op.id if op else None)
    elif decision.example is not None and op is not None:
        prefer = {"example": decision.example}
        if status is not None:
            prefer["code"] = str(status)
        response = normal(prefer)
    elif status is not None and (op is None or not declares(op, status)):
        if status >= 400:
            try:
                title = HTTPStatus(status).phrase
            except ValueError:
                title = "Error"
            response = problem(status, title, f"answered by scenario {decision.rule!r}")
        else:
            response = MockResponse(status, [], b"")
        response.operation = op.id if op else None
    elif status is not None:
        response = normal({"code": str(status)})
    else:
        response = normal({})
    if decision.transform is not None:
        response = decision.transform(response)
    if decision.headers:
        names = {name.lower() for name, _ in decision.headers}
        response.headers = [(k, v) for k, v in response.headers if k.lower() not in names] + list(decision.headers)
    response.tags = (*response.tags, "scenario")
    if decision.notes:
        response.notes = (*response.notes, *decision.notes)
    return response
