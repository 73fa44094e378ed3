"""Security schemes: is a request carrying the credentials its operation asks for?

Requirements are OR-ed; the schemes inside one requirement are AND-ed;
`security: []` opts an operation out. Credentials are checked for presence
and shape (a mock cannot know real secrets).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from mocktui.engine.spec.model import Operation, Spec

Requirement = list[tuple[str, dict[str, Any]]]


def compile_requirements(spec: Spec, op: Operation) -> list[Requirement]:
    """The operation's alternatives, each a list of (scheme name, scheme); [] means open."""
    declared = op.security if op.security is not None else spec.security
    out: list[Requirement] = []
    for requirement in declared or []:
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            return []  # an empty requirement object: anonymous access allowed
        schemes = [(name, spec.security_schemes.get(name)) for name in requirement]
        out.append([(name, scheme) for name, scheme in schemes if isinstance(scheme, dict)])
    return [r for r in out if r]


def _cookies(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return {k: v for k, sep, v in pairs if sep}


def _satisfied(scheme: dict[str, Any], headers: dict[str, str], query: dict[str, str]) -> bool:
    kind = str(scheme.get("type", "")).lower()
    auth = headers.get("authorization", "")
    if kind == "apikey":
        name = str(scheme.get("name", ""))
        where = scheme.get("in")
        if where == "query":
            return bool(query.get(name))
        if where == "cookie":
            return bool(_cookies(headers.get("cookie", "")).get(name))
        return bool(headers.get(name.lower()))
    if kind in ("http", "basic"):
        name = "basic" if kind == "basic" else str(scheme.get("scheme", "")).lower()
        prefix, _, credentials = auth.partition(" ")
        if prefix.lower() != name or not credentials.strip():
            return False
        if name == "basic":
            try:
                return b":" in base64.b64decode(credentials.strip(), validate=True)
            except (binascii.Error, ValueError):
                return False
        return True
    if kind in ("oauth2", "openidconnect"):
        prefix, _, token = auth.partition(" ")
        return prefix.lower() == "bearer" and bool(token.strip())
    return True  # mutualTLS and unknown kinds: not checkable over plain HTTP


def challenge(requirements: list[Requirement]) -> str | None:
    """A WWW-Authenticate value for the first alternative, where its scheme defines one."""
    for _name, scheme in requirements[0] if requirements else []:
        kind = str(scheme.get("type", "")).lower()
        if kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
            return 'Basic realm="mocktui"'
        if kind == "http":
            return f'{str(scheme.get("scheme", "Bearer")).capitalize()} realm="mocktui"'
        if kind in ("oauth2", "openidconnect"):
            return 'Bearer realm="mocktui"'
    return None


def authorised(requirements: list[Requirement], headers: dict[str, str], query: dict[str, str]) -> bool:
    if not requirements:
        return True
    return any(all(_satisfied(scheme, headers, query) for _, scheme in req) for req in requirements)
