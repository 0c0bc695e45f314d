"""Storefront endpoints of the points mall (tag ``points-mall``): the items on offer, exchanging
one, and the shopper's exchange records. Goods with cash to pay are paid as any order
(``POST /orders/{order_no}/pay``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.pointsmall import service
from shoplet.modules.pointsmall.schemas import Exchange, ExchangeCreate, MallCard

router = APIRouter(tags=["points-mall"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/points-mall/items", responses=problem_responses(400))
async def list_mall_items(
    session: DbSession, response: Response, cursor: Cursor = None, limit: Limit = 20
) -> Page[MallCard]:
    """Items on sale (upcoming and sold-out ones too), by the merchant's order."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.shop_items(session, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/points-mall/items/{item_id}", responses=problem_responses(404))
async def get_mall_item(item_id: PathId, session: DbSession, response: Response) -> MallCard:
    """One item."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.shop_item(session, item_id)


@router.post(
    "/points-mall/items/{item_id}/exchange",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 409),
)
async def exchange_mall_item(
    *,
    item_id: PathId,
    body: ExchangeCreate,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    response: Response,
) -> Exchange:
    """Exchange points (and cash, for goods) for an item; idempotent by ``request_id`` (a
    retry answers 200 with the first exchange)."""
    result, created = await service.exchange(
        session, ctx, member_id=member.id, item_id=item_id, body=body
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return result


@router.get("/me/points-mall/exchanges", tags=["me"], responses=problem_responses(400, 401))
async def my_mall_exchanges(
    member: CurrentMember,
    session: DbSession,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Exchange]:
    """The shopper's exchanges, newest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.my_exchanges(
        session, member_id=member.id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)
