"""Regenerate the control room's screenshots in screenshots/ (SVG and PNG), with real traffic in them.

    python scripts/screenshots.py [--out screenshots] [--spec specs/shop.yaml] [--drift-only]

Starts `MocktuiApp` headless (`run_test`) serving the spec in stateful mode on 127.0.0.1, fires a few
dozen real HTTP requests at it (reads, writes, validation errors, unknown paths, injected failures),
then saves one screenshot per pane plus the request details, the override editor and the help screen.
The Drift pane is shot apart: a real backend process (`tests/backend_app.py`) behind `--proxy`, asked
for a few of its planted deviations between conforming exchanges.
PNGs are converted from the SVGs with CairoSVG (`pip install cairosvg`; it needs libcairo2) or, when
that is missing, with `rsvg-convert` (Debian: `apt-get install librsvg2-bin`).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mocktui.engine.pipeline import MockEngine  # noqa: E402
from mocktui.engine.spec.read import load_spec  # noqa: E402
from mocktui.engine.steer.controls import Controls  # noqa: E402
from mocktui.engine.stores.memory import MemoryStore  # noqa: E402
from mocktui.runtime import assemble  # noqa: E402
from mocktui.server.runner import PortInUse, bind  # noqa: E402
from mocktui.settings.table import Settings  # noqa: E402
from mocktui.ui.app import MocktuiApp  # noqa: E402
from mocktui.ui.local import LocalBackend  # noqa: E402

MONO = "DejaVu Sans Mono"  # the SVGs name Fira Code, which a converter rarely has


def to_png(svg: Path, png: Path) -> None:
    text = svg.read_text(encoding="utf-8").replace('"Fira Code"', f'"{MONO}"').replace("Fira Code,", f"{MONO},")
    try:
        import cairosvg  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        converter = shutil.which("rsvg-convert")
        if converter is None:
            raise SystemExit("no SVG converter: pip install cairosvg, or apt-get install librsvg2-bin") from None
        subprocess.run([converter, "-o", str(png)], input=text.encode(), check=True)
        return
    cairosvg.svg2png(bytestring=text.encode(), write_to=str(png))


async def traffic(client: httpx.AsyncClient, api: str) -> None:
    """A frontend's morning: lists, reads, sign-ups, edits, mistakes."""
    for page in (1, 2):
        await client.get(f"{api}/products", params={"page": page, "per_page": 5})
    for product in (1, 2, 3, 4, 2, 1):
        await client.get(f"{api}/products/{product}")
    await client.get(f"{api}/users", params={"page": 1})
    for user in range(1, 6):
        await client.get(f"{api}/users/{user}")
    for i, name in enumerate(["Grace", "Alan", "Barbara", "Edsger"]):
        await client.post(
            f"{api}/users", json={"email": f"{name.lower()}{i}@example.com", "firstName": name, "lastName": "Demo"}
        )
    await client.patch(
        f"{api}/users/2", json={"lastName": "Hopper"}, headers={"content-type": "application/merge-patch+json"}
    )
    await client.post(f"{api}/users", json={"email": "not-an-email", "firstName": 42})
    await client.get(f"{api}/users/99999")
    await client.get(f"{api}/products", params={"per_page": 0})
    await client.get(f"{api}/orders", params={"limit": 3})
    await client.get(f"{api}/users/1/orders")
    await client.delete(f"{api}/users/5")
    await client.get(f"{api}/users/5")
    await client.get(f"{api}/checkout")
    await client.put(f"{api}/products/3", json={"name": "x"})


async def wave(client: httpx.AsyncClient, api: str, app: MocktuiApp, seconds: int = 24) -> None:
    """Load that swells and ebbs for the traffic strip; for a while one route fails most of the time."""
    for k in range(seconds):
        started = time.time()
        if k == 9:
            await app.replace_override("getProduct", {"error_rate": 60})
        if k == 15:
            await app.replace_override("getProduct", None)
        count = int(40 + 35 * math.sin(k / 3.5))
        paths = [f"{api}/products/{i % 7 + 1}" if i % 3 else f"{api}/users/{i % 9 + 1}" for i in range(count)]
        await asyncio.gather(*(client.get(path) for path in paths))
        await asyncio.sleep(max(0.0, 1 - (time.time() - started)))


async def shoot(out: Path, spec_path: str, size: tuple[int, int]) -> list[Path]:
    spec = load_spec(spec_path)
    engine = MockEngine.build(spec, controls=Controls(stateful=True), faker_seed=42, store=MemoryStore(), seed_count=25)
    if engine.state is not None:
        engine.state.seed()
    try:
        sock = bind("127.0.0.1", 3000)
    except PortInUse:
        sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    api = spec.base_path
    app = MocktuiApp(LocalBackend(assemble(engine, sock)))
    saved: list[Path] = []

    def save(name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
        saved.append(path)

    async with app.run_test(size=size) as pilot:
        async with httpx.AsyncClient(base_url=url) as client:
            await traffic(client, api)
            await wave(client, api, app)
            await pilot.pause(0.6)
            app.clear_notifications()
            save("traffic")  # the req/s sparkline and the status-class bar over the last minute
            await pilot.press("d")  # 200-800 ms of latency for a while
            await asyncio.gather(*(client.get(f"{api}/products/{i % 5 + 1}") for i in range(6)))
            await pilot.press("d", "e")  # then half of the requests fail
            for i in range(12):
                await client.get(f"{api}/products/{i % 7 + 1}")
            await pilot.press("e")
            await app.replace_override("getUser", {"status": 404})
            await app.replace_override("listOrders", {"delay": {"min_ms": 300, "max_ms": 300}, "error_rate": 20})
            for i in range(4):
                await client.get(f"{api}/users/{i + 1}")
            await pilot.press("o")
            await client.get(f"{api}/products")
            await client.get(f"{api}/users/1")
        app.clear_notifications()
        await pilot.pause(0.4)
        save("requests")
        await pilot.press("enter")
        await pilot.pause(0.2)
        save("request-detail")
        await pilot.press("escape", "2")
        await pilot.pause(0.2)
        save("routes")
        table = app.routes_pane.table
        table.move_cursor(row=table.get_row_index("getProduct"))
        await pilot.press("enter")
        await pilot.pause(0.2)
        save("override-editor")
        await pilot.press("escape", "3")
        await pilot.pause(0.2)
        save("controls")
        await pilot.press("4")
        await pilot.pause(0.3)
        save("store")
        await pilot.press("enter")
        await pilot.pause(0.2)
        save("record-editor")
        await pilot.press("escape", "5")
        await pilot.pause(0.2)
        save("log")
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        save("help")
        await pilot.press("escape", "1", "o", "t")
        await pilot.pause(0.3)
        save("requests-light")
    return saved


DRIFTING = [  # (method, path, the deviation the backend is asked for: see tests/backend_app.py)
    ("GET", "/api/users", "array-item-type"), ("GET", "/api/users", "missing-header"), ("GET", "/api/users", ""),
    ("GET", "/api/users/1", "wrong-type"), ("GET", "/api/users/1", "format"), ("GET", "/api/users/1", ""),
    ("GET", "/api/users/2", "undeclared-status"), ("GET", "/api/orders/o-1", "nested-type"),
    ("GET", "/api/orders/o-1", "additional-property"), ("GET", "/api/orders/o-2", ""), ("GET", "/api/status", ""),
    ("GET", "/api/report", "xml-type"), ("GET", "/api/users", "array-item-type"), ("GET", "/api/undocumented", ""),
]  # fmt: skip


async def shoot_drift(out: Path, size: tuple[int, int]) -> Path:
    """The Drift pane over a real drifting backend behind `--proxy` (auto mode)."""
    from tests.backend_app import running as backend_running

    with tempfile.TemporaryDirectory() as tmp, backend_running(Path(tmp) / "backend.log") as backend:
        spec = load_spec(str(ROOT / "tests" / "data" / "backend.yaml"))
        engine = MockEngine.build(spec, controls=Controls(mode="auto"))
        sock = bind("127.0.0.1", 0)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = MocktuiApp(LocalBackend(assemble(engine, sock, Settings(proxy=backend.url, proxy_timeout=5.0))))
        async with app.run_test(size=size) as pilot:
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                for method, path, deviation in DRIFTING:
                    await client.request(method, path, headers={"X-Deviate": deviation} if deviation else {})
            await pilot.press("6")
            await pilot.pause(1.2)
            app.clear_notifications()
            await pilot.pause(0.2)
            app.save_screenshot(filename="drift.svg", path=str(out))
    return out / "drift.svg"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="folder for the SVGs and PNGs")
    parser.add_argument("--spec", default=str(ROOT / "specs" / "shop.yaml"))
    parser.add_argument("--size", default="120x40", help="terminal size, WIDTHxHEIGHT (default 120x40)")
    parser.add_argument("--drift-only", action="store_true", help="only the Drift pane (behind a real backend)")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(n) for n in options.size.lower().split("x"))
    saved = [] if options.drift_only else asyncio.run(shoot(out, options.spec, (width, height)))
    saved.append(asyncio.run(shoot_drift(out, (width, height))))
    for svg in saved:
        png = svg.with_suffix(".png")
        to_png(svg, png)
        print(f"{png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
