"""Compile a regular expression into a function that makes matching strings.

Used for `pattern`: the regex is parsed once at start-up, and each call walks
the parsed tree with the caller's random source (a few checked tries, no Faker).
Specs write ECMA-262 (JavaScript) regexes, as JSON Schema says, while the tree
comes from Python's `re` parser: `translate` rewrites the JavaScript-only syntax
first, and values are checked with the same ECMA engine that validates responses
(jsonschema_rs), so "matches" means what the mock's own validation means.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

import jsonschema_rs

from mocktui.engine.data.pools import pick

StrGen = Callable[[random.Random], str]
Check = Callable[[str], bool]

_MAX_REPEAT = 6  # cap for *, + and large {m,n}: values stay readable
_PRINTABLE = string.ascii_letters + string.digits
_NEGATED_POOL = _PRINTABLE + "-_ "
_WIDE_POOL = ".,:;!?@#$%&*+=/~()[]{}<>'\"éüñßαж日"  # when a negated class leaves none of the above
_CATEGORIES: dict[Any, str] = {
    C.CATEGORY_DIGIT: string.digits,
    C.CATEGORY_NOT_DIGIT: string.ascii_letters,
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_SPACE: _PRINTABLE,
    C.CATEGORY_WORD: _PRINTABLE + "_",
    C.CATEGORY_NOT_WORD: "-.!",
}
SAMPLES = 20  # values drawn by `pattern_problem`: enough to catch a generator that misses


def compile_pattern(pattern: str, min_len: int = 0) -> StrGen | None:
    """A generator for `pattern`, or None when it cannot be parsed even as Python wrote it.

    `min_len` stretches unbounded repeats (`+`, `*`) so that a `minLength` can be met.
    """
    parsed = _parse(pattern)
    if parsed is None:
        return None
    check = pattern_check(pattern)
    gen = _seq(list(parsed), {}, min_len)

    def generate(rng: random.Random) -> str:
        for _ in range(8):
            value = gen(rng)
            if check(value):
                return value
        return value

    return generate


@lru_cache(maxsize=4096)
def pattern_check(pattern: str) -> Check:
    """Whether a string matches `pattern` as the response validator (ECMA-262 semantics) decides.

    A pattern that engine rejects falls back to Python's `re` on the translation;
    a pattern neither understands matches nothing.
    """
    try:
        validator = jsonschema_rs.validator_for({"pattern": pattern})
        return validator.is_valid
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        pass
    source = _translated(pattern)
    try:
        return re.compile(source).search if source is not None else lambda value: False  # type: ignore[return-value]
    except (re.error, RecursionError, OverflowError, ValueError):
        return lambda value: False


@lru_cache(maxsize=4096)
def pattern_problem(pattern: str) -> str | None:
    """Why generated values may not match `pattern`, or None when a sample of them all do: for `mocktui validate`."""
    try:
        jsonschema_rs.validator_for({"pattern": pattern})
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return "the response validator does not accept it as an ECMA-262 regex"
    try:
        features = translate(pattern)[1]
    except Untranslatable as exc:
        return str(exc)
    gen = compile_pattern(pattern)
    if gen is None:
        return ", ".join(sorted(features)) or "Python's regex parser, which the generator walks, cannot read it"
    check, rng = pattern_check(pattern), random.Random(0)
    misses = [value for value in (gen(rng) for _ in range(SAMPLES)) if not check(value)]
    if not misses:
        return None
    return ", ".join(sorted(features)) or f"values such as {misses[0]!r} do not match"


def _parse(pattern: str) -> Any:
    source = _translated(pattern)  # JavaScript-only syntax that does not translate is no Python either
    if source is None:
        return None
    try:
        parsed = P.parse(source)
        if "(?<=" in source or "(?<!" in source:  # a lookbehind's width is checked by the compiler only
            re.compile(source)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    return parsed


# -- ECMA-262 -> Python ----------------------------------------------------------------------------------------------


class Untranslatable(ValueError):
    """JavaScript regex syntax with no Python equivalent the generator can walk."""


@lru_cache(maxsize=4096)
def _translated(pattern: str) -> str | None:
    try:
        return translate(pattern)[0]
    except Untranslatable:
        return None


def translate(pattern: str) -> tuple[str, frozenset[str]]:
    """`pattern` in Python `re` syntax, and the features the generator may not satisfy (lookbehind, ...).

    Unicode properties become classes of realistic members, named groups and `\\k<name>`
    Python's spelling, `\\u{...}`, `\\uXXXX` pairs and `\\cX` the characters they name,
    `[^]` any character; `\\d`, `\\w` and `\\s` stay, the generator already draws ASCII.
    """
    out: list[str] = []
    features: set[str] = set()
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            text, i = _escape(pattern, i, features)
            out.append(text)
        elif ch == "[":
            text, i = _class(pattern, i)
            out.append(text)
        elif pattern.startswith(("(?<=", "(?<!"), i):
            features.add("lookbehind")
            out.append(pattern[i : i + 4])
            i += 4
        elif pattern.startswith("(?<", i):
            out.append("(?P<")
            i += 3
        elif pattern.startswith(("(?=", "(?!"), i):
            features.add("lookahead")
            out.append(pattern[i : i + 3])
            i += 3
        else:
            out.append(ch)
            i += 1
    return "".join(out), frozenset(features)


def _escape(pattern: str, i: int, features: set[str]) -> tuple[str, int]:
    """One escape outside a class, starting at the backslash."""
    nxt = pattern[i + 1 : i + 2]
    if not nxt:
        raise Untranslatable("a trailing backslash")
    if nxt in "pP":
        members, i = _property(pattern, i)
        return f"[{'^' if nxt == 'P' else ''}{_members(members)}]", i
    if nxt in "123456789":
        j = i + 1
        while j < len(pattern) and pattern[j].isdigit():
            j += 1
        features.add("backreference")
        return pattern[i:j], j
    if nxt == "k" and pattern.startswith("<", i + 2) and ">" in pattern[i:]:
        end = pattern.index(">", i)
        features.add("backreference")
        return f"(?P={pattern[i + 3 : end]})", end + 1
    if nxt in "bB<>":  # the validator's engine also reads \< and \> as word boundaries
        features.add("word boundary")
        return (pattern[i : i + 2] if nxt in "bB" else r"\b"), i + 2
    if nxt in "dDwWsStnrfvAZ":
        return pattern[i : i + 2], i + 2
    if nxt == "z":  # the validator's end of input
        return r"\Z", i + 2
    char, i = _char_escape(pattern, i)
    return _lit(char), i


def _char_escape(pattern: str, i: int) -> tuple[str, int]:
    """An escape naming one character: \\uXXXX (a surrogate pair joined), \\u{...}, \\xHH, \\cX, \\0, or itself."""
    nxt = pattern[i + 1]
    if nxt == "u" and pattern.startswith("{", i + 2) and "}" in pattern[i:]:
        end = pattern.index("}", i)
        return _code_point(pattern[i + 3 : end]), end + 1
    if nxt == "u" and _is_hex(pattern[i + 2 : i + 6], 4):
        code = int(pattern[i + 2 : i + 6], 16)
        low = pattern[i + 8 : i + 12] if pattern.startswith("\\u", i + 6) else ""
        if 0xD800 <= code < 0xDC00 and _is_hex(low, 4) and 0xDC00 <= int(low, 16) < 0xE000:
            return chr(0x10000 + ((code - 0xD800) << 10) + int(low, 16) - 0xDC00), i + 12
        return chr(code), i + 6
    if nxt == "x" and _is_hex(pattern[i + 2 : i + 4], 2):
        return chr(int(pattern[i + 2 : i + 4], 16)), i + 4
    if nxt == "c" and pattern[i + 2 : i + 3].isascii() and pattern[i + 2 : i + 3].isalpha():
        return chr(ord(pattern[i + 2]) % 32), i + 3
    if nxt == "0" and not pattern[i + 2 : i + 3].isdigit():
        return "\0", i + 2
    simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}  # \a: BEL, as the validator reads it
    return simple.get(nxt, nxt), i + 2


def _class(pattern: str, i: int) -> tuple[str, int]:
    """A character class from its `[`: members re-emitted escaped, so Python reads no nested-set syntax."""
    j = i + 1
    negate = pattern.startswith("^", j)
    j += negate
    if pattern.startswith("]", j):  # JavaScript: [] matches nothing, [^] anything
        return (r"[\s\S]" if negate else "(?!)"), j + 1
    parts: list[str] = []
    while j < len(pattern) and pattern[j] != "]":
        start, j = _class_atom(pattern, j)
        if isinstance(start, str) and pattern.startswith("-", j) and pattern[j + 1 : j + 2] not in ("]", ""):
            end, k = _class_atom(pattern, j + 1)
            if isinstance(end, str):
                parts.append(f"{_lit(start)}-{_lit(end)}")
                j = k
                continue
        parts.append(start[0] if isinstance(start, tuple) else _lit(start))
    if j >= len(pattern):
        raise Untranslatable("an unterminated character class")
    return f"[{'^' if negate else ''}{''.join(parts)}]", j + 1


def _class_atom(pattern: str, j: int) -> tuple[str | tuple[str], int]:
    """One class member: a character (str), or a set such as \\d or \\p{L} (a 1-tuple of class text)."""
    if pattern[j] != "\\":
        return pattern[j], j + 1
    nxt = pattern[j + 1 : j + 2]
    if not nxt:
        raise Untranslatable("a trailing backslash")
    if nxt in "dDwWsS":
        return (pattern[j : j + 2],), j + 2
    if nxt in "pP":
        members, k = _property(pattern, j)
        if nxt == "P":  # inside a class, a negated property stands for the realistic non-members
            members = "".join(c for c in _COMMON if c not in members and c.isprintable())
        return (_members(members),), k
    if nxt == "b":
        return "\b", j + 2
    if nxt == "-":
        return "-", j + 2
    return _char_escape(pattern, j)


def _members(chars: str) -> str:
    """Class text for a set of characters, runs as ranges: shorter for Python to parse."""
    codes = sorted({ord(c) for c in chars})
    out: list[str] = []
    start = 0
    for k in range(1, len(codes) + 1):
        if k == len(codes) or codes[k] != codes[k - 1] + 1:
            run = [chr(c) for c in codes[start:k]]
            out.append(f"{_lit(run[0])}-{_lit(run[-1])}" if len(run) > 2 else "".join(map(_lit, run)))
            start = k
    return "".join(out)


def _lit(char: str) -> str:
    if char.isascii() and char.isalnum():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _is_hex(text: str, width: int) -> bool:
    return len(text) == width and all(c in string.hexdigits for c in text)


def _code_point(text: str) -> str:
    try:
        return chr(int(text, 16))
    except (ValueError, OverflowError):
        raise Untranslatable(f"the code point \\u{{{text}}}") from None


# -- Unicode properties ----------------------------------------------------------------------------------------------

# Realistic members: every printable ASCII character (so a negated property draws right) and a few of the rest.
_COMMON = "".join(chr(c) for c in range(0x20, 0x7F)) + (
    "éüñçßÉÖαΩжЖ日本ひカ"  # letters
    "\u0301٣½²"  # a combining mark, other numbers
    "¡¿«»–—’“”…€£¥©°±×😀👍"  # punctuation, symbols
)
_RARE = "ǅʰ\u0903\u20ddⅫ\u00a0\u2028\u2029\t\n\u00ad"  # for the properties common text never shows
_GC_NAMES = {
    "Letter": "L", "Cased_Letter": "LC", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll",
    "Titlecase_Letter": "Lt", "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Mark": "M", "Combining_Mark": "M",
    "Nonspacing_Mark": "Mn", "Spacing_Mark": "Mc", "Enclosing_Mark": "Me", "Number": "N", "Decimal_Number": "Nd",
    "digit": "Nd", "Letter_Number": "Nl", "Other_Number": "No", "Punctuation": "P", "punct": "P",
    "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd", "Open_Punctuation": "Ps", "Close_Punctuation": "Pe",
    "Initial_Punctuation": "Pi", "Final_Punctuation": "Pf", "Other_Punctuation": "Po", "Symbol": "S",
    "Math_Symbol": "Sm", "Currency_Symbol": "Sc", "Modifier_Symbol": "Sk", "Other_Symbol": "So", "Separator": "Z",
    "Space_Separator": "Zs", "Line_Separator": "Zl", "Paragraph_Separator": "Zp", "Other": "C", "Control": "Cc",
    "cntrl": "Cc", "Format": "Cf",
}  # fmt: skip
_SCRIPTS = {
    "Latin": string.ascii_letters + "éüñçßÉÖ", "Greek": "αβγδΩΣ", "Cyrillic": "абвжЖД", "Han": "日本中文字",
    "Hiragana": "ひらがな", "Katakana": "カタナ", "Arabic": "عربي", "Hebrew": "עברית", "Hangul": "한글",
}  # fmt: skip
_SCRIPT_CODES = {"Latn": "Latin", "Grek": "Greek", "Cyrl": "Cyrillic", "Hani": "Han", "Hira": "Hiragana",
                 "Kana": "Katakana", "Arab": "Arabic", "Hebr": "Hebrew", "Hang": "Hangul"}  # fmt: skip


def _category(gc: str) -> str:
    """Members of a general category: common characters, else rare ones; none for an unknown category."""
    codes = ("Lu", "Ll", "Lt") if gc == "LC" else (gc,)
    for pool in (_COMMON, _RARE):
        found = "".join(c for c in pool if unicodedata.category(c).startswith(codes))
        if found:
            return found
    return ""


def _binary(name: str) -> str:
    aliases = {"Alpha": "Alphabetic", "Upper": "Uppercase", "Lower": "Lowercase", "space": "White_Space",
               "WSpace": "White_Space", "AHex": "ASCII_Hex_Digit", "Ideo": "Ideographic"}  # fmt: skip
    name = aliases.get(name, name)
    table = {
        "Alphabetic": _category("L") + "Ⅻ", "Uppercase": _category("Lu"), "Lowercase": _category("Ll"),
        "White_Space": " \t\n\r\v\f\u00a0", "ASCII": _COMMON[:95], "Any": _COMMON, "ASCII_Hex_Digit": string.hexdigits,
        "Hex_Digit": string.hexdigits, "Ideographic": _SCRIPTS["Han"], "Emoji": "#*0123456789©😀👍",
        "Emoji_Presentation": "😀👍",
    }  # fmt: skip
    return table.get(name, "")


@lru_cache(maxsize=256)
def property_members(name: str) -> str:
    """Realistic members of the Unicode property `name` as `\\p{name}` spells it ('' when unknown)."""
    key, _, value = name.partition("=")
    if value:
        if key in ("General_Category", "gc"):
            return _category(_GC_NAMES.get(value, value))
        if key in ("Script", "sc", "Script_Extensions", "scx"):
            return _SCRIPTS.get(_SCRIPT_CODES.get(value, value), "")
        return ""
    return _category(_GC_NAMES.get(name, name)) if name in _GC_NAMES.values() or name in _GC_NAMES else _binary(name)


def _property(pattern: str, i: int) -> tuple[str, int]:
    """The members of `\\p{...}` / `\\pL` at `i`, and where it ends."""
    if pattern.startswith("{", i + 2) and "}" in pattern[i:]:
        end = pattern.index("}", i)
        name, nxt = pattern[i + 3 : end], end + 1
    else:
        name, nxt = pattern[i + 2 : i + 3], i + 3
    members = property_members(name)
    if not members:
        raise Untranslatable(f"the Unicode property \\{pattern[i + 1]}{{{name}}}")
    return members, nxt


# -- the generator ---------------------------------------------------------------------------------------------------


def _seq(items: list[Any], groups: dict[int, str], min_len: int) -> Callable[[random.Random], str]:
    parts = [_node(op, av, groups, min_len) for op, av in items]

    def run(rng: random.Random) -> str:
        return "".join(part(rng) for part in parts)

    return run


def _charset(items: list[Any]) -> str:
    negate = False
    chars: set[str] = set()
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(chr(av))
        elif op is C.RANGE:
            lo, hi = av
            chars.update(chr(c) for c in range(lo, min(hi, lo + 512) + 1))
        elif op is C.CATEGORY:
            chars.update(_CATEGORIES.get(av, _PRINTABLE))
    if negate:
        allowed = [c for c in _NEGATED_POOL if c not in chars] or [c for c in _WIDE_POOL if c not in chars]
        return "".join(allowed) or "~"
    return "".join(sorted(chars)) or "a"


def _node(op: Any, av: Any, groups: dict[int, str], min_len: int) -> Callable[[random.Random], str]:
    if op is C.LITERAL:
        ch = chr(av)
        return lambda rng: ch
    if op is C.NOT_LITERAL:
        banned = chr(av)
        pool = [c for c in _PRINTABLE if c != banned]
        return lambda rng: pick(rng, pool)
    if op is C.ANY:
        return lambda rng: pick(rng, _PRINTABLE)
    if op is C.IN:
        chars = _charset(av)
        return lambda rng: pick(rng, chars)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        if hi is C.MAXREPEAT:
            lo = max(lo, min(min_len, 256))
            hi = max(lo, min(lo + 3, _MAX_REPEAT))
        else:
            hi = min(hi, max(lo, _MAX_REPEAT))
        inner = _seq(list(sub), groups, min_len)
        return lambda rng: "".join(inner(rng) for _ in range(lo + int(rng.random() * (hi - lo + 1))))
    if op is C.SUBPATTERN:
        group, _, _, sub = av
        inner = _seq(list(sub), groups, min_len)
        if group is None:
            return inner

        def capture(rng: random.Random) -> str:
            groups[group] = inner(rng)
            return groups[group]

        return capture
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _seq(list(av), groups, min_len)
    if op is C.BRANCH:
        branches = [_seq(list(b), groups, min_len) for b in av[1]]
        return lambda rng: pick(rng, branches)(rng)
    if op is C.GROUPREF:
        return lambda rng: groups.get(av, "")
    if op is C.CATEGORY:
        chars = _CATEGORIES.get(av, _PRINTABLE)
        return lambda rng: pick(rng, chars)
    return lambda rng: ""  # anchors, lookarounds, boundaries: zero-width
