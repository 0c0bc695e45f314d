"""Staff business logic: sign-in, MFA, staff management, the audit log. Flushes, never commits.

Services take plain values (an :class:`~.rbac.Origin` with ip and user agent), never an HTTP
request, so the CLI and jobs call them as the console routes do.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.net import UNKNOWN_IP
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    password_needs_rehash,
    verify_password,
)

from . import audit, passkeys, repository
from .errors import (
    AccountLocked,
    ChallengeInvalid,
    InvalidCredentials,
    InvalidDisplayName,
    InvalidUsername,
    LastOwner,
    MfaAlreadyEnabled,
    MfaCodeRejected,
    MfaInvalid,
    MfaNotEnrolling,
    MfaRequired,
    PasskeySignInRejected,
    StaffNotFound,
    UnknownRole,
    UsernameTaken,
    WeakPassword,
)
from .models import AuditLog, Staff
from .rbac import PERMISSIONS, ROLES, Origin, StaffIdentity
from .schemas import MfaEnrollment, PasskeyAssertion, StaffProfile, StaffUpdate
from .signin_guard import signin_guard

LOCK_AFTER_FAILURES = 10
LOCK_DURATION = timedelta(minutes=15)
# Enrolment-only tokens are short: enough to scan a QR code and type one code.
MFA_ENROLLMENT_TOKEN_TTL = timedelta(minutes=15)
TOTP_ISSUER = "Shoplet"
TOTP_STEP_SECONDS = 30
TOTP_VALID_WINDOW = 1
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")


# --- sign-in -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    mfa_enrollment_required: bool
    staff: Staff


def profile(staff: Staff) -> StaffProfile:
    return StaffProfile(
        id=staff.id,
        username=staff.username,
        display_name=staff.display_name,
        role=staff.role,  # type: ignore[arg-type]  # constrained by a CHECK constraint
        mfa_enabled=staff.mfa_enabled,
        permissions=sorted(PERMISSIONS.get(staff.role, frozenset())),
    )


def issue_token(ctx: AppContext, staff: Staff) -> IssuedToken:
    """A full console token, or an enrolment-only one for an owner without MFA."""
    if staff.role == "owner" and not staff.mfa_enabled:
        ttl = min(MFA_ENROLLMENT_TOKEN_TTL, timedelta(seconds=ctx.settings.staff_token_ttl_seconds))
        token = ctx.tokens.issue(
            subject=str(staff.id), audience="console-mfa", ttl=ttl, role=staff.role
        )
        return IssuedToken(token, int(ttl.total_seconds()), True, staff)
    ttl = timedelta(seconds=ctx.settings.staff_token_ttl_seconds)
    token = ctx.tokens.issue(subject=str(staff.id), audience="console", ttl=ttl, role=staff.role)
    return IssuedToken(token, int(ttl.total_seconds()), False, staff)


async def _verify_password(password_hash: str, password: str) -> bool:
    # argon2 costs tens of milliseconds of CPU and releases the GIL: keep it off the event loop.
    return await asyncio.to_thread(verify_password, password_hash, password)


async def _hash_password(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


def matching_totp_step(secret: str, otp: str, now: datetime) -> int | None:
    """The 30-second step (within ±1 of now) whose code is ``otp``, compared in constant time."""
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    matched: int | None = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(str(totp.generate_otp(step)), otp):
            matched = step
    return matched


async def _refuse(
    session: AsyncSession,
    origin: Origin | None,
    *,
    staff: Staff,
    reason: str,
    now: datetime,
    error: InvalidCredentials | MfaInvalid,
) -> AccountLocked | InvalidCredentials | MfaInvalid:
    """Count a failed sign-in (atomically), audit it, and return the error to raise."""
    count, locked_until = await repository.count_failed_login(
        session, staff.id, now=now, threshold=LOCK_AFTER_FAILURES, lock_until=now + LOCK_DURATION
    )
    detail: dict[str, object] = {"reason": reason, "failed_logins": count}
    if locked_until is not None and locked_until > now:
        detail["locked_until"] = locked_until.isoformat()
    await record_audit(
        session,
        None,
        "auth.login_failed",
        f"staff:{staff.id}",
        detail,
        origin,
        username=staff.username,
    )
    if locked_until is not None and locked_until > now:
        return _locked(locked_until, now)
    return error


def _locked(locked_until: datetime, now: datetime) -> AccountLocked:
    return AccountLocked(
        f"Too many failed sign-ins; try again after {locked_until.isoformat()}",
        retry_after=int((locked_until - now).total_seconds()) + 1,
        locked_until=locked_until.isoformat(),
    )


class LoginRefused(Exception):
    """Wraps a refusal whose bookkeeping (failure count, audit) must be committed anyway."""

    def __init__(self, error: AccountLocked | InvalidCredentials | MfaInvalid) -> None:
        super().__init__(error.detail)
        self.error = error


async def login(
    session: AsyncSession,
    ctx: AppContext,
    origin: Origin | None,
    *,
    username: str,
    password: str,
    otp: str | None,
    passkey: PasskeyAssertion | None = None,
) -> IssuedToken:
    """Check password (and a second factor, TOTP or a passkey, when the staff member has one)
    and issue a token.

    Raises :class:`LoginRefused` when the refusal changed state the caller must commit (failure
    counter, lock, audit entry); other errors (rate limit, MFA code missing) change nothing.
    """
    name = username.strip().lower()
    ip = origin.ip if origin is not None and origin.ip else UNKNOWN_IP
    limit = ctx.settings.login_attempts_limit
    await ctx.limiter.hit(limit, "console-login-ip", ip, detail="Too many sign-in attempts")
    await ctx.limiter.hit(limit, "console-login-user", name, detail="Too many sign-in attempts")

    staff = await repository.get_staff_by_username(session, name)
    # Verify against a dummy hash when there is no such user: same time, same answer.
    password_ok = await _verify_password(
        staff.password_hash if staff is not None else DUMMY_PASSWORD_HASH, password
    )
    now = utcnow()
    if staff is None or not staff.is_active:
        reason = "unknown_user" if staff is None else "inactive"
        await record_audit(
            session, None, "auth.login_failed", None, {"reason": reason}, origin, username=name
        )
        raise LoginRefused(InvalidCredentials())
    if staff.locked_until is not None and staff.locked_until > now:
        raise _locked(staff.locked_until, now)
    if not password_ok:
        refusal = await _refuse(
            session, origin, staff=staff, reason="password", now=now, error=InvalidCredentials()
        )
        raise LoginRefused(refusal)

    methods = await second_factors(session, staff)
    if passkey is not None and "passkey" in methods:
        try:
            await passkeys.verify_assertion(
                session, ctx, passkey, purpose="login", staff_id=staff.id
            )
        except (PasskeySignInRejected, ChallengeInvalid):
            raise LoginRefused(
                await _refuse(
                    session, origin, staff=staff, reason="passkey", now=now, error=MfaInvalid()
                )
            ) from None
    elif methods:
        if otp is None or "totp" not in methods:
            raise MfaRequired(methods=methods)
        secret = ctx.pii.decrypt(staff.totp_secret_encrypted or "")
        step = matching_totp_step(secret, otp, now)
        if step is None or not await repository.claim_totp_step(session, staff.id, step):
            raise LoginRefused(
                await _refuse(
                    session, origin, staff=staff, reason="otp", now=now, error=MfaInvalid()
                )
            )

    guard = signin_guard(ctx)
    if guard is not None:
        await guard(session, ctx, StaffIdentity.of(staff), origin, bool(methods))
    if password_needs_rehash(staff.password_hash):
        staff.password_hash = await _hash_password(password)
    staff.last_login_at = now
    staff.failed_logins = 0
    staff.locked_until = None
    await session.flush()
    await record_audit(
        session,
        StaffIdentity.of(staff),
        "auth.login",
        f"staff:{staff.id}",
        {"method": "passkey" if passkey is not None else "totp" if methods else "password"},
        origin,
    )
    return issue_token(ctx, staff)


async def second_factors(session: AsyncSession, staff: Staff) -> list[str]:
    """What this staff member can confirm sign-ins and sensitive actions with."""
    methods = ["passkey"] if await passkeys.has_passkeys(session, staff.id) else []
    return [*methods, "totp"] if staff.mfa_enabled else methods


# --- MFA enrolment -----------------------------------------------------------------------------


async def start_mfa_enrollment(
    session: AsyncSession, ctx: AppContext, origin: Origin | None, staff: Staff
) -> MfaEnrollment:
    if staff.mfa_enabled:
        raise MfaAlreadyEnabled()
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS).provisioning_uri(
        name=staff.username, issuer_name=TOTP_ISSUER
    )
    staff.totp_pending_encrypted = ctx.pii.encrypt(secret)
    await session.flush()
    await record_audit(
        session, StaffIdentity.of(staff), "auth.mfa_enroll", f"staff:{staff.id}", {}, origin
    )
    return MfaEnrollment(secret=secret, otpauth_uri=uri, qr_png_base64=_qr_png_base64(uri))


def _qr_png_base64(data: str) -> str:
    # Imported here: qrcode brings Pillow, which only MFA enrolment needs.
    import qrcode

    image = qrcode.make(data)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


async def confirm_mfa(
    session: AsyncSession, ctx: AppContext, origin: Origin | None, staff: Staff, otp: str
) -> IssuedToken:
    if staff.mfa_enabled:
        raise MfaAlreadyEnabled()
    if staff.totp_pending_encrypted is None:
        raise MfaNotEnrolling()
    await ctx.limiter.hit(
        ctx.settings.login_attempts_limit,
        "console-mfa-confirm",
        str(staff.id),
        detail="Too many MFA confirmation attempts",
    )
    secret = ctx.pii.decrypt(staff.totp_pending_encrypted)
    now = utcnow()
    step = matching_totp_step(secret, otp, now)
    if step is None:
        raise MfaCodeRejected()
    staff.totp_secret_encrypted = staff.totp_pending_encrypted
    staff.totp_pending_encrypted = None
    staff.mfa_enabled = True
    # The confirming code cannot be replayed to sign in.
    staff.totp_last_step = max(staff.totp_last_step, step)
    await session.flush()
    await record_audit(
        session, StaffIdentity.of(staff), "auth.mfa_confirm", f"staff:{staff.id}", {}, origin
    )
    return issue_token(ctx, staff)


# --- staff management --------------------------------------------------------------------------


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidUsername()
    return name


def _valid_role(role: str) -> str:
    if role not in ROLES:
        raise UnknownRole(f"Unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def _valid_display_name(display_name: str, fallback: str) -> str:
    name = display_name.strip() or fallback
    if not 1 <= len(name) <= 50:
        raise InvalidDisplayName()
    return name


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username:
        raise WeakPassword("The password must not be the username")


async def create_staff(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str,
    actor: StaffIdentity | None,
    origin: Origin | None,
) -> Staff:
    name = _valid_username(username)
    _valid_role(role)
    shown = _valid_display_name(display_name, name)
    _check_password(password, name)
    if await repository.get_staff_by_username(session, name) is not None:
        raise UsernameTaken(f"Username {name!r} is already taken")
    staff = Staff(
        username=name,
        display_name=shown,
        password_hash=await _hash_password(password),
        role=role,
        mfa_enabled=False,
        totp_last_step=0,
        is_active=True,
        failed_logins=0,
        created_at=utcnow(),
    )
    await repository.add_staff(session, staff)
    await record_audit(
        session,
        actor,
        "staff.create",
        f"staff:{staff.id}",
        {"username": name, "role": role, "display_name": shown},
        origin,
        username="cli" if actor is None else None,
    )
    return staff


async def find_staff_by_username(session: AsyncSession, username: str) -> Staff | None:
    """An active account by username (case-insensitive), or None."""
    staff = await repository.get_staff_by_username(session, username.strip().lower())
    return staff if staff is not None and staff.is_active else None


async def get_staff(session: AsyncSession, staff_id: int) -> Staff:
    staff = await repository.get_staff(session, staff_id)
    if staff is None:
        raise StaffNotFound()
    return staff


async def list_staff(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[Staff], str | None]:
    after_id = decode_id_cursor(cursor)
    rows = await repository.list_staff(session, after_id=after_id, limit=limit + 1)
    next_cursor = encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def update_staff(
    session: AsyncSession,
    staff_id: int,
    data: StaffUpdate,
    *,
    actor: StaffIdentity,
    origin: Origin | None,
) -> Staff:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return await get_staff(session, staff_id)
    # Lock active owners first (ordered by id), then read the target: concurrent demotions of the
    # last two owners serialise here and the second one sees only one owner left.
    owners = await repository.lock_active_owners(session)
    staff = await get_staff(session, staff_id)
    new_role = changes.get("role", staff.role)
    new_active = changes.get("is_active", staff.is_active)
    loses_owner = (
        staff.role == "owner" and staff.is_active and (new_role != "owner" or not new_active)
    )
    if loses_owner and not any(o.id != staff.id for o in owners):
        raise LastOwner()
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    if "display_name" in changes:
        shown = _valid_display_name(changes["display_name"], "")
        if shown != staff.display_name:
            before["display_name"], after["display_name"] = staff.display_name, shown
            staff.display_name = shown
    if new_role != staff.role:
        before["role"], after["role"] = staff.role, new_role
        staff.role = new_role
    if new_active != staff.is_active:
        before["is_active"], after["is_active"] = staff.is_active, new_active
        staff.is_active = new_active
    if after:
        await session.flush()
        await record_audit(
            session,
            actor,
            "staff.update",
            f"staff:{staff.id}",
            {"before": before, "after": after},
            origin,
        )
    return staff


async def reset_mfa(
    session: AsyncSession, staff_id: int, *, actor: StaffIdentity, origin: Origin | None
) -> Staff:
    staff = await get_staff(session, staff_id)
    staff.totp_secret_encrypted = None
    staff.totp_pending_encrypted = None
    staff.mfa_enabled = False
    await session.flush()
    await record_audit(
        session,
        actor,
        "staff.reset_mfa",
        f"staff:{staff.id}",
        {"username": staff.username},
        origin,
    )
    return staff


# --- audit log ---------------------------------------------------------------------------------


async def record_audit(  # noqa: PLR0917  (positional, as every console route calls it)
    session: AsyncSession,
    staff: StaffIdentity | None,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None,
    origin: Origin | None,
    *,
    username: str | None = None,
) -> AuditLog:
    """Append one audit entry in the caller's transaction (so it commits or rolls back with the
    change it describes), as the next link of the hash chain (``audit.py``). ``username`` names
    the actor when there is no ``staff`` (CLI, refused sign-ins)."""
    user_agent = origin.user_agent if origin is not None else None
    entry = AuditLog(
        staff_id=staff.id if staff is not None else None,
        username=(staff.username if staff is not None else username or "-")[:64],
        action=action,
        target=target[:128] if target else None,
        detail=detail or {},
        ip=origin.ip[:64] if origin is not None and origin.ip else None,
        user_agent=user_agent[:255] if user_agent else None,
    )
    return await audit.append(session, entry)


async def list_audit(
    session: AsyncSession,
    *,
    staff_id: int | None,
    action: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditLog], str | None]:
    before_id = decode_id_cursor(cursor)
    rows = list(
        await repository.list_audit(
            session, staff_id=staff_id, action=action, before_id=before_id, limit=limit + 1
        )
    )
    next_cursor = encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
