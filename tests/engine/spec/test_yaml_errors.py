"""A YAML syntax error names where the broken construct began as well as where parsing stopped."""

from __future__ import annotations

import pytest

from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.loader import parse_text

LINES = ["openapi: 3.0.3", 'info: {title: X, version: "1"}', "paths:", "  /a:", "    get:", "      responses:"]


def problem(text: str) -> str:
    with pytest.raises(SpecError) as refused:
        parse_text(text.encode(), "api.yaml")
    (found,) = refused.value.problems
    return found.format()


def test_an_open_flow_mapping_names_the_line_it_began_on_and_where_parsing_stopped() -> None:
    opened = '        "200": {description: ok, x: 1'
    text = "\n".join([*LINES, *["        # padding"] * 6, opened, "  /b:", "    get: {}"])
    assert problem(text) == (
        "api.yaml:13: error: at #: invalid YAML: a flow mapping that began on line 13: "
        "did not find expected ',' or '}' (stopped at line 14, column 5)"
    )


def test_an_open_flow_sequence_too() -> None:
    assert problem("tags: [a, b\nopenapi: 3.0.3\n") == (
        "api.yaml:1: error: at #: invalid YAML: a flow sequence that began on line 1: "
        "did not find expected ',' or ']' (stopped at line 2, column 8)"
    )


def test_an_error_without_an_open_construct_names_its_line() -> None:
    found = problem("a: 1\n b: 2\n")
    assert found == "api.yaml:2: error: at #: invalid YAML: mapping values are not allowed in this context"
