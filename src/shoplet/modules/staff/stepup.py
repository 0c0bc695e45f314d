"""Passkey management, passwordless sign-in and step-up grants (audited). Flushes, never commits.

A step-up grant is a short JWT (audience ``console-step-up``, ``SHOPLET_STEP_UP_TTL_SECONDS``,
5 minutes by default) issued after a fresh passkey assertion or TOTP code, bound to the console
token it was asked with. Sensitive routes (``staff.public.StepUpCheck`` / ``require_step_up``)
refuse a request without a valid one with 403 ``auth.step_up_required``; the console then opens
its 身份验证 dialog, gets a grant and retries, sending it as ``X-Step-Up-Token``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow

from . import passkeys, repository, service
from .errors import (
    AccountLocked,
    PasskeySignInRejected,
    PasswordlessDisabled,
    StepUpRejected,
    StepUpRequired,
)
from .models import Passkey, Staff
from .rbac import Origin, StaffIdentity
from .schemas import PasskeyAssertion, WebAuthnOptions


@dataclass(frozen=True, slots=True)
class IssuedStepUp:
    token: str
    expires_in: int
    method: str


# --- passkey management ------------------------------------------------------------------------


async def ensure_step_up_for_new_factor(
    session: AsyncSession, staff: Staff, *, granted: bool
) -> None:
    """Adding a passkey to an account that already has a second factor needs a step-up (a stolen
    console token must not add its own passkey); the first one does not."""
    methods = await service.second_factors(session, staff)
    if methods and not granted:
        raise StepUpRequired(methods=methods)


async def register_passkey(
    session: AsyncSession,
    ctx: AppContext,
    origin: Origin | None,
    staff: Staff,
    *,
    challenge_id: int,
    name: str,
    credential: dict[str, Any],
) -> Passkey:
    passkey = await passkeys.register(
        session, ctx, staff, challenge_id=challenge_id, name=name, credential=credential
    )
    await service.record_audit(
        session,
        StaffIdentity.of(staff),
        "auth.passkey_register",
        f"passkey:{passkey.id}",
        {"name": passkey.name, "fmt": passkey.fmt, "aaguid": passkey.aaguid},
        origin,
    )
    return passkey


async def revoke_passkey(
    session: AsyncSession, origin: Origin | None, staff: StaffIdentity, passkey_id: int
) -> None:
    passkey = await passkeys.revoke(session, staff.id, passkey_id)
    await service.record_audit(
        session,
        staff,
        "auth.passkey_revoke",
        f"passkey:{passkey_id}",
        {"name": passkey.name},
        origin,
    )


# --- passwordless sign-in ----------------------------------------------------------------------


async def passwordless_options(session: AsyncSession, ctx: AppContext) -> WebAuthnOptions:
    if await passkeys.passkey_login_mode(session) != "passwordless":
        raise PasswordlessDisabled()
    return await passkeys.assertion_options(session, ctx, purpose="login", staff=None)


async def login_with_passkey(
    session: AsyncSession, ctx: AppContext, origin: Origin | None, assertion: PasskeyAssertion
) -> service.IssuedToken:
    """A passkey alone (user verification required), when the owners' policy allows it.

    Raises :class:`service.LoginRefused` for refusals whose bookkeeping must be kept (the spent
    challenge, the audit entry)."""
    if await passkeys.passkey_login_mode(session) != "passwordless":
        raise PasswordlessDisabled()
    ip = origin.ip if origin is not None and origin.ip else "unknown"
    limit = ctx.settings.login_attempts_limit
    await ctx.limiter.hit(limit, "console-login-ip", ip, detail="Too many sign-in attempts")
    passkey = await passkeys.verify_assertion(
        session, ctx, assertion, purpose="login", staff_id=None
    )
    staff = await repository.get_staff(session, passkey.staff_id)
    now = utcnow()
    if staff is None or not staff.is_active:
        raise PasskeySignInRejected("This staff account is disabled")
    if staff.locked_until is not None and staff.locked_until > now:
        raise AccountLocked(
            "Too many failed sign-ins; try again later",
            retry_after=int((staff.locked_until - now).total_seconds()) + 1,
            locked_until=staff.locked_until.isoformat(),
        )
    staff.last_login_at = now
    staff.failed_logins = 0
    await session.flush()
    await service.record_audit(
        session,
        StaffIdentity.of(staff),
        "auth.login",
        f"staff:{staff.id}",
        {"method": "passkey", "passwordless": True, "passkey_id": passkey.id},
        origin,
    )
    return service.issue_token(ctx, staff)


# --- step-up -----------------------------------------------------------------------------------


async def step_up_options(session: AsyncSession, ctx: AppContext, staff: Staff) -> WebAuthnOptions:
    if not await passkeys.has_passkeys(session, staff.id):
        raise StepUpRejected("Register a passkey first, or confirm with an authenticator code")
    return await passkeys.assertion_options(session, ctx, purpose="step_up", staff=staff)


async def step_up(
    session: AsyncSession,
    ctx: AppContext,
    origin: Origin | None,
    staff: Staff,
    *,
    console_token: str,
    otp: str | None,
    assertion: PasskeyAssertion | None,
) -> IssuedStepUp:
    """Confirm it is still the staff member (a passkey or a TOTP code) and issue a grant."""
    await ctx.limiter.hit(
        ctx.settings.login_attempts_limit,
        "console-step-up",
        str(staff.id),
        detail="Too many confirmation attempts",
    )
    if assertion is not None:
        try:
            await passkeys.verify_assertion(
                session, ctx, assertion, purpose="step_up", staff_id=staff.id
            )
        except PasskeySignInRejected as exc:
            raise StepUpRejected(exc.detail) from None
        method = "passkey"
    elif otp is not None and staff.mfa_enabled:
        secret = ctx.pii.decrypt(staff.totp_secret_encrypted or "")
        step = service.matching_totp_step(secret, otp, utcnow())
        if step is None or not await repository.claim_totp_step(session, staff.id, step):
            raise StepUpRejected("The one-time code is wrong or was already used")
        method = "totp"
    else:
        raise StepUpRejected("Confirm with a passkey or, once enrolled, an authenticator code")
    ttl = timedelta(seconds=ctx.settings.step_up_ttl_seconds)
    token = ctx.tokens.issue(
        subject=str(staff.id),
        audience="console-step-up",
        ttl=ttl,
        sid=passkeys.session_binding(console_token),
        amr=method,
    )
    await service.record_audit(
        session,
        StaffIdentity.of(staff),
        "auth.step_up",
        f"staff:{staff.id}",
        {"method": method},
        origin,
    )
    return IssuedStepUp(token=token, expires_in=int(ttl.total_seconds()), method=method)


# --- policy ------------------------------------------------------------------------------------


async def set_policy(
    session: AsyncSession, origin: Origin | None, actor: StaffIdentity, mode: str
) -> str:
    before = await passkeys.passkey_login_mode(session)
    policy = await passkeys.set_passkey_login_mode(session, mode, by=actor.username)
    if before != mode:
        await service.record_audit(
            session,
            actor,
            "auth.policy_update",
            "policy:passkey_login",
            {"before": before, "after": mode},
            origin,
        )
    return policy.passkey_login
