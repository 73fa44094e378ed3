"""Path parameters flow into the answer: its own id, its parents' ids, envelopes, links, the static cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.contract.shaping import ANSWERS_KEPT
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ...helpers import validation_errors

SPEC = """openapi: 3.0.3
info: {title: Blog, version: "1"}
servers: [{url: "http://localhost/api"}]
paths:
  /users/{userId}/posts:
    get:
      operationId: listPosts
      parameters: [{name: userId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: posts
          content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Post"}}}}
  /users/{userId}/posts/{postId}:
    get:
      operationId: getPost
      parameters:
        - {name: userId, in: path, required: true, schema: {type: integer}}
        - {name: postId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: a post
          content: {application/json: {schema: {$ref: "#/components/schemas/Post"}}}
  /articles/{slug}:
    get:
      operationId: getArticle
      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: an article in an envelope
          content:
            application/json:
              schema: {type: object, properties: {data: {$ref: "#/components/schemas/Article"}}}
  /things/{thingId}:
    get:
      operationId: getThing
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a thing with a uuid
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: {id: {type: string, format: uuid}, name: {type: string}}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
              examples:
                cat: {value: {id: 1, name: Tiger, self: /api/pets/1}}
        "404":
          description: none
          content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}
  /dogs/{dogId}:
    get:
      operationId: getDog
      parameters: [{name: dogId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a record wrapped in its one object property
          content:
            application/json:
              schema:
                type: object
                required: [dog, message]
                properties:
                  dog: {type: object, required: [id, name], properties: {id: {type: integer}, name: {type: string}}}
                  message: {type: string}
  /cats/{catId}:
    get:
      operationId: getCat
      parameters: [{name: catId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a record without an id field, with one object field
          content:
            application/json:
              schema:
                type: object
                required: [name, owner]
                properties:
                  name: {type: string}
                  owner: {type: object, required: [id], properties: {id: {type: integer, minimum: 100000}}}
components:
  schemas:
    Post:
      type: object
      required: [id, userId, authorId, title]
      properties:
        id: {type: integer, minimum: 1}
        userId: {type: integer}
        authorId: {type: integer}
        title: {type: string}
    Article:
      type: object
      required: [slug, title]
      properties: {slug: {type: string}, title: {type: string}}
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, minimum: 1}
        name: {type: string}
        self: {type: string, format: uri-reference}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "blog.yaml"
    path.write_text(SPEC)
    return path


def engine(spec_file: Path, dynamic: bool = False, seed: int | None = 7) -> MockEngine:
    return MockEngine.build(load_spec(str(spec_file)), controls=Controls(dynamic=dynamic), faker_seed=seed)


def get(mock: MockEngine, path: str, **headers: str) -> MockResponse:
    answer = mock.handle(MockRequest("GET", path, headers={"host": "mock.test", **headers}))
    assert answer.status == 200, answer.body
    return answer


def body(mock: MockEngine, path: str, **headers: str) -> Any:
    return orjson.loads(get(mock, path, **headers).body)


def schema_of(mock: MockEngine, op_id: str) -> Any:
    op = next(o for o in mock.spec.operations if o.id == op_id)
    return mock.spec.bundle(op.responses["200"].content["application/json"].schema)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_post_answers_the_ids_its_path_names_and_only_evident_fields_take_them(
    spec_file: Path, dynamic: bool
) -> None:
    mock = engine(spec_file, dynamic)
    posts = [body(mock, f"/api/users/{user}/posts/{user + 100}") for user in range(1, 6)]
    assert [(p["id"], p["userId"]) for p in posts] == [(u + 100, u) for u in range(1, 6)]
    assert any(p["authorId"] != p["userId"] for p in posts)  # an author is not evidently the path's user
    assert all(validation_errors(schema_of(mock, "getPost"), p) == [] for p in posts)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_every_item_of_a_nested_list_carries_its_parent_id(spec_file: Path, dynamic: bool) -> None:
    posts = body(engine(spec_file, dynamic), "/api/users/7/posts")
    assert len(posts) >= 5 and all(p["userId"] == 7 for p in posts)
    assert len({p["id"] for p in posts}) > 1  # the items' own ids are theirs, not the parent's


def test_a_record_inside_an_envelope_takes_its_slug(spec_file: Path) -> None:
    assert body(engine(spec_file), "/api/articles/hello-world")["data"]["slug"] == "hello-world"


def test_the_single_object_property_wraps_the_record_only_when_it_holds_its_fields(spec_file: Path) -> None:
    mock = engine(spec_file)
    assert body(mock, "/api/dogs/42")["dog"]["id"] == 42
    assert body(mock, "/api/cats/42")["owner"]["id"] != 42  # a cat's owner is not the cat


def test_a_path_value_the_field_cannot_hold_is_left_out(spec_file: Path) -> None:
    mock = engine(spec_file)
    assert body(mock, "/api/things/42")["id"] != "42"  # not a uuid: the generated one stays
    uuid = "6f1c2a3e-8b4d-4c2e-9a7f-1d2e3f4a5b6c"
    assert body(mock, f"/api/things/{uuid}")["id"] == uuid


def test_a_spec_example_is_served_with_the_path_named_fields_substituted(spec_file: Path) -> None:
    mock = engine(spec_file)
    assert body(mock, "/api/pets/42") == {"id": 42, "name": "Tiger", "self": "/api/pets/42"}
    assert body(mock, "/api/pets/42", prefer="example=cat") == {"id": 1, "name": "Tiger", "self": "/api/pets/1"}


def test_an_error_answer_is_not_shaped(spec_file: Path) -> None:
    mock = engine(spec_file)
    answer = mock.handle(MockRequest("GET", "/api/pets/42", headers={"prefer": "code=404"}))
    assert answer.status == 404 and orjson.loads(answer.body).get("id") != 42


def test_static_records_are_one_per_path_reproducible_by_seed_and_kept_encoded(spec_file: Path) -> None:
    mock = engine(spec_file)
    first, again = get(mock, "/api/users/1/posts/42"), get(mock, "/api/users/1/posts/42")
    assert again.body is first.body  # the second answer is the kept encoding: no generation
    other = body(mock, "/api/users/1/posts/43")
    mine = orjson.loads(first.body)
    assert (mine["id"], other["id"]) == (42, 43)
    assert {k: v for k, v in mine.items() if k != "id"} != {k: v for k, v in other.items() if k != "id"}
    assert get(engine(spec_file), "/api/users/1/posts/42").body == first.body  # same --faker-seed: same record
    assert get(engine(spec_file, seed=8), "/api/users/1/posts/42").body != first.body


def test_the_static_cache_of_path_answers_is_bounded(spec_file: Path) -> None:
    mock = engine(spec_file)
    for n in range(ANSWERS_KEPT + 40):
        get(mock, f"/api/articles/a{n}")
    media = mock.operations["getArticle"].responses["200"].media["application/json"]
    assert len(media.answers.kept) == ANSWERS_KEPT
    assert body(mock, "/api/articles/a0")["data"]["slug"] == "a0"  # dropped, then made again the same way


def test_dynamic_answers_change_but_keep_the_path_id(spec_file: Path) -> None:
    mock = engine(spec_file, dynamic=True)
    one, two = body(mock, "/api/users/3/posts/9"), body(mock, "/api/users/3/posts/9")
    assert (one["id"], two["id"], one["userId"]) == (9, 9, 3)
    assert one != two
