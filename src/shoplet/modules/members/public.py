"""What other modules may use from members: who is calling, and a member's addresses; the
console's member list (:func:`list_members_admin`, :func:`audit_phone_search`) for membership's
tier filter, which narrows it with a ``MemberFilter`` of its own.

``CurrentMember`` checks the storefront access token by signature alone (no database hit), so
every cart and order request pays only a JWT verification; ``is_active`` is enforced when tokens
are issued (login and refresh), which bounds a disabled account to one access-token lifetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext, Ctx
from shoplet.core.db import utcnow
from shoplet.core.errors import Unauthorized
from shoplet.core.security import PiiCipher, TokenError, mask_phone
from shoplet.modules.members import passkeys
from shoplet.modules.members import repository as repo
from shoplet.modules.members.errors import (
    AddressNotFound,
    AlreadyMerged,
    IdentityConflict,
    PhoneAlreadyBound,
)
from shoplet.modules.members.events import MEMBER_MERGED, MEMBER_UNIONID_RECORDED
from shoplet.modules.members.identity import (
    MergeHook,
    hold_member,
    hold_surviving_member,
    merge_members,
    merge_tables,
    register_merge_hook,
)
from shoplet.modules.members.listing import audit_phone_search, list_members_admin
from shoplet.modules.members.models import Address
from shoplet.modules.members.regions import Region, RegionTree
from shoplet.modules.members.regions import tree as region_tree
from shoplet.modules.members.repository import MemberFilter
from shoplet.modules.members.schemas import MemberAdmin
from shoplet.modules.members.service import WECHAT_DEFAULT_NICKNAME
from shoplet.modules.risk.public import PasskeyHook, set_passkey_hook

__all__ = [
    "MEMBER_MERGED",
    "MEMBER_UNIONID_RECORDED",
    "AddressNotFound",
    "AddressSnapshot",
    "AlreadyMerged",
    "CurrentMember",
    "IdentityConflict",
    "MemberAdmin",
    "MemberFilter",
    "MemberIdentity",
    "MergeHook",
    "OptionalMember",
    "PhoneAlreadyBound",
    "Region",
    "RegionTree",
    "active_member_ids",
    "audit_phone_search",
    "birthday_member_ids",
    "count_active_members",
    "default_region_code",
    "default_region_codes",
    "get_address_snapshot",
    "get_birthday",
    "get_default_address_snapshot",
    "get_member_since",
    "get_nickname",
    "get_nicknames",
    "get_public_profile",
    "get_wechat_openid",
    "hold_member",
    "hold_surviving_member",
    "list_members_admin",
    "masked_phones",
    "member_for_openid",
    "member_from_token",
    "member_ids_by_unionid",
    "merge_members",
    "merge_tables",
    "region_tree",
    "register_merge_hook",
    "signed_in_since",
    "signup_facts",
    "startup",
]


@dataclass(frozen=True, slots=True)
class MemberIdentity:
    id: int
    openid: str | None


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="MemberToken",
    description="Storefront access token from /auth/wechat-login, /auth/sms-login or /auth/refresh",
)
_Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _identity(ctx: Ctx, credentials: HTTPAuthorizationCredentials) -> MemberIdentity:
    try:
        claims = ctx.tokens.verify(credentials.credentials, audience="storefront")
        member_id = int(claims["sub"])
    except (TokenError, ValueError) as exc:
        raise Unauthorized("The access token is invalid or expired") from exc
    openid = claims.get("oid")
    return MemberIdentity(id=member_id, openid=openid if isinstance(openid, str) else None)


async def _current_member(ctx: Ctx, credentials: _Credentials) -> MemberIdentity:
    if credentials is None:
        raise Unauthorized("A storefront access token is required")
    return _identity(ctx, credentials)


async def _optional_member(ctx: Ctx, credentials: _Credentials) -> MemberIdentity | None:
    # A token that is present but bad is still a 401: silently treating the caller as a guest
    # would hide an expired session from the client, which should refresh instead.
    if credentials is None:
        return None
    return _identity(ctx, credentials)


def member_from_token(ctx: AppContext, token: str) -> MemberIdentity:
    """The shopper behind a storefront access token (401 ``auth.unauthorized`` when it is bad
    or expired), for a connection that sends its token in a message (the support chat's
    WebSocket) instead of an ``Authorization`` header."""
    return _identity(ctx, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))


CurrentMember = Annotated[MemberIdentity, Depends(_current_member)]
OptionalMember = Annotated[MemberIdentity | None, Depends(_optional_member)]


@dataclass(frozen=True, slots=True)
class AddressSnapshot:
    """A decrypted copy of an address, for an order to keep as it was when it was placed."""

    recipient: str
    phone: str
    province: str
    city: str
    district: str
    region_code: str
    detail: str
    postal_code: str | None


async def get_address_snapshot(
    session: AsyncSession, pii: PiiCipher, *, member_id: int, address_id: int
) -> AddressSnapshot:
    """The member's live address in clear; :class:`AddressNotFound` (404
    ``members.address_not_found``) when it is missing, deleted or someone else's."""
    address = await repo.get_address(session, member_id, address_id)
    if address is None:
        raise AddressNotFound()
    return _snapshot(pii, address)


def _snapshot(pii: PiiCipher, address: Address) -> AddressSnapshot:
    return AddressSnapshot(
        recipient=pii.decrypt(address.recipient_encrypted),
        phone=pii.decrypt(address.phone_encrypted),
        province=address.province,
        city=address.city,
        district=address.district,
        region_code=address.region_code,
        detail=pii.decrypt(address.detail_encrypted),
        postal_code=address.postal_code,
    )


async def get_default_address_snapshot(
    session: AsyncSession, pii: PiiCipher, member_id: int
) -> AddressSnapshot:
    """The member's default address in clear (their newest live address when none is marked
    default), for orders placed without an address choice (flash sales);
    :class:`AddressNotFound` when the address book is empty."""
    addresses = await repo.list_addresses(session, member_id)
    if not addresses:
        raise AddressNotFound("Add a shipping address first")
    return _snapshot(pii, addresses[0])


async def default_region_code(session: AsyncSession, member_id: int) -> str | None:
    """The region code (GB/T 2260, e.g. ``440305``) of the member's default address (their
    newest live address when none is marked default), or None; nothing is decrypted. For
    recommendations' regional context."""
    addresses = await repo.list_addresses(session, member_id)
    return addresses[0].region_code if addresses else None


async def default_region_codes(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    """:func:`default_region_code` of many members at once (analytics' funnel by region);
    members without a live address are left out; nothing is decrypted."""
    return await repo.default_region_codes(session, member_ids)


async def get_member_since(session: AsyncSession, member_id: int) -> datetime | None:
    """When the member signed up (risk checks weigh new accounts), or None if there is no such
    member."""
    member = await repo.get_member(session, member_id)
    return member.created_at if member is not None else None


async def get_nickname(session: AsyncSession, member_id: int) -> str | None:
    """The member's nickname (reviews show it), or None if there is no such member."""
    member = await repo.get_member(session, member_id)
    return member.nickname if member is not None else None


async def get_nicknames(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    """Nicknames of many members at once (staff screens); unknown ids are left out."""
    return await repo.nicknames(session, member_ids)


async def member_ids_by_unionid(session: AsyncSession, unionids: Sequence[str]) -> dict[str, int]:
    """The member of each WeChat unionid that has one (WeCom's customers carry the unionid when
    the corp is bound to the mini program's open platform account); others are left out."""
    return await repo.member_ids_by_unionid(session, unionids)


async def get_public_profile(
    session: AsyncSession, member_id: int
) -> tuple[str | None, str | None]:
    """The member's (nickname, avatar URL) as other shoppers may see them (a group buy's
    members), (None, None) if there is no such member."""
    member = await repo.get_member(session, member_id)
    return (member.nickname, member.avatar_url) if member is not None else (None, None)


async def masked_phones(
    session: AsyncSession, pii: PiiCipher, member_ids: Sequence[int]
) -> dict[int, str]:
    """Members' phones masked (``138****0000``) for staff lists; members without a phone (or
    unknown ids) are left out. The full number never leaves this module."""
    rows = await repo.encrypted_phones(session, member_ids)
    return {m: mask_phone(pii.decrypt(p)) for m, p in rows.items() if p}


async def get_wechat_openid(session: AsyncSession, member_id: int) -> str | None:
    """The member's mini-program openid (for JSAPI payments and subscribe messages), or None
    for members who signed up by SMS or do not exist."""
    return await repo.get_wechat_openid(session, member_id)


async def member_for_openid(session: AsyncSession, openid: str) -> int:
    """The member behind a mini-program openid, created as a first login would be when the
    shopper never signed in (WeChat vouches for the openid: it pushed their 客服消息)."""
    found = await repo.get_member_by_openid(session, openid)
    if found is not None:
        return found.id
    now = utcnow()
    await repo.insert_member_if_absent(
        session,
        unique_on="wechat_openid",
        values={
            "nickname": WECHAT_DEFAULT_NICKNAME,
            "wechat_openid": openid,
            "created_at": now,
            "last_login_at": now,
        },
    )
    member = await repo.get_member_by_openid(session, openid)
    if member is None:  # pragma: no cover - the insert above, or the one it lost to
        raise LookupError(openid)
    return member.id


async def count_active_members(session: AsyncSession) -> int:
    """How many active members there are (achievements' backfill shows progress over them)."""
    return await repo.count_active_members(session)


async def active_member_ids(
    session: AsyncSession,
    *,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
    after_id: int = 0,
    limit: int = 1000,
    signed_in_since: datetime | None = None,
) -> list[int]:
    """A page of active members' ids above ``after_id``, ascending, optionally those who signed
    up in [``registered_from``, ``registered_to``) (promotions' segments page through them) or
    signed in since ``signed_in_since`` (the entry tier's exclusive pack)."""
    return await repo.active_member_ids(
        session,
        registered_from=registered_from,
        registered_to=registered_to,
        after_id=after_id,
        limit=limit,
        signed_in_since=signed_in_since,
    )


async def signed_in_since(
    session: AsyncSession, member_ids: Sequence[int], since: datetime
) -> set[int]:
    """Those of ``member_ids`` (active) who signed in since ``since``."""
    return await repo.signed_in_since(session, member_ids, since)


async def birthday_member_ids(
    session: AsyncSession, *, month: int, after_id: int = 0, limit: int = 500
) -> list[int]:
    """A page of active members born in ``month`` (1..12), ids above ``after_id`` ascending
    (promotions' birthday coupons page through them)."""
    return await repo.birthday_member_ids(session, month=month, after_id=after_id, limit=limit)


async def get_birthday(session: AsyncSession, member_id: int) -> date | None:
    return await repo.get_birthday(session, member_id)


def signup_facts(since: datetime, until: datetime) -> Any:
    """A subquery of the members who registered in ``[since, until)``: ``member_id``, ``at``
    (their ``created_at``), for reports (insights' 新会员数) to group in SQL."""
    return repo.signup_facts(since, until)


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """App lifespan hook: a shopper's passkeys answer risk challenges (risk may not import
    members; it asks through this hook)."""
    set_passkey_hook(
        ctx, PasskeyHook(credentials=passkeys.risk_credentials, verify=passkeys.risk_verify)
    )
