"""Storefront endpoints of achievements (tag ``achievements``): the shopper's achievements
with progress, the unlocks not celebrated yet, marking one seen, a badge's share card; the
badge and mascot images (SVG, drawn by Shoplet); the mascot's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.achievements import badges, service
from shoplet.modules.achievements.schemas import (
    AchievementSummary,
    Celebration,
    Mascot,
    MyAchievements,
    PosterRequest,
)
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.social.public import SharePoster

router = APIRouter(tags=["achievements"])

AchievementCode = Annotated[str, Path(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
BadgeName = Annotated[
    str,
    Path(
        pattern=r"^(bag|star|flame|team|pen|crown|heart|gift)-[0-9A-F]{6}(-locked)?\.svg$",
        max_length=40,
    ),
]
FigureName = Annotated[
    str, Path(pattern=r"^(cat|bear|rabbit|robot)-[0-9A-F]{6}\.svg$", max_length=24)
]
SVG_CACHE = "public, max-age=86400, immutable"


@router.get("/me/achievements", tags=["me"], responses=problem_responses(401))
async def my_achievements(
    member: CurrentMember, session: DbSession, response: Response
) -> MyAchievements:
    """我的成就: unlocked achievements with their dates, then locked ones with progress N/M."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.my_achievements(session, member.id)


@router.get("/me/achievements/summary", tags=["me"], responses=problem_responses(401))
async def my_achievement_summary(
    member: CurrentMember,
    session: DbSession,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=8)] = 4,
) -> AchievementSummary:
    """会员中心's badges: the newest unlocked ones (``limit``, default 4) and the counts."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.summary(session, member.id, limit=limit)


@router.get("/me/achievements/celebrations", tags=["me"], responses=problem_responses(401))
async def my_celebrations(
    member: CurrentMember, session: DbSession, response: Response
) -> list[Celebration]:
    """Unlocks not celebrated yet (the storefront shows each once, then marks it seen)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.celebrations(session, member.id)


@router.post(
    "/me/achievements/{code}/seen",
    tags=["me"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
async def mark_achievement_seen(
    code: AchievementCode, member: CurrentMember, session: DbSession
) -> None:
    """The unlock's celebration was shown (a second call changes nothing)."""
    await service.mark_seen(session, member.id, code)


@router.post(
    "/me/achievements/{code}/poster",
    tags=["me"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 404, 429, 503),
)
async def achievement_poster(
    *,
    code: AchievementCode,
    body: PosterRequest,
    member: CurrentMember,
    ctx: Ctx,
    integrations: IntegrationsDep,
    request: Request,
) -> SharePoster:
    """The share card (PNG) of an unlocked badge: badge, name, date, the mascot's message,
    the sharer and the shop's code (``client=mp``) or a QR code of the H5 shop (``client=h5``)."""
    return await service.poster(
        ctx,
        integrations.wxacode,
        member_id=member.id,
        code=code,
        platform=body.client,
        h5_origin=str(request.base_url),
    )


@router.get(
    "/achievements/badges/{name}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **problem_responses(422)},
)
async def badge_image(name: BadgeName) -> Response:
    """A badge (SVG): ``<icon>-<RRGGBB>.svg``, or ``…-locked.svg`` in greys."""
    stem = name.removesuffix(".svg")
    locked = stem.endswith("-locked")
    icon, color = stem.removesuffix("-locked").split("-")
    body = badges.badge_svg(icon, f"#{color}", locked=locked, title="成就徽章")
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": SVG_CACHE})


@router.get(
    "/mascot/figures/{name}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **problem_responses(422)},
)
async def mascot_figure(name: FigureName) -> Response:
    """A mascot figure (SVG): ``<figure>-<RRGGBB>.svg``."""
    figure, color = name.removesuffix(".svg").split("-")
    body = badges.mascot_svg(figure, f"#{color}", title="店铺形象")
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": SVG_CACHE})


@router.get("/mascot")
async def get_mascot(session: DbSession, response: Response) -> Mascot:
    """The shop's mascot: name, figure, colour and the merchant's message per occasion."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return await service.get_mascot(session)
