"""The copy of the spec the docs pages render: "Try it out" goes to this mock, with its `Prefer` choices.

Made from the bundled document (one URL, no other files to fetch), so the browser never reads a
file the mock does not serve. Three changes, nothing else:

- `servers` (3.x, at every level) become this mock's own base; Swagger 2.0 loses `host` and
  `schemes` (Swagger UI then calls the host that served the page) and keeps `basePath`;
- each operation gets an optional `Prefer` header parameter whose choices are the operation's
  declared statuses (`code=404`) and named examples (`example=NAME`, `code=404, example=NAME`);
- keys are strings (YAML's `200:` is an int), as JSON has them.
"""

from __future__ import annotations

from typing import Any

from mocktui.engine.contract.compiled import CompiledOperation, CompiledResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import METHODS

PREFER_HELP = (
    "mocktui: choose the answer. `code=NNN` forces a declared status, `example=NAME` a named example "
    "(of the default answer, or of the forced status). Empty: the mock's usual answer."
)


def docs_copy(document: Any, engine: MockEngine, origin: str) -> dict[str, Any]:
    """`document` (bundled) as the docs show it: servers at `origin` + the mock's base path, Prefer offered."""
    doc: dict[str, Any] = _strings(document) if isinstance(document, dict) else {}
    swagger = str(doc.get("swagger")) == "2.0"
    base = engine.spec.base_path
    if swagger:
        doc.pop("host", None)
        doc.pop("schemes", None)
        doc["basePath"] = base or "/"
    else:
        doc["servers"] = [{"url": origin + base, "description": "this mock"}]
    compiled = {(c.op.method, c.op.path): c for c in engine.operations.values()}
    paths = doc.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        item.pop("servers", None)
        for method, op in item.items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            op.pop("servers", None)
            found = compiled.get((method.upper(), path))
            choices = prefer_choices(found) if found is not None else []
            if choices and not _declares_prefer(op, item):
                op["parameters"] = [*op.get("parameters", []), _prefer_parameter(choices, swagger)]
    return doc


def prefer_choices(compiled: CompiledOperation) -> list[str]:
    """Every `Prefer` value this operation answers: its statuses, its examples, and the two together."""
    out: dict[str, None] = {}
    default = compiled.default
    for name in _examples(default) if default is not None else ():
        out[f"example={name}"] = None
    for key, resp in compiled.responses.items():
        if not (key.isdigit() and 200 <= int(key) <= 599):
            continue
        out[f"code={key}"] = None
        for name in _examples(resp):
            out[f"code={key}, example={name}"] = None
    return list(out)


def _examples(resp: CompiledResponse) -> list[str]:
    return list(dict.fromkeys(name for media in resp.media.values() for name in media.spec.examples if name))


def _declares_prefer(op: dict[str, Any], item: dict[str, Any]) -> bool:
    params = [*op.get("parameters", []), *item.get("parameters", [])]
    return any(isinstance(p, dict) and str(p.get("name", "")).lower() == "prefer" for p in params)


def _prefer_parameter(choices: list[str], swagger: bool) -> dict[str, Any]:
    param: dict[str, Any] = {"name": "Prefer", "in": "header", "required": False, "description": PREFER_HELP}
    if swagger:
        param.update(type="string", enum=choices)
    else:
        param["schema"] = {"type": "string", "enum": choices}
    return param


def _strings(node: Any) -> Any:
    """A deep copy with string keys (the copy is changed; the loader's document must not be)."""
    if isinstance(node, dict):
        return {str(k): _strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strings(v) for v in node]
    return node
