"""Client sessions over real HTTP: each `X-Mocktui-Session` gets its own store view, call counts, rate-limit
windows and overrides; the journal names and filters them; `/__mocktui/sessions` lists and drops them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mocktui.cli import serve_parser
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.runner import ScenarioFiles
from mocktui.engine.sessions import Sessions, SessionSource
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls, RateLimit
from mocktui.engine.stores.memory import MemoryStore
from mocktui.settings.resolve import ConfigError, resolve
from mocktui.settings.table import Settings

from ..helpers import SPECS, LiveServer

API = "/api/v1"
SEEDED = 5
HEADER = "X-Mocktui-Session"


def shop(tmp_path: Path | None = None, source: str | None = None, **controls: Any) -> LiveServer:
    rules = None
    if tmp_path is not None:
        rules = tmp_path / "rules.yaml"
        rules.write_text("- name: first lookup fails\n  when: {operation: getUser, call: 1}\n  then: {status: 503}\n")
    engine = MockEngine.build(
        load_spec(str(SPECS / "shop.yaml")),
        controls=Controls(stateful=True, **controls),
        faker_seed=7,
        store=MemoryStore(),
        seed_count=SEEDED,
        scenarios=ScenarioFiles(rules=str(rules)) if rules else None,
    )
    if source is not None:
        engine.sessions = Sessions(SessionSource.parse(source))
    assert engine.state is not None
    engine.state.seed()
    return LiveServer(engine)


@pytest.fixture
def server() -> Iterator[LiveServer]:
    live = shop()
    live.start()
    try:
        yield live
    finally:
        live.stop()


def client(server: LiveServer, session: str | None = None) -> httpx.Client:
    headers = {HEADER: session} if session else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def emails(http: httpx.Client) -> list[str]:
    response = http.get(f"{API}/users", params={"per_page": 100})
    assert response.status_code == 200
    assert int(response.headers["x-total-count"]) == len(response.json())
    return [user["email"] for user in response.json()]


def new_user(http: httpx.Client, email: str) -> dict[str, Any]:
    response = http.post(f"{API}/users", json={"email": email, "firstName": "A", "lastName": "B"})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def test_two_sessions_doing_crud_see_none_of_each_others_records(server: LiveServer) -> None:
    with client(server) as plain, client(server, "one") as one, client(server, "two") as two:
        seeded = emails(plain)
        assert len(seeded) == SEEDED
        mine = new_user(one, "one@example.com")
        theirs = new_user(two, "two@example.com")
        new_user(two, "one@example.com")  # the same unique e-mail: another session's record does not clash
        assert emails(one) == [*seeded, "one@example.com"]
        assert emails(two) == [*seeded, "two@example.com", "one@example.com"]
        assert one.get(f"{API}/users/{theirs['id']}").status_code == 404
        assert two.get(f"{API}/users/{mine['id']}").status_code == 404
        # Changes and deletes of seeded records stay in the session too.
        assert one.patch(f"{API}/users/1", json={"firstName": "Changed"}).status_code == 200
        assert one.delete(f"{API}/users/2").status_code == 204
        assert one.get(f"{API}/users/2").status_code == 404
        assert one.get(f"{API}/users/1").json()["firstName"] == "Changed"
        assert two.get(f"{API}/users/1").json()["firstName"] != "Changed"
        assert two.get(f"{API}/users/2").status_code == 200
        assert emails(one) == [seeded[0], *seeded[2:], "one@example.com"]
        assert emails(plain) == seeded
        assert plain.get(f"{API}/users/{mine['id']}").status_code == 404


def test_sessions_are_listed_and_a_dropped_one_starts_again_from_the_seed(server: LiveServer) -> None:
    with client(server) as plain, client(server, "one") as one, client(server, "two") as two:
        seeded = emails(plain)
        new_user(one, "one@example.com")
        one.delete(f"{API}/users/1")
        new_user(two, "two@example.com")
        listed = {s["id"]: s for s in plain.get("/__mocktui/sessions").json()}
        assert set(listed) == {"one", "two"}
        assert (listed["one"]["requests"], listed["one"]["records"]) == (2, 2)
        assert (listed["two"]["requests"], listed["two"]["records"]) == (1, 1)
        assert listed["one"]["last_seen"] > 0
        assert plain.delete("/__mocktui/sessions/one").status_code == 204
        assert [s["id"] for s in plain.get("/__mocktui/sessions").json()] == ["two"]
        assert plain.delete("/__mocktui/sessions/one").status_code == 404
        assert emails(one) == seeded
        assert emails(two) == [*seeded, "two@example.com"]
        assert "two" not in str(plain.get("/__mocktui/store/export").json())  # the export is the shared data


def test_call_counts_are_per_session(tmp_path: Path) -> None:
    live = shop(tmp_path)  # with a rule: `call: 1` of getUser answers 503
    live.start()
    try:
        with client(live) as plain, client(live, "one") as one, client(live, "two") as two:
            assert [one.get(f"{API}/users/1").status_code for _ in range(2)] == [503, 200]
            assert [two.get(f"{API}/users/1").status_code for _ in range(2)] == [503, 200]
            assert [plain.get(f"{API}/users/1").status_code for _ in range(2)] == [503, 200]
            plain.delete("/__mocktui/sessions/one")
            assert one.get(f"{API}/users/1").status_code == 503  # dropped: its counts start again
            assert two.get(f"{API}/users/1").status_code == 200
    finally:
        live.stop()


def test_rate_limit_windows_are_per_session() -> None:
    live = shop(rate_limit=RateLimit(True, 2, 60.0))
    live.start()
    try:
        with client(live, "one") as one, client(live, "two") as two:
            assert [one.get(f"{API}/users/1").status_code for _ in range(3)] == [200, 200, 429]
            assert two.get(f"{API}/users/1").status_code == 200
    finally:
        live.stop()


def test_an_override_made_with_the_session_header_applies_to_that_session_only(server: LiveServer) -> None:
    with client(server) as plain, client(server, "one") as one, client(server, "two") as two:
        made = one.put("/__mocktui/overrides/getUser", json={"status": 404})
        assert made.status_code == 200 and made.json() == {"status": 404}
        assert plain.get("/__mocktui/overrides").json() == {}
        assert one.get("/__mocktui/overrides/getUser").json() == {"status": 404}
        assert one.get(f"{API}/users/3").status_code == 404
        assert two.get(f"{API}/users/3").status_code == 200
        assert plain.get(f"{API}/users/3").status_code == 200
        assert one.patch("/__mocktui/overrides/listUsers", json={"status": 400}).status_code == 200
        assert one.get(f"{API}/users").status_code == 400
        listed = {s["id"]: s for s in plain.get("/__mocktui/sessions").json()}
        assert listed["one"]["overrides"] == ["getUser", "listUsers"]
        # A global override still applies where the session has none of its own for the operation.
        plain.put("/__mocktui/overrides/getProduct", json={"status": 404})
        assert one.get(f"{API}/products/1").status_code == 404
        assert one.delete("/__mocktui/overrides/getUser").status_code == 204
        assert one.get(f"{API}/users/3").status_code == 200


def test_the_journal_names_the_session_and_filters_by_it(server: LiveServer) -> None:
    with client(server) as plain, client(server, "one") as one, client(server, "two") as two:
        one.get(f"{API}/users/3")
        two.get(f"{API}/users/3")
        two.get(f"{API}/users/4")
        plain.get(f"{API}/users/5")
        events = plain.get("/__mocktui/events", params={"session": "two"}).json()
        assert [(e["path"], e["session"]) for e in events] == [(f"{API}/users/3", "two"), (f"{API}/users/4", "two")]
        everything = plain.get("/__mocktui/events").json()
        assert [e["session"] for e in everything] == ["one", "two", "two", None]
        verified = plain.post("/__mocktui/verify", json={"path": f"{API}/users/*", "session": "one", "count": 1})
        assert verified.status_code == 200 and verified.json()["count"] == 1
        missed = plain.post("/__mocktui/verify", json={"path": f"{API}/users/4", "session": "one"})
        assert missed.status_code == 417
        assert "session two, not one" in str(missed.json()["near_misses"])


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("cookie:sid", {"headers": {"cookie": "theme=dark; sid=c-1"}}),
        ("query:session", {"params": {"session": "c-1"}}),
        ("header:X-Run", {"headers": {"x-run": "c-1"}}),
    ],
)
def test_the_session_can_come_from_a_cookie_a_query_parameter_or_another_header(
    source: str, named: dict[str, Any]
) -> None:
    live = shop(source=source)
    live.start()
    try:
        with httpx.Client(base_url=live.url, timeout=10) as http:
            response = http.post(f"{API}/users", json={"email": "c@example.com", "firstName": "C", "lastName": "D"},
                                 **named)  # fmt: skip
            assert response.status_code == 201
            assert len(http.get(f"{API}/users", **named).json()) == SEEDED + 1
            assert len(http.get(f"{API}/users", headers={HEADER: "c-1"}).json()) == SEEDED  # not the source now
            assert [e["session"] for e in http.get("/__mocktui/events").json()] == ["c-1", "c-1", None]
    finally:
        live.stop()


def settings(args: list[str], env: dict[str, str]) -> Settings:
    return resolve(serve_parser().parse_args([str(SPECS / "shop.yaml"), *args]), environ=env, cwd=Path("/nonexistent"))


def test_session_from_is_a_setting_and_a_bad_one_is_refused() -> None:
    assert settings(["--session-from", "cookie:sid"], {}).session_from == "cookie:sid"
    assert settings([], {"SESSION_FROM": "query:run"}).session_from == "query:run"
    assert settings([], {}).session_from == "header:X-Mocktui-Session"
    with pytest.raises(ConfigError, match="header:NAME, cookie:NAME or query:NAME"):
        settings(["--session-from", "body:x"], {})


def test_an_idempotency_key_replays_only_within_its_session(tmp_path: Path) -> None:
    from .test_idempotency import SPEC

    spec = tmp_path / "orders.yaml"
    spec.write_text(SPEC)
    engine = MockEngine.build(load_spec(str(spec)), controls=Controls(stateful=True), store=MemoryStore(), seed_count=0)
    live = LiveServer(engine)
    live.start()
    try:
        with client(live, "one") as one, client(live, "two") as two:
            key = {"Idempotency-Key": "fixture-1"}
            first = one.post("/orders", json={"item": "lamp"}, headers=key)
            again = one.post("/orders", json={"item": "lamp"}, headers=key)
            theirs = two.post("/orders", json={"item": "lamp"}, headers=key)
            assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
            assert "idempotent-replayed" not in theirs.headers and theirs.json()["id"] != first.json()["id"]
            assert [len(http.get("/orders").json()) for http in (one, two)] == [1, 1]
    finally:
        live.stop()
