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
_REQUIRED = re.compile(r'^"([^"]+)" is a required property')

Fits = Callable[[Any], bool]


def code_word(status: int, kind: str | None = None) -> str:
    return WORDS.get(kind or "") or WORDS.get(status) or ("error" if status >= 500 else "bad_request")


def field_of(violation: Violation) -> str:
    """The field a violation is about, as a JSON pointer: a missing required property names itself."""
    missing = _REQUIRED.match(violation.reason)
    if missing:
        return f"{violation.pointer}/{missing.group(1)}"
    return violation.pointer or ""


def fill(
    value: Any, fits: Fits, status: int, title: str, detail: str, violations: list[Violation], kind: str | None
) -> None:
    """Write the facts into `value` (a generated error object) wherever its schema lets them sit."""
    if not isinstance(value, dict):
        return
    word = code_word(status, kind)

    def attempt(key: str, candidates: list[Any]) -> bool:
        before = value[key]
        for candidate in candidates:
            value[key] = candidate
            if fits(value):
                return True
        value[key] = before
        return False

    message_like = [k for k in MESSAGE_FIELDS if k in value and isinstance(value[k], str)]
    error_is_code = "error" in value and len(message_like) > 1  # {error: not_found, message: ...}
    for key in list(value):
        current = value[key]
        shaped = _items(current[0], violations) if isinstance(current, list) and current else None
        plain = [v.to_dict() for v in violations]  # mocktui's own {location, pointer, reason}
        if shaped is not None:
            attempt(key, [shaped, plain])
        elif key == "errors" and isinstance(current, list):
            attempt(key, [plain])
    if "type" in value:
        attempt("type", ["about:blank", word])
    for key in STATUS_KEYS:
        if key in value and not isinstance(value[key], str):
            attempt(key, [status])
    for key in CODE_KEYS:
        if key in value and key != "type" and (key != "error" or error_is_code):
            attempt(key, [status, word, word.upper(), f"{word}_error", str(status)])
    for key in MESSAGE_FIELDS:
        if key in value and not (key == "error" and error_is_code):
            attempt(key, [title] if key == "title" else [detail, title])


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
        pointer = field_of(violation)
        item = dict(template)
        if isinstance(sample, list):  # FastAPI-style `loc: ["body", "price"]`
            item[field_key] = [violation.location, *[p for p in pointer.split("/") if p]]
        elif field_key in ("pointer",) or (isinstance(sample, str) and sample.startswith("/")):
            item[field_key] = pointer
        else:
            item[field_key] = ".".join(p for p in pointer.split("/") if p) or violation.location
        item[text_key] = violation.reason
        if "location" in item and isinstance(item["location"], str):
            item["location"] = violation.location
        out.append(item)
    return out
