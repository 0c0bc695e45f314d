"""Paid plans (SVIP 黑卡): the plans staff edit, the benefits of the period running now (merged
with the tier's by ``rules.best_of``), the "开通省¥xx" estimate and the shopper's SVIP page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.errors import InvalidPlan, PlanCodeTaken, PlanNotFound
from shoplet.modules.membership.models import Plan, PlanPeriod
from shoplet.modules.membership.rules import (
    ASSUMED_MONTHLY_SPEND,
    SAVINGS_LOOKBACK_DAYS,
    Benefits,
    best_of,
    plan_problems,
    plan_saving,
    refundable,
)
from shoplet.modules.membership.schemas import (
    PlanBenefitsBody,
    PlanBenefitsOut,
    PlanBody,
    PlanOut,
    PlanPeriodOut,
    PlanSavingOut,
)
from shoplet.modules.membership.service.exclusions import price_exclusions
from shoplet.modules.orders import public as orders

# -- benefits: the plan's shape <-> Benefits --------------------------------------------------


def plan_benefits(body: PlanBenefitsBody) -> Benefits:
    return Benefits(
        discount_permille=body.discount_permille,
        free_shipping=body.free_shipping,
        free_shipping_threshold=body.free_shipping_threshold,
        points_multiplier_permille=body.points_multiplier_permille,
        exclusive_coupon_template_ids=tuple(body.coupon_template_ids),
        priority_service=body.priority_service,
    )


def benefits_json(plan: Plan) -> dict[str, Any]:
    """The snapshot a period keeps of what its plan granted."""
    return {
        "discount_permille": plan.discount_permille,
        "free_shipping": plan.free_shipping,
        "free_shipping_threshold": plan.free_shipping_threshold,
        "points_multiplier_permille": plan.points_multiplier_permille,
        "coupon_template_ids": list(plan.coupon_template_ids),
        "priority_service": plan.priority_service,
    }


def benefits_of_json(data: dict[str, Any]) -> Benefits:
    return Benefits(
        discount_permille=int(data["discount_permille"]),
        free_shipping=bool(data["free_shipping"]),
        free_shipping_threshold=data.get("free_shipping_threshold"),
        points_multiplier_permille=int(data["points_multiplier_permille"]),
        exclusive_coupon_template_ids=tuple(int(i) for i in data.get("coupon_template_ids", [])),
        priority_service=bool(data.get("priority_service", False)),
    )


def plan_view(plan: Plan) -> PlanOut:
    return PlanOut(
        id=plan.id,
        code=plan.code,
        name=plan.name,
        price=plan.price,
        list_price=plan.list_price,
        months=plan.months,
        is_on_sale=plan.is_on_sale,
        sort=plan.sort,
        benefits=PlanBenefitsOut(**benefits_json(plan)),
        updated_at=plan.updated_at,
    )


# -- the plans staff edit ---------------------------------------------------------------------


async def list_plans(session: AsyncSession, *, on_sale_only: bool) -> list[PlanOut]:
    return [plan_view(p) for p in await repo.list_plans(session, on_sale_only=on_sale_only)]


async def save_plan(session: AsyncSession, body: PlanBody, plan_id: int | None = None) -> PlanOut:
    """Create (``plan_id`` None) or replace a plan. 400 ``membership.invalid_plan`` listing
    every problem, 409 ``membership.plan_code_taken``, 404 ``membership.plan_not_found``.
    Periods already bought keep the benefits they were sold with."""
    problems = plan_problems(
        name=body.name,
        price=body.price,
        list_price=body.list_price,
        months=body.months,
        benefits=plan_benefits(body.benefits),
    )
    if problems:
        raise InvalidPlan("; ".join(problems), problems=problems)
    if plan_id is not None and await repo.get_plan(session, plan_id) is None:
        raise PlanNotFound(plan_id=plan_id)
    holder = await repo.plan_id_by_code(session, body.code)
    if holder is not None and holder != plan_id:
        raise PlanCodeTaken(plan_code=body.code)
    now = utcnow()
    values: dict[str, Any] = {
        "code": body.code,
        "name": body.name,
        "price": body.price,
        "list_price": body.list_price,
        "months": body.months,
        "is_on_sale": body.is_on_sale,
        "sort": body.sort,
        "discount_permille": body.benefits.discount_permille,
        "free_shipping": body.benefits.free_shipping,
        "free_shipping_threshold": body.benefits.free_shipping_threshold,
        "points_multiplier_permille": body.benefits.points_multiplier_permille,
        "coupon_template_ids": list(body.benefits.coupon_template_ids),
        "priority_service": body.benefits.priority_service,
        "updated_at": now,
    }
    if plan_id is None:
        plan_id = await repo.insert_plan(session, {**values, "created_at": now})
    else:
        await repo.update_plan(session, plan_id, values)
    return plan_view(require_plan(await repo.get_plan(session, plan_id), plan_id))


# -- what a member has now --------------------------------------------------------------------


async def plan_benefits_now(
    session: AsyncSession, member_id: int, now: datetime
) -> Benefits | None:
    """The benefits of the member's plan period running at ``now`` (None: no SVIP now)."""
    period = await repo.current_period(session, member_id, now)
    return benefits_of_json(period.benefits) if period is not None else None


def merged(tier: Benefits, plan: Benefits | None) -> Benefits:
    return best_of(tier, plan)


async def benefit_used(session: AsyncSession, period: PlanPeriod) -> bool:
    """Did the member pay for an order of goods since the period began (a benefit may have
    been used)? Plan orders (virtual: this one, renewals) do not count."""
    if period.starts_at is None:
        return False
    stats = await orders.paid_order_stats(
        session, [period.member_id], spent_since=period.starts_at, goods_only=True
    )
    found = stats.get(period.member_id)
    return found is not None and found.spent > 0


async def refundable_now(session: AsyncSession, period: PlanPeriod, now: datetime) -> int:
    if (
        period.status != "active"
        or period.starts_at is None
        or period.ends_at is None
        or period.paid_at is None
    ):
        return 0
    return refundable(
        price=period.price,
        paid_at=period.paid_at,
        starts_at=period.starts_at,
        ends_at=period.ends_at,
        now=now,
        benefit_used=await benefit_used(session, period),
    )


def period_state(period: PlanPeriod, now: datetime) -> str:
    if period.status != "active" or period.starts_at is None or period.ends_at is None:
        return period.status
    if period.ends_at <= now:
        return "expired"
    return "queued" if period.starts_at > now else "active"


async def period_view(session: AsyncSession, period: PlanPeriod, now: datetime) -> PlanPeriodOut:
    return PlanPeriodOut(
        id=period.id,
        order_no=period.order_no,
        member_id=period.member_id,
        plan_id=period.plan_id,
        plan_name=period.plan_name,
        price=period.price,
        months=period.months,
        status=period.status,  # type: ignore[arg-type]
        state=period_state(period, now),  # type: ignore[arg-type]
        starts_at=period.starts_at,
        ends_at=period.ends_at,
        paid_at=period.paid_at,
        revoked_at=period.revoked_at,
        refunded=period.refunded,
        refundable=await refundable_now(session, period, now),
        created_at=period.created_at,
    )


# -- "开通省¥xx" -------------------------------------------------------------------------------


async def monthly_spend(session: AsyncSession, member_id: int, now: datetime) -> tuple[int, str]:
    """What the member spends a month (fen) on goods the member price covers: a third of what
    they paid in the last 90 days (net of refunds, less the share that went to goods excluded
    from the member price; ``history``), or ``ASSUMED_MONTHLY_SPEND`` with no order then
    (``estimate``)."""
    since = now - timedelta(days=SAVINGS_LOOKBACK_DAYS)
    stats = (
        await orders.paid_order_stats(session, [member_id], spent_since=since, goods_only=True)
    ).get(member_id)
    if stats is None or stats.spent <= 0:
        return ASSUMED_MONTHLY_SPEND, "estimate"
    spent = stats.spent
    excluded = await price_exclusions(session)
    if excluded:
        by_sku = await orders.paid_goods_by_sku(session, member_id, paid_since=since)
        snapshots = await catalog.get_sku_snapshots(session, sorted(by_sku))
        covered = sum(
            fen
            for sku_id, fen in by_sku.items()
            if sku_id in snapshots
            and excluded.covers(snapshots[sku_id].product_id, snapshots[sku_id].category_id)
        )
        total = sum(by_sku.values())
        if total > 0:
            spent = spent * (total - covered) // total
    return spent * 30 // SAVINGS_LOOKBACK_DAYS, "history"


async def plan_savings(
    session: AsyncSession, member_id: int, tier: Benefits, *, now: datetime | None = None
) -> tuple[list[PlanSavingOut], int, str]:
    """What each plan on sale would save the member over its months (beyond their tier), the
    monthly spend it assumes and where that came from."""
    now = now or utcnow()
    spend, basis = await monthly_spend(session, member_id, now)
    savings = [
        PlanSavingOut(
            plan_id=p.id,
            saving=plan_saving(spend, p.months, tier, benefits_of_json(benefits_json(p))),
        )
        for p in await repo.list_plans(session, on_sale_only=True)
    ]
    return savings, spend, basis


def require_plan(plan: Plan | None, plan_id: int) -> Plan:
    if plan is None:
        raise PlanNotFound(plan_id=plan_id)
    return plan
