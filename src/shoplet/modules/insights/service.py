"""The benefit cost model: what each tier's (and the paid plan's) benefits cost over a period
against the margin its members bring, and the projection of an unsaved tier table over the
last period's orders. Read-only: nothing here writes.

Periods are whole Asia/Shanghai days: ``days`` back from today (today included), or
``since``..``until`` (both included), at most 366 days; the previous period is the same length
just before (for retention).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.insights import costs
from shoplet.modules.insights import repository as repo
from shoplet.modules.insights.errors import InvalidPeriod
from shoplet.modules.insights.schemas import (
    BenefitCostReport,
    BenefitCostRow,
    CostPart,
    CostProjection,
    SimulateBody,
    TierProjection,
)
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.membership import public as membership

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 366


def period(
    now: datetime, *, days: int | None, since: date | None, until: date | None
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC for a number of days back or a custom range of local days
    (400 ``insights.invalid_period``)."""
    today = now.astimezone(SHANGHAI).date()
    if since is not None or until is not None:
        if days is not None:
            raise InvalidPeriod("give either days or since/until, not both")
        if since is None or until is None:
            raise InvalidPeriod("a custom period needs both since and until")
        if until < since:
            raise InvalidPeriod("until is before since")
        if until > today:
            raise InvalidPeriod("until is in the future")
        if (until - since).days + 1 > MAX_DAYS:
            raise InvalidPeriod(f"a period is at most {MAX_DAYS} days")
        first, last = since, until
    else:
        n = 30 if days is None else days
        if not 1 <= n <= MAX_DAYS:
            raise InvalidPeriod(f"days must be 1..{MAX_DAYS}")
        first, last = today - timedelta(days=n - 1), today

    def start_of(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).astimezone(UTC)

    return start_of(first), start_of(last + timedelta(days=1))


async def _points_value(session: AsyncSession, until: datetime) -> costs.PointsValue:
    economy = await loyalty.points_economy(session, until)
    return costs.PointsValue(
        economy.issued, economy.spent, economy.points_per_yuan, economy.earn_per_yuan
    )


def _row_out(row: costs.CostRow) -> BenefitCostRow:
    return BenefitCostRow(
        key=row.key,
        code=row.code,
        name=row.name,
        members=row.members,
        orders=row.orders,
        gmv=row.gmv,
        gross_margin=row.gross_margin,
        promotion_cost=row.promotion_cost,
        coupon_cost=row.coupon_cost,
        shipping_cost=row.shipping_cost,
        points_cost=row.points_cost,
        total_cost=row.total_cost,
        cost_ratio_permille=row.cost_ratio_permille,
        margin_per_member=row.margin_per_member,
        incremental_margin=row.incremental_margin,
        retention_permille=row.retention_permille,
        roi_permille=row.roi_permille,
        lines_without_cost=row.lines_without_cost,
    )


async def benefit_costs(
    session: AsyncSession,
    *,
    days: int | None = None,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> BenefitCostReport:
    started = time.perf_counter()
    start, end = period(now or utcnow(), days=days, since=since, until=until)
    previous = start - (end - start)
    tiers = await membership.load_rules(session)
    points = await _points_value(session, end)
    figures = await repo.group_figures(session, start, end, previous, tiers)
    rows = costs.cost_rows(figures, tiers, points)
    total = costs.cost_rows([costs.total_figures(figures)], (), points)[0]
    incrementals = [r.incremental_margin for r in rows if r.members]
    if incrementals and all(i is not None for i in incrementals):
        gained = sum(i or 0 for i in incrementals)
        total = replace(
            total,
            incremental_margin=gained,
            roi_permille=costs.permille(gained, total.total_cost),
        )
    return BenefitCostReport(
        since=start,
        until=end,
        previous_since=previous,
        redemption_permille=points.redemption_permille,
        points_per_yuan=points.points_per_yuan,
        rows=[_row_out(r) for r in rows],
        totals=_row_out(total),
        elapsed_ms=round((time.perf_counter() - started) * 1000),
    )


def _part(cost: costs.BenefitCost) -> CostPart:
    return CostPart(
        orders=cost.orders,
        discount=cost.discount,
        shipping=cost.shipping,
        points=cost.points,
        total=cost.total,
    )


async def simulate(
    session: AsyncSession, body: SimulateBody, *, now: datetime | None = None
) -> CostProjection:
    """Re-price the orders paid in the last ``body.days`` days under the tier table in force
    and under the draft (400 ``membership.invalid_tiers`` for a draft a save would refuse)."""
    started = time.perf_counter()
    draft = membership.draft_rules(body.tiers)
    start, end = period(now or utcnow(), days=body.days, since=None, until=None)
    current = await membership.load_rules(session)
    points = await _points_value(session, end)
    samples = await repo.order_samples(session, start, end)
    projections = costs.project(samples, current, draft, points)
    current_total = sum(p.current.total for p in projections)
    draft_total = sum(p.draft.total for p in projections)
    return CostProjection(
        since=start,
        until=end,
        orders=len(samples),
        tiers=[
            TierProjection(
                level=p.level,
                code=p.code,
                name=p.name,
                current=_part(p.current),
                draft=_part(p.draft),
                change=p.change,
            )
            for p in projections
        ],
        current_total=current_total,
        draft_total=draft_total,
        change=draft_total - current_total,
        elapsed_ms=round((time.perf_counter() - started) * 1000),
    )
