"""The pure model (`mocktui.ui.model`): filters, counters, curl, chips, summaries, columns."""

from __future__ import annotations

from typing import Any

from mocktui.engine.events import RequestEvent
from mocktui.engine.steer.controls import Controls
from mocktui.ui.keys import ACTIONS
from mocktui.ui.model import (
    DEMO_ERROR_RATE,
    Counters,
    RequestFilter,
    Toggles,
    curl_command,
    failure_chips,
    override_summary,
    pretty_body,
    record_columns,
)
from mocktui.ui.requests import columns

KEYS = {row.id: row.key for row in ACTIONS}  # the default keys, as the header shows them


def _event(**fields: Any) -> RequestEvent:
    base: dict[str, Any] = {"time": 0.0, "client": "", "method": "GET", "path": "/users/1", "query": "", "status": 200}
    base.update(fields)
    return RequestEvent(latency_ms=1.0, **base)


def test_filter_terms() -> None:
    events = [
        _event(),
        _event(method="POST", path="/users", status=201, operation="createUser"),
        _event(path="/products/9", status=404, tags=("override",)),
        _event(path="/orders", status=503, query="page=2"),
    ]

    def hits(text: str) -> list[int]:
        test = RequestFilter.parse(text)
        return [i for i, e in enumerate(events) if test(e)]

    assert hits("") == [0, 1, 2, 3]
    assert hits("status:5xx") == [3] and hits("s:404") == [2] and hits("status:4xx,5xx") == [2, 3]
    assert hits("status:>=400") == [2, 3] and hits("status:<=201") == [0, 1]
    assert hits("method:post") == [1] and hits("m:GET,POST") == [0, 1, 2, 3]
    assert hits("path:/users*") == [0, 1] and hits("path:*/9") == [2] and hits("p:orders") == [3]
    assert hits("path:/user") == [0, 1] and hits("path:/1") == []
    based = RequestFilter.parse("path:/users*", base_path="/api")
    assert based(_event(path="/api/users/1")) and based(_event(path="/users")) and not based(_event(path="/apix"))
    assert hits("op:create") == [1] and hits("tag:over") == [2]
    assert hits("page=2") == [3] and hits("PRODUCTS") == [2] and hits("-status:2xx") == [2, 3]
    assert hits("!method:GET") == [1] and hits("users status:201") == [1]
    bad = RequestFilter.parse("status:abc users")
    assert bad.error and [i for i, e in enumerate(events) if bad(e)] == [0, 1]


def test_counters_rate_window() -> None:
    now = [100.0]
    counters = Counters(clock=lambda: now[0])
    for status in (200, 404, 500, 201):
        counters.add(status)
    assert (counters.total, counters.client_errors, counters.server_errors) == (4, 1, 1)
    assert counters.rate() == 2.0
    now[0] += 5
    assert counters.rate() == 0.0
    counters.reset()
    assert counters.total == 0


def test_curl_and_bodies() -> None:
    event = _event(
        method="PUT",
        query="a=1&b=it's",
        request_headers=[("host", "x"), ("content-type", "application/json"), ("content-length", "9")],
        request_body=b'{"a": 1}',
    )
    command = curl_command(event, "http://127.0.0.1:3000/")
    assert command.startswith("curl -X PUT 'http://127.0.0.1:3000/users/1?a=1&b=it'\"'\"'s'")
    assert "-H 'content-type: application/json'" in command and "host" not in command.split("'-H'")[0][25:]
    assert "--data-raw '{\"a\": 1}'" in command and "content-length" not in command
    assert curl_command(_event(), "http://h").endswith("curl http://h/users/1"[5:])
    assert pretty_body(b'{"a":[1,2]}', "application/json") == ('{\n  "a": [\n    1,\n    2\n  ]\n}', "json")
    assert pretty_body(b"\xff\x00", "image/png")[0] == "<2 bytes of image/png>"
    assert pretty_body(b"plain", "text/plain") == ("plain", "text")
    assert pretty_body(b"", "") == ("", "text")


def test_chips_summaries_columns() -> None:
    calm = failure_chips(Controls().snapshot(), KEYS)
    assert [c.active for c in calm] == [False] * 4
    busy = Controls()
    busy.update(
        {"faults": {"error_rate": 50}, "delay": {"min_ms": 200, "max_ms": 800}, "offline": True,
         "rate_limit": {"enabled": True, "requests": 10, "window_s": 1}}
    )  # fmt: skip
    chips = failure_chips(busy.snapshot(), KEYS)
    assert [c.active for c in chips] == [True] * 4
    assert [c.short for c in chips] == ["err 50%", "200-800ms", "offline", "10/1s"]
    assert override_summary({"status": 404, "delay": {"max_ms": 200}, "error_rate": 5, "disabled": 503}) == (
        "down 503 →404 +200ms err 5%"
    )
    assert override_summary(None) == "" and override_summary({"example": "cat", "dynamic": False}) == "ex:cat static"
    for width in (60, 80, 120, 200):
        assert sum(w for _, w in columns(width)) + len(columns(width)) - 1 <= max(width, 60)
    assert record_columns([{"id": 1, "name": "a", "nested": {}, "n": 2}], "id") == ["id", "name", "n"]
    assert RequestEvent.from_dict(_event(id=3, tags=("x",)).to_dict()).tags == ("x",)


def test_demo_toggles_switch_on_then_restore_what_was_there() -> None:
    toggles = Toggles()
    controls: dict[str, Any] = {"faults": {"error_rate": 10}, "delay": {"min_ms": 5, "max_ms": 50}}
    assert toggles.errors_change(controls) == {"faults": {"error_rate": DEMO_ERROR_RATE}}
    controls["faults"]["error_rate"] = DEMO_ERROR_RATE
    assert toggles.errors_change(controls) == {"faults": {"error_rate": 10}}  # back to what it was
    assert toggles.delay_change(controls) == {"delay": {"min_ms": 200, "max_ms": 800}}
    controls["delay"] = {"min_ms": 200, "max_ms": 800}
    assert toggles.delay_change(controls) == {"delay": {"min_ms": 5, "max_ms": 50}}
    assert Toggles().delay_change(controls) == {"delay": {"min_ms": 0, "max_ms": 0}}  # nothing to restore: off
    custom = failure_chips(Controls().snapshot(), {"errors": "E", "delay": "D", "offline": "O", "rate-limit": "L"})
    assert [chip.key for chip in custom] == ["E", "D", "O", "L"]
