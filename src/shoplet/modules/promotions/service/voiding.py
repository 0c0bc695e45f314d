"""Staff voiding coupons: one unused coupon at once, or every unused copy of a template as a
job (the template is stopped first, so no new copies appear behind the job)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import (
    CouponNotFound,
    CouponNotVoidable,
    TemplateNotEditable,
)
from shoplet.modules.promotions.schemas import CouponClaim, Job

from ._common import _template
from .jobs import job_view, new_job


async def void_coupon(
    session: AsyncSession, coupon_id: int, *, reason: str, actor: str
) -> CouponClaim:
    """unused -> void with the reason and who (404 unknown; 409
    ``promotions.coupon_not_voidable`` when locked by an order, used, expired or void)."""
    row = await repo.get_coupon_row(session, coupon_id)
    if row is None:
        raise CouponNotFound(coupon_id=coupon_id)
    if not await repo.void_coupon(session, coupon_id, reason=reason, actor=actor, now=utcnow()):
        raise CouponNotVoidable(coupon_id=coupon_id, state=row.state)
    fresh = await repo.get_coupon_row(session, coupon_id)
    return CouponClaim.model_validate(fresh)


async def void_unused(session: AsyncSession, template_id: int, *, reason: str, actor: str) -> Job:
    """Stop the template (if active) and queue a job voiding every unused copy (409
    ``promotions.template_not_editable`` for a draft, which has none)."""
    template = await _template(session, template_id)
    if template.status == "draft":
        raise TemplateNotEditable("a draft template has no coupons to void")
    now = utcnow()
    if template.status == "active":
        await repo.update_template_if(
            session, template_id, "active", {"status": "stopped", "updated_at": now}
        )
    job = await new_job(
        session,
        template_id=template_id,
        kind="void_unused",
        params={"reason": reason},
        total=await repo.count_unused(session, template_id),
        result={"voided": 0},
        actor=actor,
    )
    return job_view(job)
