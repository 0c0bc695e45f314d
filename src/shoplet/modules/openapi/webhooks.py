"""Webhooks (docs/open-platform.md, "Webhooks"): subscriptions, the queue of deliveries fed by
the outbox, the worker that POSTs them with retries, and the console's resend, replay and ping.

Delivery is at least once. ``queue_event`` runs in an event handler's transaction (its
processed marker makes a redelivered event queue nothing twice, and the unique
``(webhook_id, event_id)`` does too). ``deliver_due`` then works in three short transactions
per batch with the POSTs in none: claim (commit) → send → record. A worker that dies after the
claim leaves a lease that expires; the next claim takes the delivery again, so a receiver may
see one event id twice and dedupes on it (``Idempotency-Key`` is the event id).
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast
from urllib.parse import urlsplit

import httpx
import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import Event
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher
from shoplet.modules.catalog import public as catalog
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.invoicing import public as invoicing
from shoplet.modules.openapi import egress, signing
from shoplet.modules.openapi import repository as repo
from shoplet.modules.openapi.errors import (
    AppNotFound,
    WebhookDeliveryNotFound,
    WebhookDeliveryQueued,
    WebhookEventUnknown,
    WebhookNotFound,
    WebhookReplayInvalid,
    WebhookScopeMissing,
    WebhookUrlForbidden,
    WebhookUrlInvalid,
    WebhookUrlUnresolvable,
)
from shoplet.modules.openapi.events import COBRAND_REDEEMED
from shoplet.modules.openapi.models import App, Webhook
from shoplet.modules.openapi.schemas import (
    WebhookAttemptOut,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryDetail,
    WebhookDeliveryOut,
    WebhookEventInfo,
    WebhookOut,
    WebhookUpdate,
)
from shoplet.modules.orders import public as orders

log = structlog.get_logger("shoplet.openapi.webhooks")

# The names partners see. Most are the outbox event's own name; catalog's internal
# ``catalog.product_changed`` is published to partners as ``product.updated``.
PRODUCT_UPDATED: Final = "product.updated"
PING: Final = "webhook.ping"

# outbox event type -> (webhook type, scope needed, Chinese title)
SOURCES: Final[dict[str, tuple[str, str, str]]] = {
    orders.ORDER_CREATED: (orders.ORDER_CREATED, "orders:read", "订单创建"),
    orders.ORDER_PAID: (orders.ORDER_PAID, "orders:read", "订单支付"),
    orders.ORDER_CANCELLED: (orders.ORDER_CANCELLED, "orders:read", "订单取消"),
    orders.ORDER_SHIPPED: (orders.ORDER_SHIPPED, "orders:read", "订单发货"),
    orders.ORDER_RECEIVED: (orders.ORDER_RECEIVED, "orders:read", "确认收货"),
    orders.ORDER_COMPLETED: (orders.ORDER_COMPLETED, "orders:read", "订单完成"),
    orders.ORDER_REFUNDED: (orders.ORDER_REFUNDED, "orders:read", "订单退款"),
    orders.AFTERSALE_REQUESTED: (orders.AFTERSALE_REQUESTED, "orders:read", "售后申请"),
    orders.AFTERSALE_APPROVED: (orders.AFTERSALE_APPROVED, "orders:read", "售后通过"),
    orders.AFTERSALE_REJECTED: (orders.AFTERSALE_REJECTED, "orders:read", "售后驳回"),
    orders.AFTERSALE_REFUNDED: (orders.AFTERSALE_REFUNDED, "orders:read", "售后退款"),
    fulfillment.SHIPMENT_SIGNED: (fulfillment.SHIPMENT_SIGNED, "orders:read", "包裹签收"),
    invoicing.INVOICE_ISSUED: (invoicing.INVOICE_ISSUED, "orders:read", "发票开具"),
    catalog.PRODUCT_CHANGED: (PRODUCT_UPDATED, "products:read", "商品变更"),
    COBRAND_REDEEMED: (COBRAND_REDEEMED, "campaigns:write", "联名核销"),
}
# Events about one app (``app_id`` in the payload): only that app's subscriptions get them.
APP_EVENTS: Final = frozenset({COBRAND_REDEEMED})
EVENT_TYPES: Final[dict[str, tuple[str, str]]] = {
    name: (scope, title) for name, scope, title in SOURCES.values()
}

CLOCK_KEY = "openapi.webhook_clock"
RANDOM_KEY = "openapi.webhook_random"
BATCH = 50
CONCURRENCY = 10
# A claim outlives the POST's timeout by this much before another worker may take it again.
LEASE_MARGIN_SECONDS = 30
EXCERPT_BYTES = 500
READ_LIMIT_BYTES = 4096
MAX_REPLAY = timedelta(days=31)
DELIVERY_RETENTION = timedelta(days=30)
USER_AGENT = "Shoplet-Webhooks/1"
# During a rotation's overlap: the signature with the replaced secret (docs/open-platform.md).
PREVIOUS_SIGNATURE: Final = "X-Shoplet-Signature-Previous"
# The error of a delivery refused at send time (SSRF); it fails without a retry.
FORBIDDEN = "address forbidden: "


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    """The worker's clock: ``ctx.extras[CLOCK_KEY]`` when a test sets one, else real UTC."""
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


def _random_of(ctx: AppContext) -> Callable[[], float]:
    return cast(
        "Callable[[], float]", ctx.extras.get(RANDOM_KEY, lambda: secrets.randbelow(10**6) / 10**6)
    )


def event_catalogue() -> list[WebhookEventInfo]:
    return [WebhookEventInfo(type=t, title=title, scope=s) for t, (s, title) in EVENT_TYPES.items()]


# -- subscriptions ---------------------------------------------------------------------------


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, no user info and no fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlInvalid(f"not a URL: {url!r}") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
        or any(ch.isspace() for ch in url)
        or (port is not None and not 0 < port < 65536)
    ):
        raise WebhookUrlInvalid(f"not an http(s) URL for webhooks: {url!r}", url=url)
    return url


def _check_events(app: App, event_types: Sequence[str]) -> list[str]:
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise WebhookEventUnknown(f"unknown event types: {', '.join(unknown)}", unknown=unknown)
    missing = sorted({EVENT_TYPES[t][0] for t in event_types} - set(app.scopes))
    if missing:
        raise WebhookScopeMissing(
            f"the app needs {', '.join(missing)} for these events", missing_scopes=missing
        )
    # Catalogue order, duplicates dropped.
    return [t for t in EVENT_TYPES if t in set(event_types)]


async def _app(session: AsyncSession, app_id: int) -> App:
    app = await repo.get_app(session, app_id)
    if app is None:
        raise AppNotFound()
    return app


async def _webhook(session: AsyncSession, webhook_id: int) -> Webhook:
    webhook = await repo.get_webhook(session, webhook_id)
    if webhook is None:
        raise WebhookNotFound()
    return webhook


def _out(webhook: Webhook) -> WebhookOut:
    """A subscription as the console sees it; the old secret only while it still signs."""
    out = WebhookOut.model_validate(webhook)
    if previous_secret_until(webhook, utcnow()) is None:
        out.previous_secret_hint = out.previous_secret_expires_at = None
    return out


def previous_secret_until(webhook: Webhook, now: datetime) -> datetime | None:
    """When the replaced secret stops signing deliveries, or None when it no longer does."""
    until = webhook.previous_secret_expires_at
    if webhook.previous_secret_encrypted is None or until is None or until <= now:
        return None
    return until


async def list_webhooks(session: AsyncSession, app_id: int) -> list[WebhookOut]:
    await _app(session, app_id)
    return [_out(w) for w in await repo.webhooks_of(session, app_id)]


async def get_webhook(session: AsyncSession, webhook_id: int, *, app_id: int) -> WebhookOut:
    """One of ``app_id``'s subscriptions (another app's is not found)."""
    webhook = await _webhook(session, webhook_id)
    if webhook.app_id != app_id:
        raise WebhookNotFound()
    return _out(webhook)


async def create_webhook(
    session: AsyncSession,
    pii: PiiCipher,
    guard: egress.Guard,
    app_id: int,
    data: WebhookCreate,
    *,
    actor: str,
) -> WebhookCreated:
    app = await _app(session, app_id)
    url = check_url(data.url)
    await guard.admit(url)
    event_types = _check_events(app, data.event_types)
    secret = data.secret or "whsec_" + secrets.token_urlsafe(32)
    now = utcnow()
    webhook = await repo.add_webhook(
        session,
        Webhook(
            app_id=app.id,
            url=url,
            event_types=event_types,
            secret_encrypted=pii.encrypt(secret),
            secret_hint=secret[-4:],
            is_active=True,
            created_by=actor,
            created_at=now,
            updated_at=now,
        ),
    )
    return WebhookCreated(webhook=_out(webhook), secret=secret)


async def update_webhook(
    session: AsyncSession,
    guard: egress.Guard,
    webhook_id: int,
    data: WebhookUpdate,
    *,
    app_id: int | None = None,
) -> WebhookOut:
    """Change a subscription (``app_id`` given: only one of that app's, else not found)."""
    webhook = await _webhook(session, webhook_id)
    if app_id is not None and webhook.app_id != app_id:
        raise WebhookNotFound()
    values: dict[str, Any] = {}
    if data.url is not None:
        values["url"] = check_url(data.url)
        await guard.admit(values["url"])
    if data.event_types is not None:
        values["event_types"] = _check_events(await _app(session, webhook.app_id), data.event_types)
    if data.is_active is not None:
        values["is_active"] = data.is_active
    if values:
        values["updated_at"] = utcnow()
        await repo.update_webhook(session, webhook_id, values)
        await session.refresh(webhook)
    return _out(webhook)


async def rotate_secret(
    session: AsyncSession,
    pii: PiiCipher,
    webhook_id: int,
    *,
    old_secret_expires_at: datetime,
    now: datetime,
) -> WebhookCreated:
    """Issue a new secret (answered once). Until ``old_secret_expires_at`` (checked like an app
    rotation's) every delivery is signed with both, the old signature in
    ``X-Shoplet-Signature-Previous``. A rotation during an overlap drops the oldest secret:
    a delivery carries at most two signatures."""
    at = signing.check_overlap_end(old_secret_expires_at, now)
    webhook = await _webhook(session, webhook_id)
    secret = "whsec_" + secrets.token_urlsafe(32)
    await repo.update_webhook(
        session,
        webhook_id,
        {
            "previous_secret_encrypted": webhook.secret_encrypted,
            "previous_secret_hint": webhook.secret_hint,
            "previous_secret_expires_at": at,
            "secret_encrypted": pii.encrypt(secret),
            "secret_hint": secret[-4:],
            "updated_at": now,
        },
    )
    await session.refresh(webhook)
    return WebhookCreated(webhook=_out(webhook), secret=secret)


# -- the queue -------------------------------------------------------------------------------


def _body(
    event_id: str, event_type: str, occurred_at: datetime, data: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "data": dict(data),
    }


async def queue_event(session: AsyncSession, event: Event) -> int:
    """One pending delivery per live subscription to this event whose app still holds the
    scope; the number queued (0 for a redelivered event)."""
    source = SOURCES.get(event.type)
    if source is None:
        return 0
    name, scope, _ = source
    now = utcnow()
    queued = 0
    for webhook, app in await repo.live_webhooks(session):
        if name not in webhook.event_types or scope not in app.scopes:
            continue
        if name in APP_EVENTS and event.payload.get("app_id") != app.id:
            continue
        created = await repo.insert_delivery(
            session,
            _new_delivery(
                webhook,
                event.id,
                event_type=name,
                occurred_at=event.occurred_at,
                data=event.payload,
                now=now,
            ),
        )
        queued += created is not None
    return queued


def _new_delivery(
    webhook: Webhook,
    event_id: str,
    *,
    event_type: str,
    occurred_at: datetime,
    data: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "webhook_id": webhook.id,
        "app_id": webhook.app_id,
        "event_id": event_id,
        "event_type": event_type,
        "body": _body(event_id, event_type, occurred_at, data),
        "occurred_at": occurred_at,
        "status": "pending",
        "attempts": 0,
        "round_attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def queue_ping(session: AsyncSession, webhook_id: int, *, now: datetime) -> int:
    """A ``webhook.ping`` delivery (a fresh event id) due now, whatever the subscription's
    event types."""
    webhook = await _webhook(session, webhook_id)
    event_id = str(uuid.uuid4())
    found = await repo.insert_delivery(
        session,
        _new_delivery(
            webhook,
            event_id,
            event_type=PING,
            occurred_at=now,
            data={"webhook_id": webhook.id},
            now=now,
        ),
    )
    if found is None:  # pragma: no cover - a fresh uuid4 never collides
        raise WebhookNotFound()
    return found


async def resend(session: AsyncSession, delivery_id: int, *, now: datetime) -> WebhookDeliveryOut:
    """Queue a finished delivery again (same event id and body). Concurrent clicks: one wins,
    the others get ``409 openapi.webhook_delivery_queued``."""
    if not await repo.requeue_delivery(session, delivery_id, now):
        if await repo.get_delivery(session, delivery_id) is None:
            raise WebhookDeliveryNotFound()
        raise WebhookDeliveryQueued()
    delivery = await repo.get_delivery(session, delivery_id)
    if delivery is None:  # pragma: no cover - just updated in this transaction
        raise WebhookDeliveryNotFound()
    await session.refresh(delivery)
    return WebhookDeliveryOut.model_validate(delivery)


async def replay(
    session: AsyncSession, webhook_id: int, *, since: datetime, until: datetime, now: datetime
) -> int:
    """Queue again every finished delivery of the subscription whose event occurred in
    ``[since, until)``; deliveries still queued or in flight are left as they are."""
    if until <= since or until - since > MAX_REPLAY:
        raise WebhookReplayInvalid()
    await _webhook(session, webhook_id)
    return await repo.requeue_range(session, webhook_id, since=since, until=until, now=now)


# -- the log ---------------------------------------------------------------------------------


async def search_deliveries(
    session: AsyncSession,
    *,
    app_id: int | None,
    webhook_id: int | None,
    status: str | None,
    event_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WebhookDeliveryOut], str | None]:
    rows = await repo.search_deliveries(
        session,
        app_id=app_id,
        webhook_id=webhook_id,
        status=status,
        event_type=event_type,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [WebhookDeliveryOut.model_validate(r) for r in rows]
    return items, encode_id_cursor(rows[-1].id) if more and rows else None


async def delivery_detail(session: AsyncSession, delivery_id: int) -> WebhookDeliveryDetail:
    delivery = await repo.get_delivery(session, delivery_id)
    if delivery is None:
        raise WebhookDeliveryNotFound()
    out = WebhookDeliveryDetail.model_validate(delivery)
    out.attempt_log = [
        WebhookAttemptOut.model_validate(a) for a in await repo.attempts_of(session, delivery_id)
    ]
    return out


# -- the worker ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    token: str
    attempt: int
    round_attempt: int
    event_id: str
    event_type: str
    body: bytes
    url: str
    secret: str
    # During a rotation's overlap: the replaced secret, whose signature is sent as well.
    previous_secret: str | None
    # False: the subscription or its app was disabled since the event was queued.
    is_live: bool


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int | None
    latency_ms: float
    error: str | None
    excerpt: str | None


async def claim(
    ctx: AppContext, *, now: datetime, limit: int = BATCH, ids: Sequence[int] | None = None
) -> list[Claimed]:
    """Take due deliveries for this worker (committed before anything is sent)."""
    token = str(uuid.uuid4())
    timeout = ctx.settings.openapi_webhook_timeout_seconds
    lease_until = now + timedelta(seconds=timeout + LEASE_MARGIN_SECONDS)
    async with unit_of_work(ctx.sessionmaker) as session:
        taken = await repo.claim_deliveries(
            session, now=now, token=token, lease_until=lease_until, limit=limit, ids=ids
        )
        if not taken:
            return []
        await repo.abandon_attempts(
            session, [row_id for row_id, status, _ in taken if status == "sending"], now
        )
        await repo.add_attempts(
            session,
            [
                {"delivery_id": row_id, "attempt": n, "lease_token": token, "started_at": now}
                for row_id, _, n in taken
            ],
        )
        rows = await repo.claimed_deliveries(session, [row_id for row_id, _, _ in taken])
        return [
            Claimed(
                delivery_id=d.id,
                token=token,
                attempt=d.attempts,
                round_attempt=d.round_attempts,
                event_id=d.event_id,
                event_type=d.event_type,
                body=orjson.dumps(d.body),
                url=w.url,
                secret=ctx.pii.decrypt(w.secret_encrypted),
                previous_secret=(
                    ctx.pii.decrypt(w.previous_secret_encrypted)
                    if w.previous_secret_encrypted is not None
                    and previous_secret_until(w, now) is not None
                    else None
                ),
                is_live=(w.is_active and a.is_active) or d.event_type == PING,
            )
            for d, w, a in rows
        ]


def headers_for(claimed: Claimed, *, now: datetime) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": claimed.event_id,
        "X-Shoplet-Event-Id": claimed.event_id,
        "X-Shoplet-Event-Type": claimed.event_type,
        "X-Shoplet-Timestamp": timestamp,
        "X-Shoplet-Delivery-Attempt": str(claimed.attempt),
        "X-Shoplet-Signature": signing.webhook_signature(
            claimed.secret, claimed.event_id, timestamp, claimed.body
        ),
    }
    if claimed.previous_secret is not None:
        headers[PREVIOUS_SIGNATURE] = signing.webhook_signature(
            claimed.previous_secret, claimed.event_id, timestamp, claimed.body
        )
    return headers


def _printable(raw: bytes) -> str:
    text = raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)


async def send(
    http: httpx.AsyncClient, claimed: Claimed, *, now: datetime, guard: egress.Guard | None = None
) -> Answer:
    """One POST; the answer's status, latency and the start of its body (at most 4 KB read).

    With a ``guard`` the host is resolved and checked again now (DNS rebinding) and the POST
    goes to the checked address, the URL's host kept as ``Host`` and TLS SNI."""
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    url, headers = claimed.url, headers_for(claimed, now=now)
    extensions: dict[str, Any] = {}
    if guard is not None:
        try:
            target = await guard.check(claimed.url)
        except WebhookUrlForbidden as exc:
            return Answer(None, elapsed(), FORBIDDEN + exc.detail, None)
        except WebhookUrlUnresolvable as exc:
            return Answer(None, elapsed(), exc.detail, None)
        url = target.pinned_url()
        headers["Host"] = target.host_header()
        if url.startswith("https:"):
            extensions["sni_hostname"] = target.host
    try:
        async with http.stream(
            "POST", url, content=claimed.body, headers=headers, extensions=extensions
        ) as response:
            raw = b""
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) >= READ_LIMIT_BYTES:
                    break
    except httpx.TimeoutException as exc:
        error = f"timeout: {type(exc).__name__}"
        return Answer(None, (time.perf_counter() - started) * 1000, error, None)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        return Answer(None, (time.perf_counter() - started) * 1000, error, None)
    latency = (time.perf_counter() - started) * 1000
    return Answer(response.status_code, latency, None, _printable(raw) or None)


def outcome_of(answer: Answer) -> str:
    """``ok`` (2xx), ``retry`` (no answer, timeout, 408, 429, 5xx) or ``failed`` (anything
    else: another 4xx or a redirect, which is not followed, fails fast; a host that now
    resolves to a non-public address, which is not sent to at all)."""
    code = answer.status_code
    if answer.error is not None and answer.error.startswith(FORBIDDEN):
        return "failed"
    if code is None or code in (408, 429) or code >= 500:
        return "retry"
    if 200 <= code < 300:
        return "ok"
    return "failed"


def next_wait(
    schedule: Sequence[int], round_attempt: int, jitter: float, rnd: float
) -> float | None:
    """Seconds before the next attempt after ``round_attempt`` failed ones (None: no attempt
    left), stretched or shrunk by up to ``jitter`` of itself (``rnd`` uniform in [0, 1))."""
    if round_attempt > len(schedule):
        return None
    base = schedule[round_attempt - 1]
    return base * (1 + jitter * (2 * rnd - 1))


async def record(ctx: AppContext, claimed: Claimed, answer: Answer, *, now: datetime) -> str:
    """Store the answer (only while this worker's claim holds); the delivery's new status."""
    outcome = outcome_of(answer)
    next_at: datetime | None = None
    if outcome == "ok":
        status = "delivered"
    elif outcome == "failed":
        status = "failed"
    else:
        settings = ctx.settings
        wait = next_wait(
            settings.openapi_webhook_retry_schedule,
            claimed.round_attempt,
            settings.openapi_webhook_retry_jitter,
            _random_of(ctx)(),
        )
        if wait is None:
            status, outcome = "dead", "dead"
        else:
            status, next_at = "pending", now + timedelta(seconds=wait)
    error = answer.error or (
        None if outcome == "ok" else f"HTTP {answer.status_code}" if answer.status_code else None
    )
    async with unit_of_work(ctx.sessionmaker) as session:
        kept = await repo.record_delivery(
            session,
            claimed.delivery_id,
            claimed.token,
            {
                "status": status,
                "next_attempt_at": next_at,
                "lease_token": None,  # nosec B105 - the lease released, not a password
                "lease_until": None,
                "last_status_code": answer.status_code,
                "last_latency_ms": round(answer.latency_ms, 2),
                "last_error": error,
                "delivered_at": now if status == "delivered" else None,
                "updated_at": now,
            },
        )
        await repo.finish_attempt(
            session,
            claimed.delivery_id,
            claimed.token,
            {
                "finished_at": now,
                "outcome": outcome,
                "status_code": answer.status_code,
                "latency_ms": round(answer.latency_ms, 2),
                "error": error,
                "response_excerpt": answer.excerpt,
            },
        )
    if not kept:
        log.warning("webhook_lease_lost", delivery_id=claimed.delivery_id)
    elif status != "delivered":
        log.warning(
            "webhook_delivery_failed",
            delivery_id=claimed.delivery_id,
            attempt=claimed.attempt,
            status=status,
            error=error,
            alert=status == "dead",
        )
    return status


def http_client(ctx: AppContext) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=ctx.settings.openapi_webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
    )


async def deliver(
    ctx: AppContext, *, now: datetime, limit: int = BATCH, ids: Sequence[int] | None = None
) -> dict[int, str]:
    """Claim, send (at most ``CONCURRENCY`` at once) and record; each delivery's new status."""
    claimed = await claim(ctx, now=now, limit=limit, ids=ids)
    if not claimed:
        return {}
    gate = asyncio.Semaphore(CONCURRENCY)
    disabled = Answer(None, 0.0, "subscription or app disabled", None)
    guard = egress.guard_of(ctx)

    async def one(http: httpx.AsyncClient, item: Claimed) -> tuple[int, str]:
        async with gate:
            if not item.is_live:
                answer = disabled
                status = await _record_disabled(ctx, item, answer, now=now)
            else:
                answer = await send(http, item, now=now, guard=guard)
                status = await record(ctx, item, answer, now=now)
            return item.delivery_id, status

    async with http_client(ctx) as http:
        results = await asyncio.gather(*(one(http, item) for item in claimed))
    return dict(results)


async def _record_disabled(ctx: AppContext, item: Claimed, answer: Answer, *, now: datetime) -> str:
    # Nothing is sent for a subscription switched off after the event was queued: the
    # delivery fails at once (a resend after switching it on sends it).
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.record_delivery(
            session,
            item.delivery_id,
            item.token,
            {
                "status": "failed",
                "next_attempt_at": None,
                "lease_token": None,  # nosec B105 - the lease released, not a password
                "lease_until": None,
                "last_error": answer.error,
                "updated_at": now,
            },
        )
        await repo.finish_attempt(
            session,
            item.delivery_id,
            item.token,
            {"finished_at": now, "outcome": "failed", "error": answer.error},
        )
    return "failed"


async def purge_deliveries(session: AsyncSession, now: datetime) -> int:
    return await repo.delete_deliveries_before(session, now - DELIVERY_RETENTION)
