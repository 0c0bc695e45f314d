"""Console routes of loyalty: the programme's settings and a member's points (account, ledger,
adjustments). Thin: each route checks ``loyalty:manage``, calls the service and appends an
audit entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.modules.loyalty import service
from shoplet.modules.loyalty.schemas import (
    EntryKind,
    LoyaltySettings,
    LoyaltySettingsUpdate,
    MemberPoints,
    PointsAdjust,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-loyalty"])

LoyaltyManager = Annotated[StaffIdentity, Depends(require_permission("loyalty:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/loyalty/settings")
async def get_loyalty_settings(_: LoyaltyManager, session: DbSession) -> LoyaltySettings:
    """The points programme's rules."""
    return await service.get_settings(session)


@router.put("/loyalty/settings", responses=problem_responses(400))
async def update_loyalty_settings(
    body: LoyaltySettingsUpdate, staff: LoyaltyManager, request: Request, session: DbSession
) -> LoyaltySettings:
    """Replace the rules; they apply to what is earned, spent and signed in from now on."""
    saved = await service.update_settings(session, body, actor=f"staff:{staff.id}")
    await record_audit(
        session,
        staff,
        "loyalty.settings_update",
        "loyalty_settings:1",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.get("/members/{member_id}/points", responses=problem_responses(400, 404))
async def get_member_points(
    *,
    member_id: PathId,
    _: LoyaltyManager,
    session: DbSession,
    kind: Annotated[list[EntryKind] | None, Query(max_length=5)] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> MemberPoints:
    """A member's account and a page of their ledger, newest first."""
    return await service.member_points(
        session, member_id=member_id, kinds=list(kind) if kind else None, cursor=cursor, limit=limit
    )


@router.post("/members/{member_id}/points/adjust", responses=problem_responses(400, 404, 409))
async def adjust_points(
    member_id: PathId,
    body: PointsAdjust,
    staff: LoyaltyManager,
    request: Request,
    session: DbSession,
) -> MemberPoints:
    """Add or take away points by hand, with a reason (409 ``loyalty.insufficient_points``
    below 0)."""
    await service.require_member(session, member_id)
    await service.adjust(
        session,
        member_id=member_id,
        points=body.points,
        note=body.reason,
        actor=f"staff:{staff.id}",
    )
    await record_audit(
        session,
        staff,
        "loyalty.points_adjust",
        f"member:{member_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return await service.member_points(
        session, member_id=member_id, kinds=None, cursor=None, limit=20
    )
