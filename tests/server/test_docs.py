"""The docs routes over a real socket: the spec as written and bundled, ETags and 304s, the docs copy
("Try it out" at this mock, Prefer choices the mock accepts), the /docs and /api-docs aliases, reloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import yaml

from mocktui.engine.spec.loader import parse_text
from mocktui.server.reload import Reloader

from ..helpers import CORPUS, SPECS, LiveServer, serve

PETSTORE = SPECS / "petstore.yaml"


@pytest.fixture(scope="module")
def petstore() -> Iterator[LiveServer]:
    with serve(PETSTORE, faker_seed=1) as live:
        yield live


def test_spec_as_written_in_json_and_yaml_with_strong_etags_and_304(petstore: LiveServer) -> None:
    written = parse_text(PETSTORE.read_bytes(), str(PETSTORE))
    as_json = httpx.get(petstore.url + "/__mocktui/spec.json")
    as_yaml = httpx.get(petstore.url + "/__mocktui/spec.yaml")
    assert as_json.headers["content-type"] == "application/json" and as_json.json() == written
    assert as_yaml.headers["content-type"] == "application/yaml" and yaml.safe_load(as_yaml.text) == written
    etag = as_json.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/") and etag != as_yaml.headers["etag"]
    again = httpx.get(petstore.url + "/__mocktui/spec.json", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = httpx.get(petstore.url + "/__mocktui/spec.json", headers={"if-none-match": '"not-this-one"'})
    assert other.status_code == 200 and other.json() == written


@pytest.mark.corpus
def test_bundled_spec_is_one_document_with_no_reference_to_another_file() -> None:
    with serve(CORPUS / "redocly-cafe" / "openapi.yaml") as live:
        written = httpx.get(live.url + "/__mocktui/spec.json").json()
        assert written["paths"]["/menu"] == {"$ref": "paths/menu.yaml"}  # as written: refs to other files
        for fmt, load in (("json", orjson.loads), ("yaml", yaml.safe_load)):
            bundled = load(httpx.get(live.url + f"/__mocktui/spec.{fmt}", params={"bundled": "1"}).content)
            assert bundled["paths"]["/menu"]["get"]["operationId"] == "listMenuItems"
            assert ".yaml" not in orjson.dumps({k: v for k, v in bundled.items() if k != "x-tagGroups"}).decode()


def test_docs_copy_calls_this_mock_and_offers_the_declared_statuses_and_examples(petstore: LiveServer) -> None:
    doc = httpx.get(petstore.url + "/__mocktui/api-docs/openapi.json").json()
    assert doc["servers"] == [{"url": petstore.url, "description": "this mock"}]
    prefer = doc["paths"]["/pets/{petId}"]["get"]["parameters"][-1]
    assert prefer["name"] == "Prefer" and prefer["in"] == "header" and not prefer["required"]
    choices = prefer["schema"]["enum"]
    assert {"example=cat", "example=dog", "code=200", "code=404", "code=200, example=cat"} <= set(choices)
    for choice in choices:  # every choice offered is one the mock honours
        answer = httpx.get(petstore.url + "/pets/1", headers={"prefer": choice})
        code = choice.partition("code=")[2].partition(",")[0]
        assert answer.status_code == (int(code) if code else 200), (choice, answer.text)
        if "example=cat" in choice:
            assert answer.json()["name"] == "Tiger"


@pytest.mark.corpus
def test_swagger_2_docs_copy_keeps_the_base_path_and_drops_the_host() -> None:
    with serve(CORPUS / "petstore-v2.yaml") as live:
        doc = httpx.get(live.url + "/__mocktui/api-docs/openapi.json").json()
        assert "host" not in doc and "schemes" not in doc and doc["basePath"] == "/v2"
        prefer = doc["paths"]["/pet/{petId}"]["get"]["parameters"][-1]
        assert prefer["in"] == "header" and prefer["type"] == "string" and "code=404" in prefer["enum"]
        answer = httpx.get(live.url + "/v2/pet/1", headers={"prefer": "code=404", "api_key": "k"})
        assert answer.status_code == 404


def test_docs_aliases_serve_the_docs_page_where_the_spec_leaves_them_free(petstore: LiveServer) -> None:
    for path in ("/docs", "/api-docs", "/__mocktui/api-docs"):
        page = httpx.get(petstore.url + path)
        assert page.status_code == 200 and "/__mocktui/static/swagger-ui-bundle.js" in page.text, path
        assert "default-src 'self'" in page.headers["content-security-policy"]  # the browser asks no one else
        head = httpx.head(petstore.url + path)  # link checkers and curl -I ask first
        assert head.status_code == 200 and head.content == b"" and head.headers["content-type"].startswith("text/html")
    for path in ("/__mocktui/api-docs/redoc", "/__mocktui/spec.json", "/__mocktui/spec.yaml"):
        head = httpx.head(petstore.url + path)
        assert head.status_code == 200 and head.content == b"", path
    redoc = httpx.get(petstore.url + "/__mocktui/api-docs/redoc")
    assert redoc.status_code == 200 and "/__mocktui/static/redoc.standalone.js" in redoc.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        assert httpx.get(petstore.url + "/__mocktui/static/" + asset).status_code == 200  # served here: no CDN


def test_the_mock_wins_where_the_spec_routes_docs(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(yaml.safe_dump({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/docs": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "object", "required": ["mine"], "properties": {"mine": {"const": True}}}}}}}}}},
    }))  # fmt: skip
    with serve(spec) as live:
        assert httpx.get(live.url + "/docs").json() == {"mine": True}
        assert "swagger-ui-bundle.js" in httpx.get(live.url + "/api-docs").text  # still free: the docs


def test_a_reload_changes_the_documents_and_their_etags(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(PETSTORE.read_text())
    with serve(spec) as live:
        url = live.url + "/__mocktui/api-docs/openapi.json"
        before = httpx.get(url)
        assert "/pets/ours" not in before.json()["paths"]
        spec.write_text(PETSTORE.read_text().replace("/pets/mine:", "/pets/ours:"))
        assert Reloader(live.engine, str(spec)).reload_now().startswith("reloaded")
        after = httpx.get(url, headers={"if-none-match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert "/pets/ours" in after.json()["paths"]
        assert "/pets/ours" in httpx.get(live.url + "/__mocktui/spec.json").json()["paths"]


def test_a_reload_that_retitles_and_moves_the_spec_is_followed_by_every_docs_document(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(PETSTORE.read_text())
    with serve(spec) as live:
        page, redoc = httpx.get(live.url + "/__mocktui/api-docs"), httpx.get(live.url + "/__mocktui/api-docs/redoc")
        assert "<title>Petstore - Swagger UI</title>" in page.text and "<title>Petstore - ReDoc</title>" in redoc.text
        written = httpx.get(live.url + "/__mocktui/spec.json")
        moved = PETSTORE.read_text().replace("title: Petstore", "title: Pet Shop")
        spec.write_text(moved.replace("url: http://127.0.0.1:3000", "url: http://127.0.0.1:3000/v2"))
        assert Reloader(live.engine, str(spec)).reload_now().startswith("reloaded")
        for path, view in (("/__mocktui/api-docs", "Swagger UI"), ("/__mocktui/api-docs/redoc", "ReDoc")):
            text = httpx.get(live.url + path).text
            assert f"<title>Pet Shop - {view}</title>" in text and '"title": "Pet Shop"' in text, path
            assert '<b id="mocktui-title">Pet Shop</b>' in text and "Petstore" not in text, path
        again = httpx.get(live.url + "/__mocktui/spec.json", headers={"if-none-match": written.headers["etag"]})
        assert again.status_code == 200 and again.json()["info"]["title"] == "Pet Shop"
        docs = httpx.get(live.url + "/__mocktui/api-docs/openapi.json").json()
        assert docs["info"]["title"] == "Pet Shop" and docs["servers"][0]["url"] == live.url + "/v2"
        assert "/pets/{petId}" in docs["paths"] and httpx.get(live.url + "/v2/pets/1").status_code == 200
