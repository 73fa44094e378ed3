"""Load the mock and a bare Starlette baseline in one run; print req/s, p50, p99, RSS and start-up.

Every case runs in the same process layout: the server pinned to core 0, the load generator to
core 1. The load generator is wrk (`apt-get install wrk`) when present, else a bounded asyncio
HTTP/1.1 keep-alive client (slower: it measures less than the server can do). Runs are bounded
by --duration per case. Usage: python bench/run.py [--duration 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
SPEC = str(HERE / "petstore-bench.yaml")
CORPUS = HERE.parent.parent / "shared" / "specs-corpus"


def order(valid: bool) -> bytes:
    """A ~1 KB order; the invalid one breaks three fields (schema violations, not malformed JSON)."""
    items = [{"sku": f"ABC-{1000 + i}", "quantity": 2, "price": 9.99, "note": "gift wrap, please"} for i in range(9)]
    body = {
        "customer": {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "phone": "+44 20 7946"},
        "items": items,
        "shipping": {"street": "12 St James's Square", "city": "London", "zip": "SW1Y 4LB", "country": "GB"},
        "createdAt": "2025-01-01T10:00:00Z",
    }
    if not valid:
        body["customer"]["email"] = "not-an-email"  # type: ignore[index]
        items[3]["quantity"] = 0
        body["shipping"]["country"] = "Atlantis"  # type: ignore[index]
    return json.dumps(body).encode()


@dataclass
class Case:
    name: str
    argv: list[str]  # after the python executable; {port} is replaced
    path: str
    body: bytes | None = None
    method: str = ""  # default: POST with a body, else GET
    content_type: str = "application/json"

    @property
    def verb(self) -> str:
        return self.method or ("POST" if self.body is not None else "GET")


BASELINE = ["-m", "uvicorn", "--app-dir", str(HERE), "--port", "{port}", "--log-level", "warning", "--no-access-log"]
MOCK = ["-m", "mocktui", SPEC, "--headless", "--port", "{port}", "--log-level", "warning"]
CASES = [
    Case("baseline: Starlette, fixed 1 KB", [*BASELINE, "baseline_app:app"], "/pets"),
    Case("baseline: Starlette POST, reads body", [*BASELINE, "baseline_app:app"], "/orders", order(True)),
    Case("mocktui GET 10-item list, dynamic", [*MOCK, "--dynamic"], "/pets"),
    Case("mocktui GET item from example", MOCK, "/pets/1"),
    Case("mocktui POST 1 KB, validated", MOCK, "/orders", order(True)),
    Case("mocktui POST 1 KB, invalid -> 422", MOCK, "/orders", order(False)),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(core: int, cmd: list[str]) -> list[str]:
    return (["taskset", "-c", str(core)] if shutil.which("taskset") else []) + cmd


def start(cmd: list[str], port: int, probe: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server and return it with the seconds until it answered its first request."""
    started = time.perf_counter()
    proc = subprocess.Popen(pinned(0, cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE.parent)
    while time.perf_counter() - started < 60:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {probe} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1"):
                    return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise RuntimeError(f"did not start: {cmd}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def status_of(port: int, case: Case) -> int:
    body = case.body or b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        head = f"{case.verb} {case.path} HTTP/1.1\r\nHost: x\r\nContent-Type: {case.content_type}\r\n"
        s.sendall(head.encode() + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        return int(s.recv(64).split(b" ")[1])


# -- load generators -----------------------------------------------------------


def wrk(port: int, case: Case, seconds: float, connections: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "case.lua"
        lua = f'wrk.method = "{case.verb}"\n'
        if case.body is not None:
            lua += f'wrk.headers["Content-Type"] = "{case.content_type}"\nwrk.body = {json.dumps(case.body.decode())}\n'
        script.write_text(lua)
        out = subprocess.run(
            pinned(1, ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script)])
            + [f"http://127.0.0.1:{port}{case.path}"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": _wrk_ms(out, "50%"), "p99": _wrk_ms(out, "99%")}


def _wrk_ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _conn(port: int, request: bytes, until: float, lat: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        lat.append(time.perf_counter() - t0)
    writer.close()


def asyncio_load(port: int, case: Case, seconds: float, connections: int) -> dict[str, float]:
    body = case.body or b""
    request = (
        f"{case.verb} {case.path} HTTP/1.1\r\nHost: bench\r\nContent-Type: {case.content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def main() -> list[float]:
        lat: list[float] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_conn(port, request, until, lat) for _ in range(connections)))
        return lat

    lat = asyncio.run(main())
    q = statistics.quantiles(lat, n=100)
    return {"rps": len(lat) / seconds, "p50": q[49] * 1000, "p99": q[98] * 1000}


# -- main ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per case")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="rounds over all cases; the median round is shown")
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None
    load = wrk if use_wrk else asyncio_load
    if not use_wrk and shutil.which("taskset"):
        os.sched_setaffinity(0, {1})
    print(
        f"load generator: {'wrk' if use_wrk else 'asyncio client'}, {args.connections} connections, "
        f"{args.duration:g} s per case, median of {args.repeat} rounds, server on core 0\n"
    )
    # Rounds interleave the cases, so a noisy moment on the machine hits one round, not one case.
    runs: dict[str, list[dict[str, float]]] = {case.name: [] for case in CASES}
    for _ in range(args.repeat):
        for case in CASES:
            port = free_port()
            proc, _ = start([PY, *[a.replace("{port}", str(port)) for a in case.argv]], port, "/pets")
            try:
                status = status_of(port, case)
                load(port, case, 1, args.connections)  # warm-up
                result = load(port, case, args.duration, args.connections)
                result["rss"] = rss_mb(proc.pid)
                result["status"] = status
            finally:
                proc.terminate()
                proc.wait(10)
            runs[case.name].append(result)
    rows = [(name, sorted(results, key=lambda r: r["rps"])[len(results) // 2]) for name, results in runs.items()]
    base = rows[0][1]["rps"]
    print(f"{'case':38} {'status':>6} {'req/s':>8} {'vs base':>7} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7}")
    for name, r in rows:
        print(
            f"{name:38} {r['status']:6.0f} {r['rps']:8.0f} {r['rps'] / base:7.0%} "
            f"{r['p50']:7.2f} {r['p99']:7.2f} {r['rss']:7.1f}"
        )
    print()
    specs = [("specs/petstore.yaml", str(HERE.parent / "specs" / "petstore.yaml"))]
    specs += [(f"corpus {name}", str(CORPUS / name)) for name in ("stripe.yaml", "openai.json")]
    for label, target in specs:
        if not Path(target).exists():
            continue
        port = free_port()
        proc, took = start(
            [PY, "-m", "mocktui", target, "--headless", "--port", str(port), "--log-level", "warning"],
            port,
            "/__mocktui/health",
        )
        rss = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(10)
        print(f"start-up {label}: {took:.2f} s to first answer, RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
