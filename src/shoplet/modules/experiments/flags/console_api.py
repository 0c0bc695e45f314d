"""Console routes of feature flags (``experiments:manage``): list, create, edit, kill switch,
history, gray releases. Every change is written with its history row (before/after) and a
staff audit entry in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import service
from .runtime import bus_of
from .schemas import Flag, FlagChange, FlagCreate, FlagToggle, FlagUpdate, Release, ReleaseStart

router = APIRouter(tags=["console-flags"])

FlagManager = Annotated[StaffIdentity, Depends(require_permission("experiments:manage"))]
Key = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _actor(staff: StaffIdentity) -> service.Actor:
    return service.Actor(staff.username, staff.id)


async def _audit(
    request: Request, session: DbSession, staff: StaffIdentity, action: str, flag: Flag
) -> None:
    await record_audit(
        session,
        staff,
        f"experiments.flag_{action}",
        f"experiments_flags:{flag.key}",
        {"version": flag.version, "is_enabled": flag.is_enabled},
        origin_of(request),
    )


@router.get("/flags", responses=problem_responses(400))
async def list_flags(
    _: FlagManager, session: DbSession, cursor: Cursor = None, limit: Limit = 50
) -> Page[Flag]:
    """Feature flags, oldest first."""
    rows, next_cursor = await service.list_flags(session, cursor=cursor, limit=limit)
    return Page(items=[Flag.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/flags", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409))
async def create_flag(
    body: FlagCreate, staff: FlagManager, ctx: Ctx, request: Request, session: DbSession
) -> Flag:
    """A new flag (400 ``experiments.flag_unknown_variant``, ``…_invalid_variants``,
    ``…_invalid_percentage``, ``…_invalid_rule``; 409 ``experiments.flag_exists``)."""
    flag = Flag.model_validate(await service.create_flag(session, bus_of(ctx), body, _actor(staff)))
    await _audit(request, session, staff, "create", flag)
    return flag


@router.get("/flags/{key}", responses=problem_responses(404))
async def get_flag(key: Key, _: FlagManager, session: DbSession) -> Flag:
    """One flag with its rules."""
    return Flag.model_validate(await service.get_flag(session, key))


@router.put("/flags/{key}", responses=problem_responses(400, 404))
async def update_flag(  # noqa: PLR0917
    key: Key, body: FlagUpdate, staff: FlagManager, ctx: Ctx, request: Request, session: DbSession
) -> Flag:
    """Edit a flag's description, variants and rules (a running release keeps its rule)."""
    flag = Flag.model_validate(
        await service.update_flag(session, bus_of(ctx), key, body, _actor(staff))
    )
    await _audit(request, session, staff, "update", flag)
    return flag


@router.post("/flags/{key}/toggle", responses=problem_responses(404))
async def toggle_flag(  # noqa: PLR0917
    key: Key, body: FlagToggle, staff: FlagManager, ctx: Ctx, request: Request, session: DbSession
) -> Flag:
    """The kill switch: off serves the off variant to everyone as soon as processes hear it."""
    flag = Flag.model_validate(
        await service.toggle_flag(session, bus_of(ctx), key, body, _actor(staff))
    )
    await _audit(request, session, staff, "toggle", flag)
    return flag


@router.get("/flags/{key}/history", responses=problem_responses(400, 404))
async def flag_history(
    key: Key, _: FlagManager, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[FlagChange]:
    """Who changed the flag and how, newest first."""
    rows, next_cursor = await service.list_changes(session, key, cursor=cursor, limit=limit)
    return Page(items=[FlagChange.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/flags/{key}/releases",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404, 409),
)
async def start_release(  # noqa: PLR0917
    key: Key,
    body: ReleaseStart,
    staff: FlagManager,
    ctx: Ctx,
    request: Request,
    session: DbSession,
) -> Release:
    """Start a gray release: serve ``variant`` to the first step's share of units, growing
    step by step while the guardrails hold (400 ``experiments.release_invalid``,
    ``experiments.flag_invalid_percentage``; 409 ``experiments.release_running``)."""
    release = await service.start_release(session, bus_of(ctx), key, body, _actor(staff))
    flag = Flag.model_validate(await service.get_flag(session, key))
    await _audit(request, session, staff, "release_start", flag)
    return service.release_view(release)


@router.get("/flags/{key}/releases/latest", responses=problem_responses(404))
async def latest_release(key: Key, _: FlagManager, session: DbSession) -> Release:
    """The flag's latest release and its progress."""
    return service.release_view(await service.get_release(session, key))
