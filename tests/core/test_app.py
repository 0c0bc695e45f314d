from __future__ import annotations

import re

import httpx


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database_and_redis(client: httpx.AsyncClient, backend: str) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    if backend == "postgres":
        assert checks["redis"] == "ok"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "http.not_found"
    assert body["status"] == 404
    assert {"type", "title", "detail"} <= body.keys()


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert (
        'shoplet_http_requests_total{method="GET",role="all",route="/healthz",status="200"}'
        in response.text
    )
    assert "shoplet_http_request_duration_seconds_bucket" in response.text


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Shoplet API"


async def _page_assets(client: httpx.AsyncClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    # Every URL in the page is on this server: no CDN, no web fonts, no public validator.
    assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", html), html
    assert "cdn." not in html
    assert "fonts.googleapis" not in html
    return re.findall(r"(?:src|href)=[\"']?(/[^\"' >]+)", html) + re.findall(
        r"url: '([^']+)'", html
    )


async def test_swagger_ui_and_redoc_are_served_offline(client: httpx.AsyncClient) -> None:
    swagger = await _page_assets(client, "/docs")
    redoc = await _page_assets(client, "/redoc")
    assert "/static/docs/swagger-ui-bundle.js" in swagger
    assert "/static/docs/swagger-ui.css" in swagger
    assert "/static/docs/redoc.standalone.js" in redoc
    for url in {*swagger, *redoc}:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert "validatorUrl" in (await client.get("/docs")).text
    redirect = await client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200


async def test_favicon(client: httpx.AsyncClient) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert response.headers["cache-control"].startswith("public")
