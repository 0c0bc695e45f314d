"""Console routes of achievements (成就: definitions, unlock counts, backfill jobs; permission
``loyalty:manage``, since achievements reward points) and of the mascot (品牌形象;
``content:manage``, since its messages are shop copy). Thin: each route checks the permission,
calls the service and appends an audit entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.modules.achievements import service
from shoplet.modules.achievements.schemas import (
    BackfillJob,
    DefinitionAdmin,
    DefinitionWrite,
    Mascot,
    MascotWrite,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-achievements"])

AchievementManager = Annotated[StaffIdentity, Depends(require_permission("loyalty:manage"))]
MascotManager = Annotated[StaffIdentity, Depends(require_permission("content:manage"))]


@router.get("/achievements")
async def list_achievements(_: AchievementManager, session: DbSession) -> list[DefinitionAdmin]:
    """Every definition (built-ins first seeded) with how many members unlocked it."""
    return await service.list_definitions(session)


@router.post(
    "/achievements", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409)
)
async def create_achievement(
    body: DefinitionWrite, staff: AchievementManager, request: Request, session: DbSession
) -> DefinitionAdmin:
    """A new achievement (run a backfill to award it to members who already reach it)."""
    created = await service.create_definition(session, body)
    await record_audit(
        session,
        staff,
        "achievements.create",
        f"achievements_definition:{created.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return created


@router.put("/achievements/{definition_id}", responses=problem_responses(400, 404, 409))
async def update_achievement(
    definition_id: PathId,
    body: DefinitionWrite,
    staff: AchievementManager,
    request: Request,
    session: DbSession,
) -> DefinitionAdmin:
    """Replace an achievement's terms (a built-in one keeps its code and rule)."""
    updated = await service.update_definition(session, definition_id, body)
    await record_audit(
        session,
        staff,
        "achievements.update",
        f"achievements_definition:{definition_id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return updated


@router.post(
    "/achievements/{definition_id}/backfill",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 404, 409),
)
async def start_backfill(
    definition_id: PathId, staff: AchievementManager, request: Request, session: DbSession
) -> BackfillJob:
    """Evaluate this achievement for every existing member, as a job with progress."""
    job = await service.start_backfill(session, definition_id, staff.id)
    await record_audit(
        session,
        staff,
        "achievements.backfill",
        f"achievements_definition:{definition_id}",
        {"job_id": job.id},
        origin_of(request),
    )
    return job


@router.get("/achievements/backfills/{job_id}", responses=problem_responses(404))
async def get_backfill(job_id: PathId, _: AchievementManager, session: DbSession) -> BackfillJob:
    """A backfill job's progress (``processed`` of ``total`` members, ``unlocked``)."""
    return await service.get_backfill(session, job_id)


@router.get("/mascot")
async def get_mascot(_: MascotManager, session: DbSession) -> Mascot:
    """The shop's mascot as the storefront shows it."""
    return await service.get_mascot(session)


@router.put("/mascot", responses=problem_responses(400))
async def set_mascot(
    body: MascotWrite, staff: MascotManager, request: Request, session: DbSession
) -> Mascot:
    """Set the mascot's name, figure, colour and messages (an empty message: the default)."""
    mascot = await service.set_mascot(session, body)
    await record_audit(
        session,
        staff,
        "achievements.mascot_update",
        "achievements_mascot:1",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return mascot
