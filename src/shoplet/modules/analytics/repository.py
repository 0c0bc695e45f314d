"""Every query of analytics: the purchases RFM reads (members' paid orders through
``orders.public``, imported history), the computed rows, and the runs' claims and progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.analytics.models import HistoryTransaction, MemberRfm, RfmRun
from shoplet.modules.orders import public as orders

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
OPEN_STATUSES = ("queued", "running")


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def paid_orders(session: AsyncSession, until: datetime) -> list[tuple[int, datetime, int]]:
    """``(member_id, paid_at, fen net of refunds)`` of every order paid before ``until`` that
    kept some of its money (a fully refunded order does not count)."""
    facts = orders.paid_order_facts(EPOCH, until)
    net = facts.c.payable_total - facts.c.refunded_total
    stmt = select(facts.c.member_id, facts.c.paid_at, net).where(net > 0)
    return [(int(m), paid_at, int(n)) for m, paid_at, n in await session.execute(stmt)]


async def history(session: AsyncSession) -> list[tuple[str, int | None, date, int]]:
    """``(external_customer_id, member_id, day, fen)`` of every imported purchase."""
    stmt = select(
        HistoryTransaction.external_customer_id,
        HistoryTransaction.member_id,
        HistoryTransaction.day,
        HistoryTransaction.amount,
    )
    return [
        (c, None if m is None else int(m), d, int(a)) for c, m, d, a in await session.execute(stmt)
    ]


async def add_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 1000):
        await session.execute(insert(HistoryTransaction), list(rows[start : start + 1000]))


async def history_counts(session: AsyncSession) -> tuple[int, int]:
    """(rows, distinct customers) of the imported history."""
    stmt = select(func.count(), func.count(func.distinct(HistoryTransaction.external_customer_id)))
    rows, customers = (await session.execute(stmt)).one()
    return int(rows), int(customers)


# Runs


async def open_run(
    session: AsyncSession, *, trigger: str, staff_id: int | None, now: datetime
) -> int | None:
    """Queue a run unless one is open (the unique ``open_slot`` decides, atomically): the new
    run's id, or None."""
    stmt = (
        _insert(session, RfmRun)
        .values(
            status="queued",
            open_slot=1,
            trigger=trigger,
            staff_id=staff_id,
            progress=0,
            total=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["open_slot"])
        .returning(RfmRun.id)
    )
    run_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if run_id is None else int(run_id)


async def current_open_run(session: AsyncSession) -> RfmRun | None:
    return (await session.scalars(select(RfmRun).where(RfmRun.open_slot == 1))).one_or_none()


async def get_run(session: AsyncSession, run_id: int) -> RfmRun | None:
    return await session.get(RfmRun, run_id)


async def latest_run(session: AsyncSession) -> RfmRun | None:
    return (await session.scalars(select(RfmRun).order_by(RfmRun.id.desc()).limit(1))).one_or_none()


async def latest_done_run(session: AsyncSession) -> RfmRun | None:
    stmt = select(RfmRun).where(RfmRun.status == "done").order_by(RfmRun.id.desc()).limit(1)
    return (await session.scalars(stmt)).one_or_none()


async def start_run(
    session: AsyncSession, run_id: int, *, observation_end: date, now: datetime
) -> bool:
    """Claim an open run for work (a run left ``running`` by a dead worker is resumed)."""
    result = await session.execute(
        update(RfmRun)
        .where(RfmRun.id == run_id, RfmRun.status.in_(OPEN_STATUSES))
        .values(
            status="running", total=0, progress=0, observation_end=observation_end, started_at=now
        )
    )
    return _rowcount(result) == 1


async def set_progress(session: AsyncSession, run_id: int, progress: int, *, total: int) -> None:
    await session.execute(
        update(RfmRun).where(RfmRun.id == run_id).values(progress=progress, total=total)
    )


async def finish_run(
    session: AsyncSession, run_id: int, *, model: str | None, error: str | None, now: datetime
) -> None:
    await session.execute(
        update(RfmRun)
        .where(RfmRun.id == run_id, RfmRun.status.in_(OPEN_STATUSES))
        .values(
            status="failed" if error else "done",
            open_slot=None,
            model=model,
            error=error,
            finished_at=now,
        )
    )


# Results


async def upsert_rfm(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(session, MemberRfm).values(list(rows))
    excluded = stmt.excluded
    columns = [k for k in rows[0] if k != "customer_key"]
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_key"], set_={k: getattr(excluded, k) for k in columns}
        )
    )


async def delete_other_runs(session: AsyncSession, run_id: int) -> int:
    """Drop the rows of customers this run did not write (a member with no purchase left)."""
    result = await session.execute(delete(MemberRfm).where(MemberRfm.run_id != run_id))
    return _rowcount(result)


async def class_figures(session: AsyncSession) -> list[tuple[str, int, int, int]]:
    """Per class: (class, customers, spend fen, CLV fen)."""
    stmt = select(
        MemberRfm.rfm_class,
        func.count(),
        func.coalesce(func.sum(MemberRfm.spend), 0),
        func.coalesce(func.sum(MemberRfm.clv), 0),
    ).group_by(MemberRfm.rfm_class)
    rows = (await session.execute(stmt)).all()
    return [(str(c), int(n), int(s or 0), int(v or 0)) for c, n, s, v in rows]


async def sample(session: AsyncSession, limit: int) -> list[MemberRfm]:
    """Up to ``limit`` customers for the scatter chart, the biggest spenders first."""
    stmt = select(MemberRfm).order_by(MemberRfm.spend.desc(), MemberRfm.id.desc()).limit(limit)
    return list(await session.scalars(stmt))


async def list_class(
    session: AsyncSession, rfm_class: str, after: tuple[int, int] | None, limit: int
) -> list[MemberRfm]:
    """A class's customers by spend (highest first), then id, after the keyset ``after``."""
    stmt = select(MemberRfm).where(MemberRfm.rfm_class == rfm_class)
    if after is not None:
        spend, row_id = after
        stmt = stmt.where(
            (MemberRfm.spend < spend) | ((MemberRfm.spend == spend) & (MemberRfm.id < row_id))
        )
    stmt = stmt.order_by(MemberRfm.spend.desc(), MemberRfm.id.desc()).limit(limit)
    return list(await session.scalars(stmt))


async def all_rows(session: AsyncSession, limit: int) -> list[MemberRfm]:
    stmt = select(MemberRfm).order_by(MemberRfm.rfm_class, MemberRfm.id).limit(limit)
    return list(await session.scalars(stmt))


async def member_rfm(session: AsyncSession, member_id: int) -> MemberRfm | None:
    stmt = select(MemberRfm).where(MemberRfm.customer_key == f"m:{member_id}")
    return (await session.scalars(stmt)).one_or_none()
