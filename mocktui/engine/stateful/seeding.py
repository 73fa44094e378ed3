"""Seeding: filling the store with generated records that are consistent with each other.

Collections are seeded in dependency order (referenced collections first), so that reference
and parent fields point at records that exist; fields the resource declares unique get distinct
values (`ada@...`, `ada2@...`). `load` replaces the contents with an exported state instead.
"""

from __future__ import annotations

import random
from typing import Any

from mocktui.engine.stateful.records import Records
from mocktui.engine.stateful.resources import Resource
from mocktui.engine.stores.base import Record, State

SEED_BATCH = 500


class Seeding(Records):
    """The seeding and state-loading part of `Stateful`."""

    def seed(self) -> None:
        """Replace the store's contents with freshly generated, consistent records."""
        self.store.clear()
        rng = random.Random(f"{self.contract.seed}:seed")
        for resource in _dependency_order(self.resources):
            count = self.seed_counts.get(resource.name.lower(), self.seed_count)
            first = self.store.next_seqs(resource.name, count) if count else 0
            taken: dict[str, dict[str, int]] = {field: {} for field in resource.unique}
            batch: list[tuple[str, Record]] = []
            for i in range(count):
                for _ in range(3):  # a fresh record usually clears a clash and keeps the field's pattern
                    value = self.generate(resource, rng, examples=i == 0, id=first + i)
                    if value is None or not any(_clashes(value.get(f), seen) for f, seen in taken.items()):
                        break
                if value is None:
                    break
                self.complete(value, resource.schema, rng)  # writeOnly fields too: a seeded user has a password
                self._link(resource, value, rng)
                for field, seen in taken.items():
                    value[field] = _unique_value(value.get(field), seen)
                batch.append((str(value[resource.id_field]), value))
                if len(batch) >= SEED_BATCH:  # small batches: a low peak, so the process stays small
                    self.store.put_many(resource.name, batch)
                    batch = []
            self.store.put_many(resource.name, batch)

    def load(self, state: State) -> None:
        """Replace the store's contents with an exported state."""
        self.store.clear()
        for name, records in state.items():
            resource = self.resources.get(name)
            id_field = resource.id_field if resource else "id"
            for record in records:
                if isinstance(record, dict) and id_field in record:
                    self.store.put(name, str(record[id_field]), record)
                    if resource is not None and resource.id_kind == "int":
                        while self.store.next_seq(name) < int(record[id_field]):
                            pass

    def _link(self, resource: Resource, record: Record, rng: random.Random) -> None:
        """References and parent fields point at records that exist."""
        targets = dict(resource.refs)
        targets.update({field: parent for parent, field in resource.parents.values()})
        for field, target in targets.items():
            ids = self._ids(target)
            if not ids:
                continue
            outer, sep, inner = field.partition("[].")
            if sep:  # items[].productId: every line item points at a real product
                for item in record.get(outer) or []:
                    if isinstance(item, dict) and inner in item:
                        item[inner] = rng.choice(ids)
            else:
                record[field] = rng.choice(ids)

    def _ids(self, collection: str) -> list[Any]:
        resource = self.resources.get(collection)
        if resource is None:
            return []
        return [r.get(resource.id_field, i) for i, r in self.store.scan(collection)][:1000]


def _clashes(value: Any, seen: dict[str, int]) -> bool:
    return isinstance(value, str) and value.casefold() in seen


def _unique_value(value: Any, seen: dict[str, int]) -> Any:
    """`value`, or `ada2@example.com`, `ada3@...`: the first not in `seen` (case-insensitively)."""
    if not isinstance(value, str):
        return value
    candidate, base = value, value.casefold()
    n = seen.get(base, 0)
    while candidate.casefold() in seen:
        n += 1
        local, at, domain = value.partition("@")
        candidate = f"{local}{n + 1}{at}{domain}"
    seen[base] = n  # where the next clash with this value starts counting
    seen[candidate.casefold()] = seen.get(candidate.casefold(), 0)
    return candidate


def _dependency_order(resources: dict[str, Resource]) -> list[Resource]:
    """Referenced collections first, so that references can point at existing records."""
    done: list[Resource] = []
    seen: set[str] = set()

    def visit(resource: Resource, path: tuple[str, ...]) -> None:
        if resource.name in seen or resource.name in path:
            return
        targets = set(resource.refs.values()) | {parent for parent, _ in resource.parents.values()}
        for target in sorted(targets):
            if target in resources:
                visit(resources[target], (*path, resource.name))
        seen.add(resource.name)
        done.append(resource)

    for resource in resources.values():
        visit(resource, ())
    return done
