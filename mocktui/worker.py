"""`python -m mocktui.worker`: one worker of `--workers N`, started by the supervisor (cluster/supervisor.py).

It serves on the socket it inherited, with the settings it was handed, and steers as the hub (or
the cluster's Redis) says. It never seeds: the supervisor did, before spawning it.
"""

from __future__ import annotations

import socket
import sys

from mocktui.cluster.supervisor import worker_payload, worker_settings
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.mounts import mount, mount_of
from mocktui.engine.spec.structure import load_checked
from mocktui.headless import serve
from mocktui.runtime import StartError, build, plane_for


def main() -> int:
    payload = worker_payload()
    if payload is None:
        print("mocktui.worker: started by `mocktui --workers N`, not by hand", file=sys.stderr)
        return 2
    settings = worker_settings(payload)
    sock = socket.socket(fileno=int(str(payload["fd"])))
    try:
        spec = mount(load_checked(str(settings.spec)), mount_of(str(settings.spec), settings.mounts))
        hub = payload.get("hub")
        plane = plane_for(spec, settings, hub=str(hub) if hub else None)
        token = payload.get("token")
        runtime = build(spec, settings, sock, token=str(token) if token else None, seed=False, plane=plane)
    except (SpecError, StartError) as exc:
        print(f"mocktui worker: {exc}", file=sys.stderr)
        return 2
    return serve(runtime, banner=False)


if __name__ == "__main__":
    sys.exit(main())
