"""Console routes of the open platform (开放平台): apps (create, edit, rotate the secret,
disable), the access log (调用日志) and webhooks (subscriptions, the delivery log, resend,
replay, test ping). Owners only (``openapi:manage``); every change is an
audit entry in the same transaction. A secret is answered once, at creation or rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import AwareDatetime

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, short_transaction
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.openapi import cobrand, egress, service, webhooks
from shoplet.modules.openapi.schemas import (
    SCOPE_TITLES,
    AccessLogEntry,
    AppCreate,
    AppCredentials,
    AppOut,
    AppUpdate,
    CobrandItemOut,
    RevenueShareReport,
    ScopeInfo,
    SecretRotate,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryDetail,
    WebhookDeliveryOut,
    WebhookDeliveryStatus,
    WebhookEventInfo,
    WebhookOut,
    WebhookReplay,
    WebhookReplayResult,
    WebhookUpdate,
)
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
    require_step_up,
)

router = APIRouter(tags=["console-openapi"])

OpenApiManager = Annotated[StaffIdentity, Depends(require_permission("openapi:manage"))]
# Creating an app, changing its scopes or limits and rotating its secret need a fresh step-up.
SteppedUpManager = Annotated[StaffIdentity, Depends(require_step_up("openapi:manage"))]


@router.get("/openapi/scopes")
async def list_scopes(_: OpenApiManager) -> list[ScopeInfo]:
    """The scopes an app may hold, with their Chinese titles."""
    return [ScopeInfo(scope=s, title=t) for s, t in SCOPE_TITLES.items()]


@router.get("/openapi/apps")
async def list_apps(_: OpenApiManager, session: DbSession) -> list[AppOut]:
    """Every partner app, newest first, with its secrets' hints and expiries."""
    return await service.list_apps(session)


@router.post(
    "/openapi/apps",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 403),
)
async def create_app(
    body: AppCreate, staff: SteppedUpManager, request: Request, ctx: Ctx, session: DbSession
) -> AppCredentials:
    """Register an app: its key and secret are answered this once."""
    created = await service.create_app(session, ctx.pii, body, actor=f"staff:{staff.username}")
    await record_audit(
        session,
        staff,
        "openapi.app_create",
        f"openapi_app:{created.app.id}",
        {"name": body.name, "scopes": created.app.scopes},
        origin_of(request),
    )
    return created


@router.get("/openapi/apps/{app_id}", responses=problem_responses(404))
async def get_app(app_id: PathId, _: OpenApiManager, session: DbSession) -> AppOut:
    """One app."""
    return await service.get_app(session, app_id)


@router.patch("/openapi/apps/{app_id}", responses=problem_responses(400, 403, 404))
async def update_app(
    app_id: PathId, body: AppUpdate, staff: SteppedUpManager, request: Request, session: DbSession
) -> AppOut:
    """Change the name, scopes, rate limit, IP allow-list, or disable/enable the app (a
    disabled app's signed calls and tokens are refused at once)."""
    app = await service.update_app(session, app_id, body)
    await record_audit(
        session,
        staff,
        "openapi.app_update",
        f"openapi_app:{app_id}",
        body.model_dump(mode="json", exclude_none=True),
        origin_of(request),
    )
    return app


@router.post("/openapi/apps/{app_id}/rotate-secret", responses=problem_responses(400, 403, 404))
async def rotate_secret(
    app_id: PathId,
    body: SecretRotate,
    *,
    staff: SteppedUpManager,
    request: Request,
    ctx: Ctx,
    session: DbSession,
) -> AppCredentials:
    """Issue a new secret (answered this once); the current one keeps working until
    ``old_secret_expires_at``, so the partner can switch without downtime."""
    rotated = await service.rotate_secret(
        session, ctx.pii, app_id, old_secret_expires_at=body.old_secret_expires_at
    )
    await record_audit(
        session,
        staff,
        "openapi.secret_rotate",
        f"openapi_app:{app_id}",
        {"old_secret_expires_at": body.old_secret_expires_at.isoformat()},
        origin_of(request),
    )
    return rotated


@router.get("/openapi/access-log", responses=problem_responses(400))
async def search_access_log(
    *,
    _: OpenApiManager,
    session: DbSession,
    app_id: QueryId = None,
    status_code: Annotated[int | None, Query(alias="status", ge=100, le=599)] = None,
    path: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[AccessLogEntry]:
    """Partner calls, newest first, by app, status, path prefix and time ``[since, until)``."""
    items, next_cursor = await service.search_access_log(
        session,
        app_id=app_id,
        status=status_code,
        path_prefix=path,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


# -- webhooks --------------------------------------------------------------------------------


@router.get("/openapi/webhook-events")
async def list_webhook_events(_: OpenApiManager) -> list[WebhookEventInfo]:
    """The event types an app may subscribe to, with the scope each needs."""
    return webhooks.event_catalogue()


@router.get("/openapi/apps/{app_id}/webhooks", responses=problem_responses(404))
async def list_webhooks(app_id: PathId, _: OpenApiManager, session: DbSession) -> list[WebhookOut]:
    """An app's webhook subscriptions, newest first."""
    return await webhooks.list_webhooks(session, app_id)


@router.post(
    "/openapi/apps/{app_id}/webhooks",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404),
)
async def create_webhook(
    app_id: PathId,
    body: WebhookCreate,
    *,
    staff: OpenApiManager,
    request: Request,
    ctx: Ctx,
    session: DbSession,
) -> WebhookCreated:
    """Subscribe an app to event types (it must hold each one's scope); the secret is
    answered this once (generated when not given)."""
    created = await webhooks.create_webhook(
        session, ctx.pii, egress.guard_of(ctx), app_id, body, actor=f"staff:{staff.username}"
    )
    await record_audit(
        session,
        staff,
        "openapi.webhook_create",
        f"openapi_webhook:{created.webhook.id}",
        {"app_id": app_id, "url": created.webhook.url, "event_types": created.webhook.event_types},
        origin_of(request),
    )
    return created


@router.patch("/openapi/webhooks/{webhook_id}", responses=problem_responses(400, 404))
async def update_webhook(
    webhook_id: PathId,
    body: WebhookUpdate,
    *,
    staff: OpenApiManager,
    request: Request,
    ctx: Ctx,
    session: DbSession,
) -> WebhookOut:
    """Change the URL or the event types, or switch the subscription off/on."""
    webhook = await webhooks.update_webhook(session, egress.guard_of(ctx), webhook_id, body)
    await record_audit(
        session,
        staff,
        "openapi.webhook_update",
        f"openapi_webhook:{webhook_id}",
        body.model_dump(mode="json", exclude_none=True),
        origin_of(request),
    )
    return webhook


@router.post(
    "/openapi/webhooks/{webhook_id}/rotate-secret", responses=problem_responses(400, 403, 404)
)
async def rotate_webhook_secret(
    webhook_id: PathId,
    body: SecretRotate,
    *,
    staff: SteppedUpManager,
    request: Request,
    ctx: Ctx,
    session: DbSession,
) -> WebhookCreated:
    """Issue a new signing secret (answered this once); until ``old_secret_expires_at`` every
    delivery carries both signatures (``X-Shoplet-Signature`` with the new secret,
    ``X-Shoplet-Signature-Previous`` with the old), so the receiver can switch at any time."""
    rotated = await webhooks.rotate_secret(
        session,
        ctx.pii,
        webhook_id,
        old_secret_expires_at=body.old_secret_expires_at,
        now=webhooks.clock_of(ctx)(),
    )
    await record_audit(
        session,
        staff,
        "openapi.secret_rotate",
        f"openapi_webhook:{webhook_id}",
        {"old_secret_expires_at": body.old_secret_expires_at.isoformat()},
        origin_of(request),
    )
    return rotated


@router.post("/openapi/webhooks/{webhook_id}/ping", responses=problem_responses(404))
async def ping_webhook(
    webhook_id: PathId, staff: OpenApiManager, request: Request, ctx: Ctx
) -> WebhookDeliveryDetail:
    """Send a signed ``webhook.ping`` now and answer how it went (no transaction is open
    during the POST)."""
    now = webhooks.clock_of(ctx)()
    async with short_transaction(ctx.sessionmaker) as session:
        delivery_id = await webhooks.queue_ping(session, webhook_id, now=now)
        await record_audit(
            session,
            staff,
            "openapi.webhook_ping",
            f"openapi_webhook:{webhook_id}",
            {"delivery_id": delivery_id},
            origin_of(request),
        )
    await webhooks.deliver(ctx, now=now, ids=[delivery_id])
    async with short_transaction(ctx.sessionmaker) as session:
        return await webhooks.delivery_detail(session, delivery_id)


@router.post("/openapi/webhooks/{webhook_id}/replay", responses=problem_responses(400, 404))
async def replay_webhook(
    webhook_id: PathId,
    body: WebhookReplay,
    *,
    staff: OpenApiManager,
    request: Request,
    ctx: Ctx,
    session: DbSession,
) -> WebhookReplayResult:
    """Send again every finished delivery whose event occurred in ``[since, until)``."""
    queued = await webhooks.replay(
        session, webhook_id, since=body.since, until=body.until, now=webhooks.clock_of(ctx)()
    )
    await record_audit(
        session,
        staff,
        "openapi.webhook_replay",
        f"openapi_webhook:{webhook_id}",
        {**body.model_dump(mode="json"), "queued": queued},
        origin_of(request),
    )
    return WebhookReplayResult(queued=queued)


@router.get("/openapi/webhook-deliveries", responses=problem_responses(400))
async def search_webhook_deliveries(
    *,
    _: OpenApiManager,
    session: DbSession,
    app_id: QueryId = None,
    webhook_id: QueryId = None,
    delivery_status: Annotated[WebhookDeliveryStatus | None, Query(alias="status")] = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[WebhookDeliveryOut]:
    """The delivery log, newest first, by app, subscription, status and event type."""
    items, next_cursor = await webhooks.search_deliveries(
        session,
        app_id=app_id,
        webhook_id=webhook_id,
        status=delivery_status,
        event_type=event_type,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/openapi/webhook-deliveries/{delivery_id}", responses=problem_responses(404))
async def get_webhook_delivery(
    delivery_id: PathId, _: OpenApiManager, session: DbSession
) -> WebhookDeliveryDetail:
    """One delivery with its body and every attempt (status, latency, answer excerpt)."""
    return await webhooks.delivery_detail(session, delivery_id)


@router.post(
    "/openapi/webhook-deliveries/{delivery_id}/resend", responses=problem_responses(404, 409)
)
async def resend_webhook_delivery(
    delivery_id: PathId, staff: OpenApiManager, request: Request, ctx: Ctx, session: DbSession
) -> WebhookDeliveryOut:
    """Queue a delivered, failed or dead delivery again (same event id); 409 while it is
    already queued or being sent."""
    delivery = await webhooks.resend(session, delivery_id, now=webhooks.clock_of(ctx)())
    await record_audit(
        session,
        staff,
        "openapi.webhook_resend",
        f"openapi_webhook_delivery:{delivery_id}",
        {"event_id": delivery.event_id},
        origin_of(request),
    )
    return delivery


# -- co-branded campaigns --------------------------------------------------------------------


@router.get("/openapi/cobrand/items")
async def list_cobrand_items(
    _: OpenApiManager, session: DbSession, app_id: QueryId = None
) -> list[CobrandItemOut]:
    """The bundles and coupon templates partner apps created (by app), newest first."""
    return await cobrand.list_items(session, app_id)


@router.get("/openapi/cobrand/report", responses=problem_responses(400))
async def cobrand_report(
    _: OpenApiManager,
    session: DbSession,
    since: Annotated[AwareDatetime, Query()],
    until: Annotated[AwareDatetime, Query()],
) -> RevenueShareReport:
    """Revenue share (分成) per app for orders paid in ``[since, until)``: attributed orders,
    paid, refunded, net, the items' discount and the partner's share at its rate."""
    return await cobrand.revenue_report(session, since=since, until=until)
