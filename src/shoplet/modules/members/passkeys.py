"""Shopper passkeys on H5 (设置 → 通行密钥): registration, sign-in with a passkey alone (user
verification required, a discoverable credential names the member), the device list and revoke.

Challenges are stored server-side (``members_webauthn_challenge``), expire after five minutes
and are spent by one conditional UPDATE before the answer is verified; callers keep that write
when the answer fails (``keep_writes_on_error``). Counters are checked by py_webauthn and stored
with a conditional UPDATE (a counter that does not grow is refused: a cloned authenticator).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import webauthn
from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.members import identity, service
from shoplet.modules.members import repository as repo
from shoplet.modules.members.errors import (
    PasskeyChallengeInvalid,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInRejected,
    PasskeyTaken,
)
from shoplet.modules.members.models import Member, Passkey, WebAuthnChallenge
from shoplet.modules.members.schemas import PasskeyOptions

CHALLENGE_TTL = timedelta(minutes=5)
HANDLE_PREFIX = b"member:"


def user_handle(member_id: int) -> bytes:
    """The WebAuthn user.id of a member: no phone, no nickname (the spec asks for none)."""
    return HANDLE_PREFIX + str(member_id).encode()


def member_id_of_handle(handle: bytes | None) -> int | None:
    if handle is None or not handle.startswith(HANDLE_PREFIX):
        return None
    rest = handle[len(HANDLE_PREFIX) :]
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


async def _new_challenge(
    session: AsyncSession, *, purpose: str, member_id: int | None, now: datetime
) -> WebAuthnChallenge:
    await repo.delete_expired_challenges(session, before=now - CHALLENGE_TTL)
    return await repo.add_challenge(
        session,
        WebAuthnChallenge(
            purpose=purpose,
            member_id=member_id,
            challenge=webauthn.new_challenge(),
            created_at=now,
            expires_at=now + CHALLENGE_TTL,
        ),
    )


async def _claim(
    session: AsyncSession, challenge_id: int, purpose: str
) -> tuple[bytes, int | None]:
    claimed = await repo.claim_challenge(session, challenge_id, purpose=purpose, now=utcnow())
    if claimed is None:
        raise PasskeyChallengeInvalid()
    return claimed


def _stored(passkeys: list[Passkey]) -> list[webauthn.StoredCredential]:
    return [webauthn.StoredCredential(p.credential_id, list(p.transports)) for p in passkeys]


async def registration_options(
    session: AsyncSession, ctx: AppContext, member: Member
) -> PasskeyOptions:
    challenge = await _new_challenge(session, purpose="register", member_id=member.id, now=utcnow())
    options = webauthn.registration_options(
        webauthn.RelyingParty.of(ctx.settings),
        challenge=challenge.challenge,
        user_handle=user_handle(member.id),
        user_name=f"member-{member.id}",
        display_name=member.nickname,
        existing=_stored(await repo.list_passkeys(session, member.id)),
    )
    return PasskeyOptions(challenge_id=challenge.id, public_key=options)


async def register(
    session: AsyncSession,
    ctx: AppContext,
    member: Member,
    *,
    challenge_id: int,
    name: str,
    credential: dict[str, Any],
) -> Passkey:
    challenge, owner = await _claim(session, challenge_id, "register")
    if owner != member.id:
        raise PasskeyChallengeInvalid()
    try:
        new = webauthn.verify_registration(
            webauthn.RelyingParty.of(ctx.settings), credential=credential, challenge=challenge
        )
    except webauthn.WebAuthnRejected as exc:
        raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
    if await repo.get_passkey_by_credential(session, new.credential_id) is not None:
        raise PasskeyTaken()
    # A merge absorbing this account waits for the new passkey (and moves it) or refuses it.
    await identity.hold_member(session, member.id)
    count = len(await repo.list_passkeys(session, member.id))
    return await repo.add_passkey(
        session,
        Passkey(
            member_id=member.id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            name=(name or f"通行密钥 {count + 1}")[:50],
            fmt=new.fmt,
            transports=new.transports,
            created_at=utcnow(),
        ),
    )


async def list_passkeys(session: AsyncSession, member_id: int) -> list[Passkey]:
    return await repo.list_passkeys(session, member_id)


async def revoke(session: AsyncSession, member_id: int, passkey_id: int) -> None:
    passkey = await repo.get_passkey(session, passkey_id)
    if passkey is None or passkey.member_id != member_id or passkey.revoked_at is not None:
        raise PasskeyNotFound()
    await repo.revoke_passkey(session, passkey_id, now=utcnow())


async def login_options(session: AsyncSession, ctx: AppContext) -> PasskeyOptions:
    challenge = await _new_challenge(session, purpose="login", member_id=None, now=utcnow())
    options = webauthn.authentication_options(
        webauthn.RelyingParty.of(ctx.settings),
        challenge=challenge.challenge,
        allowed=[],
        user_verification=True,
    )
    return PasskeyOptions(challenge_id=challenge.id, public_key=options)


async def login(
    session: AsyncSession,
    ctx: AppContext,
    *,
    challenge_id: int,
    credential: dict[str, Any],
    client_ip: str,
    user_agent: str,
) -> service.IssuedTokens:
    await ctx.limiter.hit(
        ctx.settings.login_attempts_limit,
        "members-login-ip",
        client_ip,
        detail="Too many login attempts",
    )
    challenge, _ = await _claim(session, challenge_id, "login")
    try:
        named = webauthn.read_assertion(credential)
    except webauthn.WebAuthnRejected:
        raise PasskeySignInRejected() from None
    passkey = await repo.get_passkey_by_credential(session, named.credential_id)
    if passkey is None or passkey.revoked_at is not None:
        raise PasskeySignInRejected("This passkey is not registered or was removed")
    if member_id_of_handle(named.user_handle) != passkey.member_id:
        raise PasskeySignInRejected("The passkey's user handle does not match")
    try:
        new_count = webauthn.verify_authentication(
            webauthn.RelyingParty.of(ctx.settings),
            credential=credential,
            challenge=challenge,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            user_verification=True,
        )
    except webauthn.WebAuthnRejected as exc:
        raise PasskeySignInRejected(f"The passkey could not be verified: {exc}") from None
    if not await repo.advance_passkey_count(session, passkey, new_count=new_count, now=utcnow()):
        raise PasskeySignInRejected("The passkey's signature counter did not increase")
    member = await service.get_member(session, passkey.member_id)
    return await service.complete_login(session, ctx, member, user_agent=user_agent)


# -- a passkey answering a risk challenge (risk calls these through its hook) ------------------


async def risk_credentials(
    session: AsyncSession, member_id: int
) -> list[webauthn.StoredCredential]:
    """The member's live passkeys, for the assertion options of a risk challenge."""
    return _stored(await repo.list_passkeys(session, member_id))


async def risk_verify(
    session: AsyncSession,
    ctx: AppContext,
    member_id: int,
    credential: dict[str, Any],
    challenge: bytes,
) -> str | None:
    """Check an assertion for a risk challenge: the member's own live passkey, user
    verification, origin and RP id of the settings, and a counter stored by one conditional
    UPDATE (a counter that does not grow is refused). ``None`` when it passes, else why not."""
    try:
        named = webauthn.read_assertion(credential)
    except webauthn.WebAuthnRejected:
        return "Not a passkey assertion"
    passkey = await repo.get_passkey_by_credential(session, named.credential_id)
    if passkey is None or passkey.revoked_at is not None or passkey.member_id != member_id:
        return "This passkey is not registered to your account"
    try:
        new_count = webauthn.verify_authentication(
            webauthn.RelyingParty.of(ctx.settings),
            credential=credential,
            challenge=challenge,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            user_verification=True,
        )
    except webauthn.WebAuthnRejected as exc:
        return f"The passkey could not be verified: {exc}"
    if not await repo.advance_passkey_count(session, passkey, new_count=new_count, now=utcnow()):
        return "The passkey's signature counter did not increase"
    return None
