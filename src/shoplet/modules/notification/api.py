"""Storefront routes: the enabled templates (what to ask for) and the shopper's answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.notification import official_account, service
from shoplet.modules.notification.schemas import (
    PriceDropReminders,
    SubscribeAnswers,
    SubscribeCredits,
    SubscribeTemplatePublic,
)

router = APIRouter()

Signed = Annotated[str, Query(max_length=128)]


@router.get("/subscribe-templates", tags=["notification"])
async def list_subscribe_templates(session: DbSession) -> list[SubscribeTemplatePublic]:
    """The shop's enabled subscribe-message templates per event (what
    ``uni.requestSubscribeMessage`` asks for after an order, on 到货提醒…)."""
    return [
        SubscribeTemplatePublic(event=t.event, template_id=t.template_id)  # type: ignore[arg-type]
        for t in await service.list_templates(session)
        if t.is_enabled
    ]


@router.post("/me/subscriptions", tags=["notification"], responses=problem_responses(400, 401))
async def record_subscriptions(
    body: SubscribeAnswers, member: CurrentMember, session: DbSession
) -> SubscribeCredits:
    """Record the shopper's answers: each 'accept' is one message of that template we may send
    (one credit). With ``sku_id`` an accept of 到货提醒 waits for that SKU; with ``product_id``
    an accept of 降价提醒 waits for that product to cost less than now. 400
    ``notification.template_unknown`` for a template the shop does not use,
    ``notification.subject_unknown`` for a SKU or product not on sale (nothing recorded). The
    shopper's credits per template."""
    subjects = await service.subjects_for(session, sku_id=body.sku_id, product_id=body.product_id)
    credits = await service.record_answers(
        session, member_id=member.id, answers=dict(body.results), subjects=subjects
    )
    return SubscribeCredits(credits=credits)


@router.get("/me/price-drop-reminders", tags=["notification"], responses=problem_responses(401))
async def price_drop_reminders(
    member: CurrentMember, session: DbSession, response: Response
) -> PriceDropReminders:
    """降价提醒 the shopper has on (收藏's toggles): the products they accepted a price-drop
    message for, not yet sent. A reminder is turned on with ``POST /me/subscriptions`` (the
    mini program's accept, with ``product_id``)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.price_drop_reminders(session, member_id=member.id)


@router.delete(
    "/me/price-drop-reminders/{product_id}", tags=["notification"], responses=problem_responses(401)
)
async def cancel_price_drop_reminder(
    product_id: PathId, member: CurrentMember, session: DbSession
) -> PriceDropReminders:
    """Turn a product's 降价提醒 off (its unspent accepts are not used); idempotent."""
    return await service.cancel_price_drop(session, member_id=member.id, product_id=product_id)


@router.get(
    official_account.PUSH_PATH.removeprefix("/api/v1"),
    tags=["notification"],
    response_class=PlainTextResponse,
    responses=problem_responses(401, 409),
)
async def verify_official_account_push_url(
    ctx: Ctx,
    signature: Signed = "",
    timestamp: Signed = "",
    nonce: Signed = "",
    echostr: Annotated[str, Query(max_length=128)] = "",
) -> PlainTextResponse:
    """公众号 服务器配置's URL check: ``echostr`` back when ``signature`` (SHA1 of the sorted
    token, timestamp and nonce) is right and the timestamp within 5 minutes; 401
    ``notification.oa_push_invalid`` otherwise; 409 ``notification.oa_not_configured``."""
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
    return PlainTextResponse(await official_account.check_url(ctx, query))


@router.post(
    official_account.PUSH_PATH.removeprefix("/api/v1"),
    tags=["notification"],
    response_class=PlainTextResponse,
    responses=problem_responses(400, 401, 409),
)
async def official_account_push(request: Request, ctx: Ctx) -> PlainTextResponse:
    """A 公众号 push (XML; 安全模式 ``encrypt_type=aes`` with ``msg_signature``): ``subscribe`` /
    ``unsubscribe`` record the follower (its unionid from ``user/info``, linked to the member),
    applied only when newer than what is recorded (a replay or a late push changes nothing);
    ``TEMPLATESENDJOBFINISH`` records a template message's final status. 401
    ``notification.oa_push_invalid`` (nothing read or written) for a wrong signature, a
    timestamp older than 5 minutes, a plain push in 安全模式 or another appid inside; 400
    ``notification.oa_push_malformed`` for a body that is not one XML message. Answers
    ``success``; other messages are acknowledged and ignored."""
    await official_account.handle_push(ctx, request.query_params, await request.body())
    return PlainTextResponse("success")
