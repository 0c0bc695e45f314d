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
