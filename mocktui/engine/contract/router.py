"""Match a request path to an operation, compiled once into a segment trie.

Literal segments win over templated ones (`/users/me` before `/users/{id}`);
a segment may mix text and parameters (`/files/{name}.{ext}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")
_PARAM = re.compile(r"{([^}/]+)}")


@dataclass
class _Node(Generic[T]):
    literals: dict[str, _Node[T]] = field(default_factory=dict)
    params: list[tuple[re.Pattern[str], _Node[T]]] = field(default_factory=list)
    methods: dict[str, T] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)  # per method: `/a/{id}` vs `/a/{key}`


@dataclass(slots=True)
class Match(Generic[T]):
    methods: dict[str, T]
    values: list[str]
    names: dict[str, list[str]]

    def params(self, method: str) -> dict[str, str]:
        """The decoded path parameters, named as `method`'s template names them."""
        names = self.names.get(method) or next(iter(self.names.values()), [])
        return dict(zip(names, self.values, strict=False))


class Router(Generic[T]):
    """Maps `(path template, method)` to a value, and paths back to them."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()

    def add(self, template: str, method: str, value: T) -> None:
        node = self._root
        all_names: list[str] = []
        for segment in _split(template):
            names = _PARAM.findall(segment)
            if not names:
                node = node.literals.setdefault(segment, _Node())
                continue
            all_names.extend(names)
            regex = "".join("(.+?)" if i % 2 else re.escape(part) for i, part in enumerate(_PARAM.split(segment)))
            for pattern, child in node.params:
                if pattern.pattern == f"^{regex}$":
                    node = child
                    break
            else:
                child = _Node()
                node.params.append((re.compile(f"^{regex}$"), child))
                # More literal text first: `{name}.json` before `{name}`.
                node.params.sort(key=lambda p: -len(p[0].pattern.replace("(.+?)", "")))
                node = child
        node.methods[method.upper()] = value
        node.names[method.upper()] = all_names

    def match(self, path: str) -> Match[T] | None:
        """The operations of the best-matching template, with decoded path params.

        `path` is the raw (still percent-encoded) path, so an encoded `/` inside
        a parameter does not split it.
        """
        values: list[str] = []
        node = self._walk(self._root, _split(path), 0, values)
        return Match(node.methods, values, node.names) if node is not None else None

    def _walk(self, node: _Node[T], segments: list[str], i: int, values: list[str]) -> _Node[T] | None:
        if i == len(segments):
            return node if node.methods else None
        segment = segments[i]
        child = node.literals.get(unquote(segment) if "%" in segment else segment)
        if child is not None:
            found = self._walk(child, segments, i + 1, values)
            if found is not None:
                return found
        for pattern, child in node.params:
            m = pattern.match(segment)
            if m is None:
                continue
            mark = len(values)
            values.extend(unquote(v) for v in m.groups())
            found = self._walk(child, segments, i + 1, values)
            if found is not None:
                return found
            del values[mark:]
        return None


def _split(path: str) -> list[str]:
    path = path.strip("/")
    return path.split("/") if path else []
