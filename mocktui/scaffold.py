"""`mocktui init [DIR]`: a ready project to copy, commit and run.

The files are written from the settings table (`mocktui.settings.table.SETTINGS`), so `.env.example`
and `mocktui.yaml` list every setting there is, with its default and meaning.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from mocktui import __version__
from mocktui.settings.table import SETTINGS, Setting

SPEC_NAME = "openapi.yaml"

SPEC = """\
openapi: 3.0.3
info: {title: My API, version: "0.1.0"}
paths:
  /users:
    get:
      operationId: listUsers
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1, default: 1}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      responses:
        "200":
          description: A page of users
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/User"}}
    post:
      operationId: createUser
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/User"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
        "422": {description: Invalid user}
  /users/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: getUser
      responses:
        "200":
          description: A user
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
        "404": {description: No such user}
components:
  schemas:
    User:
      type: object
      required: [email, firstName, lastName]
      properties:
        id: {type: integer, readOnly: true}
        email: {type: string, format: email}
        firstName: {type: string}
        lastName: {type: string}
        createdAt: {type: string, format: date-time, readOnly: true}
"""

SCENARIOS = """\
# Scenario rules: the first rule that matches a request decides its answer.
# Run with: mocktui openapi.yaml --scenarios scenarios.yaml  (add pack names to enable built-in packs)
#
# - name: first user creation fails, then works       # like WireMock's scenarios
#   when:
#     operation: createUser
#     call: 1
#   then:
#     status: 503
#     headers: {Retry-After: "1"}
#
# - name: VIP users
#   when:
#     method: GET
#     path: /users/1*
#     headers: {x-tier: vip}
#   then:
#     template: '{"id": {{ path.id }}, "email": "vip@example.com", "firstName": "{{ faker.first_name }}"}'
#
# - name: slow search
#   when:
#     path: /users
#     query: {limit: {gt: 50}}
#   then:
#     delay: 800-1500
#
# - name: flaky
#   when: {operation: getUser}
#   then: {fault: reset}
[]
"""

HOOKS = '''\
"""Hooks for logic a rule cannot express. Run with: mocktui openapi.yaml --hooks hooks.py"""

from mocktui.hooks import on


@on(operation="createUser")
def reserved_emails(request):
    """Refuse sign-ups with a reserved address; return None to let the mock answer as usual."""
    if str(request.json.get("email", "")).endswith("@example.invalid"):
        return {"status": 422, "body": {"message": "this address is reserved"}}
    return None
'''

VENDOR = "mocktui-src"  # the mocktui that wrote the project, so the image runs exactly it (it is on no index)

DOCKERFILE = f"""\
FROM python:3.11-slim
# mocktui {__version__}, copied here by `mocktui init` (mocktui-src/): the image installs exactly it.
COPY {VENDOR} /opt/{VENDOR}
RUN pip install --no-cache-dir /opt/{VENDOR}
WORKDIR /app
COPY . /app
ENV HOST=0.0.0.0 PORT=3000 HEADLESS=true
EXPOSE 3000
CMD ["mocktui", "{{spec}}"]
"""

COMPOSE = """\
# Three replicas of the mock behind a health-checked balancer, one Redis holding what they share:
# records, controls and overrides, the journal, counters (see "Scaling out" in mocktui's README).
# `docker compose up`, then http://localhost:3000 (the admin API at /__mocktui/, ADMIN_TOKEN from .env).
services:
  mock:
    build: .
    deploy: {{replicas: 3}}
    env_file: [.env]
    environment:
      STORE: redis://redis:6379/0
      STATEFUL_MODE: "true"
    command: ["mocktui", "{spec}"]
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/__mocktui/health')"]
      interval: 2s
      timeout: 3s
      retries: 15
    depends_on:
      redis: {{condition: service_healthy}}
  balancer:
    image: haproxy:2.9-alpine
    ports: ["3000:3000"]
    volumes: ["./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"]
    depends_on:
      mock: {{condition: service_healthy}}
  redis:
    image: redis:7-alpine
    command: ["redis-server", "--appendonly", "yes"]
    volumes: [redis-data:/data]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 1s
      timeout: 3s
      retries: 30
volumes:
  redis-data: {{}}
"""

HAPROXY = """\
# The balancer in front of the mock's replicas: round robin over every healthy one. Docker's DNS names
# each replica of `mock`; a replica that fails its check leaves the rotation until it passes again.
global
  log stdout format raw local0

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h  # /__mocktui/events/stream stays open

resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 5s

frontend mock
  bind :3000
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /__mocktui/health
  http-check expect status 200
  server-template mock 3 mock:3000 check inter 2s fall 2 rise 1 resolvers docker init-addr none
"""

DOCKERIGNORE = """\
.env
**/__pycache__
"""

SPEC_GUESSES = ("openapi.yaml", "openapi.yml", "openapi.json", "swagger.yaml", "swagger.yml", "swagger.json",
                "api.yaml", "api.yml", "api.json")  # fmt: skip


def env_example(token: str | None = None) -> str:
    """Every setting, commented out; with `token`, the admin token set (the replicas behind the balancer
    must share one, and a fresh project should not ship a guessable one)."""
    lines = ["# Every setting mocktui reads from the environment (or from this file copied to .env).", ""]
    for setting in SETTINGS:
        if setting.env is None:
            continue
        if token and setting.env == "ADMIN_TOKEN":
            lines += [f"# {_meaning(setting)}, shared by every replica", f"ADMIN_TOKEN={token}", ""]
            continue
        lines.append(f"# {_meaning(setting)}" + (f" (flag {setting.flag})" if setting.flag else ""))
        default = "" if setting.default is None else _text(setting.default)
        lines.append(f"# {setting.env}={default}")
        lines.append("")
    lines += ["# Per-collection seed sizes in stateful mode:", "# SEED_USERS=50", ""]
    return "\n".join(lines)


def config_yaml(spec: str = SPEC_NAME) -> str:
    lines = [
        "# mocktui settings. Precedence: CLI flags > environment > .env > this file > defaults.",
        f"spec: {spec}",
        "",
    ]
    sections: dict[str, list[str]] = {}
    for setting in SETTINGS:
        if setting.key is None:
            continue
        section, _, leaf = setting.key.rpartition(".")
        default = "null" if setting.default is None else _text(setting.default, quoted=True)
        sections.setdefault(section, []).append(f"# {leaf}: {default}  # {_meaning(setting)}")
    for section, entries in sections.items():
        if section:
            lines.append(f"# {section}:")
            lines += ["#   " + entry[2:] for entry in entries]
        else:
            lines += entries
        lines.append("")
    lines += ["# seeds:        # records per collection in stateful mode", "#   users: 50", ""]
    return "\n".join(lines)


def _meaning(setting: Setting) -> str:
    """The help, said of the value (a `--no-x` flag's help describes `false`)."""
    return f"false: {setting.help}" if setting.switch and setting.switch_value is False else setting.help


def _text(value: Any, quoted: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if quoted and isinstance(value, str) and not value.replace(".", "").isalnum():
        return json.dumps(value)
    return str(value)


def vendor(target: Path) -> None:
    """Copy the running mocktui into `target` with a pyproject that installs it (dependencies from its
    metadata): a Docker build then needs no package index that has mocktui."""
    source = Path(__file__).resolve().parent
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target / "mocktui", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    requires = [r for r in metadata.requires("mocktui") or [] if "extra ==" not in r]
    dependencies = "".join(f"    {json.dumps(r)},\n" for r in requires)
    (target / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "mocktui"\nversion = "{__version__}"\nrequires-python = ">=3.11"\n'
        f"dependencies = [\n{dependencies}]\n\n"
        '[project.scripts]\nmocktui = "mocktui.cli:main"\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["mocktui*"]\n',
        encoding="utf-8",
    )


def init(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="mocktui init", allow_abbrev=False, description="Write a ready mocktui project."
    )
    parser.add_argument("dir", nargs="?", default=".", help="where to write it (default: here)")
    parser.add_argument("--spec", help="the spec in DIR to use (default: openapi.yaml or the like when present)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist (never the spec)")
    options = parser.parse_args(argv)
    target = Path(options.dir)
    spec = options.spec or next((name for name in SPEC_GUESSES if (target / name).is_file()), None)
    if options.spec and not (target / options.spec).is_file():
        print(f"mocktui init: --spec {options.spec}: no such file in {target}", file=sys.stderr)
        return 2
    files = {
        "mocktui.yaml": config_yaml(spec or SPEC_NAME),
        "scenarios.yaml": SCENARIOS,
        "hooks.py": HOOKS,
        ".env.example": env_example(),
        ".env": env_example(token=secrets.token_urlsafe(18)),
        "Dockerfile": DOCKERFILE.replace("{spec}", spec or SPEC_NAME),
        ".dockerignore": DOCKERIGNORE,
        "docker-compose.yml": COMPOSE.format(spec=spec or SPEC_NAME),
        "haproxy.cfg": HAPROXY,
    }
    if spec is None:
        files = {SPEC_NAME: SPEC, **files}
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = target / name
        if path.exists() and not options.force:
            print(f"kept {path} (it exists; --force overwrites)")
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    vendor(target / VENDOR)
    print(f"wrote {target / VENDOR}/ (mocktui {__version__}, for the Docker image)")
    if spec is not None:
        print(f"using your spec {target / spec}")
    print(f"next: cd {target} && mocktui {spec or SPEC_NAME}   (or: docker compose up)")
    return 0
