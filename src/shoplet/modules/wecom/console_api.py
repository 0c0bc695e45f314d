"""Console routes of WeCom (企业微信, ``wecom:manage``): status, 渠道活码 (list, create) and
their 欢迎语, customers, acquisition counts, tagging a segment's customers, 客户群 (join QR
codes, groups, members, sync) and 群发 (compose, list, results). Every write is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor
from shoplet.core.schemas import Id, Page
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.integrations.setup import Integrations, IntegrationsDep
from shoplet.integrations.wecom.client import WeComClient, WeComError
from shoplet.modules.staff.public import StaffIdentity, origin_of, require_permission
from shoplet.modules.wecom import service
from shoplet.modules.wecom.errors import NotConfigured, PictureInvalid, PictureTooLarge
from shoplet.modules.wecom.schemas import (
    AcquisitionStats,
    BroadcastCreate,
    BroadcastGroupOut,
    BroadcastOut,
    BroadcastRecipientOut,
    ContactOut,
    ContactWayCreate,
    ContactWayOut,
    ContactWayUpdate,
    GroupMemberOut,
    GroupOut,
    GroupSyncResult,
    JoinWayCreate,
    JoinWayOut,
    JoinWayUpdate,
    PictureOut,
    SegmentTagging,
    TaggingResult,
    WeComStatus,
    WelcomeOut,
    WelcomeSendOut,
    WelcomeUpdate,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("wecom:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
PathId = Annotated[Id, Path()]


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


@router.put("/wecom/contact-ways/{way_id}", responses=problem_responses(400, 403, 404, 409, 502))
async def update_contact_way(  # noqa: PLR0917  (path, body and the request's dependencies)
    way_id: PathId,
    body: ContactWayUpdate,
    staff: Manager,
    integrations: IntegrationsDep,
    ctx: Ctx,
    request: Request,
) -> ContactWayOut:
    """Edit a 渠道活码's staff and remark (``update_contact_way``; its state, store and
    campaign stay). 404 ``wecom.way_unknown``; 400 ``wecom.staff_required`` /
    ``way_type_fixed`` before WeCom is called, ``wecom.staff_unknown``; 409
    ``wecom.not_configured``; 502 ``wecom.upstream_error``. Nothing changes on a refusal."""
    return await service.update_contact_way(
        ctx, _client(integrations), way_id, body, staff=staff, origin=origin_of(request)
    )


@router.delete(
    "/wecom/contact-ways/{way_id}", status_code=204, responses=problem_responses(403, 404, 409, 502)
)
async def delete_contact_way(
    way_id: PathId, staff: Manager, integrations: IntegrationsDep, ctx: Ctx, request: Request
) -> Response:
    """删除 a 渠道活码 (``del_contact_way``): the QR code stops working, its customers keep
    their attribution. 404 ``wecom.way_unknown`` (also a second delete)."""
    await service.delete_contact_way(
        ctx, _client(integrations), way_id, staff=staff, origin=origin_of(request)
    )
    return Response(status_code=204)


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


# -- 欢迎语 -------------------------------------------------------------------------------------


@router.post(
    "/wecom/pictures",
    status_code=201,
    responses=problem_responses(400, 403, 413),
    openapi_extra=upload_body("a card picture: JPG or PNG, at most 10 MB, 100 to 4096 px a side"),
    max_body_size=service.PICTURE_MAX_BYTES + MULTIPART_OVERHEAD,
)
async def upload_wecom_picture(
    request: Request, staff: Manager, session: DbSession, ctx: Ctx
) -> PictureOut:
    """Keep a mini-program card's picture (the multipart field ``file``); name it by ``id`` in a
    card's ``picture_id``. Shoplet uploads it to WeCom when the card is sent. 400
    ``wecom.picture_invalid`` / ``picture_type`` / ``picture_dimensions``, 413
    ``wecom.picture_too_large``; nothing is kept on any of them."""
    upload = await read_upload(
        request,
        service.PICTURE_MAX_BYTES,
        too_large=PictureTooLarge,
        invalid=PictureInvalid,
        noun="picture",
    )
    return await service.upload_picture(
        session, get_storage(ctx, "media"), upload.data, staff=staff, origin=origin_of(request)
    )


@router.get("/wecom/contact-ways/{way_id}/welcome", responses=problem_responses(403, 404))
async def get_wecom_welcome(staff: Manager, session: DbSession, way_id: PathId) -> WelcomeOut:
    """A 渠道活码's 欢迎语 (empty text and no card: none)."""
    return await service.get_welcome(session, way_id)


@router.put("/wecom/contact-ways/{way_id}/welcome", responses=problem_responses(400, 403, 404))
async def set_wecom_welcome(
    staff: Manager, session: DbSession, way_id: PathId, body: WelcomeUpdate, request: Request
) -> WelcomeOut:
    """Set a 渠道活码's 欢迎语: text ≤ 4000 bytes and an optional mini-program card sent to every
    customer the QR code brings (``send_welcome_msg``, within the welcome code's 20 s). 400
    ``wecom.text_too_long`` / ``text_required`` / ``page_unknown`` / ``media_required``; 404
    ``wecom.way_unknown``."""
    return await service.set_welcome(session, way_id, body, staff=staff, origin=origin_of(request))


@router.get("/wecom/welcome-sends", responses=problem_responses(403))
async def list_wecom_welcome_sends(
    staff: Manager,
    session: DbSession,
    way_id: Annotated[Id | None, Query()] = None,
    limit: Limit = 50,
) -> list[WelcomeSendOut]:
    """欢迎语 sent or not (pending, sent, expired, failed), newest first."""
    return await service.list_welcome_sends(session, way_id=way_id, limit=limit)


# -- 客户群 --------------------------------------------------------------------------------------


@router.get("/wecom/join-ways", responses=problem_responses(400, 403))
async def list_wecom_join_ways(
    staff: Manager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[JoinWayOut]:
    """加入群聊二维码, newest first."""
    return await service.list_join_ways(session, before_id=decode_id_cursor(cursor), limit=limit)


@router.post("/wecom/join-ways", status_code=201, responses=problem_responses(400, 403, 409, 502))
async def create_wecom_join_way(
    body: JoinWayCreate, staff: Manager, integrations: IntegrationsDep, ctx: Ctx, request: Request
) -> JoinWayOut:
    """Create a 加入群聊 QR code (``groupchat/add_join_way``, scene 2) for 1–5 groups, for a
    store and/or a campaign. 400 ``wecom.attribution_required`` / ``store_unknown`` /
    ``campaign_invalid`` / ``state_too_long`` / ``chats_required`` / ``room_name_required``
    before WeCom is called, ``wecom.chat_unknown`` when WeCom does not know a chat id; 409
    ``wecom.not_configured``; 502 ``wecom.upstream_error``."""
    return await service.create_join_way(
        ctx, _client(integrations), body, staff=staff, origin=origin_of(request)
    )


@router.put("/wecom/join-ways/{way_id}", responses=problem_responses(400, 403, 404, 409, 502))
async def update_wecom_join_way(  # noqa: PLR0917  (path, body and the request's dependencies)
    way_id: PathId,
    body: JoinWayUpdate,
    staff: Manager,
    integrations: IntegrationsDep,
    ctx: Ctx,
    request: Request,
) -> JoinWayOut:
    """Edit a 加入群聊 QR code's groups (1–5) and remark (``groupchat/update_join_way``; state
    kept). 404 ``wecom.join_way_unknown``; 400 ``wecom.chats_required`` before WeCom is
    called, ``wecom.chat_unknown``; 409 ``wecom.not_configured``; 502 ``wecom.upstream_error``.
    Nothing changes on a refusal."""
    return await service.update_join_way(
        ctx, _client(integrations), way_id, body, staff=staff, origin=origin_of(request)
    )


@router.delete(
    "/wecom/join-ways/{way_id}", status_code=204, responses=problem_responses(403, 404, 409, 502)
)
async def delete_wecom_join_way(
    way_id: PathId, staff: Manager, integrations: IntegrationsDep, ctx: Ctx, request: Request
) -> Response:
    """删除 a 加入群聊 QR code (``groupchat/del_join_way``); its groups keep their attribution.
    404 ``wecom.join_way_unknown`` (also a second delete)."""
    await service.delete_join_way(
        ctx, _client(integrations), way_id, staff=staff, origin=origin_of(request)
    )
    return Response(status_code=204)


@router.get("/wecom/groups", responses=problem_responses(400, 403))
async def list_wecom_groups(  # noqa: PLR0917  (the list's filters)
    staff: Manager,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 20,
    store_id: Annotated[Id | None, Query()] = None,
    campaign: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[GroupOut]:
    """客户群 with their member and customer counts, store and campaign, newest first."""
    return await service.list_groups(
        session,
        before_id=decode_id_cursor(cursor),
        limit=limit,
        store_id=store_id,
        campaign=campaign,
    )


@router.get("/wecom/groups/{group_id}/members", responses=problem_responses(403, 404))
async def list_wecom_group_members(
    staff: Manager, session: DbSession, group_id: PathId
) -> list[GroupMemberOut]:
    """A group's members (type 1 staff, 2 customers) with the store and campaign they joined
    through. 404 ``wecom.group_unknown``."""
    return await service.list_group_members(session, group_id)


@router.post("/wecom/groups/sync", responses=problem_responses(403, 409, 502))
async def sync_wecom_groups(
    staff: Manager, integrations: IntegrationsDep, ctx: Ctx
) -> GroupSyncResult:
    """Fetch every customer group now (``groupchat/list`` + ``groupchat/get``; the job does it
    hourly). 409 ``wecom.not_configured``."""

    from .errors import UpstreamError

    try:
        return await service.sync_groups(ctx, _client(integrations), now=utcnow())
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc


# -- 群发 ----------------------------------------------------------------------------------------


@router.get("/wecom/broadcasts", responses=problem_responses(400, 403))
async def list_wecom_broadcasts(
    staff: Manager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[BroadcastOut]:
    """群发, newest first, with per-status counts of their customers."""
    return await service.list_broadcasts(session, before_id=decode_id_cursor(cursor), limit=limit)


@router.post("/wecom/broadcasts", status_code=201, responses=problem_responses(400, 403, 409))
async def create_wecom_broadcast(
    body: BroadcastCreate,
    staff: Manager,
    integrations: IntegrationsDep,
    ctx: Ctx,
    request: Request,
) -> BroadcastOut:
    """Compose a 群发 to all customers, a segment's, a store's or a campaign's: one
    ``add_msg_template`` per staff member and 10000 customers; each customer at most once a
    day (the others are counted in ``capped``). ``target`` groups: to customer groups (by
    owner, store or campaign), one call per owner, each group at most once a day. 400
    ``wecom.text_required`` / ``text_too_long`` / ``page_unknown`` / ``media_required`` /
    ``audience_invalid`` / ``segment_unknown`` / ``store_unknown`` / ``campaign_invalid`` /
    ``owners_invalid`` / ``too_many_recipients`` / ``no_recipients``, nothing written; 409
    ``wecom.not_configured``."""
    return await service.create_broadcast(
        ctx, _client(integrations), body, staff=staff, origin=origin_of(request), now=utcnow()
    )


@router.get("/wecom/broadcasts/{broadcast_id}", responses=problem_responses(403, 404))
async def get_wecom_broadcast(
    staff: Manager, session: DbSession, broadcast_id: PathId
) -> BroadcastOut:
    """One 群发 with its calls and per-status counts. 404 ``wecom.broadcast_unknown``."""
    return await service.get_broadcast(session, broadcast_id)


@router.get(
    "/wecom/broadcasts/{broadcast_id}/recipients", responses=problem_responses(400, 403, 404)
)
async def list_wecom_broadcast_recipients(
    staff: Manager,
    session: DbSession,
    broadcast_id: PathId,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[BroadcastRecipientOut]:
    """Each customer of a 群发 and what happened (pending, sent, not_friend, limited,
    failed)."""
    return await service.list_recipients(
        session, broadcast_id, before_id=decode_id_cursor(cursor), limit=limit
    )


@router.get("/wecom/broadcasts/{broadcast_id}/groups", responses=problem_responses(400, 403, 404))
async def list_wecom_broadcast_groups(
    staff: Manager,
    session: DbSession,
    broadcast_id: PathId,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[BroadcastGroupOut]:
    """Each customer group of a group 群发 and what happened (pending, sent, not_friend,
    limited, failed)."""
    return await service.list_broadcast_groups(
        session, broadcast_id, before_id=decode_id_cursor(cursor), limit=limit
    )


@router.post("/wecom/broadcasts/{broadcast_id}/refresh", responses=problem_responses(403, 404, 409))
async def refresh_wecom_broadcast(
    staff: Manager, integrations: IntegrationsDep, ctx: Ctx, broadcast_id: PathId
) -> BroadcastOut:
    """Fetch the results now (``get_groupmsg_task`` / ``get_groupmsg_send_result``; the job
    does it every five minutes)."""
    return await service.refresh_broadcast(ctx, _client(integrations), broadcast_id, now=utcnow())
