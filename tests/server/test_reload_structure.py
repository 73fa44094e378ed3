"""A hot reload checks the spec as start-up does: a structurally broken edit keeps the last good spec."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.read import load_spec
from mocktui.engine.spec.structure import load_checked
from mocktui.server.reload import Reloader

from ..helpers import SPECS

PETSTORE = (SPECS / "petstore.yaml").read_text()
TAG = "{name: tag, in: query, schema: {type: string}}"
# The model reads this (bool("yes")); the OpenAPI meta-schema, which start-up checks, refuses it.
BROKEN = PETSTORE.replace(TAG, "{name: tag, in: query, required: 'yes', schema: {type: string}}")


def start_up_error(path: Path) -> str:
    """The one line start-up prints for the spec at `path` (cli: `problem.format()` per problem)."""
    with pytest.raises(SpecError) as refused:
        load_checked(str(path))
    (problem,) = refused.value.problems
    return problem.format()


def test_a_structurally_broken_edit_is_kept_out_with_the_start_up_error(tmp_path: Path) -> None:
    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(PETSTORE)
    engine = MockEngine.build(load_spec(str(spec_file)))
    reloader = Reloader(engine, str(spec_file), interval=0.01)
    before = engine.stages

    spec_file.write_text(BROKEN.replace("/pets/mine:", "/pets/ours:"))
    load_spec(str(spec_file))  # the model alone would have taken it
    line = start_up_error(spec_file)
    assert "required must be a boolean, got 'yes'" in line

    assert asyncio.run(reloader.check()) is False
    assert engine.stages is before
    assert engine.handle(MockRequest("GET", "/pets/ours")).status == 404  # still the old spec
    assert engine.handle(MockRequest("GET", "/pets/mine")).status == 200
    (notice,) = [n for n in engine.events.notices if n.level == "error"]
    assert notice.text == f"kept the last good spec: 1 problem(s): {line}"

    assert reloader.reload_now() == notice.text  # the admin API's reload says the same
    assert engine.stages is before


def test_a_fixed_edit_is_then_served(tmp_path: Path) -> None:
    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(BROKEN)
    engine = MockEngine.build(load_spec(str(spec_file)))
    reloader = Reloader(engine, str(spec_file))
    spec_file.write_text(PETSTORE.replace("/pets/mine:", "/pets/ours:"))
    assert reloader.reload_now().startswith("reloaded api.yaml: ")
    assert engine.handle(MockRequest("GET", "/pets/ours")).status == 200
