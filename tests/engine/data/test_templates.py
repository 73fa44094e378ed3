"""Response templates: the first language's templates unchanged, Jinja on top, the sandbox, errors at load."""

from __future__ import annotations

from typing import Any

import pytest

from mocktui.engine.data.templates import Lookup, Scope, TemplateError, compile_template


class Pool(Lookup):
    """A stand-in for the Faker view: one value per provider."""

    def lookup(self, key: Any) -> Any:
        return {"email": "ada@example.com", "first_name": "Ada"}.get(key)


class Users(Lookup):
    """A stand-in for `store.users`: records by id, and all of them on their own."""

    RECORDS = {"1": {"id": 1, "email": "ada@example.com"}, "2": {"id": 2, "email": "bob@example.com"}}

    def lookup(self, key: Any) -> Any:
        return self.RECORDS.get(str(key))

    def value(self) -> Any:
        return list(self.RECORDS.values())


class Store(Lookup):
    def lookup(self, key: Any) -> Any:
        return Users() if key == "users" else None


class Headers(Lookup):
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers

    def lookup(self, key: Any) -> Any:
        return self.headers.get(str(key).lower())

    def value(self) -> Any:
        return self.headers


BODY = {"name": "ada lovelace", "items": [{"name": "pen", "qty": 2}, {"name": "ink", "qty": 1}], "tags": ["x", "y"]}


def scope(**extra: Any) -> dict[str, Any]:
    return {
        "path": {"id": "2"},
        "query": {"page": "3"},
        "headers": Headers({"x-request-id": "r-1", "content-type": "application/json"}),
        "body": BODY,
        "faker": Pool(),
        "store": Store(),
        "uuid": "0b2f6a4e-1111-4222-8333-444455556666",
        "method": "POST",
        **extra,
    }


def render(text: str, json_escape: bool = False, **extra: Any) -> str:
    return compile_template(text).render(scope(**extra), json_escape=json_escape)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ uuid }}", "0b2f6a4e-1111-4222-8333-444455556666"),
        ("{{ path.id }}", "2"),
        ("{{ body.name | upper }}", "ADA LOVELACE"),
        ("{{ query.limit | default(10) }}", "10"),
        ("{{ query.page | default(10) }}", "3"),
        ("{{ body.nothing | default('y') }}|{{ body.tags | default('y') }}", 'y|["x","y"]'),
        ("{{ body.tags | json }}", '["x","y"]'),
        ("{{ body.nothing | json }}|{{ body.name.nothing.deeper | json }}", "null|null"),
        ("{{ faker.email }}", "ada@example.com"),
        ("{{ store.users[path.id].email }}", "bob@example.com"),
        ("{{ store.users[1].email }}|{{ store.users['9'] | json }}", "ada@example.com|null"),
        ("{{ store.users | length }}", "2"),
        ("{{ headers.x-request-id }}|{{ headers.Content-Type }}", "r-1|application/json"),
        ("{{ body.items.0.name }}|{{ body.items.1 | json }}", 'pen|{"name":"ink","qty":1}'),
        ("{{ body.items | first | json }}|{{ body.tags | last }}", '{"name":"pen","qty":2}|y'),
        ("{{ '  Hi ' | trim | lower }}|{{ method | lower }}", "hi|post"),
        ("{{ body.nothing | upper }}|{{ body.nothing | length }}|{{ body.nothing | first }}", "|0|"),
        ("{{ body.tags }} {{ 5 }} {{ true }} {{ null }} {{ 1.5 }}", '["x","y"] 5 true  1.5'),
        ("{{ body.nothing }}{{ body.nothing.deeper }}{{ body.at.all[0] }}", ""),
        ('a {{ "}}" }} b', "a }} b"),
        ('{{ "tab\\there" }}', "tab\there"),
        ("trailing newline kept\n", "trailing newline kept\n"),
        ("no braces }} here {# not a comment #}", "no braces }} here {# not a comment #}"),
    ],
)
def test_templates_of_the_first_language_render_the_same(text: str, expected: str) -> None:
    assert render(text) == expected


def test_a_dash_in_a_name_is_subtraction_only_outside_root_chains() -> None:
    assert render("{{ body.items | length - 1 }}|{% set n = 5 %}{{ n-1 }}") == "1|4"
    assert render("{% for i in body.items %}{{ loop.index-1 }}{% endfor %}") == "01"
    assert render("{{ body.x-y }}", body={"x-y": "dash", "x": 3}) == "dash"
    assert render('{{ body["2fa"] }}{{ body.2fa }}', body={"2fa": "on"}) == "onon"


def test_json_escape_and_the_value_of_a_single_expression() -> None:
    body = {"name": 'Ada "the first"\n', "amount": 9.5, "ok": True}
    template = compile_template('{"name": "{{ body.name }}", "all": {{ body | json }}}')
    assert template.render(scope(body=body), json_escape=True) == (
        '{"name": "Ada \\"the first\\"\\n", "all": {"name":"Ada \\"the first\\"\\n","amount":9.5,"ok":true}}'
    )
    assert compile_template(" {{ body.amount }} ").value(scope(body=body)) == 9.5
    assert compile_template("{{ body }}").value(scope(body=body)) == body
    assert compile_template("{{ body | json }}").value(scope(body=body)) == body
    assert compile_template("{{ body.nothing }}").value(scope(body=body)) is None
    assert compile_template("{{ store.users }}").value(scope()) == list(Users.RECORDS.values())
    assert compile_template("{{ body.items | map(attribute='name') }}").value(scope()) == ["pen", "ink"]
    assert compile_template("{{ body.amount }}!").value(scope(body=body)) == "9.5!"
    assert compile_template("{% if body.ok %}{{ body.amount }}{% endif %}").value(scope(body=body)) == "9.5"


def test_jinja_statements_and_filters() -> None:
    assert render("{% if body.tags | length > 1 %}many{% else %}few{% endif %}") == "many"
    assert render("{% if body.nothing %}yes{% elif query.page == '3' %}page 3{% endif %}") == "page 3"
    loop = "{% for item in body.items %}{{ loop.index }}:{{ item.name | title }}{{ ', ' if not loop.last }}{% endfor %}"
    assert render(loop) == "1:Pen, 2:Ink"
    assert render("{% for u in store.users %}{{ u.email }} {% endfor %}") == "ada@example.com bob@example.com "
    assert render("{{ body.name | title }}|{{ body.tags | join('+') }}|{{ body.items | sum(attribute='qty') }}") == (
        "Ada Lovelace|x+y|3"
    )
    assert render("{{ body.items | map(attribute='name') | sort | join(',') }}") == "ink,pen"
    assert render("{{ store.users | map(attribute='email') | join(',') }}") == "ada@example.com,bob@example.com"
    assert render("{% for key, value in body | dictsort %}{{ key }} {% endfor %}") == "items name tags "
    assert (
        render(
            "{% set total = namespace(n=0) %}{% for i in body.items %}{% set total.n = total.n + i.qty %}"
            "{% endfor %}{{ total.n }}"
        )
        == "3"
    )
    assert render("{{ body.items | items | length }}|{{ range(3) | list | json }}") == "0|[0,1,2]"
    assert render("{{ '%05d' | format(42) }}|{{ 3.14159 | round(2) }}|{{ 'a-b' | replace('-', '_') }}") == (
        "00042|3.14|a_b"
    )


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ body.__class__ }}",
        "{{ body.items.__class__ }}",
        "{{ range.__globals__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ faker.__class__ }}{{ faker._pools }}",
        "{{ body.name.__len__() }}",
    ],
)
def test_the_sandbox_refuses_python_internals(text: str) -> None:
    notes: list[str] = []
    assert compile_template(text).render(scope(), notes=notes) == ""


def test_data_is_read_not_changed_and_big_values_are_refused() -> None:
    body = {"tags": ["x"], "items": 1}
    notes: list[str] = []
    for text in ("{{ body.tags.append('y') }}", "{{ body.update({'a': 1}) }}", "{% set _ = body.pop('tags') %}"):
        compile_template(text).render(scope(body=body), notes=notes)
    assert body == {"tags": ["x"], "items": 1}
    assert compile_template("{{ body.items }}|{{ body.keys }}").render(scope(body=body)) == "1|"  # fields, not methods
    notes.clear()
    assert compile_template("{{ 'x' * 100000000 }}").render(scope(), notes=notes) == ""
    assert compile_template("{{ 10 ** 100000 }}").render(scope(), notes=notes) == ""
    assert len(notes) == 2 and "repetition" in notes[0] and "exponent" in notes[1]


def test_a_runtime_error_renders_as_nothing_and_is_noted() -> None:
    notes: list[str] = []
    assert compile_template("a {{ 1 / 0 }} b").render(scope(), notes=notes) == ""
    assert compile_template("{{ body.nothing + 1 }}").value(scope(), notes=notes) is None
    assert compile_template("{{ body.tags | join(',') }}").render(scope(body={"tags": None}), notes=notes) == ""
    assert [n.split(":")[0] for n in notes] == [
        "template 'a {{ 1 / 0 }} b' rendered as nothing",
        "template '{{ body.nothing + 1 }}' rendered as nothing",
        "template \"{{ body.tags | join(',') }}\" rendered as nothing",
    ]
    assert "ZeroDivisionError" in notes[0] and "UndefinedError" in notes[1]
    assert compile_template("{{ 1 / 0 }}").render(scope()) == ""  # without a place for notes


def test_only_the_names_used_are_computed() -> None:
    made: list[str] = []

    def maker(name: str, value: Any) -> Any:
        return lambda: made.append(name) or value

    lazy = Scope({"uuid": maker("uuid", "u"), "body": maker("body", {"a": 1}), "query": maker("query", {})})
    assert compile_template("{{ body.a }}{{ body.a }}").render(lazy) == "11"
    assert made == ["body"]


def test_templates_are_compiled_once() -> None:
    text = "{{ body.name }} {{ faker.email }}"
    assert compile_template(text) is compile_template(text)
    assert compile_template("plain text").dynamic is False and compile_template(text).dynamic is True
    assert compile_template("{% if true %}x{% endif %}").dynamic is True


def test_the_roots_read_are_listed_for_checks_at_load() -> None:
    template = compile_template(
        "{{ faker.email }}{{ faker[body.kind] }}{{ store.users[path.id].email }}{{ headers.x-a }}"
        "{% for u in store.users %}{{ u.name }}{% endfor %}{% set f = faker %}{{ uuid }}"
    )
    assert template.paths == [
        ("faker", ("email",)),
        ("body", ("kind",)),
        ("faker", (None,)),
        ("path", ("id",)),
        ("store", ("users", None, "email")),
        ("headers", ("x-a",)),
        ("store", ("users",)),
        ("faker", ()),
        ("uuid", ()),
    ]


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("{{ body.x ", "'{{' is never closed with '}}'", "{{ body.x "),
        ('{"a": 1,\n "b": {% if body.x }\n}', "'{%' is never closed with '%}'", "{% if body.x }"),
        ("{{ x }} {# note", "'{#' is never closed with '#}'", "{# note"),
        (
            "{{ secret }}",
            "unknown name 'secret'; known: path, query, headers, cookies, body, faker, store, uuid, "
            "now, timestamp, method, call",
            "secret }}",
        ),
        ('{"secret": 1,\n "b": "{{ secret }}"}', "unknown name 'secret'", "secret }}"),
        (
            "{{ body | shout }}",
            "unknown filter 'shout'; known: json, upper, lower, trim, length, first, last, default and Jinja's",
            "shout }}",
        ),
        ("{{ body | titel }}", "unknown filter 'titel' (did you mean 'title'?)", "titel }}"),
        ("{{ body is nmber }}", "unknown test 'nmber' (did you mean 'number'?)", "nmber }}"),
        ("{{ }}", "Expected an expression, got 'end of print statement'", "{{ }}"),
        ("{{ body.x y }}", "expected token 'end of print statement', got 'y'", "y }}"),
        ("{{ body[0 }}", "unexpected '}', expected ']'", "body[0 }}"),
        ("{{ body. }}", "expected name or number", "body. }}"),
        (
            "{% for x in body %}\n{{ x }}\n",
            "Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'",
            "{% for x in body %}\n{{ x }}",
        ),
        ("{% if a %}{% if b %}{% endif %}", "Unexpected end of template", "{% if a %}{% if b %}"),
        ("line 1\nline 2\n  {% if %}\n", "Expected an expression, got 'end of statement block'", "if %}"),
    ],
)
def test_a_template_that_cannot_compile_is_reported_where_it_is(text: str, message: str, at: str) -> None:
    with pytest.raises(TemplateError) as caught:
        compile_template(text)
    assert caught.value.message.startswith(message), caught.value.message
    assert text[caught.value.offset :].startswith(at), text[caught.value.offset :]
