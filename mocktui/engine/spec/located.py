"""Where a structural finding lands, for `structure` (the meta-schema check) and `semantic` (the walk):
a path through the document as if every ref were inlined, turned into a file and a pointer in it."""

from __future__ import annotations

from typing import Any

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.loader import Loader, escape_pointer


def locate(loader: Loader, root: Any, path: list[Any]) -> tuple[str, str]:
    """Where `path` (through the document as if every ref were inlined) lands: a file and a pointer in it."""
    node, file, pointer = root, loader.root, ""
    for i, segment in enumerate(path):
        key = str(segment)
        if isinstance(node, dict) and key not in node and isinstance(node.get("$ref"), str):
            try:
                node, file, pointer = loader.resolve(node["$ref"], file, pointer + "/$ref")
            except SpecError:
                pass
        if isinstance(node, dict) and (segment in node or key in node):
            node = node[segment] if segment in node else node[key]
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            node = node[segment]
        else:
            return file, pointer + "".join("/" + escape_pointer(str(s)) for s in path[i:])
        pointer += "/" + escape_pointer(key)
    return file, pointer


def stringify(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): stringify(v) for k, v in node.items()}
    if isinstance(node, list):
        return [stringify(v) for v in node]
    return node
