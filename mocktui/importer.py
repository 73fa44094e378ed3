"""`mocktui import FILE.har --into examples|state|rules`: a recording compiled into a file the mock loads.

- examples: a rules file for `--scenarios`, one named example per distinct recorded request (its
  latest answer), matched by operation, path, query and body;
- rules: the same, as sequences: a request recorded n times gets `call: 1` ... `call: n-1`, then the
  last answer from then on (`calls: {after: n-1}`);
- state: `{collection: [records]}` for `--state`, the records of the spec's inferred resources as
  the recorded GET, POST, PUT and PATCH answers left them (a recorded DELETE removes one).

Volatile fields (values that differ between otherwise identical exchanges, or look like timestamps,
generated ids and tokens, and redacted secrets) are found first and listed; in rules they are
matched whatever their value (`exists: true`), so a replayed client's fresh timestamp still matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mocktui.engine.export.recorded import Exchange, Volatile, exchanges, rule_texts, volatile_fields
from mocktui.engine.har import read
from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.resources import Resource, infer

TARGETS = ("examples", "state", "rules")
SUFFIX = {"examples": ".examples.yaml", "state": ".state.json", "rules": ".rules.yaml"}


@dataclass
class Result:
    out: Path
    volatile: list[Volatile]
    written: str  # what was written, in words


def run(har: str, into: str, spec: Spec, out: str | None = None) -> Result:
    """Read `har` (raises `HarError`), compile it `into` a target, write it; what was done."""
    found = exchanges(read(har), spec)
    volatile = volatile_fields(found)
    target = Path(out) if out else Path(har).with_name(Path(har).stem + SUFFIX[into])
    if into == "state":
        state = records(found, spec)
        target.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2) + b"\n")
        counts = ", ".join(f"{len(v)} {k}" for k, v in state.items()) or "no records"
        return Result(target, volatile, f"{counts} (load with --state {target})")
    rules = rule_texts(found, volatile, sequence=into == "rules")
    head = [f"# mocktui import {Path(har).name} --into {into}: {len(rules)} rules from {len(found)} exchanges",
            f"# serve them: mocktui {spec.file} --scenarios {target}"]  # fmt: skip
    if volatile:
        head.append("# volatile fields, matched whatever their value (exists: true):")
        head += [f"#   {v.line()}" for v in volatile]
    target.write_text("\n".join(head) + "\n" + "".join(rules) if rules else "\n".join(head) + "\n[]\n")
    return Result(target, volatile, f"{len(rules)} rules (serve with --scenarios {target})")


# -- state -------------------------------------------------------------------------------------


def records(found: list[Exchange], spec: Spec) -> dict[str, list[dict[str, Any]]]:
    """The records the recorded answers show, by collection, as the last answer left each one."""
    resources, bindings = infer(spec)
    kept: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in resources}
    for ex in found:
        binding = bindings.get(ex.op.id) if ex.op is not None else None
        if binding is None or not 200 <= ex.status < 300:
            continue
        resource, role = binding.resource, binding.role
        if role == "delete" and binding.id_param in ex.params:
            kept[resource.name].pop(ex.params[binding.id_param], None)
            continue
        body = ex.json
        rows = _listed(body) if role == "list" else [_single(body, resource)]
        for row in rows:
            if isinstance(row, dict) and resource.id_field in row:
                record = dict(row)
                for param, (parent, field_name) in resource.parents.items():
                    if param in ex.params:
                        record.setdefault(field_name, _id_value(ex.params[param], resources.get(parent)))
                kept[resource.name][str(record[resource.id_field])] = record
    return {name: list(rows.values()) for name, rows in kept.items() if rows}


def _single(body: Any, resource: Resource) -> Any:
    """A record, unwrapped from `{data: {...}}` when it comes in one."""
    if isinstance(body, dict) and resource.id_field not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def _listed(body: Any) -> list[Any]:
    """The records of a list answer: a bare array, or the array in its envelope (`data`, `items`...)."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value
    return []


def _id_value(raw: str, parent: Resource | None) -> Any:
    return int(raw) if parent is not None and parent.id_kind == "int" and raw.isdigit() else raw
