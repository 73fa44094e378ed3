"""Seeding: filling the store with generated records that are consistent with each other.

Collections are seeded in dependency order (referenced collections first), so that reference
and parent fields point at records that exist; fields the resource declares unique get distinct
values (`ada@...`, `ada2@...`). `load` replaces the contents with an exported state instead.

Seeding is linear in the number of records: the ids a reference may point at are kept as they
are written (never re-read from the store per record, which made 2,000 orders a 15 s job), and
unique values are checked against an in-memory set. A `progress` callback hears where it is
after every batch, so the control room can draw a bar and headless can print a line.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from typing import Any

from mocktui.engine.stateful.records import Records
from mocktui.engine.stateful.resources import Resource
from mocktui.engine.stores.base import Record, State

SEED_BATCH = 500
REF_POOL = 1000  # a reference points at one of the first 1,000 records of its target (as it always has)

Link = tuple[str, str, str, str]  # (target collection, field, outer list field, inner field)
Progress = Callable[[str, int, int], None]
"""`progress(collection, done, total)`: at a collection's start, after each batch written, at its end."""


class Seeding(Records):
    """The seeding and state-loading part of `Stateful`."""

    def seed_plan(self) -> list[tuple[str, int]]:
        """(collection, records to seed) in the order `seed` fills them."""
        return [(r.name, self._count(r)) for r in _dependency_order(self.resources)]

    def _count(self, resource: Resource) -> int:
        return self.seed_counts.get(resource.name.lower(), self.seed_count)

    def seed(self, progress: Progress | None = None) -> None:
        """Replace the store's contents with freshly generated, consistent records."""
        self.store.clear()
        rng = random.Random(f"{self.contract.seed}:seed")
        pools: dict[str, list[Any]] = {}  # collection -> ids that references may point at, as written
        for resource in _dependency_order(self.resources):
            count = self._count(resource)
            pool = pools.setdefault(resource.name, [])
            links = _link_targets(resource)
            if progress is not None:
                progress(resource.name, 0, count)
            first = self.store.next_seqs(resource.name, count) if count else 0
            taken: dict[str, dict[str, int]] = {field: {} for field in resource.unique}
            batch: list[tuple[str, Record]] = []
            done = 0
            for i in range(count):
                for _ in range(3):  # a fresh record usually clears a clash and keeps the field's pattern
                    value = self.generate(resource, rng, examples=i == 0, id=first + i)
                    if value is None or not any(_clashes(value.get(f), seen) for f, seen in taken.items()):
                        break
                if value is None:
                    break
                self.complete(value, resource.schema, rng)  # writeOnly fields too: a seeded user has a password
                _link(links, pools, value, rng)
                for field, seen in taken.items():
                    value[field] = _unique_value(value.get(field), seen)
                batch.append((str(value[resource.id_field]), value))
                done = i + 1
                if len(batch) >= SEED_BATCH:  # small batches: a low peak, so the process stays small
                    self._write(resource, batch, pool)
                    batch = []
                    if progress is not None:
                        progress(resource.name, done, count)
            self._write(resource, batch, pool)
            if progress is not None:
                progress(resource.name, done, count)

    def _write(self, resource: Resource, batch: list[tuple[str, Record]], pool: list[Any]) -> None:
        """Store a batch; the first `REF_POOL` ids written become what references may point at."""
        self.store.put_many(resource.name, batch)
        room = REF_POOL - len(pool)
        if room > 0:
            pool.extend(record.get(resource.id_field, id) for id, record in batch[:room])

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


def _link_targets(resource: Resource) -> list[Link]:
    """A `Link` for every reference and parent field of `resource`."""
    targets = dict(resource.refs)
    targets.update({field: parent for parent, field in resource.parents.values()})
    out = []
    for field, target in targets.items():
        outer, sep, inner = field.partition("[].")
        out.append((target, field, outer if sep else "", inner if sep else ""))
    return out


def _link(links: list[Link], pools: dict[str, list[Any]], record: Record, rng: random.Random) -> None:
    """References and parent fields point at records that exist (written before this one)."""
    for target, field, outer, inner in links:
        ids = pools.get(target)
        if not ids:
            continue
        if outer:  # items[].productId: every line item points at a real product
            for item in record.get(outer) or []:
                if isinstance(item, dict) and inner in item:
                    item[inner] = rng.choice(ids)
        else:
            record[field] = rng.choice(ids)


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


class SeedCancelled(Exception):
    """Raised in the seeding thread when the runtime stops before seeding is done."""


@dataclasses.dataclass
class SeedProgress:
    """How far a background seed got: written by the seeding thread (it is the `progress` callback),
    read by the control room's bar and the request gate. `plan` is (collection, records) in order."""

    plan: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    collection: str = ""
    done: int = 0  # records of `collection` written
    total: int = 0  # records `collection` gets
    before: int = 0  # records of the collections seeded before it
    started: float | None = None  # the first call
    ended: float | None = None
    error: str | None = None
    cancelled: bool = False

    def __call__(self, collection: str, done: int, total: int) -> None:
        if self.cancelled:
            raise SeedCancelled
        if self.started is None:
            self.started = time.monotonic()
        if collection != self.collection:
            self.before += self.done
            self.collection, self.total = collection, total
        self.done = done

    @property
    def records(self) -> int:
        """Records to seed, every collection together."""
        return sum(n for _, n in self.plan)

    @property
    def seeded(self) -> int:
        return self.before + self.done

    @property
    def busy(self) -> bool:
        return self.ended is None

    @property
    def elapsed(self) -> float:
        """Seconds since seeding began (until it ended)."""
        end = self.ended or time.monotonic()
        return end - (self.started or end)

    def finish(self) -> None:
        self.ended = time.monotonic()

    def fail(self, error: str) -> None:
        self.error = error
        self.finish()

    def line(self) -> str:
        """`users 30,000/100,000`: where seeding is, for a 503's detail."""
        return f"{self.collection} {self.done:,}/{self.total:,}" if self.collection else "starting"
