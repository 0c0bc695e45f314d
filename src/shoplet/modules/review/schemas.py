"""Request and response models of reviews (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import Id, RequestModel, ResponseModel
from shoplet.core.video import ShortVideo
from shoplet.modules.catalog.public import ImageSet
from shoplet.modules.moderation.public import ModerationState

ReviewStatus = Literal["pending", "approved", "hidden"]
ReviewFilter = Literal["all", "photos", "videos", "good", "neutral", "bad"]
# Bounded generously here: the rule (500 characters of plain text, at most 9 photos) is the
# service's, answered with its own problem code after markup is removed.
ReviewText = Annotated[str, StringConstraints(max_length=2000)]


class ReviewCreate(RequestModel):
    order_no: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    line_id: Id
    rating: int = Field(ge=1, le=5, description="1–5 stars")
    content: ReviewText = ""
    photo_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="photos from POST /reviews/photos (≤ 9)"
    )
    is_anonymous: bool = False
    video_id: Id | None = Field(
        default=None, description="one short video from POST /reviews/videos (≤ 15 s)"
    )


class FollowupCreate(RequestModel):
    content: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ReplyWrite(RequestModel):
    content: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ReviewPhoto(ResponseModel):
    id: int
    url: str
    image_set: ImageSet | None = None


class Photo(ResponseModel):
    url: str
    image_set: ImageSet | None = None


class ReviewPublic(ResponseModel):
    """A review as the product page shows it."""

    id: int
    product_id: int
    spec_text: str
    rating: int
    content: str
    photos: list[Photo]
    video: ShortVideo | None = Field(default=None, description="a short video (晒单视频)")
    nickname: str
    is_anonymous: bool
    reply: str | None
    followup: str | None
    followup_at: datetime | None
    created_at: datetime


class Review(ReviewPublic):
    """The writer's own view: its status and the growth it brought."""

    order_no: str
    line_id: int
    status: ReviewStatus
    growth: int
    points: int = Field(description="points the review earned (0: none, or the day's cap)")
    moderation: ModerationState | None = Field(
        default=None,
        description="where moderation stands: checking / held (审核中), rejected (未通过, "
        "with the reason and whether it may be appealed), approved",
    )


class ReviewAdmin(Review):
    member_id: int
    title: str
    is_flagged: bool
    replied_at: datetime | None
    moderated_by: str | None
    moderated_at: datetime | None


class RatingSummary(ResponseModel):
    """The product's approved reviews: 好评率 (``good_rate``, whole percent; null without
    reviews), counts by kind and with photos, the average rating (one decimal), the latest."""

    product_id: int
    total: int
    good: int
    neutral: int
    bad: int
    with_photos: int
    good_rate: int | None
    average: float | None
    latest: list[ReviewPublic]


class ReviewableLine(ResponseModel):
    line_id: int
    product_id: int
    sku_id: int
    title: str
    spec_text: str
    image: ServedMediaUrl | None
    review_id: int | None
    can_review: bool
    can_followup: bool


class OrderReviews(ResponseModel):
    """An order's lines and what may be done: 去评价 (``can_review``) and 追评
    (``can_followup``)."""

    order_no: str
    status: str
    lines: list[ReviewableLine]
