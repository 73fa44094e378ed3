"""The control room's export: the requests the filter shows, in every export format, written to a folder.

The same documents `GET /__mocktui/export/{format}` serves (the backend asks the service, locally or
over the admin API), so what the key writes is what `mocktui export` would fetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mocktui.engine.export.formats import FORMATS
from mocktui.ui.backend import Backend, BackendError

EXPORT_DIR = "mocktui-export"  # under the working directory


async def export_shown(backend: Backend, ids: Sequence[int] | None, directory: Path) -> tuple[str, str]:
    """Write every format of the events `ids` (None: all); (message, severity) for the notice."""
    written: list[str] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for kind in FORMATS:
            name, content = await backend.export(kind, ids)
            (directory / Path(name).name).write_bytes(content)
            written.append(Path(name).name)
    except (BackendError, OSError) as exc:
        return f"export failed: {exc}", "error"
    count = "every request" if ids is None else f"{len(ids)} request{'s' if len(ids) != 1 else ''} shown"
    return f"{count} -> {directory}: {', '.join(written)}", "information"
