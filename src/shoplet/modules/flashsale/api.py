"""Storefront (and edge) routes of flash sales. ``shoplet serve --role edge`` mounts only these.

Thin: identity from the access JWT (``CurrentMember``: signature only), everything else in
``buying.py``. The buy route answers 202 with a ticket, or a problem+json refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import Route

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import ShopletError, problem_response, problem_responses
from shoplet.core.http_cache import PRIVATE_ROUTE, cached_json, private_json
from shoplet.core.net import client_ip
from shoplet.core.params import PathId
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

CampaignId = PathId
_BUY_BODY = {
    "required": True,
    "content": {"application/json": {"schema": BuyRequest.model_json_schema()}},
}
_ACCEPTED_HEADERS = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class _RouteLabel:
    path: str


_BUY_ROUTE = _RouteLabel("/flash-sales/{campaign_id}/buy")
_CAMPAIGN_PARAMETER = {
    "name": "campaign_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "title": "Campaign Id"},
}


def _campaign_id(raw: str) -> int:
    """The path parameter, checked as ``CampaignId`` would be (422 ``request.invalid``)."""
    if raw.isdigit() and raw.isascii() and 1 <= (value := int(raw)) <= MAX_ID:
        return value
    raise RequestValidationError(
        [
            {
                "type": "int_parsing",
                "loc": ("path", "campaign_id"),
                "msg": "Input should be a valid integer between 1 and 2**63-1",
                "input": raw,
            }
        ]
    )


@router.post(
    "/flash-sales/{campaign_id}/buy",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BuyAccepted,
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503),
    openapi_extra={
        **PRIVATE_ROUTE,
        "parameters": [_CAMPAIGN_PARAMETER],
        "requestBody": _BUY_BODY,
        "security": [{"MemberToken": []}],
    },
)
async def buy(request: Request) -> Response:
    """Buy: 202 with a ticket (the order is created in the background: poll the ticket), or
    409 ``flashsale.sold_out`` / ``limit_reached`` / ``not_started`` / ``ended``.

    The hot path of a sale, kept lean on purpose: no dependency injection beyond the path, the
    access token checked once per process (``MemberTokens``), the body parsed by pydantic-core
    straight from the bytes, refusals rendered here as problem+json (the same document the
    app's error handler writes), no database."""
    # The plain route below sets no route in the scope: label the metrics as the FastAPI one.
    request.scope.setdefault("route", _BUY_ROUTE)
    runtime = runtime_of(request.app.state.ctx)
    try:
        campaign_id = _campaign_id(request.path_params["campaign_id"])
        member_id = runtime.members.member_id(request.headers.get("authorization"))
        try:
            body = BuyRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
        ticket = await buying.buy(
            runtime,
            campaign_id=campaign_id,
            member_id=member_id,
            sku_id=body.sku_id,
            quantity=body.quantity,
            token=body.token,
            ip=client_ip(request),
        )
    except ShopletError as exc:
        # A refusal is the common answer of a sale (20,000 a second at the start). Its traceback
        # holds the frames that raised it, and those hold the exception: a reference cycle per
        # refusal, left to the cyclic GC (a gen-0 collection every ~20 requests, measured).
        # Dropping the traceback here frees each refusal at once.
        exc.__traceback__ = None
        return problem_response(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            instance=request.scope["path"],
            headers=exc.headers or None,
            **exc.extra,
        )
    return Response(
        b'{"ticket":"' + ticket.encode() + b'","status":"queued"}',
        status_code=status.HTTP_202_ACCEPTED,
        media_type="application/json",
        headers=_ACCEPTED_HEADERS,
    )


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
        ip=client_ip(request),
        body=body,
    )


# The same endpoint as a plain Starlette route, matched before the one above: it skips
# FastAPI's per-request dependency solving (a quarter of this route's time in process). The
# FastAPI route stays for the OpenAPI document and behaves identically.
router.routes.insert(0, Route("/flash-sales/{campaign_id}/buy", buy, methods=["POST"]))
