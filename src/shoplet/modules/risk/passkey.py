"""A passkey as the second way to pass a shopper challenge (docs/risk.md).

Risk may not import members (members imports risk), so members fills a hook at start-up
(:func:`set_passkey_hook`, as risk fills staff's sign-in guard): the member's passkeys, and the
check of an assertion that also advances the passkey's sign counter in one conditional UPDATE.
The WebAuthn challenge bytes live in the risk challenge row, in ``code_hash`` marked ``pk:``
(base64url, 46 characters of 64), with ``code_expires_at``: no table of their own. A verify
counts the attempt first (as a texted code does, five at most), then checks the assertion, then
writes the grant with the same one-time UPDATE as the SMS path.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import webauthn
from shoplet.core.context import AppContext
from shoplet.core.db import keep_writes_on_error

from . import repository
from .challenge import CODE_TTL, GRANT_TTL, MAX_ATTEMPTS, _digest, _open
from .errors import (
    ChallengeAlreadyPassed,
    ChallengeAttemptsExhausted,
    ChallengeNoPasskey,
    ChallengeNotFound,
    ChallengePasskeyInvalid,
)

MARK = "pk:"
KEY = "risk.passkey_hook"

Credentials = Callable[[AsyncSession, int], Awaitable[list[webauthn.StoredCredential]]]
"""``(session, member_id)``: the member's live passkeys."""

Verify = Callable[[AsyncSession, AppContext, int, dict[str, Any], bytes], Awaitable[str | None]]
"""``(session, ctx, member_id, credential, challenge)``: ``None`` when the assertion verifies
(user verification required, the member's own live passkey, origin and RP id of the settings)
and its counter was stored; otherwise why not."""


@dataclass(frozen=True, slots=True)
class PasskeyHook:
    credentials: Credentials
    verify: Verify


def set_passkey_hook(ctx: AppContext, hook: PasskeyHook | None) -> None:
    if hook is None:
        ctx.extras.pop(KEY, None)
    else:
        ctx.extras[KEY] = hook


def _hook(ctx: AppContext) -> PasskeyHook | None:
    found = ctx.extras.get(KEY)
    return found if isinstance(found, PasskeyHook) else None


async def has_passkey(session: AsyncSession, ctx: AppContext, member_id: int) -> bool:
    hook = _hook(ctx)
    return hook is not None and bool(await hook.credentials(session, member_id))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def passkey_options(
    session: AsyncSession, ctx: AppContext, *, token: str, member_id: int, now: datetime
) -> tuple[dict[str, Any], int]:
    """Assertion options for the member's open challenge over their passkeys: (options,
    seconds). 409 ``risk.challenge_no_passkey`` without one. The attempts are not reset."""
    await _open(session, token, member_id, now)
    hook = _hook(ctx)
    stored = await hook.credentials(session, member_id) if hook is not None else []
    if not stored:
        raise ChallengeNoPasskey()
    challenge = webauthn.new_challenge()
    await repository.set_challenge_passkey(
        session, token=token, code_hash=MARK + _b64(challenge), code_expires_at=now + CODE_TTL
    )
    options = webauthn.authentication_options(
        webauthn.RelyingParty.of(ctx.settings),
        challenge=challenge,
        allowed=stored,
        user_verification=True,
    )
    return options, int(CODE_TTL.total_seconds())


async def verify_passkey(
    session: AsyncSession,
    ctx: AppContext,
    *,
    token: str,
    member_id: int,
    credential: dict[str, Any],
    now: datetime,
) -> tuple[str, str, int]:
    """Spend one attempt; a verified assertion returns (grant, action, seconds), the same grant
    as a texted code. A refused one raises 400 ``risk.challenge_passkey_invalid`` and keeps the
    counted attempt."""
    counted = await repository.count_challenge_attempt(
        session, token=token, member_id=member_id, now=now, max_attempts=MAX_ATTEMPTS
    )
    if counted is None:
        row = await _open(session, token, member_id, now)
        if row.attempts >= MAX_ATTEMPTS:
            raise ChallengeAttemptsExhausted()
        raise ChallengeNotFound()  # pragma: no cover - the update above matches an open row
    code_hash, code_expires_at = counted
    keep_writes_on_error(session)
    hook = _hook(ctx)
    if (
        hook is None
        or code_hash is None
        or not code_hash.startswith(MARK)
        or code_expires_at is None
        or code_expires_at <= now
    ):
        raise ChallengePasskeyInvalid("Ask for passkey options first (they last five minutes)")
    refused = await hook.verify(session, ctx, member_id, credential, _unb64(code_hash[3:]))
    if refused is not None:
        raise ChallengePasskeyInvalid(refused)
    grant = secrets.token_urlsafe(24)
    action = await repository.grant_challenge(
        session, token=token, grant_hash=_digest(grant), grant_expires_at=now + GRANT_TTL
    )
    if action is None:  # pragma: no cover - the attempt's UPDATE holds the row until commit
        raise ChallengeAlreadyPassed()
    return grant, action, int(GRANT_TTL.total_seconds())
