"""Several specs in one instance: where each is mounted, what it is called, and where two collide.

A spec is mounted at its servers base path, or where `--mount /prefix=FILE` says (the prefix then
replaces its base path, so Location headers, links and rule paths follow it). Two operations of
different specs collide when, after mounting, they have the same method and the same path with
every template segment made anonymous (`/users/{id}` and `/users/{name}` are one route).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mocktui.engine.spec.errors import Problem
from mocktui.engine.spec.loader import escape_pointer, is_url
from mocktui.engine.spec.model import Spec

_PARAM = re.compile(r"{[^}/]+}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def mount_prefix(prefix: str) -> str:
    """`/billing/`, `billing` -> `/billing`; `/` -> `` (the root)."""
    path = "/" + prefix.strip().strip("/")
    return "" if path == "/" else path


def spec_names(files: Sequence[str]) -> list[str]:
    """A short, URL-safe name per spec file (its stem), made unique with `-2`, `-3`..."""
    names: list[str] = []
    for file in files:
        stem = os.path.splitext(os.path.basename(file.rstrip("/")))[0]
        if stem in ("openapi", "swagger", "spec", "api", "index") and os.path.dirname(file):
            stem = os.path.basename(os.path.dirname(os.path.abspath(file)))  # greenbutton/openapi.yaml
        base = _UNSAFE.sub("-", stem).strip("-") or "spec"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def same_file(a: str, b: str) -> bool:
    if is_url(a) or is_url(b) or "-" in (a, b):
        return a == b
    return os.path.abspath(a) == os.path.abspath(b)


def mount_of(file: str, mounts: Mapping[str, str]) -> str | None:
    """The prefix `--mount` gives `file` (keys are the files as given), or None: its base path."""
    for given, prefix in mounts.items():
        if same_file(given, file):
            return prefix
    return None


def mount(spec: Spec, prefix: str | None) -> Spec:
    """`spec` served under `prefix` (None: where its servers say); changes the spec in place."""
    if prefix is not None:
        spec.base_path = mount_prefix(prefix)
    return spec


@dataclass(frozen=True)
class Mounted:
    name: str
    spec: Spec


def route_key(method: str, base: str, path: str) -> tuple[str, str]:
    full = "/" + "/".join(s for s in f"{base}{path}".split("/") if s)
    return method.upper(), _PARAM.sub("{}", full)


def conflicts(mounted: Sequence[Mounted]) -> list[Problem]:
    """Every route two specs both serve after mounting, one problem per pair, naming both `file:line`."""
    seen: dict[tuple[str, str], tuple[Mounted, str]] = {}
    problems: list[Problem] = []
    for item in mounted:
        base = item.spec.base_path
        for op in item.spec.operations:
            key = route_key(op.method, base, op.path)
            first = seen.get(key)
            if first is None:
                seen[key] = (item, op.path)
                continue
            other, other_path = first
            if other.name == item.name:
                continue
            reason = (
                f"{op.method} {base}{op.path} ({item.name}) is also served by {other.name}: "
                f"{other.spec.base_path}{other_path} at {where_text(other.spec, op.method, other_path)}; "
                "mount one elsewhere with --mount /PREFIX=FILE"
            )
            line = _where(item.spec, op.method, op.path)[1]
            problems.append(Problem(item.spec.file, _pointer(op.method, op.path), reason, line))
    return problems


def _pointer(method: str, path: str) -> str:
    return f"#/paths/{escape_pointer(path)}/{method.lower()}"


def _where(spec: Spec, method: str, path: str) -> tuple[str, int | None]:
    loader = spec.schemas.loader
    line = loader.line_of(loader.root, _pointer(method, path)[1:])
    return spec.file, line


def where_text(spec: Spec, method: str, path: str) -> str:
    file, line = _where(spec, method, path)
    return f"{file}:{line}" if line else file
