"""Request and response models of content (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import Id, RequestModel, ResponseModel
from shoplet.core.video import ShortVideo
from shoplet.modules.catalog.public import ProductSummary
from shoplet.modules.moderation.public import ModerationState

ContentStatus = Literal["pending", "approved", "rejected", "removed"]
FeedSort = Literal["latest", "hot", "following"]
PrizeCouponStatus = Literal["issued", "retrying", "given_up"]
# Bounded generously here: each kind's rule (length of the plain text) is the service's,
# answered with its own problem code after markup is removed.
Text = Annotated[str, StringConstraints(max_length=4000)]


class QuestionCreate(RequestModel):
    content: Text


class AnswerCreate(RequestModel):
    content: Text


class PostCreate(RequestModel):
    content: Text
    image_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="images from POST /content/images (≤ 9)"
    )
    product_ids: list[Id] = Field(default_factory=list, max_length=20, description="≤ 6")
    topic_id: Id | None = None
    video_id: Id | None = Field(
        default=None, description="one video from POST /content/videos, instead of images"
    )


class CommentCreate(RequestModel):
    content: Text


class PosterRequest(RequestModel):
    client: Literal["h5", "mp"]


class TopicWrite(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    is_active: bool = True


class PinWrite(RequestModel):
    is_pinned: bool


class PostImage(ResponseModel):
    id: int
    url: ServedMediaUrl


class QaAnswer(ResponseModel):
    id: int
    question_id: int
    nickname: str
    is_merchant: bool
    content: str
    like_count: int
    liked: bool = Field(default=False, description="the viewer liked it")
    created_at: datetime


class Question(ResponseModel):
    id: int
    product_id: int
    nickname: str
    content: str
    answer_count: int
    created_at: datetime
    answers: list[QaAnswer] = Field(description="the shop's answer first, then by likes")


class QaSummary(ResponseModel):
    """问大家 on the product page: how many public questions, and the latest two."""

    product_id: int
    total: int
    latest: list[Question]


class MyQuestion(ResponseModel):
    """The asker's own view: where moderation stands."""

    id: int
    product_id: int
    content: str
    status: ContentStatus
    moderation: ModerationState | None
    created_at: datetime


class MyAnswer(ResponseModel):
    id: int
    question_id: int
    content: str
    status: ContentStatus
    moderation: ModerationState | None
    created_at: datetime


class LikeResult(ResponseModel):
    liked: bool
    like_count: int


class FavoriteResult(ResponseModel):
    favorited: bool
    favorite_count: int


class FollowResult(ResponseModel):
    following: bool
    follower_count: int = Field(description="how many shoppers follow the author")


class Topic(ResponseModel):
    id: int
    name: str
    description: str
    is_active: bool
    post_count: int
    created_at: datetime


class Post(ResponseModel):
    id: int
    member_id: int
    nickname: str
    topic_id: int | None
    topic_name: str | None
    content: str
    images: list[ServedMediaUrl]
    video: ShortVideo | None = Field(default=None, description="one short video (then no images)")
    products: list[ProductSummary] = Field(description="linked products still on sale (买同款)")
    is_pinned: bool
    like_count: int
    comment_count: int
    favorite_count: int = 0
    liked: bool = False
    favorited: bool = Field(default=False, description="the viewer 收藏'd it")
    following_author: bool = Field(default=False, description="the viewer follows its author")
    created_at: datetime


class MyPost(Post):
    status: ContentStatus
    moderation: ModerationState | None


class Feed(ResponseModel):
    pinned: list[Post] = Field(description="pinned posts (first page only)")
    items: list[Post]
    next_cursor: str | None


class Comment(ResponseModel):
    id: int
    post_id: int
    nickname: str
    content: str
    created_at: datetime


class MyComment(Comment):
    status: ContentStatus
    moderation: ModerationState | None


class Notice(ResponseModel):
    id: int
    kind: str = Field(
        description="``answer`` (question and product set), ``challenge`` or "
        "``challenge_coupon`` (a prize coupon issued later; topic set)"
    )
    question_id: int | None
    product_id: int | None
    topic_id: int | None
    text: str
    is_read: bool
    created_at: datetime


class QuestionAdmin(ResponseModel):
    id: int
    product_id: int
    member_id: int
    nickname: str
    content: str
    status: ContentStatus
    answer_count: int
    has_merchant_answer: bool
    created_at: datetime


class PostAdmin(Post):
    status: ContentStatus


# -- 话题挑战 ---------------------------------------------------------------------------------

ChallengeStatus = Literal["upcoming", "running", "ended", "awarded"]
# Strict bodies refuse strings for datetimes; clients send ISO 8601 with an offset.
When = Annotated[AwareDatetime, Field(strict=False)]
MAX_PRIZES = 20


class PrizeWrite(RequestModel):
    rank: Annotated[int, Field(ge=1, le=MAX_PRIZES)]
    points: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    coupon_template_id: Id | None = None


class ChallengeWrite(RequestModel):
    starts_at: When
    ends_at: When
    rules: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    prizes: list[PrizeWrite] = Field(min_length=1, max_length=MAX_PRIZES)


class Prize(ResponseModel):
    rank: int
    points: int
    coupon_template_id: int | None
    coupon_name: str | None


class RankEntry(ResponseModel):
    rank: int
    member_id: int
    nickname: str
    post_id: int
    likes: int


class Winner(RankEntry):
    points: int
    coupon_template_id: int | None
    coupon_skipped: str | None = Field(
        description="promotions' code when the coupon could not be given (quota, expiry)"
    )
    coupon_status: PrizeCouponStatus | None = Field(
        default=None,
        description="the coupon prize: issued (已发放), retrying (重试中, the job tries again at "
        "coupon_retry_at), given_up (未发放, coupon_skipped says why); null: no coupon prize",
    )
    coupon_attempts: int = 0
    coupon_retry_at: datetime | None = None


class MyRank(ResponseModel):
    rank: int | None = Field(description="null: no approved post in the window yet")
    likes: int
    post_id: int | None


class Challenge(ResponseModel):
    id: int
    topic_id: int
    topic_name: str
    status: ChallengeStatus
    starts_at: datetime
    ends_at: datetime
    rules: str
    prizes: list[Prize]
    leaderboard: list[RankEntry] = Field(
        description="the top 10 now (the final ranks once settled)"
    )
    winners: list[Winner]
    me: MyRank | None = Field(description="the viewer's rank (signed in)")
    settled_at: datetime | None


class ChallengeSettlement(ResponseModel):
    settled: bool = Field(description="false: it had been settled before (nothing granted now)")
    winners: list[Winner]
