"""Shopper challenges (docs/risk.md): a ``challenge`` outcome for a member opens one (its id goes
in the 403), the member asks for an SMS code to their bound phone, verifies it and gets a grant
that lets the same member, on the same device, do the same action once (``X-Risk-Grant``).

Every step is one conditional ``UPDATE``: attempts are counted before the code is compared, the
grant is written only once, and it is spent by the one retry whose ``UPDATE`` matches
``grant_used_at IS NULL``; concurrent retries wait on the row lock and then match nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import keep_writes_on_error

from . import repository
from .errors import (
    ChallengeAlreadyPassed,
    ChallengeAttemptsExhausted,
    ChallengeCodeInvalid,
    ChallengeNotFound,
    GrantInvalid,
)
from .models import RiskChallenge

CHALLENGE_TTL = timedelta(minutes=15)
CODE_TTL = timedelta(minutes=5)
GRANT_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
METHODS = ("sms",)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _code_hash(ctx: AppContext, token: str, code: str) -> str:
    # Keyed under the PII key: six digits are a million values, easy to reverse from a plain hash.
    return ctx.pii.blind_index(f"risk-code:{token}:{code}")


async def open_challenge(
    session: AsyncSession,
    *,
    action: str,
    subject: str,
    member_id: int,
    device: str,
    decision_id: int,
    now: datetime,
) -> str:
    """A new challenge for this member, device and action; returns its public id."""
    token = secrets.token_urlsafe(18)
    await repository.add_challenge(
        session,
        RiskChallenge(
            token=token,
            action=action,
            subject=subject,
            member_id=member_id,
            device=device,
            decision_id=decision_id,
            attempts=0,
            expires_at=now + CHALLENGE_TTL,
            created_at=now,
        ),
    )
    return token


async def _open(session: AsyncSession, token: str, member_id: int, now: datetime) -> RiskChallenge:
    row = await repository.live_challenge(session, token=token, member_id=member_id, now=now)
    if row is None:
        raise ChallengeNotFound()
    if row.grant_hash is not None:
        raise ChallengeAlreadyPassed()
    return row


async def issue_code(
    session: AsyncSession, ctx: AppContext, *, token: str, member_id: int, now: datetime
) -> tuple[str, int]:
    """A fresh code for the member's open challenge (the caller texts it): (code, seconds)."""
    await _open(session, token, member_id, now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await repository.set_challenge_code(
        session,
        token=token,
        code_hash=_code_hash(ctx, token, code),
        code_expires_at=now + CODE_TTL,
    )
    return code, int(CODE_TTL.total_seconds())


async def verify_code(
    session: AsyncSession,
    ctx: AppContext,
    *,
    token: str,
    member_id: int,
    code: str,
    now: datetime,
) -> tuple[str, str, int]:
    """Spend one attempt; the right code returns (grant, action, seconds). A wrong code raises
    400 ``risk.challenge_code_invalid`` and keeps the counted attempt."""
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
    if (
        code_hash is None
        or code_expires_at is None
        or code_expires_at <= now
        or not hmac.compare_digest(code_hash, _code_hash(ctx, token, code))
    ):
        raise ChallengeCodeInvalid()
    grant = secrets.token_urlsafe(24)
    action = await repository.grant_challenge(
        session, token=token, grant_hash=_digest(grant), grant_expires_at=now + GRANT_TTL
    )
    if action is None:
        raise ChallengeAlreadyPassed()
    return grant, action, int(GRANT_TTL.total_seconds())


async def claim_grant(
    session: AsyncSession,
    *,
    grant: str,
    action: str,
    subject: str,
    device: str,
    now: datetime,
) -> int:
    """Spend the grant for this action by this subject on this device: the challenge's id, or
    403 ``risk.grant_invalid`` (unknown, spent, expired, another action, member or device)."""
    found = await repository.spend_grant(
        session, grant_hash=_digest(grant), action=action, subject=subject, device=device, now=now
    )
    if found is None:
        raise GrantInvalid()
    return int(found)
