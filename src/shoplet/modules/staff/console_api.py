"""Console routes of the staff module: sign-in and MFA, staff management, the audit log.

Mounted under ``/api/v1/console`` like every module's ``console_api.router`` (``app.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, keep_writes_on_error
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page

from . import audit, service
from .auth import ClientOrigin, CurrentStaff, EnrollingStaff, require_permission
from .rbac import StaffIdentity
from .schemas import (
    AuditChainStatus,
    AuditCheckpointInfo,
    AuditEntry,
    LoginRequest,
    MfaConfirm,
    MfaEnrollment,
    StaffAccount,
    StaffCreate,
    StaffProfile,
    StaffUpdate,
    TokenResponse,
)

router = APIRouter()

StaffManager = Annotated[StaffIdentity, Depends(require_permission("staff:manage"))]
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
    """Sign in with username, password and, once MFA is enabled, a TOTP code."""
    try:
        issued = await service.login(
            session, ctx, origin, username=body.username, password=body.password, otp=body.otp
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
    body: StaffCreate, actor: StaffManager, origin: ClientOrigin, session: DbSession
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
    actor: StaffManager,
    origin: ClientOrigin,
    session: DbSession,
) -> StaffAccount:
    """Change a staff member's role, display name or active flag."""
    staff = await service.update_staff(session, staff_id, body, actor=actor, origin=origin)
    return StaffAccount.model_validate(staff)


@router.post("/staff/{staff_id}/reset-mfa", responses=problem_responses(404))
async def reset_mfa(
    staff_id: StaffId, actor: StaffManager, origin: ClientOrigin, session: DbSession
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
