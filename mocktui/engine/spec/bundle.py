"""One self-contained document from a spec split over several files (what `?bundled=1` serves).

A reference to another file is replaced by what it points at, where it is first met; every later
reference to the same target (a cycle back into it included) becomes a local `#/...` reference to
that first copy. References within the root file stay as they are. So the result has every
reference resolvable from one URL (3.1 references by `$id` or `$anchor`, which docs viewers cannot
follow, are brought in the same way), each external part is copied once, and circular specs stay
finite: the algorithm json-schema-ref-parser's `bundle` uses, run on what the `Loader` already read.
"""

from __future__ import annotations

from typing import Any

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.loader import Loader, escape_pointer


def bundle(loader: Loader) -> Any:
    """The root document with every reference to another file brought into it."""
    bundler = _Bundler(loader)
    out = bundler.walk(loader.load(loader.root), loader.root, "")
    bundler.map_discriminators()
    return out


class _Bundler:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.placed: dict[tuple[str, str], str] = {}  # (file, pointer) of a target -> where its copy sits
        self.mappings: list[tuple[dict[str, Any], str]] = []  # discriminator mappings met in other files' terms

    def walk(self, node: Any, file: str, at: str) -> Any:
        if isinstance(node, list):
            return [self.walk(item, file, f"{at}/{i}") for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            path, _, fragment = ref.partition("#")
            if path or file != self.loader.root or fragment[:1] not in ("", "/"):  # another file, or an anchor
                return self._ref(node, ref, file, at)
        out = {k: v if str(k).startswith("x-") else self.walk(v, file, f"{at}/{escape_pointer(str(k))}")
               for k, v in node.items()}  # fmt: skip
        mapping = node.get("mapping")
        if "propertyName" in node and isinstance(mapping, dict):  # a discriminator: its values are references too
            out["mapping"] = dict(mapping)
            self.mappings.append((out["mapping"], file))
        return out

    def map_discriminators(self) -> None:
        """Point mapping values at the copies (made anywhere in the walk, so only once it is over)."""
        for mapping, file in self.mappings:
            for name, ref in mapping.items():
                if not isinstance(ref, str) or "/" not in ref and "." not in ref:
                    continue  # a bare schema name, as OpenAPI allows
                try:
                    _, tfile, tptr = self.loader.resolve(ref, file, "")
                except SpecError:
                    continue
                local = self._local(tfile, tptr)
                if local is not None:
                    mapping[name] = local

    def _ref(self, node: dict[str, Any], ref: str, file: str, at: str) -> Any:
        try:
            target, tfile, tptr = self.loader.resolve(ref, file, "")
        except SpecError:
            return node  # left as written: the model reports references that do not resolve
        siblings = {k: self.walk(v, file, f"{at}/{escape_pointer(str(k))}") for k, v in node.items() if k != "$ref"}
        local = self._local(tfile, tptr)
        if local is not None:
            return {"$ref": local, **siblings}
        self.placed[(tfile, tptr)] = at
        copied = self.walk(target, tfile, at)
        return {**copied, **siblings} if isinstance(copied, dict) else copied

    def _local(self, file: str, pointer: str) -> str | None:
        """A local reference to `file#pointer`, when the root holds it or a copy of it (or of a parent) was made."""
        if file == self.loader.root:
            return "#" + pointer
        for (placed_file, placed_ptr), at in self.placed.items():
            if placed_file == file and (pointer == placed_ptr or pointer.startswith(placed_ptr + "/")):
                return "#" + at + pointer[len(placed_ptr) :]
        return None
