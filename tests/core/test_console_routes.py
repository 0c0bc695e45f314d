"""The console routers are included on first use (app.py ``ConsoleRoutes``): the first request
under /api/v1/console, the OpenAPI document or ``load_console_routes``; they take the place
they had when included at assembly, and their own body limits hold from the first request."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import Mount

from shoplet.app import CONSOLE_PREFIX, ConsoleRoutes, load_console_routes
from shoplet.modules import MODULES


def _console(app: FastAPI) -> ConsoleRoutes:
    console: ConsoleRoutes = app.state.console_routes
    return console


def _paths(app: FastAPI) -> list[str]:
    """Each entry of the routing table: a route's path, or an included router's prefix."""
    return [
        route.include_context.prefix
        if isinstance(route, _IncludedRouter)
        else getattr(route, "path", "")
        for route in app.router.routes
    ]


async def test_the_first_console_request_includes_the_console_routes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert not _console(app).loaded
    assert not [p for p in _paths(app) if p.startswith(CONSOLE_PREFIX)]
    storefront = await client.get("/api/v1/categories")
    assert storefront.status_code == 200
    assert not _console(app).loaded

    response = await client.get(f"{CONSOLE_PREFIX}/auth/me")
    assert response.status_code == 401  # the route answered, not a 404
    assert response.json()["code"] != "http.not_found"
    assert _console(app).loaded
    count = len(app.router.routes)
    load_console_routes(app)  # once only
    assert len(app.router.routes) == count


async def test_the_console_routes_sit_where_assembly_put_them(app: FastAPI) -> None:
    before = _paths(app)
    load_console_routes(app)
    after = _paths(app)
    console = [i for i, p in enumerate(after) if p.startswith(CONSOLE_PREFIX)]
    assert len(console) == len(MODULES)  # one router per module
    # One block, right after the storefront API, ahead of the mounts (media, simulators, front
    # ends, which may own "/"), and nothing else moved.
    assert console == list(range(console[0], console[-1] + 1))
    assert after[: console[0]] == before[: console[0]]
    assert after[console[-1] + 1 :] == before[console[0] :]
    media = next(
        i for i, r in enumerate(app.router.routes) if isinstance(r, Mount) and r.path == "/media"
    )
    assert console[-1] < media


async def test_the_openapi_document_lists_the_console_routes(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert _console(app).loaded
    assert f"{CONSOLE_PREFIX}/auth/login" in paths
    assert f"{CONSOLE_PREFIX}/media" in paths
    assert "/api/v1/products" in paths


async def test_an_upload_as_first_console_request_gets_its_own_body_limit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """2 MB is over the default body limit (1 MB) and under the image upload's (5 MB): the
    upload's limit applies, so the answer is the sign-in check's 401, not a 413."""
    assert not _console(app).loaded
    body = b"x" * (2 * 1024 * 1024)
    headers = {"content-type": "multipart/form-data; boundary=b"}
    response = await client.post(f"{CONSOLE_PREFIX}/media", content=body, headers=headers)
    assert response.status_code == 401
    too_big = await client.post(f"{CONSOLE_PREFIX}/auth/login", content=body, headers=headers)
    assert too_big.status_code == 413
