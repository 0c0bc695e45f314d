"""Storefront and provider routes of fulfillment (tag fulfillment): the shopper's tracking
timeline, and Kuaidi100's push callback (public: the signature is the authentication)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.integrations.logistics.carrier import PushRejected
from shoplet.integrations.logistics.kuaidi100 import PUSH_FAILED, PUSH_OK
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.fulfillment import service
from shoplet.modules.fulfillment.schemas import Tracking
from shoplet.modules.members.public import CurrentMember

router = APIRouter(tags=["fulfillment"])
log = structlog.get_logger("shoplet.fulfillment")

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
# A push's form: the track's JSON and its signature (Kuaidi100 pushes a few KB at most).
PUSH_FORM_MAX = 256 * 1024


@router.get("/orders/{order_no}/tracking", responses=problem_responses(401, 404))
async def order_tracking(
    order_no: OrderNo, *, member: CurrentMember, session: DbSession, response: Response
) -> Tracking:
    """The signed-in shopper's parcel for an order and its timeline (newest first)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.tracking_for_order(session, order_no, member_id=member.id)


@router.post(
    "/fulfillment/kuaidi100/callback",
    responses={200: {"description": "Kuaidi100's answer: result true, or false to push again"}},
)
async def kuaidi100_callback(
    request: Request, *, session: DbSession, integrations: IntegrationsDep
) -> JSONResponse:
    """Kuaidi100's tracking push (form ``param`` + ``sign``): verified, stored once, answered
    in Kuaidi100's format. A bad signature or a number that is not ours changes nothing and is
    answered ``result: false``."""
    carrier = integrations.carrier
    if carrier is None:
        return JSONResponse(PUSH_FAILED)
    form = await request.form(max_files=0, max_fields=10, max_part_size=PUSH_FORM_MAX)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        push = carrier.parse_push(fields)
    except PushRejected as exc:
        log.warning("kuaidi100_push_rejected", reason=str(exc))
        return JSONResponse(PUSH_FAILED)
    matched = await service.apply_push(session, push, now=utcnow())
    if not matched:
        log.warning("kuaidi100_push_unknown", carrier=push.carrier, tracking_no=push.tracking_no)
        return JSONResponse(PUSH_FAILED)
    return JSONResponse(PUSH_OK)
