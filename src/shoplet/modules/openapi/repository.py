"""Open-platform queries (all SQL of the module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import least
from shoplet.modules.openapi.models import (
    AccessLog,
    App,
    CobrandItem,
    CobrandRedemption,
    IdempotentRequest,
    Secret,
    Token,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)


async def add_app(session: AsyncSession, app: App) -> App:
    session.add(app)
    await session.flush()
    return app


async def get_app(session: AsyncSession, app_id: int) -> App | None:
    return await session.get(App, app_id)


async def app_by_key(session: AsyncSession, app_key: str) -> App | None:
    return (await session.execute(select(App).where(App.app_key == app_key))).scalar_one_or_none()


async def list_apps(session: AsyncSession) -> list[App]:
    return list((await session.execute(select(App).order_by(App.id.desc()))).scalars())


async def update_app(session: AsyncSession, app_id: int, values: dict[str, Any]) -> None:
    await session.execute(update(App).where(App.id == app_id).values(**values))


async def add_secret(session: AsyncSession, secret: Secret) -> Secret:
    session.add(secret)
    await session.flush()
    return secret


async def secrets_of(session: AsyncSession, app_ids: Sequence[int]) -> list[Secret]:
    if not app_ids:
        return []
    rows = await session.execute(
        select(Secret).where(Secret.app_id.in_(app_ids)).order_by(Secret.id.desc())
    )
    return list(rows.scalars())


async def valid_secrets(session: AsyncSession, app_id: int, now: datetime) -> list[Secret]:
    rows = await session.execute(
        select(Secret)
        .where(
            Secret.app_id == app_id,
            or_(Secret.expires_at.is_(None), Secret.expires_at > now),
        )
        .order_by(Secret.id.desc())
    )
    return list(rows.scalars())


async def expire_open_secrets(
    session: AsyncSession, app_id: int, *, at: datetime, now: datetime
) -> None:
    """Every secret still valid after ``at`` stops at ``at`` (earlier expiries are kept)."""
    await session.execute(
        update(Secret)
        .where(
            Secret.app_id == app_id,
            or_(Secret.expires_at.is_(None), Secret.expires_at > at),
            or_(Secret.expires_at.is_(None), Secret.expires_at > now),
        )
        .values(expires_at=at)
    )


async def add_token(session: AsyncSession, token: Token) -> None:
    session.add(token)
    await session.flush()


async def token_by_hash(session: AsyncSession, token_hash: str) -> Token | None:
    row = await session.execute(select(Token).where(Token.token_hash == token_hash))
    return row.scalar_one_or_none()


async def expire_tokens(session: AsyncSession, app_id: int, now: datetime) -> None:
    await session.execute(
        update(Token).where(Token.app_id == app_id, Token.expires_at > now).values(expires_at=now)
    )


async def claim_idempotency_key(
    session: AsyncSession, *, app_id: int, key: str, fingerprint: str, now: datetime
) -> bool:
    """Insert the key's row (answer still empty); False when it exists. On PostgreSQL a
    concurrent first request holding the key makes this wait until it commits or rolls back."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(IdempotentRequest)
        .values(
            app_id=app_id,
            key=key,
            fingerprint=fingerprint,
            status_code=0,
            response={},
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["app_id", "key"])
        .returning(IdempotentRequest.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get_idempotent(session: AsyncSession, app_id: int, key: str) -> IdempotentRequest | None:
    row = await session.execute(
        select(IdempotentRequest).where(
            IdempotentRequest.app_id == app_id, IdempotentRequest.key == key
        )
    )
    return row.scalar_one_or_none()


async def store_idempotent_answer(
    session: AsyncSession,
    *,
    app_id: int,
    key: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    await session.execute(
        update(IdempotentRequest)
        .where(IdempotentRequest.app_id == app_id, IdempotentRequest.key == key)
        .values(status_code=status_code, response=response)
    )


async def insert_access_log(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(AccessLog), rows)


async def search_access_log(
    session: AsyncSession,
    *,
    app_id: int | None,
    status: int | None,
    path_prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[AccessLog]:
    query = select(AccessLog)
    if app_id is not None:
        query = query.where(AccessLog.app_id == app_id)
    if status is not None:
        query = query.where(AccessLog.status == status)
    if path_prefix:
        escaped = path_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AccessLog.path.like(f"{escaped}%", escape="\\"))
    if since is not None:
        query = query.where(AccessLog.created_at >= since)
    if until is not None:
        query = query.where(AccessLog.created_at < until)
    if before_id is not None:
        query = query.where(AccessLog.id < before_id)
    rows = await session.execute(query.order_by(AccessLog.id.desc()).limit(limit))
    return list(rows.scalars())


async def delete_access_log_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(AccessLog).where(AccessLog.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_idempotency_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_tokens_expired_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(Token).where(Token.expires_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


# -- webhooks --------------------------------------------------------------------------------


def _dialect_insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def add_webhook(session: AsyncSession, webhook: Webhook) -> Webhook:
    session.add(webhook)
    await session.flush()
    return webhook


async def get_webhook(session: AsyncSession, webhook_id: int) -> Webhook | None:
    return await session.get(Webhook, webhook_id)


async def webhooks_of(session: AsyncSession, app_id: int) -> list[Webhook]:
    rows = await session.execute(
        select(Webhook).where(Webhook.app_id == app_id).order_by(Webhook.id.desc())
    )
    return list(rows.scalars())


async def update_webhook(session: AsyncSession, webhook_id: int, values: dict[str, Any]) -> None:
    await session.execute(update(Webhook).where(Webhook.id == webhook_id).values(**values))


async def live_webhooks(session: AsyncSession) -> list[tuple[Webhook, App]]:
    """Active subscriptions of active apps (few: filtered by event type in Python)."""
    rows = await session.execute(
        select(Webhook, App)
        .join(App, App.id == Webhook.app_id)
        .where(Webhook.is_active.is_(True), App.is_active.is_(True))
        .order_by(Webhook.id)
    )
    return [(w, a) for w, a in rows.all()]


async def insert_delivery(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The delivery's id, or None when this subscription already has this event."""
    stmt = (
        _dialect_insert(session)(WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    found: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


def _due(now: datetime) -> Any:
    return or_(
        and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == "sending", WebhookDelivery.lease_until <= now),
    )


async def claim_deliveries(
    session: AsyncSession,
    *,
    now: datetime,
    token: str,
    lease_until: datetime,
    limit: int,
    ids: Sequence[int] | None = None,
) -> list[tuple[int, str, int]]:
    """Take up to ``limit`` due deliveries (pending and due, or sending with an expired lease):
    ``(id, previous status, attempt number)`` of each taken. On PostgreSQL the candidates are
    locked ``SKIP LOCKED``, so concurrent workers take disjoint rows; the update repeats the due
    condition, so a row another worker took in between (SQLite) is not taken twice."""
    candidates = select(WebhookDelivery.id, WebhookDelivery.status).where(_due(now))
    if ids is not None:
        candidates = candidates.where(WebhookDelivery.id.in_(ids))
    found = (
        await session.execute(
            candidates.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not found:
        return []
    previous: dict[int, str] = {row_id: status for row_id, status in found}  # noqa: C416
    taken = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(previous), _due(now))
        .values(
            status="sending",
            lease_token=token,
            lease_until=lease_until,
            attempts=WebhookDelivery.attempts + 1,
            round_attempts=WebhookDelivery.round_attempts + 1,
            updated_at=now,
        )
        .returning(WebhookDelivery.id, WebhookDelivery.attempts)
    )
    return [(row_id, previous[row_id], attempts) for row_id, attempts in taken.all()]


async def claimed_deliveries(
    session: AsyncSession, ids: Sequence[int]
) -> list[tuple[WebhookDelivery, Webhook, App]]:
    rows = await session.execute(
        select(WebhookDelivery, Webhook, App)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(App, App.id == Webhook.app_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
    )
    return [(d, w, a) for d, w, a in rows.all()]


async def abandon_attempts(
    session: AsyncSession, delivery_ids: Sequence[int], now: datetime
) -> None:
    """Attempts still in flight of deliveries taken again: their worker died."""
    if delivery_ids:
        await session.execute(
            update(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids), WebhookAttempt.outcome.is_(None))
            .values(outcome="abandoned", finished_at=now)
        )


async def add_attempts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(WebhookAttempt), rows)


async def record_delivery(
    session: AsyncSession, delivery_id: int, token: str, values: dict[str, Any]
) -> bool:
    """The answer of the claim holding ``token``; False when the lease was lost meanwhile."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.lease_token == token,
            WebhookDelivery.status == "sending",
        )
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def finish_attempt(
    session: AsyncSession, delivery_id: int, token: str, values: dict[str, Any]
) -> None:
    await session.execute(
        update(WebhookAttempt)
        .where(
            WebhookAttempt.delivery_id == delivery_id,
            WebhookAttempt.lease_token == token,
            WebhookAttempt.outcome.is_(None),
        )
        .values(**values)
    )


_FINISHED = ("delivered", "failed", "dead")


async def requeue_delivery(session: AsyncSession, delivery_id: int, now: datetime) -> bool:
    """Queue a finished delivery again, at once and with a fresh retry schedule. A conditional
    update: of concurrent resends of one delivery exactly one finds it finished."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status.in_(_FINISHED))
        .values(status="pending", next_attempt_at=now, round_attempts=0, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def requeue_range(
    session: AsyncSession, webhook_id: int, *, since: datetime, until: datetime, now: datetime
) -> int:
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.occurred_at >= since,
            WebhookDelivery.occurred_at < until,
            WebhookDelivery.status.in_(_FINISHED),
        )
        .values(status="pending", next_attempt_at=now, round_attempts=0, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def attempts_of(session: AsyncSession, delivery_id: int) -> list[WebhookAttempt]:
    rows = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.id)
    )
    return list(rows.scalars())


async def search_deliveries(
    session: AsyncSession,
    *,
    app_id: int | None,
    webhook_id: int | None,
    status: str | None,
    event_type: str | None,
    before_id: int | None,
    limit: int,
) -> list[WebhookDelivery]:
    query = select(WebhookDelivery)
    if app_id is not None:
        query = query.where(WebhookDelivery.app_id == app_id)
    if webhook_id is not None:
        query = query.where(WebhookDelivery.webhook_id == webhook_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if event_type is not None:
        query = query.where(WebhookDelivery.event_type == event_type)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = await session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit))
    return list(rows.scalars())


async def delete_deliveries_before(session: AsyncSession, cutoff: datetime) -> int:
    """Finished deliveries created before ``cutoff``, with their attempts."""
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.created_at < cutoff, WebhookDelivery.status.in_(_FINISHED)
    )
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
    result = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < cutoff, WebhookDelivery.status.in_(_FINISHED)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- co-branded campaigns --------------------------------------------------------------------


async def add_cobrand_item(session: AsyncSession, item: CobrandItem) -> CobrandItem:
    session.add(item)
    await session.flush()
    return item


async def get_cobrand_item(session: AsyncSession, item_id: int) -> CobrandItem | None:
    return await session.get(CobrandItem, item_id)


async def cobrand_items_of(session: AsyncSession, app_id: int | None) -> list[CobrandItem]:
    stmt = select(CobrandItem).order_by(CobrandItem.id.desc())
    if app_id is not None:
        stmt = stmt.where(CobrandItem.app_id == app_id)
    return list((await session.scalars(stmt)).all())


async def cobrand_items_for(
    session: AsyncSession, refs: Sequence[tuple[str, int]]
) -> list[CobrandItem]:
    """The partner items among these (kind, ref_id) pairs."""
    if not refs:
        return []
    stmt = (
        select(CobrandItem)
        .where(tuple_(CobrandItem.kind, CobrandItem.ref_id).in_(list(refs)))
        .order_by(CobrandItem.id)
    )
    return list((await session.scalars(stmt)).all())


async def insert_redemption(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The row's id, or None when this app already has this order (a redelivered event)."""
    stmt = (
        _dialect_insert(session)(CobrandRedemption)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["app_id", "order_no"])
        .returning(CobrandRedemption.id)
    )
    found: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def set_redemption_refunded(session: AsyncSession, order_no: str, refunded: int) -> int:
    """The order's refunded total (capped at what was paid): idempotent, never decreases."""
    result = await session.execute(
        update(CobrandRedemption)
        .where(CobrandRedemption.order_no == order_no, CobrandRedemption.refunded < refunded)
        .values(refunded=least(session, CobrandRedemption.amount, refunded))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def redemptions_of(
    session: AsyncSession, app_id: int, *, before_id: int | None, limit: int
) -> list[CobrandRedemption]:
    stmt = select(CobrandRedemption).where(CobrandRedemption.app_id == app_id)
    if before_id is not None:
        stmt = stmt.where(CobrandRedemption.id < before_id)
    stmt = stmt.order_by(CobrandRedemption.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def revenue_by_app(
    session: AsyncSession, *, since: datetime, until: datetime, app_id: int | None
) -> list[tuple[App, int, int, int, int]]:
    """Per app with co-branded items (or just ``app_id``): (app, orders, paid, refunded,
    discount) of the orders paid in ``[since, until)``; zeros for an app without any."""
    r = CobrandRedemption
    totals = (
        select(
            r.app_id.label("app_id"),
            func.count(r.id).label("n"),
            func.coalesce(func.sum(r.amount), 0).label("paid"),
            func.coalesce(func.sum(r.refunded), 0).label("refunded"),
            func.coalesce(func.sum(r.discount), 0).label("discount"),
        )
        .where(r.paid_at >= since, r.paid_at < until)
        .group_by(r.app_id)
        .subquery()
    )
    with_items = select(CobrandItem.app_id).distinct()
    stmt = (
        select(
            App,
            func.coalesce(totals.c.n, 0),
            func.coalesce(totals.c.paid, 0),
            func.coalesce(totals.c.refunded, 0),
            func.coalesce(totals.c.discount, 0),
        )
        .outerjoin(totals, totals.c.app_id == App.id)
        .order_by(App.id)
    )
    if app_id is not None:
        stmt = stmt.where(App.id == app_id)
    else:
        stmt = stmt.where(or_(App.id.in_(with_items), totals.c.app_id.is_not(None)))
    rows = (await session.execute(stmt)).all()
    return [(a, int(n), int(p), int(rf), int(d)) for a, n, p, rf, d in rows]
