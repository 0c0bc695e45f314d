"""The console's HTTP dependencies: the signed-in staff member, permissions, the request origin.

Console routes (``console_api.py`` of every module, through ``staff.public``) declare what they
need::

    @router.post("/console/orders/{order_id}/ship")
    async def ship(
        staff: Annotated[StaffIdentity, Depends(require_permission("orders:ship"))],
        request: Request,
        session: DbSession,
    ) -> ...:
        ...
        await record_audit(
            session, staff, "order.ship", f"order:{order_id}", {...}, origin_of(request)
        )

No token (or a token for another audience) -> 401 ``auth.unauthorized``; a role without the
permission -> 403 ``console.permission_denied``; an owner who has not enrolled MFA (or holds the
enrolment-only token) -> 403 ``console.mfa_enrollment_required``.

Sensitive actions also need a fresh step-up grant (``X-Step-Up-Token``, see ``stepup.py``):
``require_step_up("staff:manage")`` for routes that are sensitive as a whole, or a
``StepUpCheck`` parameter whose ``require()`` a route calls when its input makes it sensitive
(``?reveal=true``, a refund above the threshold). Without one -> 403 ``auth.step_up_required``
with the ``methods`` the staff member can confirm with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import Unauthorized
from shoplet.core.net import client_ip
from shoplet.core.security import Audience, TokenError

from . import passkeys, repository, service
from .errors import MfaEnrollmentRequired, PermissionDenied, StepUpRequired
from .models import Staff
from .rbac import ALL_PERMISSIONS, Origin, StaffIdentity

_bearer = HTTPBearer(auto_error=False, description="Console staff token (POST /console/auth/login)")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _load_active_staff(session: AsyncSession, claims: dict[str, Any]) -> Staff:
    subject = claims.get("sub")
    staff_id = int(subject) if isinstance(subject, str) and subject.isdigit() else None
    staff = await repository.get_staff(session, staff_id) if staff_id is not None else None
    if staff is None or not staff.is_active:
        raise Unauthorized("This staff account no longer exists or is disabled")
    return staff


async def current_staff(ctx: Ctx, session: DbSession, credentials: Bearer) -> StaffIdentity:
    """The staff member behind a full console token."""
    if credentials is None:
        raise Unauthorized("Sign in to the console first")
    token = credentials.credentials
    try:
        claims = ctx.tokens.verify(token, audience="console")
    except TokenError:
        try:
            ctx.tokens.verify(token, audience="console-mfa")
        except TokenError:
            raise Unauthorized("Invalid or expired console token") from None
        raise MfaEnrollmentRequired() from None
    staff = await _load_active_staff(session, claims)
    if staff.role == "owner" and not staff.mfa_enabled:
        # An owner whose MFA was reset (or who was just promoted) must enrol before anything else.
        raise MfaEnrollmentRequired()
    return StaffIdentity.of(staff)


CurrentStaff = Annotated[StaffIdentity, Depends(current_staff)]


async def enrolling_staff(ctx: Ctx, session: DbSession, credentials: Bearer) -> Staff:
    """The staff member behind a console token or an enrolment-only ("console-mfa") token."""
    if credentials is None:
        raise Unauthorized("Sign in to the console first")
    token = credentials.credentials
    claims: dict[str, Any] | None = None
    audiences: tuple[Audience, ...] = ("console", "console-mfa")
    for audience in audiences:
        try:
            claims = ctx.tokens.verify(token, audience=audience)
            break
        except TokenError:
            continue
    if claims is None:
        raise Unauthorized("Invalid or expired console token")
    return await _load_active_staff(session, claims)


EnrollingStaff = Annotated[Staff, Depends(enrolling_staff)]


def require_permission(permission: str) -> Callable[..., Awaitable[StaffIdentity]]:
    """A dependency that returns the signed-in staff member if their role grants ``permission``."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown console permission {permission!r}")

    async def dependency(staff: CurrentStaff) -> StaffIdentity:
        if permission not in staff.permissions:
            raise PermissionDenied(f"Your role ({staff.role}) lacks the {permission} permission")
        return staff

    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    return dependency


@dataclass(frozen=True, slots=True)
class StepUp:
    """Whether this request carries a valid step-up grant for the signed-in staff member."""

    staff: StaffIdentity
    granted: bool
    methods: tuple[str, ...]

    def require(self) -> None:
        if not self.granted:
            raise StepUpRequired(methods=list(self.methods))


StepUpToken = Annotated[
    str | None,
    Header(
        alias=passkeys.STEP_UP_HEADER,
        max_length=2000,
        description="A step-up grant (POST /console/auth/step-up) for sensitive actions",
    ),
]


async def step_up_state(
    ctx: Ctx,
    session: DbSession,
    staff: CurrentStaff,
    credentials: Bearer,
    step_up_token: StepUpToken = None,
) -> StepUp:
    granted = False
    if step_up_token and credentials is not None:
        try:
            claims = ctx.tokens.verify(step_up_token, audience="console-step-up")
        except TokenError:
            claims = {}
        granted = claims.get("sub") == str(staff.id) and claims.get(
            "sid"
        ) == passkeys.session_binding(credentials.credentials)
    methods: tuple[str, ...] = ()
    if not granted:
        account = await repository.get_staff(session, staff.id)
        if account is not None:
            methods = tuple(await service.second_factors(session, account))
    return StepUp(staff=staff, granted=granted, methods=methods)


StepUpCheck = Annotated[StepUp, Depends(step_up_state)]


def require_step_up(permission: str) -> Callable[..., Awaitable[StaffIdentity]]:
    """``require_permission(permission)`` and a valid step-up grant, in that order (a role
    without the permission gets 403 ``console.permission_denied`` whatever its grant)."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown console permission {permission!r}")

    async def dependency(step_up: StepUpCheck) -> StaffIdentity:
        staff = step_up.staff
        if permission not in staff.permissions:
            raise PermissionDenied(f"Your role ({staff.role}) lacks the {permission} permission")
        step_up.require()
        return staff

    dependency.__name__ = f"require_step_up_{permission.replace(':', '_')}"
    return dependency


def origin_of(request: Request) -> Origin:
    """The client address (``core.net.client_ip``) and user agent of a request, for audits."""
    user_agent = request.headers.get("user-agent")
    return Origin(ip=client_ip(request), user_agent=user_agent)


ClientOrigin = Annotated[Origin, Depends(origin_of)]
