"""The auth pack: logins with known users, locked and expired accounts, counted failed attempts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
import re
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.data.pools import normalise
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.packs.base import Pack, answer_body, body_schema, schema_fields, success_status
from mocktui.engine.scenarios.view import RequestView
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    pass

JWT_KEY = b"mocktui"
MAX_ATTEMPTS = 5


# -- auth -----------------------------------------------------------------------------------

_LOGIN_WORDS = re.compile(r"log-?in|sign-?in|token|auth|session", re.IGNORECASE)
_ID_FIELDS = ("username", "email", "login", "user", "emailaddress", "userid", "name")
_PASSWORD_FIELDS = ("password", "pass", "passwd", "pwd")
# username -> (password, role, mfa) for users who can log in; other outcomes below
USERS: dict[str, tuple[str, str, bool]] = {"admin": ("admin123", "admin", True), "user": ("user123", "user", False)}
BLOCKED = {"locked": "account_locked", "expired": "password_expired"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(username: str, role: str, mfa: bool = False, now: float | None = None, ttl: int = 3600) -> str:
    """A JWT-shaped token: header.payload.signature, base64url without padding."""
    issued = int(now if now is not None else dt.datetime.now(dt.UTC).timestamp())
    payload: dict[str, Any] = {"sub": user_id(username), "role": role, "iat": issued, "exp": issued + ttl}
    if mfa:
        payload["mfa"] = True
    head = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    body = _b64(orjson.dumps(payload))
    signature = _b64(hmac.new(JWT_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def user_id(username: str) -> str:
    return "usr_" + hashlib.sha256(username.encode()).hexdigest()[:6]


class AuthPack(Pack):
    name = "auth"
    description = (
        "Logins: admin/admin123 (MFA required), user/user123, locked and expired (403), "
        "wrong passwords 401 with attemptsRemaining counting down"
    )

    def attaches(self, op: Operation) -> bool:
        if op.method != "POST" or not _LOGIN_WORDS.search(f"{op.path} {op.id}"):
            return False
        schema = body_schema(self.contract, op)
        keys = {key for parent, key in schema_fields(self.contract, schema) if parent == ""} if schema else set()
        return any(k in keys for k in _ID_FIELDS) and any(k in keys for k in _PASSWORD_FIELDS)

    def reset(self) -> None:
        self.counters.reset()

    def answer(self, view: RequestView) -> Decision | None:
        body = view.body
        if not isinstance(body, dict):
            return None
        fields = {normalise(str(k)): v for k, v in body.items()}
        ident = next((fields[k] for k in _ID_FIELDS if isinstance(fields.get(k), str)), None)
        password = next((fields[k] for k in _PASSWORD_FIELDS if isinstance(fields.get(k), str)), None)
        if ident is None or password is None:
            return None
        op = view.op
        assert op is not None
        username = ident.split("@", 1)[0].lower() if "@" in ident else ident.lower()
        if username in BLOCKED:
            return self._blocked(op, username, BLOCKED[username])
        key = f"auth:failed:{username}"  # counted where every process of the mock counts (a cluster's counters)
        if self.counters.incr(key, 0) >= MAX_ATTEMPTS:
            return self._blocked(op, username, "account_locked")
        known = USERS.get(username)
        if known is not None and password == known[0]:
            self.counters.drop(key)
            return self._success(op, username, *known[1:])
        failed = self.counters.incr(key)
        if failed > MAX_ATTEMPTS:  # another process counted the last allowed attempt meanwhile
            return self._blocked(op, username, "account_locked")
        return self._wrong(op, MAX_ATTEMPTS - failed)

    def _success(self, op: Operation, username: str, role: str, mfa: bool) -> Decision:
        status = success_status(op)
        token = make_token(username, role, mfa)
        uid = user_id(username)
        email_address = f"{username}@example.com"
        truths: dict[str, list[Any]] = {
            "token": [token],
            "accesstoken": [token],
            "idtoken": [token],
            "jwt": [token],
            "refreshtoken": [_b64(hashlib.sha256(f"refresh:{token}".encode()).digest())],
            "tokentype": ["Bearer", "bearer"],
            "expiresin": [3600],
            "mfarequired": [mfa],
            "requiresmfa": [mfa],
            "mfa": [mfa],
            "twofactorrequired": [mfa],
            "username": [username],
            "login": [username],
            "email": [email_address],
            "id": [uid],
            "userid": [uid],
            "sub": [uid],
            "role": [role, "member", "viewer"],
            "roles": [[role], ["member"], ["viewer"]],
        }
        fallback = {
            "token": token,
            "tokenType": "Bearer",
            "expiresIn": 3600,
            "mfaRequired": mfa,
            "user": {"id": uid, "username": username, "email": email_address, "role": role},
        }
        rng = random.Random(f"{self.contract.seed}:auth:{username}")
        body, ctype = answer_body(self.contract, op, status, truths, fallback, rng)
        suffix = "MFA required" if mfa else "logged in"
        return Decision(rule=f"auth: {username} {suffix}", status=status, body=body, content_type=ctype)

    def _wrong(self, op: Operation, remaining: int) -> Decision:
        message = "The username or password is incorrect."
        truths: dict[str, list[Any]] = {
            "error": ["invalid_credentials"],
            "code": ["invalid_credentials"],
            "message": [message],
            "detail": [message],
            "attemptsremaining": [remaining],
            "remainingattempts": [remaining],
            "attemptsleft": [remaining],
            "status": [401],
            "statuscode": [401],
            "title": ["Unauthorized"],
        }
        fallback = {"error": "invalid_credentials", "message": message, "attemptsRemaining": remaining}
        body, ctype = answer_body(self.contract, op, 401, truths, fallback, self.contract.rng)
        return Decision(
            rule=f"auth: wrong password, {remaining} attempt{'' if remaining == 1 else 's'} left",
            status=401,
            headers=[("WWW-Authenticate", 'Bearer error="invalid_credentials"')],
            body=body,
            content_type=ctype,
        )

    def _blocked(self, op: Operation, username: str, why: str) -> Decision:
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)).isoformat(timespec="seconds")
        until = until.replace("+00:00", "Z")
        reset_url = f"https://example.com/reset-password?user={username}"
        if why == "account_locked":
            message = "Too many failed attempts; the account is locked for 15 minutes."
            extra: dict[str, list[Any]] = {"lockeduntil": [until], "passwordreseturl": []}
            fallback: dict[str, Any] = {"error": why, "message": message, "lockedUntil": until}
        else:
            message = "The password has expired; choose a new one."
            extra = {"passwordreseturl": [reset_url], "lockeduntil": []}
            fallback = {"error": why, "message": message, "passwordResetUrl": reset_url}
        truths: dict[str, list[Any]] = {
            "error": [why],
            "code": [why],
            "message": [message],
            "detail": [message],
            "status": [403],
            "statuscode": [403],
            "title": ["Forbidden"],
            **extra,
        }
        body, ctype = answer_body(self.contract, op, 403, truths, fallback, self.contract.rng)
        return Decision(rule=f"auth: {why.replace('_', ' ')}", status=403, body=body, content_type=ctype)
