"""The scenario registry: one entry per row of the benchmark table.

A scenario says which app it loads (``shoplet`` or the ``bare`` baseline) and how to build its
request against a live app (``prepare``: look up an id, log in, create stock...). It raises
``ScenarioSkipped`` with a reason when the app cannot serve it yet (no catalog routes, no seed
data); the runner reports the reason instead of a number. Later work adds rows (place order,
flash-sale buy) by registering more scenarios here, without touching the runner::

    @scenario("place_order", "Place order", stack_comparison=False, p99_target_ms=200)
    async def place_order(ctx: PrepareContext) -> LoadRequest:
        token = ...
        return LoadRequest("/api/v1/orders", method="POST", body=b"...",
                           headers=(("Authorization", f"Bearer {token}"),))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

# shoplet: the app as shipped; bare: the baseline.
Target = Literal["shoplet", "bare"]


@dataclass(frozen=True)
class LoadRequest:
    """What wrk sends, over and over."""

    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


class ScenarioSkipped(Exception):
    """The app cannot serve this scenario yet; the message says why."""


@dataclass(frozen=True)
class PrepareContext:
    """A client for the app under test (in process or over loopback)."""

    client: httpx.AsyncClient


Prepare = Callable[[PrepareContext], Awaitable[LoadRequest]]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    target: Target
    prepare: Prepare
    # Also run on every server stack (uvicorn/granian x 1/2 workers) to choose the server.
    stack_comparison: bool = False
    # The first available one of these is the request timed for cold start.
    cold_start_probe: bool = False
    p99_target_ms: float | None = 30.0
    # Minimum throughput as a fraction of the bare baseline.
    throughput_target: float | None = None


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str,
    title: str,
    *,
    target: Target = "shoplet",
    stack_comparison: bool = False,
    cold_start_probe: bool = False,
    p99_target_ms: float | None = 30.0,
    throughput_target: float | None = None,
) -> Callable[[Prepare], Prepare]:
    def register(prepare: Prepare) -> Prepare:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} registered twice")
        SCENARIOS[name] = Scenario(
            name=name,
            title=title,
            target=target,
            prepare=prepare,
            stack_comparison=stack_comparison,
            cold_start_probe=cold_start_probe,
            p99_target_ms=p99_target_ms,
            throughput_target=throughput_target,
        )
        return prepare

    return register


async def get_json(ctx: PrepareContext, path: str) -> Any:
    """GET ``path`` expecting 200 JSON; anything else skips the scenario with the reason."""
    try:
        response = await ctx.client.get(path)
    except httpx.HTTPError as exc:
        raise ScenarioSkipped(f"GET {path} failed: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 404 and "json" in response.headers.get("content-type", ""):
        body = response.json()
        if body.get("code") == "http.not_found":
            raise ScenarioSkipped(f"GET {path}: route not there yet (404 http.not_found)")
    if response.status_code != 200:
        raise ScenarioSkipped(f"GET {path} answered {response.status_code}: {response.text[:200]}")
    return response.json()


# -- the rows --------------------------------------------------------------------------------

PRODUCT_LIST = "/api/v1/products?limit=20"


@scenario("bare", "Bare FastAPI JSON (baseline)", target="bare", stack_comparison=True)
async def bare(ctx: PrepareContext) -> LoadRequest:
    await get_json(ctx, "/bare")
    return LoadRequest("/bare")


@scenario(
    "product_list",
    "Product list (20 items)",
    stack_comparison=True,
    cold_start_probe=True,
    throughput_target=0.5,
)
async def product_list(ctx: PrepareContext) -> LoadRequest:
    page = await get_json(ctx, PRODUCT_LIST)
    items = page.get("items") if isinstance(page, dict) else None
    if not items:
        raise ScenarioSkipped("the product list is empty: no seeded catalog")
    if len(items) < 20:
        raise ScenarioSkipped(f"the product list has {len(items)} items, the row needs 20")
    return LoadRequest(PRODUCT_LIST)


@scenario("product_detail", "Product detail")
async def product_detail(ctx: PrepareContext) -> LoadRequest:
    page = await get_json(ctx, PRODUCT_LIST)
    items = page.get("items") if isinstance(page, dict) else None
    if not items:
        raise ScenarioSkipped("the product list is empty: no product to open")
    path = f"/api/v1/products/{items[0]['id']}"
    await get_json(ctx, path)
    return LoadRequest(path)


@scenario("category_tree", "Category tree")
async def category_tree(ctx: PrepareContext) -> LoadRequest:
    tree = await get_json(ctx, "/api/v1/categories")
    if not tree:
        raise ScenarioSkipped("the category tree is empty: no seeded catalog")
    return LoadRequest("/api/v1/categories")
