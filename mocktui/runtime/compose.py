"""The runtime the command line asked for: one spec or several, one process or `--workers N`, for the
control room or headless. Both front ends call `compose`, so they cannot drift apart."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Literal

from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.seeding import Progress
from mocktui.runtime.core import ON_START, Runtime, build
from mocktui.runtime.errors import StartError
from mocktui.runtime.planes import plane_for
from mocktui.runtime.scaling import supervise, supervise_many
from mocktui.runtime.several import build_many
from mocktui.settings.table import Settings


def compose(
    spec: Spec | Sequence[Spec], settings: Settings, sock: socket.socket, *, token: str | None, room: bool,
    progress: Progress | None = None,
) -> Runtime:  # fmt: skip
    """`room`: the control room owns the terminal (workers print nothing) and its log shows the whole
    journal (this process mirrors it: every worker's, every instance's on a shared Redis); one process
    seeds once it has started, behind the room's bar. Headless: seeded before listening, `progress` printed.
    A supervisor seeds once, before spawning its workers, either way."""
    if isinstance(spec, Spec):
        if settings.workers <= 1:
            plane = plane_for(spec, settings, mirror=room)
            seed: bool | Literal["on start"] = ON_START if room else True
            return build(spec, settings, sock, token=token, seed=seed, progress=progress, plane=plane)
        if settings.spec in (None, "-"):
            raise StartError("--workers: each worker reads the spec again; give a file or URL, not stdin")
        return supervise(spec, settings, sock, token=token, progress=progress, quiet=room, mirror=room)
    if settings.workers > 1:
        return supervise_many(spec, settings, sock, token=token, progress=progress, quiet=room, mirror=room)
    planes = [plane_for(one, settings, mirror=room and n == 0, several=True) for n, one in enumerate(spec)]
    return build_many(spec, settings, sock, token=token, progress=progress, planes=planes)
