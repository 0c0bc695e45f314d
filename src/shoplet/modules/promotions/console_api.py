"""Console routes for coupons: templates (create a draft, edit it, activate, stop), lists with
claimed and used counts, issuing to members, a template's claims; and for store-wide
promotions: drafts, edits, activation and stop, the stacking policy, a sample-cart preview.

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
    Policy,
    PolicyUpdate,
    PreviewRequest,
    PromotionCreate,
    PromotionOut,
    PromotionPreview,
    PromotionStatus,
    PromotionUpdate,
    SegmentPreview,
    Template,
    TemplateCreate,
    TemplateStatus,
    TemplateUpdate,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

templates_router = APIRouter(prefix="/coupon-templates", tags=["console-coupons"])
promotions_router = APIRouter(prefix="/promotions", tags=["console-promotions"])

CouponManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _actor(staff: StaffIdentity) -> str:
    return f"staff:{staff.id}"


@templates_router.get("", responses=problem_responses(400))
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


@templates_router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
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


@templates_router.get("/{template_id}", responses=problem_responses(404))
async def get_template(template_id: PathId, _: CouponManager, session: DbSession) -> Template:
    """A template with its counters."""
    return await service.get_template(session, template_id)


@templates_router.put("/{template_id}", responses=problem_responses(400, 404, 409))
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


@templates_router.post("/{template_id}/activate", responses=problem_responses(404, 409))
async def activate_template(
    template_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> Template:
    """Open a draft template for claims and issues."""
    return await _status(template_id, "active", staff, request, session)


@templates_router.post("/{template_id}/stop", responses=problem_responses(404, 409))
async def stop_template(
    template_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> Template:
    """Stop claims and issues; coupons already held stay usable until they expire."""
    return await _status(template_id, "stopped", staff, request, session)


@templates_router.post("/{template_id}/issue", responses=problem_responses(400, 404, 409))
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


@templates_router.get("/{template_id}/claims", responses=problem_responses(400, 404))
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


# -- store-wide promotions -------------------------------------------------------------------


@promotions_router.get("/policy")
async def get_policy(_: CouponManager, session: DbSession) -> Policy:
    """The stacking policy and the subsidy cap (defaults until first saved)."""
    return await service.get_policy(session)


@promotions_router.put("/policy", responses=problem_responses(400))
async def update_policy(
    body: PolicyUpdate, staff: CouponManager, request: Request, session: DbSession
) -> Policy:
    """Replace the stacking policy (400 ``promotions.invalid_policy`` for a cap outside
    1..1000‰)."""
    saved = await service.update_policy(session, body, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.policy_update",
        "promotion_policy:1",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return saved


@promotions_router.post("/preview", responses=problem_responses(400))
async def preview_promotions(
    body: PreviewRequest, _: CouponManager, session: DbSession
) -> PromotionPreview:
    """A sample cart priced with the running promotions and the draft being edited."""
    return await service.console_preview(session, body)


@promotions_router.get("", responses=problem_responses(400))
async def list_promotions(
    _: CouponManager,
    session: DbSession,
    status: Annotated[PromotionStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PromotionOut]:
    """Promotions, newest first (``status`` for the tabs)."""
    items, next_cursor = await service.list_promotions(
        session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@promotions_router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_promotion(
    body: PromotionCreate, staff: CouponManager, request: Request, session: DbSession
) -> PromotionOut:
    """Create a draft promotion (400 ``promotions.invalid_promotion`` naming the field)."""
    created = await service.create_promotion(session, body, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.promotion_create",
        f"promotion:{created.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return created


@promotions_router.get("/{promotion_id}", responses=problem_responses(404))
async def get_promotion(promotion_id: PathId, _: CouponManager, session: DbSession) -> PromotionOut:
    """A promotion."""
    return await service.get_promotion(session, promotion_id)


@promotions_router.put("/{promotion_id}", responses=problem_responses(400, 404, 409))
async def update_promotion(
    promotion_id: PathId,
    body: PromotionUpdate,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> PromotionOut:
    """Replace a draft promotion (409 ``promotions.promotion_not_editable`` once activated)."""
    updated = await service.update_promotion(session, promotion_id, body)
    await record_audit(
        session,
        staff,
        "promotions.promotion_update",
        f"promotion:{promotion_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return updated


async def _promotion_status(
    promotion_id: int, new: str, staff: StaffIdentity, request: Request, session: DbSession
) -> PromotionOut:
    changed = await service.set_promotion_status(session, promotion_id, new)
    await record_audit(
        session,
        staff,
        f"promotions.promotion_{'activate' if new == 'active' else 'stop'}",
        f"promotion:{promotion_id}",
        None,
        origin_of(request),
    )
    return changed


@promotions_router.post("/{promotion_id}/activate", responses=problem_responses(404, 409))
async def activate_promotion(
    promotion_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> PromotionOut:
    """A draft applies from its start to its end."""
    return await _promotion_status(promotion_id, "active", staff, request, session)


@promotions_router.post("/{promotion_id}/stop", responses=problem_responses(404, 409))
async def stop_promotion(
    promotion_id: PathId, staff: CouponManager, request: Request, session: DbSession
) -> PromotionOut:
    """Stop an active promotion at once."""
    return await _promotion_status(promotion_id, "stopped", staff, request, session)


# Coupon templates, codes, voiding, jobs and an order's coupon (console_codes.py), and the
# store-wide promotions.
router = APIRouter()
router.include_router(templates_router)
router.include_router(console_codes.router)
router.include_router(promotions_router)
