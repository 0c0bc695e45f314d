"""Claims in the coupon centre, staff issues, and the shopper's and template's coupon lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import events as ev
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import (
    ClaimLimitReached,
    CouponExpired,
    CouponNotFound,
    NewCustomerOnly,
    NotClaimable,
    QuotaExhausted,
    TemplateNotActive,
)
from shoplet.modules.promotions.models import CouponTemplate
from shoplet.modules.promotions.schemas import (
    CentreTemplate,
    Coupon,
    CouponClaim,
    IssueReport,
    WalletTab,
)

from ._common import (
    _template,
    coupon_view,
)

# -- claiming --------------------------------------------------------------------------------


def _window(template: CouponTemplate, now: datetime) -> tuple[datetime, datetime]:
    if template.valid_days is not None:
        return now, now + timedelta(days=template.valid_days)
    if template.valid_from is None or template.valid_to is None:
        raise RuntimeError(f"template {template.id} has neither valid_days nor a window")
    return template.valid_from, template.valid_to


async def _give_copy(
    session: AsyncSession,
    template: CouponTemplate,
    *,
    member_id: int,
    source: str,
    issued_by: str | None,
    now: datetime,
) -> int | None:
    """One copy for ``member_id``: its id; None when the member holds the most allowed. The
    caller has taken the quota (and with it the template's row lock) first."""
    held = await repo.copies_held(session, template.id, member_id)
    if held >= template.per_shopper_limit:
        return None
    valid_from, valid_to = _window(template, now)
    coupon_id = await repo.insert_coupon_if_new(
        session,
        {
            "template_id": template.id,
            "member_id": member_id,
            "seq": held + 1,
            "source": source,
            "state": "unused",
            "valid_from": valid_from,
            "valid_to": valid_to,
            "order_no": None,
            "issued_by": issued_by,
            "claimed_at": now,
            "updated_at": now,
        },
    )
    if coupon_id is not None:
        await publish(
            session,
            ev.COUPON_CLAIMED,
            {
                "coupon_id": coupon_id,
                "template_id": template.id,
                "member_id": member_id,
                "source": source,
            },
            key=str(coupon_id),
        )
    return coupon_id


async def claim(session: AsyncSession, *, member_id: int, template_id: int) -> Coupon:
    """Claim one copy in the coupon centre (409 when stopped, staff-only, ended, new customers
    only, over the shopper's limit or out of quota; nothing written then)."""
    await members.hold_member(session, member_id)
    now = utcnow()
    template = await _template(session, template_id)
    if template.status != "active":
        raise TemplateNotActive(template_id=template_id, template_status=template.status)
    if not template.is_claimable:
        raise NotClaimable(template_id=template_id)
    if template.valid_to is not None and template.valid_to <= now:
        raise CouponExpired("this coupon's validity has ended", template_id=template_id)
    if template.is_new_customer_only and await orders.has_paid_order(session, member_id):
        raise NewCustomerOnly(template_id=template_id)
    if not await repo.take_quota(session, template_id):
        # Stopped in between, or none left: tell which.
        fresh = await _template(session, template_id)
        if fresh.status != "active":
            raise TemplateNotActive(template_id=template_id, template_status=fresh.status)
        raise QuotaExhausted(template_id=template_id)
    coupon_id = await _give_copy(
        session, template, member_id=member_id, source="claim", issued_by=None, now=now
    )
    if coupon_id is None:
        # The request's transaction rolls back, quota included.
        raise ClaimLimitReached(template_id=template_id, limit=template.per_shopper_limit)
    return await get_coupon(session, member_id=member_id, coupon_id=coupon_id)


async def issue(
    session: AsyncSession, *, template_id: int, member_ids: Sequence[int], actor: str
) -> IssueReport:
    """Staff give one copy to each member (ascending ids, once per id): each either gets it
    whole or is skipped with the reason; the quota is never passed, whatever claims run at the
    same time. Draft and stopped templates are refused whole (409)."""
    now = utcnow()
    template = await _template(session, template_id)
    if template.status != "active":
        raise TemplateNotActive(template_id=template_id, template_status=template.status)
    if template.valid_to is not None and template.valid_to <= now:
        raise CouponExpired("this coupon's validity has ended", template_id=template_id)
    issued: list[int] = []
    skipped: list[dict[str, int | str]] = []
    for member_id in sorted(set(member_ids)):
        try:
            # Ascending ids, each held before its copy: an absorbed account is skipped.
            await members.hold_member(session, member_id)
        except members.AlreadyMerged:
            skipped.append({"member_id": member_id, "code": members.AlreadyMerged.code})
            continue
        if not await repo.take_quota(session, template_id):
            skipped.append({"member_id": member_id, "code": QuotaExhausted.code})
            continue
        coupon_id = await _give_copy(
            session, template, member_id=member_id, source="issue", issued_by=actor, now=now
        )
        if coupon_id is None:
            await repo.give_back_quota(session, template_id)
            skipped.append({"member_id": member_id, "code": ClaimLimitReached.code})
        else:
            issued.append(member_id)
    return IssueReport(issued=issued, skipped=skipped)


async def coupon_centre(
    session: AsyncSession, *, member_id: int | None, cursor: str | None, limit: int
) -> tuple[list[CentreTemplate], str | None]:
    """Claimable templates, newest first, with what is left and what this shopper holds."""
    rows = await repo.list_centre_templates(
        session, now=utcnow(), before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    held = (
        await repo.held_counts(session, member_id, [t.id for t in page])
        if member_id is not None
        else {}
    )
    items = [
        CentreTemplate(
            id=t.id,
            name=t.name,
            kind=t.kind,  # type: ignore[arg-type]
            threshold=t.threshold,
            amount=t.amount,
            rate_permille=t.rate_permille,
            scope=t.scope,  # type: ignore[arg-type]
            scope_ids=list(t.scope_ids),
            is_new_customer_only=t.is_new_customer_only,
            valid_from=t.valid_from,
            valid_to=t.valid_to,
            valid_days=t.valid_days,
            total_quota=t.total_quota,
            claimed=t.claimed,
            remaining=t.total_quota - t.claimed,
            per_shopper_limit=t.per_shopper_limit,
            held=held.get(t.id, 0),
            can_claim=t.claimed < t.total_quota and held.get(t.id, 0) < t.per_shopper_limit,
        )
        for t in page
    ]
    return items, encode_id_cursor(page[-1].id) if len(rows) > limit else None


# -- a shopper's coupons ---------------------------------------------------------------------


async def get_coupon(session: AsyncSession, *, member_id: int, coupon_id: int) -> Coupon:
    found = await repo.get_member_coupon(session, coupon_id, member_id)
    if found is None:
        raise CouponNotFound(coupon_id=coupon_id)
    return coupon_view(found[0], found[1], utcnow())


async def list_my_coupons(
    session: AsyncSession, *, member_id: int, tab: WalletTab, cursor: str | None, limit: int
) -> tuple[list[Coupon], str | None]:
    now = utcnow()
    rows = await repo.list_member_coupons(
        session,
        member_id=member_id,
        tab=tab,
        now=now,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    items = [coupon_view(c, t, now) for c, t in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None


async def list_claims(
    session: AsyncSession, *, template_id: int, cursor: str | None, limit: int
) -> tuple[list[CouponClaim], str | None]:
    await _template(session, template_id)
    rows = await repo.list_claims(
        session, template_id=template_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [CouponClaim.model_validate(r) for r in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None
