"""The patch algebra on its own: RFC 6902 appendix A, RFC 6901 pointers, RFC 7396 appendix A."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mocktui.engine.stateful.patch import json_patch, merge_patch

# RFC 6902 appendix A (A.13, a duplicate key, cannot be told apart once the JSON is parsed).
APPENDIX_A = [
    (
        "A.1 add an object member",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2 add an array element",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ("A.3 remove an object member", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    (
        "A.4 remove an array element",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5 replace a value",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6 move a value",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7 move an array element",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8 test a value: success",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10 add a nested member object",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11 ignore unrecognized elements",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    ("A.14 ~ escape ordering", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    (
        "A.16 add an array value",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    (
        "copy",
        {"a": {"b": [1]}},
        [{"op": "copy", "from": "/a/b", "path": "/c"}, {"op": "add", "path": "/c/-", "value": 2}],
        {"a": {"b": [1]}, "c": [1, 2]},
    ),
    ("~1 is a slash", {"a/b": 1}, [{"op": "replace", "path": "/a~1b", "value": 2}], {"a/b": 2}),
    ("numbers equal by value", {"n": 1.0}, [{"op": "test", "path": "/n", "value": 1}], {"n": 1.0}),
    ("replace the whole document", {"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}),
]


@pytest.mark.parametrize(("name", "doc", "ops", "expected"), APPENDIX_A, ids=[a[0] for a in APPENDIX_A])
def test_rfc6902_appendix_a(name: str, doc: dict[str, Any], ops: list[Any], expected: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    assert json_patch(doc, ops) == expected
    assert doc == before  # the stored record is never changed in place


@pytest.mark.parametrize(
    ("doc", "ops", "reason"),
    [
        # A.9 and A.15: a failing test names the path and both values
        (
            {"baz": "qux"},
            [{"op": "test", "path": "/baz", "value": "bar"}],
            'operation 0 (test \'/baz\'): test failed: the value is "qux", not "bar"',
        ),
        ({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], 'the value is 10, not "10"'),
        ({"a": True}, [{"op": "test", "path": "/a", "value": 1}], "the value is true, not 1"),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": True}], "the value is 1, not true"),
        ({"a": {"b": 0}}, [{"op": "test", "path": "/a", "value": {"b": False}}], 'not {"b":false}'),
        # A.12: adding under a member that does not exist
        ({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], "operation 0 (add '/baz/bat')"),
        # RFC 6901: an array index is 0 or digits without a leading zero; `-` only where adding
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/-1", "value": 0}], "'-1' is not a valid sequence index"),
        ({"a": [1, 2]}, [{"op": "replace", "path": "/a/01", "value": 0}], "'01' is not a valid sequence index"),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/01"}], "'01' is not a valid sequence index"),
        ({"a": [1, 2]}, [{"op": "test", "path": "/a/-1", "value": 2}], "operation 0 (test '/a/-1')"),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/-"}], "operation 0 (remove '/a/-')"),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/3", "value": 0}], "operation 0 (add '/a/3')"),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/7"}], "operation 0 (remove '/a/7')"),
        ({"a": 1}, [{"op": "replace", "path": "/b", "value": 0}], "operation 0 (replace '/b')"),
        ({"a": 1}, [{"op": "add", "path": "a", "value": 0}], "operation 0 (add 'a')"),
        ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/c"}], "own children"),
        ({"a": 1}, [{"op": "remove", "path": ""}], "operation 0 (remove '')"),
        # the shape of the patch itself
        ({"a": 1}, {"op": "add", "path": "/b", "value": 1}, "a JSON Patch is a list of operations"),
        ({"a": 1}, ["add"], "operation 0: not a patch operation"),
        (
            {"a": 1},
            [{"op": "test", "path": "/a", "value": 1}, {"op": "merge", "path": "/a"}],
            "operation 1: unknown op 'merge'; known: add, remove, replace, move, copy, test",
        ),
        ({"a": 1}, [{"op": "add", "path": "/b"}], "operation 0 (add '/b'): the operation has no 'value'"),
        ({"a": 1}, [{"op": "copy", "path": "/b"}], "operation 0 (copy '/b'): 'from' must be a JSON pointer"),
        ({"a": 1}, [{"op": "add", "path": 3, "value": 1}], "'path' must be a JSON pointer string, got 3"),
        ({"a": 1}, [{"op": "replace", "path": "", "value": [1]}], "the patched document is not an object"),
    ],
)
def test_a_failing_patch_is_a_value_error_naming_the_operation(doc: dict[str, Any], ops: Any, reason: str) -> None:
    before = copy.deepcopy(doc)
    with pytest.raises(ValueError) as caught:
        json_patch(doc, ops)
    assert reason in str(caught.value)
    assert doc == before


def test_later_operations_see_earlier_ones_and_a_late_failure_changes_nothing() -> None:
    doc = {"tags": ["a"]}
    ops = [{"op": "add", "path": "/tags/-", "value": "b"}, {"op": "test", "path": "/tags/1", "value": "b"}]
    assert json_patch(doc, ops) == {"tags": ["a", "b"]}
    with pytest.raises(ValueError, match="operation 2"):
        json_patch(doc, [*ops, {"op": "remove", "path": "/nope"}])
    assert doc == {"tags": ["a"]}


# RFC 7396 appendix A
MERGE_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), MERGE_EXAMPLES)
def test_rfc7396_appendix_a(target: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy(target)
    assert merge_patch(target, patch) == expected
    assert target == before
