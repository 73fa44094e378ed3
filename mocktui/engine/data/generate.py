"""Compile JSON Schemas into data generators.

`Generator.compile(schema)` walks a schema once and returns a closure; a
request only calls closures that draw from a seeded `random.Random` and from
precomputed Faker pools. Recursive schemas are bounded by `Ctx.depth`.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import math
import random
import re
import string
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import jsonschema_rs
import orjson

from mocktui.engine.data.pools import Pools, number_hint, pick, provider_for, singular
from mocktui.engine.data.regex import compile_pattern

OPTIONAL_DEPTH = 4  # below this many nested refs, optional properties are filled in
MAX_DEPTH = 8  # refs deeper than this are cut where the schema allows it
NODE_BUDGET = 400  # objects per generated value before optional parts are cut
# createdAt, updated_at, deletedAt, lastLoginAt, timestamp: date-times even without a format.
_TIMESTAMP_NAME = re.compile(r"(?:[a-z0-9](?:At|_at)|^timestamp|Timestamp|_timestamp)$")
NULL_RATE = 0.1  # how often a nullable value is null: often enough that clients meet it

_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
_SPAN = 3 * 365 * 86400
_LETTERS = string.ascii_lowercase
_MISSING = object()


class TooDeep(Exception):
    """Raised where recursion must stop; caught where the schema allows omission."""


class Ctx:
    """Per-generation state: the random source and how deep we are."""

    __slots__ = ("rng", "depth", "nodes", "examples", "response")

    def __init__(self, rng: random.Random, *, examples: bool = True, response: bool = True) -> None:
        self.rng = rng
        self.depth = 0
        self.nodes = 0
        self.examples = examples  # use spec examples/defaults where given
        self.response = response  # True: omit writeOnly; False (request bodies): omit readOnly


Gen = Callable[[Ctx], Any]


class Generator:
    """Compiles converted schemas that share one `$defs` table."""

    def __init__(self, defs: dict[str, Any], pools: Pools, bundle: Callable[[Any], Any] | None = None) -> None:
        self.defs = defs
        self.pools = pools
        self.bundle = bundle  # schema -> self-contained schema, to check oneOf exclusivity
        self._refs: dict[str, Gen] = {}

    # -- entry points -------------------------------------------------------

    def compile(self, schema: Any, name: str = "") -> Gen:
        if schema is True or schema is None or schema == {}:
            return self._any(name)
        if schema is False:
            return _const(None)
        if "$ref" in schema and len(schema) == 1:
            return self._ref(schema["$ref"].rsplit("/", 1)[-1], name)
        if "allOf" in schema:
            # Merging inlines referenced schemas, so treat the merge like a ref:
            # memoised (cycles end) and counted against the depth limit.
            key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode() + "\0" + name
            return self._memo(key, lambda: self.compile(self.merge_all_of(schema), name))
        gen = self._compile_body(schema, name)
        example = _example_of(schema)
        if example is not _MISSING and _example_fits(schema, example):
            return _with_example(gen, example)
        return gen

    def deref(self, schema: Any) -> Any:
        for _ in range(64):
            if not (isinstance(schema, dict) and "$ref" in schema and len(schema) == 1):
                break
            schema = self.defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    def merge_all_of(self, schema: dict[str, Any], _seen: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Flatten `allOf` into one schema: properties and `required` unite, bounds tighten."""
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema.get("allOf", []):
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if ref and ref in _seen:
                continue
            body = self.deref(branch)
            if not isinstance(body, dict):
                continue
            if "allOf" in body:
                body = self.merge_all_of(body, _seen | ({ref} if ref else set()))
            merged = _merge(merged, body)
        return merged

    # -- compilation --------------------------------------------------------

    def _ref(self, name: str, hint: str) -> Gen:
        key = f"{name}\0{hint}" if _hinted(self.defs.get(name)) else name

        def build() -> Gen:
            target = self.defs.get(name, {})
            gen = self.compile(target, hint)
            tag = self._discriminator_tag(name, target)
            return _set_field(gen, *tag) if tag is not None else gen

        return self._memo(key, build)

    def _memo(self, key: str, build: Callable[[], Gen]) -> Gen:
        if key in self._refs:
            return self._refs[key]
        cell: list[Gen] = []

        def ref(ctx: Ctx) -> Any:
            if ctx.depth >= MAX_DEPTH:
                raise TooDeep
            ctx.depth += 1
            try:
                return cell[0](ctx)
            finally:
                ctx.depth -= 1

        self._refs[key] = ref
        cell.append(build())
        return ref

    def _discriminator_tag(self, name: str, target: Any) -> tuple[str, str] | None:
        """For allOf-inheritance: a subtype sets the base's discriminator to its own name."""
        if not isinstance(target, dict) or "allOf" not in target:
            return None
        merged = self.merge_all_of(target)
        disc = merged.get("discriminator")
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            return None
        prop = disc["propertyName"]
        prop_schema = self.deref(merged.get("properties", {}).get(prop, {}))
        if isinstance(prop_schema, dict) and ("enum" in prop_schema or "const" in prop_schema):
            return None
        for key, target_ref in (disc.get("mapping") or {}).items():
            if target_ref.rsplit("/", 1)[-1] == name:
                return prop, key
        return prop, name.split("_")[0] if name[-2:-1] == "_" else name

    def _compile_body(self, schema: dict[str, Any], name: str) -> Gen:
        if "const" in schema:
            return _const(schema["const"])
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            values = _fitting(schema["enum"], {k: v for k, v in schema.items() if k != "enum"})
            non_null = [v for v in values if v is not None] or values
            copied = any(isinstance(v, (dict, list)) for v in values)  # only containers can be changed later
            if len(non_null) == len(values):
                if not copied:
                    return picker(values)
                return lambda ctx: copy.deepcopy(pick(ctx.rng, values))

            def enum_or_null(ctx: Ctx) -> Any:
                if ctx.rng.random() < NULL_RATE:
                    return None
                value = pick(ctx.rng, non_null)
                return copy.deepcopy(value) if copied else value

            return enum_or_null
        if "oneOf" in schema or "anyOf" in schema:
            return self._choice(schema, name)
        types = schema.get("type")
        if isinstance(types, list):
            real = [t for t in types if t != "null"]
            if not real:
                return _const(None)
            gens = [self._typed(schema, t, name) for t in real]
            nullable = "null" in types
            if len(gens) == 1 and not nullable:
                return gens[0]
            return _nullable_choice(gens, nullable)
        if types is None:
            types = _guess_type(schema)
        return self._typed(schema, types, name)

    def _typed(self, schema: dict[str, Any], type_: str, name: str) -> Gen:
        if type_ == "object":
            return self._object(schema, name)
        if type_ == "array":
            return self._array(schema, name)
        if type_ == "string":
            return self._string(schema, name)
        if type_ in ("integer", "number"):
            return self._number(schema, name, type_ == "integer")
        if type_ == "boolean":
            return lambda ctx: ctx.rng.random() < 0.5
        if type_ == "null":
            return _const(None)
        return self._any(name)

    def _any(self, name: str) -> Gen:
        return self._string({}, name)

    def _choice(self, schema: dict[str, Any], name: str) -> Gen:
        branches = schema.get("oneOf") or schema.get("anyOf") or []
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        compiled: list[tuple[Gen, bool, str | None]] = []
        merged_branches = []
        for branch in branches:
            if rest and isinstance(branch, dict):
                branch = {"allOf": [rest, branch]} if rest.keys() - {"type"} else {**rest, **branch}
            merged_branches.append(branch)
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            body = self.deref(branch)
            is_null = isinstance(body, dict) and body.get("type") == "null"
            compiled.append((self.compile(branch, name), ref is None and not is_null, ref))
        if not compiled:
            return self._compile_body(rest, name) if rest else self._any(name)
        disc = schema.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            compiled = self._tag_branches(compiled, disc)
        pools: list[list[tuple[Gen, bool, str | None]]] = []
        # oneOf demands exactly one matching branch; which branches generate values
        # that only they accept is learnt on first use, when every ref is compiled.
        pending = "oneOf" in schema and len(compiled) > 1 and self.bundle is not None
        busy = False

        def set_pools(usable: list[tuple[Gen, bool, str | None]]) -> None:
            pools[:] = [
                [c for c in usable if c[1]] or usable,
                [c for c in usable if not (c[2] is None and not c[1])] or usable,
            ]

        set_pools(compiled)

        def choose(ctx: Ctx) -> Any:
            nonlocal pending, busy
            if pending and not busy:
                busy = True
                try:
                    set_pools(self._exclusive(compiled, merged_branches, ctx.response) or compiled)
                finally:
                    pending = busy = False
            simple, non_null = pools
            pool = simple if ctx.depth >= OPTIONAL_DEPTH or ctx.nodes > NODE_BUDGET else non_null
            first = ctx.rng.randrange(len(pool))
            for i in range(len(pool)):
                try:
                    return pool[(first + i) % len(pool)][0](ctx)
                except TooDeep:
                    continue
            for gen, _, _ in compiled:
                try:
                    return gen(ctx)
                except TooDeep:
                    continue
            raise TooDeep

        return choose

    def _exclusive(
        self, compiled: list[tuple[Gen, bool, str | None]], branches: list[Any], response: bool
    ) -> list[tuple[Gen, bool, str | None]]:
        """The oneOf branches whose sample values match that branch alone."""
        assert self.bundle is not None
        try:
            validators = [jsonschema_rs.validator_for(self.bundle(b), validate_formats=True) for b in branches]
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            return []
        rng = random.Random(0)
        good = []
        for i, entry in enumerate(compiled):
            try:
                samples = [entry[0](Ctx(rng, examples=ex, response=response)) for ex in (True, False, False)]
            except TooDeep:
                continue
            if all(validators[i].is_valid(v) and sum(x.is_valid(v) for x in validators) == 1 for v in samples):
                good.append(entry)
        return good

    def _tag_branches(
        self, compiled: list[tuple[Gen, bool, str | None]], disc: dict[str, Any]
    ) -> list[tuple[Gen, bool, str | None]]:
        prop = disc["propertyName"]
        by_target = {v.rsplit("/", 1)[-1]: k for k, v in (disc.get("mapping") or {}).items()}
        out = []
        for gen, simple, ref in compiled:
            if ref is not None:
                target = ref.rsplit("/", 1)[-1]
                body = self.merge_all_of(self.deref({"$ref": ref}))
                prop_schema = self.deref(body.get("properties", {}).get(prop, {}))
                fixed = isinstance(prop_schema, dict) and ("enum" in prop_schema or "const" in prop_schema)
                if not fixed:
                    gen = _set_field(gen, prop, by_target.get(target, target))
            out.append((gen, simple, ref))
        return out

    def _object(self, schema: dict[str, Any], name: str) -> Gen:
        required = set(schema.get("required") or [])
        props = []
        for pname, pschema in (schema.get("properties") or {}).items():
            body = self.deref(pschema)
            ro = isinstance(body, dict) and body.get("readOnly") is True
            wo = isinstance(body, dict) and body.get("writeOnly") is True
            props.append((pname, self.compile(pschema, pname), pname in required, ro, wo))
        declared = {p[0] for p in props}
        for missing in [r for r in schema.get("required") or [] if r not in declared]:
            extra = schema.get("additionalProperties")
            gen = self.compile(extra if isinstance(extra, dict) else {}, missing)
            props.append((missing, gen, True, False, False))
        extra_gen = self._extra_properties(schema)
        min_props = int(schema.get("minProperties") or 0)
        max_props = schema.get("maxProperties")
        max_props = int(max_props) if isinstance(max_props, (int, float)) else None
        optional_room = None if max_props is None else max(max_props - sum(1 for p in props if p[2]), 0)
        # One-way fields are left out in their other direction, even required ones (`required`
        # then binds the direction they belong to): writeOnly from responses, readOnly from requests.
        in_responses = [(pname, gen, req) for pname, gen, req, _, wo in props if not wo]
        in_requests = [(pname, gen, req) for pname, gen, req, ro, _ in props if not ro]

        # The common case, no property budget and no extra properties, is one dict comprehension
        # over the fields that apply; a TooDeep falls back to the careful loop below.
        simple = optional_room is None and extra_gen is None
        plans = {
            (response, shallow): [(p, g) for p, g, req in (in_responses if response else in_requests) if req or shallow]
            for response in (True, False)
            for shallow in (True, False)
        }

        def gen_object(ctx: Ctx) -> dict[str, Any]:
            ctx.nodes += 1
            shallow = ctx.depth < OPTIONAL_DEPTH and ctx.nodes < NODE_BUDGET
            if simple:
                try:
                    return {pname: gen(ctx) for pname, gen in plans[(ctx.response, shallow)]}
                except TooDeep:
                    pass
            return careful(ctx, shallow)

        def careful(ctx: Ctx, shallow: bool) -> dict[str, Any]:
            out: dict[str, Any] = {}
            optional = 0
            for pname, gen, req in in_responses if ctx.response else in_requests:
                if not req:
                    if not shallow or (optional_room is not None and optional >= optional_room):
                        continue
                    optional += 1
                try:
                    out[pname] = gen(ctx)
                except TooDeep:
                    if req:
                        raise
            if extra_gen is not None:
                want = max(min_props - len(out), 0 if out or not shallow else 1)
                if max_props is not None:
                    want = min(want, max_props - len(out))
                for key, value in extra_gen(ctx, want):
                    out.setdefault(key, value)
            return out

        if not simple:
            return gen_object
        # Compiled on first use, not at start-up: a big spec has thousands of objects it never serves.
        chosen: list[Gen] = []

        def first_use(ctx: Ctx) -> dict[str, Any]:
            chosen[0] = _inlined_object(plans, careful) or gen_object
            return chosen[0](ctx)  # type: ignore[no-any-return]

        chosen.append(first_use)
        return lambda ctx: chosen[0](ctx)

    def _extra_properties(self, schema: dict[str, Any]) -> Callable[[Ctx, int], list[tuple[str, Any]]] | None:
        extra = schema.get("additionalProperties")
        patterns = schema.get("patternProperties") or {}
        if patterns:
            key_gens = [(compile_pattern(p), self.compile(s)) for p, s in patterns.items()]
            key_gens = [(k, v) for k, v in key_gens if k is not None]
            if key_gens:

                def by_pattern(ctx: Ctx, n: int) -> list[tuple[str, Any]]:
                    out = []
                    for _ in range(n):
                        kgen, vgen = pick(ctx.rng, key_gens)
                        out.append((kgen(ctx.rng), vgen(ctx)))  # type: ignore[misc]
                    return out

                return by_pattern
        if extra is False or (extra is None and schema.get("unevaluatedProperties") is False):
            return None
        if extra is None or extra is True:
            declared = len(schema.get("properties") or {})
            if declared and int(schema.get("minProperties") or 0) <= declared:
                return None  # open objects: keep them to their declared properties
            extra = {}
        value_gen = self.compile(extra)
        names = self.compile(schema.get("propertyNames") or {"type": "string", "pattern": "^[a-z]{3,10}$"})

        def by_name(ctx: Ctx, n: int) -> list[tuple[str, Any]]:
            return [(str(names(ctx)), value_gen(ctx)) for _ in range(n)]

        return by_name

    def _array(self, schema: dict[str, Any], name: str) -> Gen:
        item_schema = schema.get("items", {})
        items = self.compile(item_schema if item_schema is not True else {}, singular(name))
        prefix = [self.compile(s, name) for s in schema.get("prefixItems") or []]
        lo = int(schema.get("minItems") or 0)
        hi_raw = schema.get("maxItems")
        hi = int(hi_raw) if isinstance(hi_raw, (int, float)) else lo + 4
        hi = max(lo, min(hi, max(lo, 1) + 4))
        unique = schema.get("uniqueItems") is True
        if item_schema is False:
            hi = min(hi, len(prefix))

        def gen_array(ctx: Ctx) -> list[Any]:
            deep = ctx.depth >= OPTIONAL_DEPTH or ctx.nodes >= NODE_BUDGET
            count = lo if deep else between(ctx.rng, max(lo, min(1, hi)), hi)
            out: list[Any] = []
            seen: set[bytes] = set()
            try:
                for gen in prefix[:count]:
                    out.append(gen(ctx))
                tries = 0
                while len(out) < count and tries < count * 30 + 30:
                    tries += 1
                    value = items(ctx)
                    if unique:
                        key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
                        if key in seen:
                            continue
                        seen.add(key)
                    out.append(value)
            except TooDeep:
                if len(out) < lo:
                    raise
            return out

        return gen_array

    def _number(self, schema: dict[str, Any], name: str, integer: bool) -> Gen:
        lo, hi, decimals = _number_range(schema, name, integer)
        excl_lo = not integer and "exclusiveMinimum" in schema and "minimum" not in schema
        excl_hi = not integer and "exclusiveMaximum" in schema and "maximum" not in schema

        def inside(value: float) -> bool:
            return bool((value > lo if excl_lo else value >= lo) and (value < hi if excl_hi else value <= hi))

        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and multiple > 0:
            return _multiple_gen(lo, hi, multiple, integer, inside)
        if integer:
            ilo, ihi = math.ceil(lo), math.floor(hi)
            if ilo > ihi:
                ihi = ilo
            if ihi - ilo + 1 < 2**52:
                return _inlinable(lambda ctx: between(ctx.rng, ilo, ihi), "L + int(R() * W)", L=ilo, W=ihi - ilo + 1)
            return lambda ctx: between(ctx.rng, ilo, ihi)
        step = 10.0**-decimals

        span = hi - lo

        def gen_number(ctx: Ctx) -> float:
            for _ in range(8):
                value: float = round(lo + ctx.rng.random() * span, decimals)
                if value.is_integer() and decimals and inside(value + step):
                    value = round(value + step, decimals)  # a whole number would also be an `integer`
                if inside(value):
                    return value
            fallback = round(lo + step, decimals) if excl_lo and lo + step < hi else (lo + hi) / 2 if excl_lo else lo
            return float(fallback)

        return gen_number

    def _string(self, schema: dict[str, Any], name: str) -> Gen:
        fmt = schema.get("format")
        min_len = int(schema.get("minLength") or 0)
        max_len = schema.get("maxLength")
        max_len = int(max_len) if isinstance(max_len, (int, float)) else None
        base = self._realistic_string(schema, name, fmt if isinstance(fmt, str) else None, max_len)
        pattern = schema.get("pattern")
        pgen = compile_pattern(pattern, min_len) if isinstance(pattern, str) else None
        if pgen is None:
            base = base or self._words()
            return base if not min_len and max_len is None else _fit_length(base, min_len, max_len)
        check = re.compile(str(pattern))

        def fits(value: str) -> bool:
            return min_len <= len(value) <= (max_len if max_len is not None else len(value)) and bool(
                check.search(value)
            )

        def gen_patterned(ctx: Ctx) -> str:
            # A realistic value (x-faker, format, name) when it happens to match; else one built from the regex.
            if base is not None:
                for _ in range(3):
                    value = str(base(ctx))
                    if fits(value):
                        return value
            value = pgen(ctx.rng)
            for _ in range(24):
                if fits(value):
                    break
                value = pgen(ctx.rng)
            return value

        return gen_patterned

    def _realistic_string(self, schema: dict[str, Any], name: str, fmt: str | None, max_len: int | None) -> Gen | None:
        """Values from the format, `x-faker`, or what the property name suggests."""
        if fmt is not None:
            base = self._format(fmt, max_len)
            if base is not None:
                return base
        faker = schema.get("x-faker")
        if isinstance(faker, str) and self.pools.has(faker):
            return lambda ctx: str(self.pools.pick(faker, ctx.rng))
        if not name:
            return None
        if _TIMESTAMP_NAME.search(name):
            return _FORMATS["date-time"]
        provider = provider_for(name)
        if provider == "password":
            return _password
        if provider and self.pools.has(provider):
            pool = [str(v) for v in self.pools.pool(provider) or []]
            return picker(pool)
        return None

    def _words(self) -> Gen:
        words = [str(w) for w in self.pools.pool("word") or ["lorem", "ipsum"]]
        return picker(words)

    def _format(self, fmt: str, max_len: int | None) -> Gen | None:
        fixed = _FORMATS.get(fmt)
        if fixed is not None:
            return fixed
        provider = {
            "email": "email",
            "idn-email": "email",
            "uri": "url",
            "url": "url",
            "iri": "url",
            "uri-reference": "url",
            "iri-reference": "url",
            "hostname": "domain_name",
            "idn-hostname": "domain_name",
            "phone": "phone_number",
            "phone-number": "phone_number",
        }.get(fmt)
        if provider and self.pools.has(provider):
            pool = [str(v) for v in self.pools.pool(provider) or []]
            if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
                pool = [v.rstrip("/") + "/" for v in pool]
            return picker(pool)
        return None


# -- helpers -----------------------------------------------------------------


def _inlined_object(
    plans: dict[tuple[bool, bool], list[tuple[str, Gen]]], careful: Callable[[Ctx, bool], dict[str, Any]]
) -> Gen | None:
    """The object generator as one compiled function: a dict display whose values are the fields'
    own expressions where they have one (a pool draw, a ranged integer), else calls.

    This is the hot path of every generated body; it halves the cost of a typical record.
    """
    names: dict[str, Any] = {"careful": careful, "TooDeep": TooDeep, "OPTIONAL_DEPTH": OPTIONAL_DEPTH,
                             "NODE_BUDGET": NODE_BUDGET}  # fmt: skip
    inlined = 0

    def display(plan: list[tuple[str, Gen]]) -> str:
        nonlocal inlined
        items = []
        for pname, gen in plan:
            key = f"v{len(names)}"
            spec = getattr(gen, "inline", None)
            if spec is None:
                names[key] = gen
                items.append(f"{pname!r}: {key}(ctx)")
                continue
            expression, bound = spec
            for local, value in bound.items():
                names[f"{key}_{local}"] = value
                expression = re.sub(rf"\b{local}\b", f"{key}_{local}", expression)
            items.append(f"{pname!r}: {expression}")
            inlined += 1
        return "{" + ", ".join(items) + "}"

    source = f"""
def gen_object(ctx):
    ctx.nodes += 1
    R = ctx.rng.random
    shallow = ctx.depth < OPTIONAL_DEPTH and ctx.nodes < NODE_BUDGET
    try:
        if shallow:
            return {display(plans[(True, True)])} if ctx.response else {display(plans[(False, True)])}
        return {display(plans[(True, False)])} if ctx.response else {display(plans[(False, False)])}
    except TooDeep:
        return careful(ctx, shallow)
"""
    if not inlined:
        return None  # nothing to gain over the comprehension
    exec(compile(source, "<mocktui object generator>", "exec"), names)  # noqa: S102 - our own code, names are repr()
    made: Gen = names["gen_object"]
    return made


def _const(value: Any) -> Gen:
    if isinstance(value, (dict, list)):
        return lambda ctx: copy.deepcopy(value)
    return lambda ctx: value


def _with_example(gen: Gen, example: Any) -> Gen:
    mutable = isinstance(example, (dict, list))

    def with_example(ctx: Ctx) -> Any:
        if ctx.examples:
            return copy.deepcopy(example) if mutable else example
        return gen(ctx)

    return with_example


def _fitting(values: list[Any], rest: dict[str, Any]) -> list[Any]:
    """Enum values that also satisfy the schema's other keywords (when checkable)."""
    if not rest or b'"$ref"' in orjson.dumps(rest, option=orjson.OPT_NON_STR_KEYS):
        return values
    try:
        validator = jsonschema_rs.validator_for(rest, validate_formats=True)
        return [v for v in values if validator.is_valid(v)] or values
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return values


def _example_fits(schema: dict[str, Any], example: Any) -> bool:
    """Spec examples often contradict their own schema; those are not served.

    Schemas with refs are checked later, as a whole response body.
    """
    text = orjson.dumps(schema, option=orjson.OPT_NON_STR_KEYS)
    if b'"$ref"' in text:
        return True
    try:
        return bool(jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(example))
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return False


def _example_of(schema: dict[str, Any]) -> Any:
    if "example" in schema:
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in schema:
        return schema["default"]
    return _MISSING


def _set_field(gen: Gen, prop: str, value: str) -> Gen:
    def tagged(ctx: Ctx) -> Any:
        out = gen(ctx)
        if isinstance(out, dict):
            out[prop] = value
        return out

    return tagged


def _nullable_choice(gens: list[Gen], nullable: bool) -> Gen:
    def choose(ctx: Ctx) -> Any:
        if nullable and (ctx.nodes > NODE_BUDGET or ctx.rng.random() < NULL_RATE):
            return None
        try:
            return pick(ctx.rng, gens)(ctx)
        except TooDeep:
            if nullable:
                return None
            raise

    return choose


def _hinted(schema: Any) -> bool:
    """Whether a def's values depend on the property name it is used under."""
    return (
        isinstance(schema, dict)
        and schema.get("type") in ("string", "number", "integer")
        and not ({"format", "pattern", "enum", "const"} & schema.keys())
    )


def _guess_type(schema: dict[str, Any]) -> str:
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if {"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"} & schema.keys():
        return "number"
    return "string"


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
            continue
        mine = out[key]
        if key == "properties":
            props = dict(mine)
            for pname, pschema in value.items():
                props[pname] = {"allOf": [props[pname], pschema]} if pname in props else pschema
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys([*mine, *value]))
        elif key == "type":
            left = set(mine if isinstance(mine, list) else [mine])
            right = set(value if isinstance(value, list) else [value])
            both = left & right or ({"integer"} if {"integer", "number"} <= left | right else left)
            if "integer" in left | right and "number" in left | right and "integer" not in both:
                both.add("integer")
            out[key] = sorted(both)[0] if len(both) == 1 else sorted(both)
        elif key == "enum" and isinstance(mine, list) and isinstance(value, list):
            out[key] = [v for v in mine if v in value] or mine
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[key] = max(mine, value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[key] = min(mine, value)
        elif key in ("items", "additionalProperties") and isinstance(mine, dict) and isinstance(value, dict):
            out[key] = {"allOf": [mine, value]}
    return out


def _number_range(schema: dict[str, Any], name: str, integer: bool) -> tuple[Any, Any, int]:
    """Bounds to draw from (exact ints for integers: int64 bounds exceed a float's precision)."""
    hint = number_hint(name)
    low, high, decimals = hint if hint else (1.0, 1000.0, 0 if integer else 2)
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    excl_lo = "exclusiveMinimum" in schema and "minimum" not in schema
    excl_hi = "exclusiveMaximum" in schema and "maximum" not in schema
    lo = lo if isinstance(lo, (int, float)) and not isinstance(lo, bool) else None
    hi = hi if isinstance(hi, (int, float)) and not isinstance(hi, bool) else None
    if integer:
        if lo is not None:
            lo = math.floor(lo) + 1 if excl_lo else math.ceil(lo)
        if hi is not None:
            hi = math.ceil(hi) - 1 if excl_hi else math.floor(hi)
    fmt = schema.get("format")
    if fmt == "int32":
        lo = max(lo if lo is not None else -(2**31), -(2**31))
        hi = min(hi if hi is not None else 2**31 - 1, 2**31 - 1)
    if lo is None and hi is None:
        lo, hi = low, high
    elif lo is None:
        assert hi is not None
        lo = min(low, hi - (1 if integer else 0.5)) if low <= hi else hi - (high - low)
    elif hi is None:
        hi = max(high, lo + 1) if high >= lo else lo + (high - low)
    else:
        # Prefer the realistic window when it fits inside the declared bounds.
        if low >= lo and high <= hi:
            lo, hi = low, high
    if integer:
        return math.ceil(lo), math.floor(hi), decimals
    return float(lo), float(hi), decimals


def _multiple_gen(lo: float, hi: float, multiple: float, integer: bool, inside: Callable[[float], bool]) -> Gen:
    k_lo, k_hi = math.ceil(lo / multiple), math.floor(hi / multiple)
    if not inside(k_lo * multiple):
        k_lo += 1
    if not inside(k_hi * multiple):
        k_hi -= 1
    if k_lo > k_hi:
        k_hi = k_lo
    decimals = max(0, -math.floor(math.log10(multiple))) + 2 if multiple < 1 else 0

    def ok(value: float) -> bool:
        if not inside(value):
            return False
        if isinstance(multiple, int) and isinstance(value, int):
            return value % multiple == 0
        q = value / multiple
        return int(q) == q

    def gen(ctx: Ctx) -> Any:
        for _ in range(12):
            k = between(ctx.rng, k_lo, k_hi)
            value: Any = round(k * multiple, decimals)
            if integer or float(value).is_integer():
                value = int(value)
            if ok(value):
                return value
        return int(k_lo * multiple) if float(k_lo * multiple).is_integer() else 0

    return gen


def _fit_length(base: Gen, min_len: int, max_len: int | None) -> Gen:
    def fit(ctx: Ctx) -> str:
        value = str(base(ctx))
        if len(value) < min_len:
            value += "".join(pick(ctx.rng, _LETTERS) for _ in range(min_len - len(value)))
        if max_len is not None and len(value) > max_len:
            value = value[:max_len].rstrip() if max_len > 0 else ""
            if len(value) < min_len:
                value += "".join(pick(ctx.rng, _LETTERS) for _ in range(min_len - len(value)))
        return value

    return fit


def picker(seq: Sequence[Any]) -> Gen:
    """A generator of members of `seq`: one closure, no call per value beyond the draw."""
    n = len(seq)

    def draw(ctx: Ctx) -> Any:
        return seq[int(ctx.rng.random() * n)]

    return _inlinable(draw, "S[int(R() * N)]", S=seq, N=n)


def _inlinable(gen: Gen, expression: str, **names: Any) -> Gen:
    """Say how `gen` reads as one expression (R() is the rng's random), so objects can inline it."""
    gen.inline = (expression, names)  # type: ignore[attr-defined]
    return gen


def between(rng: random.Random, lo: int, hi: int) -> int:
    """`rng.randint`, the fast way for ranges a float's 53 bits cover."""
    span = hi - lo + 1
    return lo + int(rng.random() * span) if span < 2**52 else rng.randint(lo, hi)


def _stamps(fmt: str) -> Gen:
    """Date-times from a pool formatted once: `strftime` per value costs more than the rest."""
    rng = random.Random(0)
    pool = [dt.datetime.fromtimestamp(_EPOCH + rng.randrange(_SPAN), dt.UTC).strftime(fmt) for _ in range(4096)]
    return picker(pool)


def _password(ctx: Ctx) -> str:
    return "".join(pick(ctx.rng, string.ascii_letters + string.digits) for _ in range(12))


def _uuid(ctx: Ctx) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def _ipv6(ctx: Ctx) -> str:
    return ":".join(f"{ctx.rng.getrandbits(16):x}" for _ in range(8))


_FORMATS: dict[str, Gen] = {
    "uuid": _uuid,
    "guid": _uuid,
    "date-time": _stamps("%Y-%m-%dT%H:%M:%SZ"),
    "date": _stamps("%Y-%m-%d"),
    "time": _stamps("%H:%M:%SZ"),
    "duration": lambda ctx: f"P{between(ctx.rng, 0, 30)}DT{between(ctx.rng, 0, 23)}H{between(ctx.rng, 0, 59)}M",
    "ipv4": lambda ctx: ".".join(str(between(ctx.rng, 1, 254)) for _ in range(4)),
    "ipv6": _ipv6,
    "byte": lambda ctx: base64.b64encode(ctx.rng.randbytes(between(ctx.rng, 6, 24))).decode(),
    "binary": lambda ctx: "".join(pick(ctx.rng, _LETTERS) for _ in range(16)),
    "password": _password,
}
for _numeric in ("int32", "int64", "uint64", "unix-time", "decimal"):  # numbers written as strings
    _FORMATS[_numeric] = lambda ctx: str(between(ctx.rng, 1, 10**6))
