"""Console routes for membership: the tier table and settings, a member's account and growth
ledger, staff growth adjustments, members per tier.

Thin: each route checks ``membership:manage``, calls the service and appends an audit entry in
the same transaction for every change.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.modules.membership import service
from shoplet.modules.membership.schemas import (
    AdjustBody,
    GrowthAdjusted,
    MemberMembership,
    SettingsBody,
    SettingsOut,
    TierOut,
    TiersBody,
    TierStats,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-membership"])

MembershipManager = Annotated[StaffIdentity, Depends(require_permission("membership:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"),
]


@router.get("/membership/tiers")
async def get_tiers(_: MembershipManager, session: DbSession) -> list[TierOut]:
    """The tier table in force (the defaults until first saved)."""
    return await service.list_tiers(session)


@router.put("/membership/tiers", responses=problem_responses(400, 409))
async def put_tiers(
    body: TiersBody, staff: MembershipManager, request: Request, session: DbSession
) -> list[TierOut]:
    """Replace the whole table (400 ``membership.invalid_tiers``: levels 0.. in order, V0 at 0,
    thresholds strictly increasing, …; 409 ``membership.tier_in_use``)."""
    saved = await service.save_tiers(session, body)
    await record_audit(
        session,
        staff,
        "membership.tiers_update",
        "membership:tiers",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.get("/membership/settings")
async def get_settings(_: MembershipManager, session: DbSession) -> SettingsOut:
    return await service.get_settings(session)


@router.put("/membership/settings", responses=problem_responses(400))
async def put_settings(
    body: SettingsBody, staff: MembershipManager, request: Request, session: DbSession
) -> SettingsOut:
    """Fen per growth point, tier period (months), warning days before a downgrade (400
    ``membership.invalid_settings``)."""
    saved = await service.save_settings(session, body)
    await record_audit(
        session,
        staff,
        "membership.settings_update",
        "membership:settings",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.get("/membership/stats")
async def get_stats(_: MembershipManager, session: DbSession) -> TierStats:
    """Members per tier."""
    return await service.stats(session)


@router.get("/members/{member_id}/membership", responses=problem_responses(400, 404))
async def member_membership(
    member_id: PathId,
    _: MembershipManager,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> MemberMembership:
    """A member's account and growth ledger (404 ``membership.member_not_found``)."""
    await service.require_member(session, member_id)
    account = await service.account_of(session, member_id)
    items, next_cursor = await service.list_growth(session, member_id, cursor=cursor, limit=limit)
    return MemberMembership(account=account, growth=items, next_cursor=next_cursor)


@router.post(
    "/members/{member_id}/membership/growth/adjust", responses=problem_responses(400, 404, 409)
)
async def adjust_growth(
    *,
    member_id: PathId,
    body: AdjustBody,
    staff: MembershipManager,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> GrowthAdjusted:
    """Add or take away growth with a reason (an upgrade follows at once; 409
    ``membership.growth_negative`` below 0). With an ``Idempotency-Key`` a retry changes
    nothing more and returns the same entry."""
    ref = f"staff:{staff.id}:{idempotency_key or uuid.uuid4().hex}"
    adjusted = await service.adjust(
        session, member_id, amount=body.amount, note=body.note, actor=f"staff:{staff.id}", ref=ref
    )
    await record_audit(
        session,
        staff,
        "membership.growth_adjust",
        f"member:{member_id}",
        {"amount": body.amount, "note": body.note, "entry_id": adjusted.entry.id},
        origin_of(request),
    )
    return adjusted
