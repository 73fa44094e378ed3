"""The spec's structure, checked against the OpenAPI meta-schemas that openapi-spec-validator ships.

openapi-spec-validator is prance's validation backend; we call it ourselves on the document our
loader already parsed, because prance's own parsers do not fit a mock that serves Stripe:
`ResolvingParser` inlines every `$ref` and gives up on circular specs (a `ResolutionError` on
Stripe and Discord), and `BaseParser` reads the file again with ruamel (8.5 s on Stripe) and stops
at the first finding. So nothing is resolved here:

- the meta-schema check runs on the raw root document, with the fragments of *other* files inlined
  once (refs within a file stay refs, so a circular spec costs nothing). jsonschema-rs answers first
  (11 ms on Stripe, 1.2 s with jsonschema); only a document it finds invalid is checked again by
  jsonschema, whose errors say which branch of a `oneOf` failed. For 3.1, whose meta-schema leaves
  Schema Objects unchecked, Schema Objects are checked against JSON Schema 2020-12 (as the 3.1
  dialect says they are);
- the semantic walk (`semantic=True`, for `mocktui validate`) follows refs lazily and skips schemas
  it has seen; what it finds (defaults that break their schema, required properties never defined,
  duplicate parameters) is served anyway, so it only warns.

Every finding is located through the refs on its path, so in a multi-file spec it names the file
and line where the pointer lands. Findings on what the mock never reads (info, descriptions, tags,
unknown fields) are warnings: real specs have them, and refusing them would help nobody.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from mocktui.engine.spec.errors import Problem, SpecError
from mocktui.engine.spec.loader import Loader
from mocktui.engine.spec.located import locate, stringify
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.read import load_spec

if TYPE_CHECKING:  # jsonschema explains findings only when jsonschema-rs found some: imported then
    from jsonschema.exceptions import ValidationError

# Keys whose values the mock never reads: what is wrong beneath them is worth a warning, not a refusal.
_UNSERVED = {
    "info", "tags", "externalDocs", "description", "summary", "title", "termsOfService", "contact", "license",
    "deprecated", "example", "operationId", "callbacks", "links", "webhooks", "$schema", "$vocabulary", "$comment",
    "$recursiveAnchor", "$dynamicAnchor", "contentMediaType", "contentEncoding",
}  # fmt: skip
# Keys whose children are names chosen by the spec's author (a property called `title` is no title).
_NAMED = {
    "paths", "properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "schemas", "responses",
    "parameters", "headers", "content", "securitySchemes", "securityDefinitions", "examples", "links", "callbacks",
    "requestBodies", "variables", "scopes", "mapping", "encoding", "webhooks", "pathItems", "dependentRequired",
}  # fmt: skip
_DOC_FIELDS = {"description", "title", "version", "name"}  # missing, they leave a gap in docs, not in answers
_EXTERNAL_REF = re.compile(rb"""\$ref["']?\s*:\s*["']?(?![#"'\s])""")
MAX_REPR = 80


def load_checked(path: str, *, semantic: bool = False) -> Spec:
    """`load_spec` plus the structural check: one `SpecError` with the model's errors and the structure's
    (the model's message wins where both name one pointer); structural warnings join `Spec.warnings`."""
    loader = Loader(path)
    root = loader.load(loader.root)
    found = structure_problems(loader, root, semantic=semantic) if isinstance(root, dict) else []
    errors = [p for p in found if p.severity == "error"]
    try:
        spec = load_spec(path, loader)
    except SpecError as exc:
        taken = {(p.file, p.pointer) for p in exc.problems}
        raise SpecError(_in_order(exc.problems + [p for p in errors if (p.file, p.pointer) not in taken])) from None
    if errors:
        raise SpecError(_in_order(errors))
    taken = {(p.file, p.pointer) for p in spec.warnings}
    spec.warnings.extend(p for p in found if p.severity != "error" and (p.file, p.pointer) not in taken)
    return spec


def _in_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def structure_problems(loader: Loader, root: dict[str, Any], *, semantic: bool = False) -> list[Problem]:
    """Every structural finding of the spec, errors and warnings, located."""
    version = _version(root)
    if version is None:
        return []  # the model says which versions it reads
    found = _meta_problems(loader, root, version, thorough=semantic)
    if semantic:
        from mocktui.engine.spec.semantic import semantic_problems  # only `mocktui validate` walks

        found += semantic_problems(loader, root, version)
    unique: dict[tuple[str, str, str], Problem] = {}
    for problem in found:
        unique.setdefault((problem.file, problem.pointer, problem.reason), problem)
    return _in_order(list(unique.values()))


def _version(root: dict[str, Any]) -> str | None:
    if str(root.get("swagger")) == "2.0":
        return "2.0"
    openapi = root.get("openapi")
    return openapi[:3] if isinstance(openapi, str) and re.match(r"3\.[01]", openapi) else None


# --- meta-schema -------------------------------------------------------------------------------


@cache
def _meta_schema(version: str) -> dict[str, Any]:
    """The meta-schema openapi-spec-validator ships, read from its package folder without importing the
    package (its import costs ~20 MB and ~0.2 s; a mock that starts needs only these files)."""
    found = importlib.util.find_spec("openapi_spec_validator")
    folder = list(found.submodule_search_locations or []) if found is not None else []
    if not folder:
        raise RuntimeError("openapi-spec-validator is not installed (a dependency of mocktui)")
    file = Path(folder[0], "resources", "schemas", f"v{version}", "schema.json")
    meta: dict[str, Any] = orjson.loads(file.read_bytes())
    if version != "3.1":
        return meta
    # 3.1 Schema Objects are JSON Schema 2020-12 (the dialect's base)
    meta["$defs"]["schema"] = {"$dynamicAnchor": "meta", "$ref": "https://json-schema.org/draft/2020-12/schema"}
    return meta


@cache
def _fast(version: str) -> Any:
    cls = jsonschema_rs.Draft202012Validator if version == "3.1" else jsonschema_rs.Draft4Validator
    return cls(_meta_schema(version))


@cache
def _thorough(version: str) -> Any:
    import jsonschema  # the explainer: loaded only for a spec jsonschema-rs found fault with

    cls = jsonschema.Draft202012Validator if version == "3.1" else jsonschema.Draft4Validator
    return cls(_meta_schema(version))


def _meta_problems(loader: Loader, root: dict[str, Any], version: str, *, thorough: bool = True) -> list[Problem]:
    """The meta-schema's findings. Not `thorough` (start-up): when jsonschema-rs finds only what is a warning
    (OpenAI's 3.1 spec: 3.0-style bounds, repeated `required` names), its words are enough; jsonschema's
    explanation of the same findings takes 10 s there, and only `mocktui validate` prints warnings."""
    doc: Any = root
    if _EXTERNAL_REF.search(loader.text(loader.root)):
        doc = _bundle(loader, root, loader.root, ())
    try:
        if _fast(version).is_valid(doc):
            return []
    except (ValueError, TypeError):  # keys that are not strings (`200:` unquoted in YAML): as JSON would have them
        doc = stringify(doc)
        if _fast(version).is_valid(doc):
            return []
    if not thorough:
        warnings = _fast_warnings(loader, root, _fast(version).iter_errors(doc))
        if warnings is not None:
            return warnings
    out: list[Problem] = []
    for error in _thorough(version).iter_errors(doc):
        for leaf in _leaves(error):
            out.extend(_meta_problem(loader, root, leaf))
    return out


@dataclass(frozen=True)
class _FastFinding:
    """A jsonschema-rs finding, in the shape `_severity` reads."""

    validator: str
    instance: Any
    validator_value: Any = None


def _fast_warnings(loader: Loader, root: dict[str, Any], errors: Iterator[Any]) -> list[Problem] | None:
    """jsonschema-rs's findings as warnings, or None when one may be an error (jsonschema then explains them)."""
    out: list[Problem] = []
    for error in errors:
        path = list(error.instance_path)
        keyword = str(error.schema_path[-1]) if error.schema_path else ""
        unknown = keyword in ("additionalProperties", "unevaluatedProperties")
        finding = _FastFinding(keyword, error.instance)
        if keyword == "required" or (not unknown and _severity(finding, path) != "warning"):
            return None
        file, pointer = locate(loader, root, path)
        name = str(path[-1]) if path else "the document"
        out.append(loader.problem(file, pointer, f"{name}: {error.message}"[:300], "warning"))
    return out


def _bundle(loader: Loader, node: Any, file: str, chain: tuple[tuple[str, str], ...]) -> Any:
    """`node` with refs to other files replaced by what they point at (once per chain: cycles stay refs)."""
    if isinstance(node, list):
        return [_bundle(loader, item, file, chain) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.partition("#")[0]:
        try:
            target, tfile, tptr = loader.resolve(ref, file, "")
        except SpecError:
            target = None  # the model reports refs that do not resolve
        if target is not None and tfile != file and (tfile, tptr) not in chain:
            inlined = _bundle(loader, target, tfile, (*chain, (tfile, tptr)))
            siblings = {k: _bundle(loader, v, file, chain) for k, v in node.items() if k != "$ref"}
            return {**inlined, **siblings} if isinstance(inlined, dict) else inlined
    return {k: v if str(k).startswith("x-") else _bundle(loader, v, file, chain) for k, v in node.items()}


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that explain `error`: inside a failed `oneOf`/`anyOf`, those of the branch the
    document was most likely meant to be (not the `$ref` alternative of an object without one)."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if all(len(errs) == 1 and errs[0].validator == "type" and not errs[0].path for errs in branches.values()):
        return [error]  # wrong at its own level for every form: one "expected X or Y" says it
    chosen = min(branches.values(), key=lambda errs: _misfit(error.instance, errs))
    return [leaf for sub in chosen for leaf in _leaves(sub)]


def _misfit(instance: Any, errors: list[ValidationError]) -> tuple[int, int, int, int]:
    not_a_ref = any(e.validator == "required" and "$ref" in e.validator_value and not e.path for e in errors) and not (
        isinstance(instance, dict) and "$ref" in instance
    )
    wrong_tag = sum(
        1
        for e in errors
        if e.validator in ("enum", "const")
        and len(e.path) == 1
        and isinstance(e.instance, str)
        and len(e.validator_value if e.validator == "enum" else [e.validator_value]) == 1
    )
    shallow = sum(1 for e in errors if not e.path and e.validator in ("required", "type", "additionalProperties"))
    return int(not_a_ref), wrong_tag, shallow, len(errors)


def _meta_problem(loader: Loader, root: dict[str, Any], error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    if path and path[-1] == "$ref" and error.instance is None:
        return  # `$ref: null`: the model warns about it (an unquoted '#' in YAML)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict):
        for key in _unknown_keys(error):
            file, pointer = locate(loader, root, [*path, key])
            yield loader.problem(file, pointer, f"unknown field {key!r}; ignored", "warning")
        return
    file, pointer = locate(loader, root, path)
    yield loader.problem(file, pointer, _reason(error, path), _severity(error, path))


def _unknown_keys(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [str(k) for k in error.instance if k not in known and not any(re.search(p, str(k)) for p in patterns)] or [
        "?"
    ]


def _reason(error: ValidationError, path: list[Any]) -> str:
    words = _keywords(path)
    if path and not isinstance(path[-1], int):
        name = str(path[-1])  # a keyword, or the name of what is wrong (a property, a path)
    else:
        name = f"each of {words[-1]}" if path and words else "the document"
    got = _short(error.instance)
    if error.validator in ("oneOf", "anyOf") and error.context:
        kinds = sorted({str(t) for sub in error.context for t in _as_list(sub.validator_value)})
        return f"{name} must be {' or '.join(_a(k) for k in kinds)}, got {got}"
    if error.validator == "type":
        return f"{name} must be {' or '.join(_a(str(t)) for t in _as_list(error.validator_value))}, got {got}"
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [f for f in _as_list(error.validator_value) if f not in present]
        return f"missing required field {missing[0]!r}" if missing else error.message
    if error.validator in ("enum", "const"):
        allowed = _as_list(error.validator_value)
        return f"{name} is {got}; expected {' or '.join(_short(a) for a in allowed)}"
    if error.validator in ("oneOf", "anyOf"):
        return f"{name} matches none of the forms it may take"
    return f"{name}: {error.message}"[:300]


def _severity(error: ValidationError, path: list[Any]) -> str:
    words = _keywords(path)
    if any(w in _UNSERVED or w.startswith("x-") for w in words):
        return "warning"
    if error.validator == "uniqueItems" or (error.validator == "minItems" and words[-1:] == ["required"]):
        return "warning"  # `required: [a, a]` or `required: []` mean what they say
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = {f for f in _as_list(error.validator_value) if f not in error.instance}
        if missing <= _DOC_FIELDS:
            return "warning"
    if words[-1:] in (["exclusiveMinimum"], ["exclusiveMaximum"]) and isinstance(error.instance, bool):
        return "warning"  # a 3.0 boolean bound in a 3.1 spec: read the 3.0 way
    if words[-2:] == ["parameters", "required"] and error.instance is False:
        return "warning"  # a path parameter said to be optional: routing needs it all the same
    return "error"


def _keywords(path: list[Any]) -> list[str]:
    """The keys on `path` that are OpenAPI or JSON Schema words, not names the author chose or indexes."""
    words: list[str] = []
    named = False
    for segment in path:
        if named or isinstance(segment, int):
            named = False
            continue
        words.append(str(segment))
        named = str(segment) in _NAMED
    return words


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _a(kind: str) -> str:
    return {"object": "a mapping", "array": "a list", "integer": "a whole number", "null": "null"}.get(
        kind, f"a {kind}" if kind in ("string", "number", "boolean") else kind
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."
