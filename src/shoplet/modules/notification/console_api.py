"""Console routes of subscribe messages (订阅消息, ``content:manage``): the templates per event
and the send log; and of the 公众号: its settings, follower sync, template mapping and send log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.modules.notification import official_account, service
from shoplet.modules.notification.models import Event, OaSendStatus
from shoplet.modules.notification.schemas import (
    OaSend,
    OaSettings,
    OaSettingsInput,
    OaSyncResult,
    OaTemplate,
    OaTemplateInput,
    OaTemplatesView,
    SubscribeSend,
    SubscribeSendStatus,
    SubscribeTemplate,
    SubscribeTemplateInput,
    SubscribeTemplatesView,
)
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("content:manage"))]


@router.get("/subscribe-messages/templates", responses=problem_responses(403))
async def list_templates(staff: Manager, session: DbSession) -> SubscribeTemplatesView:
    """订阅消息: the template per event, with the values each event carries."""
    rows = await service.list_templates(session)
    return SubscribeTemplatesView(
        items=[SubscribeTemplate.model_validate(r) for r in rows],
        sources={event: list(names) for event, names in service.SOURCES.items()},
    )


@router.put("/subscribe-messages/templates/{event}", responses=problem_responses(400, 403))
async def save_template(
    event: Annotated[Event, Path()],
    body: SubscribeTemplateInput,
    staff: Manager,
    session: DbSession,
    request: Request,
) -> SubscribeTemplate:
    """Set an event's template: WeChat's template id, the page it opens, which value fills each
    key (the key names its type: thing1, amount2…), enabled. 400
    ``notification.field_type_unknown`` / ``notification.source_unknown``."""
    row = await service.save_template(
        session,
        event=event,
        template_id=body.template_id,
        page=body.page,
        fields=dict(body.fields),
        is_enabled=body.is_enabled,
    )
    await record_audit(
        session,
        staff,
        "subscribe_template.save",
        f"subscribe_template:{event}",
        {"template_id": body.template_id, "is_enabled": body.is_enabled},
        origin_of(request),
    )
    return SubscribeTemplate.model_validate(row)


@router.get("/subscribe-messages/sends", responses=problem_responses(400, 403))
async def list_sends(
    staff: Manager,
    session: DbSession,
    status: SubscribeSendStatus | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[SubscribeSend]:
    """The send log, newest first: each message with its status and WeChat's answer."""
    rows = await service.list_sends(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[SubscribeSend.model_validate(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )


# -- 公众号 ------------------------------------------------------------------------------------

OA = "/official-account"


@router.get(f"{OA}/settings", responses=problem_responses(403))
async def oa_settings(staff: Manager, session: DbSession) -> OaSettings:
    """公众号 settings (secrets never shown: a hint of the AppSecret), follower counts and the
    push URL's path to enter in 公众平台 → 服务器配置."""
    return await official_account.settings_view(session)


@router.put(f"{OA}/settings", responses=problem_responses(400, 403))
async def save_oa_settings(
    body: OaSettingsInput, staff: Manager, session: DbSession, ctx: Ctx, request: Request
) -> OaSettings:
    """Set the 公众号's appid, AppSecret, push token and EncodingAESKey (stored SM4-encrypted;
    a secret left out stays). 400 ``notification.oa_secret_required`` /
    ``notification.oa_aes_key_invalid``."""
    view = await official_account.save_settings(session, ctx.pii, body)
    changed = {k: "set" for k in ("secret", "token", "encoding_aes_key") if getattr(body, k)}
    await record_audit(
        session,
        staff,
        "official_account.settings",
        "official_account:1",
        {"appid": body.appid, **changed},
        origin_of(request),
    )
    return view


@router.post(f"{OA}/followers/sync", responses=problem_responses(403, 409))
async def sync_oa_followers(staff: Manager, ctx: Ctx) -> OaSyncResult:
    """Read the 公众号's follower list now (as the daily job does). 409
    ``notification.oa_not_configured``."""
    return await official_account.sync_followers(ctx)


@router.get(f"{OA}/templates", responses=problem_responses(403))
async def oa_templates(staff: Manager, session: DbSession) -> OaTemplatesView:
    """公众号 template messages: the template per event, with the values each event carries."""
    rows = await official_account.list_templates(session)
    return OaTemplatesView(
        items=[OaTemplate.model_validate(r) for r in rows],
        sources={event: list(names) for event, names in service.SOURCES.items()},
    )


@router.put(f"{OA}/templates/{{event}}", responses=problem_responses(400, 403))
async def save_oa_template(
    event: Annotated[Event, Path()],
    body: OaTemplateInput,
    staff: Manager,
    session: DbSession,
    request: Request,
) -> OaTemplate:
    """Map an event to a 公众号 template: its id, where a tap leads (``url`` and/or the mini
    program's ``pagepath``), which value fills each keyword. 400
    ``notification.field_type_unknown`` / ``notification.source_unknown``."""
    row = await official_account.save_template(
        session,
        event=event,
        sources=service.SOURCES,
        template_id=body.template_id,
        url=body.url,
        pagepath=body.pagepath,
        fields=dict(body.fields),
        is_enabled=body.is_enabled,
    )
    await record_audit(
        session,
        staff,
        "oa_template.save",
        f"oa_template:{event}",
        {"template_id": body.template_id, "is_enabled": body.is_enabled},
        origin_of(request),
    )
    return OaTemplate.model_validate(row)


@router.get(f"{OA}/sends", responses=problem_responses(400, 403))
async def oa_sends(
    staff: Manager,
    session: DbSession,
    status: OaSendStatus | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[OaSend]:
    """The template-message log, newest first: status, WeChat's answer and final delivery."""
    rows = await official_account.list_sends(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return Page(
        items=[OaSend.model_validate(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )
