"""Hooks for tests/test_scenarios.py, against specs/shop.yaml."""

from __future__ import annotations

from typing import Any

from mocktui.hooks import Decision, HookRequest, on


@on("POST", "/orders")
def big_orders(request: HookRequest) -> dict[str, Any] | None:
    items = request.json.get("items", [])
    if sum(item.get("quantity", 0) for item in items) > 1000:
        return {"status": 402, "body": {"error": "limit"}, "headers": {"X-Limit": "1000"}}
    return None


@on(operation="getProduct")
def echo(request: HookRequest) -> dict[str, Any] | None:
    if "echo" in request.query:
        return {"template": '{"id": {{ path.productId }}, "echo": "{{ query.echo | upper }}"}'}
    return None


@on("GET", "/users/{userId}")
def broken(request: HookRequest) -> Any:
    if request.headers.get("x-break") == "1":
        return 1 / 0
    if request.path_params.get("userId") == "42":
        return 418
    return None


@on("DELETE", "/products/*")
def locked(request: HookRequest) -> Decision:
    return Decision(rule="", status=423, headers=[("X-Locked", request.path_params["productId"])])


@on(operation="listUsers")
def bad_answers(request: HookRequest) -> Any:
    if "bad" in request.query:
        return {"status": "soon"}
    if "weird" in request.query:
        return ["not", "a", "dict"]
    return None
