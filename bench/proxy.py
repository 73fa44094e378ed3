"""What `--proxy` costs: the backend called directly vs through mocktui (and Prism's proxy), in one run.

1. HTTP clients: mocktui's own (mocktui/server/upstream.py), aiohttp, httpx and httpcore streaming the same GET
   from the backend: req/s and the client's CPU per request (why the proxy has its own).
2. Added latency (wrk, 1 connection: p50, p99) and throughput (wrk, --connections) of GET /api/users/1
   on tests/backend_app.py (a Starlette app; its answer is checked against tests/data/backend.yaml):
   direct, through mocktui, through `prism proxy` when Prism is installed (`npm install @stoplight/prism-cli`
   in /tmp/peers, as ../shared/peer-bench/setup-peers.sh does; or PRISM=/path/to/prism).
3. RSS growth of the proxy while a 50 MB body streams through it, down and up.

"server CPU µs/req" is the CPU the serving process (the backend for `direct`, else the proxy) spent per
request during the loaded run: on a shared machine it moves far less than req/s does.

Servers (the backend and the proxy) are pinned to core 0, wrk and the clients to core 1; each case is
warmed for a second, and the median of --repeat rounds is shown. Usage: python bench/proxy.py [--duration 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from run import free_port, pinned  # the same port picking and core pinning as the other benches

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
SPEC = str(ROOT / "tests" / "data" / "backend.yaml")
PATH = "/api/users/1"
BIG = 50 * 1024 * 1024


def start(cmd: list[str], port: int, probe: str = PATH) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(pinned(0, cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {probe} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"did not start: {cmd}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(port: int, seconds: float, connections: int) -> dict[str, float]:
    out = subprocess.run(
        pinned(1, ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", f"http://127.0.0.1:{port}{PATH}"]),
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "requests": done, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"),
            "non2xx": float(bad.group(1)) if bad else 0}  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` so far: what a request costs the server, whatever else runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# -- 1. clients ------------------------------------------------------------------------


def clients(port: int, seconds: float, connections: int) -> dict[str, tuple[float, float]]:
    """(req/s, CPU µs per request) of each client streaming GET PATH, `connections` at once over one pool."""
    import httpcore
    import httpx

    sys.path.insert(0, str(ROOT))
    from mocktui.server.upstream import Upstream

    url = f"http://127.0.0.1:{port}{PATH}"

    async def rate(one: Callable[[], Awaitable[None]]) -> tuple[float, float]:
        done = 0
        cpu = time.process_time()
        until = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < until:
                await one()
                done += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        return done / seconds, (time.process_time() - cpu) / max(done, 1) * 1e6

    async def main() -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        upstream = Upstream("http", "127.0.0.1", port, timeout=10)

        async def via_mocktui() -> None:
            response = await upstream.request("GET", PATH, [], b"")
            try:
                while await response.read():
                    pass
            finally:
                response.release()

        await rate(via_mocktui)  # warm
        out["mocktui"] = await rate(via_mocktui)
        await upstream.close()
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=512)) as client:

            async def via_httpx() -> None:
                async with client.stream("GET", url) as r:
                    async for _ in r.aiter_raw():
                        pass

            out["httpx"] = await rate(via_httpx)
        async with httpcore.AsyncConnectionPool(max_connections=512) as pool:

            async def via_httpcore() -> None:
                async with pool.stream(b"GET", url, headers=[(b"host", b"127.0.0.1")]) as r:
                    async for _ in r.aiter_stream():
                        pass

            out["httpcore"] = await rate(via_httpcore)
        try:
            import aiohttp  # not a dependency any more: measured when installed (pip install aiohttp)
        except ImportError:
            return out
        connector = aiohttp.TCPConnector(limit=512)
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

            async def via_aiohttp() -> None:
                async with session.get(url) as r:
                    while await r.content.readany():
                        pass

            out["aiohttp"] = await rate(via_aiohttp)
        return out

    import uvloop

    return uvloop.run(main())


# -- 3. big bodies ----------------------------------------------------------------------


class PeakRSS:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> PeakRSS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def big_body(port: int, pid: int, upload: bool = True) -> dict[str, float]:
    """Peak RSS growth (MB) of process `pid` while 50 MB go down (GET /api/download) and up (POST /api/echo)."""
    import httpx

    def chunks() -> Iterator[bytes]:
        block = b"y" * (256 * 1024)
        for _ in range(BIG // len(block)):
            yield block

    base = f"http://127.0.0.1:{port}"
    httpx.get(f"{base}/api/download", params={"size": 4 << 20}, timeout=60)  # warm
    before = rss_mb(pid)
    started = time.perf_counter()
    with PeakRSS(pid) as down, httpx.stream("GET", f"{base}/api/download", params={"size": BIG}, timeout=120) as r:
        size = sum(len(part) for part in r.iter_raw())
    seconds = time.perf_counter() - started
    assert size == BIG, size
    out = {"down_mb": down.peak - before, "down_mb_s": BIG / seconds / 1e6}
    if upload:
        with PeakRSS(pid) as up:
            r2 = httpx.post(
                f"{base}/api/echo", content=chunks(), timeout=120, headers={"content-type": "application/octet-stream"}
            )
        assert r2.json()["size"] == BIG, r2.text
        out["up_mb"] = up.peak - before
    return out


# -- main --------------------------------------------------------------------------------


def prism_binary() -> str | None:
    for candidate in (os.environ.get("PRISM"), "/tmp/peers/node_modules/.bin/prism", shutil.which("prism")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per case")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is shown")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/proxy.py needs wrk (apt-get install wrk)")
    backend_port = free_port()
    backend = start([PY, "-m", "tests.backend_app", str(backend_port)], backend_port)
    upstream = f"http://127.0.0.1:{backend_port}"
    prism = prism_binary()
    proxies: dict[str, Callable[[int], list[str]]] = {
        "mocktui --proxy": lambda port: [
            PY,
            "-m",
            "mocktui",
            SPEC,
            "--headless",
            "--port",
            str(port),
            "--proxy",
            upstream,
            "--log-level",
            "warning",
        ],
    }
    if prism:
        proxies["prism proxy"] = lambda port: [
            prism,
            "proxy",
            SPEC,
            upstream,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "--errors",
            "false",
        ]
    try:
        os.sched_setaffinity(0, {1})
        print(f"HTTP clients, streaming GET {PATH} from the backend, {args.connections} concurrent:")
        for name, (rps, cpu) in clients(backend_port, args.duration, args.connections).items():
            print(f"  {name}: {rps:,.0f} req/s, {cpu:.0f} µs CPU per request")
        runs: dict[str, list[dict[str, float]]] = {"direct": [], **{name: [] for name in proxies}}
        big: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):
            for name in runs:
                proc, port = None, backend_port
                if name != "direct":
                    port = free_port()
                    proc = start(proxies[name](port), port)
                try:
                    wrk(port, 1, args.connections)  # warm
                    one = wrk(port, args.duration, 1)
                    server = (proc or backend).pid
                    cpu = cpu_seconds(server)
                    many = wrk(port, args.duration, args.connections)
                    cpu = (cpu_seconds(server) - cpu) / max(many["requests"], 1) * 1e6
                    runs[name].append(
                        {
                            "p50": one["p50"],
                            "p99": one["p99"],
                            "rps": many["rps"],
                            "p99_loaded": many["p99"],
                            "non2xx": one["non2xx"] + many["non2xx"],
                            "cpu_us": cpu,
                        }
                    )
                    if proc is not None and name not in big:
                        big[name] = big_body(port, proc.pid, upload=name.startswith("mocktui"))
                finally:
                    if proc is not None:
                        stop(proc)
        report(runs, big, args)
    finally:
        stop(backend)


def report(runs: dict[str, list[dict[str, float]]], big: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    print(
        f"\nGET {PATH}: 1 connection for latency, {args.connections} for req/s; {args.duration:g} s per case, "
        f"median of {args.repeat} rounds; servers on core 0, wrk on core 1\n"
    )
    columns = "p50 ms | p99 ms | added p50 ms | added p99 ms | req/s | p99 ms loaded | server CPU µs/req | non-2xx"
    print(f"| path | {columns} |")
    print("|---|---|---|---|---|---|---|---|---|")
    d50, d99 = median("direct", "p50"), median("direct", "p99")
    for name in runs:
        p50, p99 = median(name, "p50"), median(name, "p99")
        added = "" if name == "direct" else f"{p50 - d50:+.2f} | {p99 - d99:+.2f}"
        print(
            f"| {name} | {p50:.2f} | {p99:.2f} | {added or ' | '} | {median(name, 'rps'):,.0f} | "
            f"{median(name, 'p99_loaded'):.1f} | {median(name, 'cpu_us'):.0f} | {median(name, 'non2xx'):.0f} |"
        )
    if "prism proxy" in runs:
        pairs = zip(runs["mocktui --proxy"], runs["prism proxy"], strict=True)
        ratios = [ours["rps"] / theirs["rps"] for ours, theirs in pairs]
        print(
            f"\nmocktui --proxy / prism proxy throughput: {statistics.median(ratios):.1f}x "
            f"(each round: {', '.join(f'{r:.1f}x' for r in ratios)}); CPU per forwarded request: "
            f"{median('prism proxy', 'cpu_us') / median('mocktui --proxy', 'cpu_us'):.1f}x less"
        )
    print(f"\n{BIG >> 20} MB bodies through the proxy (peak RSS growth over the proxy's RSS before):")
    for name, figures in big.items():
        up = f", up {figures['up_mb']:.1f} MB" if "up_mb" in figures else ""
        print(f"  {name}: down {figures['down_mb']:.1f} MB ({figures['down_mb_s']:,.0f} MB/s){up}")


if __name__ == "__main__":
    main()
