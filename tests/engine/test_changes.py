"""The change log: the admin calls that steered the mock, timed, with the controls each left; bounded without
losing what the oldest ones did; carried by the cluster's steering document; noted by every service verb."""

from __future__ import annotations

import time

import pytest

from mocktui.cluster.plane import adopt, document
from mocktui.engine import changes as changes_module
from mocktui.engine.changes import ChangeLog, changes_of, states
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.service import MockService, ServiceError

from ..helpers import SPECS


def engine() -> MockEngine:
    return MockEngine.build(load_spec(str(SPECS / "petstore.yaml")))


def test_the_service_notes_each_change_with_its_time_and_the_controls_before() -> None:
    mock = engine()
    service = MockService(mock)
    before = time.time()
    service.patch_controls({"faults": {"error_rate": 50}})
    service.put_override("getPet", {"status": 404})
    service.patch_override("getPet", {"dynamic": True})
    service.delete_override("getPet")
    service.put_override("getPet", {"status": 404}, session="s1")
    log = changes_of(mock)
    calls = [(c.method, c.path, c.body, c.session) for c in log.items()]
    assert calls == [
        ("PATCH", "/__mocktui/controls", {"faults": {"error_rate": 50}}, None),
        ("PUT", "/__mocktui/overrides/getPet", {"status": 404}, None),
        ("PATCH", "/__mocktui/overrides/getPet", {"dynamic": True}, None),
        ("DELETE", "/__mocktui/overrides/getPet", None, None),
        ("PUT", "/__mocktui/overrides/getPet", {"status": 404}, "s1"),
    ]
    assert all(before <= c.time <= time.time() for c in log.items())
    assert log.base is not None and log.base["faults"]["error_rate"] == 0
    left = [(c.method, controls.faults.error_rate, controls.snapshot()["overrides"]) for c, controls in
            states(log.base, log.items())]  # fmt: skip
    assert left == [
        ("PATCH", 50, {}),
        ("PUT", 50, {"getPet": {"status": 404}}),
        ("PATCH", 50, {"getPet": {"status": 404, "dynamic": True}}),
        ("DELETE", 50, {}),
        ("PUT", 50, {}),  # a session's override leaves the global controls as they are
    ]


def test_a_refused_change_is_not_noted_and_clearing_the_journal_forgets_them() -> None:
    mock = engine()
    service = MockService(mock)
    with pytest.raises(ServiceError):
        service.patch_controls({"delay": {"min_ms": 500, "max_ms": 100}})
    assert changes_of(mock).items() == []
    service.patch_controls({"offline": True})
    service.clear_events()
    assert changes_of(mock).items() == [] and changes_of(mock).base is None


def test_the_oldest_change_folds_into_the_base_when_the_log_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    log = ChangeLog()
    monkeypatch.setattr(changes_module, "CHANGES_MAX", 3)
    start = Controls().snapshot()
    for rate in (10, 20, 30, 40, 50):
        log.note("PATCH", "/__mocktui/controls", {"faults": {"error_rate": rate}}, start)
    assert [c.body["faults"]["error_rate"] for c in log.items()] == [30, 40, 50]
    assert log.base is not None and log.base["faults"]["error_rate"] == 20  # what the dropped ones left
    assert [c.faults.error_rate for _, c in states(log.base, log.items())] == [30, 40, 50]


def test_the_log_travels_in_the_steering_document() -> None:
    here, there = engine(), engine()
    MockService(here).put_override("getPet", {"status": 404})
    adopt(there, document(here))
    assert [c.to_dict() for c in changes_of(there).items()] == [c.to_dict() for c in changes_of(here).items()]
    assert changes_of(there).base == changes_of(here).base
