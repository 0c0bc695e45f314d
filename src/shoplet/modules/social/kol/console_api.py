"""Console routes of KOL discovery (达人发现), behind ``distribution:manage`` (inviting makes
promoters): the sharers of the last run, their graph, a new run, invitations (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import QueryId
from shoplet.modules.social.kol import service
from shoplet.modules.social.kol.schemas import (
    InviteBody,
    InviteReport,
    KolGraph,
    KolInvitePage,
    KolPage,
    KolRunOut,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-kol"])

KolManager = Annotated[StaffIdentity, Depends(require_permission("distribution:manage"))]


@router.get("/social/kols", responses=problem_responses(400))
async def list_kols(
    _: KolManager,
    session: DbSession,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> KolPage:
    """The last run's sharers, best first: PageRank, brought, two-hop reach, converted,
    revenue, community, promoter or not."""
    return await service.list_kols(session, cursor=cursor, limit=limit)


@router.get("/social/kols/graph")
async def kol_graph(
    _: KolManager,
    session: DbSession,
    top: Annotated[int, Query(ge=1, le=50)] = 20,
) -> KolGraph:
    """The top sharers and the shoppers they brought (the graph view)."""
    return await service.kol_graph(session, top=top)


@router.post("/social/kols/runs")
async def run_now(staff: KolManager, ctx: Ctx, request: Request, session: DbSession) -> KolRunOut:
    """重新分析: analyse the graph now and return the run (its size and duration)."""
    run = await service.run_analysis(ctx, triggered_by=f"staff:{staff.id}")
    await record_audit(
        session, staff, "social.kol_run", f"kol_run:{run.id}", None, origin_of(request)
    )
    return run


@router.post("/social/kols/invitations", responses=problem_responses(400, 404, 409))
async def invite(
    body: InviteBody, staff: KolManager, ctx: Ctx, request: Request, session: DbSession
) -> InviteReport:
    """Invite members to become promoters, or as seed users of a campaign (with a coupon)."""
    report = await service.invite(ctx, session, body, actor=f"staff:{staff.id}")
    await record_audit(
        session,
        staff,
        f"social.kol_invite_{body.kind}",
        f"{body.play or 'promoter'}:{body.campaign_id or 0}",
        {"invited": report.invited, "coupons_issued": report.coupons_issued},
        origin_of(request),
    )
    return report


@router.get("/social/kols/invitations", responses=problem_responses(400))
async def list_invitations(
    _: KolManager,
    session: DbSession,
    member_id: QueryId = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> KolInvitePage:
    """Invitations sent, newest first (optionally of one member)."""
    return await service.list_invites(session, member_id=member_id, cursor=cursor, limit=limit)
