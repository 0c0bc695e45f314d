"""Console routes of profiles, tags, segments and clusters: reading under ``analytics:view``,
changing (tags, their members, segments, jobs, coupons to a segment) under
``analytics:manage``; every change is audited. Phones in member lists are masked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.analytics.profiles import service
from shoplet.modules.analytics.profiles.schemas import (
    ClustersOut,
    ConditionPreview,
    JobOut,
    ManualTagMembers,
    ManualTagResult,
    Member360,
    PreviewCount,
    SegmentCouponIssue,
    SegmentCouponReport,
    SegmentCreate,
    SegmentMember,
    SegmentOut,
    TagCreate,
    TagOut,
    TagUpdate,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-analytics"])

Viewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
Manager = Annotated[StaffIdentity, Depends(require_permission("analytics:manage"))]


@router.get("/analytics/profiles/{member_id}", responses=problem_responses(404))
async def member_profile(member_id: PathId, _: Viewer, ctx: Ctx, session: DbSession) -> Member360:
    """会员画像: a member's profile, tags and timeline of orders and tracked events (404
    ``analytics.profile_not_found`` before their first profile)."""
    return await service.member_360(ctx, session, member_id)


@router.post(
    "/analytics/profiles/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400),
)
async def request_profiles_job(
    staff: Manager,
    request: Request,
    session: DbSession,
    kind: Annotated[str, Query(pattern="^(profiles|clusters)$")] = "profiles",
) -> JobOut:
    """重新计算 every profile (``kind=profiles``) or the clusters (``kind=clusters``): a job
    the worker picks up; the open one is returned if there is one."""
    job, created = await service.request_job(session, kind, staff_id=staff.id)
    if created:
        await record_audit(
            session,
            staff,
            f"analytics.{kind}_job",
            f"profile_job:{job.id}",
            None,
            origin_of(request),
        )
    return job


@router.get("/analytics/profiles/jobs/{job_id}", responses=problem_responses(404))
async def get_job(job_id: PathId, _: Viewer, session: DbSession) -> JobOut:
    """A job's status and progress."""
    return await service.get_job(session, job_id)


@router.get("/analytics/tags")
async def list_tags(_: Viewer, session: DbSession) -> list[TagOut]:
    """Every tag (rule, computed, manual) with how many members hold it."""
    return await service.list_tags(session)


@router.post(
    "/analytics/tags", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409)
)
async def create_tag(
    body: TagCreate, staff: Manager, request: Request, session: DbSession
) -> TagOut:
    """A rule tag (400 ``analytics.condition_invalid`` with ``path``; every member is then
    decided by a job) or a manual tag."""
    tag, _job = await service.create_tag(session, body, staff_id=staff.id)
    await record_audit(
        session,
        staff,
        "analytics.tag_created",
        f"tag:{tag.id}",
        {"code": tag.code},
        origin_of(request),
    )
    return tag


@router.patch("/analytics/tags/{tag_id}", responses=problem_responses(400, 404, 409))
async def update_tag(
    tag_id: PathId, body: TagUpdate, staff: Manager, request: Request, session: DbSession
) -> TagOut:
    """Rename a tag or change a rule tag's condition (re-decided for every member by a job)."""
    tag, _job = await service.update_tag(session, tag_id, body, staff_id=staff.id)
    await record_audit(
        session, staff, "analytics.tag_updated", f"tag:{tag_id}", None, origin_of(request)
    )
    return tag


@router.post("/analytics/tags/{tag_id}/members", responses=problem_responses(404, 409))
async def add_tag_members(
    tag_id: PathId, body: ManualTagMembers, staff: Manager, request: Request, session: DbSession
) -> ManualTagResult:
    """Give a manual tag to members (those holding it already are left alone)."""
    changed = await service.change_manual_members(
        session, tag_id, body.member_ids, add=True, actor=f"staff:{staff.id}"
    )
    await record_audit(
        session,
        staff,
        "analytics.tag_members_added",
        f"tag:{tag_id}",
        {"members": len(body.member_ids)},
        origin_of(request),
    )
    return ManualTagResult(changed=changed)


@router.post("/analytics/tags/{tag_id}/member-removals", responses=problem_responses(404, 409))
async def remove_tag_members(
    tag_id: PathId, body: ManualTagMembers, staff: Manager, request: Request, session: DbSession
) -> ManualTagResult:
    """Take a manual tag from members."""
    changed = await service.change_manual_members(
        session, tag_id, body.member_ids, add=False, actor=f"staff:{staff.id}"
    )
    await record_audit(
        session,
        staff,
        "analytics.tag_members_removed",
        f"tag:{tag_id}",
        {"members": len(body.member_ids)},
        origin_of(request),
    )
    return ManualTagResult(changed=changed)


@router.post("/analytics/segments/preview", responses=problem_responses(400))
async def preview(body: ConditionPreview, _: Viewer, session: DbSession) -> PreviewCount:
    """The live member count of an unsaved segment (or rule tag, ``kind=rule``)."""
    return await service.preview(session, body.condition, kind=body.kind)


@router.get("/analytics/segments")
async def list_segments(_: Viewer, session: DbSession) -> list[SegmentOut]:
    """Saved segments, newest first, with their member counts now."""
    return await service.list_segments(session)


@router.post(
    "/analytics/segments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_segment(
    body: SegmentCreate, staff: Manager, request: Request, session: DbSession
) -> SegmentOut:
    """Save a segment (400 ``analytics.condition_invalid``; 409 ``analytics.segment_exists``)."""
    segment = await service.create_segment(session, body, staff_id=staff.id)
    await record_audit(
        session,
        staff,
        "analytics.segment_created",
        f"segment:{segment.id}",
        None,
        origin_of(request),
    )
    return segment


@router.get("/analytics/segments/{segment_id}/members", responses=problem_responses(400, 404))
async def segment_members(
    *,
    segment_id: PathId,
    _: Viewer,
    ctx: Ctx,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[SegmentMember]:
    """A segment's members by id (keyset cursor), phones masked."""
    items, next_cursor = await service.segment_members(
        ctx, session, segment_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/analytics/segments/{segment_id}/coupon-issues", responses=problem_responses(404, 409)
)
async def issue_coupon(
    segment_id: PathId,
    body: SegmentCouponIssue,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> SegmentCouponReport:
    """发券: one coupon of the template to each member of the segment, once per member even
    when pressed twice."""
    report = await service.issue_coupon(
        session, segment_id, body.coupon_template_id, actor=f"staff:{staff.id}"
    )
    await record_audit(
        session,
        staff,
        "analytics.segment_coupons",
        f"segment:{segment_id}",
        {"template_id": body.coupon_template_id, "issued": report.issued},
        origin_of(request),
    )
    return report


@router.get("/analytics/clusters")
async def clusters(_: Viewer, session: DbSession) -> ClustersOut:
    """聚类: the last clustering's clusters (size, mean spend, centroid) and sample points."""
    return await service.clusters(session)
