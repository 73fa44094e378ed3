"""Lists as long as the page asked for, with totals, page fields and links that agree with their items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ...helpers import validation_errors

SPEC = """openapi: 3.0.3
info: {title: Shop, version: "1"}
servers: [{url: "http://localhost/api"}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters: [{name: limit, in: query, schema: {type: integer, minimum: 0, default: 20}}]
      responses:
        "200":
          description: a bounded list
          headers: {X-Total-Count: {schema: {type: integer}}}
          content:
            application/json:
              schema: {type: array, minItems: 1, maxItems: 20, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200": {description: a pet, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}
  /tags:
    get:
      operationId: listTags
      responses:
        "200":
          description: no paging at all
          content:
            application/json:
              schema: {type: array, uniqueItems: true, items: {type: integer, minimum: 1, maximum: 500}}
  /mine:
    get:
      operationId: listMine
      responses:
        "200":
          description: at most three
          content: {application/json: {schema: {type: array, maxItems: 3, items: {type: string}}}}
  /products:
    get:
      operationId: listProducts
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 50}}
        - {name: q, in: query, schema: {type: string}}
      responses:
        "200":
          description: a page envelope
          content:
            application/json:
              schema:
                type: object
                required: [items, total, page, per_page, total_pages, has_more, next]
                properties:
                  items: {type: array, items: {$ref: "#/components/schemas/Pet"}}
                  total: {type: integer, minimum: 0}
                  page: {type: integer, minimum: 1}
                  per_page: {type: integer, minimum: 1}
                  total_pages: {type: integer, minimum: 0}
                  has_more: {type: boolean}
                  next: {type: string, format: uri-reference, nullable: true}
  /orders:
    get:
      operationId: listOrders
      parameters:
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: an offset envelope with its numbers one level down
          content:
            application/json:
              schema:
                type: object
                required: [data, meta]
                properties:
                  data: {type: array, items: {type: object, required: [id], properties: {id: {type: integer}}}}
                  meta:
                    type: object
                    required: [total, offset, limit]
                    properties: {total: {type: integer}, offset: {type: integer}, limit: {type: integer}}
  /sites:
    get:
      operationId: listSites
      parameters:
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: DRF-style, with absolute links
          content:
            application/json:
              schema:
                type: object
                required: [count, next, previous, results]
                properties:
                  count: {type: integer}
                  next: {type: string, format: uri, nullable: true}
                  previous: {type: string, format: uri, nullable: true}
                  results: {type: array, items: {type: object, properties: {id: {type: integer}}}}
  /labels:
    get:
      operationId: listLabels
      parameters: [{name: limit, in: query, schema: {type: integer, minimum: 1}}]
      responses:
        "200":
          description: no page, offset or cursor to ask for more
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: {type: integer}
                  has_more: {type: boolean}
                  results: {type: array, items: {type: object, properties: {name: {type: string}}}}
  /users:
    get:
      operationId: listUsers
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: a spec example of three users
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {type: array, items: {type: object, properties: {name: {type: string}}}}
                  pagination:
                    type: object
                    properties: {page: {type: integer}, limit: {type: integer}, total: {type: integer}}
              example:
                data: [{name: Ada}, {name: Alan}, {name: Grace}]
                pagination: {page: 1, limit: 20, total: 3}
components:
  schemas:
    Pet:
      type: object
      required: [id, name, self]
      properties:
        id: {type: integer, minimum: 1}
        name: {type: string}
        self: {type: string, format: uri-reference}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC)
    return path


def engine(spec_file: Path, dynamic: bool = False) -> MockEngine:
    return MockEngine.build(load_spec(str(spec_file)), controls=Controls(dynamic=dynamic), faker_seed=5)


def get(mock: MockEngine, path: str, query: str = "") -> MockResponse:
    answer = mock.handle(MockRequest("GET", path, query, headers={"host": "mock.test"}))
    assert answer.status == 200, answer.body
    return answer


def body(mock: MockEngine, path: str, query: str = "") -> Any:
    return orjson.loads(get(mock, path, query).body)


def schema_of(mock: MockEngine, op_id: str) -> Any:
    op = next(o for o in mock.spec.operations if o.id == op_id)
    return mock.spec.bundle(op.responses["200"].content["application/json"].schema)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_list_is_as_long_as_the_limit_asked_clamped_to_its_bounds(spec_file: Path, dynamic: bool) -> None:
    mock = engine(spec_file, dynamic)
    lengths = {q: len(body(mock, "/api/pets", q)) for q in ("limit=7", "", "limit=50", "limit=0")}
    assert lengths == {"limit=7": 7, "": 20, "limit=50": 20, "limit=0": 1}
    assert validation_errors(schema_of(mock, "listPets"), body(mock, "/api/pets", "limit=50")) == []


def test_a_smaller_static_page_is_the_start_of_a_bigger_one(spec_file: Path) -> None:
    mock = engine(spec_file)
    ten, four = body(mock, "/api/pets", "limit=10"), body(mock, "/api/pets", "limit=4")
    assert (len(ten), len(four)) == (10, 4) and ten[:4] == four


def test_items_link_to_themselves_and_the_total_header_agrees(spec_file: Path) -> None:
    answer = get(engine(spec_file), "/api/pets", "limit=5")
    pets = orjson.loads(answer.body)
    assert [p["self"] for p in pets] == [f"/api/pets/{p['id']}" for p in pets]
    assert int(dict(answer.headers)["X-Total-Count"]) >= 5


def test_without_paging_a_list_is_a_realistic_page_within_its_schema(spec_file: Path) -> None:
    mock = engine(spec_file, dynamic=True)
    tags = [body(mock, "/api/tags") for _ in range(10)]
    assert all(5 <= len(t) <= 20 and len(set(t)) == len(t) for t in tags)
    assert all(1 <= len(body(mock, "/api/mine")) <= 3 for _ in range(10))


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_page_envelope_agrees_with_its_items_and_the_query(spec_file: Path, dynamic: bool) -> None:
    mock = engine(spec_file, dynamic)
    page = body(mock, "/api/products", "page=2&per_page=5&q=cat")
    assert len(page["items"]) == 5 and (page["page"], page["per_page"]) == (2, 5)
    assert page["total"] >= 10 and page["total_pages"] == -(-page["total"] // 5)
    assert page["has_more"] == (page["total"] > 10)
    assert page["next"] == ("/api/products?page=3&per_page=5&q=cat" if page["has_more"] else None)
    assert validation_errors(schema_of(mock, "listProducts"), page) == []


def test_offset_paging_fills_the_numbers_one_level_down(spec_file: Path) -> None:
    answer = body(engine(spec_file), "/api/orders", "offset=6&limit=3")
    assert len(answer["data"]) == 3
    assert (answer["meta"]["offset"], answer["meta"]["limit"]) == (6, 3) and answer["meta"]["total"] >= 9


def test_a_spec_example_list_is_paged_as_the_whole_collection(spec_file: Path) -> None:
    mock = engine(spec_file)
    assert body(mock, "/api/users") == {
        "data": [{"name": "Ada"}, {"name": "Alan"}, {"name": "Grace"}],
        "pagination": {"page": 1, "limit": 20, "total": 3},
    }
    assert body(mock, "/api/users", "limit=2") == {
        "data": [{"name": "Ada"}, {"name": "Alan"}],
        "pagination": {"page": 1, "limit": 2, "total": 3},
    }
    assert body(mock, "/api/users", "limit=2&page=2") == {
        "data": [{"name": "Grace"}],
        "pagination": {"page": 2, "limit": 2, "total": 3},
    }


def test_static_pages_of_one_collection_tell_one_total_and_link_absolutely_where_asked(spec_file: Path) -> None:
    mock = engine(spec_file)
    pages = [body(mock, "/api/sites", f"limit=3&offset={offset}") for offset in (0, 3, 6)]
    assert len({p["count"] for p in pages}) == 1 and pages[0]["count"] > 9
    assert pages[0]["previous"] is None
    assert pages[1]["next"] == "http://mock.test/api/sites?limit=3&offset=6"
    assert pages[1]["previous"] == "http://mock.test/api/sites?limit=3&offset=0"


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_list_nothing_can_page_is_its_whole_collection(spec_file: Path, dynamic: bool) -> None:
    mock = engine(spec_file, dynamic)
    for query in ("", "limit=4"):
        answer = body(mock, "/api/labels", query)
        assert (answer["count"], answer["has_more"]) == (len(answer["results"]), False)
    assert len(body(mock, "/api/labels", "limit=4")["results"]) == 4
