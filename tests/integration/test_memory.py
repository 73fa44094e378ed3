"""A mock's memory stays bounded when a client reaches every answer of a big, tightly linked spec.

Each of Stripe's responses reaches ~500 of its 800 schemas; a compiled validator per response made a
mock grow by ~7 MB for every operation served (3.4 GB after all 468), until a machine ran out."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import yaml

from ..paths import CORPUS
from .processes import mock_process

STRIPE = CORPUS / "stripe.yaml"
LIMIT_MB = 1_200  # measured ~700 after every operation (3,400 before validators were shared and bounded)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no process {pid}")


def test_serving_every_stripe_operation_keeps_the_mock_under_its_memory_bound(tmp_path: Path) -> None:
    paths = yaml.safe_load(STRIPE.read_text())["paths"]
    calls = [(method.upper(), re.sub(r"\{[^}]+\}", "x1", path)) for path, item in paths.items()
             for method in item if method in ("get", "post", "delete")]  # fmt: skip
    assert len(calls) > 400
    statuses: dict[int, int] = {}
    with mock_process([str(STRIPE), "--log-level", "warning"], tmp_path) as mock:
        with httpx.Client(base_url=mock.url, timeout=60, headers={"authorization": "Bearer sk_test_1"}) as client:
            for method, path in calls:
                status = client.request(method, path).status_code
                statuses[status] = statuses.get(status, 0) + 1
        used = rss_mb(mock.proc.pid)
    assert statuses.get(500, 0) == 0 and statuses.get(200, 0) > 300, statuses  # real answers, not refusals
    assert used < LIMIT_MB, f"{used:.0f} MB after {len(calls)} operations"
