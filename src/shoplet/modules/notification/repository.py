"""Notification SQL: templates, credits (claimed by one conditional update) and the send log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.notification.models import (
    NotificationCredit,
    NotificationOaAccount,
    NotificationOaFollower,
    NotificationOaSend,
    NotificationOaTemplate,
    NotificationSend,
    NotificationTemplate,
)


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def list_templates(session: AsyncSession) -> Sequence[NotificationTemplate]:
    return (await session.scalars(select(NotificationTemplate).order_by("id"))).all()


async def template_for(session: AsyncSession, event: str) -> NotificationTemplate | None:
    found: NotificationTemplate | None = await session.scalar(
        select(NotificationTemplate).where(NotificationTemplate.event == event)
    )
    return found


async def upsert_template(session: AsyncSession, values: dict[str, Any]) -> None:
    statement = _insert(session, NotificationTemplate).values(**values)
    changes = {k: v for k, v in values.items() if k != "event"}
    await session.execute(statement.on_conflict_do_update(index_elements=["event"], set_=changes))


async def disable_template(
    session: AsyncSession, template_id: str, reason: str, now: datetime
) -> int:
    result = await session.execute(
        update(NotificationTemplate)
        .where(NotificationTemplate.template_id == template_id, NotificationTemplate.is_enabled)
        .values(is_enabled=False, disabled_reason=reason, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def add_answer(
    session: AsyncSession,
    *,
    member_id: int,
    template_id: str,
    accepted: bool,
    now: datetime,
    subject: str = "",
    price: int | None = None,
) -> None:
    """One 'accept' is one credit more (for ``subject``; an accept with a ``price`` sets it);
    a 'reject' is counted (no credit)."""
    table = NotificationCredit.__table__
    statement = _insert(session, NotificationCredit).values(
        member_id=member_id,
        template_id=template_id,
        subject=subject,
        price=price,
        credits=int(accepted),
        accepted_total=int(accepted),
        rejected_total=int(not accepted),
        updated_at=now,
    )
    changes: dict[str, Any] = {
        "credits": table.c.credits + int(accepted),
        "accepted_total": table.c.accepted_total + int(accepted),
        "rejected_total": table.c.rejected_total + int(not accepted),
        "updated_at": now,
    }
    if accepted and price is not None:
        changes["price"] = price
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["member_id", "template_id", "subject"], set_=changes
        )
    )


async def credits_of(session: AsyncSession, member_id: int) -> dict[str, int]:
    """Credits per template, whatever their subject."""
    rows = await session.execute(
        select(NotificationCredit.template_id, func.sum(NotificationCredit.credits))
        .where(NotificationCredit.member_id == member_id)
        .group_by(NotificationCredit.template_id)
    )
    return {str(row[0]): int(row[1]) for row in rows.all()}


async def waiting(
    session: AsyncSession, *, template_id: str, subject: str, above_price: int | None = None
) -> list[tuple[int, int, int | None]]:
    """(member_id, accepted_total, price) of shoppers holding a credit for ``subject``; with
    ``above_price``, only those who accepted at a price above it."""
    query = (
        select(
            NotificationCredit.member_id,
            NotificationCredit.accepted_total,
            NotificationCredit.price,
        )
        .where(
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject == subject,
            NotificationCredit.credits > 0,
        )
        .order_by(NotificationCredit.member_id)
    )
    if above_price is not None:
        query = query.where(NotificationCredit.price > above_price)
    return [(int(r[0]), int(r[1]), r[2]) for r in (await session.execute(query)).all()]


async def subject_credits(
    session: AsyncSession, *, member_id: int, template_id: str, prefix: str
) -> list[tuple[str, int | None]]:
    """(subject, price) of the shopper's unspent credits of a template whose subject starts
    with ``prefix`` (``product:``: their 降价提醒)."""
    rows = await session.execute(
        select(NotificationCredit.subject, NotificationCredit.price)
        .where(
            NotificationCredit.member_id == member_id,
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject.startswith(prefix),
            NotificationCredit.credits > 0,
        )
        .order_by(NotificationCredit.subject)
    )
    return [(str(r[0]), r[1]) for r in rows.all()]


async def drop_credits(
    session: AsyncSession, *, member_id: int, template_id: str, subject: str, now: datetime
) -> bool:
    """The shopper turned a reminder off: its unspent accepts are not used (True when there
    were some)."""
    stmt = (
        update(NotificationCredit)
        .where(
            NotificationCredit.member_id == member_id,
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject == subject,
            NotificationCredit.credits > 0,
        )
        .values(credits=0, updated_at=now)
        .returning(NotificationCredit.id)
    )
    return (await session.execute(stmt)).first() is not None


async def claim_credit(
    session: AsyncSession, *, member_id: int, template_id: str, subject: str = ""
) -> bool:
    """Spend one credit: of any number of concurrent claims at most ``credits`` succeed."""
    result = await session.execute(
        update(NotificationCredit)
        .where(
            NotificationCredit.member_id == member_id,
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject == subject,
            NotificationCredit.credits > 0,
        )
        .values(credits=NotificationCredit.credits - 1)
        .returning(NotificationCredit.id)
    )
    return result.scalar_one_or_none() is not None


async def refund_credit(
    session: AsyncSession, *, member_id: int, template_id: str, subject: str = ""
) -> None:
    await session.execute(
        update(NotificationCredit)
        .where(
            NotificationCredit.member_id == member_id,
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject == subject,
        )
        .values(credits=NotificationCredit.credits + 1)
    )


async def enqueue_send(session: AsyncSession, values: dict[str, Any]) -> bool:
    """A pending send, once per (event, member, ref): False when it exists already."""
    statement = (
        _insert(session, NotificationSend)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event", "member_id", "ref"])
        .returning(NotificationSend.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def pending_ids(session: AsyncSession, limit: int) -> list[int]:
    rows = await session.scalars(
        select(NotificationSend.id)
        .where(NotificationSend.status == "pending")
        .order_by(NotificationSend.id)
        .limit(limit)
    )
    return list(rows)


async def claim_send(session: AsyncSession, send_id: int, now: datetime) -> NotificationSend | None:
    """pending → sending, once: two workers never send one row twice. ``claimed_at`` starts
    the worker's lease and is the token its finish must match."""
    return await session.scalar(
        update(NotificationSend)
        .where(NotificationSend.id == send_id, NotificationSend.status == "pending")
        .values(status="sending", claimed_at=now, attempts=NotificationSend.attempts + 1)
        .returning(NotificationSend)
    )


async def finish_send(
    session: AsyncSession, send_id: int, claimed_at: datetime, values: dict[str, Any]
) -> bool:
    """Record the outcome, only while this worker still holds the row (False: its lease ran
    out and the row was reclaimed)."""
    result = await session.execute(
        update(NotificationSend)
        .where(
            NotificationSend.id == send_id,
            NotificationSend.status == "sending",
            NotificationSend.claimed_at == claimed_at,
        )
        .values(**values)
        .returning(NotificationSend.id)
    )
    return result.scalar_one_or_none() is not None


async def reclaim_stuck(
    session: AsyncSession, *, claimed_before: datetime, max_attempts: int, error: str
) -> list[tuple[int, int, str | None, str, str]]:
    """Sends left ``sending`` by a crashed worker (claimed before ``claimed_before``) go back to
    ``pending``, or to ``failed`` after ``max_attempts``, in one conditional UPDATE: of any
    number of workers reclaiming at once, each row is reclaimed by exactly one.
    (id, member_id, template_id, new status, subject) of each row reclaimed."""
    gave_up = NotificationSend.attempts >= max_attempts
    result = await session.execute(
        update(NotificationSend)
        .where(
            NotificationSend.status == "sending",
            NotificationSend.claimed_at < claimed_before,
        )
        .values(
            status=case((gave_up, "failed"), else_="pending"),
            error=case((gave_up, error), else_=NotificationSend.error),
            claimed_at=None,
        )
        .returning(
            NotificationSend.id,
            NotificationSend.member_id,
            NotificationSend.template_id,
            NotificationSend.status,
            NotificationSend.subject,
        )
    )
    return [(int(r[0]), int(r[1]), r[2], str(r[3]), str(r[4])) for r in result.all()]


async def list_sends(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[NotificationSend]:
    query = select(NotificationSend).order_by(NotificationSend.id.desc()).limit(limit)
    if status is not None:
        query = query.where(NotificationSend.status == status)
    if before_id is not None:
        query = query.where(NotificationSend.id < before_id)
    return (await session.scalars(query)).all()


async def credit_holders(
    session: AsyncSession, template_id: str, member_ids: Sequence[int]
) -> set[int]:
    if not member_ids:
        return set()
    rows = await session.scalars(
        select(NotificationCredit.member_id).where(
            NotificationCredit.template_id == template_id,
            NotificationCredit.subject == "",  # an accept for any occasion, not a product's
            NotificationCredit.member_id.in_(list(member_ids)),
            NotificationCredit.credits > 0,
        )
    )
    return {int(m) for m in rows}


# -- 公众号 ------------------------------------------------------------------------------------

OA_ACCOUNT_ID = 1


async def oa_account(session: AsyncSession) -> NotificationOaAccount | None:
    return await session.get(NotificationOaAccount, OA_ACCOUNT_ID)


async def save_oa_account(session: AsyncSession, values: dict[str, Any]) -> None:
    statement = _insert(session, NotificationOaAccount).values(id=OA_ACCOUNT_ID, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


async def apply_follow(
    session: AsyncSession,
    *,
    openid: str,
    is_following: bool,
    event_at: int,
    unionid: str | None,
    member_id: int | None,
    now: datetime,
) -> bool:
    """Record a follow change only when it is newer than the one recorded (one conditional
    upsert: a replay or a late push matches nothing). A known unionid or member is kept when
    the change carries none (an unsubscribe). True when applied."""
    table = NotificationOaFollower.__table__
    statement = _insert(session, NotificationOaFollower).values(
        openid=openid,
        unionid=unionid,
        member_id=member_id,
        is_following=is_following,
        event_at=event_at,
        updated_at=now,
    )
    excluded = statement.excluded
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["openid"],
            set_={
                "is_following": excluded.is_following,
                "event_at": excluded.event_at,
                "unionid": func.coalesce(excluded.unionid, table.c.unionid),
                "member_id": func.coalesce(excluded.member_id, table.c.member_id),
                "updated_at": excluded.updated_at,
            },
            where=table.c.event_at < excluded.event_at,
        ).returning(table.c.openid)
    )
    return result.first() is not None


async def mark_unfollowed(session: AsyncSession, openid: str, now: datetime) -> None:
    """WeChat said 43004 (not following): the follower is marked so, whatever its event time."""
    await session.execute(
        update(NotificationOaFollower)
        .where(NotificationOaFollower.openid == openid, NotificationOaFollower.is_following)
        .values(is_following=False, updated_at=now)
    )


async def unlinked_followers(session: AsyncSession, limit: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(NotificationOaFollower.openid, NotificationOaFollower.unionid)
        .where(
            NotificationOaFollower.member_id.is_(None),
            NotificationOaFollower.unionid.is_not(None),
        )
        .order_by(NotificationOaFollower.openid)
        .limit(limit)
    )
    return [(str(r[0]), str(r[1])) for r in rows.all()]


async def link_follower(session: AsyncSession, openid: str, member_id: int) -> None:
    await session.execute(
        update(NotificationOaFollower)
        .where(NotificationOaFollower.openid == openid, NotificationOaFollower.member_id.is_(None))
        .values(member_id=member_id)
    )


async def link_unionid(session: AsyncSession, unionid: str, member_id: int) -> int:
    """Link the unlinked followers of ``unionid`` to ``member_id`` (one conditional UPDATE:
    a follower already linked keeps its member, so a replay changes nothing)."""
    result = await session.execute(
        update(NotificationOaFollower)
        .where(
            NotificationOaFollower.unionid == unionid, NotificationOaFollower.member_id.is_(None)
        )
        .values(member_id=member_id)
        .returning(NotificationOaFollower.openid)
    )
    return len(result.all())


async def following_openid(session: AsyncSession, member_id: int) -> str | None:
    found: str | None = await session.scalar(
        select(NotificationOaFollower.openid)
        .where(NotificationOaFollower.member_id == member_id, NotificationOaFollower.is_following)
        .order_by(NotificationOaFollower.event_at.desc())
        .limit(1)
    )
    return found


async def following_members(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    if not member_ids:
        return set()
    rows = await session.scalars(
        select(NotificationOaFollower.member_id).where(
            NotificationOaFollower.member_id.in_(list(member_ids)),
            NotificationOaFollower.is_following,
        )
    )
    return {int(m) for m in rows if m is not None}


async def follower_counts(session: AsyncSession) -> tuple[int, int]:
    """(following, of them linked to a member)."""
    row = (
        await session.execute(
            select(func.count(), func.count(NotificationOaFollower.member_id)).where(
                NotificationOaFollower.is_following
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def list_oa_templates(session: AsyncSession) -> Sequence[NotificationOaTemplate]:
    return (await session.scalars(select(NotificationOaTemplate).order_by("id"))).all()


async def oa_template_for(session: AsyncSession, event: str) -> NotificationOaTemplate | None:
    found: NotificationOaTemplate | None = await session.scalar(
        select(NotificationOaTemplate).where(NotificationOaTemplate.event == event)
    )
    return found


async def upsert_oa_template(session: AsyncSession, values: dict[str, Any]) -> None:
    statement = _insert(session, NotificationOaTemplate).values(**values)
    changes = {k: v for k, v in values.items() if k != "event"}
    await session.execute(statement.on_conflict_do_update(index_elements=["event"], set_=changes))


async def disable_oa_template(
    session: AsyncSession, template_id: str, reason: str, now: datetime
) -> None:
    await session.execute(
        update(NotificationOaTemplate)
        .where(NotificationOaTemplate.template_id == template_id, NotificationOaTemplate.is_enabled)
        .values(is_enabled=False, disabled_reason=reason, updated_at=now)
    )


async def enqueue_oa_send(session: AsyncSession, values: dict[str, Any]) -> bool:
    """A pending template message, once per (event, member, ref): False when it exists."""
    statement = (
        _insert(session, NotificationOaSend)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event", "member_id", "ref"])
        .returning(NotificationOaSend.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def due_oa_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(NotificationOaSend.id)
        .where(
            NotificationOaSend.status == "pending",
            (NotificationOaSend.not_before.is_(None)) | (NotificationOaSend.not_before <= now),
        )
        .order_by(NotificationOaSend.id)
        .limit(limit)
    )
    return list(rows)


async def claim_oa_send(
    session: AsyncSession, send_id: int, now: datetime
) -> NotificationOaSend | None:
    """pending → sending, once (of any number of workers, one gets the row)."""
    return await session.scalar(
        update(NotificationOaSend)
        .where(
            NotificationOaSend.id == send_id,
            NotificationOaSend.status == "pending",
            (NotificationOaSend.not_before.is_(None)) | (NotificationOaSend.not_before <= now),
        )
        .values(status="sending", claimed_at=now)
        .returning(NotificationOaSend)
    )


async def finish_oa_send(
    session: AsyncSession, send_id: int, claimed_at: datetime, values: dict[str, Any]
) -> bool:
    result = await session.execute(
        update(NotificationOaSend)
        .where(
            NotificationOaSend.id == send_id,
            NotificationOaSend.status == "sending",
            NotificationOaSend.claimed_at == claimed_at,
        )
        .values(**values)
        .returning(NotificationOaSend.id)
    )
    return result.scalar_one_or_none() is not None


async def reclaim_oa_stuck(session: AsyncSession, claimed_before: datetime) -> int:
    result = await session.execute(
        update(NotificationOaSend)
        .where(
            NotificationOaSend.status == "sending",
            NotificationOaSend.claimed_at < claimed_before,
        )
        .values(status="pending", claimed_at=None)
        .returning(NotificationOaSend.id)
    )
    return len(result.all())


async def record_delivery(session: AsyncSession, msgid: int, delivery: str) -> bool:
    """TEMPLATESENDJOBFINISH: the final status of a sent message (a replay sets the same)."""
    result = await session.execute(
        update(NotificationOaSend)
        .where(NotificationOaSend.msgid == msgid, NotificationOaSend.status == "sent")
        .values(delivery=delivery)
        .returning(NotificationOaSend.id)
    )
    return result.first() is not None


async def list_oa_sends(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[NotificationOaSend]:
    query = select(NotificationOaSend).order_by(NotificationOaSend.id.desc()).limit(limit)
    if status is not None:
        query = query.where(NotificationOaSend.status == status)
    if before_id is not None:
        query = query.where(NotificationOaSend.id < before_id)
    return (await session.scalars(query)).all()
