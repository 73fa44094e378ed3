"""The session as a pytest file (httpx): a class per flow, a test per request, in session order.

Each test steers the mock as it was when the request was made (delay, error rate, offline, rate limit,
overrides, through the admin API; only when that changed since the last test), makes the request with
the ids earlier answers gave, and checks status, content type and the body against the operation's
response schema (embedded, refs resolved). Injected failures are pinned: a request the error rate hit
gets that status again (error rate 100 with that status alone), one it spared gets none, so the file
passes or fails the same way every run. `MOCKTUI_TARGET=real` skips the steered requests and never
calls the admin API: the same file checks a real backend.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from typing import Any

from mocktui.engine.export.flows import NOT_JSON, Ref, Step, read, redacted, steering
from mocktui.engine.export.session import Session
from mocktui.engine.har import is_secret

LINE_MAX = 120

HEAD = '''"""{title}

Each class is a flow: requests that belong together, the ids an answer gave used by the next requests.
Each test is one request of the session: status, content type and body schema are checked as the
session saw them. Before each request the mock is steered as it was then (delay, error rate, offline,
rate limit, overrides) through its admin API; injected failures are pinned to what that request got.

    {command}
    MOCKTUI_URL=http://127.0.0.1:3000 pytest {filename}

Against a real backend, MOCKTUI_TARGET=real skips the requests the mock was steered for (faults,
overrides, offline, rules) and makes no admin call:

    MOCKTUI_TARGET=real MOCKTUI_URL=https://api.example.com pytest {filename}

Secret headers were redacted: give them with MOCKTUI_SECRET_<HEADER> (MOCKTUI_SECRET_AUTHORIZATION).
Needs pytest, httpx and jsonschema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

BASE_URL = os.environ.get("MOCKTUI_URL", {base_url!r}).rstrip("/")
REAL = os.environ.get("MOCKTUI_TARGET", "mock") == "real"
ADMIN = "/__mocktui"
VALUES: dict[str, Any] = {{}}  # what earlier answers gave, by name
APPLIED: dict[str, Any] = {{}}  # the steering state the mock was last brought to


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=BASE_URL, timeout=30.0) as client:
        yield client


def steer(api: httpx.Client, state: int) -> None:
    """Bring the mock's controls and overrides to what they were at this point of the session."""
    if REAL or APPLIED.get("state") == state:
        return
    wanted = STATES[state]
    admin(api, "PATCH", "/controls", wanted["controls"])
    current = APPLIED.get("overrides")
    if current is None:
        current = admin(api, "GET", "/overrides").json()
    for operation in current:
        if operation not in wanted["overrides"]:
            admin(api, "DELETE", f"/overrides/{{operation}}")
    for operation, override in wanted["overrides"].items():
        if current.get(operation) != override:
            admin(api, "PUT", f"/overrides/{{operation}}", override)
    APPLIED.update(state=state, overrides=wanted["overrides"])


def admin(api: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    response = api.request(method, ADMIN + path, json=body)
    assert response.status_code < 300, f"admin {{method}} {{path}}: {{response.status_code}} {{response.text}}"
    return response


def steered() -> None:
    if REAL:
        pytest.skip("the mock was steered for this answer (MOCKTUI_TARGET=real)")


def value(name: str) -> Any:
    if name not in VALUES:
        pytest.fail(f"{{name}}: the earlier request that gives it failed or did not run")
    return VALUES[name]


def keep(response: httpx.Response, name: str, pointer: str) -> None:
    """Remember the value at `pointer` of this answer for the requests that use it."""
    node: Any = response.json()
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    VALUES[name] = node


def secret(name: str, recorded: str) -> str:
    return os.environ.get("MOCKTUI_SECRET_" + name.upper().replace("-", "_"), recorded)


def check(response: httpx.Response, status: int, media: str, schema: str | None) -> None:
    assert response.status_code == status, (
        f"expected {{status}}, got {{response.status_code}}: {{response.text[:1000]}}"
    )
    got = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert got == media, f"expected content type {{media or 'none'}}, got {{got or 'none'}}"
    if schema is not None:
        validator = jsonschema.Draft202012Validator({{**SCHEMAS[schema], "$defs": DEFS}})
        errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.absolute_path))
        assert not errors, f"the body breaks the schema of {{schema}}:\\n" + "\\n".join(
            "  /" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in errors[:20]
        )
'''


def text(session: Session) -> str:
    exported = read(session)
    states, step_state = steering(session, exported)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    flows = len({s.flow for s in exported.steps})
    title = "\n".join(textwrap.wrap(
        f"The mocktui session of {session.spec.file} as tests: {len(exported.steps)} requests in {flows} flows "
        f"({stamp}).", 100))  # fmt: skip
    start = session.base if session.base is not None else session.current
    stateful = " --stateful" if start.get("stateful") else ""
    out = [HEAD.format(title=title, command=f"mocktui {session.spec.file} --headless{stateful}    # a fresh mock",
                       filename="test_mocktui_session.py", base_url=session.base_url)]  # fmt: skip
    out.append(f"STATES: list[dict[str, Any]] = {literal(states)}\n")
    out.append(f"SCHEMAS: dict[str, Any] = {literal(exported.schemas)}\n")
    out.append(f"DEFS: dict[str, Any] = {literal(exported.defs)}\n")
    by_flow: dict[int, list[Step]] = {}
    for step in exported.steps:
        by_flow.setdefault(step.flow, []).append(step)
    for flow, steps in by_flow.items():
        out.append(_flow(flow, exported.flows[flow], steps, step_state))
    return _lines_fit("\n\n\n".join(part.strip("\n") for part in out) + "\n")


# -- code ------------------------------------------------------------------------------------------


def _flow(number: int, name: str, steps: list[Step], step_state: dict[int, int]) -> str:
    title = "".join(part.capitalize() for part in name.split("_"))
    first = steps[0]
    lines = [f"class TestFlow{number:02d}{title}:",
             f'    """Flow {number}: {len(steps)} request(s) from request {first.index + 1} on."""']  # fmt: skip
    for step in steps:
        lines.append("")
        lines.extend(_test(step, step_state[step.index]))
    return "\n".join(lines)


def _test(step: Step, state: int) -> list[str]:
    event = step.event
    name = f"test_{step.index + 1:03d}_{event.method.lower()}_{step.name}"[:80]
    lines = [f"    def {name}(self, api: httpx.Client) -> None:"]
    what = f"{event.method} {event.path}{'?' + event.query if event.query else ''} -> {event.status}"
    notes = [t for t in event.tags if t not in ("stateful",)]
    if event.scenario:
        notes.append(f"rule {event.scenario}")
    lines.append(f"        # {what}" + (f" ({', '.join(notes)})" if notes else ""))
    if step.steered:
        lines.append("        steered()")
    lines.append(f"        steer(api, {state})")
    args = [repr(event.method), _url(step)]
    headers = _headers(step)
    if headers:
        args.append(f"headers={headers}")
    if step.body is not NOT_JSON:
        args.append(f"json={_json_code(step.body)}")
    elif step.raw:
        args.append(f"content={step.raw!r}")
    chaos = step.chaos in ("reset", "truncate", "hang")
    if chaos:
        args.append("timeout=5.0")
        lines.append("        with pytest.raises(httpx.HTTPError):  # the mock broke this answer on the wire (chaos)")
    indent = " " * (12 if chaos else 8)
    call = f"{indent}{'' if chaos else 'response = '}api.request({', '.join(args)})"
    if len(call) > LINE_MAX or "\n" in call:
        call = (
            f"{indent}{'' if chaos else 'response = '}api.request(\n"
            + "".join(f"{indent}    {arg.replace(chr(10), chr(10) + indent + '    ')},\n" for arg in args)
            + f"{indent})"
        )
    lines.append(call)
    if chaos:
        return lines
    lines.append(f"        check(response, {event.status}, {step.media!r}, {step.schema!r})")
    for ref in step.keeps:
        lines.append(f"        keep(response, {ref.name!r}, {ref.pointer!r})")
    return lines


def _url(step: Step) -> str:
    parts: list[str] = []
    for part in step.path:
        if isinstance(part, Ref):
            parts.append(f"{{value({part.name!r})}}")
        else:
            parts.append(part.replace("{", "{{").replace("}", "}}"))
    path = "".join(parts) or "/"
    if step.query:
        path += "?" + step.query.replace("{", "{{").replace("}", "}}")
    if any(isinstance(p, Ref) for p in step.path):
        return "f" + repr(path)
    return repr(path.replace("{{", "{").replace("}}", "}"))


def _headers(step: Step) -> str:
    items = []
    for name, value in step.headers:
        if is_secret(name):
            items.append(f"{name!r}: secret({name!r}, {redacted(name, value)!r})")
        else:
            items.append(f"{name!r}: {value!r}")
    return "{" + ", ".join(items) + "}" if items else ""


_MARK = "\x00ref:"
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|\btrue\b|\bfalse\b|\bnull\b')
_PYTHON = {"true": "True", "false": "False", "null": "None"}


def literal(value: Any, indent: int | None = 1) -> str:
    """A JSON value as a Python literal (JSON's text, with True, False and None), one item a line."""
    text = json.dumps(value, indent=indent, ensure_ascii=True)
    return _TOKENS.sub(lambda m: _PYTHON.get(m.group(0), m.group(0)), text)


def _json_code(value: Any) -> str:
    """A request body as Python, with `value('name')` where an earlier answer's value goes."""

    def marked(node: Any) -> Any:
        if isinstance(node, Ref):
            return _MARK + node.name
        if isinstance(node, dict):
            return {k: marked(v) for k, v in node.items()}
        if isinstance(node, list):
            return [marked(v) for v in node]
        return node

    flat = literal(marked(value), None)
    code = flat if len(flat) <= 80 else literal(marked(value), 4)
    return re.sub(r'"\\u0000ref:([A-Za-z0-9_]+)"', r"value('\1')", code)


def _lines_fit(code: str) -> str:
    """A literal too long for one line (a long string without spaces) gets `# noqa: E501`; the docstring's
    lines are kept short where they are written."""
    head, sep, rest = code.partition('\n"""\n')
    lines = [line + "  # noqa: E501" if len(line) > LINE_MAX else line for line in rest.split("\n")]
    return head + sep + "\n".join(lines)
