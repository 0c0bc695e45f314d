"""Console routes of WeCom (企业微信, ``wecom:manage``): status, 渠道活码 (list, create),
customers, acquisition counts, and tagging a segment's customers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor
from shoplet.core.schemas import Id, Page
from shoplet.integrations.setup import Integrations, IntegrationsDep
from shoplet.integrations.wecom.client import WeComClient
from shoplet.modules.staff.public import StaffIdentity, origin_of, require_permission
from shoplet.modules.wecom import service
from shoplet.modules.wecom.errors import NotConfigured
from shoplet.modules.wecom.schemas import (
    AcquisitionStats,
    ContactOut,
    ContactWayCreate,
    ContactWayOut,
    SegmentTagging,
    TaggingResult,
    WeComStatus,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("wecom:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _client(integrations: Integrations) -> WeComClient:
    """WeCom's client, checked in the endpoint (after the body is validated: a malformed body is
    422 whether or not WeCom is set up)."""
    if integrations.wecom is None:
        raise NotConfigured()
    return integrations.wecom


@router.get("/wecom/status", responses=problem_responses(403))
async def wecom_status(
    staff: Manager, session: DbSession, integrations: IntegrationsDep
) -> WeComStatus:
    """Whether WeCom is set up, its corp id, and how many contact ways Shoplet made."""
    client = integrations.wecom
    return WeComStatus(
        configured=client is not None,
        corp_id=client.corp_id if client is not None else None,
        contact_ways=await service.contact_way_count(session),
    )


@router.get("/wecom/contact-ways", responses=problem_responses(400, 403))
async def list_contact_ways(
    staff: Manager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[ContactWayOut]:
    """渠道活码, newest first."""
    return await service.list_contact_ways(session, before_id=decode_id_cursor(cursor), limit=limit)


@router.post(
    "/wecom/contact-ways", status_code=201, responses=problem_responses(400, 403, 409, 502)
)
async def create_contact_way(
    body: ContactWayCreate,
    staff: Manager,
    integrations: IntegrationsDep,
    ctx: Ctx,
    request: Request,
) -> ContactWayOut:
    """Create a 渠道活码 (WeCom ``add_contact_way``, scene 2: a QR code) for a store and/or a
    campaign. 400 ``wecom.attribution_required`` / ``store_unknown`` / ``campaign_invalid`` /
    ``staff_required`` / ``state_too_long`` before WeCom is called, ``wecom.staff_unknown``
    when WeCom does not know a userid (nothing written); 409 ``wecom.not_configured``; 502
    ``wecom.upstream_error``."""
    return await service.create_contact_way(
        ctx, _client(integrations), body, staff=staff, origin=origin_of(request)
    )


@router.get("/wecom/contacts", responses=problem_responses(400, 403))
async def list_contacts(  # noqa: PLR0917  (the list's filters)
    staff: Manager,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 20,
    store_id: Annotated[Id | None, Query()] = None,
    campaign: Annotated[str | None, Query(max_length=16)] = None,
    staff_userid: Annotated[str | None, Query(max_length=64)] = None,
    active: bool | None = None,
) -> Page[ContactOut]:
    """客户: WeCom customers, newest first, with their staff member, source store and campaign
    and linked member (``active``: true only current, false only deleted)."""
    return await service.list_contacts(
        session,
        before_id=decode_id_cursor(cursor),
        limit=limit,
        store_id=store_id,
        campaign=campaign,
        staff_userid=staff_userid,
        active=active,
    )


@router.get("/wecom/stats", responses=problem_responses(403))
async def acquisition_stats(staff: Manager, session: DbSession) -> AcquisitionStats:
    """Customers added per store, campaign and staff member, and how many remain."""
    return await service.acquisition_stats(session)


@router.post("/wecom/segment-tags", responses=problem_responses(400, 403, 409, 502))
async def tag_segment(
    body: SegmentTagging,
    staff: Manager,
    integrations: IntegrationsDep,
    ctx: Ctx,
    request: Request,
) -> TaggingResult:
    """给客户打标签: WeCom ``mark_tag`` on every active customer linked to a member of the
    segment. 400 ``wecom.tags_required`` / ``segment_unknown`` / ``too_many_contacts`` /
    ``tag_unknown``; 409 ``wecom.not_configured``."""
    return await service.tag_segment(
        ctx, _client(integrations), body, staff=staff, origin=origin_of(request)
    )
