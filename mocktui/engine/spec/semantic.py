"""`mocktui validate`'s semantic walk: openapi-spec-validator's keyword checks (defaults that break their
schema, required properties never defined, duplicate parameters), each finding located through the refs
on its path. Its own module because openapi-spec-validator (and jsonschema-path, requests under it) costs
~20 MB and ~0.2 s to import, which a mock that only starts should not pay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError, UnresolvableParameterError
from openapi_spec_validator.validation.registries import KeywordValidatorRegistry

from mocktui.engine.spec.errors import Problem
from mocktui.engine.spec.loader import Loader, is_url
from mocktui.engine.spec.located import locate, stringify


class _LocatedSchema(keywords.SchemaValidator):
    """openapi-spec-validator's schema checks, each finding tagged with where it was found."""

    def __call__(self, schema: SchemaPath, require_properties: bool = True) -> Iterator[ValidationError]:
        for error in super().__call__(schema, require_properties):
            where = "/required" if type(error).__name__ == "ExtraParametersError" else "/default"
            yield _tag(error, schema, where)


class _LocatedParameters(keywords.ParametersValidator):
    def __call__(self, parameters: SchemaPath) -> Iterator[ValidationError]:
        for error in super().__call__(parameters):
            yield _tag(error, parameters, "")


class _LocatedV2Parameter(keywords.OpenAPIV2ParameterValidator):
    def __call__(self, parameter: SchemaPath) -> Iterator[ValidationError]:
        for error in super().__call__(parameter):
            yield _tag(error, parameter, "/default")


def _tag(error: ValidationError, at: SchemaPath, suffix: str) -> ValidationError:
    if not hasattr(error, "mocktui_at"):  # the innermost caller knows best
        error.__dict__["mocktui_at"] = [*at.parts, *[s for s in suffix.split("/") if s], *error.absolute_path]
    return error


_SPEC_VALIDATORS = {"2.0": OpenAPIV2SpecValidator, "3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
_SKIP = (DuplicateOperationIDError, UnresolvableParameterError)  # the model warns about both already


def semantic_problems(loader: Loader, root: dict[str, Any], version: str) -> list[Problem]:
    located: dict[str, type[keywords.KeywordValidator]] = {"schema": _LocatedSchema, "parameters": _LocatedParameters}
    if version == "2.0":
        located["parameter"] = _LocatedV2Parameter
    registry = KeywordValidatorRegistry({**_SPEC_VALIDATORS[version].keyword_validators, **located})
    base = loader.root if is_url(loader.root) else "file://" + loader.root
    spec = SchemaPath.from_dict(stringify(root), base_uri=base)
    out: list[Problem] = []
    for run in _walks(registry, spec, root):
        try:
            errors = list(run())
        except Exception:  # noqa: BLE001 - a shape it did not expect (the meta-schema check reports it)
            continue
        for error in errors:
            if isinstance(error, _SKIP):
                continue
            path = getattr(error, "mocktui_at", [])
            file, pointer = locate(loader, root, path)
            reason = f"default {error.message}" if "default" in path else error.message
            out.append(loader.problem(file, pointer, reason[:300], "warning"))
    return out


def _walks(registry: KeywordValidatorRegistry, spec: SchemaPath, root: dict[str, Any]) -> Iterator[Any]:
    """One walk per path item and per named schema, so a crash in one skips only that one."""
    path_walk: Any = registry["path"]
    schema_walk: Any = registry["schema"]
    paths = root.get("paths")
    if isinstance(paths, dict):
        for url in paths:
            if not str(url).startswith("x-"):
                yield lambda url=str(url): path_walk(url, spec / "paths" / url)
    components = root.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if isinstance(schemas, dict):
        for name in schemas:
            yield lambda name=str(name): schema_walk(spec / "components" / "schemas" / name)
