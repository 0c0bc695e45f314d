"""Console queries: staff accounts and the audit log. Services call these and only flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import UTCDateTime

from .models import (
    AuditChainHead,
    AuditCheckpoint,
    AuditLog,
    AuthPolicy,
    Passkey,
    Staff,
    WebAuthnChallenge,
)

CHAIN_HEAD_ID = 1


async def get_staff(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def get_staff_by_username(session: AsyncSession, username: str) -> Staff | None:
    result = await session.execute(select(Staff).where(Staff.username == username))
    return result.scalar_one_or_none()


async def display_names(session: AsyncSession, usernames: Sequence[str]) -> dict[str, str]:
    """username -> display name, in one query (unknown usernames are absent)."""
    if not usernames:
        return {}
    rows = await session.execute(
        select(Staff.username, Staff.display_name).where(Staff.username.in_(set(usernames)))
    )
    return {row[0]: row[1] for row in rows}


async def add_staff(session: AsyncSession, staff: Staff) -> Staff:
    session.add(staff)
    await session.flush()
    return staff


async def list_staff(session: AsyncSession, *, after_id: int | None, limit: int) -> list[Staff]:
    query = select(Staff).order_by(Staff.id).limit(limit)
    if after_id is not None:
        query = query.where(Staff.id > after_id)
    return list((await session.execute(query)).scalars())


async def active_staff_of_roles(session: AsyncSession, roles: Sequence[str]) -> list[Staff]:
    query = select(Staff).where(Staff.is_active.is_(True), Staff.role.in_(roles)).order_by(Staff.id)
    return list((await session.execute(query)).scalars())


async def lock_active_owners(session: AsyncSession) -> list[Staff]:
    """Row-lock every active owner (ordered by id), so two concurrent demotions cannot both pass
    the last-owner check."""
    query = (
        select(Staff)
        .where(Staff.role == "owner", Staff.is_active.is_(True))
        .order_by(Staff.id)
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def count_failed_login(
    session: AsyncSession, staff_id: int, *, now: datetime, threshold: int, lock_until: datetime
) -> tuple[int, datetime | None]:
    """Count one failed sign-in atomically; lock the account when the count reaches ``threshold``.

    A lock that has expired starts a fresh count. Returns the new count and lock time.
    """
    expired = and_(Staff.locked_until.is_not(None), Staff.locked_until <= now)
    new_count = case((expired, 1), else_=Staff.failed_logins + 1)
    new_lock = case(
        (new_count >= threshold, literal(lock_until, UTCDateTime())),
        (expired, null()),
        else_=Staff.locked_until,
    )
    stmt = (
        update(Staff)
        .where(Staff.id == staff_id)
        .values(failed_logins=new_count, locked_until=new_lock)
        .returning(Staff.failed_logins, Staff.locked_until)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).one()
    return int(row[0]), row[1]


async def claim_totp_step(session: AsyncSession, staff_id: int, step: int) -> bool:
    """Accept TOTP ``step`` only if it is newer than every step accepted before (atomic)."""
    result = await session.execute(
        update(Staff)
        .where(Staff.id == staff_id, Staff.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def add_audit(session: AsyncSession, entry: AuditLog) -> AuditLog:
    session.add(entry)
    await session.flush()
    return entry


async def list_audit(
    session: AsyncSession,
    *,
    staff_id: int | None,
    action: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if staff_id is not None:
        query = query.where(AuditLog.staff_id == staff_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    return (await session.execute(query)).scalars().all()


# --- the audit chain ---------------------------------------------------------------------------


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def lock_chain_head(session: AsyncSession, *, genesis: str) -> tuple[int, str]:
    """Claim the next ``seq`` of the audit chain: returns it with the previous link's hash.

    One ``UPDATE … SET seq = seq + 1 … RETURNING`` on the single head row: it takes the row lock
    (PostgreSQL) or the write lock (SQLite) until the transaction ends, so concurrent appends
    queue here and each sees the head the previous one committed; a rolled-back append gives
    its ``seq`` back. The head row is created on first use (a database built from the models).
    """
    stmt = (
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_HEAD_ID)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        await session.execute(
            _insert(session, AuditChainHead)
            .values(id=CHAIN_HEAD_ID, seq=0, hash=genesis)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = (await session.execute(stmt)).one()
    return int(row[0]), str(row[1])


async def set_chain_head_hash(session: AsyncSession, seq: int, chain_hash: str) -> None:
    await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_HEAD_ID, AuditChainHead.seq == seq)
        .values(hash=chain_hash)
        .execution_options(synchronize_session=False)
    )


async def chain_head(session: AsyncSession) -> tuple[int, str] | None:
    row = (
        await session.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(
                AuditChainHead.id == CHAIN_HEAD_ID
            )
        )
    ).one_or_none()
    return None if row is None else (int(row[0]), str(row[1]))


async def audit_by_seq(
    session: AsyncSession, *, from_seq: int, to_seq: int | None, limit: int
) -> Sequence[AuditLog]:
    """Audit rows with ``from_seq <= seq <= to_seq``, ascending ``seq``."""
    query = select(AuditLog).where(AuditLog.seq >= from_seq).order_by(AuditLog.seq).limit(limit)
    if to_seq is not None:
        query = query.where(AuditLog.seq <= to_seq)
    return (await session.execute(query)).scalars().all()


async def audit_at_seq(session: AsyncSession, seq: int) -> AuditLog | None:
    result = await session.execute(select(AuditLog).where(AuditLog.seq == seq))
    return result.scalar_one_or_none()


async def last_audit_seq(session: AsyncSession) -> int:
    return int(
        (await session.execute(select(func.coalesce(func.max(AuditLog.seq), 0)))).scalar_one()
    )


async def add_checkpoint(session: AsyncSession, checkpoint: AuditCheckpoint) -> bool:
    """Store a checkpoint unless one exists at its ``seq`` already (two workers, one interval)."""
    result = await session.execute(
        _insert(session, AuditCheckpoint)
        .values(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
            created_at=checkpoint.created_at,
        )
        .on_conflict_do_nothing(index_elements=["seq"])
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def checkpoints(
    session: AsyncSession, *, from_seq: int = 0, to_seq: int | None = None
) -> Sequence[AuditCheckpoint]:
    query = (
        select(AuditCheckpoint).where(AuditCheckpoint.seq >= from_seq).order_by(AuditCheckpoint.seq)
    )
    if to_seq is not None:
        query = query.where(AuditCheckpoint.seq <= to_seq)
    return (await session.execute(query)).scalars().all()


async def last_checkpoint(session: AsyncSession) -> AuditCheckpoint | None:
    result = await session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    )
    return result.scalar_one_or_none()


# --- passkeys ----------------------------------------------------------------------------------


async def add_challenge(session: AsyncSession, challenge: WebAuthnChallenge) -> WebAuthnChallenge:
    session.add(challenge)
    await session.flush()
    return challenge


async def claim_challenge(
    session: AsyncSession, challenge_id: int, *, purpose: str, now: datetime
) -> tuple[bytes, int | None] | None:
    """Spend a challenge (atomic: one conditional UPDATE): its bytes and staff id, or None when it
    is unknown, for another purpose, expired or already used."""
    result = await session.execute(
        update(WebAuthnChallenge)
        .where(
            WebAuthnChallenge.id == challenge_id,
            WebAuthnChallenge.purpose == purpose,
            WebAuthnChallenge.used_at.is_(None),
            WebAuthnChallenge.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebAuthnChallenge.challenge, WebAuthnChallenge.staff_id)
        .execution_options(synchronize_session=False)
    )
    row = result.one_or_none()
    return None if row is None else (bytes(row[0]), row[1])


async def delete_expired_challenges(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(
        delete(WebAuthnChallenge)
        .where(WebAuthnChallenge.expires_at < before)
        .execution_options(synchronize_session=False)
    )


async def add_passkey(session: AsyncSession, passkey: Passkey) -> Passkey:
    session.add(passkey)
    await session.flush()
    return passkey


async def list_passkeys(session: AsyncSession, staff_id: int) -> list[Passkey]:
    query = (
        select(Passkey)
        .where(Passkey.staff_id == staff_id, Passkey.revoked_at.is_(None))
        .order_by(Passkey.id)
    )
    return list((await session.execute(query)).scalars())


async def get_passkey(session: AsyncSession, passkey_id: int) -> Passkey | None:
    return await session.get(Passkey, passkey_id)


async def get_passkey_by_credential(session: AsyncSession, credential_id: str) -> Passkey | None:
    result = await session.execute(select(Passkey).where(Passkey.credential_id == credential_id))
    return result.scalar_one_or_none()


async def credential_taken(session: AsyncSession, credential_id: str) -> bool:
    result = await session.execute(select(Passkey.id).where(Passkey.credential_id == credential_id))
    return result.first() is not None


async def advance_sign_count(
    session: AsyncSession, passkey: Passkey, *, new_count: int, now: datetime
) -> bool:
    """Store an assertion's counter only if it grew (or both are 0: authenticators without a
    counter) and the passkey is not revoked, atomically: two concurrent uses of one counter
    value cannot both pass."""
    counter_ok = Passkey.sign_count == 0 if new_count == 0 else Passkey.sign_count < new_count
    result = await session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.revoked_at.is_(None), counter_ok)
        .values(sign_count=new_count, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    await session.refresh(passkey)
    return True


async def revoke_passkey(session: AsyncSession, passkey_id: int, *, now: datetime) -> bool:
    result = await session.execute(
        update(Passkey)
        .where(Passkey.id == passkey_id, Passkey.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get_policy(session: AsyncSession) -> AuthPolicy | None:
    return await session.get(AuthPolicy, 1)


async def add_policy(session: AsyncSession, policy: AuthPolicy) -> AuthPolicy:
    session.add(policy)
    await session.flush()
    return policy
