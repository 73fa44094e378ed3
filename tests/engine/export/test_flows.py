"""Steps and flows of a session (`mocktui.engine.export.flows`): ids chained by what they name, flows joined by
the ids they share, and each step's steering state with injected failures pinned."""

from __future__ import annotations

from typing import Any

import orjson

from mocktui.engine.changes import ChangeLog
from mocktui.engine.events import RequestEvent
from mocktui.engine.export.flows import NOT_JSON, Ref, read, steering
from mocktui.engine.export.session import Session
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ...helpers import SPECS

SHOP = load_spec(str(SPECS / "shop.yaml"))
JSON = [("content-type", "application/json")]


def event(at: float, method: str, path: str, status: int, operation: str, answer: Any = None, body: Any = None,
          tags: tuple[str, ...] = ()) -> RequestEvent:  # fmt: skip
    return RequestEvent(time=at, client="127.0.0.1", method=method, path="/api/v1" + path, query="", status=status,
                        latency_ms=1.0, operation=operation, request_headers=JSON if body is not None else [],
                        request_body=orjson.dumps(body) if body is not None else b"", response_headers=JSON,
                        response_body=orjson.dumps(answer) if answer is not None else b"", tags=tags)  # fmt: skip


def session(events: list[RequestEvent], log: ChangeLog | None = None) -> Session:
    log = log or ChangeLog()
    return Session(SHOP, events, log.items(), log.base, Controls().snapshot())


def test_ids_are_chained_by_what_they_name_and_join_flows() -> None:
    user = {"id": 6, "email": "a@example.com", "firstName": "A", "lastName": "B", "createdAt": "2025-01-01T00:00:00Z"}
    steps = read(session([
        event(1, "POST", "/users", 201, "createUser", user, {"email": "a@example.com"}),
        event(2, "POST", "/products", 201, "createProduct", {"id": 6}, {"name": "x"}),
        event(3, "GET", "/products/6", 200, "getProduct", {"id": 6}),
        event(4, "POST", "/orders", 201, "createOrder", {"id": 1}, {"userId": 6, "items": [{"productId": 6}]}),
        event(5, "GET", "/users/77", 404, "getUser"),
    ])).steps  # fmt: skip
    assert steps[2].path == ["/api/v1/products/", Ref("create_product_2_id", 1, "/id")]  # not the user's 6
    order = steps[3].body
    assert order["userId"] == Ref("create_user_1_id", 0, "/id") and order["userId"].number
    assert order["items"][0]["productId"] == Ref("create_product_2_id", 1, "/id")
    assert steps[0].keeps == [Ref("create_user_1_id", 0, "/id")]
    assert steps[4].path == ["/api/v1/users/77"] and steps[4].body is NOT_JSON  # no answer gave 77
    assert [s.flow for s in steps] == [1, 1, 1, 1, 2]  # the order joins the user and the product
    assert steps[0].schema == "createUser 201 application/json"  # the session's answer met its schema
    assert steps[1].schema is None  # {"id": 6} is no Product: not checked, the replay would fail on it


def test_the_steering_state_of_each_step_pins_injected_failures() -> None:
    log = ChangeLog()
    log.note("PATCH", "/__mocktui/controls", {"faults": {"error_rate": 50}}, Controls().snapshot())
    moment = log.items()[0].time
    events = [
        event(moment - 1, "GET", "/products", 200, "listProducts", []),
        event(moment + 1, "GET", "/products", 503, "listProducts", {}, tags=("fault",)),
        event(moment + 2, "GET", "/products", 200, "listProducts", []),
    ]
    states, of_step = steering(session(events, log), read(session(events, log)))
    faults = [states[of_step[i]]["controls"]["faults"] for i in range(3)]
    assert faults[0]["error_rate"] == 0 and faults[2]["error_rate"] == 0  # before the burst, and spared by it
    assert faults[1]["error_rate"] == 100 and faults[1]["mix"] == {"503": 1.0}  # hit: the same status again
    assert of_step[0] == of_step[2] and len(states) == 2
