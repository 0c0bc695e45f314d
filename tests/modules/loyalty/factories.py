"""Plain async helpers for the points tests (no tests here): grant points through the service,
read accounts and ledgers, and check that the books balance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.loyalty import service
from shoplet.modules.loyalty.models import PointsAccount, PointsConsumption, PointsEntry

ME_POINTS = "/api/v1/me/points"
ME_ENTRIES = "/api/v1/me/points/entries"
SIGNIN = "/api/v1/me/signin"
SETTINGS = "/api/v1/console/loyalty/settings"
PREVIEW = "/api/v1/checkout/preview"


def member_points_url(member_id: int) -> str:
    return f"/api/v1/console/members/{member_id}/points"


async def grant(
    ctx: AppContext,
    member_id: int,
    points: int,
    *,
    ref: str | None = None,
    expires_in: timedelta = timedelta(days=365),
    now: datetime | None = None,
) -> None:
    """A batch of ``points`` for the member (a sign-in style earn entry)."""
    now = now or utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await service.credit_batch(
            s,
            member_id=member_id,
            kind="earn",
            reason="signin",
            points=points,
            ref=ref or f"test:{member_id}:{now.timestamp()}:{points}",
            expires_at=now + expires_in,
            now=now,
        )


async def balance(ctx: AppContext, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        value = await s.scalar(
            select(PointsAccount.balance).where(PointsAccount.member_id == member_id)
        )
    return int(value or 0)


async def entries(ctx: AppContext, member_id: int) -> list[PointsEntry]:
    async with ctx.sessionmaker() as s:
        return list(
            await s.scalars(
                select(PointsEntry)
                .where(PointsEntry.member_id == member_id)
                .order_by(PointsEntry.id)
            )
        )


async def kinds(ctx: AppContext, member_id: int) -> list[tuple[str, str, int]]:
    """(kind, reason, points) of the member's entries, oldest first."""
    return [(e.kind, e.reason, e.points) for e in await entries(ctx, member_id)]


async def assert_books_balance(ctx: AppContext) -> None:
    """For every account: balance == sum of its ledger == sum of what its batches have left,
    never negative; every debit's consumption adds up to it (an expiry empties its one batch)."""
    async with ctx.sessionmaker() as s:
        accounts = {a.member_id: a.balance for a in await s.scalars(select(PointsAccount))}
        sums: dict[int, tuple[int, int]] = {
            int(m): (int(p), int(r))
            for m, p, r in await s.execute(
                select(
                    PointsEntry.member_id,
                    func.sum(PointsEntry.points),
                    func.sum(PointsEntry.remaining),
                ).group_by(PointsEntry.member_id)
            )
        }
        consumed: dict[int, int] = {
            int(e): int(p)
            for e, p in await s.execute(
                select(PointsConsumption.entry_id, func.sum(PointsConsumption.points)).group_by(
                    PointsConsumption.entry_id
                )
            )
        }
        debits = {
            e.id: -e.points
            for e in await s.scalars(
                select(PointsEntry).where(PointsEntry.points < 0, PointsEntry.kind != "expire")
            )
        }
    for member_id, value in accounts.items():
        assert value >= 0
        assert sums.get(member_id, (0, 0)) == (value, value), member_id
    assert {k: v for k, v in debits.items() if v} == consumed


def body_of(response: Any) -> dict[str, Any]:
    value: dict[str, Any] = response.json()
    return value
