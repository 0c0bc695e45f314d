"""欢迎语: a welcome message per contact way, queued when an add callback carries a
``WelcomeCode`` and sent by the ``wecom.send_welcomes`` job through ``send_welcome_msg``.

The code is valid for 20 seconds and once: the callback only queues it (WeCom wants the
callback answered within five seconds, and no call may hold its transaction), a code queued
twice is one row, and a code WeCom calls expired or used (41051) is recorded and never retried.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import short_transaction, utcnow
from shoplet.integrations.wecom.client import (
    ContactChange,
    WeComClient,
    WeComError,
    WelcomeCodeInvalid,
)
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import WayUnknown
from shoplet.modules.wecom.models import ContactWay
from shoplet.modules.wecom.schemas import WelcomeOut, WelcomeSendOut, WelcomeUpdate
from shoplet.modules.wecom.service._common import (
    appid_of,
    card_media_id,
    card_out,
    card_stored,
    check_card,
    check_text,
    wire_card,
)

log = structlog.get_logger("shoplet.wecom")

WELCOME_VALID_SECONDS = 20
# Codes sent per run of the job (it runs every two seconds).
WELCOME_BATCH = 50


async def _welcome_out(session: AsyncSession, way: ContactWay) -> WelcomeOut:
    return WelcomeOut(
        way_id=way.id,
        text=way.welcome_text or "",
        miniprogram=await card_out(session, way.welcome_miniprogram),
        updated_at=way.welcome_updated_at,
    )


async def get_welcome(session: AsyncSession, way_id: int) -> WelcomeOut:
    way = await repo.get_way(session, way_id)
    if way is None:
        raise WayUnknown(way_id=way_id)
    return await _welcome_out(session, way)


async def set_welcome(
    session: AsyncSession,
    way_id: int,
    body: WelcomeUpdate,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> WelcomeOut:
    """Set (or, with no text and no card, clear) a contact way's welcome message. 400
    ``wecom.text_too_long`` / ``text_required`` (a card needs a text too) / ``page_unknown`` /
    ``media_required`` / ``picture_unknown``, 404 ``wecom.way_unknown``; nothing changes on any
    of them."""
    check_text(body.text, required=body.miniprogram is not None)
    await check_card(session, body.miniprogram)
    way = await repo.get_way(session, way_id)
    if way is None:
        raise WayUnknown(way_id=way_id)
    way.welcome_text = body.text or None
    way.welcome_miniprogram = card_stored(body.miniprogram)
    way.welcome_updated_at = utcnow()
    await session.flush()
    await record_audit(
        session,
        staff,
        "wecom.welcome_set",
        f"wecom_contact_way:{way.id}",
        {"bytes": len(body.text.encode()), "card": body.miniprogram is not None},
        origin,
    )
    return await _welcome_out(session, way)


async def queue_welcome(session: AsyncSession, change: ContactChange, at: datetime) -> bool:
    """Queue the change's welcome code when the contact way its state names has a welcome
    message: True when queued now (False: no code, no message, or queued already)."""
    if not change.welcome_code or not change.state:
        return False
    way = await repo.way_by_state(session, change.state)
    if way is None or not (way.welcome_text or way.welcome_miniprogram):
        return False
    return await repo.queue_welcome(
        session,
        {
            "welcome_code": change.welcome_code[:128],
            "way_id": way.id,
            "external_userid": change.external_userid,
            "staff_userid": change.userid,
            "status": "pending",
            "errcode": None,
            "received_at": at,
            "sent_at": None,
        },
    )


async def send_due_welcomes(ctx: AppContext, client: WeComClient, *, now: datetime) -> int:
    """Send the queued welcome messages still valid at ``now`` (older ones become
    ``expired`` without a call): how many were sent. Each code is claimed in one short
    transaction, sent with none open, and its outcome recorded in another."""
    valid_from = now - timedelta(seconds=WELCOME_VALID_SECONDS)
    async with short_transaction(ctx.sessionmaker) as session:
        await repo.expire_welcomes(session, received_before=valid_from)
    sent = 0
    for _ in range(WELCOME_BATCH):
        async with short_transaction(ctx.sessionmaker) as session:
            claimed = await repo.claim_welcome(session, received_after=valid_from)
            if claimed is None:
                break
            send_id, code, state = claimed.id, claimed.welcome_code, ""
            way = await repo.get_way(session, claimed.way_id)
            text = (way.welcome_text or "") if way else ""
            card = way.welcome_miniprogram if way else None
            state = way.state if way else ""
        status, errcode = "sent", None
        try:
            # The picture is uploaded again first when its media id is about to expire.
            media_id = await card_media_id(ctx, client, card, now=now)
            await client.send_welcome_msg(
                welcome_code=code,
                text=text,
                miniprogram=wire_card(card, media_id=media_id, appid=appid_of(ctx), state=state),
            )
            sent += 1
        except WelcomeCodeInvalid as exc:
            status, errcode = "expired", exc.errcode
        except WeComError as exc:
            # Any other refusal: the code lives 20 s, too short for a retry to be worth it.
            log.warning("wecom_welcome_failed", errcode=exc.errcode, errmsg=exc.errmsg)
            status, errcode = "failed", exc.errcode
        async with short_transaction(ctx.sessionmaker) as session:
            await repo.finish_welcome(session, send_id, status=status, errcode=errcode, at=now)
    return sent


async def list_welcome_sends(
    session: AsyncSession, *, way_id: int | None, limit: int
) -> list[WelcomeSendOut]:
    rows = await repo.list_welcome_sends(session, way_id=way_id, limit=limit)
    return [WelcomeSendOut.model_validate(r) for r in rows]
