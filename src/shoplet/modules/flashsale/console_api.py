"""Console routes for flash sales: create (carves stock), list, read with live counters, edit
until buy tokens open, cancel, reconcile now.

Thin: each route checks ``flashsale:manage``, calls ``flashsale.public`` and appends an audit
entry in the same transaction.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import public as flashsale
from .public import CampaignAdmin, CampaignCreate, CampaignUpdate

router = APIRouter(prefix="/flash-sales", tags=["console-flash-sales"])

FlashManager = Annotated[StaffIdentity, Depends(require_permission("flashsale:manage"))]
CampaignId = Annotated[int, Path(ge=1, le=2**63 - 1)]
StatusFilter = Literal["upcoming", "live", "ended", "cancelled"]


def _actor(staff: StaffIdentity) -> str:
    return f"staff:{staff.id}"


@router.get("")
async def list_flash_sales(
    _: FlashManager,
    session: DbSession,
    ctx: Ctx,
    status: Annotated[StatusFilter | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CampaignAdmin]:
    """Flash sales, newest first, with their live counters."""
    items, next_cursor = await flashsale.list_campaigns_admin(
        ctx, session, status=status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409))
async def create_flash_sale(
    body: CampaignCreate, staff: FlashManager, request: Request, session: DbSession
) -> CampaignAdmin:
    """Create a flash sale: its units are taken out of the SKUs' free stock now (409
    ``inventory.insufficient`` when a SKU has fewer available)."""
    created = await flashsale.create_campaign(session, body, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "flashsale.create",
        f"flashsale:{created.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return created


@router.get("/{campaign_id}", responses=problem_responses(404))
async def get_flash_sale(
    campaign_id: CampaignId, _: FlashManager, session: DbSession, ctx: Ctx
) -> CampaignAdmin:
    """A flash sale with units left, ordered, handed back and failed per SKU, and the last
    reconciliation report."""
    return await flashsale.get_campaign_admin(ctx, session, campaign_id)


@router.patch("/{campaign_id}", responses=problem_responses(400, 404, 409))
async def update_flash_sale(
    campaign_id: CampaignId,
    body: CampaignUpdate,
    *,
    staff: FlashManager,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> CampaignAdmin:
    """Change title, window, payment timeout, shipping, flash prices and limits — until buy
    tokens open (409 ``flashsale.campaign_locked`` after that)."""
    updated = await flashsale.update_campaign(ctx, session, campaign_id, body)
    await record_audit(
        session,
        staff,
        "flashsale.update",
        f"flashsale:{campaign_id}",
        body.model_dump(mode="json", exclude_unset=True),
        origin_of(request),
    )
    return updated


@router.post("/{campaign_id}/cancel", responses=problem_responses(404, 409))
async def cancel_flash_sale(
    campaign_id: CampaignId, staff: FlashManager, request: Request, session: DbSession, ctx: Ctx
) -> CampaignAdmin:
    """Stop a flash sale now; requests already accepted still become orders, the unsold units
    go back to free stock shortly after."""
    cancelled = await flashsale.cancel_campaign(ctx, session, campaign_id, actor=_actor(staff))
    await record_audit(
        session, staff, "flashsale.cancel", f"flashsale:{campaign_id}", None, origin_of(request)
    )
    return cancelled


@router.post("/{campaign_id}/reconcile", responses=problem_responses(404))
async def reconcile_flash_sale(
    campaign_id: CampaignId, staff: FlashManager, request: Request, session: DbSession, ctx: Ctx
) -> CampaignAdmin:
    """Compare the live counters, the request stream and the orders now; repair what is in
    flight and report the rest (also run every minute by the worker)."""
    await flashsale.get_campaign_admin(ctx, session, campaign_id)  # 404 before any work
    report = await flashsale.reconcile_campaign(ctx, campaign_id)
    await record_audit(
        session,
        staff,
        "flashsale.reconcile",
        f"flashsale:{campaign_id}",
        {"ok": report["ok"], "repaired": report["repaired"]},
        origin_of(request),
    )
    session.expire_all()
    return await flashsale.get_campaign_admin(ctx, session, campaign_id)
