"""Storefront catalog routes (public, no auth). Management routes are in ``console_api.py``.

Every route here is a hot public read, served the same way:

- the JSON body is built once per cache fill and kept as bytes with its ETag in ``ctx.cache``
  (L1 in process, L2 in Redis, single-flight per key, "not found" cached too); a hit runs no
  SQL and hashes nothing, and a hit near its entry's expiry refreshes it in the background
  (refresh-ahead) while every request keeps getting the current bytes;
- ``cached_json`` sends those bytes as they are (no second validation through
  ``response_model``, which stays only to document the schema) with a strong ETag, ``304`` on
  ``If-None-Match`` and ``Cache-Control: public`` + ``stale-while-revalidate``; a request with
  ``Authorization`` gets ``private, no-store``;
- valid requests skip FastAPI's per-parameter dependency solving (``FastReadRoute``: one
  compiled Pydantic validation of the query and path instead), which was most of a cache hit's
  CPU; anything that does not validate is handed to FastAPI unchanged, so errors and the
  OpenAPI schema are exactly FastAPI's;
- a miss reads through a session of its own that opens no transaction on PostgreSQL
  (autocommit: each SELECT is its own snapshot, as under READ COMMITTED anyway), instead of the
  request-wide ``DbSession`` that would BEGIN and COMMIT around every read, hit or miss.

What invalidates which key, and the TTLs, are in ``service/_common.py`` ("Cache of the storefront
reads").
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.cache import to_json_bytes
from shoplet.core.context import AppContext
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import cached_json
from shoplet.core.params import PathId
from shoplet.core.replicas import replica_session
from shoplet.modules.catalog import service
from shoplet.modules.catalog.errors import BarcodeNotFound, CategoryNotFound, ProductNotFound
from shoplet.modules.catalog.schemas import (
    MAX_ID,
    BarcodeMatch,
    Category,
    ProductDetail,
    ProductPage,
    ProductSort,
)


class FastReadRoute(APIRoute):
    """An ``APIRoute`` whose valid requests bypass FastAPI's dependency solving.

    For an endpoint taking only ``request: Request`` plus scalar query/path parameters, the
    parameters are validated in one go by a Pydantic model built from the endpoint's own
    annotations (the same ``Query``/``Path`` constraints, the same lax coercion of strings
    FastAPI applies) and the endpoint is called directly. A request that does not validate is
    passed to FastAPI's own handler, so its 422 is exactly FastAPI's; the OpenAPI schema comes
    from the unchanged signature. Endpoints must return a ``Response`` (no response-model
    serialisation happens on the fast path). Other endpoints get the standard handler.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        params = _params_model(self.endpoint, self.dependant)
        if params is None:
            return standard
        validate = params.__pydantic_validator__.validate_python
        endpoint: Callable[..., Awaitable[Response]] = self.endpoint
        # Validated arguments by (query string, path parameters): the hot reads repeat the same
        # few URLs, which then skip parsing and validation. Bounded: emptied when full.
        seen: dict[tuple[bytes, tuple[tuple[str, Any], ...]], dict[str, Any]] = {}

        async def handler(request: Request) -> Response:
            key = (request.scope["query_string"], tuple(request.path_params.items()))
            values = seen.get(key)
            if values is None:
                raw = dict(request.query_params)
                raw.update(request.path_params)
                try:
                    values = validate(raw).__dict__
                except ValidationError:
                    return await standard(request)
                if len(seen) >= _SEEN_MAX:
                    seen.clear()
                seen[key] = values
            return await endpoint(request, **values)

        return handler


_SEEN_MAX = 4096


def _params_model(endpoint: Callable[..., Any], dependant: Any) -> type[BaseModel] | None:
    """The endpoint's parameters as one model, or None when the fast path does not apply."""
    if (
        dependant.dependencies
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.request_param_name != "request"
        or not inspect.iscoroutinefunction(endpoint)
    ):
        return None
    hints = typing.get_type_hints(endpoint, include_extras=True)
    if not isinstance(hints.get("return"), type) or not issubclass(hints["return"], Response):
        return None
    fields: dict[str, Any] = {}
    for field in (*dependant.query_params, *dependant.path_params):
        if field.alias != field.name or typing.get_origin(field.field_info.annotation) in (
            list,
            set,
            tuple,
        ):
            return None  # repeated or aliased parameters: leave them to FastAPI
        parameter = inspect.signature(endpoint).parameters[field.name]
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[field.name] = (hints[field.name], default)
    config = ConfigDict(extra="ignore")
    return create_model(f"{endpoint.__name__}_params", __config__=config, **fields)


router = APIRouter(tags=["catalog"], route_class=FastReadRoute)

MAX_PRICE = 10_000_000_000
# Browser/CDN freshness (seconds): stock-bearing bodies as long as the server keeps them.
DETAIL_MAX_AGE, DETAIL_SWR = 3, 10
LIST_MAX_AGE, LIST_SWR = 10, 60
CATEGORIES_MAX_AGE, CATEGORIES_SWR = 60, 300

_READER = "catalog.reader"


def _reader(ctx: AppContext) -> async_sessionmaker[AsyncSession]:
    """Sessions for cache fills: no BEGIN/COMMIT round trips on servers (see module doc).

    SQLite's driver opens no transaction for a SELECT in the first place, and switching its
    isolation level costs a trip to the aiosqlite thread, so SQLite keeps the default."""
    maker: async_sessionmaker[AsyncSession] | None = ctx.extras.get(_READER)
    if maker is None:
        engine = ctx.engine
        if engine.dialect.name != "sqlite":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        ctx.extras[_READER] = maker
    return maker


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


@asynccontextmanager
async def _read(ctx: AppContext) -> AsyncIterator[AsyncSession]:
    # A read replica when one is configured and healthy: these bodies are shared by every
    # shopper and cached for seconds anyway, so a replica's lag is no new staleness.
    async with replica_session(ctx, _reader(ctx)) as session:
        yield session


@router.get("/categories", response_model=list[Category])
async def list_categories(request: Request) -> Response:
    """Active categories as a tree: top level with their children."""
    ctx = _ctx(request)

    async def load() -> bytes:
        async with _read(ctx) as session:
            return to_json_bytes(await service.list_categories(session, active_only=True))

    entry = await ctx.cache.get_or_load_entry(
        service.CACHE_CATEGORIES,
        service.CATEGORY_TREE_KEY,
        load,
        ttl=service.CATEGORIES_TTL,
    )
    payload = entry if entry.body is not None else b"[]"
    return cached_json(request, payload, max_age=CATEGORIES_MAX_AGE, swr=CATEGORIES_SWR)


@router.get("/products", response_model=ProductPage, responses=problem_responses(400, 404))
async def list_products(
    request: Request,
    *,
    category_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="a top-level category includes children")
    ] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=50, description="keyword in title/subtitle")
    ] = None,
    sort: ProductSort = "default",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response:
    """List products on sale."""
    ctx = _ctx(request)

    async def load() -> bytes | None:
        async with _read(ctx) as session:
            try:
                page = await service.list_products(
                    session,
                    category_id=category_id,
                    min_price=min_price,
                    max_price=max_price,
                    q=q,
                    sort=sort,
                    cursor=cursor,
                    limit=limit,
                )
            except CategoryNotFound:
                return None  # cached as "not found": unknown ids cannot hammer the database
        return to_json_bytes(page)

    # Canonical: one key per query whatever the parameter order or extra parameters; the two
    # free texts are unambiguous (the cursor is length-prefixed, the keyword comes last). Bad
    # cursors and price ranges raise inside the load and are never cached.
    key = (
        f"s={sort}&l={limit}&c={category_id or ''}&lo={'' if min_price is None else min_price}"
        f"&hi={'' if max_price is None else max_price}"
        f"&cur={len(cursor) if cursor else ''}:{cursor or ''}&q={q or ''}"
    )
    entry = await ctx.cache.get_or_load_entry(
        service.CACHE_PRODUCT_LIST, key, load, ttl=service.LIST_TTL
    )
    if entry.body is None:
        raise CategoryNotFound(f"category {category_id} does not exist")
    return cached_json(request, entry, max_age=LIST_MAX_AGE, swr=LIST_SWR)


@router.get(
    "/products/by-barcode/{code}",
    response_model=BarcodeMatch,
    responses=problem_responses(404),
)
async def get_product_by_barcode(
    request: Request,
    code: Annotated[str, Path(pattern=r"^\d{8,14}$", description="EAN-8/13, UPC-A or GTIN-14")],
) -> Response:
    """Find the product (and SKU) for a scanned barcode."""
    ctx = _ctx(request)

    async def load() -> bytes | None:
        async with _read(ctx) as session:
            try:
                return to_json_bytes(await service.get_product_by_barcode(session, code))
            except BarcodeNotFound:
                return None

    entry = await ctx.cache.get_or_load_entry(
        service.CACHE_BARCODE, code, load, ttl=service.DETAIL_TTL
    )
    if entry.body is None:
        raise BarcodeNotFound(f"no product on sale has barcode {code}")
    return cached_json(request, entry, max_age=DETAIL_MAX_AGE, swr=DETAIL_SWR)


_DETAILS = service.DetailJoiner()


@router.get(
    "/products/{product_id}", response_model=ProductDetail, responses=problem_responses(404)
)
async def get_product(request: Request, product_id: PathId) -> Response:
    """Product detail with specs, SKUs and their available stock."""
    ctx = _ctx(request)

    async def load_body() -> bytes | None:
        async with _read(ctx) as session:
            try:
                return await service.load_body(session, product_id)
            except ProductNotFound:
                return None

    # The body (long-lived, dropped by product writes) and its stock and sales count (a few
    # seconds), joined as bytes: an order changes only the second (service/detail_parts.py).
    body = await ctx.cache.get_or_load_entry(
        service.CACHE_PRODUCT, product_id, load_body, ttl=service.BODY_TTL
    )
    if body.body is None:
        raise ProductNotFound(f"product {product_id} is not on sale")
    template = _DETAILS.template(body)

    async def load_stock() -> bytes:
        async with _read(ctx) as session:
            return await service.load_stock(session, template.sku_ids)

    stock = await ctx.cache.get_or_load_entry(
        service.CACHE_PRODUCT_STOCK, product_id, load_stock, ttl=service.DETAIL_TTL
    )
    if stock.body is None:  # not cached as "not found" by load_stock; a body without stock
        raise ProductNotFound(f"product {product_id} is not on sale")
    return cached_json(
        request, _DETAILS.answer(body, stock), max_age=DETAIL_MAX_AGE, swr=DETAIL_SWR
    )
