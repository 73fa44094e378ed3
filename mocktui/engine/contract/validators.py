"""Response validators, compiled on first use, shared by identical schemas, within a memory budget.

A compiled jsonschema-rs validator holds its own copy of every def its schema reaches. In a spec
whose schemas all reach one another (Stripe: an `expandable` field reaches most of the 800 defs)
that is ~7 MB per response, and serving each of its 468 operations once grew a mock to 3.4 GB.
Identical schemas (the same `error` on every operation) share one validator, and the least recently
used ones are dropped past `BUDGET` defs in all, to be compiled again if asked for.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from typing import Any

import jsonschema_rs
import orjson

from mocktui.engine.contract.validate import response_schema
from mocktui.engine.spec.schema import SchemaSet

BUDGET = 8_000  # defs held by every kept validator together: ~100 MB at the worst (Stripe), all of a small spec


class Validators:
    """The response validators of one spec (its `SchemaSet`)."""

    def __init__(self, schemas: SchemaSet, budget: int = BUDGET) -> None:
        self.schemas = schemas
        self.budget = budget
        self.weight = 0
        self._kept: OrderedDict[bytes, tuple[Any, int]] = OrderedDict()  # key -> (validator, defs it holds)
        self._keys: dict[int, tuple[Any, bytes]] = {}  # id(schema) -> (schema, key): worked out once per schema
        self._lock = threading.Lock()  # the admin API's threads check answers too: one compiles and drops at a time

    def __call__(self, schema: Any) -> Any:
        """The validator of `schema` (response view); raises as `jsonschema_rs.validator_for` does."""
        known = self._keys.get(id(schema))
        if known is None or known[0] is not schema:
            known = self._keys[id(schema)] = (schema, orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
        key = known[1]
        found = self._kept.get(key)
        if found is not None:  # the request path: no lock (each OrderedDict call is atomic), dropped meanwhile is fine
            with contextlib.suppress(KeyError):
                self._kept.move_to_end(key)
            return found[0]
        bundle = response_schema(self.schemas, schema)
        validator = jsonschema_rs.validator_for(bundle, validate_formats=True)
        weight = 1 + len(bundle.get("$defs", ())) if isinstance(bundle, dict) else 1
        with self._lock:
            if key not in self._kept:
                self._kept[key] = (validator, weight)
                self.weight += weight
            while self.weight > self.budget and len(self._kept) > 1:
                _, (_, dropped) = self._kept.popitem(last=False)
                self.weight -= dropped
        return validator

    def __len__(self) -> int:
        return len(self._kept)
