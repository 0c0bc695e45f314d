"""Business logic of the members module: logins, token rotation, profile, address book.

Services only ``flush()``; the request's ``DbSession`` commits.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.errors import Unauthorized
from shoplet.core.security import PiiCipher, token_digest
from shoplet.core.storage import Storage
from shoplet.integrations.wechat.login import WeChatLoginClient, WeChatLoginError
from shoplet.modules.members import avatar, identity
from shoplet.modules.members import repository as repo
from shoplet.modules.members.address_parser import ParsedAddress, parse
from shoplet.modules.members.errors import (
    AddressLimit,
    AddressNotFound,
    AlreadyMerged,
    CodeInvalid,
    MemberDisabled,
    MemberNotFound,
    RefreshExpired,
    RefreshInvalid,
    RefreshReused,
    RegionMismatch,
    RegionNotFound,
    RegionUnknown,
    WeChatCodeInvalid,
    WeChatRateLimited,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from shoplet.modules.members.models import Address, Member, MemberMerge
from shoplet.modules.members.regions import Region, tree
from shoplet.modules.members.sms_codes import (
    send_challenge_code,
    send_login_code,
    verify_login_code,
)

log = structlog.get_logger("shoplet.members")

MAX_ADDRESSES = 20
WECHAT_DEFAULT_NICKNAME = "微信用户"
USER_AGENT_LENGTH = 255


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    member: Member


# ---- tokens --------------------------------------------------------------------------------


def _successor(ctx: AppContext, refresh_token: str, purpose: bytes) -> str:
    """What rotating ``refresh_token`` yields, derived with the secret key: every refresh with
    the same token within the grace window computes the same pair, without storing it."""
    key = ctx.settings.resolved_secret_key.encode()
    mac = hmac.new(key, b"shoplet.refresh." + purpose + b"\0" + refresh_token.encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _access_token(
    ctx: AppContext, member: Member, *, issued_at: datetime | None = None, jti: str | None = None
) -> str:
    claims: dict[str, Any] = {}
    if member.wechat_openid is not None:
        claims["oid"] = member.wechat_openid
    if jti is not None:
        claims["jti"] = jti
    return ctx.tokens.issue(
        subject=str(member.id),
        audience="storefront",
        ttl=timedelta(seconds=ctx.settings.access_token_ttl_seconds),
        issued_at=issued_at,
        **claims,
    )


def _rotated_tokens(
    ctx: AppContext, member: Member, *, presented: str, rotated_at: datetime
) -> IssuedTokens:
    """The pair that rotating ``presented`` at ``rotated_at`` produces (always the same)."""
    ttl = ctx.settings.access_token_ttl_seconds
    elapsed = int((utcnow() - rotated_at).total_seconds())
    return IssuedTokens(
        access_token=_access_token(
            ctx, member, issued_at=rotated_at, jti=_successor(ctx, presented, b"jti")[:16]
        ),
        refresh_token=_successor(ctx, presented, b"token"),
        expires_in=max(ttl - elapsed, 0),
        member=member,
    )


def _issue_tokens(
    session: AsyncSession,
    ctx: AppContext,
    member: Member,
    *,
    family_id: str | None,
    user_agent: str,
    rotated_from: tuple[str, datetime] | None = None,
) -> IssuedTokens:
    """A short-lived access JWT (checked without the database) and an opaque refresh token
    (stored only as its digest) in the given family, or a new family for a new login.

    ``rotated_from`` (the presented refresh token and when it was spent) makes the pair the
    reproducible successor of that token instead of a random one.
    """
    settings = ctx.settings
    now = utcnow()
    if rotated_from is not None:
        presented, now = rotated_from
        tokens = _rotated_tokens(ctx, member, presented=presented, rotated_at=now)
        access_token, refresh_token = tokens.access_token, tokens.refresh_token
    else:
        access_token = _access_token(ctx, member)
        refresh_token = secrets.token_urlsafe(32)
    repo.add_refresh_token(
        session,
        member_id=member.id,
        family_id=family_id or secrets.token_hex(16),
        token_hash=token_digest(refresh_token),
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        user_agent=user_agent[:USER_AGENT_LENGTH],
    )
    return IssuedTokens(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
        member=member,
    )


async def _complete_login(
    session: AsyncSession, ctx: AppContext, member: Member, *, user_agent: str
) -> IssuedTokens:
    if not member.is_active:
        raise MemberDisabled()
    member.last_login_at = utcnow()
    tokens = _issue_tokens(session, ctx, member, family_id=None, user_agent=user_agent)
    await session.flush()
    return tokens


async def complete_login(
    session: AsyncSession, ctx: AppContext, member: Member, *, user_agent: str
) -> IssuedTokens:
    """Tokens for a member another sign-in (a passkey, ``passkeys.py``) has verified."""
    return await _complete_login(session, ctx, member, user_agent=user_agent)


async def refresh(
    session: AsyncSession, ctx: AppContext, *, refresh_token: str, user_agent: str
) -> IssuedTokens:
    """Rotate a refresh token: the presented one is spent, a new one joins its family.

    The same token presented again within ``refresh_grace_seconds`` of its rotation (an app
    refreshing from two places at once) gets the very pair the first rotation produced, so no
    caller is signed out. Later, it raises :class:`RefreshReused` after revoking the family;
    the caller must commit that revocation even though the request fails.
    """
    now = utcnow()
    digest = token_digest(refresh_token)
    rotated = await repo.rotate_refresh_token(session, digest, now)
    if rotated is None:
        token = await repo.get_refresh_token(session, digest)
        if token is None:
            raise RefreshInvalid()
        grace = timedelta(seconds=ctx.settings.refresh_grace_seconds)
        if token.used_at is not None and token.revoked_at is None and now - token.used_at <= grace:
            member = await repo.get_member(session, token.member_id)
            if member is None or not member.is_active:
                raise MemberDisabled()
            log.info("refresh_token_reused_within_grace", member_id=token.member_id)
            return _rotated_tokens(ctx, member, presented=refresh_token, rotated_at=token.used_at)
        if token.used_at is not None:
            await repo.revoke_family(session, token.family_id, now)
            log.warning("refresh_token_reused", member_id=token.member_id)
            raise RefreshReused()
        if token.revoked_at is not None:
            raise RefreshInvalid("Refresh token was revoked")
        raise RefreshExpired()
    member_id, family_id = rotated
    member = await repo.get_member(session, member_id)
    if member is None or not member.is_active:
        raise MemberDisabled()
    tokens = _issue_tokens(
        session,
        ctx,
        member,
        family_id=family_id,
        user_agent=user_agent,
        rotated_from=(refresh_token, now),
    )
    await session.flush()
    return tokens


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    """Revoke the token's whole family (every device token descending from that login)."""
    token = await repo.get_refresh_token(session, token_digest(refresh_token))
    if token is not None:
        await repo.revoke_family(session, token.family_id, utcnow())


# ---- WeChat login --------------------------------------------------------------------------


async def wechat_login(
    session: AsyncSession,
    ctx: AppContext,
    wechat: WeChatLoginClient,
    *,
    code: str,
    user_agent: str,
) -> IssuedTokens:
    try:
        wx = await wechat.code_to_session(code)
    except WeChatLoginError as exc:
        # errmsg is WeChat's own text; neither the code nor a session key is logged.
        log.warning("wechat_login_failed", errcode=exc.errcode, errmsg=exc.errmsg)
        if exc.errcode in (40029, 40163):
            raise WeChatCodeInvalid() from exc
        if exc.errcode == 45011:
            raise WeChatRateLimited(retry_after=60) from exc
        if exc.errcode == 40226:
            raise WeChatUserBlocked() from exc
        raise WeChatUnavailable() from exc
    # The session key stays here: it is never stored, returned or logged.
    now = utcnow()
    created = await repo.insert_member_if_absent(
        session,
        unique_on="wechat_openid",
        values={
            "nickname": WECHAT_DEFAULT_NICKNAME,
            "wechat_openid": wx.openid,
            "wechat_unionid": wx.unionid,
            "created_at": now,
            "last_login_at": now,
        },
    )
    member = await repo.get_member_by_openid(session, wx.openid)
    if member is None:  # pragma: no cover - the insert above guarantees the row
        raise WeChatUnavailable("member could not be created")
    if member.wechat_unionid is None and wx.unionid is not None:
        member.wechat_unionid = wx.unionid
        created = True
    if created and wx.unionid is not None:
        await identity.unionid_recorded(session, member.id, wx.unionid)
    return await _complete_login(session, ctx, member, user_agent=user_agent)


# ---- SMS login (codes: sms_codes.py) ---------------------------------------------------------


async def sms_login(
    session: AsyncSession,
    ctx: AppContext,
    *,
    phone: str,
    code: str,
    client_ip: str,
    user_agent: str,
) -> IssuedTokens:
    await ctx.limiter.hit(
        ctx.settings.login_attempts_limit,
        "members-login-ip",
        client_ip,
        detail="Too many login attempts",
    )
    phone_index = ctx.pii.blind_index(phone)
    await verify_login_code(session, ctx, phone_index=phone_index, code=code)
    now = utcnow()
    await repo.insert_member_if_absent(
        session,
        unique_on="phone_index",
        values={
            "nickname": f"用户{phone[-4:]}",
            "phone_encrypted": ctx.pii.encrypt(phone),
            "phone_index": phone_index,
            "created_at": now,
            "last_login_at": now,
        },
    )
    member = await repo.get_member_by_phone_index(session, phone_index)
    if member is None:  # pragma: no cover - the insert above guarantees the row
        raise CodeInvalid()
    return await _complete_login(session, ctx, member, user_agent=user_agent)


async def bind_phone(
    session: AsyncSession, ctx: AppContext, *, member_id: int, phone: str, code: str
) -> tuple[str, MemberMerge | None]:
    """The signed-in shopper proves a phone by its SMS code and binds it; an account already
    holding that phone is merged into this one (``identity.bind_phone``)."""
    phone_index = ctx.pii.blind_index(phone)
    await verify_login_code(session, ctx, phone_index=phone_index, code=code)
    return await identity.bind_phone(
        session, ctx, member_id=member_id, phone=phone, phone_index=phone_index, now=utcnow()
    )


# ---- profile -------------------------------------------------------------------------------


def _require_active(member: Member | None) -> Member:
    if member is None or not member.is_active:
        # A valid token for an account that is gone or disabled: sign in again.
        raise Unauthorized("This account is no longer available")
    return member


async def get_member(session: AsyncSession, member_id: int) -> Member:
    return _require_active(await repo.get_member(session, member_id))


async def get_member_admin(session: AsyncSession, member_id: int) -> Member:
    """Any member, active or not (the console's member page); 404 when there is none."""
    member = await repo.get_member(session, member_id)
    if member is None:
        raise MemberNotFound(f"No member {member_id}")
    return member


async def update_member(session: AsyncSession, member_id: int, changes: dict[str, Any]) -> Member:
    member = await get_member(session, member_id)
    for name, value in changes.items():
        setattr(member, name, value)
    await session.flush()
    return member


async def set_avatar(
    session: AsyncSession, storage: Storage, member_id: int, data: bytes
) -> Member:
    """The uploaded picture becomes the member's avatar (see avatar.py); 400
    ``members.avatar_invalid`` with nothing stored or changed."""
    member = await get_member(session, member_id)
    member.avatar_url = await avatar.store(storage, data)
    await session.flush()
    return member


# ---- addresses -----------------------------------------------------------------------------


async def list_addresses(session: AsyncSession, member_id: int) -> Sequence[Address]:
    return await repo.list_addresses(session, member_id)


async def get_address(session: AsyncSession, member_id: int, address_id: int) -> Address:
    address = await repo.get_address(session, member_id, address_id)
    if address is None:
        # Someone else's address is "not found", never "forbidden": ids are not confirmed.
        raise AddressNotFound()
    return address


_ENCRYPTED_FIELDS = {
    "recipient": "recipient_encrypted",
    "phone": "phone_encrypted",
    "detail": "detail_encrypted",
}


def _apply(address: Address, pii: PiiCipher, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name in _ENCRYPTED_FIELDS:
            setattr(address, _ENCRYPTED_FIELDS[name], pii.encrypt(value))
        else:
            setattr(address, name, value)


_REGION_FIELDS = ("province", "city", "district", "region_code")


def check_region(province: str, city: str, district: str, region_code: str) -> None:
    """An address's region: ``region_code`` is a leaf of the region tree and the names are its
    province's, city's and district's (:class:`RegionUnknown`, :class:`RegionMismatch`)."""
    leaf = tree().leaf(region_code)
    if leaf is None:
        raise RegionUnknown(f"{region_code} is not a district code", region_code=region_code)
    expected = (leaf.province.name, leaf.city.name, leaf.district.name)
    if (province, city, district) != expected:
        raise RegionMismatch(
            f"{region_code} is {' '.join(expected)}",
            region_code=region_code,
            province=expected[0],
            city=expected[1],
            district=expected[2],
        )


async def create_address(
    session: AsyncSession, pii: PiiCipher, member_id: int, fields: dict[str, Any]
) -> Address:
    check_region(*(fields[name] for name in _REGION_FIELDS))
    # The count and the default flag are read-then-write: the member row lock serialises
    # concurrent changes to one address book. The same FOR UPDATE lock orders this against a
    # merge (no hold_member on top: a share lock upgraded to FOR UPDATE deadlocks two adds).
    locked = await repo.lock_member(session, member_id)
    if locked is not None and locked.merged_into_id is not None:
        raise AlreadyMerged(member_id=member_id, merged_into_id=locked.merged_into_id)
    _require_active(locked)
    if await repo.count_addresses(session, member_id) >= MAX_ADDRESSES:
        raise AddressLimit(f"A member keeps at most {MAX_ADDRESSES} addresses")
    wants_default = bool(fields.pop("is_default", False))
    if wants_default:
        await repo.clear_default_address(session, member_id)
    else:
        # The first address (or the first after the default was deleted) becomes the default.
        wants_default = not await repo.has_default_address(session, member_id)
    now = utcnow()
    address = Address(member_id=member_id, is_default=wants_default, created_at=now, updated_at=now)
    _apply(address, pii, fields)
    return await repo.add_address(session, address)


async def update_address(
    session: AsyncSession,
    pii: PiiCipher,
    member_id: int,
    address_id: int,
    fields: dict[str, Any],
) -> Address:
    _require_active(await repo.lock_member(session, member_id))
    address = await get_address(session, member_id, address_id)
    if any(name in fields for name in _REGION_FIELDS):
        # Only a change of region is checked (an old address on a retired code can still get
        # a new phone); the names and code after the change must agree.
        check_region(*(fields.get(name, getattr(address, name)) for name in _REGION_FIELDS))
    is_default = fields.pop("is_default", None)
    if is_default is True and not address.is_default:
        await repo.clear_default_address(session, member_id)
        address.is_default = True
    elif is_default is False:
        address.is_default = False
    _apply(address, pii, fields)
    address.updated_at = utcnow()
    await session.flush()
    return address


async def delete_address(session: AsyncSession, member_id: int, address_id: int) -> None:
    _require_active(await repo.lock_member(session, member_id))
    address = await get_address(session, member_id, address_id)
    now = utcnow()
    address.deleted_at = now
    address.is_default = False
    address.updated_at = now
    await session.flush()


# ---- regions and smart paste ---------------------------------------------------------------


def region_children(parent_code: str | None) -> tuple[Region, ...]:
    """Provinces (no parent), a province's cities or a city's districts; a district has none.
    :class:`RegionNotFound` for a code that is not in the tree."""
    children = tree().children(parent_code)
    if children is None:
        raise RegionNotFound(f"No region has the code {parent_code}")
    return children


@cache
def region_children_json(parent_code: str | None) -> bytes:
    """:func:`region_children` as the JSON body of ``GET /regions``, built once per code (the
    tree never changes while the process runs; unknown codes raise and are not kept)."""
    items = [
        {"code": r.code, "name": r.name, "has_children": r.has_children}
        for r in region_children(parent_code)
    ]
    return orjson.dumps({"items": items})


def parse_address(text: str) -> ParsedAddress:
    """Smart paste: recipient, phone, region and detail found in pasted text."""
    return parse(text)


# ---- maintenance ---------------------------------------------------------------------------

# Spent refresh tokens are kept a while past expiry so a late replay is still recognised.
REFRESH_TOKEN_RETENTION = timedelta(days=7)


async def purge_expired_credentials(session: AsyncSession) -> tuple[int, int]:
    """Delete expired login codes and long-expired refresh tokens; returns both counts."""
    now = utcnow()
    codes = await repo.delete_login_codes_expired_before(session, now)
    tokens = await repo.delete_refresh_tokens_expired_before(session, now - REFRESH_TOKEN_RETENTION)
    return codes, tokens


# The SMS code use cases live in sms_codes.py; the routes reach them through this module.
__all__ = [
    "MAX_ADDRESSES",
    "REFRESH_TOKEN_RETENTION",
    "USER_AGENT_LENGTH",
    "WECHAT_DEFAULT_NICKNAME",
    "IssuedTokens",
    "bind_phone",
    "check_region",
    "complete_login",
    "create_address",
    "delete_address",
    "get_address",
    "get_member",
    "get_member_admin",
    "list_addresses",
    "logout",
    "parse_address",
    "purge_expired_credentials",
    "refresh",
    "region_children",
    "region_children_json",
    "send_challenge_code",
    "send_login_code",
    "set_avatar",
    "sms_login",
    "update_address",
    "update_member",
    "verify_login_code",
    "wechat_login",
]
