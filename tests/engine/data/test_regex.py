"""The pattern generator on ECMA-262 (JavaScript) patterns from real specs.

Ground truth for "matches" is the mock's own response validator, jsonschema_rs (ECMA regexes), never Python's
`re`: every generated value is checked with `validator_for({"type": "string", "pattern": P}).is_valid`.
"""

from __future__ import annotations

import random
import string
from functools import cache

import jsonschema_rs
import pytest

from mocktui.engine.data.context import Ctx
from mocktui.engine.data.pools import Pools
from mocktui.engine.data.regex import compile_pattern, pattern_problem, property_members, translate
from mocktui.engine.data.scalars import string_gen

# Patterns as real specs write them: the shared corpus (file named), then public specs and schemas found on GitHub.
HONOURED = [
    r"^MG[0-9a-fA-F]{32}$",  # twilio-messaging.json
    r"^[-a-zA-Z0-9_]+$",  # netbox.yaml
    r"^[\w.@+-]+$",  # netbox.yaml
    r"^[0-9]{1,19}$",  # twitter-v2api.yaml
    r"^[\\w-]+$",  # vercel.json: a literal backslash, w or -
    r"^[a-zA-z0-9_]+$",  # vercel.json: A-z also spans [\]^_`
    r"^[A-z0-9_ -]+$",  # vercel.json
    r"^[a-z0-9]([a-z0-9]|-[a-z0-9])*$",  # vercel.json
    r"^(https?|syslog\\+tls|syslog)://",  # vercel.json
    r"^\d{10}\.\d{6}$",  # slack-web-v2.json
    r"^[UW][A-Z0-9]{8,}$|^$",  # slack-web-v2.json
    r"^([01]\d|2[0-3]):?([0-5]\d)$",  # museum.yaml
    r"^prd_[0-9abcdefghjkmnpqrstvwxyz]{26}$",  # redocly-cafe
    r"^[A-Za-z]+(?:[\s'-][A-Za-z]+)*$",  # redocly-cafe
    r"^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$",  # greenbutton
    r"^#(([0-9a-fA-F]{2}){3}|([0-9a-fA-F]){3})$",  # discord.json
    r"^ALL$|^20[0-9]{2}$",  # zalando-v2.yaml
    r"/?[a-zA-Z0-9_-]+",  # docker-engine.yaml
    r"^/v1/tax/calculations/[^/]+/line_items",  # stripe.yaml
    # Unicode properties
    r"^[\p{L}\s]+$",
    r"^[\p{L}\p{M} \-]+$",
    r"^[\p{L}\p{N} ]+$",
    r"^[\p{L}\p{M}\p{N}]+$",
    r"^[\p{L}0-9\.,-:!]{5,100}$",
    r"^[\p{L}\p{M}\s.]+$",
    r"^[\p{L}\p{M} '’\-]+$",
    r"^[\p{L}\p{N}_\-/]{1,40}$",
    r"^[\p{L}\p{N}\p{M}\p{Zs}\p{P}]{1,64}$",
    r"^[\p{L}\p{N}\p{P}\p{Z}]+$",
    r"^[\p{L} -]+$",
    r"^[\p{L}\p{M}\p{Zs}\p{S}\p{N}\p{P}]*$",
    r"^[\p{L}\p{N}\s\-'.]+$",
    r"^[\p{L}\-']+$",
    r"^\p{Lu}\p{Ll}+$",
    r"^\P{L}{3,8}$",
    r"^[^\p{Cc}\p{Cf}]+$",
    r"^\p{Script=Greek}+$",
    # named groups, and backreferences the generator can copy
    r"^(?<period>[DdMmYy]{1})(?<value>\d+)$",
    r"^(?<task>[A-Z]+-\d+)/[a-z0-9._-]+$",
    r"^(?<flag>[a-fA-F0-9]{32}=)$",
    r"^(?<http_protocol>https?):\/\/(?<http_domain>[^\/\?]+)(?<http_path>\/[^?]*)?(?:\?(?<http_query_params>.*))?",
    r"^(?<type>feat|fix|chore|docs|refactor|test|perf)(\((?<scope>[^)]+)\))?(?<breaking>!)?:\s+(?<subject>.+)$",
    r"^(\w)\1$",
    # other ECMA-only escapes, and a lookahead met by retrying
    r"^[\u4e00-\u9fa5]{2,10}$",
    r"^\u{1F600}+$",
    r"^caf\u00e9 \x41\d+$",
    r"^\cJ?[a-z]+$",
    r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d]{8,}$",
]

# Patterns the generator cannot honour, and the reason `pattern_problem` gives (a substring of it).
UNHONOURED = {
    r"(?<=@)[a-z]+\.com$": "lookbehind",
    r"^a(?=b)": "lookahead",
    r"^(?<x>a)\k<x>$": "response validator does not accept it",
    r"^[^]$": "response validator does not accept it",
    r"^\ud83d\ude00$": "response validator does not accept it",  # a surrogate pair, valid JavaScript
    r"^\p{Bogus}+$": "response validator does not accept it",
    r"^\p{Co}$": r"Unicode property \p{Co}",
    r"^\p{Script=Tamil}+$": r"Unicode property \p{Script=Tamil}",
}


@cache
def matcher(pattern: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern})


@pytest.mark.parametrize("pattern", HONOURED)
def test_generated_values_match_as_the_validator_decides(pattern: str) -> None:
    gen = compile_pattern(pattern)
    assert gen is not None
    rng = random.Random(7)
    values = [gen(rng) for _ in range(50)]
    assert all(matcher(pattern).is_valid(v) for v in values), [v for v in values if not matcher(pattern).is_valid(v)]
    assert pattern_problem(pattern) is None


def test_the_table_is_large_and_real() -> None:
    assert len(set(HONOURED)) >= 25
    assert sum("\\p{" in p or "\\P{" in p for p in HONOURED) >= 10
    assert sum("(?<" in p for p in HONOURED) >= 5


@pytest.mark.parametrize(("pattern", "reason"), UNHONOURED.items())
def test_unhonourable_patterns_are_reported(pattern: str, reason: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and reason in problem, problem


@pytest.mark.parametrize("pattern", [r"^\p{Bogus}+$", r"(?<=a+)b"])
def test_a_pattern_python_cannot_parse_still_falls_back(pattern: str) -> None:
    assert compile_pattern(pattern) is None  # as before: the caller uses its own fallback values


def test_values_look_realistic() -> None:
    gen = compile_pattern(r"^[\p{L} -]{20}$")
    assert gen is not None
    text = "".join(gen(random.Random(1)) for _ in range(50))
    ascii_share = sum(c.isascii() for c in text) / len(text)
    assert 0.6 < ascii_share < 0.95  # mostly ASCII letters, some accented and other scripts
    assert any(not c.isascii() for c in text)


# -- translation -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("js", "python"),
    [
        (r"^(?<year>\d{4})$", r"^(?P<year>\d{4})$"),
        (r"(?<a>x)\k<a>", r"(?P<a>x)(?P=a)"),
        (r"^\u{1F600}$", r"^\U0001f600$"),
        (r"^\ud83d\ude00$", r"^\U0001f600$"),
        (r"^\u00e9$", r"^\xe9$"),
        (r"^\cJ$", r"^\x0a$"),
        (r"^[^]$", r"^[\s\S]$"),
        (r"^[]$", r"^(?!)$"),
        (r"^a\/b$", r"^a\x2fb$"),
        (r"^[[:a]$", r"^[\x5b\x3aa]$"),  # no nested-set syntax reaches Python (no FutureWarning)
        (r"^[\d-z]$", r"^[\d\x2dz]$"),
        (r"^\w+\z", r"^\w+\Z"),
    ],
)
def test_translate(js: str, python: str) -> None:
    assert translate(js)[0] == python


def test_translate_names_features() -> None:
    assert translate(r"(?<=a)b(?!c)\1\b")[1] == {"lookbehind", "lookahead", "backreference", "word boundary"}


PROPERTIES = ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "LC", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd"]
PROPERTIES += ["Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf"]
PROPERTIES += ["Letter", "Uppercase_Letter", "Decimal_Number", "Punctuation", "Symbol", "Space_Separator", "gc=Lu"]
PROPERTIES += ["General_Category=Letter", "Script=Latin", "sc=Cyrl", "scx=Han", "Script=Hiragana", "Script=Katakana"]
PROPERTIES += ["Script=Arabic", "Script=Hebrew", "Script=Hangul", "Alphabetic", "Uppercase", "Lowercase", "White_Space"]
PROPERTIES += ["ASCII", "Any", "ASCII_Hex_Digit", "Emoji", "Emoji_Presentation", "Ideographic", "L", "digit", "punct"]


@pytest.mark.parametrize("name", PROPERTIES)
def test_property_members_are_true_members(name: str) -> None:
    members = property_members(name)
    assert members
    try:
        inside, outside = matcher(rf"^\p{{{name}}}$"), matcher(rf"^\P{{{name}}}$")
    except jsonschema_rs.ValidationError:
        pytest.skip(f"the validator knows no \\p{{{name}}}")
    assert [c for c in members if not inside.is_valid(c)] == []
    # every printable ASCII character is placed right, so a negated property draws true non-members
    printable = string.printable[:95]
    assert [c for c in printable if c not in members and not outside.is_valid(c)] == []


# -- through the string generator ------------------------------------------------------------------------------------


def test_string_schema_with_a_javascript_pattern() -> None:
    schema = {"type": "string", "pattern": r"^[\p{L} '-]+$", "maxLength": 30}
    gen = string_gen(schema, "name", Pools(1))
    rng = random.Random(3)
    values = [gen(Ctx(rng)) for _ in range(50)]
    assert all(matcher(schema["pattern"]).is_valid(v) and len(v) <= 30 for v in values), values
