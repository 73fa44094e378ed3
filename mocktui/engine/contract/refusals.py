"""Refusals: which declared status says what went wrong, and the words that say it.

A refusal keeps inside the contract: the kind of problem picks the first declared status of its
chain, and the reason is written into the spec's own error shape where its schema lets it sit.
"""

from __future__ import annotations

from http import HTTPStatus

from mocktui.engine.contract.compiled import CompiledResponse
from mocktui.engine.contract.validate import Violation

ERROR_TITLES = {
    "missing": "Not Found",
    "conflict": "Conflict",
    "invalid": "Request validation failed",
    "malformed": "Malformed request",
    "media": "Unsupported Media Type",
    "unexpected-body": "Unsupported Media Type",
    "auth": "Unauthorized",
}
ERROR_CHAINS = {  # preferred statuses, first declared wins; the last is used when none is
    "missing": (404, 410),
    "conflict": (409,),
    "invalid": (422, 400),
    "malformed": (400, 422),
    "media": (415, 400, 422),
    "unexpected-body": (415,),  # a body where the operation declares none: no declared 400 says that
    "auth": (401, 403),
}


def reason(resp: CompiledResponse) -> tuple[str, str]:
    """Title and detail for an error response the spec declares: its description says why."""
    try:
        title = HTTPStatus(resp.status).phrase
    except ValueError:
        title = "Error"
    return title, resp.spec.description.strip() or title


def error_status(
    responses: dict[str, CompiledResponse], kind: str, violations: list[Violation]
) -> tuple[int, CompiledResponse | None]:
    """The status to refuse with: the kind's preferred ones, then whatever the operation declares.

    A path parameter that breaks its schema names no resource, so a declared 404 fits it. A declared
    status that means something else is never borrowed: the kind's own status is answered undeclared.
    """
    chain = ERROR_CHAINS[kind]
    for code in chain:
        if str(code) in responses:
            return code, responses[str(code)]
    if "4XX" in responses:
        return chain[0], responses["4XX"]
    if "default" in responses:
        return chain[0], responses["default"]
    if "404" in responses and violations and all(v.location == "path" for v in violations):
        return 404, responses["404"]
    # Nothing declared says it: the honest undeclared status, never a declared one that means something
    # else (402 card declined, 409 taken...), which a client would act on.
    return chain[0], None
