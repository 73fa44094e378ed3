"""`python -m mocktui.worker`: one worker of `--workers N`, started by the supervisor (cluster/supervisor.py).

It serves on the socket it inherited, with the settings it was handed, and steers as the hub (or
the cluster's Redis) says. It never seeds: the supervisor did, before spawning it. With several
specs in one instance it serves them all, each spec steered through its own hub (or Redis scope).
"""

from __future__ import annotations

import socket
import sys

from mocktui.cluster.supervisor import worker_payload, worker_settings
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.mounts import mount, mount_of
from mocktui.engine.spec.structure import load_checked
from mocktui.headless import serve
from mocktui.runtime import Runtime, StartError, build, build_many, plane_for
from mocktui.settings.table import Settings


def main() -> int:
    payload = worker_payload()
    if payload is None:
        print("mocktui.worker: started by `mocktui --workers N`, not by hand", file=sys.stderr)
        return 2
    settings = worker_settings(payload)
    sock = socket.socket(fileno=int(str(payload["fd"])))
    try:
        runtime = _build(payload, settings, sock)
    except (SpecError, StartError) as exc:
        print(f"mocktui worker: {exc}", file=sys.stderr)
        return 2
    return serve(runtime, banner=False)


def _build(payload: dict[str, object], settings: Settings, sock: socket.socket) -> Runtime:
    """The runtime the supervisor described: one spec, or every spec of the instance (its conflicts
    were checked by the supervisor)."""
    token = str(payload["token"]) if payload.get("token") else None
    files = list(settings.specs) if len(settings.specs) > 1 else [str(settings.spec)]
    specs = [mount(load_checked(file), mount_of(file, settings.mounts)) for file in files]
    given = payload.get("hubs")
    hubs: list[str | None] = [str(hub) for hub in given] if isinstance(given, list) and given else [None] * len(specs)
    if len(specs) == 1:
        plane = plane_for(specs[0], settings, hub=hubs[0])
        return build(specs[0], settings, sock, token=token, seed=False, plane=plane)
    planes = [plane_for(spec, settings, hub=hub, several=True) for spec, hub in zip(specs, hubs, strict=True)]
    return build_many(specs, settings, sock, token=token, seed=False, planes=planes)


if __name__ == "__main__":
    sys.exit(main())
