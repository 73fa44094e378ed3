"""The spec and the session as a Postman v2.1 collection (newman runs it against the mock with 0 failures).

- a folder per tag with one request per operation: parameters and bodies the mock accepts (from the
  spec's examples or schemas), auth from its security schemes, `{{baseUrl}}`; a saved example for every
  declared response; tests: the status is a success the operation declares, the body fits its schema;
- a "Session" folder replaying the journal (or its filtered part) in order: the ids an answer gave are
  kept in collection variables for the next requests, each request's pre-request script steers the mock
  as it was then (its admin API, faults pinned as in the pytest export), and its tests check the status,
  content type and schema the session saw;
- a "Webhooks" folder (when the session has deliveries) re-sending each delivered payload to `{{webhookUrl}}`.

Schemas are the operation's response schemas, their `$defs` once in the `mocktuiDefs` collection variable,
as draft-07 (what the Postman sandbox's Ajv reads): formats and patterns it cannot read are left out, so a
check fails only on a real difference.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from mocktui.engine.export import deliveries, samples
from mocktui.engine.export.flows import NOT_JSON, Ref, Step, read, redacted, shared, steering
from mocktui.engine.export.session import Session
from mocktui.engine.har import is_secret
from mocktui.engine.spec.model import NO_EXAMPLE, Operation

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
AJV_FORMATS = frozenset({"date", "time", "date-time", "uri", "uri-reference", "uri-template", "url", "email",
                         "hostname", "ipv4", "ipv6", "uuid", "json-pointer", "relative-json-pointer"})  # fmt: skip
_JS_UNSAFE = re.compile(r"\(\?[PiLmsux<]|\\[AZzpP]|\[\[:|\(\?#|[*+?}]\+")
VARIABLES = {"bearerToken": "test-token", "basicUser": "user", "basicPassword": "pass", "apiKey": "test-key"}


def collection(session: Session) -> dict[str, Any]:
    spec = session.spec
    folders: dict[str, list[dict[str, Any]]] = {}
    defs: dict[str, Any] = {}  # every schema's $defs, once, in a collection variable the scripts read
    stateful = bool((session.base if session.base is not None else session.current).get("stateful"))
    for op in spec.operations:
        folders.setdefault(op.tags[0] if op.tags else "untagged", []).append(_operation(session, op, stateful, defs))
    items: list[dict[str, Any]] = [{"name": name, "item": requests} for name, requests in folders.items()]
    items.append(_session_folder(session, defs))
    variables = [{"key": "baseUrl", "value": session.base_url + spec.base_path},
                 {"key": "origin", "value": session.base_url}]  # fmt: skip
    if session.deliveries:
        webhooks, more = deliveries.postman_folder(session.deliveries, session.base_url)
        items.append(webhooks)
        variables += more
    variables += [{"key": k, "value": v} for k, v in VARIABLES.items()]
    variables.append({"key": "mocktuiDefs", "value": json.dumps(_clean(defs, names=True))})
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mocktui:{spec.file}:{spec.title}")),
            "name": f"{spec.title} (mocktui)",
            "description": f"{spec.title} {spec.api_version}: every operation of {spec.file}, and a session of the "
            f"mock replayed ({len(session.events)} requests). Made by mocktui {session.version}.",
            "schema": SCHEMA_URL,
        },
        "item": items,
        "variable": variables,
    }


# -- one request per operation ---------------------------------------------------------------------


def _operation(session: Session, op: Operation, stateful: bool, defs: dict[str, Any]) -> dict[str, Any]:
    spec = session.spec
    assert session.sample is not None
    sample = samples.build(spec, op, session.sample)
    request = _request(sample)
    successes = [k for k in op.responses if k[0] in "23"] or list(op.responses)
    if stateful:  # a stored world: the item may be gone, a unique field taken
        successes += [k for k in ("404", "409") if k in op.responses]
    schemas = {key: _clean(shared(spec.schemas.bundle(media.schema, "writeOnly"), defs))
               for key, response in op.responses.items()
               for name, media in response.content.items() if media.schema is not None and "json" in name}  # fmt: skip
    test = [
        f"const expected = {json.dumps(successes)};",
        "const code = String(pm.response.code);",
        f"const fallback = {json.dumps('default' in op.responses)};  // `default` covers the successes not listed",
        "const declared = (keys) => keys.some((k) => k === code || (k.endsWith('XX') && k[0] === code[0]))"
        " || (fallback && code[0] === '2') || (keys.includes('default'));",
        f"pm.test('{op.id}: the status is one the operation declares for this request', function () {{",
        "    pm.expect(declared(expected), 'status ' + code + ', expected one of ' + expected).to.be.true;",
        "});",
        f"const schemas = {json.dumps(schemas)};",
        "const key = [code, code[0] + 'XX', 'default'].find((k) => k in schemas);",
        "if (key && (pm.response.headers.get('Content-Type') || '').includes('json') && pm.response.text()) {",
        "    const DEFS = JSON.parse(pm.collectionVariables.get('mocktuiDefs'));",
        f"    pm.test('{op.id}: the body fits the schema of ' + key, function () {{",
        "        pm.response.to.have.jsonSchema(Object.assign({}, schemas[key], { $defs: DEFS }));",
        "    });",
        "}",
    ]
    return {
        "name": op.summary or op.id,
        "request": {**request, "description": f"{op.id}: {op.method} {op.path}"},
        "response": _examples(session, op, request),
        "event": [_script("test", test)],
    }


def _request(sample: samples.SampleRequest) -> dict[str, Any]:
    path = [f":{segment[1:-1]}" if segment.startswith("{") and segment.endswith("}") else segment
            for segment in sample.path.strip("/").split("/") if segment]  # fmt: skip
    headers = [{"key": k, "value": v} for k, v in sample.headers]
    query = [{"key": k, "value": v} for k, v in sample.query]
    auth: dict[str, Any] | None = None
    cookies: list[str] = []
    for cred in sample.credentials:
        if auth is None and cred.kind == "bearer":
            auth = {"type": "bearer", "bearer": [{"key": "token", "value": "{{bearerToken}}", "type": "string"}]}
        elif auth is None and cred.kind == "basic":
            auth = {
                "type": "basic",
                "basic": [
                    {"key": "username", "value": "{{basicUser}}", "type": "string"},
                    {"key": "password", "value": "{{basicPassword}}", "type": "string"},
                ],
            }
        elif auth is None and cred.kind == "apikey" and cred.where in ("header", "query"):
            auth = {
                "type": "apikey",
                "apikey": [
                    {"key": "key", "value": cred.name, "type": "string"},
                    {"key": "value", "value": "{{apiKey}}", "type": "string"},
                    {"key": "in", "value": cred.where, "type": "string"},
                ],
            }
        elif cred.where == "cookie":
            cookies.append(f"{cred.name}={{{{apiKey}}}}")
        elif cred.where == "query":
            query.append({"key": cred.name, "value": cred.value})
        else:
            headers.append({"key": cred.name, "value": cred.value})
    if cookies:
        headers.append({"key": "Cookie", "value": "; ".join(cookies)})
    raw_query = "&".join(f"{q['key']}={q['value']}" for q in query)
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(path) + (f"?{raw_query}" if raw_query else ""),
        "host": ["{{baseUrl}}"],
        "path": path,
    }
    if query:
        url["query"] = query
    if sample.path_values:
        url["variable"] = [{"key": k, "value": v} for k, v in sample.path_values.items()]
    request: dict[str, Any] = {"method": sample.method, "header": headers, "url": url}
    request["auth"] = auth or {"type": "noauth"}
    if sample.media is not None and sample.media.startswith("multipart/") and isinstance(sample.body, dict):
        fields = [{"key": k, "value": samples.text_of(v), "type": "text"} for k, v in sample.body.items()]
        request["body"] = {"mode": "formdata", "formdata": fields}  # Postman writes the boundary
    elif sample.media is not None:
        headers.append({"key": "Content-Type", "value": sample.media})
        request["body"] = _body(sample.media, sample.text or "")
    return request


def _body(media: str, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": "raw", "raw": text}
    if "json" in media:
        body["options"] = {"raw": {"language": "json"}}
    elif "xml" in media:
        body["options"] = {"raw": {"language": "xml"}}
    return body


def _examples(session: Session, op: Operation, request: dict[str, Any]) -> list[dict[str, Any]]:
    """A saved example for every declared response (each named example, else one from its schema)."""
    out: list[dict[str, Any]] = []
    for key, response in op.responses.items():
        code = _code(key, op)
        if not response.content:
            out.append(_example(f"{key} {response.description or ''}".strip(), code, None, "", request))
            continue
        for media_name, media in response.content.items():
            named = list(media.examples.items())
            if not named:
                value = media.example if media.example is not NO_EXAMPLE else _generated(session, media.schema)
                named = [("", value)]
            for name, value in named:
                title = f"{key} {name or response.description or media_name}".strip()[:120]
                text = value if isinstance(value, str) and "json" not in media_name else json.dumps(value, indent=2)
                out.append(_example(title, code, media_name, text, request))
    return out


def _generated(session: Session, schema: Any) -> Any:
    if schema is None or session.sample is None:
        return None
    return session.sample(schema, "", 0, response=True)


def _example(name: str, code: int, media: str | None, text: str, request: dict[str, Any]) -> dict[str, Any]:
    headers = [{"key": "Content-Type", "value": media}] if media else []
    preview = "json" if media and "json" in media else "xml" if media and "xml" in media else "text"
    return {"name": name, "originalRequest": request, "status": _phrase(code), "code": code,
            "_postman_previewlanguage": preview, "header": headers, "body": text}  # fmt: skip


def _code(key: str, op: Operation) -> int:
    if key.isdigit():
        return int(key)
    if key.endswith("XX"):
        return int(key[0]) * 100
    return 500 if any(k[0] == "2" for k in op.responses) else 200


def _phrase(code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


# -- the session --------------------------------------------------------------------------------


def _session_folder(session: Session, defs: dict[str, Any]) -> dict[str, Any]:
    exported = read(session)
    defs.update(exported.defs)
    states, step_state = steering(session, exported)
    items = [_step(session, step, step_state[step.index], exported.schemas) for step in exported.steps]
    return {
        "name": "Session",
        "description": "The session of the mock, replayed in order: the ids earlier answers gave are used again, "
        "and each request is made with the mock steered as it was then (admin API).",
        "item": [_script_item(states), *items],
    }


def _script_item(states: list[dict[str, Any]]) -> dict[str, Any]:
    """The first request of the session: it stores the steering states for the pre-request scripts."""
    exec_ = [f"pm.collectionVariables.set('mocktuiStates', {json.dumps(json.dumps(states))});",
             "pm.collectionVariables.unset('mocktuiApplied');"]  # fmt: skip
    return {
        "name": "mocktui: the session's steering",
        "request": {"method": "GET", "header": [], "url": _url("{{origin}}", "/__mocktui/health")},
        "event": [_script("prerequest", exec_),
                  _script("test", ["pm.test('the mock answers', function () { pm.response.to.have.status(200); });"])],
    }  # fmt: skip


STEER_JS = r"""
const mocktuiWanted = {state};
const mocktuiStates = JSON.parse(pm.collectionVariables.get('mocktuiStates') || '[]');
const mocktuiApplied = pm.collectionVariables.get('mocktuiApplied');
if (String(mocktuiApplied) !== String(mocktuiWanted) && mocktuiStates[mocktuiWanted]) {
    const wanted = mocktuiStates[mocktuiWanted];
    const last = mocktuiApplied !== undefined ? mocktuiStates[mocktuiApplied] : undefined;
    const before = last ? last.overrides : {};
    const origin = pm.collectionVariables.get('origin');
    const calls = [{ method: 'PATCH', path: '/__mocktui/controls', body: wanted.controls }];
    Object.keys(before).filter((op) => !(op in wanted.overrides))
        .forEach((op) => calls.push({ method: 'DELETE', path: '/__mocktui/overrides/' + op }));
    Object.keys(wanted.overrides)
        .forEach((op) => calls.push({ method: 'PUT', path: '/__mocktui/overrides/' + op, body: wanted.overrides[op] }));
    const next = (i) => {
        if (i >= calls.length) { pm.collectionVariables.set('mocktuiApplied', String(mocktuiWanted)); return; }
        const call = calls[i];
        pm.sendRequest({
            url: origin + call.path, method: call.method,
            header: { 'Content-Type': 'application/json' },
            body: call.body === undefined ? undefined : { mode: 'raw', raw: JSON.stringify(call.body) },
        }, (err, res) => {
            if (err || res.code >= 300) {
                throw new Error('admin ' + call.method + ' ' + call.path + ': ' + (err || res.text()));
            }
            next(i + 1);
        });
    };
    next(0);
}
"""


def _step(session: Session, step: Step, state: int, schemas: dict[str, Any]) -> dict[str, Any]:
    event = step.event
    spec = session.spec
    base = spec.base_path
    inner = "".join(part if isinstance(part, str) else "{{" + part.name + "}}" for part in step.path) or "/"
    host = "{{baseUrl}}" if base and (event.path == base or event.path.startswith(base + "/")) else "{{origin}}"
    if host == "{{baseUrl}}":
        inner = inner[len(base) :] or "/"
    url = _url(host, inner, event.query)
    headers = [{"key": k, "value": redacted(k, v) if is_secret(k) else v} for k, v in step.headers]
    request: dict[str, Any] = {"method": event.method, "header": headers, "url": url, "auth": {"type": "noauth"}}
    media = next((v for k, v in step.headers if k.lower() == "content-type"), "")
    if step.body is not NOT_JSON:
        request["body"] = _body(media, _json_text(step.body))
    elif step.raw:
        request["body"] = _body(media, step.raw.decode("utf-8", "replace"))
    test = [
        f"pm.test('{_js(event.method)} {_js(event.path)}: status {event.status}', function () {{",
        f"    pm.response.to.have.status({event.status});",
        "});",
        f"pm.test('content type {_js(step.media or 'none')}', function () {{",
        "    const got = (pm.response.headers.get('Content-Type') || '').split(';')[0].trim().toLowerCase();",
        f"    pm.expect(got).to.equal('{_js(step.media)}');",
        "});",
    ]
    if step.schema is not None:
        test += [f"const schema = {json.dumps(_clean(schemas[step.schema]))};",
                 "const DEFS = JSON.parse(pm.collectionVariables.get('mocktuiDefs'));",
                 "pm.test('the body fits the schema', () => {",
                 "    pm.response.to.have.jsonSchema(Object.assign({}, schema, { $defs: DEFS }));",
                 "});"]  # fmt: skip
    for ref in step.keeps:
        test.append(f"pm.collectionVariables.set('{ref.name}', {_pointer_js(ref)});")
    name = f"{step.index + 1}. {event.method} {event.path}"[:120]
    prerequest = STEER_JS.replace("{state}", str(state)).strip().split("\n")
    return {"name": name, "request": request, "event": [_script("prerequest", prerequest), _script("test", test)]}


def _pointer_js(ref: Ref) -> str:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ref.pointer.split("/")[1:]]
    return "pm.response.json()" + "".join(f"[{json.dumps(int(t) if t.isdigit() else t)}]" for t in tokens)


def _json_text(value: Any) -> str:
    """The JSON body with `{{name}}` where an earlier answer's value goes (quoted for text, bare for numbers)."""
    marks: dict[str, Ref] = {}

    def marked(node: Any) -> Any:
        if isinstance(node, Ref):
            token = f"\u0000ref{len(marks)}\u0000"
            marks[token] = node
            return token
        if isinstance(node, dict):
            return {k: marked(v) for k, v in node.items()}
        if isinstance(node, list):
            return [marked(v) for v in node]
        return node

    text = json.dumps(marked(value), indent=2)
    for token, ref in marks.items():
        text = text.replace(json.dumps(token), "{{" + ref.name + "}}" if ref.number else '"{{' + ref.name + '}}"')
    return text


def _url(host: str, path: str, query: str = "") -> dict[str, Any]:
    parts = [p for p in path.strip("/").split("/") if p]
    url: dict[str, Any] = {"raw": host + path + (f"?{query}" if query else ""), "host": [host], "path": parts}
    if query:
        url["query"] = [{"key": k, "value": v} for k, v in (
            (pair.split("=", 1) + [""])[:2] for pair in query.split("&") if pair)]  # fmt: skip
    return url


def _script(listen: str, lines: list[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": lines}}


def _js(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


# -- schemas as the sandbox reads them ------------------------------------------------------------


_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _clean(node: Any, names: bool = False) -> Any:
    """`node` without what Ajv cannot read; `names`: a map of names to schemas (its keys are not keywords)."""
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {k: _clean(v) for k, v in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "format" and isinstance(value, str) and value not in AJV_FORMATS:
            continue
        if key == "pattern" and isinstance(value, str) and _JS_UNSAFE.search(value):
            continue
        if key == "multipleOf" and not (isinstance(value, int) and not isinstance(value, bool)):
            continue  # 49.9 is no multiple of 0.01 in floating point
        if key == "type" and (value == "file" or isinstance(value, list) and "file" in value):
            continue
        if key in ("example", "examples", "x-faker", "discriminator", "xml"):
            continue
        out[key] = value if key in ("enum", "const", "default", "required") else _clean(value, key in _MAPS)
    return out
