"""Console routes for coupons: templates (create a draft, edit it, activate, stop), lists with
claimed and used counts, issuing to members, a template's claims.

Thin: each route checks ``promotions:manage``, calls the service and appends an audit entry in
the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.promotions import console_codes, service
from shoplet.modules.promotions.errors import InvalidSegment
from shoplet.modules.promotions.schemas import (
    CouponClaim,
    IssueReport,
    IssueRequest,
    Job,
    SegmentPreview,
    Template,
    TemplateCreate,
    TemplateStatus,
    TemplateUpdate,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(prefix="/coupon-templates", tags=["console-coupons"])

CouponManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _actor(staff: StaffIdentity) -> str:
    return f"staff:{staff.id}"


@router.get("", responses=problem_responses(400))
async def list_templates(
    _: CouponManager,
    session: DbSession,
    status: Annotated[TemplateStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Template]:
    """Coupon templates, newest first, with claimed and used counts."""
    items, next_cursor = await service.list_templates(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_template(
    body: TemplateCreate, staff: CouponManager, request: Request, session: DbSession
) -> Template:
    """Create a draft template (400 ``promotions.invalid_template`` for bad amounts, rates,
    quotas or dates)."""
    created = await service.create_template(session, body, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.template_create",
        f"coupon_template:{created.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return created


@router.get("/{template_id}", responses=problem_responses(404))
async def get_template(template_id: PathId, _: CouponManager, session: DbSession) -> Template:
    """A template with its counters."""
    return await service.get_template(session, template_id)


@router.put("/{template_id}", responses=problem_responses(400, 404, 409))
async def update_template(
    template_id: PathId,
    body: TemplateUpdate,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> Template:
    """Replace a draft template (409 ``promotions.template_not_editable`` once activated)."""
    updated = await service.update_template(session, template_id, body)
    await record_audit(
        session,
        staff,
        "promotions.template_update",
        f"coupon_template:{template_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return updated


async def _status(
    template_id: int, new: str, staff: StaffIdentity, request: Request, session: DbSession
) -> Template:
    changed = await service.set_template_status(session, template_id, new)
    await record_audit(
        session,
        staff,
        f"promotions.template_{'activate' if new == 'active' else 'stop'}",
        f"coupon_template:{template_id}",
        None,
        origin_of(request),
    )
    return changed


@router.post("/{template_id}/activate", responses=problem_responses(404, 409))
async def activate_template(
    template_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> Template:
    """Open a draft template for claims and issues."""
    return await _status(template_id, "active", staff, request, session)


@router.post("/{template_id}/stop", responses=problem_responses(404, 409))
async def stop_template(
    template_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> Template:
    """Stop claims and issues; coupons already held stay usable until they expire."""
    return await _status(template_id, "stopped", staff, request, session)


@router.post("/{template_id}/issue", responses=problem_responses(400, 404, 409))
async def issue_coupons(
    template_id: PathId,
    body: IssueRequest,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> IssueReport | SegmentPreview | Job:
    """Give one copy to each listed member: ``issued`` and ``skipped`` (with the reason: the
    member's limit, or the quota). With ``segment``: ``{"count"}`` on a ``dry_run``, else a
    queued job (400 ``promotions.invalid_segment``)."""
    if body.segment is not None:
        return await _issue_segment(template_id, body, staff, request, session)
    report = await service.issue(
        session, template_id=template_id, member_ids=body.member_ids, actor=_actor(staff)
    )
    await record_audit(
        session,
        staff,
        "promotions.issue",
        f"coupon_template:{template_id}",
        {"issued": len(report.issued), "skipped": len(report.skipped)},
        origin_of(request),
    )
    return report


@router.get("/{template_id}/claims", responses=problem_responses(400, 404))
async def list_claims(
    template_id: PathId,
    _: CouponManager,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[CouponClaim]:
    """The coupons given out from a template, newest first."""
    items, next_cursor = await service.list_claims(
        session, template_id=template_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


async def _issue_segment(
    template_id: int, body: IssueRequest, staff: StaffIdentity, request: Request, session: DbSession
) -> SegmentPreview | Job:
    segment = body.segment
    if segment is None:
        raise InvalidSegment("give member_ids or segment")
    out = await service.issue_to_segment(
        session, template_id, segment, dry_run=body.dry_run, actor=_actor(staff)
    )
    if isinstance(out, Job):
        await record_audit(
            session,
            staff,
            "promotions.issue_segment",
            f"coupon_template:{template_id}",
            {"job_id": out.id, "segment": segment.model_dump(mode="json"), "total": out.total},
            origin_of(request),
        )
    return out


# Codes, voiding, jobs and an order's coupon (console_codes.py) beside the template routes.
templates_router = router
router = APIRouter()
router.include_router(templates_router)
router.include_router(console_codes.router)
