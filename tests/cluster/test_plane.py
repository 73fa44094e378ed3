"""Cluster event ids and the merged journal: what lets every worker keep its own ring and a read join them."""

from __future__ import annotations

from mocktui.cluster.plane import EPOCH, JOURNAL_MAX, SLOTS, Stamp, merged, ring
from mocktui.engine.events import EventStream, RequestEvent


def event(at: float) -> RequestEvent:
    return RequestEvent(time=at, client="c", method="GET", path="/p", query="", status=200, latency_ms=1.0)


def stamped(slot: int, times: list[float]) -> EventStream:
    events = EventStream()
    events.stamp = Stamp(f"host/{slot}", slot)
    for at in times:
        events.publish(event(at))
    return events


def test_ids_are_unique_across_members_and_ordered_by_time() -> None:
    now = 1_800_000_000.0
    one = stamped(0, [now, now + 0.001, now + 0.002])
    two = stamped(1, [now, now + 0.0015])  # the same instant as one's first: another id
    ids = [e.id for e in [*one, *two]]
    assert len(set(ids)) == 5
    assert {e.worker for e in one} == {"host/0"} and {e.worker for e in two} == {"host/1"}
    by_id = sorted([*one, *two], key=lambda e: e.id)
    assert [e.time for e in by_id] == sorted(e.time for e in by_id)
    assert max(ids) < 2**53  # exact in JavaScript
    assert all(id % SLOTS in (0, 1) for id in ids)


def test_one_members_ids_rise_even_when_its_clock_does_not() -> None:
    events = stamped(3, [EPOCH + 100.0] * 4 + [EPOCH + 99.0])  # same tick, then a step back
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [id % SLOTS for id in ids] == [3] * 5


def test_merged_rings_are_one_journal_by_time_each_event_once_the_newest_kept() -> None:
    now = 1_800_000_000.0
    one = stamped(0, [now + i * 0.002 for i in range(3)])
    two = stamped(1, [now + 0.001 + i * 0.002 for i in range(3)])
    copy = ring(one)  # a control room's ring holds copies of the others' events
    journal = merged([ring(one), ring(two), copy])
    assert [e["worker"] for e in journal] == ["host/0", "host/1"] * 3
    full = ring(stamped(2, [now + i * 0.0001 for i in range(JOURNAL_MAX)]))
    later = ring(stamped(3, [now + 5.0]))
    kept = merged([full, later])
    assert len(kept) == JOURNAL_MAX and kept[0] == full[1] and kept[-1] == later[0]
