"""Security headers, API docs and /metrics exposure (docs/production.md, "Trust and exposure")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shoplet.app import create_app
from shoplet.core.headers import APP_CSP, FRAME_ONLY_CSP, HSTS
from tests.conftest import BackendDb, make_context
from tests.production import production_settings

PROXY = "10.9.0.2"


@pytest.fixture
async def production_app(backend_db: BackendDb, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = production_settings(backend_db, tmp_path, metrics_token="metrics-secret")
    application = create_app(settings, context=make_context(backend_db, settings))
    async with application.router.lifespan_context(application):
        yield application
    redis = application.state.ctx.redis
    if redis is not None:
        await redis.aclose()


def client_from(
    app: FastAPI, ip: str = "127.0.0.1", base_url: str = "http://shoplet.test"
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


# -- headers -----------------------------------------------------------------------------------


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/api/v1/products", "/api/v1/nope"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == APP_CSP
        assert "frame-ancestors 'none'" in APP_CSP
        assert "strict-transport-security" not in response.headers


async def test_simulator_cashier_keeps_its_inline_script_but_cannot_be_framed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/_sim/wechatpay/cashier?prepay_id=none")
    assert response.status_code == 404
    assert response.headers["content-security-policy"] == FRAME_ONLY_CSP
    assert response.headers["x-frame-options"] == "DENY"
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == FRAME_ONLY_CSP


async def test_hsts_only_over_https(app: FastAPI) -> None:
    async with client_from(app, base_url="https://shoplet.test") as direct:
        assert (await direct.get("/healthz")).headers["strict-transport-security"] == HSTS
    async with client_from(app) as plain:
        # No trusted proxies in this app: a forwarded scheme is anybody's claim.
        response = await plain.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in response.headers


async def test_hsts_from_a_trusted_proxys_forwarded_proto(production_app: FastAPI) -> None:
    async with client_from(production_app, PROXY) as proxy:
        response = await proxy.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert response.headers["strict-transport-security"] == HSTS
        response = await proxy.get("/healthz", headers={"X-Forwarded-Proto": "http"})
        assert "strict-transport-security" not in response.headers
    async with client_from(production_app, "198.51.100.1") as stranger:
        response = await stranger.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in response.headers


# -- API docs ----------------------------------------------------------------------------------


async def test_api_docs_are_off_in_production(production_app: FastAPI) -> None:
    async with client_from(production_app) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"


async def test_api_docs_in_production_when_asked(backend_db: BackendDb, tmp_path: Path) -> None:
    settings = production_settings(backend_db, tmp_path, public_api_docs=True)
    application = create_app(settings, context=make_context(backend_db, settings))
    async with client_from(application) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 200, path


async def test_api_docs_are_served_when_embedded(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).status_code == 200


# -- /metrics ----------------------------------------------------------------------------------


async def test_metrics_answer_loopback(production_app: FastAPI) -> None:
    async with client_from(production_app, "127.0.0.1") as local:
        response = await local.get("/metrics")
        assert response.status_code == 200
        assert "shoplet_http_requests_total" in response.text


async def test_metrics_are_hidden_from_other_networks(production_app: FastAPI) -> None:
    async with client_from(production_app, "198.51.100.1") as stranger:
        response = await stranger.get("/metrics")
        assert response.status_code == 404
        assert response.json()["code"] == "shoplet.not_found"
        # A forged forwarding header from an untrusted peer does not help either.
        response = await stranger.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        assert response.status_code == 404
    # Behind a trusted proxy the real client counts, not the proxy's own address.
    async with client_from(production_app, PROXY) as proxy:
        response = await proxy.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
        assert response.status_code == 404


async def test_metrics_with_the_bearer_token(production_app: FastAPI) -> None:
    async with client_from(production_app, "198.51.100.1") as scraper:
        response = await scraper.get("/metrics", headers={"Authorization": "Bearer metrics-secret"})
        assert response.status_code == 200
        response = await scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthorized"


async def test_metrics_token_is_refused_when_none_is_configured(
    backend_db: BackendDb, tmp_path: Path
) -> None:
    settings = production_settings(backend_db, tmp_path, metrics_allow=[])
    application = create_app(settings, context=make_context(backend_db, settings))
    async with client_from(application) as local:
        assert (await local.get("/metrics")).status_code == 404
        response = await local.get("/metrics", headers={"Authorization": "Bearer "})
        assert response.status_code == 401
