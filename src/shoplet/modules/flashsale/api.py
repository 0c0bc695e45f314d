"""Storefront (and edge) routes of flash sales. ``shoplet serve --role edge`` mounts only these.

Thin: identity from the access JWT (``CurrentMember``: signature only), everything else in
``buying.py``. The buy route answers 202 with a ticket, or a problem+json refusal.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request, status
from starlette.responses import Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import PRIVATE_ROUTE, cached_json, private_json
from shoplet.modules.flashsale import buying
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.schemas import (
    MAX_ID,
    BuyAccepted,
    BuyRequest,
    BuyTokenOut,
    CampaignList,
    CampaignPage,
    ServerTime,
    TicketCode,
    TicketOut,
    TokenRequest,
)
from shoplet.modules.members.public import CurrentMember

router = APIRouter(tags=["flash-sales"])

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/time", response_model=ServerTime)
async def server_time() -> Response:
    """Server time for countdowns (never cached)."""
    now, epoch_ms = buying.server_time()
    return Response(
        orjson.dumps({"now": now, "epoch_ms": epoch_ms}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/flash-sales", response_model=CampaignList)
async def list_flash_sales(request: Request, ctx: Ctx) -> Response:
    """Upcoming and live flash sales of the next 7 days, with units left."""
    page = await buying.campaign_list(ctx, runtime_of(ctx))
    return cached_json(request, page, max_age=2, swr=5)


@router.get(
    "/flash-sales/tickets/{ticket}",
    response_model=TicketOut,
    responses=problem_responses(401, 404, 429),
    openapi_extra=PRIVATE_ROUTE,
)
async def get_ticket(
    ticket: Annotated[TicketCode, Path()],
    *,
    member: CurrentMember,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> Response:
    """Where a buy request is: queued, order created (its number) or failed (the reason)."""
    found = await buying.ticket_status(runtime_of(ctx), session, member_id=member.id, ticket=ticket)
    return private_json(request, found)


@router.get(
    "/flash-sales/{campaign_id}", response_model=CampaignPage, responses=problem_responses(404)
)
async def get_flash_sale(campaign_id: CampaignId, request: Request, ctx: Ctx) -> Response:
    """One flash sale: window, status, SKUs with flash price, limit and units left."""
    page = await buying.campaign_page(ctx, runtime_of(ctx), campaign_id)
    return cached_json(request, page, max_age=1, swr=2)


@router.post(
    "/flash-sales/{campaign_id}/token",
    responses=problem_responses(401, 403, 404, 409, 429),
    openapi_extra=PRIVATE_ROUTE,
)
async def issue_token(
    campaign_id: CampaignId,
    body: TokenRequest,
    *,
    member: CurrentMember,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    response: Response,
) -> BuyTokenOut:
    """A short-lived buy token, issued from shortly before the start (403 with a challenge when
    the request looks automated: answer it in ``challenge_id`` + ``answer``)."""
    response.headers["Cache-Control"] = "no-store"
    return await buying.issue_token(
        runtime_of(ctx),
        session,
        campaign_id=campaign_id,
        member_id=member.id,
        ip=_ip(request),
        body=body,
    )


@router.post(
    "/flash-sales/{campaign_id}/buy",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BuyAccepted,
    responses=problem_responses(401, 403, 404, 409, 429),
    openapi_extra=PRIVATE_ROUTE,
)
async def buy(
    campaign_id: CampaignId, body: BuyRequest, member: CurrentMember, request: Request, ctx: Ctx
) -> Response:
    """Buy: 202 with a ticket (the order is created in the background: poll the ticket), or
    409 ``flashsale.sold_out`` / ``limit_reached`` / ``not_started`` / ``ended``."""
    ticket = await buying.buy(
        runtime_of(ctx),
        campaign_id=campaign_id,
        member_id=member.id,
        sku_id=body.sku_id,
        quantity=body.quantity,
        token=body.token,
        ip=_ip(request),
    )
    return Response(
        b'{"ticket":"' + ticket.encode() + b'","status":"queued"}',
        status_code=status.HTTP_202_ACCEPTED,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
