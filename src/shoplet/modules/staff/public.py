"""What the rest of Shoplet may call in the staff module.

Every module's ``console_api.py`` takes the signed-in staff member from here
(``require_permission``, ``StaffIdentity``), checks ``pii:reveal``, asks for a fresh step-up on
sensitive actions (``require_step_up``, ``StepUpCheck``) and appends audit entries
(``record_audit`` with ``origin_of(request)``); the ``shoplet`` CLI creates accounts.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Collection
from pathlib import Path

from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.core.settings import Settings

from . import audit, repository, service
from .audit import CheckpointOutcome, verify_export
from .audit_chain import Problem, Report
from .auth import (
    ClientOrigin,
    CurrentStaff,
    StepUp,
    StepUpCheck,
    current_staff,
    origin_of,
    require_permission,
    require_step_up,
)
from .errors import PermissionDenied, PiiRevealDenied, StepUpRequired
from .rbac import ALL_PERMISSIONS, PERMISSIONS, PII_REVEAL, ROLES, Origin, StaffIdentity
from .service import record_audit
from .signin_guard import SignInGuard, set_signin_guard

__all__ = [
    "ALL_PERMISSIONS",
    "PERMISSIONS",
    "PII_REVEAL",
    "ROLES",
    "CheckpointOutcome",
    "ClientOrigin",
    "CurrentStaff",
    "Origin",
    "PermissionDenied",
    "PiiRevealDenied",
    "Problem",
    "Report",
    "SignInGuard",
    "StaffIdentity",
    "StepUp",
    "StepUpCheck",
    "StepUpRequired",
    "checkpoint_audit_chain",
    "create_staff_account",
    "export_audit_log",
    "origin_of",
    "record_audit",
    "require_permission",
    "require_step_up",
    "set_signin_guard",
    "staff_display_names",
    "staff_from_token",
    "staff_with_permission",
    "verify_audit_chain",
    "verify_export",
]


async def create_staff_account(
    settings: Settings, *, username: str, password: str, role: str, display_name: str
) -> str:
    """Create a staff account (``shoplet create-staff``); returns a one-line summary.

    Refuses weak passwords (< 10 characters), unknown roles, malformed or taken usernames with a
    :class:`shoplet.core.errors.ShopletError` whose ``detail`` says what is wrong.
    """
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            staff = await service.create_staff(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                actor=None,
                origin=None,
            )
            summary = f"created {staff.role} {staff.username!r} (id {staff.id})" + (
                "; sign in and enrol MFA before anything else" if staff.role == "owner" else ""
            )
    finally:
        await engine.dispose()
    return summary


async def staff_display_names(session: AsyncSession, usernames: Collection[str]) -> dict[str, str]:
    """username -> display name of these staff accounts (deactivated ones too), in one query;
    unknown usernames are left out, so callers choose their own fallback."""
    return await repository.display_names(session, sorted(set(usernames)))


async def staff_from_token(ctx: AppContext, session: AsyncSession, token: str) -> StaffIdentity:
    """The staff member behind a full console token, checked as every console request checks it
    (401 ``auth.unauthorized``, 403 ``console.mfa_enrollment_required``), for a connection that
    carries its token in a message rather than a header (the support chat's WebSocket)."""
    return await current_staff(
        ctx, session, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    )


async def staff_with_permission(
    session: AsyncSession, permission: str
) -> list[tuple[int, str, str]]:
    """(id, username, display name) of the active staff members whose role grants
    ``permission``, by id (the support chat's transfer targets)."""
    roles = sorted(role for role, granted in PERMISSIONS.items() if permission in granted)
    return [
        (s.id, s.username, s.display_name or s.username)
        for s in await repository.active_staff_of_roles(session, roles)
    ]


async def verify_audit_chain(
    settings: Settings, *, from_seq: int = 1, to_seq: int | None = None
) -> Report:
    """``shoplet audit verify``: walk the audit chain and its checkpoints (read only)."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return await audit.verify(session, settings, from_seq=from_seq, to_seq=to_seq)
    finally:
        await engine.dispose()


async def checkpoint_audit_chain(settings: Settings) -> CheckpointOutcome:
    """``shoplet audit checkpoint``: what the hourly job does, now."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return await audit.make_checkpoint(session, settings)
    finally:
        await engine.dispose()


async def export_audit_log(
    settings: Settings, output: Path, *, from_seq: int = 1, to_seq: int | None = None
) -> int:
    """``shoplet audit export``: the signed JSONL export of ``from_seq..to_seq`` written to
    ``output`` (through a temporary file renamed into place); returns the number of entries."""
    engine = create_engine(settings.resolved_database_url)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    entries = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                async for kind, line in audit.export_lines(
                    session, settings, from_seq=from_seq, to_seq=to_seq
                ):
                    entries += kind == "entry"
                    handle.write(line + "\n")
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        await engine.dispose()
    return entries
