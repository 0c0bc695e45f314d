"""Storefront endpoint of offline codes (tag ``offline-code``): a scanned shelf, poster or table
code (mini-program ``scene``, H5 ``?c=``) resolved to the page it opens, counting the scan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.modules.members.public import OptionalMember
from shoplet.modules.social.offline import service
from shoplet.modules.social.offline.schemas import OfflineCodeResolution

router = APIRouter(tags=["offline-code"])

# Checked by the service (400 social.offline_invalid_scene), so a bad scene is a problem+json.
Scene = Annotated[str, Path(min_length=1, max_length=64)]
VisitorId = Annotated[
    str | None,
    Header(
        alias="X-Shoplet-Visitor",
        min_length=8,
        max_length=service.VISITOR_ID_MAX,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="a guest's device id (kept by the storefront), so a guest counts once",
    ),
]


@router.get("/offline-codes/{scene}", responses=problem_responses(400, 401, 404))
async def resolve_offline_code(
    scene: Scene,
    member: OptionalMember,
    session: DbSession,
    response: Response,
    visitor: VisitorId = None,
) -> OfflineCodeResolution:
    """Where a scanned offline code leads; the scan counts, the visitor once, and a signed-in
    shopper is brought by the code (first touch). A disabled code opens the home page."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.resolve(
        session, scene, member_id=member.id if member else None, visitor_id=visitor
    )
