"""Error bodies that tell the truth: the spec's own error shape, filled with what really went wrong.

A generated error body has the declared shape but says nothing true (`{"field": "minute", "reason":
"Just more write performance..."}`). Here each field that can carry a fact gets it: message-like
fields the summary, code-like fields a stable word (`validation_error`, `not_found`...), status-like
fields the status, and a list of objects with a field-like and a message-like key one item per
violation naming the field. Each change is kept only if the body still fits its schema (`fits`), so
the answer never breaks the contract it is telling the truth in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mocktui.engine.contract.validate import Violation

MESSAGE_FIELDS = ("message", "detail", "error_description", "description", "reason", "msg", "error", "title")
FIELD_KEYS = ("field", "pointer", "path", "param", "parameter", "property", "name", "key", "attribute", "loc")
TEXT_KEYS = ("message", "reason", "detail", "description", "msg", "error", "title")
CODE_KEYS = ("code", "error", "type", "errorCode", "error_code", "kind")
ERROR_KEYS = ("error", "errors", "fault", "problem", "detail", "details", "status", "meta")  # nested facts' homes
STATUS_KEYS = ("status", "statusCode", "status_code", "code", "httpStatus")
WORDS = {  # the stable word for a refusal, by what went wrong or by status
    "invalid": "validation_error",
    "malformed": "bad_request",
    "media": "unsupported_media_type",
    "auth": "unauthorized",
    "missing": "not_found",
    "conflict": "conflict",
    400: "bad_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
# Words that say the same as each stable word, to pick the member of a declared enum that fits.
SYNONYMS = {
    "validation_error": {"validation", "invalid", "request", "parameter", "param", "unprocessable", "bad"},
    "bad_request": {"bad", "request", "invalid", "malformed", "parse"},
    "unsupported_media_type": {"unsupported", "media", "content", "type", "format"},
    "unauthorized": {"unauthorized", "unauthenticated", "authentication", "auth", "credentials", "login"},
    "forbidden": {"forbidden", "permission", "access", "denied"},
    "not_found": {"not", "found", "missing", "resource", "unknown", "no", "such"},
    "conflict": {"conflict", "exists", "duplicate", "already", "idempotency"},
    "rate_limited": {"rate", "limit", "limited", "throttled", "throttling", "quota", "too", "many"},
    "service_unavailable": {"unavailable", "service", "overloaded", "maintenance", "down", "api"},
    "internal_error": {"internal", "server", "api", "unexpected"},
    "payment_required": {"payment", "card", "billing"},
}
_REQUIRED = re.compile(r'^"([^"]+)" is a required property')

Fits = Callable[[Any], bool]


def code_word(status: int, kind: str | None = None) -> str:
    return WORDS.get(kind or "") or WORDS.get(status) or ("error" if status >= 500 else "bad_request")


def code_enums(schema: Any, deref: Callable[[Any], Any]) -> dict[str, list[str]]:
    """The string enums an error schema declares under code-like keys, by key (`deref` follows refs)."""
    out: dict[str, list[str]] = {}

    def walk(node: Any, depth: int) -> None:
        node = deref(node)
        if depth > 6 or not isinstance(node, dict):
            return
        for key, prop in (node.get("properties") or {}).items():
            body = deref(prop)
            if key in CODE_KEYS and isinstance(body, dict) and isinstance(body.get("enum"), list):
                out.setdefault(key, []).extend(v for v in body["enum"] if isinstance(v, str))
            walk(body, depth + 1)
        for key in ("items", "allOf", "oneOf", "anyOf"):
            child = node.get(key)
            for branch in child if isinstance(child, list) else [child] if child is not None else []:
                walk(branch, depth + 1)

    walk(schema, 0)
    return out


def ranked(members: list[str], word: str) -> list[str]:
    """The enum members that say what `word` says, best first (`invalid_request_error` for validation)."""
    wanted = SYNONYMS.get(word, set(word.split("_")))
    scored = [(len(wanted & set(re.split(r"[^a-z]+", m.lower()))), i, m) for i, m in enumerate(members)]
    return [m for score, _, m in sorted(scored, key=lambda t: (-t[0], t[1])) if score]


def field_of(violation: Violation) -> str:
    """The field a violation is about, as a JSON pointer: a missing required property names itself."""
    missing = _REQUIRED.match(violation.reason)
    if missing:
        return f"{violation.pointer}/{missing.group(1)}"
    return violation.pointer or ""


def fill(
    value: Any,
    fits: Fits,
    status: int,
    title: str,
    detail: str,
    violations: list[Violation],
    kind: str | None,
    enums: dict[str, list[str]] | None = None,
) -> None:
    """Write the facts into `value` (a generated error object) wherever its schema lets them sit.

    `enums` (from `code_enums`) lets a code field that only admits its enum take the fitting member.
    """
    if isinstance(value, dict):
        word = code_word(status, kind)
        _fill(value, lambda: fits(value), word, status, title, detail, violations, enums or {}, 0)


def _fill(
    node: dict[str, Any],
    fits: Callable[[], bool],
    word: str,
    status: int,
    title: str,
    detail: str,
    violations: list[Violation],
    enums: dict[str, list[str]],
    depth: int,
) -> bool:
    """`fill` for one object of the body; nested error objects (`{"error": {"param", "message"}}`) too.
    True when it wrote a fact (then the fields that tell nothing are left out where the schema allows)."""

    told: set[str] = set()  # the keys that now carry a fact

    def attempt(key: str, candidates: list[Any]) -> bool:
        before = node[key]
        for candidate in candidates:
            node[key] = candidate
            if fits():
                told.add(key)
                return True
        node[key] = before
        return False

    message_like = [k for k in MESSAGE_FIELDS if k in node and isinstance(node[k], str)]
    error_is_code = "error" in node and len(message_like) > 1  # {error: not_found, message: ...}
    for key in list(node):
        current = node[key]
        shaped = _items(current[0], violations) if isinstance(current, list) and current else None
        plain = [v.to_dict() for v in violations]  # mocktui's own {location, pointer, reason}
        if shaped is not None:
            attempt(key, [shaped, plain])
        elif key == "errors" and isinstance(current, list):
            attempt(key, [plain])
        elif isinstance(current, dict) and depth < 3 and (not message_like or key in ERROR_KEYS):
            if _fill(current, fits, word, status, title, detail, violations, enums, depth + 1):
                told.add(key)
    field_key = next((k for k in FIELD_KEYS if isinstance(node.get(k), str)), None)
    if field_key is not None and violations and field_of(violations[0]) and any(k in node for k in TEXT_KEYS):
        attempt(field_key, [_field_text(violations[0], node[field_key])])  # Stripe's `{param, message}`
    broad = "bad_request" if status < 500 else "internal_error"  # an enum with no word for this one
    if "type" in node:
        types = enums.get("type", [])
        attempt("type", ["about:blank", word, *ranked(types, word), *ranked(types, broad)])
    for key in STATUS_KEYS:
        if key in node and not isinstance(node[key], str):
            attempt(key, [status])
    for key in CODE_KEYS:
        if key in node and key != "type" and (key != "error" or error_is_code):
            members = enums.get(key, [])
            attempt(key, [status, word, word.upper(), f"{word}_error", str(status), *ranked(members, word),
                          *ranked(members, broad)])  # fmt: skip
    for key in MESSAGE_FIELDS:
        if key in node and key != field_key and not (key == "error" and error_is_code):
            attempt(key, [title] if key == "title" else [detail, title])
    if told:
        _drop_noise(node, told, fits)
    return bool(told)


def _drop_noise(node: dict[str, Any], told: set[str], fits: Callable[[], bool]) -> None:
    """Leave out what tells nothing: an optional field that got no fact (a 401 from Stripe's shape naming
    a `charge`, a `decline_code` and a `payment_intent`) goes when the body fits without it."""
    order = list(node)
    for key in order:
        if key not in told:
            value = node.pop(key)
            if not fits():  # required, or the shape needs it: it stays
                node[key] = value
    if list(node) != [k for k in order if k in node]:  # put back where it was
        kept = {k: node[k] for k in order if k in node}
        node.clear()
        node.update(kept)


def _field_text(violation: Violation, sample: Any) -> Any:
    """The field a violation names, written as the sample writes fields: a pointer, a list or dotted."""
    pointer = field_of(violation)
    parts = [p for p in pointer.split("/") if p]
    if isinstance(sample, list):  # FastAPI-style `loc: ["body", "price"]`
        return [violation.location, *parts]
    if isinstance(sample, str) and sample.startswith("/"):
        return pointer
    return ".".join(parts) or violation.location


def _items(template: Any, violations: list[Violation]) -> list[dict[str, Any]] | None:
    """One item per violation in the template item's shape, or None when the shape has no field and text."""
    if not isinstance(template, dict):
        return None
    field_key = next((k for k in FIELD_KEYS if k in template), None)
    text_key = next((k for k in TEXT_KEYS if k in template), None)
    if field_key is None or text_key is None:
        return None
    sample = template[field_key]
    out = []
    for violation in violations:
        item = dict(template)
        item[field_key] = field_of(violation) if field_key == "pointer" else _field_text(violation, sample)
        item[text_key] = violation.reason
        if "location" in item and isinstance(item["location"], str):
            item["location"] = violation.location
        out.append(item)
    return out
