"""All queries of reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import claim_unused
from shoplet.modules.review.models import ProductStats, Review, ReviewPhoto, ReviewVideo


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- photos ----------------------------------------------------------------------------------


async def add(session: AsyncSession, row: ReviewVideo) -> None:
    session.add(row)
    await session.flush()


async def insert_photo(session: AsyncSession, values: Mapping[str, Any]) -> ReviewPhoto:
    row = ReviewPhoto(**values)
    session.add(row)
    await session.flush()
    return row


async def claim_video(
    session: AsyncSession, member_id: int, video_id: int, review_id: int
) -> ReviewVideo | None:
    """Attach the member's unused video to the review (conditionally: a video is used once)."""
    claimed = await claim_unused(
        session,
        ReviewVideo,
        [video_id],
        owner=ReviewVideo.member_id,
        owner_id=member_id,
        target=ReviewVideo.review_id,
        target_id=review_id,
    )
    return claimed[0] if claimed else None


async def claim_photos(
    session: AsyncSession, member_id: int, photo_ids: Sequence[int], review_id: int
) -> list[ReviewPhoto]:
    """Attach the member's unused photos to the review (conditionally: a photo is used once);
    the rows claimed, in the order asked."""
    return await claim_unused(
        session,
        ReviewPhoto,
        photo_ids,
        owner=ReviewPhoto.member_id,
        owner_id=member_id,
        target=ReviewPhoto.review_id,
        target_id=review_id,
    )


# -- reviews ---------------------------------------------------------------------------------


async def insert_review(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new review, unless its line has one (concurrent or not): the new id, or None."""
    stmt = (
        _insert(session, Review)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["line_id"])
        .returning(Review.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def get_review(session: AsyncSession, review_id: int) -> Review | None:
    return (await session.scalars(_fresh(select(Review).where(Review.id == review_id)))).first()


async def reviews_of_lines(session: AsyncSession, line_ids: Sequence[int]) -> list[Review]:
    if not line_ids:
        return []
    return list(await session.scalars(select(Review).where(Review.line_id.in_(line_ids))))


async def update_review(
    session: AsyncSession,
    review_id: int,
    *,
    expected_status: str,
    expected_seq: int,
    values: Mapping[str, Any],
) -> bool:
    """Change a review only if nobody changed its status or rewards meanwhile."""
    stmt = (
        update(Review)
        .where(
            Review.id == review_id,
            Review.status == expected_status,
            Review.reward_seq == expected_seq,
        )
        .values(**values)
        .returning(Review.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_followup(
    session: AsyncSession, review_id: int, member_id: int, content: str, now: datetime
) -> bool:
    """The one follow-up of a review (conditional: a second, concurrent or not, changes
    nothing)."""
    stmt = (
        update(Review)
        .where(
            Review.id == review_id,
            Review.member_id == member_id,
            Review.followup.is_(None),
        )
        .values(followup=content, followup_at=now, updated_at=now)
        .returning(Review.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_reply(session: AsyncSession, review_id: int, content: str, now: datetime) -> bool:
    stmt = (
        update(Review)
        .where(Review.id == review_id)
        .values(reply=content, replied_at=now, updated_at=now)
        .returning(Review.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


def _kind_filter(stmt: Any, kind: str) -> Any:
    if kind == "photos":
        return stmt.where(Review.has_photos.is_(True))
    if kind == "videos":
        return stmt.where(Review.has_video.is_(True))
    if kind == "good":
        return stmt.where(Review.rating >= 4)
    if kind == "neutral":
        return stmt.where(Review.rating == 3)
    if kind == "bad":
        return stmt.where(Review.rating <= 2)
    return stmt


async def product_reviews(
    session: AsyncSession, product_id: int, *, kind: str, before_id: int | None, limit: int
) -> list[Review]:
    """Approved reviews of a product, newest first (index product_id, status, id)."""
    stmt = select(Review).where(Review.product_id == product_id, Review.status == "approved")
    stmt = _kind_filter(stmt, kind)
    if before_id is not None:
        stmt = stmt.where(Review.id < before_id)
    return list(await session.scalars(stmt.order_by(Review.id.desc()).limit(limit)))


async def list_admin(
    session: AsyncSession,
    *,
    status: str | None,
    rating: int | None,
    has_photos: bool | None,
    product_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[Review]:
    stmt = select(Review)
    if status is not None:
        stmt = stmt.where(Review.status == status)
    if rating is not None:
        stmt = stmt.where(Review.rating == rating)
    if has_photos is not None:
        stmt = stmt.where(Review.has_photos.is_(has_photos))
    if product_id is not None:
        stmt = stmt.where(Review.product_id == product_id)
    if before_id is not None:
        stmt = stmt.where(Review.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Review.id.desc()).limit(limit))))


# -- the product's counters ------------------------------------------------------------------


async def add_to_stats(session: AsyncSession, product_id: int, delta: Mapping[str, int]) -> None:
    """Atomic ``count = count + delta`` (the row is created on the first approved review).
    A decrease is a plain UPDATE: the CHECK would refuse the negative row an upsert proposes
    before it finds the conflict."""
    added = {name: getattr(ProductStats, name) + value for name, value in delta.items()}
    if delta["total"] < 0:
        await session.execute(
            update(ProductStats).where(ProductStats.product_id == product_id).values(**added)
        )
        return
    stmt = _insert(session, ProductStats).values(product_id=product_id, **delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id"],
        set_=added,
    )
    await session.execute(stmt)


async def get_stats(session: AsyncSession, product_id: int) -> ProductStats | None:
    stmt = select(ProductStats).where(ProductStats.product_id == product_id)
    return (await session.scalars(_fresh(stmt))).first()


async def approved_counts(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    """How many approved reviews each of ``member_ids`` wrote (absent: none)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Review.member_id, func.count())
        .where(Review.member_id.in_(list(member_ids)), Review.status == "approved")
        .group_by(Review.member_id)
    )
    return {int(m): int(n) for m, n in rows.all()}
