"""Staff passkeys: WebAuthn challenges (server-side, expiring, spent once), registration,
assertions with their sign counters, revocation and the sign-in policy. Flushes, never commits;
audits are written by the callers (``service`` for sign-in, ``stepup`` for the rest).

A challenge is claimed with one conditional UPDATE before its answer is verified, so it is spent
even when the answer fails; callers keep that write (``keep_writes_on_error``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import webauthn
from shoplet.core.context import AppContext
from shoplet.core.db import utcnow

from . import repository
from .errors import (
    ChallengeInvalid,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInRejected,
    PasskeyTaken,
)
from .models import AuthPolicy, Passkey, Staff, WebAuthnChallenge
from .schemas import PasskeyAssertion, WebAuthnOptions

CHALLENGE_TTL = timedelta(minutes=5)
STEP_UP_HEADER = "X-Step-Up-Token"
DEFAULT_PASSKEY_LOGIN = "second_factor"


def user_handle(staff_id: int) -> bytes:
    """The WebAuthn user.id of a staff member (no personal data, as the spec asks)."""
    return b"staff:" + str(staff_id).encode()


def staff_id_of_handle(handle: bytes | None) -> int | None:
    if handle is None or not handle.startswith(b"staff:"):
        return None
    rest = handle[len(b"staff:") :]
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


def session_binding(console_token: str) -> str:
    """Binds a step-up grant to the console token it was obtained with (another session, even
    of the same staff member, cannot use it)."""
    return hashlib.sha256(console_token.encode()).hexdigest()[:32]


def _stored(passkeys: list[Passkey]) -> list[webauthn.StoredCredential]:
    return [webauthn.StoredCredential(p.credential_id, list(p.transports)) for p in passkeys]


async def _new_challenge(
    session: AsyncSession, *, purpose: str, staff_id: int | None, now: datetime
) -> WebAuthnChallenge:
    # Expired challenges are swept as new ones are made: the table stays small without a job.
    await repository.delete_expired_challenges(session, before=now - CHALLENGE_TTL)
    return await repository.add_challenge(
        session,
        WebAuthnChallenge(
            purpose=purpose,
            staff_id=staff_id,
            challenge=webauthn.new_challenge(),
            created_at=now,
            expires_at=now + CHALLENGE_TTL,
        ),
    )


async def _claim(
    session: AsyncSession, challenge_id: int, purpose: str
) -> tuple[bytes, int | None]:
    claimed = await repository.claim_challenge(session, challenge_id, purpose=purpose, now=utcnow())
    if claimed is None:
        raise ChallengeInvalid()
    return claimed


# --- registration ------------------------------------------------------------------------------


async def registration_options(
    session: AsyncSession, ctx: AppContext, staff: Staff
) -> WebAuthnOptions:
    now = utcnow()
    challenge = await _new_challenge(session, purpose="register", staff_id=staff.id, now=now)
    options = webauthn.registration_options(
        webauthn.RelyingParty.of(ctx.settings),
        challenge=challenge.challenge,
        user_handle=user_handle(staff.id),
        user_name=staff.username,
        display_name=staff.display_name,
        existing=_stored(await repository.list_passkeys(session, staff.id)),
    )
    return WebAuthnOptions(challenge_id=challenge.id, public_key=options)


async def register(
    session: AsyncSession,
    ctx: AppContext,
    staff: Staff,
    *,
    challenge_id: int,
    name: str,
    credential: dict[str, Any],
) -> Passkey:
    challenge, owner = await _claim(session, challenge_id, "register")
    if owner != staff.id:
        raise ChallengeInvalid()
    try:
        new = webauthn.verify_registration(
            webauthn.RelyingParty.of(ctx.settings), credential=credential, challenge=challenge
        )
    except webauthn.WebAuthnRejected as exc:
        raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
    if await repository.credential_taken(session, new.credential_id):
        raise PasskeyTaken()
    now = utcnow()
    count = len(await repository.list_passkeys(session, staff.id))
    return await repository.add_passkey(
        session,
        Passkey(
            staff_id=staff.id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            name=(name or f"通行密钥 {count + 1}")[:50],
            aaguid=new.aaguid,
            fmt=new.fmt,
            backed_up=new.backed_up,
            transports=new.transports,
            created_at=now,
        ),
    )


async def list_passkeys(session: AsyncSession, staff_id: int) -> list[Passkey]:
    return await repository.list_passkeys(session, staff_id)


async def revoke(session: AsyncSession, staff_id: int, passkey_id: int) -> Passkey:
    passkey = await repository.get_passkey(session, passkey_id)
    if passkey is None or passkey.staff_id != staff_id or passkey.revoked_at is not None:
        raise PasskeyNotFound()
    await repository.revoke_passkey(session, passkey_id, now=utcnow())
    return passkey


async def has_passkeys(session: AsyncSession, staff_id: int) -> bool:
    return bool(await repository.list_passkeys(session, staff_id))


# --- assertions --------------------------------------------------------------------------------


async def assertion_options(
    session: AsyncSession, ctx: AppContext, *, purpose: str, staff: Staff | None
) -> WebAuthnOptions:
    """Options for a sign-in (``staff``: their passkeys; None: any discoverable passkey) or a
    step-up. An unknown username gets options too (an empty allow list), so the answer does not
    tell which usernames exist."""
    now = utcnow()
    staff_id = staff.id if staff is not None else None
    challenge = await _new_challenge(session, purpose=purpose, staff_id=staff_id, now=now)
    allowed = await repository.list_passkeys(session, staff.id) if staff is not None else []
    options = webauthn.authentication_options(
        webauthn.RelyingParty.of(ctx.settings),
        challenge=challenge.challenge,
        allowed=_stored(allowed),
        user_verification=staff is None,
    )
    return WebAuthnOptions(challenge_id=challenge.id, public_key=options)


async def verify_assertion(
    session: AsyncSession,
    ctx: AppContext,
    assertion: PasskeyAssertion,
    *,
    purpose: str,
    staff_id: int | None,
) -> Passkey:
    """Spend the challenge, check the signature, origin, RP id and counter, and store the new
    counter. ``staff_id`` None: a passwordless sign-in (user verification required, the
    credential tells whose it is). Raises :class:`PasskeySignInRejected` or
    :class:`ChallengeInvalid`."""
    challenge, challenge_staff = await _claim(session, assertion.challenge_id, purpose)
    if challenge_staff != staff_id:
        raise ChallengeInvalid()
    try:
        named = webauthn.read_assertion(assertion.credential)
    except webauthn.WebAuthnRejected:
        raise PasskeySignInRejected() from None
    passkey = await repository.get_passkey_by_credential(session, named.credential_id)
    if passkey is None or passkey.revoked_at is not None:
        raise PasskeySignInRejected("This passkey is not registered or was revoked")
    if staff_id is not None and passkey.staff_id != staff_id:
        raise PasskeySignInRejected("This passkey belongs to someone else")
    if staff_id is None and staff_id_of_handle(named.user_handle) != passkey.staff_id:
        raise PasskeySignInRejected("The passkey's user handle does not match")
    try:
        new_count = webauthn.verify_authentication(
            webauthn.RelyingParty.of(ctx.settings),
            credential=assertion.credential,
            challenge=challenge,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            user_verification=staff_id is None,
        )
    except webauthn.WebAuthnRejected as exc:
        raise PasskeySignInRejected(f"The passkey could not be verified: {exc}") from None
    if not await repository.advance_sign_count(session, passkey, new_count=new_count, now=utcnow()):
        # Another request stored this counter value first: a cloned authenticator or a replay.
        raise PasskeySignInRejected("The passkey's signature counter did not increase")
    return passkey


# --- policy ------------------------------------------------------------------------------------


async def passkey_login_mode(session: AsyncSession) -> str:
    policy = await repository.get_policy(session)
    return policy.passkey_login if policy is not None else DEFAULT_PASSKEY_LOGIN


async def set_passkey_login_mode(session: AsyncSession, mode: str, *, by: str) -> AuthPolicy:
    policy = await repository.get_policy(session)
    if policy is None:
        policy = await repository.add_policy(
            session, AuthPolicy(id=1, passkey_login=mode, updated_at=utcnow(), updated_by=by)
        )
    else:
        policy.passkey_login = mode
        policy.updated_at = utcnow()
        policy.updated_by = by
        await session.flush()
    return policy
