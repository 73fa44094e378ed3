"""Compile JSON Schemas into data generators.

`Generator.compile(schema)` walks a schema once and returns a closure; a
request only calls closures that draw from a seeded `random.Random` and from
precomputed Faker pools. Recursive schemas are bounded by `Ctx.depth`.

This module is the walk itself and the containers: refs, `allOf`, `oneOf`/`anyOf`, objects
and arrays. The leaves are compiled by `scalars` from the value generators in `values`,
objects are inlined into one function by `inline`, and the rules read off schema keywords
live in `keywords`. Each value is compiled knowing the kind of record it is or belongs to
(a pet, a person: `entities`), and each object gets its plan of fix-ups (`coherence`). `Ctx`,
`Gen`, `TooDeep` and the limits are defined in `context` and exported from here as well, where
the rest of the engine imports them.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import orjson

from mocktui.engine.data.coherence import plan_for, planned
from mocktui.engine.data.context import MAX_DEPTH, NODE_BUDGET, NULL_RATE, OPTIONAL_DEPTH, Ctx, Gen, TooDeep
from mocktui.engine.data.entities import ENVELOPES, kind_of, kind_sensitive
from mocktui.engine.data.inline import inline_object
from mocktui.engine.data.keywords import MISSING, example_fits, example_of, fitting, guess_type, hinted, merge
from mocktui.engine.data.pools import Pools, normalise, pick, singular
from mocktui.engine.data.regex import compile_pattern
from mocktui.engine.data.scalars import number_gen, string_gen
from mocktui.engine.data.values import between, const, nullable_choice, picker, set_field, with_example

__all__ = ["MAX_DEPTH", "NODE_BUDGET", "NULL_RATE", "OPTIONAL_DEPTH", "Ctx", "Gen", "Generator", "TooDeep"]


class Generator:
    """Compiles converted schemas that share one `$defs` table."""

    def __init__(self, defs: dict[str, Any], pools: Pools, bundle: Callable[[Any], Any] | None = None) -> None:
        self.defs = defs
        self.pools = pools
        self.bundle = bundle  # schema -> self-contained schema, to check oneOf exclusivity
        self._refs: dict[str, Gen] = {}
        self._sensitive: dict[str, bool] = {}

    # -- entry points -------------------------------------------------------

    def compile(self, schema: Any, name: str = "", entity: str = "", owner: str = "") -> Gen:
        """`name`: the property (or collection) the value sits under; `entity`: what it is, a def, a
        path's resource (`pets`) or a kind; `owner`: the kind of the record it is a field of."""
        kind = kind_of(entity) if entity else ""
        if schema is True or schema is None or schema == {}:
            return self._any(name, owner)
        if schema is False:
            return const(None)
        if "$ref" in schema and len(schema) == 1:
            return self._ref(schema["$ref"].rsplit("/", 1)[-1], name, kind, owner)
        if "allOf" in schema:
            # Merging inlines referenced schemas, so treat the merge like a ref:
            # memoised (cycles end) and counted against the depth limit.
            key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode() + f"\0{name}\0{kind}\0{owner}"
            return self._memo(key, lambda: self.compile(self.merge_all_of(schema), name, kind, owner))
        gen = self._compile_body(schema, name, kind, owner)
        example = example_of(schema)
        if example is not MISSING and example_fits(schema, example):
            return with_example(gen, example)
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
            merged = merge(merged, body)
        return merged

    # -- compilation --------------------------------------------------------

    def _ref(self, name: str, hint: str, kind: str = "", owner: str = "") -> Gen:
        key = f"{name}\0{hint}\0{owner}" if hinted(self.defs.get(name)) else name
        # A def that says its kind (Pet, UserInput) is that kind wherever it is used; another
        # inherits the kind of its place only if it has a name to give (see `kind_sensitive`).
        own = kind_of(name)
        if not own and kind:
            if name not in self._sensitive:
                self._sensitive[name] = kind_sensitive({"$ref": name}, self.defs)
            own = kind if self._sensitive[name] else ""
            key += f"\0{own}" if own else ""

        def build() -> Gen:
            target = self.defs.get(name, {})
            gen = self.compile(target, hint, own, owner)
            tag = self._discriminator_tag(name, target)
            return set_field(gen, *tag) if tag is not None else gen

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

    def _compile_body(self, schema: dict[str, Any], name: str, kind: str = "", owner: str = "") -> Gen:
        if "const" in schema:
            return const(schema["const"])
        if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
            values = fitting(schema["enum"], {k: v for k, v in schema.items() if k != "enum"})
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
            return self._choice(schema, name, kind, owner)
        types = schema.get("type")
        if isinstance(types, list):
            real = [t for t in types if t != "null"]
            if not real:
                return const(None)
            gens = [self._typed(schema, t, name, kind, owner) for t in real]
            nullable = "null" in types
            if len(gens) == 1 and not nullable:
                return gens[0]
            return nullable_choice(gens, nullable)
        if types is None:
            types = guess_type(schema)
        return self._typed(schema, types, name, kind, owner)

    def _typed(self, schema: dict[str, Any], type_: str, name: str, kind: str, owner: str) -> Gen:
        if type_ == "object":
            return self._object(schema, name, kind)
        if type_ == "array":
            return self._array(schema, name, kind, owner)
        if type_ == "string":
            return string_gen(schema, name, self.pools, owner)
        if type_ in ("integer", "number"):
            return number_gen(schema, name, type_ == "integer")
        if type_ == "boolean":
            return lambda ctx: ctx.rng.random() < 0.5
        if type_ == "null":
            return const(None)
        return self._any(name, owner)

    def _any(self, name: str, owner: str = "") -> Gen:
        return string_gen({}, name, self.pools, owner)

    def _choice(self, schema: dict[str, Any], name: str, kind: str, owner: str) -> Gen:
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
            compiled.append((self.compile(branch, name, kind, owner), ref is None and not is_null, ref))
        if not compiled:
            return self._compile_body(rest, name, kind, owner) if rest else self._any(name, owner)
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
                    gen = set_field(gen, prop, by_target.get(target, target))
            out.append((gen, simple, ref))
        return out

    def _object(self, schema: dict[str, Any], name: str, kind: str = "") -> Gen:
        own = kind or kind_of(name)  # the $ref's or the path's kind, else the property's (`owner: {...}`)
        required = set(schema.get("required") or [])
        props = []
        fields: list[tuple[str, Any]] = []
        for pname, pschema in (schema.get("properties") or {}).items():
            body = self.deref(pschema)
            ro = isinstance(body, dict) and body.get("readOnly") is True
            wo = isinstance(body, dict) and body.get("writeOnly") is True
            inner = own if normalise(pname) in ENVELOPES else ""  # `data: [...]` holds records of this kind
            props.append((pname, self.compile(pschema, pname, inner, own), pname in required, ro, wo))
            fields.append((pname, pschema))
        declared = {p[0] for p in props}
        for missing in [r for r in schema.get("required") or [] if r not in declared]:
            extra = schema.get("additionalProperties")
            extra = extra if isinstance(extra, dict) else {}
            props.append((missing, self.compile(extra, missing, "", own), True, False, False))
            fields.append((missing, extra))
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

        # Compiled on first use, not at start-up: a big spec has thousands of objects it never serves.
        chosen: list[Gen] = []

        def first_use(ctx: Ctx) -> dict[str, Any]:
            base = (inline_object(plans, careful) if simple else None) or gen_object
            plan = plan_for(fields, own, self)
            chosen[0] = base if plan is None else planned(base, plan)
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
                        out.append((kgen(ctx.rng), vgen(ctx)))
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

    def _array(self, schema: dict[str, Any], name: str, kind: str = "", owner: str = "") -> Gen:
        item_schema = schema.get("items", {})
        items = self.compile(item_schema if item_schema is not True else {}, singular(name), kind, owner)
        prefix = [self.compile(s, name, kind, owner) for s in schema.get("prefixItems") or []]
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
