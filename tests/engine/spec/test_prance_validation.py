"""The structural check (openapi-spec-validator's meta-schemas, prance's backend) on Swagger 2.0, OpenAPI
3.0 and 3.1: every finding as `file:line: severity: at #/pointer: reason`, in the file the pointer lands in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.structure import load_checked

from ...corpus import SPEC_FILES, run_spec
from ...helpers import CORPUS, serve


def refused(tmp_path: Path, text: str, name: str = "api.yaml") -> list[str]:
    (tmp_path / name).write_text(text)
    with pytest.raises(SpecError) as caught:
        load_checked(str(tmp_path / name), semantic=True)
    return [p.format().split(str(tmp_path) + "/")[-1] for p in caught.value.problems]


def warned(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "api.yaml").write_text(text)
    spec = load_checked(str(tmp_path / "api.yaml"), semantic=True)
    return [p.format().split(str(tmp_path) + "/")[-1] for p in spec.warnings]


SWAGGER = """swagger: "2.0"
info: {title: X, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - name: tags
          in: query
          type: array
          items: {type: string}
          collectionFormat: commas
      responses:
        "200": {description: ok}
definitions:
  Pet:
    type: object
    readOnly: "yes"
"""

OPENAPI_30 = """openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - name: filter
          in: query
          style: fancy
          schema: {type: string}
      responses:
        "200": {description: ok}
"""

OPENAPI_31 = """openapi: 3.1.0
info: {title: X, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200": {description: ok}
components:
  schemas:
    Pet:
      type: object
      properties:
        name:
          type: string
          uniqueItems: "no"
"""


def test_swagger_2_findings_name_file_line_and_pointer(tmp_path: Path) -> None:
    assert refused(tmp_path, SWAGGER) == [
        "api.yaml:11: error: at #/paths/~1pets/get/parameters/0/collectionFormat: collectionFormat is 'commas'; "
        "expected 'csv' or 'ssv' or 'tsv' or 'pipes' or 'multi'",
        "api.yaml:17: error: at #/definitions/Pet/readOnly: readOnly must be a boolean, got 'yes'",
    ]


def test_openapi_30_findings_name_file_line_and_pointer(tmp_path: Path) -> None:
    assert refused(tmp_path, OPENAPI_30) == [
        "api.yaml:9: error: at #/paths/~1pets/get/parameters/0/style: style is 'fancy'; "
        "expected 'form' or 'spaceDelimited' or 'pipeDelimited' or 'deepObject'",
    ]


def test_openapi_31_schema_objects_are_checked_as_json_schema(tmp_path: Path) -> None:
    # The 3.1 meta-schema leaves Schema Objects unchecked; an unreferenced one is checked all the same.
    assert refused(tmp_path, OPENAPI_31) == [
        "api.yaml:15: error: at #/components/schemas/Pet/properties/name/uniqueItems: "
        "uniqueItems must be a boolean, got 'no'",
    ]


def test_a_finding_in_a_referenced_file_names_that_file_and_its_line(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    pet = "type: object\nproperties:\n  id:\n    type: integer\n    writeOnly: 1\n"
    (tmp_path / "schemas" / "pet.yaml").write_text(pet)
    spec = OPENAPI_31.split("components:")[0].replace(
        '"200": {description: ok}',
        '"200": {description: ok, content: {application/json: {schema: {$ref: "schemas/pet.yaml"}}}}',
    )
    assert refused(tmp_path, spec) == [
        "schemas/pet.yaml:5: error: at #/properties/id/writeOnly: writeOnly must be a boolean, got 1",
    ]


def test_several_findings_are_all_listed(tmp_path: Path) -> None:
    spec = OPENAPI_30 + "components:\n  schemas:\n    A: {type: object, nullable: 2}\n    B: {format: 5}\n"
    found = refused(tmp_path, spec)
    assert [f.split(": ", 3)[2] for f in found] == [
        "at #/paths/~1pets/get/parameters/0/style",
        "at #/components/schemas/A/nullable",
        "at #/components/schemas/B/format",
    ]


@pytest.mark.parametrize("dialect", ["2.0", "3.0", "3.1"])
@pytest.mark.parametrize(
    ("keyword", "value", "must"),
    [
        ("uniqueItems", '"no"', "uniqueItems must be a boolean, got 'no'"),
        ("readOnly", "1", "readOnly must be a boolean, got 1"),
        ("format", "5", "format must be a string, got 5"),
        ("exclusiveMaximum", '"x"', "exclusiveMaximum must be"),
        ("not", "5", "not must be a mapping"),
        ("multipleOf", "0", "multipleOf: 0 is less than or equal to the minimum of 0"),
        ("properties", "[a, b]", "properties must be a mapping"),
        ("additionalProperties", '"yes"', "additionalProperties must be"),
        ("required", "name", "required must be a list"),
        ("minimum", '"x"', "minimum must be a number, got 'x'"),
        ("allOf", "{type: object}", "allOf must be a list"),
    ],
)
def test_a_schema_keyword_of_the_wrong_type_is_an_error_in_every_dialect(
    tmp_path: Path, dialect: str, keyword: str, value: str, must: str
) -> None:
    head = 'swagger: "2.0"' if dialect == "2.0" else f"openapi: {dialect}.0"
    where = "definitions:\n" if dialect == "2.0" else "components:\n  schemas:\n"
    indent = "  " if dialect == "2.0" else "    "
    spec = (
        f'{head}\ninfo: {{title: X, version: "1"}}\npaths: {{}}\n{where}'
        f"{indent}Thing:\n{indent}  type: integer\n{indent}  {keyword}: {value}\n"
    )
    if dialect == "2.0" and keyword == "not":
        pytest.skip("Swagger 2.0 has no `not`")
    found = refused(tmp_path, spec)
    line = 7 if dialect == "2.0" else 8
    pointer = "#/definitions/Thing" if dialect == "2.0" else "#/components/schemas/Thing"
    assert len(found) == 1, found
    assert found[0].startswith(f"api.yaml:{line}: error: at {pointer}/{keyword}: {must}"), found


def test_what_the_mock_never_reads_only_warns_and_is_served(tmp_path: Path) -> None:
    spec = """openapi: 3.0.3
info: {title: X, version: 1.0, x-logo: 5}
tags: [{name: 7}]
paths:
  /pets/{id}:
    get:
      operationId: 5
      sumary: typo
      parameters:
        - {name: id, in: path, required: false, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: []
                properties:
                  name: {type: string, default: 5, description: 3}
"""
    assert warned(tmp_path, spec) == [
        "api.yaml:2: warning: at #/info/version: version must be a string, got 1.0",
        "api.yaml:3: warning: at #/tags/0/name: name must be a string, got 7",
        "api.yaml:7: warning: at #/paths/~1pets~1{id}/get/operationId: operationId must be a string, got 5",
        "api.yaml:8: warning: at #/paths/~1pets~1{id}/get/sumary: unknown field 'sumary'; ignored",
        "api.yaml:10: warning: at #/paths/~1pets~1{id}/get/parameters/0/required: required is False; expected True",
        "api.yaml:18: warning: at #/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/required: "
        "required: [] should be non-empty",
        "api.yaml:20: warning: at #/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/"
        "name/description: description must be a string, got 3",
        "api.yaml:20: warning: at #/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/"
        "name/default: default 5 is not of type 'string'",
    ]
    with serve(load_checked(str(tmp_path / "api.yaml"))) as server:
        assert run_spec(server.url, server.engine).failures == []


def test_a_circular_spec_is_checked_without_resolving_it(tmp_path: Path) -> None:
    spec = OPENAPI_31.replace('uniqueItems: "no"', "default: x") + (
        "        parent: {$ref: '#/components/schemas/Pet'}\n"
        "        children: {type: array, items: {$ref: '#/components/schemas/Pet'}}\n"
    )
    spec = spec.replace('"200": {description: ok}', '"200": {description: ok, content: {application/json: '
                        '{schema: {$ref: "#/components/schemas/Pet"}}}}')  # fmt: skip
    (tmp_path / "api.yaml").write_text(spec)
    assert load_checked(str(tmp_path / "api.yaml"), semantic=True).warnings == []


@pytest.mark.corpus
@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_real_spec_passes_the_full_check(name: str) -> None:
    # Their quirks (a `$vocabulary` string, 3.0 boolean bounds in 3.1, defaults that break their schema) warn.
    started = time.process_time()  # CPU time: the machine's other work does not count against the check
    spec = load_checked(str(CORPUS / name), semantic=True)
    assert spec.operations or name == "webhook-example.yaml"
    assert time.process_time() - started < 30  # OpenAI: ~9 s here; a resolver that recursed would never end
