"""The runtime builds the engine from settings: scenarios named on the command line, switched live."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import BACKGROUND_FROM, StartError, compose
from mocktui.server.runner import bind
from mocktui.settings.table import Settings

from .helpers import SPECS, LiveServer


def test_scenarios_from_the_cli_settings_and_live_pack_switch(tmp_path: Path) -> None:
    from mocktui.runtime import StartError, build_engine

    from .settings.test_settings import options

    spec = load_spec(str(SPECS / "payments.yaml"))
    engine = build_engine(spec, options([str(SPECS / "payments.yaml"), "--scenarios", "payments"]))
    live = LiveServer(engine)
    live.start()
    try:
        card = {
            "amount": 20,
            "currency": "USD",
            "card": {"number": "4000000000000002", "expMonth": 1, "expYear": 2031, "cvc": "123"},
        }
        declined = httpx.post(live.url + "/v1/payments", json=card, headers={"Authorization": "Bearer t"})
        assert declined.status_code == 402 and declined.json()["error"]["code"] == "card_declined"
        event = httpx.get(live.url + "/__mocktui/events?limit=1").json()[0]
        assert event["scenario"] == "payments: declined card" and "scenario" in event["tags"]
        packs = httpx.get(live.url + "/__mocktui/scenarios").json()["packs"]
        assert packs["payments"]["enabled"] and not packs["auth"]["enabled"]  # only the named pack
        httpx.patch(live.url + "/__mocktui/controls", json={"packs": {"payments": False}})
        assert (
            httpx.post(live.url + "/v1/payments", json=card, headers={"Authorization": "Bearer t"}).status_code == 200
        )
    finally:
        live.stop()
    rules = tmp_path / "rules.yaml"
    rules.write_text("- when: {operation: createPaymnt}\n  then: {status: 500}\n")
    with pytest.raises(StartError, match=r"rules.yaml:1: rule 1.*unknown operationId 'createPaymnt'"):
        build_engine(spec, options([str(SPECS / "payments.yaml"), "--scenarios", str(rules)]))


@pytest.mark.parametrize("room", [False, True])
def test_compose_builds_one_process_that_seeds_before_listening_headless_and_after_it_starts_for_the_room(
    room: bool,
) -> None:
    sock = bind("127.0.0.1", 0)
    settings = Settings(spec=str(SPECS / "shop.yaml"), stateful=True, seed=BACKGROUND_FROM)  # a seed worth a bar
    runtime = compose(load_spec(str(SPECS / "shop.yaml")), settings, sock, token=None, room=room)
    try:
        assert runtime.supervisor is None and runtime.mounts == []
        assert (runtime.seeding is not None) is room  # the room draws a bar while it seeds
        assert runtime.engine.state is not None
        seeded = any(runtime.engine.state.store.dump().values())
        assert seeded is not room
    finally:
        runtime.close()
        sock.close()


def test_compose_mounts_several_specs_and_refuses_workers_for_a_spec_read_from_stdin() -> None:
    files = (str(SPECS / "users.yaml"), str(SPECS / "shop.yaml"))
    sock = bind("127.0.0.1", 0)
    try:
        settings = Settings(spec=files[0], specs=files)
        runtime = compose([load_spec(f) for f in files], settings, sock, token=None, room=False)
        assert [mount.name for mount in runtime.mounts] == ["users", "shop"]
        runtime.close()
        with pytest.raises(StartError, match="each worker reads the spec again"):
            compose(load_spec(files[1]), Settings(spec="-", workers=2), sock, token=None, room=True)
    finally:
        sock.close()
