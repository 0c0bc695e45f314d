"""SMS verification codes: a login code texted to a phone (stored hashed, with an attempt
budget), a risk challenge's code texted to the member's bound phone, and spending a code.

Services only ``flush()``; the request's ``DbSession`` commits.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.security import PiiCipher, mask_phone
from shoplet.integrations.sms import SmsError, SmsMessage, SmsSender
from shoplet.modules.members import repository as repo
from shoplet.modules.members.errors import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeInvalid,
    SmsNotConfigured,
    SmsPhoneRejected,
    SmsRateLimited,
    SmsUnavailable,
)
from shoplet.modules.risk import public as risk

log = structlog.get_logger("shoplet.members")

MAX_CODE_ATTEMPTS = 5
SMS_LOGIN_TEMPLATE = "login_code"


def _code_hash(pii: PiiCipher, phone_index: str, code: str) -> str:
    # Keyed (HMAC-SM3 under the PII key): six digits are a million values, a plain hash of
    # which anyone holding a copy of the table could reverse.
    return pii.blind_index(f"login-code:{phone_index}:{code}")


async def send_login_code(
    session: AsyncSession, ctx: AppContext, sms: SmsSender, *, phone: str, client_ip: str
) -> int:
    """Store a fresh hashed code for ``phone`` and text it; returns its lifetime in seconds."""
    settings = ctx.settings
    phone_index = ctx.pii.blind_index(phone)
    await ctx.limiter.hit(
        settings.sms_per_ip_limit, "members-sms-ip", client_ip, detail="Too many codes requested"
    )
    # Keyed by the blind index: rate-limit keys in Redis must not hold phone numbers either.
    await ctx.limiter.hit(
        settings.sms_per_phone_limit,
        "members-sms-phone",
        phone_index,
        detail="A code was sent to this phone recently",
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    ttl = settings.sms_code_ttl_seconds
    await repo.replace_login_code(
        session,
        phone_index=phone_index,
        code_hash=_code_hash(ctx.pii, phone_index, code),
        now=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    await session.flush()
    await _text_code(sms, phone, code, ttl)
    return ttl


async def _text_code(sms: SmsSender, phone: str, code: str, ttl: int) -> None:
    """Text a verification code; the provider's refusals become stable problems."""
    minutes = str(max(1, ttl // 60))
    try:
        await sms.send(
            SmsMessage(
                phone=phone, template=SMS_LOGIN_TEMPLATE, params={"code": code, "minutes": minutes}
            )
        )
    except SmsError as exc:
        # The code row is rolled back with the request: no code lives that was never sent.
        log.warning("sms_send_failed", kind=exc.kind, provider_code=exc.code)
        if exc.kind == "phone_rejected":
            raise SmsPhoneRejected() from exc
        if exc.kind == "rate_limited":
            raise SmsRateLimited(retry_after=3600) from exc
        if exc.kind == "misconfigured":
            raise SmsNotConfigured() from exc
        raise SmsUnavailable() from exc
    except Exception as exc:
        log.error("sms_send_failed", error=type(exc).__name__)
        raise SmsUnavailable() from exc


async def send_challenge_code(
    session: AsyncSession, ctx: AppContext, sms: SmsSender, *, member_id: int, challenge_id: str
) -> tuple[int, str]:
    """Text a code for the member's open risk challenge to their bound phone: (seconds, masked
    phone). 409 ``risk.challenge_no_phone`` without one; rate-limited like login codes."""
    member = await repo.get_member(session, member_id)
    if member is None or not member.phone_encrypted or not member.phone_index:
        raise risk.ChallengeNoPhone()
    await ctx.limiter.hit(
        ctx.settings.sms_per_phone_limit,
        "risk-challenge-sms",
        member.phone_index,
        detail="A code was sent to this phone recently",
    )
    phone = ctx.pii.decrypt(member.phone_encrypted)
    code, ttl = await risk.issue_code(
        session, ctx, token=challenge_id, member_id=member_id, now=utcnow()
    )
    await session.flush()
    await _text_code(sms, phone, code, ttl)
    return ttl, mask_phone(phone)


async def verify_login_code(
    session: AsyncSession, ctx: AppContext, *, phone_index: str, code: str
) -> None:
    """Spend one attempt on the phone's code and consume it when it matches.

    Raises :class:`CodeInvalid` after counting a wrong attempt: the caller must commit that
    count even though the request fails, or guessing would be free.
    """
    now = utcnow()
    live = await repo.count_code_attempt(
        session, phone_index=phone_index, max_attempts=MAX_CODE_ATTEMPTS
    )
    if live is None:
        if await repo.code_attempts_exhausted(
            session, phone_index=phone_index, max_attempts=MAX_CODE_ATTEMPTS, now=now
        ):
            raise CodeAttemptsExhausted()
        raise CodeInvalid()
    code_hash, expires_at = live
    if expires_at <= now:
        raise CodeExpired()
    if not hmac.compare_digest(code_hash, _code_hash(ctx.pii, phone_index, code)):
        raise CodeInvalid()
    if not await repo.consume_code(session, phone_index=phone_index, now=now):
        raise CodeInvalid()  # pragma: no cover - the attempt above holds the row
