"""`mocktui validate` reports the patterns the generator cannot honour, located by file, line and pointer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.cli import main
from mocktui.engine.contract.lint import pattern_problems
from mocktui.engine.spec.read import load_spec

SPEC = r"""openapi: 3.0.3
info: {title: Codes, version: "1"}
paths:
  /codes:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Code"}
              example: {pattern: '(?<=x)y'}
components:
  schemas:
    Code:
      type: object
      x-internal: {pattern: '(?<=x)y'}
      properties:
        code:
          type: string
          pattern: '(?<=#)[A-Z]{3}'
        name:
          type: string
          pattern: '^[\p{L} -]+$'
        example:
          type: string
          pattern: '^(?<year>\d{4})-\d{2}$'
        next:
          type: string
          pattern: '^v\d+(?=-beta)'
      patternProperties:
        '^\p{Bogus}$': {type: integer}
        '^x-\p{Lu}{2}$': {type: integer}
      example: {code: ABC, pattern: '(?<=x)y'}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "api.yaml"
    path.write_text(SPEC)
    return path


def test_validate_warns_per_unhonourable_pattern(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(spec_file)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "cannot honour" in line]
    assert [line.split("api.yaml", 1)[1] for line in lines] == [
        ":21: warning: at #/components/schemas/Code/properties/code/pattern: the generator cannot honour this pattern "
        "(lookbehind); generated values may not match",
        ":30: warning: at #/components/schemas/Code/properties/next/pattern: the generator cannot honour this pattern "
        "(lookahead); generated values may not match",
        ":32: warning: at #/components/schemas/Code/patternProperties/^\\p{Bogus}$: the generator cannot honour this "
        "pattern (the response validator does not accept it as an ECMA-262 regex); generated values may not match",
    ]


def test_patterns_in_examples_and_extensions_are_not_schemas(spec_file: Path) -> None:
    pointers = [p.pointer for p in pattern_problems(load_spec(str(spec_file)))]
    assert not any("example" in p.split("/")[-2:] or "x-internal" in p for p in pointers if p.endswith("/pattern"))
    assert len(pointers) == 3


def test_patterns_in_a_referenced_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {$ref: 'schemas.yaml#/Thing'}\n"
    )
    (tmp_path / "schemas.yaml").write_text("Thing:\n  type: string\n  pattern: '(?<=a)b'\n")
    [problem] = pattern_problems(load_spec(str(tmp_path / "api.yaml")))
    assert problem.file.endswith("schemas.yaml") and problem.line == 3 and problem.pointer == "#/Thing/pattern"
    assert problem.severity == "warning"
