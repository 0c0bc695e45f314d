"""Console routes of the staff module: sign-in, MFA and passkeys, step-up, staff management, the
audit log.

Mounted under ``/api/v1/console`` like every module's ``console_api.router`` (``app.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, keep_writes_on_error
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page

from . import audit, passkeys, service, stepup
from .auth import (
    Bearer,
    ClientOrigin,
    CurrentStaff,
    EnrollingStaff,
    StepUpCheck,
    require_permission,
    require_step_up,
)
from .errors import (
    ChallengeInvalid,
    PasskeyRejected,
    PasskeySignInRejected,
    PasskeyTaken,
    StepUpRejected,
)
from .rbac import StaffIdentity
from .schemas import (
    AuditChainStatus,
    AuditCheckpointInfo,
    AuditEntry,
    AuthPolicyOut,
    AuthPolicyUpdate,
    LoginRequest,
    MfaConfirm,
    MfaEnrollment,
    PasskeyAssertion,
    PasskeyLoginOptionsRequest,
    PasskeyOut,
    PasskeyRegister,
    StaffAccount,
    StaffCreate,
    StaffProfile,
    StaffUpdate,
    StepUpGrant,
    StepUpRequest,
    TokenResponse,
    WebAuthnOptions,
)

router = APIRouter()

StaffManager = Annotated[StaffIdentity, Depends(require_permission("staff:manage"))]
# Creating and changing staff accounts and the sign-in policy also needs a fresh step-up.
SteppedUpStaffManager = Annotated[StaffIdentity, Depends(require_step_up("staff:manage"))]
# Refusals that spend a challenge (or a TOTP step): the spend must be kept.
_SPENDING_REFUSALS = (
    ChallengeInvalid,
    PasskeyRejected,
    PasskeySignInRejected,
    PasskeyTaken,
    StepUpRejected,
)
AuditReader = Annotated[StaffIdentity, Depends(require_permission("audit:read"))]
PageLimit = Annotated[int, Query(ge=1, le=100)]
StaffId = PathId


def _token_response(issued: service.IssuedToken) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        mfa_enrollment_required=issued.mfa_enrollment_required,
        staff=service.profile(issued.staff),
    )


@router.post("/auth/login", responses=problem_responses(423, 429))
async def login(
    body: LoginRequest, origin: ClientOrigin, session: DbSession, ctx: Ctx
) -> TokenResponse:
    """Sign in with username, password and, once MFA or a passkey is enrolled, a TOTP code or a
    passkey (``console.mfa_required`` lists the ``methods``)."""
    try:
        issued = await service.login(
            session,
            ctx,
            origin,
            username=body.username,
            password=body.password,
            otp=body.otp,
            passkey=body.passkey,
        )
    except service.LoginRefused as refused:
        # The request fails, but the failure counter, lock and audit entry must stay.
        keep_writes_on_error(session)
        raise refused.error from None
    return _token_response(issued)


@router.get("/auth/me")
async def me(staff: CurrentStaff, session: DbSession) -> StaffProfile:
    """The signed-in staff member and their permissions."""
    return service.profile(await service.get_staff(session, staff.id))


@router.post("/auth/mfa/enroll", responses=problem_responses(409))
async def enroll_mfa(
    staff: EnrollingStaff, origin: ClientOrigin, session: DbSession, ctx: Ctx
) -> MfaEnrollment:
    """Start TOTP enrolment: a new secret, as text, otpauth URI and QR code."""
    return await service.start_mfa_enrollment(session, ctx, origin, staff)


@router.post("/auth/mfa/confirm", responses=problem_responses(400, 409, 429))
async def confirm_mfa(
    body: MfaConfirm, staff: EnrollingStaff, origin: ClientOrigin, session: DbSession, ctx: Ctx
) -> TokenResponse:
    """Confirm enrolment with a code from the app; returns a full console token."""
    return _token_response(await service.confirm_mfa(session, ctx, origin, staff, body.otp))


# -- passkeys and step-up -----------------------------------------------------------------------


@router.get("/auth/passkeys")
async def list_passkeys(staff: CurrentStaff, session: DbSession) -> list[PasskeyOut]:
    """My passkeys (通行密钥), oldest first; revoked ones are not listed."""
    return [PasskeyOut.model_validate(p) for p in await passkeys.list_passkeys(session, staff.id)]


@router.post("/auth/passkeys/register-options")
async def passkey_register_options(
    staff: CurrentStaff, session: DbSession, ctx: Ctx
) -> WebAuthnOptions:
    """Options for navigator.credentials.create (a challenge valid 5 minutes, used once)."""
    account = await service.get_staff(session, staff.id)
    return await passkeys.registration_options(session, ctx, account)


@router.post(
    "/auth/passkeys", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409)
)
async def register_passkey(
    body: PasskeyRegister,
    staff: CurrentStaff,
    *,
    step_up: StepUpCheck,
    origin: ClientOrigin,
    session: DbSession,
    ctx: Ctx,
) -> PasskeyOut:
    """Register a passkey (attestation none or packed). Once an account has a passkey or TOTP,
    adding another needs a step-up."""
    account = await service.get_staff(session, staff.id)
    await stepup.ensure_step_up_for_new_factor(session, account, granted=step_up.granted)
    try:
        passkey = await stepup.register_passkey(
            session,
            ctx,
            origin,
            account,
            challenge_id=body.challenge_id,
            name=body.name,
            credential=body.credential,
        )
    except _SPENDING_REFUSALS:
        keep_writes_on_error(session)
        raise
    return PasskeyOut.model_validate(passkey)


@router.delete(
    "/auth/passkeys/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def revoke_passkey(
    passkey_id: PathId, staff: CurrentStaff, origin: ClientOrigin, session: DbSession
) -> Response:
    """Revoke one of my passkeys: it can no longer sign in or confirm anything."""
    await stepup.revoke_passkey(session, origin, staff, passkey_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/passkeys/login-options", responses=problem_responses(403, 429))
async def passkey_login_options(
    body: PasskeyLoginOptionsRequest, origin: ClientOrigin, session: DbSession, ctx: Ctx
) -> WebAuthnOptions:
    """Options for navigator.credentials.get: with ``username``, that account's passkeys (the
    second factor after a password); without, any passkey of this shop (passwordless, when the
    owners' policy allows it)."""
    await ctx.limiter.hit(
        ctx.settings.login_attempts_limit,
        "console-passkey-options",
        origin.ip or "unknown",
        detail="Too many sign-in attempts",
    )
    if body.username is None:
        return await stepup.passwordless_options(session, ctx)
    account = await service.find_staff_by_username(session, body.username)
    return await passkeys.assertion_options(session, ctx, purpose="login", staff=account)


@router.post("/auth/passkeys/login", responses=problem_responses(400, 403, 423, 429))
async def passkey_login(
    body: PasskeyAssertion, origin: ClientOrigin, session: DbSession, ctx: Ctx
) -> TokenResponse:
    """Sign in with a passkey alone (user verification required), when the policy allows it."""
    try:
        issued = await stepup.login_with_passkey(session, ctx, origin, body)
    except _SPENDING_REFUSALS:
        keep_writes_on_error(session)
        raise
    return _token_response(issued)


@router.post("/auth/step-up/options", responses=problem_responses(400))
async def step_up_options(staff: CurrentStaff, session: DbSession, ctx: Ctx) -> WebAuthnOptions:
    """Options for confirming a sensitive action with one of my passkeys."""
    return await stepup.step_up_options(session, ctx, await service.get_staff(session, staff.id))


@router.post("/auth/step-up", responses=problem_responses(400, 429))
async def step_up(
    body: StepUpRequest,
    staff: CurrentStaff,
    *,
    credentials: Bearer,
    origin: ClientOrigin,
    session: DbSession,
    ctx: Ctx,
) -> StepUpGrant:
    """Confirm it is me (a passkey or a TOTP code): a grant for sensitive actions, sent as
    ``X-Step-Up-Token`` for the next few minutes."""
    token = credentials.credentials if isinstance(credentials, HTTPAuthorizationCredentials) else ""
    try:
        issued = await stepup.step_up(
            session,
            ctx,
            origin,
            await service.get_staff(session, staff.id),
            console_token=token,
            otp=body.otp,
            assertion=body.passkey,
        )
    except _SPENDING_REFUSALS:
        keep_writes_on_error(session)
        raise
    return StepUpGrant(
        step_up_token=issued.token,
        expires_in=issued.expires_in,
        method="passkey" if issued.method == "passkey" else "totp",
    )


def _policy_out(mode: str, ctx: Ctx) -> AuthPolicyOut:
    return AuthPolicyOut(
        passkey_login="passwordless" if mode == "passwordless" else "second_factor",
        step_up_ttl_seconds=ctx.settings.step_up_ttl_seconds,
        step_up_refund_threshold=ctx.settings.step_up_refund_threshold_fen,
    )


@router.get("/auth/policy")
async def get_policy(_: StaffManager, session: DbSession, ctx: Ctx) -> AuthPolicyOut:
    """The shop's sign-in policy: a passkey as second factor only, or also passwordless."""
    return _policy_out(await passkeys.passkey_login_mode(session), ctx)


@router.put("/auth/policy", responses=problem_responses(403))
async def update_policy(
    body: AuthPolicyUpdate,
    actor: SteppedUpStaffManager,
    origin: ClientOrigin,
    session: DbSession,
    ctx: Ctx,
) -> AuthPolicyOut:
    """Owners choose whether a passkey alone may sign in (needs a step-up)."""
    return _policy_out(await stepup.set_policy(session, origin, actor, body.passkey_login), ctx)


@router.get("/staff")
async def list_staff(
    _: StaffManager,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: PageLimit = 50,
) -> Page[StaffAccount]:
    """Staff accounts, oldest first."""
    rows, next_cursor = await service.list_staff(session, cursor=cursor, limit=limit)
    return Page(items=[StaffAccount.model_validate(s) for s in rows], next_cursor=next_cursor)


@router.post("/staff", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409))
async def create_staff(
    body: StaffCreate, actor: SteppedUpStaffManager, origin: ClientOrigin, session: DbSession
) -> StaffAccount:
    """Create a staff account with a role and an initial password."""
    staff = await service.create_staff(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        actor=actor,
        origin=origin,
    )
    return StaffAccount.model_validate(staff)


@router.patch("/staff/{staff_id}", responses=problem_responses(400, 404, 409))
async def update_staff(
    staff_id: StaffId,
    body: StaffUpdate,
    actor: SteppedUpStaffManager,
    origin: ClientOrigin,
    session: DbSession,
) -> StaffAccount:
    """Change a staff member's role, display name or active flag."""
    staff = await service.update_staff(session, staff_id, body, actor=actor, origin=origin)
    return StaffAccount.model_validate(staff)


@router.post("/staff/{staff_id}/reset-mfa", responses=problem_responses(404))
async def reset_mfa(
    staff_id: StaffId, actor: SteppedUpStaffManager, origin: ClientOrigin, session: DbSession
) -> StaffAccount:
    """Remove a staff member's authenticator (lost phone); owners must enrol again."""
    staff = await service.reset_mfa(session, staff_id, actor=actor, origin=origin)
    return StaffAccount.model_validate(staff)


@router.get("/audit-log", responses=problem_responses(400))
async def audit_log(
    _: AuditReader,
    session: DbSession,
    staff_id: QueryId = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: PageLimit = 50,
) -> Page[AuditEntry]:
    """Audit entries, newest first, optionally for one staff member or one action."""
    rows, next_cursor = await service.list_audit(
        session, staff_id=staff_id, action=action, cursor=cursor, limit=limit
    )
    return Page(items=[AuditEntry.model_validate(e) for e in rows], next_cursor=next_cursor)


@router.get("/audit-log/chain")
async def audit_chain_status(_: AuditReader, session: DbSession, ctx: Ctx) -> AuditChainStatus:
    """The audit chain: its last signed checkpoint and the entries after it, verified now."""
    found = await audit.status(session, ctx.settings)
    point = found.checkpoint
    return AuditChainStatus(
        head_seq=found.head_seq,
        last_checkpoint=None
        if point is None
        else AuditCheckpointInfo(
            seq=point.seq,
            hash=point.hash,
            key_id=point.key_id,
            created_at=point.created_at,
            signature_valid=found.checkpoint_valid,
        ),
        verified_to_seq=found.verified_to_seq,
        intact=None if found.live is False else not found.problems,
        problems=found.problems,
        checked_at=found.checked_at,
    )
