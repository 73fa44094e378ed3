"""The auth pack against specs/payments.yaml."""

from __future__ import annotations

import base64
import time
from typing import Any

import orjson
import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.packs.auth import make_token, user_id
from mocktui.engine.scenarios.runner import Scenarios

from ..support import body_of, decide, schema_errors


def login(scenarios: Scenarios, username: str, password: str) -> Decision | None:
    return decide(scenarios, "POST", "/v1/auth/login", json={"username": username, "password": password})


def claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    assert len(parts) == 3 and all(parts)
    header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header == {"alg": "HS256", "typ": "JWT"}
    payload: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    return payload


def test_auth_admin_needs_mfa(packs: Scenarios, payments: MockEngine) -> None:
    decision = login(packs, "admin", "admin123")
    assert decision is not None and (decision.rule, decision.status) == ("auth: admin MFA required", 200)
    value = body_of(decision)
    assert schema_errors(payments, "login", 200, value) == []
    assert value["mfaRequired"] is True and value["user"]["username"] == "admin" and value["user"]["roles"] == ["admin"]
    payload = claims(value["token"])
    assert payload["sub"] == user_id("admin") == value["user"]["id"] and payload["role"] == "admin"
    assert payload["mfa"] is True and payload["exp"] > time.time() + 3000


def test_auth_user_logs_in(packs: Scenarios, payments: MockEngine) -> None:
    decision = decide(packs, "POST", "/v1/auth/login", json={"username": "User", "password": "user123"})
    assert decision is not None and (decision.rule, decision.status) == ("auth: user logged in", 200)
    value = body_of(decision)
    assert schema_errors(payments, "login", 200, value) == []
    assert value["mfaRequired"] is False and value["tokenType"] == "Bearer" and value["expiresIn"] == 3600
    payload = claims(value["token"])
    assert payload["role"] == "user" and "mfa" not in payload and payload["exp"] - payload["iat"] == 3600
    assert value["user"]["email"] == "user@example.com"
    by_email = decide(packs, "POST", "/v1/auth/login", json={"username": "user@example.com", "password": "user123"})
    assert by_email is not None and by_email.status == 200


@pytest.mark.parametrize(("username", "error"), [("locked", "account_locked"), ("expired", "password_expired")])
def test_auth_blocked_accounts(packs: Scenarios, payments: MockEngine, username: str, error: str) -> None:
    decision = login(packs, username, "whatever1")
    assert decision is not None and decision.status == 403
    value = body_of(decision)
    assert schema_errors(payments, "login", 403, value) == []
    assert value["error"] == error
    if error == "account_locked":
        assert "lockedUntil" in value and "passwordResetUrl" not in value
    else:
        assert value["passwordResetUrl"].startswith("https://") and "lockedUntil" not in value


def test_auth_wrong_passwords_count_down_per_username(packs: Scenarios, payments: MockEngine) -> None:
    remaining = []
    for _ in range(5):
        decision = login(packs, "admin", "wrong-password")
        assert decision is not None and decision.status == 401
        value = body_of(decision)
        assert schema_errors(payments, "login", 401, value) == []
        assert value["error"] == "invalid_credentials"
        remaining.append(value["attemptsRemaining"])
    assert remaining == [4, 3, 2, 1, 0]
    assert body_of(login(packs, "user", "nope"))["attemptsRemaining"] == 4  # another username, its own count
    locked = login(packs, "admin", "admin123")
    assert locked is not None and locked.status == 403 and body_of(locked)["error"] == "account_locked"
    packs.reset()
    assert login(packs, "admin", "admin123").status == 200  # type: ignore[union-attr]


def test_auth_a_right_password_clears_failures(packs: Scenarios) -> None:
    login(packs, "user", "bad")
    login(packs, "user", "bad")
    assert login(packs, "user", "user123").status == 200  # type: ignore[union-attr]
    assert body_of(login(packs, "user", "bad"))["attemptsRemaining"] == 4
    assert decide(packs, "POST", "/v1/auth/login", json={"username": "user"}) is None  # no password: not a login


def test_tokens_fit_the_spec_pattern() -> None:
    token = make_token("a-rather-long-username", "accountant", mfa=True, now=2_000_000_000)
    assert claims(token) == {
        "sub": user_id("a-rather-long-username"),
        "role": "accountant",
        "iat": 2_000_000_000,
        "exp": 2_000_003_600,
        "mfa": True,
    }
    head, payload, signature = token.split(".")
    assert 16 <= len(head) <= 64 and 16 <= len(payload) <= 128 and 16 <= len(signature) <= 86
