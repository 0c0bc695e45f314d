"""Content tables: product Q&A, posts with topics, their likes and comments, and the notices a
shopper gets when their question is answered.

Every question, answer, post and comment goes through moderation and is public only while its
``status`` is ``approved`` (``pending`` 审核中, ``rejected`` 未通过, ``removed`` by staff). Counters
(``answer_count``, ``like_count``, ``comment_count``, ``favorite_count``) move only by atomic
``count = count ± 1`` UPDATEs. A like (or a 收藏 of a post) is a row unique per (subject,
member): a second one, concurrent or not, inserts nothing and moves nothing. A follow (关注) is
a row unique per (follower, followee), never of oneself. ``hot_score`` is written only by a
conditional UPDATE on the counters it was computed from, so a late writer never stores a stale
score.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

STATUSES = ("pending", "approved", "rejected", "removed")
# A challenge's status, derived from the clock and ``settled_at`` (never stored):
# 未开始, 进行中, 已结束 (waiting to be settled), 已颁奖.
CHALLENGE_STATUSES = ("upcoming", "running", "ended", "awarded")
# A winner's coupon prize: 已发放, 重试中 (the job tries again at ``coupon_retry_at``), 未发放
# (given up after the last attempt, ``coupon_skipped`` says why). None: the prize had no coupon.
PRIZE_COUPON_STATUSES = ("issued", "retrying", "given_up")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Question(Base):
    """A shopper's question on a product (问大家)."""

    __tablename__ = "content_question"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("answer_count >= 0", name="answer_count_non_negative"),
        Index("ix_content_question_product_id_status_id", "product_id", "status", "id"),
        Index("ix_content_question_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    nickname: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Answer(Base):
    """An answer by a buyer of the product (``member_id``) or by the shop (``is_merchant``,
    ``member_id`` null, shown first)."""

    __tablename__ = "content_answer"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("like_count >= 0", name="like_count_non_negative"),
        Index("ix_content_answer_question_id_status_id", "question_id", "status", "id"),
        Index("ix_content_answer_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    question_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    is_merchant: Mapped[bool] = mapped_column(Boolean)
    nickname: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16))
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Topic(Base):
    """A channel the merchant opens (#夏日穿搭): posts choose one."""

    __tablename__ = "content_topic"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("post_count >= 0", name="post_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Post(Base):
    """A shopper's post (种草): text, images (``images`` urls, through the media pipeline),
    linked products, one topic."""

    __tablename__ = "content_post"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("like_count >= 0 AND comment_count >= 0", name="counts_non_negative"),
        CheckConstraint("favorite_count >= 0", name="favorite_count_non_negative"),
        Index("ix_content_post_status_id", "status", "id"),
        Index("ix_content_post_topic_id_status_id", "topic_id", "status", "id"),
        Index("ix_content_post_status_hot_score", "status", "hot_score"),
        Index("ix_content_post_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    nickname: Mapped[str] = mapped_column(String(32))
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    content: Mapped[str] = mapped_column(String(2000))
    images: Mapped[list[str]] = mapped_column(JSON)
    # One short video instead of images: {url, cover_url, duration_ms, width, height}.
    video: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    product_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    favorite_count: Mapped[int] = mapped_column(Integer, default=0)
    hot_score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PostImage(Base):
    """An image a shopper uploaded for a post; a post takes only its writer's unused ones."""

    __tablename__ = "content_post_image"
    __table_args__ = (Index("ix_content_post_image_member_id_id", "member_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(500))
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PostVideo(Base):
    """A short video a shopper uploaded for a post (core/video.py read it): the file, its cover
    and the frames moderation screens; a post takes only its writer's unused one."""

    __tablename__ = "content_post_video"
    __table_args__ = (Index("ix_content_post_video_member_id_id", "member_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(32))
    cover_url: Mapped[str] = mapped_column(String(500))
    frame_urls: Mapped[list[str]] = mapped_column(JSON)
    codec: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Comment(Base):
    __tablename__ = "content_comment"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        Index("ix_content_comment_post_id_status_id", "post_id", "status", "id"),
        Index("ix_content_comment_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    nickname: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Like(Base):
    """One like of a member on an answer or a post."""

    __tablename__ = "content_like"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "member_id"),
        CheckConstraint(_in("subject_type", ("answer", "post")), name="subject_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PostFavorite(Base):
    """A member's 收藏 of a post: one per (member, post)."""

    __tablename__ = "content_post_favorite"
    __table_args__ = (
        UniqueConstraint("member_id", "post_id"),
        Index("ix_content_post_favorite_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    post_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Follow(Base):
    """A member following (关注) an author: one per (follower, followee), never oneself."""

    __tablename__ = "content_follow"
    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id"),
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        Index("ix_content_follow_followee_id", "followee_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    follower_id: Mapped[int] = mapped_column(BigInteger)
    followee_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Notice(Base):
    """What a shopper is told in 我的内容: their question was answered (once per answer), they
    won a topic challenge (once per winner row)."""

    __tablename__ = "content_notice"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_content_notice_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(BigInteger)
    # An answer's notice leads to its question; a challenge prize's (``kind`` ``challenge``,
    # ``ref_id`` the winner row; ``challenge_coupon`` when its coupon was issued later) to its
    # topic.
    question_id: Mapped[int | None] = mapped_column(BigInteger)
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(200))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Challenge(Base):
    """A topic run as a challenge (话题挑战): posts of the topic written in
    [``starts_at``, ``ends_at``) and approved rank by the likes they got before ``ends_at``
    (ties: the earlier post), one rank per member. ``settled_at`` is set once, by the one
    conditional UPDATE that settles it (winners and prizes in the same transaction)."""

    __tablename__ = "content_challenge"
    __table_args__ = (
        UniqueConstraint("topic_id"),
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
        Index("ix_content_challenge_settled_at_ends_at", "settled_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    topic_id: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    rules: Mapped[str] = mapped_column(String(1000))
    settled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChallengePrize(Base):
    """The prize of one rank: points (loyalty) and/or one coupon (promotions' template)."""

    __tablename__ = "content_challenge_prize"
    __table_args__ = (
        UniqueConstraint("challenge_id", "rank"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        CheckConstraint("points >= 0", name="points_non_negative"),
        CheckConstraint("points > 0 OR coupon_template_id IS NOT NULL", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    coupon_template_id: Mapped[int | None] = mapped_column(BigInteger)


class ChallengeWinner(Base):
    """A settled rank: who won it with which post, and what was granted (``coupon_skipped``:
    promotions' code when the coupon could not be given, e.g. its quota ran out).

    ``coupon_status`` is the once-only claim of the coupon prize: a retry moves it from
    ``retrying``/``given_up`` to ``issued`` with one conditional UPDATE in the transaction
    that issues the coupon, so concurrent retriers issue it once."""

    __tablename__ = "content_challenge_winner"
    __table_args__ = (
        UniqueConstraint("challenge_id", "rank"),
        UniqueConstraint("challenge_id", "member_id"),
        Index("ix_content_challenge_winner_member_id", "member_id"),
        Index("ix_content_challenge_winner_coupon_retry", "coupon_status", "coupon_retry_at"),
        CheckConstraint(_in("coupon_status", PRIZE_COUPON_STATUSES), name="coupon_status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(BigInteger)
    nickname: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[int] = mapped_column(BigInteger)
    likes: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    coupon_template_id: Mapped[int | None] = mapped_column(BigInteger)
    coupon_skipped: Mapped[str | None] = mapped_column(String(64))
    coupon_status: Mapped[str | None] = mapped_column(String(12))
    # Tries so far (settlement's included), and when the retry job may try next.
    coupon_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    coupon_retry_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
