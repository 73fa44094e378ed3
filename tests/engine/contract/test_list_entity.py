"""A list's items are records of the path's resource: `/pets` in a `{data: [...]}` envelope lists pets."""

from __future__ import annotations

from pathlib import Path

import orjson

from mocktui.engine.data.lists import PET_NAMES
from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

SPEC = """openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{name: limit, in: query, schema: {type: integer, minimum: 1, default: 10}}]
      responses:
        "200":
          description: a page of pets, items inline (no $ref says what they are)
          content:
            application/json:
              schema:
                type: object
                required: [data, total]
                properties:
                  total: {type: integer}
                  data:
                    type: array
                    items:
                      type: object
                      required: [id, name]
                      properties: {id: {type: integer}, name: {type: string}}
"""


def test_inline_list_items_of_a_path_entity_get_its_names(tmp_path: Path) -> None:
    (tmp_path / "pets.yaml").write_text(SPEC)
    spec = load_spec(str(tmp_path / "pets.yaml"))
    for dynamic in (False, True):
        engine = MockEngine.build(spec, controls=Controls(dynamic=dynamic), faker_seed=4)
        names = [
            pet["name"]
            for page in range(1, 6)
            for pet in orjson.loads(engine.handle(MockRequest("GET", "/pets", query=f"limit={page + 5}")).body)["data"]
        ]
        assert len(names) >= 30 and all(name in PET_NAMES for name in names), names
