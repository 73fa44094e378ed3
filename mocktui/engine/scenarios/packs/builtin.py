"""Built-in scenario packs: realistic behaviour that attaches to any spec by its shape.

A pack looks at every operation once (path, operationId, request body schema) and attaches to
those it fits; on other operations, and on specs where nothing fits, it does nothing. Bodies are
generated from the schema the operation declares for the status, with the pack's facts put into
the fields that say them (`code`, `message`, `declineCode`, `attemptsRemaining`...) wherever the
schema allows; an operation that declares nothing for that status gets a plain JSON body.

**payments**: operations whose request body holds a card number (`card.number`, `number`,
`card_number`, `source.number`, `payment_method.card.number`, ...; 12-19 digits, spaces and
dashes ignored). Stripe's test cards:

| card number        | answer                                                              |
|--------------------|---------------------------------------------------------------------|
| 4242424242424242   | the lowest declared 2xx (else 200), status `succeeded`, last4, brand |
| 4000000000000002   | 402 `card_declined`, decline code `generic_decline`                 |
| 4000000000009995   | 402 `card_declined`, decline code `insufficient_funds`              |
| 4000000000000069   | 402 `expired_card`                                                  |
| 4000000000000127   | 402 `incorrect_cvc`                                                 |
| any, amount > 10000| 202 `pending` with a review id `rev_...` (a declining card still declines) |

Without a declared 402 schema the body is `{"error": {"type": "card_error", "code", "message",
"decline_code", "param"}}`. Other card numbers pass to the mock.

**auth**: POST operations whose path or operationId says login/signin/token/auth/session and
whose body schema has a username (or email/login) and a password. Users:

| username  | password | answer                                                             |
|-----------|----------|--------------------------------------------------------------------|
| admin     | admin123 | 200, role `admin`, `mfaRequired: true` (the token's payload has `"mfa": true`) |
| user      | user123  | 200, role `user`, `mfaRequired: false`                            |
| locked    | any      | 403 `account_locked` with `lockedUntil` (15 minutes on)           |
| expired   | any      | 403 `password_expired` with `passwordResetUrl`                    |
| any       | wrong    | 401 `invalid_credentials`, `attemptsRemaining` 4, 3, 2, 1, 0      |

Failed attempts count per username (unknown usernames too); after the fifth, the username gets
403 `account_locked` until `Scenarios.reset()`.

An email identifies a user by its local part (`admin@example.com` is `admin`). A right password
clears the username's failed attempts. Tokens are JWT-shaped: base64url (no padding) of
`{"alg": "HS256", "typ": "JWT"}`, of the payload `{"sub": "usr_<6 hex>", "role", "iat", "exp"}`
(`exp` one hour on, `"mfa": true` for admin), and an HMAC-SHA256 of both under the key
`mocktui` (a shape for clients to parse, not a secret).

**variants**: every operation, by request headers: `api-version: 1.0` (or `1`, `v1`) wraps a
2xx JSON body as `{"data": <body>, "version": "1.0"}` and adds `Deprecation: true` and a
`Sunset` date; `x-features: a,b` is echoed as `X-Features-Enabled: a,b`; `x-variant: B` is echoed
as `X-Variant: B` and any variant but `A` gets its own schema-valid body, the same on every call.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email.utils
import hashlib
import hmac
import random
import re
import string
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.data.generate import Ctx
from mocktui.engine.contract.media import is_json
from mocktui.engine.pipeline import MockResponse, status_of
from mocktui.engine.data.pools import normalise
from mocktui.engine.scenarios.runner import Decision, RequestView
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    from mocktui.engine.pipeline import MockEngine

JWT_KEY = b"mocktui"
MAX_ATTEMPTS = 5
REVIEW_THRESHOLD = 10000


class Pack:
    """A built-in pack: which operations it attaches to, and how it answers them."""

    name = ""
    description = ""

    def __init__(self, engine: MockEngine) -> None:
        self.engine = engine
        self.hits = 0
        self.operations = [op.id for op in engine.spec.operations if self.attaches(op)]
        self._ops = frozenset(self.operations)

    def attaches(self, op: Operation) -> bool:
        raise NotImplementedError

    def decide(self, view: RequestView) -> Decision | None:
        if view.op is None or view.op.id not in self._ops:
            return None
        decision = self.answer(view)
        if decision is not None:
            self.hits += 1
        return decision

    def answer(self, view: RequestView) -> Decision | None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what the pack remembers between requests."""


# -- shared helpers ---------------------------------------------------------------------------


def body_schema(engine: MockEngine, op: Operation) -> Any:
    """The JSON (or form) request body schema of `op`, dereferenced, or None."""
    if op.body is None:
        return None
    for name, media in op.body.content.items():
        if (is_json(name) or "form" in name) and media.schema is not None:
            return _body(engine, media.schema)
    return None


def _body(engine: MockEngine, schema: Any) -> Any:
    schema = engine.generator.deref(schema)
    if isinstance(schema, dict) and "allOf" in schema:
        schema = engine.generator.merge_all_of(schema)
    return schema


def schema_fields(engine: MockEngine, schema: Any, depth: int = 0, parent: str = "") -> Iterator[tuple[str, str]]:
    """(parent, field) pairs of normalised property names, nested objects and branches included."""
    schema = _body(engine, schema)
    if not isinstance(schema, dict) or depth > 4:
        return
    for branch in (schema.get("oneOf") or []) + (schema.get("anyOf") or []):
        yield from schema_fields(engine, branch, depth + 1, parent)
    for name, sub in (schema.get("properties") or {}).items():
        key = normalise(str(name))
        yield parent, key
        yield from schema_fields(engine, sub, depth + 1, key)


def json_media(engine: MockEngine, op: Operation, status: int) -> Any:
    """The compiled JSON media of the response `op` declares for `status` (exactly, NXX or default)."""
    compiled = engine.operations.get(op.id)
    if compiled is None:
        return None
    code = str(status)
    resp = compiled.responses.get(code) or compiled.responses.get(f"{code[0]}XX") or compiled.responses.get("default")
    if resp is None:
        return None
    for name, media in resp.media.items():
        if is_json(name) and media.gen is not None:
            return media
    return None


def success_status(op: Operation) -> int:
    codes = sorted(status_of(k) for k in op.responses if k[0] == "2")
    return codes[0] if codes else 200


def fit(check: Callable[[Any], bool], value: Any, truths: dict[str, list[Any]]) -> None:
    """Put the facts into `value` wherever a field by that (normalised) name exists and `check` allows.

    Each field takes the first candidate that keeps the value valid; with none (or an empty
    list), the field is dropped if the value stays valid without it, else left as it was.
    """
    for container, key in list(_fields_of(value, 0)):
        norm = normalise(key)
        if norm not in truths or key not in container:
            continue
        before = container[key]
        for candidate in truths[norm]:
            container[key] = copy.deepcopy(candidate)
            if check(value):
                break
        else:
            del container[key]
            if not check(value):
                container[key] = before


def _fields_of(value: Any, depth: int) -> Iterator[tuple[dict[str, Any], str]]:
    if depth > 4:
        return
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from _fields_of(value[key], depth + 1)
    elif isinstance(value, list):
        for item in value[:20]:
            yield from _fields_of(item, depth + 1)


def answer_body(
    engine: MockEngine,
    op: Operation,
    status: int,
    truths: dict[str, list[Any]],
    fallback: Any,
    rng: random.Random,
) -> tuple[bytes, str]:
    """A body for `status`: the declared schema's, with the facts fitted in; else `fallback`."""
    media = json_media(engine, op, status)
    if media is not None:
        value = engine.generate(media.gen, Ctx(rng, examples=False))

        def check(v: Any) -> bool:
            return bool(engine.is_valid(media, v))

        if isinstance(value, dict) and check(value):
            fit(check, value, truths)
            return orjson.dumps(value), str(media.content_type)
    return orjson.dumps(fallback), "application/json"


def _find(body: Any, match: Callable[[str, str, Any], bool], depth: int = 0, parent: str = "") -> list[Any] | None:
    """The path (keys) of the first field for which `match(parent, key, value)` holds."""
    if not isinstance(body, dict) or depth > 4:
        return None
    for key, value in body.items():
        if match(parent, normalise(str(key)), value):
            return [key]
    for key, value in body.items():
        found = _find(value, match, depth + 1, normalise(str(key)))
        if found is not None:
            return [key, *found]
    return None


def _get(body: Any, keys: list[Any]) -> Any:
    for key in keys:
        body = body[key]
    return body


def _random_id(rng: random.Random, prefix: str, size: int) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


# -- payments -------------------------------------------------------------------------------

_CARD_FIELDS = {"cardnumber", "pan", "ccnumber", "creditcardnumber"}
_CARD_PARENTS = {"card", "source", "creditcard", "paymentmethod", "paymentcard", "cc", "payment", "instrument"}
_AMOUNT_FIELDS = {"amount", "total", "totalamount", "amountvalue", "value"}
# number -> (rule suffix, code, decline code, message, field at fault)
_DECLINES: dict[str, tuple[str, str, str | None, str, str]] = {
    "4000000000000002": ("declined card", "card_declined", "generic_decline", "Your card was declined.", "number"),
    "4000000000009995": (
        "insufficient funds",
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
        "number",
    ),
    "4000000000000069": ("expired card", "expired_card", None, "Your card has expired.", "expyear"),
    "4000000000000127": ("incorrect cvc", "incorrect_cvc", None, "Your card's security code is incorrect.", "cvc"),
}
SUCCESS_CARD = "4242424242424242"


def _is_card_field(parent: str, key: str) -> bool:
    return key in _CARD_FIELDS or (key == "number" and (parent in _CARD_PARENTS or parent == ""))


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("51", "52", "53", "54", "55") or digits[:2] == "22":
        return "mastercard"
    if digits[:2] in ("34", "37"):
        return "amex"
    return "discover" if digits.startswith("6") else "unknown"


class PaymentsPack(Pack):
    name = "payments"
    description = (
        "Test cards: 4242424242424242 succeeds, 4000000000000002 declined, 4000000000009995 insufficient funds, "
        "4000000000000069 expired, 4000000000000127 incorrect CVC (402); amount > 10000 held for review (202)"
    )

    def attaches(self, op: Operation) -> bool:
        if op.method not in ("POST", "PUT", "PATCH"):
            return False
        schema = body_schema(self.engine, op)
        if schema is None or not (schema.get("properties") if isinstance(schema, dict) else None):
            # No body shape to go by: the path or operationId has to say payments.
            return bool(re.search(r"pay|charge|checkout", f"{op.path} {op.id}", re.IGNORECASE))
        return any(_is_card_field(parent, key) for parent, key in schema_fields(self.engine, schema))

    def answer(self, view: RequestView) -> Decision | None:
        body = view.body
        if not isinstance(body, dict):
            return None
        op = view.op
        assert op is not None
        where = _find(body, lambda parent, key, value: _is_card_field(parent, key) and _digits(value) is not None)
        digits = _digits(_get(body, where)) if where is not None else None
        card = _get(body, where[:-1]) if where is not None else {}
        if digits is not None and digits in _DECLINES:
            return self._decline(view, op, digits, where or [], card)
        amount_at = _find(body, lambda parent, key, value: key in _AMOUNT_FIELDS and _amount(value) is not None)
        amount = _amount(_get(body, amount_at)) if amount_at is not None else None
        if amount is not None and amount > REVIEW_THRESHOLD:
            return self._review(op, amount)
        if digits == SUCCESS_CARD:
            return self._success(op, body, digits, card, amount)
        return None

    def _decline(self, view: RequestView, op: Operation, digits: str, where: list[Any], card: Any) -> Decision:
        suffix, code, decline, message, fault = _DECLINES[digits]
        param_keys = list(where)
        if fault != "number" and isinstance(card, dict):
            sibling = next((k for k in card if normalise(str(k)).startswith(fault)), None)
            if sibling is not None:
                param_keys = [*where[:-1], sibling]
        param = ".".join(str(k) for k in param_keys)
        truths: dict[str, list[Any]] = {
            "type": ["card_error"],
            "code": [code],
            "errorcode": [code],
            "declinecode": [decline] if decline else [],
            "message": [message],
            "detail": [message],
            "errormessage": [message],
            "param": [param],
            "field": [param],
            "status": [402],
            "statuscode": [402],
            "title": ["Payment Required"],
            "error": [code],  # a flat {error: "card_declined"} body
        }
        error: dict[str, Any] = {"type": "card_error", "code": code, "message": message}
        if decline:
            error["decline_code"] = decline
        error["param"] = param
        body, ctype = answer_body(self.engine, op, 402, truths, {"error": error}, self.engine.rng)
        return Decision(rule=f"payments: {suffix}", status=402, body=body, content_type=ctype)

    def _review(self, op: Operation, amount: float | int) -> Decision:
        rng = self.engine.rng
        review = _random_id(rng, "rev_", 14)
        payment = _random_id(rng, "pay_", 16)
        message = "The payment is held for a manual fraud review."
        truths: dict[str, list[Any]] = {
            "status": ["pending", "PENDING", "review", "requires_action"],
            "reviewid": [review],
            "review": [review],
            "message": [message],
            "amount": [amount],
        }
        fallback = {"id": payment, "status": "pending", "reviewId": review, "amount": amount, "message": message}
        body, ctype = answer_body(self.engine, op, 202, truths, fallback, rng)
        return Decision(rule="payments: held for review", status=202, body=body, content_type=ctype)

    def _success(
        self, op: Operation, body: dict[str, Any], digits: str, card: Any, amount: float | int | None
    ) -> Decision:
        status = success_status(op)
        rng = self.engine.rng
        card = card if isinstance(card, dict) else {}
        month = next((v for k, v in card.items() if normalise(str(k)) in ("expmonth", "expirationmonth")), None)
        year = next((v for k, v in card.items() if normalise(str(k)) in ("expyear", "expirationyear")), None)
        truths: dict[str, list[Any]] = {
            "status": ["succeeded", "success", "paid", "captured", "completed"],
            "last4": [digits[-4:]],
            "brand": [_brand(digits)],
            "failurecode": [],
            "failuremessage": [],
            "amountrefunded": [0],
        }
        for key in ("currency", "description"):
            if key in body:
                truths[key] = [body[key]]
        if amount is not None:
            truths["amount"] = [amount]
        if month is not None:
            truths["expmonth"] = [month]
        if year is not None:
            truths["expyear"] = [year]
        fallback = {
            "id": _random_id(rng, "pay_", 16),
            "status": "succeeded",
            "amount": amount,
            "currency": body.get("currency"),
            "card": {"brand": _brand(digits), "last4": digits[-4:]},
        }
        payload, ctype = answer_body(self.engine, op, status, truths, fallback, rng)
        return Decision(rule="payments: success", status=status, body=payload, content_type=ctype)


def _digits(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = re.sub(r"[\s-]", "", str(value))
    return text if text.isdigit() and 12 <= len(text) <= 19 else None


def _amount(value: Any) -> float | int | None:
    """A number from JSON or form text; whole numbers stay integers (`"2000"` is 2000, not 2000.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None


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

    def __init__(self, engine: MockEngine) -> None:
        super().__init__(engine)
        self.failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def attaches(self, op: Operation) -> bool:
        if op.method != "POST" or not _LOGIN_WORDS.search(f"{op.path} {op.id}"):
            return False
        schema = body_schema(self.engine, op)
        keys = {key for parent, key in schema_fields(self.engine, schema) if parent == ""} if schema else set()
        return any(k in keys for k in _ID_FIELDS) and any(k in keys for k in _PASSWORD_FIELDS)

    def reset(self) -> None:
        with self._lock:
            self.failures.clear()

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
        with self._lock:
            failed = self.failures.get(username, 0)
            if failed >= MAX_ATTEMPTS:
                locked = True
            else:
                locked = False
                known = USERS.get(username)
                if known is not None and password == known[0]:
                    self.failures.pop(username, None)
                    return self._success(op, username, *known[1:])
                failed = self.failures[username] = failed + 1
        if locked:
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
        rng = random.Random(f"{self.engine.seed}:auth:{username}")
        body, ctype = answer_body(self.engine, op, status, truths, fallback, rng)
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
        body, ctype = answer_body(self.engine, op, 401, truths, fallback, self.engine.rng)
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
        body, ctype = answer_body(self.engine, op, 403, truths, fallback, self.engine.rng)
        return Decision(rule=f"auth: {why.replace('_', ' ')}", status=403, body=body, content_type=ctype)


# -- variants -------------------------------------------------------------------------------


class VariantsPack(Pack):
    name = "variants"
    description = (
        "Headers: api-version: 1.0 answers the legacy format (Deprecation, Sunset), "
        "x-features echoed as X-Features-Enabled, x-variant: B gets its own stable body"
    )

    def attaches(self, op: Operation) -> bool:
        return True

    def answer(self, view: RequestView) -> Decision | None:
        headers = view.headers
        version = headers.get("api-version", headers.get("x-api-version", "")).strip().lower().lstrip("v")
        features = headers.get("x-features")
        variant = headers.get("x-variant", "").strip()
        legacy = version in ("1", "1.0", "1.0.0")
        if not (legacy or features is not None or variant):
            return None
        out: list[tuple[str, str]] = []
        parts: list[str] = []
        if legacy:
            sunset = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            sunset += dt.timedelta(days=180)
            out += [("Deprecation", "true"), ("Sunset", email.utils.format_datetime(sunset, usegmt=True))]
            parts.append("api-version 1.0")
        if features is not None:
            enabled = list(dict.fromkeys(f.strip() for f in features.split(",") if f.strip()))
            out.append(("X-Features-Enabled", ",".join(enabled)))
            parts.append("x-features")
        if variant:
            out.append(("X-Variant", variant[:64]))
            parts.append(f"x-variant {variant[:64]}")
        engine = self.engine
        vary = variant if variant and variant.upper() != "A" else None

        def transform(response: MockResponse) -> MockResponse:
            if not 200 <= response.status < 300 or not response.body:
                return response
            ctype = next((v for k, v in response.headers if k.lower() == "content-type"), "")
            if not is_json(ctype.split(";")[0].strip().lower()):
                return response
            try:
                value = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                return response
            if vary is not None:
                value = _variation(engine, response, value, vary)
            if legacy:
                value = {"data": value, "version": "1.0"}
            response.body = orjson.dumps(value)
            return response

        return Decision(rule="variants: " + ", ".join(parts), headers=out, transform=transform)


def _variation(engine: MockEngine, response: MockResponse, value: Any, variant: str) -> Any:
    """A body of its own for a variant: generated from the schema under the variant's seed, else reordered."""
    compiled = engine.operations.get(response.operation or "")
    media = json_media(engine, compiled.op, response.status) if compiled is not None else None
    if media is not None:
        rng = random.Random(f"{engine.seed}:{response.operation}:{response.status}:variant:{variant}")
        generated = engine.generate(media.gen, Ctx(rng, examples=False))
        if generated is not None and engine.is_valid(media, generated):
            return generated
    return _reordered(value)


def _reordered(value: Any) -> Any:
    if isinstance(value, list):
        return [_reordered(v) for v in reversed(value)]
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    return value


BUILTIN: list[type[Pack]] = [PaymentsPack, AuthPack, VariantsPack]
