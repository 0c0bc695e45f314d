"""HTTP caching helpers on a tiny FastAPI app (the catalog routes adopt them later)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from shoplet.core.cache import CachedBody
from shoplet.core.http_cache import (
    NO_STORE,
    PRIVATE_ROUTE,
    cached_json,
    etag_for,
    if_none_match,
    private_json,
    public_cache_control,
)

PUBLIC = "public, max-age=30, stale-while-revalidate=120"


class Product(BaseModel):
    id: int
    title: str


def make_app() -> FastAPI:
    app = FastAPI()
    state = {"title": "纯棉T恤"}

    @app.get("/products/1")
    async def product(request: Request) -> Response:
        return cached_json(request, Product(id=1, title=state["title"]))

    @app.get("/categories")
    async def categories(request: Request) -> Response:
        return cached_json(request, b'[{"id":1,"name":"\xe6\x89\x8b\xe6\x9c\xba"}]', max_age=300)

    @app.get("/me/addresses", openapi_extra=PRIVATE_ROUTE)
    async def addresses(request: Request) -> Response:
        return cached_json(request, {"items": [{"phone": "138****0000"}]})

    @app.get("/me/orders")
    async def orders(request: Request) -> Response:
        return private_json(request, {"items": []})

    @app.post("/products/1/title")
    async def rename(request: Request) -> Response:
        state["title"] = (await request.json())["title"]
        return cached_json(request, {"ok": True})

    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as client:
        yield client


async def test_public_read_has_strong_etag_and_cache_headers(http: httpx.AsyncClient) -> None:
    response = await http.get("/products/1")
    body = '{"id":1,"title":"纯棉T恤"}'.encode()
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    assert response.headers["cache-control"] == PUBLIC
    assert response.headers["vary"] == "Accept-Encoding"


async def test_bytes_are_sent_as_they_are(http: httpx.AsyncClient) -> None:
    response = await http.get("/categories")
    assert response.content == '[{"id":1,"name":"手机"}]'.encode()
    assert response.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=120"
    assert response.headers["etag"] == etag_for(response.content)


async def test_matching_if_none_match_is_304_without_body(http: httpx.AsyncClient) -> None:
    etag = (await http.get("/products/1")).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await http.get("/products/1", headers={"If-None-Match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == PUBLIC
        assert response.headers["vary"] == "Accept-Encoding"
        assert "content-length" not in response.headers


async def test_changed_body_gets_a_new_etag_and_a_full_response(http: httpx.AsyncClient) -> None:
    old = (await http.get("/products/1")).headers["etag"]
    await http.post("/products/1/title", json={"title": "亚麻衬衫"})
    response = await http.get("/products/1", headers={"If-None-Match": old})
    assert response.status_code == 200
    assert response.json() == {"id": 1, "title": "亚麻衬衫"}
    assert response.headers["etag"] != old


async def test_stale_or_malformed_validators_get_the_body(http: httpx.AsyncClient) -> None:
    for header in ('"nope"', "", "W/", ","):
        response = await http.get("/products/1", headers={"If-None-Match": header})
        assert response.status_code == 200
        assert response.json() == {"id": 1, "title": "纯棉T恤"}


async def test_authorized_requests_are_never_stored(http: httpx.AsyncClient) -> None:
    etag = (await http.get("/products/1")).headers["etag"]
    response = await http.get(
        "/products/1", headers={"Authorization": "Bearer token", "If-None-Match": etag}
    )
    assert response.status_code == 200
    assert response.json() == {"id": 1, "title": "纯棉T恤"}
    assert response.headers["cache-control"] == NO_STORE == "private, no-store"
    assert "etag" not in response.headers


async def test_routes_marked_private_are_never_stored(http: httpx.AsyncClient) -> None:
    for path in ("/me/addresses", "/me/orders"):
        response = await http.get(path, headers={"If-None-Match": "*"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers


async def test_non_read_methods_never_answer_304(http: httpx.AsyncClient) -> None:
    etag = etag_for(b'{"ok":true}')
    response = await http.post(
        "/products/1/title", json={"title": "x"}, headers={"If-None-Match": etag}
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_if_none_match_follows_weak_comparison() -> None:
    assert if_none_match('"a"', '"a"')
    assert if_none_match('W/"a"', '"a"')
    assert if_none_match(' "b" , W/"a" ', '"a"')
    assert not if_none_match('"ab"', '"a"')
    assert not if_none_match(None, '"a"')


def test_cache_control_rejects_negative_ages() -> None:
    assert public_cache_control(0, 0) == "public, max-age=0, stale-while-revalidate=0"
    with pytest.raises(ValueError, match="negative"):
        public_cache_control(-1, 10)


async def test_a_cache_entry_is_sent_with_the_etag_it_was_stored_with() -> None:
    body = b'{"id":2}'
    entry = CachedBody.of(body)
    app = FastAPI()

    @app.get("/entry")
    async def read(request: Request) -> Response:
        return cached_json(request, entry, max_age=3, swr=10)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as client:
        response = await client.get("/entry")
        assert response.content == body
        assert response.headers["etag"] == entry.etag == etag_for(body)
        assert response.headers["content-length"] == str(len(body))
        assert response.headers["cache-control"] == "public, max-age=3, stale-while-revalidate=10"
        assert response.headers["vary"] == "Accept-Encoding"
        revalidated = await client.get("/entry", headers={"If-None-Match": f'"x", {entry.etag}'})
        assert revalidated.status_code == 304
        assert revalidated.content == b""
        assert revalidated.headers["etag"] == entry.etag
        private = await client.get("/entry", headers={"Authorization": "Bearer t"})
        assert private.headers["cache-control"] == NO_STORE
        assert "etag" not in private.headers


def test_a_not_found_entry_has_no_body_to_send() -> None:
    request = Request({"type": "http", "method": "GET", "headers": [], "path": "/"})
    with pytest.raises(ValueError, match="no body"):
        cached_json(request, CachedBody.of(None))
