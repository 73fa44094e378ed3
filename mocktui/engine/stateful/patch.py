"""Patching a stored record: RFC 7386 JSON Merge Patch and RFC 6902 JSON Patch with its JSON pointers.

Pure functions over JSON documents, used by `crud` for PATCH requests; apart from the stateful
class so that the document algebra can be read (and tested) on its own.
"""

from __future__ import annotations

from typing import Any

import orjson

from mocktui.engine.stores.base import Record


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json_patch(doc: Record, ops: Any) -> Record:
    """RFC 6902 JSON Patch: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise ValueError("a JSON Patch is a list of operations")
    out: Any = orjson.loads(orjson.dumps(doc))
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise ValueError(f"not a patch operation: {op!r}")
        kind, path = op["op"], str(op["path"])
        if kind == "test":
            if _pointer_get(out, path) != op.get("value"):
                raise ValueError(f"test failed at {path}")
        elif kind == "remove":
            _pointer_remove(out, path)
        elif kind in ("add", "replace"):
            if kind == "replace":
                _pointer_get(out, path)
            out = _pointer_set(out, path, op.get("value"), insert=kind == "add")
        elif kind in ("move", "copy"):
            value = _pointer_get(out, str(op["from"]))
            if kind == "move":
                _pointer_remove(out, str(op["from"]))
            out = _pointer_set(out, path, value, insert=True)
        else:
            raise ValueError(f"unknown op {kind!r}")
    if not isinstance(out, dict):
        raise ValueError("the patched document is not an object")
    return out


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"bad pointer {path!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _join(tokens: list[str]) -> str:
    """A JSON pointer from tokens; no tokens is the whole document ("", not "/")."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _pointer_get(doc: Any, path: str) -> Any:
    for token in _tokens(path):
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def _pointer_set(doc: Any, path: str, value: Any, insert: bool) -> Any:
    tokens = _tokens(path)
    if not tokens:
        return value
    parent = _pointer_get(doc, _join(tokens[:-1]))
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ValueError(f"cannot set inside {path!r}")
    return doc


def _pointer_remove(doc: Any, path: str) -> None:
    tokens = _tokens(path)
    if not tokens:
        raise ValueError("cannot remove the whole document")
    parent = _pointer_get(doc, _join(tokens[:-1]))
    if isinstance(parent, list):
        del parent[int(tokens[-1])]
    else:
        del parent[tokens[-1]]
