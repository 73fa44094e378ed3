"""What agreeing costs: server CPU-seconds per 1,000 requests, one process against workers and a Redis plane.

This machine has two cores, so `--workers 2` cannot double raw req/s with the load generator on one of
them; what it can show is whether the work per request stays the same. Every layout runs with its
server processes pinned to core 0 and wrk to core 1, for --duration seconds of the dynamic 10-item
list; the CPU time of the server's whole process tree (supervisor, workers) is read from /proc.

Scaling efficiency = CPU per 1,000 requests of one process / that of `--workers 2` (1.0: no cost).
Control-plane cost = CPU per request with a Redis plane (`--cluster`) over one process alone.
The "followed" layouts keep an `/events/stream` client reading throughout (as `attach` or a control
room would): then every event travels as it happens, which is what following costs.

On a shared VM the same process can take 40 % more CPU for the same work from one run to the next
(another guest's load), so one run per layout compares noise. The layouts run in --rounds rounds,
each round in a rotated order, and the table gives the best and the median round of each. Interference
only ever adds CPU time, so the best round is the closest to a layout's own cost (as `timeit` takes the
minimum); the ratios are of the best rounds, the medians say how noisy the day was.
Usage: python bench/cluster.py [--duration 5] [--rounds 5] [--connections 16]   (Redis on 127.0.0.1:6379, db 13)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from run import CASES, MOCK, PY, Case, free_port, rss_mb, start, wrk

TICKS = os.sysconf("SC_CLK_TCK")
REDIS = "redis://127.0.0.1:6379/13?namespace=bench"


def tree(pid: int) -> list[int]:
    """`pid` and every descendant (workers are children of the supervisor)."""
    out = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            out += tree(int(child))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def follower(port: int) -> None:
    """An `/events/stream` client reading until the mock stops (a daemon thread of this process)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__mocktui/events/stream", timeout=60) as stream:
            while stream.readline():
                pass
    except OSError:  # the mock stopped
        pass


def measure(name: str, extra: list[str], case: Case, seconds: float, connections: int) -> dict[str, float]:
    port = free_port()
    followed = "followed" in name
    argv = [PY, *[a.replace("{port}", str(port)) for a in [*MOCK, "--dynamic", *extra]]]
    proc, _ = start(argv, port, case.path)
    try:
        wrk(port, case, 1, connections)  # warm-up; workers up
        if followed:
            threading.Thread(target=follower, args=(port,), daemon=True).start()
            time.sleep(0.5)  # every process sends its events from now on
        pids = tree(proc.pid)
        before = cpu_seconds(pids)
        result = wrk(port, case, seconds, connections)
        used = cpu_seconds(pids) - before
        requests = result["rps"] * seconds
        result["cpu_per_1k"] = used / requests * 1000
        result["rss"] = sum(rss_mb(pid) for pid in pids)
        result["processes"] = len(pids)
        print(f"  {name}: {result['rps']:,.0f} req/s, {result['cpu_per_1k'] * 1000:.0f} ms CPU per 1,000", flush=True)
        return result
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True)
    case = next(c for c in CASES if "dynamic" in c.name)
    layouts = {
        "one process": [],
        "--workers 1 --cluster (Redis plane)": ["--cluster", REDIS],
        "--workers 2 (supervisor hub)": ["--workers", "2"],
        "--workers 2 --cluster (Redis plane)": ["--workers", "2", "--cluster", REDIS],
        "--workers 2 (hub), followed": ["--workers", "2"],
        "--workers 1 --cluster, followed": ["--cluster", REDIS],
    }
    names = list(layouts)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for n in range(args.rounds):
        print(f"round {n + 1} of {args.rounds}", flush=True)
        for name in names[n % len(names) :] + names[: n % len(names)]:  # rotated: no layout always first
            runs[name].append(measure(name, layouts[name], case, args.duration, args.connections))
    best = {name: min(rows, key=lambda r: r["cpu_per_1k"]) for name, rows in runs.items()}
    median = {name: statistics.median(r["cpu_per_1k"] for r in rows) for name, rows in runs.items()}
    alone = best["one process"]["cpu_per_1k"]
    print(f"\n{'layout':38} {'procs':>5} {'req/s':>8} {'p99 ms':>7} {'CPU ms/1k best':>14} {'median':>6} "
          f"{'vs alone':>8} {'RSS MB':>7}")  # fmt: skip
    for name, r in best.items():
        print(
            f"{name:38} {r['processes']:5.0f} {r['rps']:8.0f} {r['p99']:7.2f} {r['cpu_per_1k'] * 1000:14.0f} "
            f"{median[name] * 1000:6.0f} {alone / r['cpu_per_1k']:8.2f} {r['rss']:7.0f}"
        )
    print(
        f"\nscaling efficiency of --workers 2 (hub): {alone / best['--workers 2 (supervisor hub)']['cpu_per_1k']:.2f}; "
        f"(Redis): {alone / best['--workers 2 --cluster (Redis plane)']['cpu_per_1k']:.2f}; "
        f"control plane cost (Redis, one process): "
        f"{best['--workers 1 --cluster (Redis plane)']['cpu_per_1k'] / alone - 1:+.1%}"
    )


if __name__ == "__main__":
    main()
