"""The control room must not starve the server it shares a loop with; keys must act at once.

1. req/s of the headless mock, then of the same mock inside the running app (in a real
   terminal: tmux, 120x40, the request log pane in front), under the same wrk load.
2. Under ~500 req/s of steady load, the delay from pressing `o` (offline) in the app to the
   first 503, and from pressing it again to the first 200: ten presses.
Needs tmux and wrk (Debian packages). Usage: python bench/tui.py [--duration 5]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import time

import httpx
from run import CASES, PY, SPEC, Case, free_port, start, wrk

SESSION = "mocktui-bench"


def _tui(port: int) -> None:
    command = f"taskset -c 0 {PY} -m mocktui {SPEC} --port {port} --log-level info"  # the core the headless run had
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True, check=False)
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command], check=True)


def _wait(port: int) -> None:
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/__mocktui/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the app did not start")


async def _key_latency(port: int, presses: int) -> list[float]:
    """Steady ~500 req/s from 5 clients; press `o` and time until the answers change."""
    delays: list[float] = []
    state = {"want": 0, "pressed": 0.0}
    stop = asyncio.Event()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            while not stop.is_set():
                started = time.perf_counter()
                status = (await http.get("/pets/1")).status_code
                if state["want"] and status == state["want"] and state["pressed"]:
                    delays.append(time.perf_counter() - state["pressed"])
                    state["want"], state["pressed"] = 0, 0.0
                await asyncio.sleep(max(0.0, 0.01 - (time.perf_counter() - started)))  # ~100 req/s each

    async def presser() -> None:
        await asyncio.sleep(1)
        for i in range(presses):
            state["want"] = 503 if i % 2 == 0 else 200
            state["pressed"] = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", SESSION, "o"], check=True)
            while state["want"]:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.3)
        stop.set()

    await asyncio.gather(*(client() for _ in range(5)), presser())
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not (shutil.which("tmux") and shutil.which("wrk")):
        raise SystemExit("needs tmux and wrk: apt-get install -y tmux wrk")
    case = Case("GET item from example", [], "/pets/1")
    port = free_port()
    headless, _ = start([PY, *[a.replace("{port}", str(port)) for a in CASES[3].argv]], port, "/pets/1")
    try:
        wrk(port, case, 1, args.connections)
        alone = wrk(port, case, args.duration, args.connections)
    finally:
        headless.terminate()
        headless.wait(10)
    port = free_port()
    _tui(port)
    try:
        _wait(port)
        wrk(port, case, 1, args.connections)
        with_ui = wrk(port, case, args.duration, args.connections)
        delays = asyncio.run(_key_latency(port, 10))
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], check=False)
        time.sleep(1)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True, check=False)
    print(f"{'case':34} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
    print(f"{'headless':34} {alone['rps']:8.0f} {alone['p50']:7.2f} {alone['p99']:7.2f}")
    print(f"{'in the app, request log in front':34} {with_ui['rps']:8.0f} {with_ui['p50']:7.2f} {with_ui['p99']:7.2f}")
    print(f"app / headless: {with_ui['rps'] / alone['rps']:.0%}")
    ms = [d * 1000 for d in delays]
    print(f"key press to effect under ~500 req/s: median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms "
          f"({len(ms)} presses)")  # fmt: skip


if __name__ == "__main__":
    main()
