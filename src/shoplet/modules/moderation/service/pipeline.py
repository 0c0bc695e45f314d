"""Submitting a subject into the pipeline and the machine checks after it: texts WeChat did
not answer, images sent to ``mediaCheckAsync``, WeChat's pushed verdicts."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.integrations.wechat.security import (
    ContentSecurityError,
    Verdict,
)
from shoplet.modules.members import public as members
from shoplet.modules.moderation import repository as repo
from shoplet.modules.moderation.errors import (
    ItemNotFound,
)
from shoplet.modules.moderation.schemas import (
    ModerationState,
)
from shoplet.modules.moderation.service._common import _item, _publish, _reevaluate, _state
from shoplet.modules.moderation.service.screening import (
    FINAL,
    MAX_ATTEMPTS,
    Screening,
    _hits_json,
    clock_of,
    integrations_of,
    reason_of,
    status_of,
)

log = structlog.get_logger("shoplet.moderation")


async def submit(
    session: AsyncSession,
    *,
    subject_type: str,
    subject_id: int,
    member_id: int,
    openid: str | None,
    screening: Screening,
    media_urls: Sequence[str] = (),
    video_url: str | None = None,
    hold_reason: str | None = None,
    now: datetime | None = None,
) -> ModerationState:
    """Put a subject's text (screened) and images into the pipeline, in the caller's
    transaction; its status now (``approved`` only when nothing is left to check)."""
    await members.hold_member(session, member_id)
    now = now or utcnow()
    media_state = "queued" if openid else "skipped"
    media = [media_state] * len(media_urls)
    status = status_of(
        filter_action=screening.filter_action,
        text_state=screening.text_state,
        media=media,
        hold=hold_reason is not None,
    )
    hits = _hits_json(screening.hits)
    reason = reason_of(
        hits=hits,
        text_state=screening.text_state,
        text_label=screening.text_label,
        media=[(m, None) for m in media],
        hold_reason=hold_reason,
    )
    item_id = await repo.insert_item(
        session,
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "member_id": member_id,
            "openid": openid,
            "text": screening.text[:2000],
            "video_url": video_url,
            "status": status,
            "seq": 0,
            "hits": hits,
            "filter_action": screening.filter_action,
            "text_state": screening.text_state,
            "text_label": screening.text_label,
            "text_attempts": 0,
            "reason": reason,
            "decided_by": "machine" if status in FINAL else None,
            "decided_at": now if status in FINAL else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    if item_id is None:
        existing = await repo.item_of(session, subject_type, subject_id)
        if existing is None:  # pragma: no cover - the unique key is the subject
            raise ItemNotFound()
        return _state(existing)
    await repo.insert_media(
        session,
        [
            {
                "item_id": item_id,
                "url": url,
                "state": media_state,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for url in media_urls
        ],
    )
    actor = "filter" if screening.filter_action in ("block", "hold") else "machine"
    await repo.insert_decision(
        session,
        {
            "item_id": item_id,
            "from_status": None,
            "to_status": status,
            "actor": actor,
            "reason": reason,
            "created_at": now,
        },
    )
    row = await _item(session, item_id)
    if status in FINAL:
        await _publish(session, row, status, actor)
    return _state(row)


def is_refused(screening: Screening) -> bool:
    """A text refused outright: a ``block`` word, or WeChat's ``risky``. (``hold`` and
    ``review`` need a person; a live chat leaves that to the staff member reading it.)"""
    return screening.filter_action == "block" or screening.text_state == "risky"


async def record_refusal(
    session: AsyncSession,
    *,
    subject_type: str,
    member_id: int,
    openid: str | None,
    screening: Screening,
    now: datetime | None = None,
) -> ModerationState:
    """Keep a refused text that was never stored by its owner (a chat message) for audit: a
    ``rejected`` item with its hits, WeChat's verdict and one decision row. Such a subject has no
    id of its own, so the item is its own subject (``subject_id`` = the item's id). Nothing is
    published: there is nothing to take down."""
    now = now or utcnow()
    hits = _hits_json(screening.hits)
    reason = reason_of(
        hits=hits, text_state=screening.text_state, text_label=screening.text_label, media=[]
    )
    # A placeholder unique per call until the id is known (the pair is unique).
    placeholder = -secrets.randbits(62) - 1
    item_id = await repo.insert_item(
        session,
        {
            "subject_type": subject_type,
            "subject_id": placeholder,
            "member_id": member_id,
            "openid": openid,
            "text": screening.text[:2000],
            "status": "rejected",
            "seq": 0,
            "hits": hits,
            "filter_action": screening.filter_action,
            "text_state": screening.text_state,
            "text_label": screening.text_label,
            "text_attempts": 0,
            "reason": reason,
            "decided_by": "filter" if screening.filter_action == "block" else "machine",
            "decided_at": now,
            "created_at": now,
            "updated_at": now,
        },
    )
    if item_id is None:  # pragma: no cover - a 62-bit placeholder does not collide
        raise ItemNotFound()
    await repo.set_subject_id(session, item_id, placeholder, item_id)
    await repo.insert_decision(
        session,
        {
            "item_id": item_id,
            "from_status": None,
            "to_status": "rejected",
            "actor": "filter" if screening.filter_action == "block" else "wechat",
            "reason": reason,
            "created_at": now,
        },
    )
    return _state(await _item(session, item_id))


async def check_text(ctx: AppContext, item_id: int) -> str | None:
    """One ``msgSecCheck`` for a text WeChat did not answer at writing time; the item's
    status after it (None: nothing to do)."""
    integrations = integrations_of(ctx)
    client = integrations.content_security if integrations else None
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_item(session, item_id)
    if row is None or row.text_state != "pending" or client is None or not row.openid:
        return None
    now = clock_of(ctx)()
    values: dict[str, Any] = {"text_attempts": row.text_attempts + 1, "updated_at": now}
    try:
        verdict = await client.msg_sec_check(openid=row.openid, content=row.text)
        values.update(text_state=verdict.suggest, text_label=verdict.label)
    except ContentSecurityError as exc:
        log.warning("msg_sec_check_failed", item_id=item_id, errcode=exc.errcode)
        if row.text_attempts + 1 >= MAX_ATTEMPTS:
            # WeChat never answered: a person looks at it.
            values.update(text_state="review", text_label=None)
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.set_text_result(
            session, item_id, attempts=row.text_attempts, values=values
        ):
            return None
        fresh = await _item(session, item_id)
        await _reevaluate(session, fresh, actor="wechat", now=now)
        after = await repo.get_item(session, item_id)
        return after.status if after else None


async def send_media(ctx: AppContext, media_id: int) -> None:
    """One ``mediaCheckAsync`` for an image: its trace id is kept for WeChat's push."""
    integrations = integrations_of(ctx)
    client = integrations.content_security if integrations else None
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_media(session, media_id)
        item = await repo.get_item(session, row.item_id) if row else None
    if row is None or item is None or row.state != "queued" or client is None:
        return
    now = clock_of(ctx)()
    values: dict[str, Any] = {"attempts": row.attempts + 1, "updated_at": now}
    try:
        trace_id = await client.media_check_async(openid=item.openid or "", media_url=row.url)
        values.update(state="sent", trace_id=trace_id)
    except ContentSecurityError as exc:
        log.warning("media_check_failed", media_id=media_id, errcode=exc.errcode)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            values.update(state="skipped")
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.set_media(
            session,
            media_id,
            expected_state="queued",
            expected_attempts=row.attempts,
            values=values,
        ):
            return
        if values.get("state") == "skipped":
            fresh = await repo.get_item(session, item.id)
            if fresh is not None:
                await _reevaluate(session, fresh, actor="wechat", now=now)


async def run_checks(ctx: AppContext, *, limit: int = 100) -> int:
    """What the job does: every text still to ask WeChat about, every image to send. How many
    calls were made."""
    async with read_session(ctx.sessionmaker) as session:
        texts = await repo.pending_texts(session, limit=limit)
        media = await repo.queued_media(session, limit=limit)
    for item_id in texts:
        await check_text(ctx, item_id)
    for media_id in media:
        await send_media(ctx, media_id)
    return len(texts) + len(media)


async def apply_media_verdict(
    session: AsyncSession, verdict: Verdict, *, now: datetime | None = None
) -> bool:
    """WeChat's pushed verdict of an image; False when no image waits for that trace id (not
    ours, or already applied: a repeated push changes nothing)."""
    now = now or utcnow()
    media = await repo.media_by_trace(session, verdict.trace_id)
    if media is None or not await repo.set_media(
        session,
        media.id,
        expected_state="sent",
        values={"state": verdict.suggest, "label": verdict.label, "updated_at": now},
    ):
        return False
    row = await repo.get_item(session, media.item_id)
    if row is not None:
        await _reevaluate(session, row, actor="wechat", now=now)
    return True


async def states_of(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[int]
) -> dict[int, ModerationState]:
    return {
        row.subject_id: _state(row)
        for row in await repo.items_of(session, subject_type, subject_ids)
    }
