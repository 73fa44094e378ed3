"""Structure the spec must have, refused by `validate` and at start-up with file, line and pointer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.read import load_spec

HEAD = 'openapi: 3.0.3\ninfo: {title: X, version: "1"}\n'
OK_PATHS = 'paths:\n  /a:\n    get:\n      responses: {"200": {description: ok}}\n'


def problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "api.yaml").write_text(text)
    with pytest.raises(SpecError) as refused:
        load_spec(str(tmp_path / "api.yaml"))
    return [p.format() for p in refused.value.problems]


def test_servers_must_be_a_list_of_objects(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, HEAD + 'servers: "http://x"\n' + OK_PATHS)
    assert found.endswith(
        "api.yaml:3: error: at #/servers: servers must be a list of {url: ...} objects, got 'http://x'"
    )


def test_a_request_body_needs_content(tmp_path: Path) -> None:
    post = '    post:\n      requestBody: {required: true}\n      responses: {"200": {description: ok}}\n'
    spec = HEAD + "paths:\n  /a:\n" + post
    (found,) = problems(tmp_path, spec)
    assert found.endswith(
        "api.yaml:6: error: at #/paths/~1a/post/requestBody: requestBody needs `content`: "
        "a map of media types to their schemas"
    )


@pytest.mark.parametrize(
    ("keyword", "value", "must"),
    [
        ("properties", "[a, b]", "a mapping of names to schemas"),
        ("additionalProperties", '"yes"', "a schema or a boolean"),
        ("required", "name", "a list of property names"),
        ("minimum", '"x"', "a number"),
        ("maxLength", "-1", "a whole number, 0 or more"),
        ("allOf", "{type: object}", "a list of schemas"),
        ("enum", "red", "a list of values"),
    ],
)
def test_a_schema_keyword_of_the_wrong_type_is_an_error(tmp_path: Path, keyword: str, value: str, must: str) -> None:
    spec = HEAD + OK_PATHS + f"components:\n  schemas:\n    Thing:\n      type: object\n      {keyword}: {value}\n"
    spec = spec.replace('{"200": {description: ok}}', '{"200": {description: ok, content: {application/json: '
                        '{schema: {$ref: "#/components/schemas/Thing"}}}}}')  # fmt: skip
    (found,) = problems(tmp_path, spec)
    assert f"api.yaml:11: error: at #/components/schemas/Thing/{keyword}: {keyword} must be {must}, got" in found
