"""Which specs to serve, and where: SPEC..., `specs:` in mocktui.yaml, --mount / MOUNT / `mount:`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.cli import serve_parser
from mocktui.settings.resolve import ConfigError, resolve
from mocktui.settings.table import Settings


def options(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Settings:
    return resolve(serve_parser().parse_args(args), environ=env or {}, cwd=cwd or Path("/nonexistent"))


def test_one_spec_or_several_from_the_arguments() -> None:
    one = options(["a.yaml"])
    assert (one.spec, one.specs, dict(one.mounts)) == ("a.yaml", ("a.yaml",), {})
    two = options(["a.yaml", "b.yaml", "--mount", "/billing=b.yaml", "--mount", "/c/=c.yaml"])
    assert two.spec == "a.yaml" and two.specs == ("a.yaml", "b.yaml", "c.yaml")  # a file only mounted is served
    assert dict(two.mounts) == {"b.yaml": "/billing", "c.yaml": "/c/"}
    assert options([]).specs == () and options([]).spec is None


def test_specs_and_mounts_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "mocktui.yaml").write_text("specs: [users.yaml, billing.yaml]\nmount: {/billing: billing.yaml}\n")
    o = options([], cwd=tmp_path)
    assert o.specs == ("users.yaml", "billing.yaml") and dict(o.mounts) == {"billing.yaml": "/billing"}
    # The arguments replace `specs:`; a file `mount:` names is served wherever it is named.
    assert options(["x.yaml"], cwd=tmp_path).specs == ("x.yaml", "billing.yaml")
    env = options([], env={"MOUNT": "/u=users.yaml,/b=billing.yaml"}, cwd=tmp_path)
    assert dict(env.mounts) == {"users.yaml": "/u", "billing.yaml": "/b"}


def test_bad_mounts_and_specs_name_their_source(tmp_path: Path) -> None:
    wanted = r"--mount: expected /PREFIX=FILE such as /billing=billing.yaml, got 'b.yaml'"
    with pytest.raises(ConfigError, match=wanted):
        options(["a.yaml", "--mount", "b.yaml"])
    (tmp_path / "mocktui.yaml").write_text("specs: [{file: a.yaml}]\n")
    with pytest.raises(ConfigError, match=r"specs: expected a list of files"):
        options([], cwd=tmp_path)
