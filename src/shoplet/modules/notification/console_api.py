"""Console routes of subscribe messages (订阅消息, ``content:manage``): the templates per event
and the send log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.modules.notification import service
from shoplet.modules.notification.models import Event
from shoplet.modules.notification.schemas import (
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
