"""`mocktui init [DIR]`: a ready project to copy, commit and run.

The files are written from the settings table (`mocktui.settings.table.SETTINGS`), so `.env.example`
and `mocktui.yaml` list every setting there is, with its default and meaning.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
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

DOCKERFILE = f"""\
FROM python:3.11-slim
RUN pip install --no-cache-dir "mocktui=={__version__}"
WORKDIR /app
COPY . /app
ENV HOST=0.0.0.0 PORT=3000 HEADLESS=true
EXPOSE 3000
CMD ["mocktui", "{SPEC_NAME}"]
"""

COMPOSE = f"""\
services:
  mock:
    build: .
    ports: ["3000:3000"]
    env_file: [.env]
    environment:
      STORE: redis://redis:6379/0
      STATEFUL_MODE: "true"
    command: ["mocktui", "{SPEC_NAME}", "--workers", "2"]
    depends_on: [redis]
  redis:
    image: redis:7-alpine
    command: ["redis-server", "--appendonly", "yes"]
    volumes: [redis-data:/data]
volumes:
  redis-data: {{}}
"""


def env_example() -> str:
    lines = ["# Every setting mocktui reads from the environment (or from this file copied to .env).", ""]
    for setting in SETTINGS:
        if setting.env is None:
            continue
        lines.append(f"# {_meaning(setting)}" + (f" (flag {setting.flag})" if setting.flag else ""))
        default = "" if setting.default is None else _text(setting.default)
        lines.append(f"# {setting.env}={default}")
        lines.append("")
    lines += ["# Per-collection seed sizes in stateful mode:", "# SEED_USERS=50", ""]
    return "\n".join(lines)


def config_yaml() -> str:
    lines = [
        "# mocktui settings. Precedence: CLI flags > environment > .env > this file > defaults.",
        f"spec: {SPEC_NAME}",
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


def init(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="mocktui init", description="Write a ready mocktui project.")
    parser.add_argument("dir", nargs="?", default=".", help="where to write it (default: here)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    options = parser.parse_args(argv)
    target = Path(options.dir)
    files = {
        SPEC_NAME: SPEC,
        "mocktui.yaml": config_yaml(),
        "scenarios.yaml": SCENARIOS,
        "hooks.py": HOOKS,
        ".env.example": env_example(),
        "Dockerfile": DOCKERFILE,
        "docker-compose.yml": COMPOSE,
    }
    existing = [name for name in files if (target / name).exists()]
    if existing and not options.force:
        print(f"mocktui init: {', '.join(existing)} already in {target}; use --force to overwrite", file=sys.stderr)
        return 2
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote {target / name}")
    print(f"next: cd {target} && mocktui {SPEC_NAME}")
    return 0
