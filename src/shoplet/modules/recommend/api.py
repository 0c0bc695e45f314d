"""HTTP endpoints of the recommend module: ``GET /recommendations``,
``POST /recommendations/clicks`` and ``POST /recommendations/views`` (tag recommend)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from shoplet.core.context import AppContext
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.input_safety import MAX_ID
from shoplet.core.net import client_ip
from shoplet.core.params import QueryId
from shoplet.modules.members.public import OptionalMember
from shoplet.modules.recommend import clicks, service, views
from shoplet.modules.recommend.schemas import (
    MAX_LIMIT,
    MAX_RECENT,
    Placement,
    ProductViewed,
    RecommendationClick,
    RecommendationList,
)

router = APIRouter()


@router.get(
    "/recommendations",
    tags=["recommend"],
    response_model=RecommendationList,
    responses=problem_responses(400),
)
async def get_recommendations(  # noqa: PLR0917
    request: Request,
    response: Response,
    session: DbSession,
    member: OptionalMember,
    placement: Placement,
    product_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    recent: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
        Query(
            max_length=MAX_RECENT,
            description="products this visitor viewed last, most recent first (看了又看)",
        ),
    ] = None,
) -> RecommendationList:
    """A shelf of products for a page: ``home`` 猜你喜欢, ``product`` 看了又看/买了还买 (needs
    ``product_id``), ``cart`` 凑单, ``paid`` after payment. Each item says why (``reason``)."""
    ctx: AppContext = request.app.state.ctx
    # Personal for members; the same for every anonymous shopper, but never shared by proxies.
    response.headers["Cache-Control"] = "private, no-store"
    shelf = await service.recommend(
        session,
        ctx.cache,
        member_id=member.id if member is not None else None,
        placement=placement,
        product_id=product_id,
        limit=limit,
        recent=recent or [],
    )
    return clicks.stamp(ctx, shelf)


@router.post(
    "/recommendations/clicks",
    tags=["recommend"],
    status_code=204,
    response_class=Response,
    responses=problem_responses(400, 429),
)
async def report_click(
    body: RecommendationClick, request: Request, session: DbSession, member: OptionalMember
) -> Response:
    """A shopper opened a product of a shelf: ``rec_id`` of the shelf, the product and its
    0-based position on it. Anonymous allowed (limited per IP). The same click again is ``204``
    and counted once."""
    ctx: AppContext = request.app.state.ctx
    await clicks.record_click(
        session,
        ctx,
        body,
        member_id=member.id if member is not None else None,
        client=client_ip(request),
    )
    return Response(status_code=204)


@router.post(
    "/recommendations/views",
    tags=["recommend"],
    status_code=204,
    response_class=Response,
    responses=problem_responses(429),
)
async def report_view(body: ProductViewed, request: Request, member: OptionalMember) -> Response:
    """A shopper opened a product page (the session model's input: 看了又看, recently viewed).
    Buffered and written in batches; anonymous allowed (limited per IP)."""
    ctx: AppContext = request.app.state.ctx
    await views.record_view(
        ctx, body, member_id=member.id if member is not None else None, client=client_ip(request)
    )
    return Response(status_code=204)
