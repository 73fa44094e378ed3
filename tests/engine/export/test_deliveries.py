"""Which delivery attempts an export carries (`chosen`), and the Postman folder's one request per delivery
(attempts joined by their `X-Mocktui-Delivery` id; one refused before sending left out)."""

from __future__ import annotations

from mocktui.engine.events import EventQuery, RequestEvent
from mocktui.engine.export.deliveries import chosen, postman_folder


def request(event_id: int, at: float, path: str = "/users") -> RequestEvent:
    return RequestEvent(time=at, client="127.0.0.1", method="POST", path=path, query="", status=201, latency_ms=1.0,
                        operation="createUser", id=event_id)  # fmt: skip


def attempt(event_id: int, at: float, trigger: int, n: int, delivery: str, status: int = 200) -> RequestEvent:
    headers = [("x-mocktui-delivery", delivery), ("content-type", "application/json")] if delivery else []
    notes = (f"trigger {trigger}", f"attempt {n} of 2", "source store") if n else (f"trigger {trigger}", "no url")
    return RequestEvent(time=at, client="mocktui", method="POST", path="http://127.0.0.1:9/hooks", query="",
                        status=status, latency_ms=1.0, operation="userCreated", request_headers=headers,
                        request_body=b'{"id": 1}', tags=("webhook", *(() if status == 200 else ("retry",))),
                        notes=notes, id=event_id)  # fmt: skip


JOURNAL = [
    request(1, 1.0),
    attempt(2, 1.1, 1, 1, "7", status=500),
    attempt(3, 1.6, 1, 2, "7"),
    request(4, 2.0, "/users/1"),
    attempt(5, 2.1, 0, 1, "8"),  # fired by hand: no trigger
    attempt(6, 2.2, 0, 0, ""),  # refused before any attempt
]


def test_an_unfiltered_export_carries_every_attempt_and_a_narrowed_one_only_those_its_requests_triggered() -> None:
    requests = [e for e in JOURNAL if e.client != "mocktui"]
    assert [e.id for e in chosen(JOURNAL, requests, EventQuery(), narrowed=False)] == [2, 3, 5, 6]
    assert [e.id for e in chosen(JOURNAL, requests, EventQuery(since=2.05), narrowed=False)] == [5, 6]
    assert [e.id for e in chosen(JOURNAL, requests[:1], EventQuery(path="/users"), narrowed=False)] == [2, 3]
    assert [e.id for e in chosen(JOURNAL, requests[1:], EventQuery(), narrowed=True)] == []


def test_the_postman_folder_has_one_request_per_delivery_sent() -> None:
    folder, variables = postman_folder([e for e in JOURNAL if e.client == "mocktui"], "http://127.0.0.1:3000")
    assert [i["name"] for i in folder["item"]] == ["1. webhook userCreated", "2. webhook userCreated"]
    first = folder["item"][0]["request"]
    assert first["url"] == "{{webhookUrl}}" and first["body"]["raw"] == '{"id": 1}'
    assert first["header"] == [{"key": "content-type", "value": "application/json"}]  # not the delivery's id
    assert "after request 1" in first["description"] and "delivered after 2 attempt(s)" in first["description"]
    assert variables == [{"key": "webhookUrl", "value": "http://127.0.0.1:3000/__mocktui/sink/replayed"},
                         {"key": "webhookSecret", "value": ""}]  # fmt: skip
