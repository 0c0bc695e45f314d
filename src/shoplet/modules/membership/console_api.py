"""Console routes for membership: the tier table and settings, a member's account and growth
ledger, staff growth adjustments, members per tier, the member list filtered by tier and SVIP,
the paid plans (SVIP) and the periods members bought.

Thin: each route checks ``membership:manage``, calls the service and appends an audit entry in
the same transaction for every change.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.members.public import MemberAdmin, audit_phone_search, list_members_admin
from shoplet.modules.membership import service
from shoplet.modules.membership.schemas import (
    AdjustBody,
    ExclusionsBody,
    ExclusionsOut,
    GrowthAdjusted,
    MemberMembership,
    PlanBody,
    PlanOut,
    PlanPeriodOut,
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
State = Literal["pending", "active", "queued", "expired", "revoked", "cancelled"]
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


@router.get("/membership/exclusions")
async def get_exclusions(_: MembershipManager, session: DbSession) -> ExclusionsOut:
    """The products and categories the member price skips."""
    return await service.get_exclusions(session)


@router.put("/membership/exclusions", responses=problem_responses(400))
async def put_exclusions(
    body: ExclusionsBody, staff: MembershipManager, request: Request, session: DbSession
) -> ExclusionsOut:
    """Replace the list (400 ``membership.invalid_exclusions`` for a product or category that
    does not exist: nothing is saved)."""
    saved = await service.save_exclusions(session, body, actor=staff.username)
    await record_audit(
        session,
        staff,
        "membership.exclusions_update",
        "membership:exclusions",
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


@router.get("/membership/members", responses=problem_responses(400, 403))
async def list_members_by_tier(  # noqa: PLR0917
    staff: MembershipManager,
    session: DbSession,
    ctx: Ctx,
    request: Request,
    level: Annotated[
        int | None, Query(ge=0, le=1000, description="the tier's level: 0 for V0, 1 for V1 …")
    ] = None,
    svip: Annotated[
        bool | None, Query(description="true: a paid plan runs now; false: none does")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=32, description="a full phone number, a member id or part of a nickname"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[MemberAdmin]:
    """会员列表 by tier: the console's member list (newest first, phones masked, the same ``q``
    and cursor) narrowed to the members whose tier now is ``level`` (a paid grant counted) and
    who do or do not hold a running SVIP plan. 400 ``membership.unknown_tier`` for a level the
    tier table does not have."""
    within = await service.member_filter(session, level=level, svip=svip)
    await audit_phone_search(session, staff, q, origin_of(request))
    rows, next_cursor = await list_members_admin(
        session, ctx.pii, q=q, cursor=cursor, limit=limit, within=within
    )
    return Page(
        items=[MemberAdmin.build_admin(r, ctx.pii, reveal_phone=False) for r in rows],
        next_cursor=next_cursor,
    )


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


@router.get("/membership/plans")
async def get_plans(_: MembershipManager, session: DbSession) -> list[PlanOut]:
    """Every paid plan, on sale or not, in display order."""
    return await service.list_plans(session, on_sale_only=False)


@router.post("/membership/plans", status_code=201, responses=problem_responses(400, 409))
async def create_plan(
    body: PlanBody, staff: MembershipManager, request: Request, session: DbSession
) -> PlanOut:
    """Add a plan (400 ``membership.invalid_plan`` listing every problem, 409
    ``membership.plan_code_taken``)."""
    saved = await service.save_plan(session, body)
    await record_audit(
        session,
        staff,
        "membership.plan_create",
        f"membership:plan:{saved.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.put("/membership/plans/{plan_id}", responses=problem_responses(400, 404, 409))
async def update_plan(
    plan_id: PathId, body: PlanBody, staff: MembershipManager, request: Request, session: DbSession
) -> PlanOut:
    """Replace a plan (price, months, benefits, on sale). Periods already bought keep what
    they were sold with."""
    saved = await service.save_plan(session, body, plan_id)
    await record_audit(
        session,
        staff,
        "membership.plan_update",
        f"membership:plan:{plan_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@router.get("/membership/subscriptions", responses=problem_responses(400))
async def list_subscriptions(  # noqa: PLR0917
    _: MembershipManager,
    session: DbSession,
    member_id: QueryId = None,
    plan_id: QueryId = None,
    state: State | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PlanPeriodOut]:
    """Plan periods bought, newest first: member, plan, start, end, state, order no., what a
    refund could give back now (the refund rule)."""
    items, next_cursor = await service.list_subscriptions(
        session, member_id=member_id, plan_id=plan_id, state=state, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)
