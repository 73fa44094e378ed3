"""`bundle`: a spec split over files becomes one document whose every reference resolves within it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonpointer
import orjson
import pytest
import yaml

from mocktui.engine.spec.bundle import bundle
from mocktui.engine.spec.loader import Loader

from ...paths import CORPUS


def refs(document: Any) -> list[str]:
    """Every `$ref` but those inside extensions (`x-codeSamples` refs are a docs tool's, not OpenAPI's)."""
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if not str(k).startswith("x-")}
        return [r for v in document.values() for r in refs(v)] + (
            [document["$ref"]] if isinstance(document.get("$ref"), str) else []
        )
    if isinstance(document, list):
        return [r for v in document for r in refs(v)]
    return []


def write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))  # the order they are met in
    return path


def test_external_parts_are_copied_once_and_later_references_point_at_the_copy(tmp_path: Path) -> None:
    write(tmp_path, "schemas/pet.yaml", {"type": "object", "properties": {"owner": {"$ref": "owner.yaml"}}})
    write(tmp_path, "schemas/owner.yaml", {"type": "object", "properties": {"name": {"type": "string"}}})
    root = write(tmp_path, "openapi.yaml", {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "schemas/pet.yaml"}}}}}}},
            "/owners": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "schemas/owner.yaml"}}}}}}}},
        "components": {"schemas": {"Local": {"type": "string"}, "UsesLocal": {"$ref": "#/components/schemas/Local"}}},
    })  # fmt: skip
    out = bundle(Loader(str(root)))
    pet = out["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert pet["type"] == "object" and pet["properties"]["owner"]["properties"]["name"] == {"type": "string"}
    owners = out["paths"]["/owners"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert owners == {"$ref": "#/paths/~1pets/get/responses/200/content/application~1json/schema/properties/owner"}
    assert out["components"]["schemas"]["UsesLocal"] == {"$ref": "#/components/schemas/Local"}  # kept as written
    for ref in refs(out):
        jsonpointer.resolve_pointer(out, ref[1:])


def test_a_cycle_across_files_becomes_a_local_reference(tmp_path: Path) -> None:
    write(tmp_path, "node.yaml", {"type": "object", "properties": {"next": {"$ref": "node.yaml"}}})
    root = write(tmp_path, "openapi.yaml", {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {}, "components": {"schemas": {"Node": {"$ref": "node.yaml"}}},
    })  # fmt: skip
    out = bundle(Loader(str(root)))
    assert out["components"]["schemas"]["Node"]["properties"]["next"] == {"$ref": "#/components/schemas/Node"}


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["redocly-cafe/openapi.yaml", "petstore-separate-v2/spec/swagger.yaml",
                                  "greenbutton/openapi.yaml"])  # fmt: skip
def test_corpus_multi_file_specs_bundle_to_one_resolvable_document(name: str) -> None:
    out = orjson.loads(orjson.dumps(bundle(Loader(str(CORPUS / name))), option=orjson.OPT_NON_STR_KEYS))
    found = refs(out)
    assert found and all(ref.startswith("#") for ref in found)  # nothing left in another file
    for ref in found:
        jsonpointer.resolve_pointer(out, ref[1:])
