"""Every corpus spec in one process: it starts in under 10 s, and the specs schemathesis checks alone
pass the same checks (and waivers) mounted among the 30 others."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from ..corpus import SPEC_FILES
from ..helpers import CORPUS
from .processes import MockProcess
from .test_schemathesis import CORPUS_SPECS, check_conformance

# The specs whose routes collide with an earlier one's at their base path (Stripe's /v1/... with
# another /v1 spec's, the multi-file petstore's /pet with petstore-v2's): each under its own prefix.
MOUNTED = {"stripe.yaml": "/stripe", "petstore-separate-v2/spec/swagger.yaml": "/petstore-separate-v2"}
START_S = 10.0
EXAMPLES = 3  # per operation (the spec alone gets 10): 15 specs' runs in a bounded time


def _limit() -> float:
    """10 s; more only while the machine runs more than it has cores for (other suites beside this one)."""
    return START_S * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


@pytest.mark.corpus
def test_every_corpus_spec_in_one_process_starts_fast_and_conforms(tmp_path: Path) -> None:
    args = [str(CORPUS / name) for name in SPEC_FILES]
    for name, prefix in MOUNTED.items():
        args += ["--mount", f"{prefix}={CORPUS / name}"]
    limit = _limit()
    started = time.perf_counter()
    mock = MockProcess([*args, "--faker-seed", "7"], tmp_path / "mock.log")
    try:
        mock.wait_ready(timeout=max(60.0, limit * 3))
        took = time.perf_counter() - started
        stat = Path(f"/proc/{mock.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime: what a quiet machine takes
        print(f"31 specs in one process: first answer after {took:.1f} s, {cpu:.1f} s of CPU (limit {limit:.0f} s)")
        assert took < limit, f"31 specs started in {took:.1f} s: {mock.output()}"
        assert cpu < START_S, f"31 specs took {cpu:.1f} s of CPU to start"  # what the load cannot excuse
        specs = httpx.get(mock.url + "/__mocktui/specs", timeout=10).json()
        assert len(specs) == len(SPEC_FILES) == 31
        mounts = {Path(s["file"]).resolve(): s["base_path"] for s in specs}
        assert mounts[(CORPUS / "stripe.yaml").resolve()] == "/stripe"
        for name in CORPUS_SPECS:
            path = CORPUS / name
            out = tmp_path / name.replace("/", "_")
            out.mkdir()
            check_conformance(path, mock.url + mounts[path.resolve()], out, max_examples=EXAMPLES)
    finally:
        mock.stop()
