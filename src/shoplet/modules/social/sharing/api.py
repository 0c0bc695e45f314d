"""Storefront endpoints of sharing (tag ``share``): a shopper's link to a target, a poster of
it, and the resolution of a scene (a scanned code or an opened short link) to the target's
page, which records the visit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.members.public import CurrentMember, OptionalMember
from shoplet.modules.social.sharing import service
from shoplet.modules.social.sharing.schemas import (
    PosterCreate,
    ShareClaim,
    ShareCreate,
    ShareLinkOut,
    SharePoster,
    ShareResolution,
)

router = APIRouter(tags=["share"])

# Checked by the service against WeChat's scene rules (400 social.share_invalid_scene).
Scene = Annotated[str, Path(min_length=1, max_length=64)]
VisitorId = Annotated[
    str | None,
    Header(
        alias="X-Shoplet-Visitor",
        min_length=8,
        max_length=service.VISITOR_ID_MAX,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="a guest's device id (kept by the storefront), so a guest's visit counts once",
    ),
]


@router.post(
    "/share/links",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 404),
)
async def create_share_link(
    body: ShareCreate, member: CurrentMember, session: DbSession
) -> ShareLinkOut:
    """The shopper's short link to a product, group, campaign or bargain (made once, reused)."""
    return await service.create_link(session, member.id, body.target_kind, body.target_ref)


@router.post(
    "/share/posters",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404, 429, 503),
)
async def create_share_poster(
    body: PosterCreate,
    member: CurrentMember,
    ctx: Ctx,
    integrations: IntegrationsDep,
    request: Request,
) -> SharePoster:
    """A share poster (PNG): product image, title, price, the sharer, and the mini-program code
    (``client=mp``) or a QR code of the H5 link (``client=h5``)."""
    return await service.make_poster(
        ctx,
        integrations.wxacode,
        member_id=member.id,
        kind=body.target_kind,
        ref=body.target_ref,
        platform=body.client,
        h5_origin=str(request.base_url),
    )


@router.post("/share/visits/claim", responses=problem_responses(401, 422))
async def claim_guest_visits(
    member: CurrentMember, session: DbSession, visitor: VisitorId = None
) -> ShareClaim:
    """After sign-in: this device's guest visits (``X-Shoplet-Visitor``) become the member's,
    and the earliest within the window brings them to its sharer (first touch)."""
    if visitor is None:
        return ShareClaim(claimed=0, first_touch=False)
    return await service.claim_guest_visits(session, member_id=member.id, visitor_id=visitor)


@router.get("/share/{scene}", responses=problem_responses(400, 401, 404))
async def resolve_share(
    scene: Scene,
    member: OptionalMember,
    session: DbSession,
    response: Response,
    visitor: VisitorId = None,
) -> ShareResolution:
    """Where a scene leads; the visit counts once per visitor and brings them to the sharer."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.resolve(
        session, scene, member_id=member.id if member else None, visitor_id=visitor
    )
