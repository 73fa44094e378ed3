"""Resource inference: x-mocktui-resource hints rename, pick the id and exclude."""

from __future__ import annotations

import httpx

from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ...helpers import ROOT, serve, use_store


def test_x_mocktui_resource_renames_picks_the_id_and_excludes() -> None:
    from mocktui.engine.stateful.resources import infer

    spec = load_spec(str(ROOT / "tests" / "data" / "stateful-hints.yaml"))
    resources, bindings = infer(spec)
    assert set(resources) == {"people"}  # /reports is excluded, /staff renamed
    assert resources["people"].id_field == "badge" and "listReports" not in bindings
    with serve(spec, controls=Controls(stateful=True)) as live:
        use_store(live.engine, MemoryStore(), seed_count=2).seed()
        created = httpx.post(live.url + "/staff", json={"name": "Grace"})
        assert created.status_code == 201
        badge = created.json()["badge"]
        assert httpx.get(live.url + f"/staff/{badge}").json()["name"] == "Grace"
        assert len(httpx.get(live.url + "/staff").json()) == 3
