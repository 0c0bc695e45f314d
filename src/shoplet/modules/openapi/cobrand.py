"""Co-branded campaigns (联名活动): a partner app with ``campaigns:write`` creates bundles and
coupon templates through promotions' own services (the console's checks hold), issues its
coupons to members (promotions' atomic claim: quota and per-member limit), and every paid
order that used one of its items is attributed to it (``openapi_cobrand_redemption``, one row
per app and order) and announced as ``cobrand.redeemed`` to that app's webhooks. The merchant
sets each app's revenue share; the report multiplies the attributed net revenue by it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import Event, publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.openapi import repository as repo
from shoplet.modules.openapi.errors import CobrandItemNotFound, ReportRangeInvalid
from shoplet.modules.openapi.events import COBRAND_REDEEMED
from shoplet.modules.openapi.models import CobrandItem
from shoplet.modules.openapi.schemas import (
    CobrandBundleCreate,
    CobrandItemOut,
    CobrandRedemptionOut,
    CouponIssueResult,
    RevenueShareReport,
    RevenueShareRow,
)
from shoplet.modules.promotions import public as promotions

MAX_REPORT = timedelta(days=366)


async def create_bundle(
    session: AsyncSession, app_id: int, body: CobrandBundleCreate, *, actor: str
) -> CobrandItemOut:
    """A ``bundle`` promotion, checked like the console's, made live at once."""
    created = await promotions.create_promotion(
        session,
        promotions.PromotionCreate(
            name=body.name,
            kind="bundle",
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            product_ids=body.product_ids,
            bundle_price=body.bundle_price,
        ),
        actor=actor,
    )
    await promotions.set_promotion_status(session, created.id, "active")
    return await _remember(session, app_id, "bundle", created.id, created.name)


async def create_coupon(
    session: AsyncSession, app_id: int, body: promotions.TemplateCreate, *, actor: str
) -> CobrandItemOut:
    """A coupon template only the app issues (never claimable in the coupon centre), checked
    like the console's, active at once."""
    template = await promotions.create_template(
        session, body.model_copy(update={"is_claimable": False}), actor=actor
    )
    await promotions.set_template_status(session, template.id, "active")
    return await _remember(session, app_id, "coupon", template.id, template.name)


async def _remember(
    session: AsyncSession, app_id: int, kind: str, ref_id: int, name: str
) -> CobrandItemOut:
    item = await repo.add_cobrand_item(
        session,
        CobrandItem(app_id=app_id, kind=kind, ref_id=ref_id, name=name, created_at=utcnow()),
    )
    return CobrandItemOut.model_validate(item)


async def list_items(session: AsyncSession, app_id: int | None) -> list[CobrandItemOut]:
    return [CobrandItemOut.model_validate(i) for i in await repo.cobrand_items_of(session, app_id)]


async def issue_coupon(
    session: AsyncSession, app_id: int, item_id: int, member_id: int, *, actor: str
) -> CouponIssueResult:
    """One copy of the app's own co-branded coupon to a member (promotions' atomic claim)."""
    item = await repo.get_cobrand_item(session, item_id)
    if item is None or item.app_id != app_id or item.kind != "coupon":
        raise CobrandItemNotFound(item_id=item_id)
    report = await promotions.issue(
        session, template_id=item.ref_id, member_ids=[member_id], actor=actor
    )
    skipped = [s for s in report.skipped if s["member_id"] == member_id]
    return CouponIssueResult(
        template_id=item.ref_id,
        member_id=member_id,
        issued=member_id in report.issued,
        skipped_code=str(skipped[0]["code"]) if skipped else None,
    )


# -- attribution -----------------------------------------------------------------------------


async def attribute(session: AsyncSession, event: Event) -> int:
    """On ``order.paid``: a redemption per app whose items the order used, and its
    ``cobrand.redeemed`` event; the number recorded (0 for a redelivered event)."""
    payload = event.payload
    order_no = str(payload["order_no"])
    used: list[tuple[str, int, int]] = []  # (kind, ref_id, discount)
    coupon = await promotions.applied_coupon(session, order_no)
    if coupon is not None and not coupon.returned and "template_id" in coupon.rule:
        discount = coupon.discount + coupon.shipping_discount
        used.append(("coupon", int(coupon.rule["template_id"]), discount))
    used.extend(
        ("bundle", applied.id, applied.saving)
        for applied in await promotions.order_allocation(session, order_no)
        if applied.kind == "bundle"
    )
    items = await repo.cobrand_items_for(session, [(k, ref) for k, ref, _ in used])
    if not items:
        return 0
    saving = {(k, ref): d for k, ref, d in used}
    by_app: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_app[item.app_id].append(
            {
                "kind": item.kind,
                "ref_id": item.ref_id,
                "name": item.name,
                "discount": saving[item.kind, item.ref_id],
            }
        )
    amount = int(payload.get("amount", payload.get("payable_total", 0)))
    member_id = int(payload["member_id"])
    now = utcnow()
    recorded = 0
    for app_id, app_items in sorted(by_app.items()):
        discount = sum(int(i["discount"]) for i in app_items)
        row_id = await repo.insert_redemption(
            session,
            {
                "app_id": app_id,
                "order_no": order_no,
                "member_id": member_id,
                "items": app_items,
                "amount": amount,
                "discount": discount,
                "refunded": 0,
                "paid_at": event.occurred_at,
                "created_at": now,
            },
        )
        if row_id is None:
            continue
        recorded += 1
        await publish(
            session,
            COBRAND_REDEEMED,
            {
                "app_id": app_id,
                "order_no": order_no,
                "member_id": member_id,
                "amount": amount,
                "discount": discount,
                "items": app_items,
                "paid_at": event.occurred_at.isoformat(),
            },
            key=order_no,
        )
    return recorded


async def record_refund(session: AsyncSession, event: Event) -> int:
    """On ``order.refunded`` / ``aftersale.refunded``: the order's refunded total (never
    lowered, at most what was paid) on its redemptions."""
    if "refunded_total" not in event.payload:
        return 0
    refunded = int(event.payload["refunded_total"])
    return await repo.set_redemption_refunded(session, str(event.payload["order_no"]), refunded)


# -- reports ---------------------------------------------------------------------------------


async def list_redemptions(
    session: AsyncSession, app_id: int, *, cursor: str | None, limit: int
) -> tuple[list[CobrandRedemptionOut], str | None]:
    rows = await repo.redemptions_of(
        session, app_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [CobrandRedemptionOut.model_validate(r) for r in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None


def share_of(net: int, bp: int) -> int:
    """``net`` x ``bp`` / 10000 fen, rounded half up (both non-negative)."""
    return (net * bp + 5000) // 10000


async def revenue_report(
    session: AsyncSession, *, since: datetime, until: datetime, app_id: int | None = None
) -> RevenueShareReport:
    """Per app: orders attributed in ``[since, until)`` (by payment time), paid, refunded,
    net, the items' discount and the partner's share at its current rate."""
    if until <= since or until - since > MAX_REPORT:
        raise ReportRangeInvalid()
    rows = []
    for app, n, paid, refunded, discount in await repo.revenue_by_app(
        session, since=since, until=until, app_id=app_id
    ):
        net = max(paid - refunded, 0)
        rows.append(
            RevenueShareRow(
                app_id=app.id,
                app_name=app.name,
                revenue_share_bp=app.revenue_share_bp,
                redemptions=n,
                revenue=paid,
                refunded=refunded,
                net=net,
                discount=discount,
                share=share_of(net, app.revenue_share_bp),
            )
        )
    return RevenueShareReport(since=since, until=until, rows=rows)
