"""Console routes of members (mounted under ``/api/v1/console`` like every module's): the
member list (会员列表) and the member page's 资料 tab."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import (
    PII_REVEAL,
    CurrentStaff,
    PiiRevealDenied,
    StepUpCheck,
    origin_of,
    record_audit,
)

from . import identity, listing, service
from .schemas import MemberAdmin, MemberMergeView

router = APIRouter(tags=["console-members"])


@router.get("/members", responses=problem_responses(400, 403))
async def list_members(
    staff: CurrentStaff,
    *,
    session: DbSession,
    ctx: Ctx,
    request: Request,
    q: Annotated[
        str | None,
        Query(max_length=32, description="a full phone number, a member id or part of a nickname"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[MemberAdmin]:
    """Members, newest first (phones masked). Finding one by phone needs ``pii:reveal`` and is
    recorded in the audit log, as for orders."""
    await listing.audit_phone_search(session, staff, q, origin_of(request))
    rows, next_cursor = await listing.list_members_admin(
        session, ctx.pii, q=q, cursor=cursor, limit=limit
    )
    return Page(
        items=[MemberAdmin.build_admin(r, ctx.pii, reveal_phone=False) for r in rows],
        next_cursor=next_cursor,
    )


@router.get("/members/{member_id}", responses=problem_responses(403, 404))
async def get_member(
    member_id: PathId,
    staff: CurrentStaff,
    step_up: StepUpCheck,
    *,
    session: DbSession,
    ctx: Ctx,
    request: Request,
    reveal: Annotated[
        bool,
        Query(description="show the full phone: needs pii:reveal, recorded in the audit log"),
    ] = False,
) -> MemberAdmin:
    """One member's profile for any signed-in staff member (phone masked; 404
    ``members.member_not_found``)."""
    if reveal and PII_REVEAL not in staff.permissions:
        raise PiiRevealDenied(f"Your role ({staff.role}) lacks the {PII_REVEAL} permission")
    if reveal:
        step_up.require()  # a fresh passkey or authenticator code before any full phone
    row = await service.get_member_admin(session, member_id)
    if reveal:
        await record_audit(
            session, staff, "member.reveal_phone", f"member:{member_id}", {}, origin_of(request)
        )
    return MemberAdmin.build_admin(row, ctx.pii, reveal_phone=reveal)


@router.get("/members-merges", responses=problem_responses(400, 403))
async def list_member_merges(
    staff: CurrentStaff,
    *,
    session: DbSession,
    member_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[MemberMergeView]:
    """账号合并记录: merges of shoppers' accounts, newest first (of one member, absorbed or
    surviving, with ``member_id``), with what each module moved."""
    rows = await identity.list_merges(
        session, member_id=member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[MemberMergeView.model_validate(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )
