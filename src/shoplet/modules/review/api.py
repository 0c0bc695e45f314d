"""Storefront endpoints of reviews (tag ``reviews``): uploading a photo, an order's lines to
review, writing a review and its follow-up (追评), a product's rating summary and reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.core.video import UploadedVideo
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.moderation.public import screen
from shoplet.modules.review import rules, service, videos
from shoplet.modules.review.errors import (
    PhotoInvalid,
    PhotoTooLarge,
    VideoTooLarge,
    VideoUnreadable,
)
from shoplet.modules.review.schemas import (
    FollowupCreate,
    OrderReviews,
    RatingSummary,
    Review,
    ReviewCreate,
    ReviewFilter,
    ReviewPhoto,
    ReviewPublic,
)

router = APIRouter(tags=["reviews"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]
OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
MAX_PHOTO_BYTES = 5 * 1024 * 1024

_UPLOAD = upload_body("a photo: PNG, JPEG or WebP, at most 5 MB")
# Routes declare a static body limit; the configurable video limit is checked as it is read.
MAX_VIDEO_CEILING = 512 * 1024 * 1024


async def _read_photo(request: Request) -> bytes:
    upload = await read_upload(
        request, MAX_PHOTO_BYTES, too_large=PhotoTooLarge, invalid=PhotoInvalid, noun="photo"
    )
    return upload.data


@router.post(
    "/reviews/photos",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 413),
    openapi_extra=_UPLOAD,
    max_body_size=MAX_PHOTO_BYTES + MULTIPART_OVERHEAD,
)
async def upload_review_photo(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> ReviewPhoto:
    """Upload a photo for a review (the multipart field ``file``); pass its ``id`` in
    ``photo_ids``. 400 ``review.photo_invalid``, 413 ``review.photo_too_large``."""
    data = await _read_photo(request)
    return await service.upload_photo(
        session, get_storage(ctx, "media"), member_id=member.id, data=data
    )


@router.post(
    "/reviews/videos",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 413),
    openapi_extra=upload_body("a video: MP4 or MOV (H.264/H.265), at most 50 MB and 15 s"),
    max_body_size=MAX_VIDEO_CEILING + MULTIPART_OVERHEAD,
)
async def upload_review_video(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> UploadedVideo:
    """Upload a short video for a review (the multipart field ``file``); pass its ``id`` as
    ``video_id``. Its cover is drawn at about 1 s. 400 ``review.video_unreadable``,
    ``review.video_codec_unsupported``, ``review.video_too_long``; 413
    ``review.video_too_large``."""
    limit = min(ctx.settings.content_video_max_bytes, MAX_VIDEO_CEILING)
    upload = await read_upload(
        request,
        limit,
        too_large=lambda: VideoTooLarge(f"at most {limit // (1024 * 1024)} MB"),
        invalid=VideoUnreadable,
        noun="video",
    )
    return await videos.upload_video(
        session,
        get_storage(ctx, "media"),
        member_id=member.id,
        data=upload.data,
        max_seconds=ctx.settings.review_video_max_seconds,
    )


@router.get("/orders/{order_no}/reviews", responses=problem_responses(401, 404))
async def order_reviews(
    order_no: OrderNo,
    member: CurrentMember,
    session: DbSession,
    response: Response,
) -> OrderReviews:
    """The shopper's order's lines: which to review (去评价) or follow up (追评)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.order_reviews(session, member_id=member.id, order_no=order_no)


@router.post(
    "/reviews", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 401, 404, 409)
)
async def create_review(
    body: ReviewCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Review:
    """Review a line of a received or completed order (once). The text goes through the
    sensitive-word filter and WeChat's check, photos through WeChat's image check: until they
    pass the review is ``pending`` (审核中) and not public; ``moderation`` says where it
    stands. Growth is added at once (not for a review rejected outright)."""
    # Screened before the request's transaction opens: WeChat is called here.
    screening = await screen(
        ctx, text=rules.clean_content(body.content)[: rules.MAX_CONTENT], openid=member.openid
    )
    return await service.create_review(
        session, member_id=member.id, body=body, screening=screening, openid=member.openid
    )


@router.post("/reviews/{review_id}/followup", responses=problem_responses(400, 401, 404, 409))
async def add_followup(
    review_id: PathId, body: FollowupCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Review:
    """追评: once per review, within 90 days, screened like the review (400
    ``review.content_rejected`` when refused outright)."""
    screening = await screen(
        ctx, text=rules.clean_content(body.content)[: rules.MAX_CONTENT], openid=member.openid
    )
    return await service.add_followup(
        session,
        member_id=member.id,
        review_id=review_id,
        content=body.content,
        screening=screening,
        openid=member.openid,
    )


@router.get("/products/{product_id}/reviews/summary")
async def review_summary(product_id: PathId, session: DbSession) -> RatingSummary:
    """好评率, counts (with photos too) and the latest approved reviews."""
    return await service.summary(session, product_id)


@router.get("/products/{product_id}/reviews", responses=problem_responses(400))
async def product_reviews(
    product_id: PathId,
    session: DbSession,
    kind: ReviewFilter = "all",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[ReviewPublic]:
    """Approved reviews, newest first: 全部 (``all``), 有图 (``photos``), 好评 (``good``),
    中评 (``neutral``), 差评 (``bad``)."""
    items, next_cursor = await service.product_reviews(
        session, product_id, kind=kind, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)
