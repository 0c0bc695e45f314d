"""Console routes of distribution (分销), behind ``distribution:manage``: settings,
promoters (review applications), commissions, withdrawals (approve: a WeChat merchant
transfer; reject: money back). Every change appends an audit entry in its transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
    require_step_up,
)

from . import commissions, service, withdrawals
from .models import Withdrawal
from .schemas import (
    CommissionAdmin,
    CommissionStatus,
    DistributionSettings,
    DistributionSettingsWrite,
    PromoterAdmin,
    PromoterReview,
    PromoterStatus,
    WithdrawalAdmin,
    WithdrawalReject,
    WithdrawalStatus,
)

router = APIRouter(prefix="/distribution", tags=["console-distribution"])

PERMISSION = "distribution:manage"
Manager = Annotated[StaffIdentity, Depends(require_permission(PERMISSION))]
# Paying a withdrawal out needs a fresh step-up (passkey or authenticator code).
SteppedUpManager = Annotated[StaffIdentity, Depends(require_step_up(PERMISSION))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/settings")
async def get_settings(_: Manager, session: DbSession, ctx: Ctx) -> DistributionSettings:
    """The shop's distribution rules."""
    return await service.get_settings(session, ctx.settings.orders_aftersale_window_days)


@router.put("/settings", responses=problem_responses(400))
async def save_settings(
    body: DistributionSettingsWrite,
    staff: Manager,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> DistributionSettings:
    """Replace the rules (rate overrides included)."""
    saved = await service.save_settings(session, body, ctx.settings.orders_aftersale_window_days)
    await record_audit(
        session,
        staff,
        "social.distribution_settings",
        "social_dist_settings:1",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.get("/promoters", responses=problem_responses(400))
async def list_promoters(
    _: Manager,
    session: DbSession,
    status: PromoterStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PromoterAdmin]:
    """Promoters and applications, newest first, with team size and earnings."""
    items, next_cursor = await service.list_promoters(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/promoters/{promoter_id}/review", responses=problem_responses(404, 409))
async def review_promoter(
    promoter_id: PathId,
    body: PromoterReview,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> PromoterAdmin:
    """Approve or reject an application."""
    reviewed = await service.review(session, promoter_id, body.decision)
    await record_audit(
        session,
        staff,
        f"social.promoter_{body.decision}",
        f"social_dist_promoter:{promoter_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return reviewed


@router.get("/commissions", responses=problem_responses(400))
async def list_commissions(
    _: Manager,
    session: DbSession,
    promoter_id: QueryId = None,
    status: CommissionStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[CommissionAdmin]:
    """Commissions, newest first; by promoter and status."""
    items, next_cursor = await commissions.list_commissions(
        session, promoter_id=promoter_id, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/withdrawals", responses=problem_responses(400))
async def list_withdrawals(
    _: Manager,
    session: DbSession,
    status: WithdrawalStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[WithdrawalAdmin]:
    """Withdrawals with their audit trail, newest first."""
    items, next_cursor = await withdrawals.list_withdrawals(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/withdrawals/{withdrawal_id}/approve", responses=problem_responses(403, 404, 409))
async def approve_withdrawal(
    withdrawal_id: PathId, staff: SteppedUpManager, request: Request, ctx: Ctx
) -> WithdrawalAdmin:
    """Approve and pay through a WeChat merchant transfer (no transaction held across it)."""
    origin = origin_of(request)

    async def audit(session: AsyncSession, row: Withdrawal) -> None:
        await record_audit(
            session,
            staff,
            "social.withdrawal_approve",
            f"social_dist_withdrawal:{withdrawal_id}",
            {"withdrawal_no": row.withdrawal_no, "amount": row.amount},
            origin,
        )

    return await withdrawals.approve(
        ctx,
        withdrawals.payouts_of(ctx),
        withdrawal_id,
        actor=f"staff:{staff.username}",
        audit=audit,
    )


@router.post("/withdrawals/{withdrawal_id}/reject", responses=problem_responses(404, 409))
async def reject_withdrawal(
    withdrawal_id: PathId,
    body: WithdrawalReject,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> WithdrawalAdmin:
    """Reject: the amount goes back to the promoter's balance."""
    rejected = await withdrawals.reject(
        session, withdrawal_id, actor=f"staff:{staff.username}", reason=body.reason
    )
    await record_audit(
        session,
        staff,
        "social.withdrawal_reject",
        f"social_dist_withdrawal:{withdrawal_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return rejected
