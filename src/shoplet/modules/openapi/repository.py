"""Open-platform queries (all SQL of the module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.openapi.models import AccessLog, App, IdempotentRequest, Secret, Token


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
