"""Storefront routes: the enabled templates (what to ask for) and the shopper's answers."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.notification import service
from shoplet.modules.notification.schemas import (
    PriceDropReminders,
    SubscribeAnswers,
    SubscribeCredits,
    SubscribeTemplatePublic,
)

router = APIRouter()


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
