"""Patching a stored record: RFC 7396 JSON Merge Patch and RFC 6902 JSON Patch.

Pure functions over JSON documents, used by `crud` for PATCH requests; apart from the stateful
class so that the document algebra can be read (and tested) on its own. JSON Patch is the
`jsonpatch` package (with `jsonpointer` for RFC 6901 pointers): its edge cases (`true` is not `1`
in a `test`, `/01` and `/-1` are not array indexes, no move into one's own child) are the RFC's,
where a hand-written version kept getting them wrong. Merge Patch is four lines of the RFC's own
pseudo-code and stays here.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
import orjson

from mocktui.engine.stores.base import Record

OPS = ("add", "remove", "replace", "move", "copy", "test")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: null removes a member, objects merge, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def touched(ops: list[dict[str, Any]]) -> set[str]:
    """The top-level fields a (valid) JSON Patch writes, moves or removes."""
    fields = set()
    for op in ops:
        for pointer in (op.get("path"), op.get("from")):
            if isinstance(pointer, str) and pointer.startswith("/"):
                fields.add(pointer[1:].split("/", 1)[0].replace("~1", "/").replace("~0", "~"))
    return fields


def json_patch(doc: Record, ops: Any) -> Record:
    """RFC 6902 JSON Patch applied to a copy of `doc`, all or nothing.

    Raises `ValueError` naming the operation that failed and why (the caller answers 4xx with it).
    """
    if not isinstance(ops, list):
        raise ValueError("a JSON Patch is a list of operations")
    for index, op in enumerate(ops):
        _check(index, op)
    out: Any = orjson.loads(orjson.dumps(doc))
    for index, op in enumerate(ops):
        try:
            out = jsonpatch.JsonPatch([op]).apply(out, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            found = jsonpointer.resolve_pointer(out, op["path"], None)
            raise ValueError(
                f"{_name(index, op)}: test failed: the value is {_json(found)}, not {_json(op['value'])}"
            ) from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise ValueError(f"{_name(index, op)}: {exc}") from None
    if not isinstance(out, dict):
        raise ValueError("the patched document is not an object")
    return out


def _check(index: int, op: Any) -> None:
    """The shape of one operation, checked before anything is applied (jsonpatch trusts it)."""
    if not isinstance(op, dict) or not isinstance(op.get("op"), str) or "path" not in op:
        raise ValueError(f"operation {index}: not a patch operation (needs 'op' and 'path'): {_json(op)}")
    if op["op"] not in OPS:
        raise ValueError(f"operation {index}: unknown op {op['op']!r}; known: {', '.join(OPS)}")
    pointers = ("path", "from") if op["op"] in ("move", "copy") else ("path",)
    for key in pointers:
        if not isinstance(op.get(key), str):
            raise ValueError(f"{_name(index, op)}: {key!r} must be a JSON pointer string, got {_json(op.get(key))}")
    if op["op"] in ("add", "replace", "test") and "value" not in op:
        raise ValueError(f"{_name(index, op)}: the operation has no 'value'")


def _name(index: int, op: dict[str, Any]) -> str:
    return f"operation {index} ({op['op']} {op['path']!r})"


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
