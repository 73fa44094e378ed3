"""Read spec files and resolve `$ref`s across them.

We resolve references lazily instead of dereferencing the whole document up
front (what prance does): real specs are circular (Stripe, Discord) and large
(4 MB), and a lazy resolver handles both in linear time.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import unquote, urljoin

import orjson
import yaml

from mocktui.engine.spec.errors import Problem, SpecError

try:  # the C loader is ~10x faster on multi-megabyte specs
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _YamlLoader = yaml.SafeLoader


class _NoDatesLoader(_YamlLoader):  # type: ignore[misc]
    """Keep YAML timestamps as strings: JSON Schema has no date type."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _YamlLoader.yaml_implicit_resolvers.items()
}


def parse_text(text: bytes, file: str) -> Any:
    """Parse JSON or YAML; a parse error becomes a located `SpecError`."""
    stripped = text.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            line = text[: exc.pos].count(b"\n") + 1 if exc.pos is not None else None
            raise SpecError([Problem(file, "", f"invalid JSON: {exc.msg}", line)]) from None
    try:
        return yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise SpecError([_yaml_problem(exc, file)]) from None


def _yaml_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """Name where parsing stopped and, for an unclosed construct (`{a: 1, b: 2` left open), where it began:
    the mistake is usually at the start, while the parser only notices it lines later."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    stopped = int(mark.line) + 1 if mark is not None else None
    context, began = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and began is not None and mark is not None:
        construct = str(context).removeprefix("while ").replace("parsing ", "").replace("scanning ", "")
        opened = int(began.line) + 1
        where = f"stopped at line {int(mark.line) + 1}, column {int(mark.column) + 1}"
        return Problem(file, "", f"invalid YAML: {construct} that began on line {opened}: {reason} ({where})", opened)
    return Problem(file, "", f"invalid YAML: {reason}", stopped)


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return unquote(token).replace("~1", "/").replace("~0", "~")


STDIN = "-"  # `mocktui -`: the spec comes on standard input
FETCH_TIMEOUT_S = 30.0


def is_url(file: str) -> bool:
    return file.startswith(("http://", "https://"))


class Loader:
    """Loads the root file and any file it references, and resolves refs.

    Locations are `(file, pointer)` pairs; `file` is an absolute path, an http(s) URL (a spec given
    by URL, whose relative refs resolve against it) or `-` (standard input, read once).
    """

    def __init__(self, root: str) -> None:
        self.root = root if is_url(root) or root == STDIN else os.path.abspath(root)
        self.docs: dict[str, Any] = {}
        self._texts: dict[str, bytes] = {}
        self._anchors: dict[str, tuple[Any, str, str]] | None = None
        self._composed: dict[str, Any] = {}

    def display(self, file: str) -> str:
        """A short path for messages, relative to the working directory (URLs and `-` as given)."""
        if is_url(file) or file == STDIN:
            return "<stdin>" if file == STDIN else file
        rel = os.path.relpath(file)
        return file if rel.startswith("..") else rel

    def load(self, file: str) -> Any:
        file = file if is_url(file) or file == STDIN else os.path.abspath(file)
        if file not in self.docs:
            self.docs[file] = parse_text(self._read(file), self.display(file))
        return self.docs[file]

    def text(self, file: str) -> bytes:
        """The raw bytes of a file of the spec (read again from disk; stdin and URLs are kept)."""
        return self._read(file)

    def _read(self, file: str) -> bytes:
        if file in self._texts:
            return self._texts[file]
        try:
            if file == STDIN:
                text = sys.stdin.buffer.read()
            elif is_url(file):
                with urllib.request.urlopen(file, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
                    text = response.read()
            else:
                with open(file, "rb") as fh:
                    text = fh.read()
        except urllib.error.HTTPError as exc:
            raise SpecError([Problem(file, "", f"cannot fetch: HTTP {exc.code} {exc.reason}")]) from None
        except urllib.error.URLError as exc:
            raise SpecError([Problem(file, "", f"cannot fetch: {exc.reason}")]) from None
        except (OSError, TimeoutError) as exc:
            reason = exc.strerror or str(exc)
            raise SpecError([Problem(self.display(file), "", f"cannot read file: {reason}")]) from None
        if file == STDIN or is_url(file):
            self._texts[file] = text  # cannot be read twice (stdin) or should not be (a download)
        return text

    def resolve(self, ref: Any, base: str, pointer: str) -> tuple[Any, str, str]:
        """Follow `ref` (found at `base#pointer`) to `(node, file, pointer)`.

        Chains of refs are followed; a ref that cannot be resolved raises a
        `SpecError` naming where the ref was written.
        """
        seen: set[tuple[str, str]] = set()
        while True:
            if not isinstance(ref, str):
                raise SpecError([self.problem(base, pointer, f"$ref must be a string, got {ref!r}")])
            target_file, target_ptr = self._split(ref, base)
            if (target_file, target_ptr) in seen:
                raise SpecError([self.problem(base, pointer, f"$ref cycle through {ref!r}")])
            seen.add((target_file, target_ptr))
            node = self._lookup(target_file, target_ptr, ref, base, pointer)
            if isinstance(node, dict) and "$ref" in node and len(node) == 1:
                ref, base, pointer = node["$ref"], target_file, target_ptr + "/$ref"
                continue
            return node, target_file, target_ptr

    def _split(self, ref: str, base: str) -> tuple[str, str]:
        path, _, fragment = ref.partition("#")
        if path and is_url(base) and not is_url(path):
            return urljoin(base, path), fragment  # a spec fetched by URL: its relative refs are URLs too
        if path and not path.startswith(("http://", "https://")):
            if path.startswith("/") and not os.path.exists(path):
                # A 3.1 `$id`-style URI such as /components/schemas/pet: looked up by id.
                return "$id:" + path, fragment
            target = os.path.normpath(os.path.join(os.path.dirname(base), unquote(path)))
        elif path:
            return "$id:" + path, fragment
        else:
            target = base
        return target, fragment

    def _lookup(self, file: str, fragment: str, ref: str, base: str, pointer: str) -> Any:
        if file.startswith("$id:"):
            found = self._anchor_index().get(file[4:] + ("#" + fragment if fragment else ""))
            if found is None:
                raise SpecError([self.problem(base, pointer, f"unresolvable $ref {ref!r}")])
            return found[0]
        try:
            node = self.load(file)
        except SpecError as exc:
            reason = exc.problems[0].reason if exc.problems else "cannot load"
            raise SpecError([self.problem(base, pointer, f"$ref {ref!r}: {reason}")]) from None
        if fragment and not fragment.startswith("/"):
            found = self._anchor_index().get("#" + fragment)
            if found is None:
                raise SpecError([self.problem(base, pointer, f"unresolvable $ref {ref!r}")])
            return found[0]
        for token in fragment.split("/")[1:]:
            token = _unescape(token)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise SpecError([self.problem(base, pointer, f"unresolvable $ref {ref!r}")])
        return node

    def _anchor_index(self) -> dict[str, tuple[Any, str, str]]:
        """`$id` and `$anchor` targets of the root document, built on first need."""
        if self._anchors is None:
            index: dict[str, tuple[Any, str, str]] = {}
            stack: list[tuple[Any, str, str]] = [(self.load(self.root), "", "")]
            while stack:
                node, ptr, current_id = stack.pop()
                if isinstance(node, dict):
                    node_id = node.get("$id")
                    if isinstance(node_id, str):
                        current_id = node_id.rstrip("#")
                        index[current_id] = (node, self.root, ptr)
                    anchor = node.get("$anchor")
                    if isinstance(anchor, str):
                        index[f"{current_id}#{anchor}"] = (node, self.root, ptr)
                        index.setdefault(f"#{anchor}", (node, self.root, ptr))
                    for key, value in node.items():
                        if isinstance(value, (dict, list)) and not str(key).startswith("x-"):
                            stack.append((value, f"{ptr}/{escape_pointer(str(key))}", current_id))
                elif isinstance(node, list):
                    for i, value in enumerate(node):
                        if isinstance(value, (dict, list)):
                            stack.append((value, f"{ptr}/{i}", current_id))
            self._anchors = index
        return self._anchors

    def problem(self, file: str, pointer: str, reason: str, severity: str = "error") -> Problem:
        return Problem(self.display(file), "#" + pointer, reason, self.line_of(file, pointer), severity)

    def line_of(self, file: str, pointer: str) -> int | None:
        """The 1-based line of `pointer` in a YAML or multi-line JSON file."""
        if file not in self._composed:
            try:
                self._composed[file] = yaml.compose(self._read(file), Loader=_YamlLoader)
            except (SpecError, yaml.YAMLError):
                self._composed[file] = None
        node = self._composed[file]
        if node is None:
            return None
        line = node.start_mark.line
        for token in pointer.split("/")[1:]:
            token = _unescape(token)
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == token:
                        node, line = value, key.start_mark.line  # the key's line reads best
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
                node = node.value[int(token)]
                line = node.start_mark.line
            else:
                break
        return int(line) + 1
