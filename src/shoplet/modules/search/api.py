"""Storefront search routes (public, no auth): search, suggestions, hot searches. Answered from
this process's index (no SQL); ``503 search.index_not_ready`` only in the seconds after start-up
while it is built."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.input_safety import MAX_ID
from shoplet.core.net import client_ip
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.modules.members import public as members
from shoplet.modules.members.public import OptionalMember
from shoplet.modules.search import images, service, sitemap
from shoplet.modules.search.clicks_api import router as clicks_router
from shoplet.modules.search.context import NO_CONTEXT, bucket_of
from shoplet.modules.search.engine import Filters
from shoplet.modules.search.errors import ImageInvalid, ImageTooLarge
from shoplet.modules.search.ranking import Ranking
from shoplet.modules.search.runtime import SearchRuntime, runtime_of
from shoplet.modules.search.schemas import HotSearches, SearchPage, SearchSort, Suggestions
from shoplet.modules.search.vectors import semantic_of

router = APIRouter(tags=["search"])
router.include_router(clicks_router)

MAX_PRICE = 10_000_000_000
# Longer queries are accepted and cut to this many characters (the index reads no more).
MAX_Q = 300
# A shopper's default-address region, for the context boost.
CACHE_REGION = "search_region"
REGION_TTL = 600.0


def _runtime(request: Request) -> SearchRuntime:
    ctx: AppContext = request.app.state.ctx
    return runtime_of(ctx)


@router.get("/search", response_model=SearchPage, responses=problem_responses(400, 503))
async def search(
    request: Request,
    *,
    q: Annotated[str, Query(max_length=MAX_Q, description="characters, pinyin or initials")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    category_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="a top-level category includes children")
    ] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    price_min: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    price_max: Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="fen")] = None,
    in_stock: bool | None = None,
    flash_sale: bool | None = None,
    sort: SearchSort = "relevance",
    region: Annotated[
        str | None,
        Query(
            pattern=r"^[1-9][0-9]{5}$",
            description="GB/T 2260 region code whose province is the shopper's (default: "
            "a signed-in shopper's default address)",
        ),
    ] = None,
    ranking: Annotated[
        Ranking,
        Query(
            description="ranking weights: an arm of the A/B test in the experiments slot "
            "``search_ranking`` (a cursor keeps its first page's)"
        ),
    ] = "default",
    member: OptionalMember,
) -> SearchPage:
    """Search products on sale: hanzi, full pinyin (``xiyiji``), initials (``dfb``), mixed
    (``露营zhangpeng``), homophone and one-letter typos; filters, facets (first page), sorts,
    keyset paging. ``corrected_query`` says how the query was understood when that differs.
    Relevance gains a bounded boost for products that sell well in the shopper's province,
    season and time of day (``SHOPLET_SEARCH_CONTEXT``); ``ranking`` picks the weights an A/B
    test compares (``default``, ``semantic``, ``popular``, ``lexical``)."""
    filters = Filters(
        category_id=category_id,
        brand=brand.strip().lower() if brand else None,
        price_min=price_min,
        price_max=price_max,
        in_stock=in_stock,
        flash=flash_sale,
    )
    runtime = _runtime(request)
    await semantic_of(runtime.ctx).prepare(q)  # the query's vector, in a thread (cached)
    bucket = NO_CONTEXT
    if runtime.context_weight > 0 and q and sort == "relevance" and cursor is None:
        if region is None and member is not None:
            region = await _member_region(runtime.ctx, member.id)
        bucket = bucket_of(utcnow(), region)
    return service.search(
        runtime,
        q,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
        bucket=bucket,
        preset=ranking,
    )


async def _member_region(ctx: AppContext, member_id: int) -> str | None:
    """The region code of the member's default address (cached ``REGION_TTL``: a search runs
    no SQL once warm)."""

    async def load() -> bytes | None:
        async with read_session(ctx.sessionmaker) as session:
            code = await members.default_region_code(session, member_id)
        return code.encode() if code else None

    body = await ctx.cache.get_or_load(CACHE_REGION, member_id, load, ttl=REGION_TTL)
    return body.decode() if body else None


@router.get("/search/suggest", response_model=Suggestions)
async def suggest(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_Q)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> Suggestions:
    """Completions of what is typed (characters, pinyin ``pingg`` → 苹果, initials) from titles,
    brands and popular queries."""
    return Suggestions(suggestions=service.suggest(_runtime(request), q, limit))


@router.get("/search/hot", response_model=HotSearches)
async def hot(request: Request) -> HotSearches:
    """The most searched queries that find products (热门搜索)."""
    return HotSearches(queries=service.hot_searches(_runtime(request)))


@router.post(
    "/search/image",
    response_model=SearchPage,
    responses=problem_responses(400, 413, 429, 503),
    openapi_extra=upload_body("a photo: PNG, JPEG or WebP, at most 5 MB"),
    max_body_size=images.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
)
async def search_by_image(
    request: Request, limit: Annotated[int, Query(ge=1, le=50)] = 20
) -> SearchPage:
    """Products on sale that look like the photo (colour, silhouette, edges), in-stock first:
    the multipart field ``file``. 400 ``search.image_invalid``, 413 ``search.image_too_large``,
    429 when one address sends too many. Nothing is stored."""
    runtime = _runtime(request)
    await runtime.ctx.limiter.hit(
        images.RATE_LIMIT, "search-image-ip", client_ip(request), detail="Too many photo searches"
    )
    data = await _read_photo(request)
    return await images.search_by_image(runtime, data, limit=limit)


async def _read_photo(request: Request) -> bytes:
    upload = await read_upload(
        request,
        images.MAX_UPLOAD_BYTES,
        too_large=ImageTooLarge,
        invalid=ImageInvalid,
        noun="photo",
    )
    return upload.data


# 搜一搜 and web crawlers, at the shop's root (the app includes ``site_router`` unprefixed,
# ahead of the storefront's own files): docs/omnichannel.md#搜一搜.
site_router = APIRouter(tags=["site"], include_in_schema=False)
SITE_CACHE = f"public, max-age={int(sitemap.CACHE_SECONDS)}"


@site_router.get("/sitemap.xml")
async def sitemap_xml(request: Request) -> Response:
    body = await sitemap.sitemap(request.app.state.ctx, str(request.base_url))
    return Response(body, media_type="application/xml", headers={"Cache-Control": SITE_CACHE})


@site_router.get("/sitemap-{n}.xml")
async def sitemap_page_xml(n: int, request: Request) -> Response:
    body = await sitemap.sitemap_page(request.app.state.ctx, str(request.base_url), n)
    if body is None:
        return Response(status_code=404)
    return Response(body, media_type="application/xml", headers={"Cache-Control": SITE_CACHE})


@site_router.get("/robots.txt")
async def robots_txt(request: Request) -> Response:
    return Response(
        sitemap.robots(str(request.base_url)),
        media_type="text/plain",
        headers={"Cache-Control": SITE_CACHE},
    )
