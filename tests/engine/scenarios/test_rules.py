"""Rule files: every error named with its line, empty files, reloading the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.scenarios.decision import ScenarioError
from mocktui.engine.scenarios.runner import ScenarioFiles
from mocktui.engine.spec.read import load_spec

from ...helpers import SPECS
from .support import DATA, decide, problems_of, rules


def test_every_rule_error_is_named_with_its_line(shop: MockEngine) -> None:
    f = "tests/data/scenarios-errors.yaml"
    problems = problems_of(shop, str(DATA / "scenarios-errors.yaml"))
    problems = [p.replace(str(DATA / "scenarios-errors.yaml"), f) for p in problems]
    assert problems == [
        f"{f}:6: rule 1 (bad regex): when.query.email.regex: bad regex '(unclosed': "
        "missing ), unterminated subpattern at position 0",
        f"{f}:11: rule 2 (bad status): then.status: bad status 700: expected an HTTP status 100-599",
        f"{f}:13: rule 3: when.operation: unknown operationId 'getProdcut' (did you mean 'getProduct'?): "
        f"not in {shop.spec.file}",
        f"{f}:17: rule 4 (unknown keys): when.methdo: unknown key (did you mean 'method'?); "
        "known: method, path, operation, query, headers, cookies, body, call, calls",
        f"{f}:18: rule 4 (unknown keys): then.colour: unknown key; "
        "known: status, headers, body, template, example, content_type, delay, fault, webhook",
        f"{f}:21: rule 5 (missing example): then.example: example 'outOfStock' is not in the spec for getProduct; "
        "known: mouse, soldOut",
        f"{f}:27: rule 6 (broken template): then.template: template: unknown filter 'shout'; "
        "known: json, upper, lower, trim, length, first, last, default and Jinja's, at 'shout }}\"}'",
        f"{f}:31: rule 7 (bad operator): when.body./total.greater: unknown operator (did you mean 'gte'?); "
        "known: eq, ne, regex, gt, gte, lt, lte, in, not_in, exists, contains",
        f"{f}:35: rule 8 (odd values): when.method: unknown method 'FETCH'; "
        "known: GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE",
        f"{f}:36: rule 8 (odd values): when.call: expected a call number from 1 (or a list of them), got 0",
        f"{f}:38: rule 8 (odd values): then.delay: expected milliseconds (250) or a range (\"100-300\"), got 'soon'",
        f"{f}:39: rule 8 (odd values): then.fault: unknown fault 'explode'; known: reset, hang, truncate, drip",
        f"{f}:40: rule 9 (no answer): missing 'then': what to answer",
        f"{f}:44: rule 10 (unknown provider): then.body.email: template: unknown Faker provider 'emale'",
        f"{f}:48: rule 11 (unreadable location): when.body.$..total: cannot read '$..total': "
        "use a JSON pointer (/a/b/0) or a simple JSONPath ($.a.b[0])",
        f"{f}:52: rule 12 (twice): when: duplicate key",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- when: {method: GET}\n  then: {status: 200\n",
            ":3: invalid YAML: expected ',' or '}', but got '<stream end>'",
        ),
        ("rules: [1]\nextra: 2\n", ":2: rules: expected a list of rules, or a mapping with only 'rules'"),
        ("just text\n", ":1: rules: expected a list of rules"),
        ("- 42\n", ":1: rule 1: a rule must be a mapping with 'when' and 'then'"),
        ("- then: {}\n", ":1: rule 1: then: expected a mapping with any of status, headers"),
        ("- then: {body: 1, example: x}\n", ":1: rule 1: then.example: body and example exclude each other; give one"),
        (
            "- when: {method: POST}\n  then: {example: mouse}\n",
            ":2: rule 1: then.example: example 'mouse' is not in the spec for 3 matching operations; known: none",
        ),
        ("- when: {path: orders}\n  then: {status: 1}\n", ":1: rule 1: when.path: expected a path glob starting"),
        ("- then: {delay: 300-100}\n", ":1: rule 1: then.delay: the range '300-100' ends below its start"),
        ("- then: {headers: {'bad name': x}}\n", ":1: rule 1: then.headers.bad name: bad header name 'bad name'"),
        ("- then: {template: '{{ body.x '}\n", ":1: rule 1: then.template: template: '{{' is never closed with '}}'"),
        ("- then: {template: '{{ secret }}'}\n", ":1: rule 1: then.template: template: unknown name 'secret'"),
        ("- when: {query: {a: {gt: x}}}\n  then: {status: 400}\n", ":1: rule 1: when.query.a.gt: expected a number"),
        ("- when: {calls: {every: 0}}\n  then: {status: 400}\n", ":1: rule 1: when.calls.every: expected a whole"),
        ("- name: [a]\n  then: {status: 400}\n", ":1: rule 1: name: expected text, got ['a']"),
        (
            "- when: {operation: getProduct}\n  then:\n    status: 404\n    example: mouse\n",
            ":4: rule 1: then.example: example 'mouse' is not in the spec for getProduct for status 404; known: none",
        ),
    ],
)
def test_rule_file_problems(tmp_path: Path, shop: MockEngine, text: str, expected: str) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text(text)
    problems = problems_of(shop, str(file))
    assert problems[0].startswith(f"{file}{expected}"), problems


def test_rules_under_a_rules_key_and_empty_files(tmp_path: Path, shop: MockEngine) -> None:
    s = rules(tmp_path, shop, "rules:\n  - then: {status: 418}\n")
    assert decide(s, "GET", "/api/v1/users").status == 418  # type: ignore[union-attr]
    assert rules(tmp_path, shop, "").rules == []
    assert rules(tmp_path, shop, "rules:\n").rules == []
    assert problems_of(shop, str(tmp_path / "absent.yaml")) == [
        f"{tmp_path / 'absent.yaml'}: cannot read the rules file: No such file or directory"
    ]


def test_reload_reads_the_files_again(tmp_path: Path) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text("- then: {status: 418}\n")
    engine = MockEngine.build(load_spec(str(SPECS / "shop.yaml")), scenarios=ScenarioFiles(str(file)))
    assert engine.scenarios is not None and decide(engine.scenarios, "GET", "/api/v1/users").status == 418  # type: ignore[union-attr]
    file.write_text("- then: {status: 419}\n")
    engine.reload_scenarios()
    assert engine.scenarios is not None and decide(engine.scenarios, "GET", "/api/v1/users").status == 419  # type: ignore[union-attr]
    assert engine.scenarios.files == ScenarioFiles(str(file))
    kept = engine.scenarios
    file.write_text("- then: {status: 1}\n")
    with pytest.raises(ScenarioError):
        engine.reload_scenarios()
    assert engine.scenarios is kept  # a broken edit keeps the last good rules
