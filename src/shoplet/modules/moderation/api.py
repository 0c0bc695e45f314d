"""Storefront endpoints of moderation (tag ``moderation``): the author's appeal (申诉) of a
rejected text, and WeChat's message push with the image verdicts of ``mediaCheckAsync``
(public: the signature is the authentication)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.schemas import Page
from shoplet.integrations.setup import IntegrationsDep
from shoplet.integrations.wechat.security import parse_media_push, verify_push
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.moderation import service
from shoplet.modules.moderation.errors import PushSignatureInvalid
from shoplet.modules.moderation.schemas import (
    ModerationAppeal,
    ModerationState,
    MyModerationItem,
)

router = APIRouter(tags=["moderation"])

Signed = Annotated[str, Query(max_length=128)]
PUSH_MAX = 64 * 1024


@router.get("/moderation/mine", responses=problem_responses(400, 401))
async def my_items(
    member: CurrentMember,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Page[MyModerationItem]:
    """我的内容: your reviews, questions, answers, posts and comments, newest first, each 审核中
    (``checking``, ``held``), 已通过 or 未通过 with the reason and whether 申诉 is open."""
    items, next_cursor = await service.mine(session, member.id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/moderation/appeals", responses=problem_responses(401, 404, 409))
async def appeal(
    body: ModerationAppeal, member: CurrentMember, session: DbSession
) -> ModerationState:
    """申诉: send your rejected review, question, answer, post or comment back to a person,
    once, with why."""
    return await service.appeal(
        session,
        member_id=member.id,
        subject_type=body.subject_type,
        subject_id=body.subject_id,
        reason=body.reason,
    )


@router.get(
    "/moderation/wechat/push",
    response_class=PlainTextResponse,
    responses=problem_responses(401),
)
async def verify_push_url(
    integrations: IntegrationsDep,
    signature: Signed = "",
    timestamp: Signed = "",
    nonce: Signed = "",
    echostr: Signed = "",
) -> PlainTextResponse:
    """WeChat's check of the message-push URL: ``echostr`` back when signed with our token."""
    if not verify_push(integrations.wechat_push_token, signature, timestamp, nonce):
        raise PushSignatureInvalid()
    return PlainTextResponse(echostr)


@router.post(
    "/moderation/wechat/push",
    response_class=PlainTextResponse,
    responses=problem_responses(401),
)
async def wechat_push(
    request: Request,
    *,
    session: DbSession,
    integrations: IntegrationsDep,
    signature: Signed = "",
    timestamp: Signed = "",
    nonce: Signed = "",
) -> PlainTextResponse:
    """WeChat's push (plain-text mode, JSON): a ``wxa_media_check`` verdict is applied once;
    401 ``moderation.push_signature_invalid`` (nothing read or written) when the signature is
    not ours. Answers ``success``."""
    if not verify_push(integrations.wechat_push_token, signature, timestamp, nonce):
        raise PushSignatureInvalid()
    body = await request.body()
    verdict = parse_media_push(body[:PUSH_MAX]) if len(body) <= PUSH_MAX else None
    if verdict is not None:
        await service.apply_media_verdict(session, verdict, now=utcnow())
    return PlainTextResponse("success")
