"""Stateful mode with 100,000 records per store kind, beside the same run's baselines.

For memory, SQLite and Redis: GET an item, GET a 20-record page deep in the collection
(page 2,500), POST, PATCH; plus the process RSS with 0 and with 100,000 seeded records and
how long seeding took. Baselines in the same run: bare Starlette (fixed 1 KB) and the
stateless mock's dynamic 10-item list. Redis must listen on 127.0.0.1:6379 (db 14 is used
and flushed). Usage: python bench/stateful.py [--records 100000] [--duration 5] [--seeding-only]

First, seeding with references: specs/shop.yaml with 100,000 records across users, products
and orders (every order references a user and its line items products), per store kind, timed
from the process start to its first answer. Seeding re-read the referenced collection for
every order until it indexed it once: 6,000 records took 15 s; the goal is under 10 s for 100,000.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

from run import CASES, HERE, PY, Case, asyncio_load, free_port, rss_mb, start, status_of, wrk

SPEC = str(HERE / "store-bench.yaml")
SHOP = str(HERE.parent / "specs" / "shop.yaml")
REDIS = "redis://127.0.0.1:6379/14"


def mock(store: str, records: int, port: int) -> list[str]:
    return [
        PY, "-m", "mocktui", SPEC, "--headless", "--port", str(port), "--log-level", "warning",
        "--stateful", "--store", store, "--seed", str(records), "--faker-seed", "1",
    ]  # fmt: skip


def related(records: int, tmp: str) -> None:
    """Seed the shop's related collections (`records` in all) per store kind; print the seconds to ready."""
    third = records // 3
    counts = {"SEED_USERS": third, "SEED_PRODUCTS": third, "SEED_ORDERS": records - 2 * third}
    saved = {name: os.environ.get(name) for name in counts}
    os.environ.update({name: str(n) for name, n in counts.items()})
    try:
        for kind, url in {"memory": "memory", "sqlite": f"sqlite:{tmp}/shop.db", "redis": REDIS}.items():
            if kind == "redis":
                subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
            port = free_port()
            argv = [
                PY, "-m", "mocktui", SHOP, "--headless", "--port", str(port), "--log-level", "warning",
                "--store", url, "--faker-seed", "1",
            ]  # fmt: skip
            proc, took = start(argv, port, f"/api/v1/orders/{counts['SEED_ORDERS']}")
            try:
                order = status_of(port, Case("order", [], f"/api/v1/orders/{counts['SEED_ORDERS']}"))
            finally:
                proc.terminate()
                proc.wait(10)
            verdict = "under 10 s" if took < 10 else "OVER 10 s"
            print(
                f"{kind}: seeded {records:,} related records (users {third:,}, products {third:,}, orders "
                f"{counts['SEED_ORDERS']:,}: userId and items[].productId) and answered in {took:.1f} s "
                f"({verdict}; last order {order})",
                flush=True,
            )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seeding-only", action="store_true", help="only the related-collections seeding case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        related(args.records, tmp)
    if args.seeding_only:
        return
    load = wrk if shutil.which("wrk") else asyncio_load
    new_item = json.dumps({"name": "Desk lamp", "email": "lamp@example.com", "price": 25.5, "status": "active"})
    middle = args.records // 2
    cases = [
        Case("GET item", [], f"/items/{middle}"),
        Case("GET first page of 20", [], "/items?page=1&limit=20"),
        Case(f"GET page {middle // 20} of 20", [], f"/items?page={middle // 20}&limit=20"),
        Case("POST item", [], "/items", new_item.encode()),
        Case("PATCH item (merge patch)", [], f"/items/{middle + 1}", b'{"price": 19.99}', "PATCH",
             "application/merge-patch+json"),
    ]  # fmt: skip
    rows: list[tuple[str, dict[str, float]]] = []
    for reference in (CASES[0], CASES[2]):  # Starlette baseline, stateless dynamic list
        port = free_port()
        proc, _ = start([PY, *[a.replace("{port}", str(port)) for a in reference.argv]], port, "/pets")
        try:
            load(port, reference, 1, args.connections)
            rows.append((reference.name, load(port, reference, args.duration, args.connections)))
        finally:
            proc.terminate()
            proc.wait(10)
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"memory": "memory", "sqlite": f"sqlite:{tmp}/bench.db", "redis": REDIS}
        for kind, url in stores.items():
            if kind == "redis":
                subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
            port = free_port()
            empty, _ = start(mock("memory" if kind != "sqlite" else f"sqlite:{tmp}/empty.db", 0, port), port, "/items")
            rss_empty = rss_mb(empty.pid)
            empty.terminate()
            empty.wait(10)
            port = free_port()
            seeded, took = start(mock(url, args.records, port), port, "/items/1")
            print(
                f"{kind}: seeded {args.records:,} records in {took:.1f} s; "
                f"RSS {rss_empty:.0f} MB empty, {rss_mb(seeded.pid):.0f} MB seeded"
            )
            try:
                for case in cases:
                    status = status_of(port, case)
                    load(port, case, 1, args.connections)  # warm-up
                    result = load(port, case, args.duration, args.connections)
                    result["status"] = status
                    rows.append((f"{kind}: {case.name}", result))
            finally:
                seeded.terminate()
                seeded.wait(10)
    base = rows[0][1]["rps"]
    print(f"\n{'case':38} {'status':>6} {'req/s':>8} {'vs base':>7} {'p50 ms':>7} {'p99 ms':>7}")
    for name, r in rows:
        status = f"{r['status']:6.0f}" if "status" in r else "   200"
        print(f"{name:38} {status} {r['rps']:8.0f} {r['rps'] / base:7.0%} {r['p50']:7.2f} {r['p99']:7.2f}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
