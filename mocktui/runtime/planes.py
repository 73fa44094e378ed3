"""How one process of a mock reaches the others: the cluster's Redis, the supervisor's hub, or none."""

from __future__ import annotations

from mocktui.cluster.hub import HubClient
from mocktui.cluster.plane import Plane, SoloPlane
from mocktui.engine.spec.model import Spec
from mocktui.engine.stores.base import StoreError
from mocktui.engine.stores.registry import store_kind
from mocktui.runtime.errors import StartError
from mocktui.settings.table import Settings


def cluster_url(settings: Settings) -> str | None:
    """The Redis that holds the cluster: `--cluster`, or the Redis store (instances sharing a store are one mock)."""
    store = settings.store_url or ""
    return settings.cluster or (store if store.startswith(("redis://", "rediss://", "unix://")) else None)


def plane_for(
    spec: Spec, settings: Settings, *, hub: str | None = None, mirror: bool = False, serves: bool = True,
    several: bool = False,
) -> Plane:  # fmt: skip
    """This process's link to the rest of the mock: Redis when there is one, the supervisor's hub
    for its workers, or none. `several`: one spec of several in one instance, whose scope also says
    where it is mounted (two mounts of one spec are two mocks, and apart from that spec served alone)."""
    url = cluster_url(settings)
    if url is not None:
        from mocktui.cluster.redis import RedisPlane, spec_scope  # redis-py: ~20 MB, loaded when a Redis is named

        scope = spec_scope(spec.title, spec.api_version, [op.id for op in spec.operations])
        scope += f"@{spec.base_path or '/'}" if several else ""
        return RedisPlane(url, scope=scope, mirror=mirror, serves=serves)
    if hub is not None:
        return HubClient(hub)
    return SoloPlane()


def refuse_memory(settings: Settings) -> None:
    """`--workers N` with the memory store: each worker would answer from its own records; one line says so."""
    try:
        kind = store_kind(settings.store_url or "memory").name if settings.stateful_mode else None
    except StoreError as exc:
        raise StartError(f"--store: {exc}") from None
    if kind == "memory":
        raise StartError(
            f"--workers {settings.workers}: the memory store lives in one process, so each worker would "
            "answer from its own records; use --store sqlite:FILE (one host) or --store redis://HOST:PORT/DB"
        )
