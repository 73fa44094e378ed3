"""`mocktui export URL FORMAT [-o FILE]`: what a running mock saw, as a document other tools run.

A thin client of the admin API's `GET /__mocktui/export/{format}` (the same filters as `/events`), so a
mock elsewhere (a container, CI) exports the same document its control room would.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from mocktui.engine.export.formats import FORMATS

FILTERS = ("method", "path", "status", "operation", "since", "session", "limit")


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog="mocktui export", allow_abbrev=False,
        description="Export a running mock's spec and session: a Postman collection, HAR, a pytest file or rules.",
    )  # fmt: skip
    made.add_argument("url", help="the mock's address, e.g. http://127.0.0.1:3000")
    made.add_argument("format", choices=FORMATS, help="postman, har, pytest or scenario")
    made.add_argument("-o", "--output", metavar="FILE", help="where to write (default: standard output)")
    made.add_argument("--token", default=os.environ.get("ADMIN_TOKEN"), help="its admin token, if it has one")
    made.add_argument("--method", help="only requests with this method")
    made.add_argument("--path", help="only requests whose path matches this glob, e.g. /orders*")
    made.add_argument("--status", help="only requests answered so, e.g. 201 or 5xx")
    made.add_argument("--operation", help="only requests of this operationId")
    made.add_argument("--since", type=float, help="only requests after this time (epoch seconds)")
    made.add_argument("--session", help="only requests of this client session")
    made.add_argument("--limit", type=int, help="only the newest N requests")
    return made


def export(argv: Sequence[str]) -> int:
    options = parser().parse_args(argv)
    params = {name: getattr(options, name) for name in FILTERS if getattr(options, name) is not None}
    headers = {"authorization": f"Bearer {options.token}"} if options.token else {}
    url = options.url.rstrip("/") + f"/__mocktui/export/{options.format}"
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=60.0)
    except httpx.HTTPError as exc:
        print(f"mocktui export: cannot reach {options.url}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text[:300]
        print(f"mocktui export: {url}: {response.status_code}: {detail}", file=sys.stderr)
        return 2
    if options.output:
        Path(options.output).write_bytes(response.content)
        print(f"wrote {options.output} ({len(response.content)} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(response.content)
        sys.stdout.flush()
    return 0
