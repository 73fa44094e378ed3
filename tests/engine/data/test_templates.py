"""The template syntax of scenario responders."""

from __future__ import annotations

import pytest

from mocktui.engine.data.templates import TemplateError, compile_template


def test_template_syntax() -> None:
    template = compile_template("a {{ \"}}\" }} b {{ body.x | default('y') }}")
    assert template.render({"body": {}}) == "a }} b y"
    assert compile_template("no braces }} here").render({}) == "no braces }} here"
    for text, message, offset in [
        ("{{ }}", "empty expression '{{ }}'", 0),
        ("{{ body.x | default }}", "filter 'default' takes 1 argument(s), got 0", 12),
        ("{{ body.x y }}", "unexpected 'y' after the expression", 10),
        ("{{ body. }}", "expected a field name after '.', found the end of the expression", 9),
        ("{{ body[0 }}", "expected ']', found the end of the expression", 10),
        ("{{ body + 1 }}", "unexpected character '+'", 8),
    ]:
        with pytest.raises(TemplateError) as caught:
            compile_template(text)
        assert (caught.value.message, caught.value.offset) == (message, offset), text
