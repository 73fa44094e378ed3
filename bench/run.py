"""Load the mock and a bare Starlette baseline in one run; print req/s, p50, p99, RSS, start-up.

The load generator is a bounded asyncio HTTP/1.1 keep-alive client (N connections, fixed duration),
pinned to another core than the server with taskset when available. Usage: python bench/run.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(core: int, cmd: list[str]) -> list[str]:
    return (["taskset", "-c", str(core)] if shutil.which("taskset") else []) + cmd


def start(cmd: list[str], port: int, probe: str) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    proc = subprocess.Popen(pinned(0, cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE.parent)
    while time.perf_counter() - started < 60:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {probe} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1"):
                    return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"did not start: {cmd}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _conn(port: int, path: str, until: float, lat: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        lat.append(time.perf_counter() - t0)
    writer.close()


def load(port: int, path: str, seconds: float, connections: int) -> dict[str, float]:
    async def main() -> list[float]:
        lat: list[float] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_conn(port, path, until, lat) for _ in range(connections)))
        return lat

    lat = asyncio.run(main())
    q = statistics.quantiles(lat, n=100)
    return {"rps": len(lat) / seconds, "p50": q[49] * 1000, "p99": q[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("taskset"):
        os.sched_setaffinity(0, {1})
    spec = str(HERE / "petstore-bench.yaml")
    cases = [
        (
            "baseline starlette 1KB",
            [
                "-m",
                "uvicorn",
                "--app-dir",
                str(HERE),
                "--port",
                "{port}",
                "--log-level",
                "warning",
                "--no-access-log",
                "baseline_app:app",
            ],
            "/pets",
        ),
        (
            "mocktui dynamic 10-item list",
            ["-m", "mocktui", spec, "--headless", "--dynamic", "--port", "{port}", "--log-level", "warning"],
            "/pets",
        ),
        (
            "mocktui item from example",
            ["-m", "mocktui", spec, "--headless", "--port", "{port}", "--log-level", "warning"],
            "/pets/1",
        ),
    ]
    rows = []
    for name, argv, path in cases:
        port = free_port()
        proc, _ = start([PY, *[a.replace("{port}", str(port)) for a in argv]], port, path)
        try:
            load(port, path, 1, args.connections)  # warm-up
            result = load(port, path, args.duration, args.connections)
            result["rss"] = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
        rows.append((name, result))
    base = rows[0][1]["rps"]
    print(f"{'case':32} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7}")
    for name, r in rows:
        print(f"{name:32} {r['rps']:8.0f} {r['rps'] / base:6.0%} {r['p50']:7.2f} {r['p99']:7.2f} {r['rss']:7.1f}")
    for label, target in (
        ("petstore-bench.yaml", spec),
        ("stripe.yaml", str(HERE.parent.parent / "shared" / "specs-corpus" / "stripe.yaml")),
    ):
        if not Path(target).exists():
            continue
        port = free_port()
        proc, took = start(
            [PY, "-m", "mocktui", target, "--headless", "--port", str(port), "--log-level", "warning"],
            port,
            "/__mocktui/health",
        )
        proc.terminate()
        proc.wait(10)
        print(f"start-up {label}: {took:.2f} s")


if __name__ == "__main__":
    main()
