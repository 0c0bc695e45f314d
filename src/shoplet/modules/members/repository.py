"""Every query of the members module. Writes that race use atomic SQL, not check-then-act."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, extract, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.modules.members.models import (
    Address,
    LoginCode,
    Member,
    MemberMerge,
    Passkey,
    RefreshToken,
    WebAuthnChallenge,
)

# A condition on ``members_member.id`` built by a module above members (membership's tier
# filter): the list stays one keyset query over members, whatever narrows it.
MemberFilter = Callable[[ColumnElement[int]], ColumnElement[bool]]


def _insert(session: AsyncSession, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` support: both dialects spell it the same way."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


# ---- members -------------------------------------------------------------------------------


async def get_member(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def encrypted_phones(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, str | None]:
    if not member_ids:
        return {}
    stmt = select(Member.id, Member.phone_encrypted).where(Member.id.in_(sorted(set(member_ids))))
    return {int(m): p for m, p in await session.execute(stmt)}


async def nicknames(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    stmt = select(Member.id, Member.nickname).where(Member.id.in_(member_ids))
    return {int(i): str(n or "") for i, n in (await session.execute(stmt)).all()}


async def member_ids_by_unionid(session: AsyncSession, unionids: Sequence[str]) -> dict[str, int]:
    """The active, unmerged member of each WeChat unionid (the lowest id if several share it)."""
    if not unionids:
        return {}
    stmt = (
        select(Member.wechat_unionid, Member.id)
        .where(
            Member.wechat_unionid.in_(unionids),
            Member.is_active.is_(True),
            Member.merged_into_id.is_(None),
        )
        .order_by(Member.id.desc())
    )
    return {str(u): int(i) for u, i in (await session.execute(stmt)).all()}


async def get_member_by_openid(session: AsyncSession, openid: str) -> Member | None:
    result = await session.scalars(select(Member).where(Member.wechat_openid == openid))
    return result.one_or_none()


async def get_member_by_phone_index(session: AsyncSession, phone_index: str) -> Member | None:
    result = await session.scalars(select(Member).where(Member.phone_index == phone_index))
    return result.one_or_none()


async def insert_member_if_absent(
    session: AsyncSession, *, unique_on: str, values: dict[str, Any]
) -> bool:
    """Create the member unless one already holds ``values[unique_on]``; whether it did.

    Two first logins of the same shopper may race: ``ON CONFLICT DO NOTHING`` lets the loser
    fall through to the winner's row instead of failing on the unique constraint.
    """
    statement = _insert(session, Member).values(**values)
    result = await session.execute(
        statement.on_conflict_do_nothing(index_elements=[unique_on]).returning(Member.id)
    )
    return result.scalar_one_or_none() is not None


async def lock_member(session: AsyncSession, member_id: int) -> Member | None:
    """Load the member with a row lock, serialising changes to its address book (PostgreSQL;
    SQLite has a single writer anyway)."""
    return await session.get(Member, member_id, with_for_update=True)


async def get_wechat_openid(session: AsyncSession, member_id: int) -> str | None:
    result = await session.execute(select(Member.wechat_openid).where(Member.id == member_id))
    return result.scalar_one_or_none()


async def add_address(session: AsyncSession, address: Address) -> Address:
    session.add(address)
    await session.flush()
    return address


# ---- identity: phone binding and merges (identity.py) ---------------------------------------


async def lock_members(session: AsyncSession, member_ids: Sequence[int]) -> list[Member]:
    """The members, row-locked in id order (two lockers of one pair cannot deadlock), reloaded
    from the database."""
    rows = await session.scalars(
        select(Member)
        .where(Member.id.in_(member_ids))
        .order_by(Member.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def claim_member_for_merge(session: AsyncSession, *, from_id: int, into_id: int) -> bool:
    """Mark ``from_id`` merged into ``into_id`` and release its identities (phone, openid,
    unionid), with one conditional ``UPDATE``: of concurrent merges exactly one matches."""
    claimed = await session.execute(
        update(Member)
        .where(Member.id == from_id, Member.merged_into_id.is_(None), Member.is_active)
        .values(
            merged_into_id=into_id,
            is_active=False,
            phone_index=None,
            phone_encrypted=None,
            wechat_openid=None,
            wechat_unionid=None,
        )
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def set_member_identity(
    session: AsyncSession, member_id: int, values: dict[str, object]
) -> None:
    await session.execute(update(Member).where(Member.id == member_id).values(**values))


async def revoke_member_tokens(session: AsyncSession, member_id: int, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.member_id == member_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def move_addresses(session: AsyncSession, *, from_id: int, into_id: int) -> int:
    """Move ``from_id``'s live addresses to ``into_id``; the survivor's default stays the
    default. Returns how many moved."""
    has_default = await session.scalar(
        select(func.count())
        .select_from(Address)
        .where(Address.member_id == into_id, Address.is_default, Address.deleted_at.is_(None))
    )
    values: dict[str, object] = {"member_id": into_id}
    if has_default:
        values["is_default"] = False
    result = await session.execute(
        update(Address)
        .where(Address.member_id == from_id, Address.deleted_at.is_(None))
        .values(**values)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def move_passkeys(session: AsyncSession, *, from_id: int, into_id: int) -> int:
    """The absorbed account's live passkeys sign the shopper in to the survivor from now on
    (a credential id is unique on its own, so nothing can collide)."""
    result = await session.execute(
        update(Passkey)
        .where(Passkey.member_id == from_id, Passkey.revoked_at.is_(None))
        .values(member_id=into_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def hold_active_member(session: AsyncSession, member_id: int) -> bool:
    """``FOR SHARE`` on the member row: False when it is merged or disabled (PostgreSQL returns
    the row as a merge that locked it ``FOR UPDATE`` committed it, after waiting for it). An id
    with no row is not refused here: no merge can move rows off it, and the tables' foreign
    keys refuse rows for it where they have one."""
    found = (
        await session.execute(
            select(Member.merged_into_id, Member.is_active)
            .where(Member.id == member_id)
            .with_for_update(read=True)
        )
    ).one_or_none()
    return found is None or (found.merged_into_id is None and found.is_active)


async def hold_survivor(session: AsyncSession, member_id: int) -> int | None:
    """``FOR SHARE`` on the member row: the account it was merged into, else itself (None:
    no such row)."""
    found = (
        await session.execute(
            select(Member.merged_into_id).where(Member.id == member_id).with_for_update(read=True)
        )
    ).one_or_none()
    if found is None:
        return None
    return member_id if found.merged_into_id is None else int(found.merged_into_id)


async def add_member_merge(session: AsyncSession, record: MemberMerge) -> MemberMerge:
    session.add(record)
    await session.flush()
    return record


async def member_id_by_phone_index(session: AsyncSession, phone_index: str) -> int | None:
    return await session.scalar(select(Member.id).where(Member.phone_index == phone_index))


async def bind_phone_if_free(
    session: AsyncSession, *, member_id: int, phone_index: str, phone_encrypted: str
) -> bool:
    """Give the phoneless member the phone unless another account holds it, in one conditional
    ``UPDATE … WHERE phone_index IS NULL AND NOT EXISTS (… phone_index = :p)``: True when bound.

    A holder committed before the statement makes it match nothing (False). A bind still
    uncommitted in another transaction is invisible to it: the unique phone index then makes
    the ``UPDATE`` raise ``IntegrityError`` once that transaction commits, and the caller's
    transaction is spoiled (it raises and rolls back; no savepoint is taken).
    """
    holder = aliased(Member)
    taken = select(holder.id).where(holder.phone_index == phone_index).exists()
    bound = await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.phone_index.is_(None), ~taken)
        .values(phone_index=phone_index, phone_encrypted=phone_encrypted)
    )
    return bool(bound.rowcount == 1)  # type: ignore[attr-defined]


async def list_merges(
    session: AsyncSession, *, member_id: int | None, before_id: int | None, limit: int
) -> list[MemberMerge]:
    query = select(MemberMerge).order_by(MemberMerge.id.desc()).limit(limit)
    if member_id is not None:
        query = query.where(
            (MemberMerge.into_member_id == member_id) | (MemberMerge.from_member_id == member_id)
        )
    if before_id is not None:
        query = query.where(MemberMerge.id < before_id)
    return list(await session.scalars(query))


# ---- refresh tokens ------------------------------------------------------------------------


def add_refresh_token(
    session: AsyncSession,
    *,
    member_id: int,
    family_id: str,
    token_hash: str,
    issued_at: datetime,
    expires_at: datetime,
    user_agent: str,
) -> None:
    session.add(
        RefreshToken(
            member_id=member_id,
            family_id=family_id,
            token_hash=token_hash,
            issued_at=issued_at,
            expires_at=expires_at,
            user_agent=user_agent,
        )
    )


async def rotate_refresh_token(
    session: AsyncSession, token_hash: str, now: datetime
) -> Row[int, str] | None:
    """Mark a live token used, atomically: of two concurrent rotations exactly one matches."""
    result = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == token_hash,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(RefreshToken.member_id, RefreshToken.family_id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none()


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    result = await session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    )
    return result.one_or_none()


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def delete_refresh_tokens_expired_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---- login codes ---------------------------------------------------------------------------


async def replace_login_code(
    session: AsyncSession,
    *,
    phone_index: str,
    code_hash: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """A new code replaces the phone's previous one, with a fresh attempt budget."""
    statement = _insert(session, LoginCode).values(
        phone_index=phone_index,
        code_hash=code_hash,
        created_at=now,
        expires_at=expires_at,
        attempts=0,
        consumed_at=None,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginCode.phone_index],
            set_={
                "code_hash": statement.excluded.code_hash,
                "created_at": statement.excluded.created_at,
                "expires_at": statement.excluded.expires_at,
                "attempts": 0,
                "consumed_at": None,
            },
        )
    )


async def count_code_attempt(
    session: AsyncSession, *, phone_index: str, max_attempts: int
) -> Row[str, datetime] | None:
    """Spend one attempt on the phone's live code and return it, or None when there is no
    unconsumed code with attempts left.

    The attempt is counted before the code is compared, in one conditional ``UPDATE``, so
    concurrent guesses cannot exceed the budget.
    """
    result = await session.execute(
        update(LoginCode)
        .where(
            LoginCode.phone_index == phone_index,
            LoginCode.consumed_at.is_(None),
            LoginCode.attempts < max_attempts,
        )
        .values(attempts=LoginCode.attempts + 1)
        .returning(LoginCode.code_hash, LoginCode.expires_at)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none()


async def code_attempts_exhausted(
    session: AsyncSession, *, phone_index: str, max_attempts: int, now: datetime
) -> bool:
    """The phone's code is unconsumed and unexpired but out of attempts (a read, no change)."""
    found = await session.scalar(
        select(LoginCode.phone_index).where(
            LoginCode.phone_index == phone_index,
            LoginCode.consumed_at.is_(None),
            LoginCode.expires_at > now,
            LoginCode.attempts >= max_attempts,
        )
    )
    return found is not None


async def consume_code(session: AsyncSession, *, phone_index: str, now: datetime) -> bool:
    result = await session.execute(
        update(LoginCode)
        .where(LoginCode.phone_index == phone_index, LoginCode.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_login_codes_expired_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(LoginCode).where(LoginCode.expires_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---- addresses -----------------------------------------------------------------------------


def _live_addresses(member_id: int) -> Any:
    return (Address.member_id == member_id, Address.deleted_at.is_(None))


async def list_addresses(session: AsyncSession, member_id: int) -> Sequence[Address]:
    result = await session.scalars(
        select(Address)
        .where(*_live_addresses(member_id))
        .order_by(Address.is_default.desc(), Address.id.desc())
    )
    return result.all()


async def default_region_codes(
    session: AsyncSession, member_ids: Sequence[int], *, chunk: int = 2000
) -> dict[int, str]:
    """{member id: region code of the default address (else the newest live one)} for those of
    ``member_ids`` with a live address, read ``chunk`` ids per statement."""
    out: dict[int, str] = {}
    ids = sorted(set(member_ids))
    for at in range(0, len(ids), chunk):
        stmt = (
            select(Address.member_id, Address.region_code)
            .where(Address.member_id.in_(ids[at : at + chunk]), Address.deleted_at.is_(None))
            .order_by(Address.member_id, Address.is_default.desc(), Address.id.desc())
        )
        for member_id, region_code in await session.execute(stmt):
            out.setdefault(int(member_id), str(region_code))
    return out


async def get_address(session: AsyncSession, member_id: int, address_id: int) -> Address | None:
    result = await session.scalars(
        select(Address).where(Address.id == address_id, *_live_addresses(member_id))
    )
    return result.one_or_none()


async def count_addresses(session: AsyncSession, member_id: int) -> int:
    result = await session.execute(
        select(func.count()).select_from(Address).where(*_live_addresses(member_id))
    )
    return int(result.scalar_one())


async def has_default_address(session: AsyncSession, member_id: int) -> bool:
    result = await session.execute(
        select(Address.id).where(*_live_addresses(member_id), Address.is_default).limit(1)
    )
    return result.first() is not None


async def clear_default_address(session: AsyncSession, member_id: int) -> None:
    await session.execute(
        update(Address)
        .where(*_live_addresses(member_id), Address.is_default)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )


async def active_member_ids(
    session: AsyncSession,
    *,
    registered_from: datetime | None,
    registered_to: datetime | None,
    after_id: int,
    limit: int,
    signed_in_since: datetime | None = None,
) -> list[int]:
    """Ids of active members above ``after_id`` (ascending), optionally registered in
    [``registered_from``, ``registered_to``) or signed in since ``signed_in_since``."""
    stmt = (
        select(Member.id)
        .where(Member.id > after_id, Member.is_active.is_(True))
        .order_by(Member.id)
        .limit(limit)
    )
    if registered_from is not None:
        stmt = stmt.where(Member.created_at >= registered_from)
    if registered_to is not None:
        stmt = stmt.where(Member.created_at < registered_to)
    if signed_in_since is not None:
        stmt = stmt.where(Member.last_login_at >= signed_in_since)
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def count_active_members(session: AsyncSession) -> int:
    """How many active members there are (a job's progress over them)."""
    stmt = select(func.count()).select_from(Member).where(Member.is_active.is_(True))
    return int((await session.execute(stmt)).scalar_one())


async def signed_in_since(
    session: AsyncSession, member_ids: Sequence[int], since: datetime
) -> set[int]:
    if not member_ids:
        return set()
    stmt = select(Member.id).where(
        Member.id.in_(list(member_ids)),
        Member.is_active.is_(True),
        Member.last_login_at >= since,
    )
    return {int(i) for i in (await session.scalars(stmt)).all()}


async def birthday_member_ids(
    session: AsyncSession, *, month: int, after_id: int, limit: int
) -> list[int]:
    """Ids of active members born in ``month`` (1..12) above ``after_id``, ascending."""
    stmt = (
        select(Member.id)
        .where(
            Member.id > after_id,
            Member.is_active.is_(True),
            Member.birthday.is_not(None),
            extract("month", Member.birthday) == month,
        )
        .order_by(Member.id)
        .limit(limit)
    )
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def get_birthday(session: AsyncSession, member_id: int) -> date | None:
    stmt = select(Member.birthday).where(Member.id == member_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_members(
    session: AsyncSession,
    *,
    member_id: int | None,
    phone_index: str | None,
    nickname: str | None,
    before_id: int | None,
    limit: int,
    within: MemberFilter | None = None,
) -> list[Member]:
    """Newest first; one of ``member_id``, ``phone_index`` (exact) or ``nickname`` (contains)
    narrows the list when given, and ``within`` (a higher module's condition on the member id,
    such as membership's tier) narrows it further."""
    stmt = select(Member)
    if within is not None:
        stmt = stmt.where(within(Member.id.expression))
    if member_id is not None:
        stmt = stmt.where(Member.id == member_id)
    if phone_index is not None:
        stmt = stmt.where(Member.phone_index == phone_index)
    if nickname is not None:
        escaped = nickname.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Member.nickname.ilike(f"%{escaped}%", escape="\\"))
    if before_id is not None:
        stmt = stmt.where(Member.id < before_id)
    return list(await session.scalars(stmt.order_by(Member.id.desc()).limit(limit)))


def signup_facts(since: datetime, until: datetime) -> Any:
    """A subquery, one row per member registered in ``[since, until)``: ``member_id``, ``at``."""
    return (
        select(Member.id.label("member_id"), Member.created_at.label("at"))
        .where(Member.created_at >= since, Member.created_at < until)
        .subquery("signups")
    )


# ---- passkeys (H5) -----------------------------------------------------------------------------


async def add_challenge(session: AsyncSession, challenge: WebAuthnChallenge) -> WebAuthnChallenge:
    session.add(challenge)
    await session.flush()
    return challenge


async def claim_challenge(
    session: AsyncSession, challenge_id: int, *, purpose: str, now: datetime
) -> tuple[bytes, int | None] | None:
    """Spend a challenge with one conditional UPDATE: its bytes and member id, or None when it is
    unknown, for another purpose, expired or already used."""
    result = await session.execute(
        update(WebAuthnChallenge)
        .where(
            WebAuthnChallenge.id == challenge_id,
            WebAuthnChallenge.purpose == purpose,
            WebAuthnChallenge.used_at.is_(None),
            WebAuthnChallenge.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebAuthnChallenge.challenge, WebAuthnChallenge.member_id)
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


async def list_passkeys(session: AsyncSession, member_id: int) -> list[Passkey]:
    query = (
        select(Passkey)
        .where(Passkey.member_id == member_id, Passkey.revoked_at.is_(None))
        .order_by(Passkey.id)
    )
    return list((await session.execute(query)).scalars())


async def get_passkey(session: AsyncSession, passkey_id: int) -> Passkey | None:
    return await session.get(Passkey, passkey_id)


async def get_passkey_by_credential(session: AsyncSession, credential_id: str) -> Passkey | None:
    result = await session.execute(select(Passkey).where(Passkey.credential_id == credential_id))
    return result.scalar_one_or_none()


async def advance_passkey_count(
    session: AsyncSession, passkey: Passkey, *, new_count: int, now: datetime
) -> bool:
    """Store an assertion's counter only if it grew (or both are 0) and the passkey is live,
    atomically: two uses of one counter value cannot both pass."""
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
