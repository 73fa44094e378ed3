"""The mock's own answers (rate limited, offline, seeding, a disabled route) in the operation's declared shape.

Where the operation declares the status (or a 4XX/5XX range, or an error `default`), the body is that
shape with the truth in it; elsewhere the generic problem+json. Headers and tags stay what they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.contract.responder import Responder
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.stateful.seeding import SeedProgress
from mocktui.engine.steer.controls import Controls

SPEC = """openapi: 3.0.3
info: {title: Own answers, version: "1"}
paths:
  /albums/{id}:
    get:
      operationId: getAlbum
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
        "404":
          description: no such album
          content:
            application/json:
              schema:
                type: object
                required: [code, message]
                properties:
                  code: {type: string, enum: [invalid_request, resource_missing, api_error]}
                  message: {type: string}
        "429":
          description: The app has exceeded its rate limits.
          headers:
            X-Quota-Window: {required: true, schema: {type: string, enum: [minute]}}
            Retry-After: {required: true, schema: {type: integer}}
          content:
            application/json:
              schema:
                type: object
                required: [error]
                properties:
                  error:
                    type: object
                    required: [status, message]
                    properties: {status: {type: integer, minimum: 400, maximum: 599}, message: {type: string}}
        "503":
          description: node is not part of a swarm
          content: {application/json: {schema: {$ref: "#/components/schemas/ErrorResponse"}}}
  /ranged:
    get:
      operationId: ranged
      responses:
        "200": {description: ok}
        "5XX":
          description: server trouble
          content: {application/json: {schema: {$ref: "#/components/schemas/ErrorResponse"}}}
        default:
          description: anything else
          content:
            application/json:
              schema:
                type: object
                required: [type, detail]
                properties: {type: {type: string}, detail: {type: string}}
  /bare:
    get:
      operationId: bare
      responses:
        "200": {description: ok}
        "503": {description: down, declared without a body}
  /plain:
    get:
      operationId: plain
      responses:
        "200": {description: ok}
  /only-default:
    get:
      operationId: onlyDefault
      responses:
        default:
          description: the answer
          content: {application/json: {schema: {$ref: "#/components/schemas/ErrorResponse"}}}
components:
  schemas:
    ErrorResponse:
      type: object
      required: [message]
      properties: {message: {type: string}}
"""
OFFLINE = "the mock is offline (toggle it in the TUI or admin API)"


@pytest.fixture
def engine(tmp_path: Path) -> MockEngine:
    (tmp_path / "api.yaml").write_text(SPEC)
    return MockEngine.build(load_spec(str(tmp_path / "api.yaml")), controls=Controls(validate_responses=True))


def get(engine: MockEngine, path: str) -> MockResponse:
    return engine.handle(MockRequest("GET", path, client="tester"))


def body(response: MockResponse) -> Any:
    return orjson.loads(response.body)


def headers(response: MockResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers}


def is_problem(response: MockResponse, status: int, detail: str) -> bool:
    found = body(response)
    return headers(response)["content-type"] == "application/problem+json" and found == {
        "type": "about:blank",
        "title": found["title"],
        "status": status,
        "detail": detail,
    }


def test_a_declared_429_says_the_limit_in_its_own_shape(engine: MockEngine) -> None:
    engine.controls.update({"rate_limit": {"enabled": True, "requests": 2, "window_s": 60}})
    statuses = [get(engine, "/albums/7").status for _ in range(2)]
    limited = get(engine, "/albums/7")
    assert statuses == [200, 200] and limited.status == 429
    assert body(limited) == {"error": {"status": 429, "message": "more than 2 requests in this window"}}
    sent = headers(limited)
    assert sent["content-type"] == "application/json" and sent["x-quota-window"] == "minute"
    assert sent["retry-after"] == str(max(int(sent["x-ratelimit-reset"]), 1))  # the limiter's, not generated
    assert [n for n, _ in limited.headers].count("retry-after") == 1  # the real one, not a generated one
    assert sent["x-ratelimit-limit"] == "2" and sent["x-ratelimit-remaining"] == "0"
    assert limited.tags == ("rate-limited",) and limited.operation == "getAlbum"
    assert limited.notes == ()  # the response self-check finds it keeps to the spec


def test_an_undeclared_429_or_no_operation_stays_problem_json(engine: MockEngine) -> None:
    engine.controls.update({"rate_limit": {"enabled": True, "requests": 1, "window_s": 60}})
    get(engine, "/plain")
    assert is_problem(get(engine, "/plain"), 429, "more than 1 requests in this window")
    assert is_problem(get(engine, "/nowhere"), 429, "more than 1 requests in this window")


def test_offline_answers_the_declared_503_or_its_range(engine: MockEngine) -> None:
    engine.controls.update({"offline": True})
    down = get(engine, "/albums/7")
    assert (down.status, body(down), down.tags) == (503, {"message": OFFLINE}, ("offline",))
    assert headers(down)["retry-after"] == "5" and down.notes == ()
    ranged = get(engine, "/ranged")  # 5XX before default
    assert (ranged.status, body(ranged), ranged.operation) == (503, {"message": OFFLINE}, "ranged")
    bare = get(engine, "/bare")  # declared without a body: none, the reason in a header
    assert (bare.status, bare.body, headers(bare)["x-mocktui-problem"]) == (503, b"", OFFLINE)
    assert is_problem(get(engine, "/plain"), 503, OFFLINE)
    assert is_problem(get(engine, "/only-default"), 503, OFFLINE)  # its default is its success answer
    assert is_problem(get(engine, "/nowhere"), 503, OFFLINE)


def test_a_disabled_route_answers_its_declared_404_with_the_fitting_code(engine: MockEngine) -> None:
    engine.controls.override("getAlbum", {"disabled": 404})
    gone = get(engine, "/albums/7")
    assert (gone.status, body(gone)) == (404, {"code": "resource_missing", "message": "getAlbum is disabled"})
    assert gone.tags == ("override",) and gone.operation == "getAlbum" and gone.notes == ()
    engine.controls.override("ranged", {"disabled": 404})
    other = get(engine, "/ranged")  # no 404 or 4XX: the error default fits
    assert (other.status, body(other)) == (404, {"type": "about:blank", "detail": "ranged is disabled"})
    engine.controls.override("plain", {"disabled": 503})
    plain = get(engine, "/plain")
    assert is_problem(plain, 503, "plain is disabled") and plain.operation == "plain"


def test_seeding_answers_the_declared_503_with_its_progress(engine: MockEngine) -> None:
    engine.seeding = SeedProgress(plan=[("albums", 10_000)])
    engine.seeding("albums", 2_500, 10_000)
    busy = get(engine, "/albums/7")
    detail = "the store is being seeded (albums 2,500/10,000); try again in a second"
    assert (busy.status, body(busy), busy.tags) == (503, {"message": detail}, ("seeding",))
    assert headers(busy)["retry-after"] == "1"


def test_the_declared_shape_is_made_once_per_operation_status_and_detail(
    engine: MockEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.controls.update({"offline": True})
    first = get(engine, "/albums/7")
    assert body(first) == {"message": OFFLINE}

    def made_again(*args: Any) -> None:
        raise AssertionError("the declared shape was made again")

    monkeypatch.setattr(Responder, "_declared", made_again)
    again = get(engine, "/albums/8")
    assert (again.status, again.body) == (first.status, first.body)
    assert headers(again) == headers(first)
