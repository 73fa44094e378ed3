"""Jinja in rule templates: statements and filters in answers, errors at load with their line, notes at run time."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mocktui.engine.pipeline import MockEngine

from .support import body_of, decide, problems_of, rules


def test_statements_and_filters_in_templates_bodies_and_headers(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: updateUser}
          then:
            headers: {X-Echo: "{{ headers.x-request-id | upper }}", X-Count: "{{ body.tags | length }}"}
            template: |
              {"tags": [{% for t in body.tags %}"{{ t | title }}"{{ "," if not loop.last }}{% endfor %}],
               {% if body.admin %}"role": "admin",{% else %}"role": "user",{% endif %}
               "joined": "{{ body.tags | join('+') }}", "name": "{{ body.name }}"}
        - when: {operation: createProduct}
          then:
            status: 201
            body: {kind: "{% if body.price > 10 %}dear{% else %}cheap{% endif %}", price: "{{ body.price | round }}"}
        """,
    )
    sent = {"tags": ["red", "big"], "admin": True, "name": 'Ada "the first"'}
    decision = decide(s, "PATCH", "/api/v1/users/5", headers={"X-Request-Id": "r-9"}, json=sent)
    assert decision is not None and decision.headers == [("X-Echo", "R-9"), ("X-Count", "2")]
    assert body_of(decision) == {"tags": ["Red", "Big"], "role": "admin", "joined": "red+big", "name": sent["name"]}
    assert decision.notes == []
    assert body_of(decide(s, "POST", "/api/v1/products", json={"price": 12.4})) == {"kind": "dear", "price": 12.0}


def test_a_failing_template_answers_nothing_and_is_noted(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(
        tmp_path,
        shop,
        """
        - when: {operation: updateUser}
          then:
            headers: {X-Python: "{{ ''.__class__ }}"}
            body: {ratio: "{{ body.a / body.b }}", fine: "{{ body.a }}"}
        """,
    )
    decision = decide(s, "PATCH", "/api/v1/users/5", json={"a": 1, "b": 0})
    assert decision is not None and decision.headers == [("X-Python", "")]
    assert body_of(decision) == {"ratio": None, "fine": 1}
    assert len(decision.notes) == 1 and "ZeroDivisionError" in decision.notes[0]


def test_a_broken_template_is_reported_at_load_with_its_line(tmp_path: Path, shop: MockEngine) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text(
        textwrap.dedent(
            """\
            - name: broken
              when: {operation: getUser}
              then:
                template: |
                  {"id": {{ path.userId }},
                   {% for t in body.tags %}
                   "x": 1}
            - name: typo
              then:
                headers: {X-A: "{{ body.name | titel }}"}
            - name: provider
              then:
                body: {emails: "{% for u in body.users %}{{ faker.emale }}{% endfor %}"}
            """
        )
    )
    assert problems_of(shop, str(file)) == [
        f"{file}:6: rule 1 (broken): then.template: template: Unexpected end of template. Jinja was looking for "
        "the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for', "
        "at '{% for t in body.tags %}'",
        f"{file}:10: rule 2 (typo): then.headers.X-A: template: unknown filter 'titel' (did you mean 'title'?); "
        "known: json, upper, lower, trim, length, first, last, default and Jinja's, at 'titel }}'",
        f"{file}:13: rule 3 (provider): then.body.emails: template: unknown Faker provider 'emale'",
    ]
