"""The shopper's SVIP page: status, plans on sale with what each would save, reminders, the
periods bought."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.schemas import ReminderOut, SvipStatus

from ._common import benefits_view
from .plans import list_plans, period_view, plan_savings
from .tiers import benefits_for, tier_of

REMINDERS_SHOWN = 3
PERIODS_SHOWN = 20


async def svip_status(session: AsyncSession, member_id: int) -> SvipStatus:
    now = utcnow()
    current = await repo.current_period(session, member_id, now)
    subscription = await repo.get_subscription(session, member_id)
    tier = await tier_of(session, member_id, now=now)
    savings, spend, basis = await plan_savings(session, member_id, tier.benefits, now=now)
    periods = await repo.list_periods(
        session,
        member_id=member_id,
        plan_id=None,
        statuses=["active", "revoked"],
        ends_after=None,
        ends_before=None,
        before_id=None,
        limit=PERIODS_SHOWN,
    )
    merged = await benefits_for(session, member_id, now=now)
    reminders = await repo.list_reminders(session, member_id, REMINDERS_SHOWN)
    return SvipStatus(
        is_active=current is not None,
        plan_name=current.plan_name if current is not None else None,
        ends_at=subscription.ends_at if current is not None and subscription is not None else None,
        benefits=benefits_view(merged),
        plans=await list_plans(session, on_sale_only=True),
        savings=savings,
        saving_basis=basis,  # type: ignore[arg-type]
        monthly_spend=spend,
        reminders=[
            ReminderOut(id=r.id, ends_at=r.ends_at, message=r.message, created_at=r.created_at)
            for r in reminders
            if current is not None
            and subscription is not None
            and r.ends_at == subscription.ends_at
        ],
        periods=[await period_view(session, p, now) for p in periods],
    )
